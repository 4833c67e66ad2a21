"""The engine takes DNS evidence as an input: required for DNS rules unless skipped on purpose;
waivers cover a domain finding through its first account; inconclusive is never a pass."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.dns.evidence import Evidence
from auditor.engine import evaluate
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.result import FailOn, FindingStatus
from auditor.policy.loader import Policy, load_policy
from auditor.sources.inventory import parse_accounts
from tests.support.accounts import wire

NOW = datetime(2026, 11, 27, tzinfo=UTC)
INVENTORY = Inventory(
    parse_accounts([wire(id=1), wire(id=2, from_email="b@acme.example")]), InventoryInfo("t")
)


def _policy(tmp_path: Path, text: str) -> Policy:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nrules:\n" + text)
    return load_policy([path])


def test_dns_rules_need_evidence_unless_skipped(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "  - rule: dns-mx\n")
    with pytest.raises(ValueError, match="DNS evidence"):
        evaluate(policy, INVENTORY, fail_on=FailOn.ERROR, now=NOW)
    skipped = evaluate(policy, INVENTORY, fail_on=FailOn.ERROR, now=NOW, skip_dns=True)
    assert skipped.findings == () and skipped.dns is None


def test_one_finding_per_domain_waivable_and_inconclusive_fails(tmp_path: Path) -> None:
    evidence = Evidence.from_zone({"acme.example": {"MX": "servfail", "TXT": ["v=spf1 +all"]}})
    policy = _policy(tmp_path, "  - rule: dns-mx\n  - rule: dns-spf\n")
    result = evaluate(policy, INVENTORY, fail_on=FailOn.ERROR, now=NOW, evidence=evidence)
    by_rule = {f.rule: f for f in result.findings}
    assert len(result.findings) == 2  # two accounts, one domain: one finding per rule
    assert by_rule["dns-mx"].status is FindingStatus.INCONCLUSIVE
    assert by_rule["dns-spf"].status is FindingStatus.OPEN
    assert {f.domain for f in result.findings} == {"acme.example"}
    assert "2 accounts: ada@acme.example, b@acme.example" in by_rule["dns-spf"].message
    assert result.summary.inconclusive == 1 and not result.summary.passed
    # Waive the SPF finding (on the domain's first account): the inconclusive one still fails.
    waived = _policy(
        tmp_path,
        "  - rule: dns-mx\n  - rule: dns-spf\nwaivers:\n  - accounts: [1]\n    rules: [dns-spf]\n"
        "    reason: moving to a new provider\n    expires: 2099-01-01\n",
    )
    result = evaluate(waived, INVENTORY, fail_on=FailOn.ERROR, now=NOW, evidence=evidence)
    assert {f.rule: f.status for f in result.findings} == {
        "dns-spf": FindingStatus.WAIVED,
        "dns-mx": FindingStatus.INCONCLUSIVE,
    }
    assert not result.summary.passed
    warn = evaluate(
        waived,
        INVENTORY,
        fail_on=FailOn.ERROR,
        now=NOW,
        evidence=evidence,
        inconclusive_fails=False,
    )
    assert warn.summary.passed and warn.summary.inconclusive == 1
