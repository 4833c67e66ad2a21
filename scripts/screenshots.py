"""Regenerates the HTML report's screenshots in docs/screenshots/ (linked from the README).

Audits the demo inventory (examples/demo-inventory.json) with the repository's policies/ through
the real CLI, opens the report in headless Debian Chromium at 1400 x 900 px and captures four
views: the top (verdict and executive summary), the rules, the findings and an account view (the
account with the most findings). The report is a local file: the browser makes no request.

    python scripts/screenshots.py                   # writes docs/screenshots/*.png
    python scripts/screenshots.py --out /tmp/shots
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1400, 900
READY = "document.documentElement.dataset.ready === 'true'"


def write_report(folder: Path) -> Path:
    """The demo audit's HTML report, written by the CLI as a user would run it."""
    command = [
        sys.executable,
        "-m",
        "auditor",
        "check",
        "--inventory",
        str(REPO / "examples" / "demo-inventory.json"),
        "--policy",
        str(REPO / "policies"),
        "--format",
        "html",
        "--output-dir",
        str(folder),
        "--quiet",
    ]
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, cwd=REPO, env=env, check=False)
    if done.returncode not in (0, 1):  # 1: the demo has findings, as it should
        raise SystemExit(f"the audit failed with exit code {done.returncode}")
    return folder / "audit.html"


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(READY)


def capture(report: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    url = report.resolve().as_uri()
    shots: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        _open(page, url)
        shots.append(out / "report-top.png")
        page.screenshot(path=shots[-1])
        page.locator("#rules").scroll_into_view_if_needed()
        page.evaluate("document.getElementById('rules').scrollIntoView()")
        shots.append(out / "report-rules.png")
        page.screenshot(path=shots[-1])
        page.click("#chart-rules a.chart-link")  # the worst rule's bar: filters and scrolls
        page.wait_for_timeout(200)
        shots.append(out / "report-findings.png")
        page.screenshot(path=shots[-1])
        top_account = page.locator("#top-accounts a.filter-link").first
        top_account.click()
        page.wait_for_selector("#account:not([hidden])")
        page.wait_for_timeout(200)
        shots.append(out / "report-account.png")
        page.screenshot(path=shots[-1])
        browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for shot in capture(write_report(Path(folder)), args.out):
            print(shot.relative_to(REPO) if shot.is_relative_to(REPO) else shot)


if __name__ == "__main__":
    main()
