"""The HTML report's Domains section in headless Chromium: rows filter, rows link to accounts,
and the account view names the account's domains with their status (linked back)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor.dns.evidence import load_evidence
from auditor.engine import evaluate
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.result import FailOn
from auditor.policy.loader import load_policy
from auditor.sources.inventory import parse_accounts
from tests.support.browser import launch_chromium, open_report, wait_for, write_report
from tests.support.shared import DEMO_INVENTORY, REPO

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    accounts = parse_accounts(json.loads(DEMO_INVENTORY.read_text()))
    result = evaluate(
        load_policy([REPO / "examples" / "domain-health.yaml"]),
        Inventory(accounts, InventoryInfo(source="demo")),
        fail_on=FailOn.ERROR,
        now=NOW,
        evidence=load_evidence(REPO / "examples" / "demo-dns.json"),
    )
    return write_report(result, tmp_path_factory.mktemp("html") / "audit.html")


def _visible_domains(page: Any) -> list[str]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('#domains-table tbody tr'))"
        ".filter(r => !r.hidden).map(r => r.dataset.domain)"
    )


def test_domains_filter_and_link_both_ways(browser: Any, report: Path) -> None:
    page, watch = open_report(browser, report)
    try:
        assert len(_visible_domains(page)) == 6
        page.fill("#domains-filter", "inconclusive")
        assert _visible_domains(page) == ["acme-outreach.example"]
        assert (
            page.text_content("#domains-count") == "2 of 13 domains match"
        )  # one sender, one tracking domain
        page.fill("#domains-filter", "")
        assert len(_visible_domains(page)) == 6
        # A domain row links to its accounts; the account view names the domain back.
        page.click("#domain-getacme\\.example a[href='#account=900114']")
        wait_for(page, "!!document.getElementById('account-domains')")
        line = page.text_content("#account-domains")
        assert "getacme.example (SPF ok, DKIM key, DMARC ok, MX invalid)" in line
        assert "track.getacme.example (tracking CNAME cname)" in line
        assert page.get_attribute("#account-domains a", "href") == "#domain-getacme.example"
    finally:
        problems = watch.problems()
        page.close()
    assert problems == []
