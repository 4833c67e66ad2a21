"""The HTML report as the person who must act on it uses it, in headless Chromium: the summary's
links filter and scroll to the findings, the findings table fits its container at desktop widths
and becomes cards on a phone, baseline findings say so, the account view shows each finding's fix
(the policy entry's own words), and no rule text shows a literal backtick.

The browser and pages are ``conftest``'s, as ``test_html_browser``'s: every page is watched (no dialog, console
error or request) and a missing browser fails the module under ``CI=true``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.model.result import FindingStatus
from auditor.testing.generator import generate_accounts
from tests.report.conftest import Opener
from tests.report.test_html_browser import Report
from tests.support.browser import audit

RUNBOOK = "https://runbooks.example/mail/send-gap"
# House words with inline code and a runbook link; a field check with no text of its own; a
# built-in rule whose description has inline code (`bcc_email`).
POLICY = f"""\
version: 1
rules:
  - rule: send-gap
    min_minutes: 20
    title: Space out sends (`minTimeToWaitInMins` of at least 20)
    rationale: Bursts from one mailbox look automated to `gmail.com` and friends.
    remediation: Raise `minTimeToWaitInMins` to 20 or more; see [the runbook]({RUNBOOK}).
  - rule: field
    id: smtp-port
    field: smtp_port
    op: in
    value: [465]
    severity: warning
  - rule: bcc-required
    address: archive@vault.example
  - rule: tracking-domain
    same_domain_as_sender: true
    severity: info
  - rule: imap-connected
"""
LONG = "verylongunbrokentrackingsubdomainname" * 4  # no break opportunity


def _reports(workdir: Path) -> tuple[Report, Report]:
    """The same audit twice: plain, and against a baseline of half its send-gap findings."""
    records = generate_accounts(120, seed=16, first_id=160001)
    for record in records[:10]:  # long unbreakable values, to test that the table still fits
        record["custom_tracking_domain"] = f"{LONG}.example"
    plain = audit(records, POLICY, workdir)
    gaps = [f for f in plain.findings if f.id == "send-gap"]
    known = frozenset((f.id, f.account_id) for f in gaps[::2])
    with_baseline = audit(records, POLICY, workdir, baseline=known)
    return Report(plain, workdir / "plain.html"), Report(with_baseline, workdir / "known.html")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    plain, with_baseline = _reports(tmp_path_factory.mktemp("summary"))
    return {"plain": plain, "baseline": with_baseline}


def opened(open_page: Opener, report: Report, fragment: str = "", width: int = 1280) -> Any:
    page = open_page(report, fragment)
    page.set_viewport_size({"width": width, "height": 900})
    return page


def findings_in_view(page: Any) -> bool:
    """The findings section's heading is at the top of the viewport (scrolled to)."""
    top = page.evaluate("document.getElementById('findings').getBoundingClientRect().top")
    return bool(-2 <= top <= 40)


def wait_scrolled(page: Any) -> None:
    page.wait_for_function(
        "Math.abs(document.getElementById('findings').getBoundingClientRect().top) < 40",
        timeout=5_000,
    )


def shown(page: Any) -> int:
    return int(page.get_attribute("#match-status", "data-count"))


# --- clicking the summary filters and scrolls to the findings -------------------------------------


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("#rules table.rules a.filter-link[href='#rule=send-gap']", {"rule": "send-gap"}),
        (
            "a.card-link[href='#severity=error&status=open']",
            {"severity": "error", "status": "open"},
        ),
        ("#chart-rules a.chart-link[data-rule='smtp-port']", {"rule": "smtp-port"}),
    ],
    ids=["rule", "card", "chart-bar"],
)
def test_summary_links_filter_and_scroll_to_findings(
    open_page: Opener, reports: dict[str, Report], selector: str, expected: dict[str, str]
) -> None:
    report = reports["plain"]
    result = report.result
    page = opened(open_page, report)
    assert not findings_in_view(page)  # the page opens at the top
    page.click(selector)
    wait_scrolled(page)
    want = [
        f
        for f in result.findings
        if all(
            (f.id if key == "rule" else getattr(f, key).value) == value
            for key, value in expected.items()
        )
    ]
    assert want and shown(page) == len(want)
    # A second click on the same link (no hash change) scrolls back again.
    page.evaluate("window.scrollTo(0, 0)")
    assert not findings_in_view(page)
    page.click(selector)
    wait_scrolled(page)


def test_domain_and_client_rows_filter_by_account(
    open_page: Opener, reports: dict[str, Report]
) -> None:
    report = reports["plain"]
    result = report.result
    page = opened(open_page, report)
    link = page.locator("#top-domains a.filter-link").first
    domain = link.text_content()
    link.click()
    wait_scrolled(page)
    accounts = {a.id: a for a in result.accounts}
    want = [
        f
        for f in result.findings
        if f.account_id is not None and accounts[f.account_id].sender_domain == domain
    ]
    assert want and shown(page) == len(want)
    open_count = sum(f.status is FindingStatus.OPEN for f in want)
    row = page.locator("#top-domains tbody tr").first
    assert row.locator("td").first.text_content() == f"{open_count:,}"


# --- layout ---------------------------------------------------------------------------------------

OVERFLOW = """() => {
  const wrap = document.querySelector('#findings .table-wrap');
  const table = document.getElementById('findings-table');
  const message = table.querySelector('tbody td.cell-message');
  return {wrap: wrap.clientWidth, scroll: wrap.scrollWidth,
          tableRight: table.getBoundingClientRect().right, wrapRight: wrap.getBoundingClientRect().right,
          messageRight: message.getBoundingClientRect().right,
          messageWidth: message.getBoundingClientRect().width,
          page: document.documentElement.scrollWidth, viewport: window.innerWidth};
}"""


@pytest.mark.parametrize("width", [1280, 1920])
def test_findings_table_fits_its_container(
    open_page: Opener, reports: dict[str, Report], width: int
) -> None:
    report = reports["plain"]
    # The long tracking domains are info findings of tracking-domain: show those rows.
    page = opened(open_page, report, "rule=tracking-domain", width=width)
    assert LONG in page.text_content("#findings-body")
    box = page.evaluate(OVERFLOW)
    assert box["scroll"] <= box["wrap"], box  # no horizontal scrolling inside the wrapper
    assert box["tableRight"] <= box["wrapRight"] + 0.5, box
    assert box["messageRight"] <= box["wrapRight"] + 0.5, box  # the Message column is whole
    assert box["messageWidth"] >= 120, box
    assert box["page"] <= box["viewport"], box
    # Setting names wrap at "_" or "." (<wbr>), never mid-word.
    breaks = page.eval_on_selector_all("#findings-body td.cell-field code", "c => c.length")
    assert breaks > 0


def test_rows_become_cards_at_phone_width(open_page: Opener, reports: dict[str, Report]) -> None:
    report = reports["plain"]
    page = opened(open_page, report, "rule=tracking-domain", width=390)
    layout = page.evaluate(
        """() => {
      const row = document.querySelector('#findings-body tr');
      const cell = row.querySelector('td.cell-message');
      return {row: getComputedStyle(row).display, cell: getComputedStyle(cell).display,
              label: getComputedStyle(cell, '::before').content,
              head: document.querySelector('#findings-table thead').getBoundingClientRect().height,
              rowRight: row.getBoundingClientRect().right,
              page: document.documentElement.scrollWidth, viewport: window.innerWidth};
    }"""
    )
    assert layout["row"] == "block" and layout["cell"] == "block", layout
    assert layout["label"] == '"Message"', layout  # each line says what it is
    assert layout["head"] <= 1, layout  # the header row is for screen readers only
    assert layout["rowRight"] <= layout["viewport"], layout
    assert layout["page"] <= layout["viewport"], layout


# --- statuses, fixes, text ------------------------------------------------------------------------


def test_baseline_findings_say_baseline(open_page: Opener, reports: dict[str, Report]) -> None:
    report = reports["baseline"]
    result = report.result
    known = [f for f in result.findings if f.status is FindingStatus.BASELINE]
    assert known
    page = opened(open_page, report, "status=baseline&size=500")
    assert shown(page) == len(known)
    statuses = page.eval_on_selector_all(
        "#findings-body td.cell-status", "cells => cells.map(c => c.textContent)"
    )
    assert statuses == ["baseline"] * len(known)
    page = opened(open_page, report, "status=open&rule=send-gap&size=500")
    statuses = page.eval_on_selector_all(
        "#findings-body td.cell-status", "cells => cells.map(c => c.textContent)"
    )
    assert statuses and set(statuses) == {"open"}


def test_account_view_shows_the_fix_for_each_finding(
    open_page: Opener, reports: dict[str, Report]
) -> None:
    report = reports["plain"]
    result = report.result
    account = next(
        a
        for a in result.accounts
        if {"send-gap", "smtp-port"} <= {f.id for f in result.findings if f.account_id == a.id}
    )
    page = opened(open_page, report, f"account={account.id}")
    rows = page.eval_on_selector_all(
        "#account-body table.account-findings tbody tr",
        """rows => rows.map(r => ({rule: r.querySelector('.cell-rule').textContent,
            fix: r.querySelector('.cell-fix').textContent,
            codes: [...r.querySelectorAll('.cell-fix code')].map(c => c.textContent),
            links: [...r.querySelectorAll('.cell-fix a')].map(a => a.href)}))""",
    )
    fixes = {info.id: info.remediation for info in result.rules}
    own = [f for f in result.findings if f.account_id == account.id]
    assert sorted(r["rule"] for r in rows) == sorted(f.id for f in own)
    by_rule = {r["rule"]: r for r in rows}
    assert by_rule["send-gap"]["fix"] == (
        "Raise minTimeToWaitInMins to 20 or more; see the runbook."
    )
    assert by_rule["send-gap"]["codes"] == ["minTimeToWaitInMins"]
    assert by_rule["send-gap"]["links"] == [RUNBOOK]
    # The field check's generated fix, with its setting as code.
    assert fixes["smtp-port"] == "Set `smtp_port` to one of 465 on the account."
    assert by_rule["smtp-port"]["fix"] == "Set smtp_port to one of 465 on the account."
    assert by_rule["smtp-port"]["codes"] == ["smtp_port"]


def test_no_literal_backtick_anywhere(open_page: Opener, reports: dict[str, Report]) -> None:
    report = reports["baseline"]
    result = report.result
    assert any("`" in info.description + info.remediation for info in result.rules)
    account = next(f.account_id for f in result.findings if f.id == "send-gap")
    page = opened(open_page, report, f"account={account}")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    text = page.evaluate(
        """() => { const body = document.body.cloneNode(true);
        body.querySelectorAll('script').forEach(s => s.remove()); return body.textContent; }"""
    )
    assert "Space out sends (minTimeToWaitInMins of at least 20)" in " ".join(text.split())
    assert "`" not in text
    codes = page.eval_on_selector_all("#rules code", "cs => cs.map(c => c.textContent)")
    assert "minTimeToWaitInMins" in codes and "bcc_email" in codes
