"""Benchmark the HTML report at scale: generation time, file size and time-to-interactive.

    python bench/html_report.py [--accounts 50000] [--runs 3] [--keep reports/bench.html]

Builds a deterministic inventory with ``auditor.testing.generator``, evaluates a deliberately
strict policy (most accounts break several rules, ~4 findings per account), renders
``audit.html`` and opens it from a ``file://`` URL in headless Debian Chromium via Playwright.
Time-to-interactive is the page's own ``audit-ready`` performance mark: navigation start until
the data is decoded, the first page of findings is drawn and every control is wired. Prints
figures only; no assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from auditor.engine import evaluate
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.result import AuditResult, FailOn
from auditor.policy.loader import load_policy
from auditor.report import html_report, json_report
from auditor.sources.inventory import parse_accounts
from auditor.testing.generator import generate_accounts
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)

STRICT_POLICY = """\
version: 1
rules:
  - rule: daily-send-limit
    max: 20
  - rule: send-gap
    min_minutes: 20
  - rule: bcc-required
    address: archive@vault.example
  - rule: warmup
    min_reputation: 99
    severity: warning
  - rule: reply-to-required
    domain: replies.vault.example
    only: {type: [SMTP]}
  - rule: smtp-connected
  - rule: imap-connected
    severity: info
waivers:
  - accounts: ["*@getacme.example"]
    rules: [bcc-required]
    reason: "BENCH-1: archive migration for getacme"
    expires: 2099-12-31
"""


def build_result(accounts: int, workdir: Path) -> AuditResult:
    policy_file = workdir / "strict.yaml"
    policy_file.write_text(STRICT_POLICY, encoding="utf-8")
    inventory = Inventory(
        parse_accounts(generate_accounts(accounts)),
        InventoryInfo(source=f"generator: {accounts} accounts", fetched_at=NOW),
    )
    return evaluate(load_policy([policy_file]), inventory, fail_on=FailOn.ERROR, now=NOW)


def time_to_interactive(url: str, runs: int) -> list[tuple[float, float]]:
    """(ready mark in ms after navigation start, wall seconds for goto + ready) per run."""
    from playwright.sync_api import sync_playwright

    figures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            for _ in range(runs):
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(url, timeout=120_000)
                page.wait_for_function(
                    "document.documentElement.dataset.ready === 'true'", timeout=120_000
                )
                wall = time.perf_counter() - started
                mark = page.evaluate("performance.getEntriesByName('audit-ready')[0].startTime")
                figures.append((float(mark), wall))
                page.close()
        finally:
            browser.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3, help="browser loads to take the median of")
    parser.add_argument("--keep", type=Path, help="also write the report here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as temp:
        workdir = Path(temp)
        started = time.perf_counter()
        result = build_result(args.accounts, workdir)
        evaluated = time.perf_counter() - started
        print(
            f"accounts: {len(result.accounts):,}  findings: {len(result.findings):,} "
            f"(open {sum(result.summary.open.values()):,}, waived {result.summary.waived:,})"
        )
        print(f"inventory + evaluation: {evaluated:.2f} s (not part of the report)")

        timings, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            html = html_report.render(result)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        print(
            f"html generation: median {statistics.median(timings):.2f} s wall, "
            f"{statistics.median(cpu):.2f} s CPU "
            f"(runs: {', '.join(f'{t:.2f}' for t in timings)}; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
        started = time.perf_counter()
        json_text = json_report.render(result)
        print(
            f"json report for comparison: {time.perf_counter() - started:.2f} s, "
            f"{len(json_text.encode()) / 1e6:.1f} MB"
        )

        target = workdir / "audit.html"
        target.write_text(html, encoding="utf-8")
        size = target.stat().st_size
        print(f"html size: {size / 1e6:.1f} MB ({size:,} bytes)")
        if args.keep:
            args.keep.parent.mkdir(parents=True, exist_ok=True)
            args.keep.write_text(html, encoding="utf-8")

        try:
            figures = time_to_interactive(target.as_uri(), args.runs)
        except Exception as exc:
            print(
                f"time-to-interactive: not measured ({type(exc).__name__}: {exc})", file=sys.stderr
            )
            return 0
        marks = [mark for mark, _ in figures]
        walls = [wall for _, wall in figures]
        print(
            f"time-to-interactive (ready mark): median {statistics.median(marks) / 1000:.2f} s "
            f"(runs: {', '.join(f'{m / 1000:.2f}' for m in marks)})"
        )
        print(f"goto + ready, wall clock: median {statistics.median(walls):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
