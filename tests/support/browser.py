"""Reports to test the HTML format with, and a headless Chromium to open them in.

The audits are built through the real pipeline (wire dicts -> ``parse_accounts`` -> policy file ->
``evaluate``), so the report under test is what ``smartlead-audit check`` would write. The browser
is Debian's ``/usr/bin/chromium`` driven by Playwright (its own browser download is not used).
When ``CI=true``, a missing Playwright or Chromium fails the tests instead of skipping them: a
CI run must not pass by not testing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor.engine import BaselineKey, evaluate
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.result import AuditResult, FailOn
from auditor.policy.loader import load_policy
from auditor.report import html_report
from auditor.sources.inventory import parse_accounts
from auditor.testing.generator import generate_accounts
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
READY = "document.documentElement.dataset.ready === 'true'"

XSS_PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "<!--<script>alert(1)//-->",
    "javascript:alert(1)",
    "\u2028'-alert(1)-'\u2029",
)

# Most generated accounts break several of these: ~4 findings per account, errors to info.
STRICT_POLICY = """\
version: 1
rules:
  - rule: daily-send-limit
    max: 20
  - rule: send-gap
    min_minutes: 20
    severity: warning
  - rule: bcc-required
    address: archive@vault.example
  - rule: tracking-domain
    same_domain_as_sender: true
    severity: info
  - rule: smtp-connected
  - rule: warmup
    min_reputation: 95
    severity: warning
waivers:
  - accounts: ["*@getacme.example"]
    rules: [bcc-required]
    reason: "TEST-1: archive migration <b>for</b> getacme"
    expires: 2099-12-31
"""

# Fewer rules for the 50,000-account report: it is about scale, and evaluation is the slow part.
BIG_POLICY = """\
version: 1
rules:
  - rule: daily-send-limit
    max: 20
  - rule: send-gap
    min_minutes: 20
  - rule: bcc-required
    address: archive@vault.example
    severity: warning
waivers:
  - accounts: ["*@getacme.example"]
    rules: [bcc-required]
    reason: "BIG-1: archive migration"
    expires: 2099-12-31
"""


def audit(
    records: list[dict[str, Any]],
    policy_text: str,
    workdir: Path,
    *,
    source: str = "test inventory",
    baseline: frozenset[BaselineKey] = frozenset(),
) -> AuditResult:
    """Evaluate ``policy_text`` over wire-format ``records`` as the CLI would (``--baseline``:
    the findings of ``baseline`` count as known)."""
    workdir.mkdir(parents=True, exist_ok=True)
    policy_file = workdir / "policy.yaml"
    policy_file.write_text(policy_text, encoding="utf-8")
    inventory = Inventory(parse_accounts(records), InventoryInfo(source=source, fetched_at=NOW))
    policy = load_policy([policy_file])
    return evaluate(policy, inventory, fail_on=FailOn.ERROR, now=NOW, baseline=baseline)


def hostile_records() -> list[dict[str, Any]]:
    """Generated accounts with attack strings in every free-text field a report shows."""
    records = generate_accounts(12, seed=11, first_id=700001)
    for index, record in enumerate(records[:6]):
        payload = XSS_PAYLOADS[index]
        record["from_name"] = payload
        record["signature"] = f"<p>{payload}</p>{XSS_PAYLOADS[1]}"
        record["tags"] = [{"tag_id": 900 + index, "tag_name": payload, "tag_color": payload}]
        record["is_smtp_success"] = False
        record["smtp_failure_error"] = f"535 {payload}"
        record["custom_tracking_domain"] = f"{payload}.example"
    records[0]["type"] = XSS_PAYLOADS[2]
    records[1]["from_email"] = f"{XSS_PAYLOADS[2]}@evil.example"
    return records


def write_report(result: AuditResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_report.render(result), encoding="utf-8")
    return path


def browser_missing(reason: str) -> None:
    """Skip locally; fail under CI, where a missing browser must not look like a pass."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


def launch_chromium() -> Iterator[Any]:
    """Yield a Playwright ``Browser`` on Debian's Chromium; for a module-scoped fixture."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        browser_missing("playwright is not installed (pip install playwright)")
        return
    if not Path(CHROMIUM).exists():
        browser_missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
        return
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
        except Error as exc:
            browser_missing(f"cannot start {CHROMIUM}: {exc}")
            return
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageWatch:
    """What a page did that a safe, self-contained report never does."""

    allowed_url: str
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))

    def problems(self) -> list[str]:
        foreign = [url for url in self.requests if url.split("#")[0] != self.allowed_url]
        return (
            [f"dialog {d}" for d in self.dialogs]
            + [f"console error {e}" for e in self.console_errors]
            + [f"page error {e}" for e in self.page_errors]
            + [f"request to {u}" for u in foreign]
        )


def wait_for(page: Any, expression: str, *, timeout_ms: int = 10_000) -> None:
    """Poll a JavaScript expression until it is truthy.

    Not ``page.wait_for_function``: its polling evaluates the string inside the page, which the
    report's Content-Security-Policy (rightly) forbids; ``page.evaluate`` runs it from outside.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_ms} ms waiting for {expression}")
        page.wait_for_timeout(25)


def open_report(
    browser: Any, path: Path, fragment: str = "", *, timeout_ms: int = 30_000
) -> tuple[Any, PageWatch]:
    """A new page on ``file://path#fragment``, waited until the script says it is ready."""
    url = path.resolve().as_uri()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = PageWatch(allowed_url=url)
    watch.attach(page)
    page.goto(url + (f"#{fragment}" if fragment else ""), timeout=timeout_ms)
    wait_for(page, READY, timeout_ms=timeout_ms)
    return page, watch
