"""The HTML report in a real browser (headless Debian Chromium via Playwright).

Every page is watched: a dialog, a console error, an uncaught exception or any request other than
the report file itself fails the test that opened it. One browser serves the whole module and
each report (including the 50,000-account one) is built once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.model.result import AuditResult, Waived
from auditor.report import json_report
from auditor.report.display import KEEP_BLOCK, display
from auditor.testing.generator import generate_accounts
from tests.report.conftest import Opener
from tests.support.browser import (
    BIG_POLICY,
    STRICT_POLICY,
    XSS_PAYLOADS,
    audit,
    hostile_records,
    wait_for,
    write_report,
)
from tests.support.shared import DEMO_INVENTORY, SHIPPED_POLICIES

BIG_ACCOUNTS = 50_000


class Report:
    """A written report, the JSON report of the same result, and expectations derived from it."""

    def __init__(self, result: AuditResult, path: Path) -> None:
        self.result = result
        self.path = write_report(result, path)
        self.json = json.loads(json_report.render(result))
        self.accounts = {a.id: a for a in result.accounts}

    def findings(self, **filters: str) -> list[dict[str, Any]]:
        """The JSON report's findings that the report's filters should show."""
        pairs = zip(self.json["findings"], self.result.findings, strict=True)
        return [f for f, finding in pairs if self._matches(f, finding.waiver, filters)]

    def _matches(
        self, finding: dict[str, Any], waiver: Waived | None, filters: dict[str, str]
    ) -> bool:
        account = self.accounts.get(finding["account_id"])
        for key, value in filters.items():
            if key in ("severity", "rule", "status"):
                if finding["id" if key == "rule" else key] != value:
                    return False
            elif key == "q":
                texts = [
                    finding[k]
                    for k in ("id", "email", "field", "actual", "expected", "message", "policy")
                ]
                texts += [account.from_name if account else None, str(finding["account_id"] or "")]
                if waiver is not None:  # searched in its parts, as the report holds it
                    texts += [waiver.reason, waiver.expires.isoformat(), waiver.policy]
                if not any(value.lower() in t.lower() for t in texts if t):
                    return False
            elif account is None:
                return False
            elif key == "client":
                if account.client_id != (None if value == "none" else int(value)):
                    return False
            elif key == "provider":
                if account.type != value:
                    return False
            elif key == "tag" and value not in account.tag_names:
                return False
        return True


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """400 generated accounts under a strict policy: every severity, status, client and tag."""
    workdir = tmp_path_factory.mktemp("medium")
    return Report(
        audit(generate_accounts(400, seed=21), STRICT_POLICY, workdir), workdir / "audit.html"
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Report:
    from datetime import UTC, datetime

    from auditor.engine import evaluate
    from auditor.model.result import FailOn
    from auditor.policy.loader import load_policy
    from auditor.sources.snapshot import SnapshotSource

    workdir = tmp_path_factory.mktemp("demo")
    result = evaluate(
        load_policy([SHIPPED_POLICIES]),
        SnapshotSource(DEMO_INVENTORY).load(),
        fail_on=FailOn.ERROR,
        now=datetime(2025, 6, 2, tzinfo=UTC),
    )
    return Report(result, workdir / "audit.html")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Report:
    workdir = tmp_path_factory.mktemp("hostile")
    return Report(audit(hostile_records(), STRICT_POLICY, workdir), workdir / "audit.html")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Report:
    workdir = tmp_path_factory.mktemp("big")
    return Report(
        audit(generate_accounts(BIG_ACCOUNTS), BIG_POLICY, workdir), workdir / "audit.html"
    )


def shown_count(page: Any) -> int:
    return int(page.get_attribute("#match-status", "data-count"))


def hash_params(page: Any) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(page.evaluate("location.hash.slice(1)")))


def column_texts(page: Any, cell: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#findings-body td.cell-{cell}", "cells => cells.map(c => c.textContent)"
    )


# --- counts --------------------------------------------------------------------------------------


def test_counts_match_the_json_report(open_page: Opener, medium: Report) -> None:
    page = open_page(medium)
    summary = medium.json["summary"]
    figures = {
        name: page.inner_text(f'[data-figure="{name}"]').replace(",", "")
        for name in (
            "accounts",
            "accounts-failing",
            "waived",
            "open-error",
            "open-warning",
            "open-info",
        )
    }
    assert figures == {
        "accounts": str(summary["accounts"]),
        "accounts-failing": str(summary["accounts_failing"]),
        "waived": str(summary["waived"]),
        "open-error": str(summary["open"]["error"]),
        "open-warning": str(summary["open"]["warning"]),
        "open-info": str(summary["open"]["info"]),
    }
    assert page.get_attribute("#verdict", "data-result") == summary["result"]
    assert shown_count(page) == len(medium.json["findings"])
    for rule in medium.json["rules"]:
        findings = [f for f in medium.json["findings"] if f["id"] == rule["id"]]
        opened = [f for f in findings if f["status"] == "open"]
        row = page.locator(f'tr[data-rule="{rule["id"]}"]')
        assert row.locator('[data-col="open"]').inner_text() == f"{len(opened):,}"
        assert row.locator('[data-col="waived"]').inner_text() == f"{len(findings) - len(opened):,}"
        assert row.locator('[data-col="accounts-failing"]').inner_text() == (
            f"{len({f['account_id'] for f in opened}):,}"
        )
        assert rule["remediation"] in row.inner_text()
    assert summary["waived"] > 0 and all(summary["open"].values())  # the fixture covers them all


# --- filters, sorting, paging, deep links ---------------------------------------------------------

FILTER_CASES = [
    ("severity", "warning"),
    ("severity", "info"),
    ("rule", "send-gap"),
    ("status", "waived"),
    ("client", "5121"),
    ("client", "none"),
    ("provider", "OUTLOOK"),
    ("tag", "EU"),
]


@pytest.mark.parametrize(("name", "value"), FILTER_CASES)
def test_each_filter_matches_the_json_report(
    open_page: Opener, medium: Report, name: str, value: str
) -> None:
    page = open_page(medium)
    page.select_option(f"#f-{name}", value)
    expected = medium.findings(**{name: value})
    assert 0 < len(expected) < len(medium.json["findings"])
    wait_for(page, f"location.hash.includes('{name}=')")
    assert shown_count(page) == len(expected)
    assert hash_params(page) == {name: value}
    rows = page.locator("#findings-body tr")
    assert rows.count() == min(100, len(expected))
    ids = [int(x.split("id ")[-1]) for x in column_texts(page, "account")]
    assert ids == [f["account_id"] for f in expected[:100]]


def test_free_text_search_and_combined_filters(open_page: Opener, medium: Report) -> None:
    page = open_page(medium)
    page.fill("#f-q", "NorthWind")
    wait_for(page, "location.hash.includes('q=NorthWind')")
    assert shown_count(page) == len(medium.findings(q="NorthWind")) > 0
    page.select_option("#f-severity", "error")
    wait_for(page, "location.hash.includes('severity=error')")
    assert shown_count(page) == len(medium.findings(q="NorthWind", severity="error")) > 0
    page.click("#f-clear")
    wait_for(page, "location.hash === ''")
    assert shown_count(page) == len(medium.json["findings"])
    assert page.input_value("#f-q") == "" and page.input_value("#f-severity") == ""


def test_sorting_by_columns(open_page: Opener, medium: Report) -> None:
    page = open_page(medium)
    header = page.locator('th[data-sort="account"]')
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    ids = sorted(f["account_id"] or -1 for f in medium.json["findings"])
    shown = [int(x.split("id ")[-1]) for x in column_texts(page, "account")]
    assert shown == ids[:100]
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert hash_params(page) == {"sort": "account", "dir": "desc"}
    shown = [int(x.split("id ")[-1]) for x in column_texts(page, "account")]
    assert shown == sorted(ids, reverse=True)[:100]

    page.locator('th[data-sort="severity"] button').click()  # worst first
    ranks = {"error": 3, "warning": 2, "info": 1}
    severities = [ranks[t.strip().split()[-1]] for t in column_texts(page, "severity")]
    assert severities == sorted(severities, reverse=True) and severities[0] == 3
    page.locator('th[data-sort="severity"] button').click()
    assert ranks[column_texts(page, "severity")[0].split()[-1]] == 1

    page.locator('th[data-sort="actual"] button').click()
    assert page.get_attribute('th[data-sort="actual"]', "aria-sort") == "ascending"
    assert page.get_attribute('th[data-sort="severity"]', "aria-sort") == "none"


def test_paging(open_page: Opener, medium: Report) -> None:
    page = open_page(medium)
    total = len(medium.json["findings"])
    assert page.locator("#p-prev").is_disabled()
    page.click("#p-next")
    assert "Showing 101\u2013200 of" in page.inner_text("#match-status")
    assert hash_params(page) == {"page": "2"}
    page.select_option("#p-size", "500")
    assert page.locator("#findings-body tr").count() == min(500, total)
    page.click("#p-last")
    assert page.locator("#p-next").is_disabled()
    assert page.locator("#findings-body tr").count() == total - 500 * ((total - 1) // 500)


def test_deep_link_opens_the_filtered_view(open_page: Opener, medium: Report) -> None:
    page = open_page(medium, "rule=warmup&severity=warning&q=acme&sort=account&dir=desc")
    assert page.input_value("#f-rule") == "warmup"
    assert page.input_value("#f-severity") == "warning"
    assert page.input_value("#f-q") == "acme"
    expected = medium.findings(rule="warmup", severity="warning", q="acme")
    assert shown_count(page) == len(expected) > 0
    assert page.get_attribute('th[data-sort="account"]', "aria-sort") == "descending"
    page.select_option("#f-status", "open")  # changing a filter rewrites the hash
    wait_for(page, "location.hash.includes('status=open')")
    assert hash_params(page) == {
        "rule": "warmup",
        "severity": "warning",
        "status": "open",
        "q": "acme",
        "sort": "account",
        "dir": "desc",
    }
    href = page.get_attribute("#f-link", "href")
    assert href is not None and "status=open" in href


def test_link_in_the_rules_table_filters_findings(open_page: Opener, medium: Report) -> None:
    page = open_page(medium)
    page.click('tr[data-rule="send-gap"] a')
    wait_for(page, "document.getElementById('f-rule').value === 'send-gap'")
    assert shown_count(page) == len(medium.findings(rule="send-gap"))


def test_unknown_deep_link_values_match_nothing(open_page: Opener, medium: Report) -> None:
    page = open_page(medium, "rule=no-such-rule&tag=%3Cb%3E")
    assert shown_count(page) == 0
    assert "No findings match" in page.inner_text("#match-status")
    assert page.input_value("#f-tag") == "<b>"


# --- the account view -----------------------------------------------------------------------------


def test_account_view_from_the_findings_table(open_page: Opener, medium: Report) -> None:
    page = open_page(medium, "severity=warning")
    link = page.locator("#findings-body a.account-link").first
    account_id = int(link.evaluate("a => new URLSearchParams(a.hash.slice(1)).get('account')"))
    link.click()
    wait_for(page, "!document.getElementById('account').hidden")
    assert hash_params(page) == {"account": str(account_id), "severity": "warning"}
    assert_account_view(page, medium, account_id)
    page.click("#account-close")
    wait_for(page, "document.getElementById('account').hidden")
    assert hash_params(page) == {"severity": "warning"}
    assert shown_count(page) == len(medium.findings(severity="warning"))


def test_account_deep_link(open_page: Opener, demo: Report) -> None:
    page = open_page(demo, "account=900101")
    assert page.is_visible("#account")
    assert_account_view(page, demo, 900101)


def test_unknown_account(open_page: Opener, demo: Report) -> None:
    page = open_page(demo, "account=1")
    assert "No account with id 1" in page.inner_text("#account")


def assert_account_view(page: Any, report: Report, account_id: int) -> None:
    account = report.accounts[account_id]
    assert page.inner_text("#account-title") == f"Account {account_id}: {account.from_email}"
    expected = [f for f in report.json["findings"] if f["account_id"] == account_id]
    rows = page.locator("#account-body table.account-findings tbody tr")
    assert rows.count() == len(expected)
    assert [rows.nth(i).locator("td.cell-message").inner_text() for i in range(rows.count())] == [
        f["message"] for f in expected
    ]
    settings = {
        name: value
        for name, value in page.eval_on_selector_all(
            "#account-body table.settings tbody tr",
            "rows => rows.map(r => [r.dataset.setting, r.querySelector('td.value').textContent])",
        )
    }
    assert settings["password"] == ("set" if account.has_password else "not set")
    assert settings["imap_password"] == ("set" if account.has_imap_password else "not set")
    assert settings["signature"] == (account.signature or "(not set)")
    assert settings["message_per_day"] == str(account.message_per_day)
    assert settings["minTimeToWaitInMins"] == (
        "(not set)" if account.min_time_to_wait_mins is None else str(account.min_time_to_wait_mins)
    )
    failing = page.eval_on_selector_all(
        "#account-body table.settings tr.failing", "rows => rows.map(r => r.dataset.setting)"
    )
    assert set(failing) == {f["field"] for f in expected if f["field"]}
    tags = page.eval_on_selector_all(
        "#account-body ul.chips li", "li => li.map(x => x.textContent)"
    )
    campaigns = [str(c) for c in account.campaign_ids or ()]
    assert tags == [*account.tag_names, *campaigns]


# --- safety ---------------------------------------------------------------------------------------

INJECTED = (
    "img, iframe, object, embed, frame, base, [onerror], [onload], [onclick], "
    "a[href^='javascript'], svg:not(figure svg)"
)


def test_xss_payloads_stay_inert_text(open_page: Opener, hostile: Report) -> None:
    page = open_page(hostile)
    assert page.eval_on_selector_all(INJECTED, "nodes => nodes.length") == 0
    assert page.evaluate("document.scripts.length") == 2
    failures = page.inner_text("table.failures")
    assert "535 <img src=x onerror=alert(1)>" in failures
    assert "535 </script><script>alert(1)</script>" in failures
    assert '"><svg onload=alert(1)>' in page.inner_text("#chart-provider table")

    for index, payload in enumerate(XSS_PAYLOADS):
        account = hostile.result.accounts[index]
        page.evaluate(f"location.hash = 'account={account.id}'")
        wait_for(
            page, f"document.getElementById('account-title').textContent.includes('{account.id}')"
        )
        body = page.inner_text("#account-body")
        assert payload.strip("\u2028\u2029") in body
        signature = page.locator('#account-body tr[data-setting="signature"] td.value')
        # As the report shows text: line and paragraph separators escaped.
        shown = display(f"<p>{payload}</p>{XSS_PAYLOADS[1]}", KEEP_BLOCK)
        assert signature.text_content() == shown
        assert page.eval_on_selector_all(INJECTED, "nodes => nodes.length") == 0

    page.evaluate("location.hash = 'q=' + encodeURIComponent('<img src=x')")
    wait_for(page, "location.hash.includes('q=')")
    assert shown_count(page) == len(hostile.findings(q="<img src=x")) > 0
    messages = " ".join(column_texts(page, "message"))
    assert "<img src=x onerror=alert(1)>" in messages
    assert page.evaluate("document.scripts.length") == 2
    assert page.eval_on_selector_all(INJECTED, "nodes => nodes.length") == 0


def test_tag_and_provider_payloads_filter_as_plain_values(
    open_page: Opener, hostile: Report
) -> None:
    page = open_page(hostile)
    page.select_option("#f-tag", XSS_PAYLOADS[1])
    wait_for(page, "location.hash.includes('tag=')")
    assert shown_count(page) == len(hostile.findings(tag=XSS_PAYLOADS[1])) > 0
    page.select_option("#f-provider", XSS_PAYLOADS[2])
    wait_for(page, "location.hash.includes('provider=')")
    assert shown_count(page) == len(hostile.findings(tag=XSS_PAYLOADS[1], provider=XSS_PAYLOADS[2]))
    assert page.eval_on_selector_all(INJECTED, "nodes => nodes.length") == 0


# --- print and accessibility ----------------------------------------------------------------------


def test_print_shows_the_report_without_controls(open_page: Opener, medium: Report) -> None:
    page = open_page(medium, "severity=error")
    expected = len(medium.findings(severity="error"))
    assert expected > 100
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # what printing fires
    assert page.locator("#findings-body tr").count() == min(expected, 1000)
    page.emulate_media(media="print")
    for chrome in ("#filters", "#pager", "nav.toc", ".skip-link"):
        assert not page.is_visible(chrome), chrome
    assert page.is_visible("#summary") and page.is_visible("#findings-table")
    assert "severity = error" in page.inner_text("#match-status")
    summary_top = page.eval_on_selector("#summary", "e => e.getBoundingClientRect().top")
    findings_top = page.eval_on_selector("#findings", "e => e.getBoundingClientRect().top")
    assert summary_top < findings_top
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.locator("#findings-body tr").count() == 100


def test_controls_are_labelled_and_tables_have_headers(open_page: Opener, medium: Report) -> None:
    page = open_page(medium)
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('select, input, button')]
        .filter(c => !(c.labels && c.labels.length) && !c.textContent.trim()
                     && !c.getAttribute('aria-label')).map(c => c.id || c.outerHTML)""")
    assert unlabelled == []
    headless = page.evaluate("""() => [...document.querySelectorAll('table')]
        .filter(t => !t.querySelector('th')).length""")
    assert headless == 0
    levels = page.eval_on_selector_all("h1, h2", "hs => hs.map(h => h.tagName)")
    assert levels[0] == "H1" and levels.count("H1") == 1
    # Waived rows say so in words, not only in color.
    page.select_option("#f-status", "waived")
    wait_for(page, "location.hash.includes('status=waived')")
    status = page.inner_text("#findings-body tr.waived td.cell-status >> nth=0")
    waiver = next(f.waiver for f in medium.result.findings if f.waiver)
    assert "waived" in status and f"Reason: {waiver.reason}" in status
    assert f"Expires {waiver.expires} ({waiver.policy})" in status


# --- scale ----------------------------------------------------------------------------------------


def test_fifty_thousand_accounts_become_interactive(open_page: Opener, big: Report) -> None:
    assert len(big.result.accounts) == BIG_ACCOUNTS
    page = open_page(big, timeout_ms=120_000)  # generous: a CI machine may be slow; not timed
    assert int(page.get_attribute("#match-status", "data-total")) == len(big.json["findings"])
    assert page.locator("#findings-body tr").count() == 100
    page.select_option("#f-tag", "EU")
    wait_for(page, "location.hash.includes('tag=EU')", timeout_ms=60_000)
    assert shown_count(page) == len(big.findings(tag="EU"))
    page.fill("#f-q", "fabrikam")
    wait_for(page, "location.hash.includes('q=fabrikam')", timeout_ms=60_000)
    assert shown_count(page) == len(big.findings(tag="EU", q="fabrikam")) > 0
    account_id = big.result.accounts[-1].id
    page.evaluate(f"location.hash = 'account={account_id}'")
    wait_for(page, "!document.getElementById('account').hidden", timeout_ms=60_000)
    expected = [f for f in big.json["findings"] if f["account_id"] == account_id]
    assert page.locator("#account-body table.account-findings tbody tr").count() == len(expected)


def test_report_size_stays_compact(big: Report) -> None:
    size = big.path.stat().st_size
    json_size = len(json.dumps(big.json))
    assert size < json_size / 3, (size, json_size)
