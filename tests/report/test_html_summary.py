"""The HTML report's executive summary and rule texts: hotspot counts against a count done the
slow, obvious way, the rules' order, rule texts' inline Markdown kept inert, and the waiver
register's empty cells (the page's parts read in Chromium, as a reader sees them)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from auditor.model.result import AuditResult, FindingStatus
from auditor.report.html.summary import TOP_ROWS, hotspots, rule_chart
from auditor.report.inline import Segment, first_link, segments
from auditor.report.view import rule_groups
from auditor.testing.generator import generate_accounts
from tests.report.conftest import Opener
from tests.report.test_html_browser import Report
from tests.support.browser import audit

POLICY = """\
version: 1
rules:
  - rule: imap-connected
    severity: info
  - rule: send-gap
    min_minutes: 20
    severity: warning
    remediation: "Raise it; <b>bold</b> [bad](javascript:alert(1)) [good](https://ok.example/run)"
  - rule: daily-send-limit
    max: 20
  - rule: bcc-required
    address: archive@vault.example
  - rule: duplicate-sender
waivers:
  - accounts: ["*@getacme.example"]
    rules: [bcc-required]
    reason: "TEST-2: archive migration"
    expires: 2099-12-31
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    records = generate_accounts(400, seed=21, first_id=210001)
    return audit(records, POLICY, tmp_path_factory.mktemp("summary"))


@pytest.fixture
def page(result: AuditResult, open_page: Opener, tmp_path: Path) -> Any:
    return open_page(Report(result, tmp_path / "audit.html"))


def texts(page: Any, selector: str, what: str = "e.textContent") -> list[Any]:
    return list(page.eval_on_selector_all(selector, f"es => es.map(e => {what})"))


def test_hotspots_count_what_a_slow_count_counts(result: AuditResult) -> None:
    accounts = {a.id: a for a in result.accounts}
    keys = {
        "accounts": lambda a: a.email,
        "clients": lambda a: "no client" if a.client_id is None else f"client {a.client_id}",
        "domains": lambda a: a.sender_domain,
    }
    spots = hotspots(result.findings, result.accounts)
    for kind, key in keys.items():
        open_, waived, failing = Counter[str](), Counter[str](), {}
        for f in result.findings:
            if f.account_id is None:
                continue
            label = key(accounts[f.account_id])
            if f.status is FindingStatus.OPEN:
                open_[label] += 1
                failing.setdefault(label, set()).add(f.account_id)
            elif f.status is FindingStatus.WAIVED:
                waived[label] += 1
        rows = getattr(spots, kind)
        assert 0 < len(rows) <= TOP_ROWS
        assert [r.open for r in rows] == sorted((r.open for r in rows), reverse=True)
        assert rows[0].open == max(open_.values())
        for row in rows:
            assert (row.open, row.waived) == (open_[row.label], waived[row.label])
            if kind != "accounts":
                assert row.accounts == len(failing.get(row.label, ()))


def test_rule_chart_stacks_every_finding_of_each_rule(result: AuditResult) -> None:
    groups = [g for g in rule_groups(result) if g.findings]
    chart = rule_chart(groups)
    for bar, group in zip(chart.bars, groups, strict=False):
        counts = Counter(f.status.value for f in group.findings)
        assert {p.status: p.value for p in bar.pieces} == counts
        assert bar.href == f"#rule={group.info.id}"
        xs = [p.x for p in bar.pieces]
        assert xs == sorted(xs) and xs[0] == chart.label_width  # stacked, left to right


def test_rules_are_listed_worst_first_and_quiet_ones_fold_away(
    result: AuditResult, page: Any
) -> None:
    groups = {g.info.id: g for g in rule_groups(result)}
    listed = texts(page, "#rules > .table-wrap table.rules tbody tr", "e.dataset.rule")
    quiet = texts(page, "#quiet-rules table.rules tbody tr", "e.dataset.rule")
    assert sorted(listed + quiet) == sorted(groups)
    assert all(groups[r].open for r in listed) and not any(groups[r].open for r in quiet)
    urgency = [(-groups[r].info.severity.rank, -groups[r].open) for r in listed]
    assert urgency == sorted(urgency)
    assert quiet  # imap-connected finds nothing in generated accounts; it is folded away
    assert not page.is_visible("#quiet-rules table.rules")


def test_rule_text_markdown_stays_inert(page: Any) -> None:
    fix = 'tr[data-rule="send-gap"] .remediation'
    assert texts(page, fix + " b") == []
    (text,) = texts(page, fix)
    assert "<b>bold</b>" in text and "[bad](javascript:alert(1))" in text
    assert texts(page, fix + " a", "e.href") == ["https://ok.example/run"]
    assert "bcc_email" in texts(page, "#rules .description code")
    assert all("`" not in t for t in texts(page, "#rules"))


def test_segments() -> None:
    assert segments("Set `a_b` **now**: [doc](https://x.example/a_b), or http://y.example.") == (
        Segment("text", "Set "),
        Segment("code", "a_b"),
        Segment("text", " "),
        Segment("strong", "now"),
        Segment("text", ": "),
        Segment("link", "doc", "https://x.example/a_b"),
        Segment("text", ", or "),
        Segment("link", "http://y.example", "http://y.example"),
        Segment("text", "."),
    )
    assert segments("a ` b") == (Segment("text", "a ` b"),)
    assert first_link("see [x](javascript:1) then https://ok.example") == "https://ok.example"
    assert first_link("no link") is None


def test_waiver_register_says_not_set(page: Any) -> None:
    cells = texts(page, "table.waivers tbody tr:first-child td")
    assert cells[3:7] == ["not set"] * 4  # owner, ticket, approver, created


def test_summary_links_are_filters_the_script_reads(page: Any) -> None:
    links = texts(page, "#summary a.filter-link", "e.getAttribute('href')")
    assert links and all(re.fullmatch(r"#[a-z]+=[^&]+(&[a-z]+=[^&]+)*", link) for link in links)
    keys = {pair.split("=")[0] for link in links for pair in link[1:].split("&")}
    assert keys <= {"severity", "status", "rule", "account", "client", "domain"}
