"""The planner (pure): what becomes a change, what stays manual and why, and the selectors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.engine import evaluate
from auditor.errors import PolicyError, UsageError
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.entry import Selector
from auditor.model.result import FailOn
from auditor.policy.loader import load_policy
from auditor.remediation.plan import Plan, Selection, make_plan
from auditor.remediation.planfile import (
    PlanHeader,
    inventory_sha256,
    load_plan,
    render_json,
    to_document,
)
from auditor.sources.inventory import parse_accounts

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def _account(account_id: int, **fields) -> dict:
    record = {
        "id": account_id,
        "from_email": f"a{account_id}@acme.example",
        "updated_at": "2026-11-01T10:00:00.000Z",
        "message_per_day": 80,
        "minTimeToWaitInMins": 3,
        "bcc_email": None,
        "custom_tracking_domain": None,
        "warmup_details": None,
        "type": "SMTP",
        "tags": [],
    }
    record.update(fields)
    return record


def _plan(
    tmp_path: Path, policy: str, records: list[dict], selection: Selection | None = None
) -> Plan:
    path = tmp_path / "p.yaml"
    path.write_text(policy)
    loaded = load_policy([path])
    inventory = Inventory(parse_accounts(records), InventoryInfo("inv.json"))
    result = evaluate(loaded, inventory, fail_on=FailOn.ERROR, now=NOW)
    return make_plan(loaded, result, inventory.accounts, selection or Selection())


def test_cap_gap_and_bcc_address_are_planned_with_current_values(tmp_path) -> None:
    policy = """version: 1
rules:
  - {rule: daily-send-limit, max: 40}
  - {rule: send-gap, min_minutes: 10}
  - {rule: bcc-required, address: arch@acme.example}
"""
    plan = _plan(tmp_path, policy, [_account(1), _account(2, message_per_day=30)])
    assert [(c.account_id, c.field, c.current, c.new) for c in plan.changes] == [
        (1, "bcc", None, "arch@acme.example"),
        (1, "max_email_per_day", 80, 40),
        (1, "time_to_wait_in_mins", 3, 10),
        (2, "bcc", None, "arch@acme.example"),
        (2, "time_to_wait_in_mins", 3, 10),
    ]
    assert plan.manual == ()
    assert dict(plan.accounts[1].current) == {"bcc": None, "time_to_wait_in_mins": 3}
    assert plan.changes[1].policy.endswith("p.yaml:3")


def test_fix_values_and_what_stays_manual(tmp_path) -> None:
    policy = """version: 1
rules:
  - {rule: daily-send-limit, max: 40, fix: {value: 35}}
  - {rule: bcc-required, domain: acme.example}
  - {rule: tracking-domain, same_domain_as_sender: true, fix: {value: track.acme.example}}
  - {rule: warmup}
"""
    records = [_account(1), _account(2, from_email="b@other.example")]
    plan = _plan(tmp_path, policy, records)
    assert {(c.account_id, c.field, c.new) for c in plan.changes} == {
        (1, "max_email_per_day", 35),
        (2, "max_email_per_day", 35),
        (1, "custom_tracking_url", "track.acme.example"),
    }
    reasons = {(m.account_id, m.rule): m.reason for m in plan.manual}
    assert reasons[(1, "bcc-required")].startswith("no address to set")
    assert reasons[(2, "tracking-domain")] == (
        "setting custom_tracking_url to 'track.acme.example' would still break the rule"
    )
    assert reasons[(1, "warmup")].startswith("no warmup settings")
    assert all(m.remediation for m in plan.manual)


def test_a_fix_value_that_breaks_the_rule_is_not_planned(tmp_path) -> None:
    policy = "version: 1\nrules:\n  - {rule: daily-send-limit, max: 40, fix: {value: 50}}\n"
    plan = _plan(tmp_path, policy, [_account(1)])
    assert plan.changes == ()
    assert plan.manual[0].reason == "setting max_email_per_day to 50 would still break the rule"


def test_warmup_with_settings_and_blocked_warmup(tmp_path) -> None:
    policy = """version: 1
rules:
  - rule: warmup
    fix: {total_warmup_per_day: 20, daily_rampup: 5}
"""
    blocked = {"status": "INACTIVE", "blocked_reason": "spam trap"}
    plan = _plan(tmp_path, policy, [_account(1), _account(2, warmup_details=blocked)])
    (change,) = plan.changes
    assert (change.account_id, change.field, change.current, change.new) == (
        1,
        "warmup_enabled",
        False,
        True,
    )
    assert change.settings == (("total_warmup_per_day", 20), ("daily_rampup", 5))
    assert {m.reason for m in plan.manual if m.account_id == 2} >= {
        "warmup is blocked: its cause needs a person"
    }


def test_warmup_fix_out_of_range_is_a_policy_error(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nrules:\n  - rule: warmup\n    fix: {total_warmup_per_day: 60}\n")
    with pytest.raises(PolicyError, match=r"p.yaml:4:\d+: .*less than or equal to 50"):
        load_policy([path])


def test_entries_that_disagree_are_manual(tmp_path) -> None:
    policy = """version: 1
rules:
  - {rule: bcc-required, address: one@acme.example}
  - {rule: bcc-required, id: second-bcc, address: two@acme.example}
"""
    plan = _plan(tmp_path, policy, [_account(1)])
    assert plan.changes == ()
    assert {m.entry for m in plan.manual} == {"bcc-required", "second-bcc"}
    assert all(m.reason.startswith("entries disagree on bcc") for m in plan.manual)


def test_waived_findings_are_not_planned(tmp_path) -> None:
    policy = """version: 1
rules:
  - {rule: daily-send-limit, max: 40}
waivers:
  - {accounts: [1], reason: pilot, expires: 2027-01-31}
"""
    plan = _plan(tmp_path, policy, [_account(1), _account(2)])
    assert [c.account_id for c in plan.changes] == [2]
    assert all(m.account_id != 1 for m in plan.manual)


def test_selectors_and_max_changes(tmp_path) -> None:
    policy = "version: 1\nrules:\n  - {rule: daily-send-limit, max: 40}\n  - {rule: send-gap, min_minutes: 10}\n"
    records = [
        _account(i, tags=[{"tag_id": 1, "tag_name": "pilot"}] if i % 2 else []) for i in range(1, 7)
    ]
    only = _plan(tmp_path, policy, records, Selection(only=Selector(tags=["pilot"])))
    assert {c.account_id for c in only.changes} == {1, 3, 5}
    rule = _plan(tmp_path, policy, records, Selection(rules=frozenset({"send-gap"})))
    assert {c.field for c in rule.changes} == {"time_to_wait_in_mins"}
    capped = _plan(tmp_path, policy, records, Selection(max_changes=5))
    assert len(capped.changes) == 5 and capped.left_out == 7
    assert [c.account_id for c in capped.changes] == [1, 1, 2, 2, 3]


def test_plan_document_is_stable_and_hashed(tmp_path) -> None:
    policy = "version: 1\nrules:\n  - {rule: daily-send-limit, max: 40}\n"
    records = [_account(2), _account(1)]
    path = tmp_path / "p.yaml"
    path.write_text(policy)
    loaded = load_policy([path])
    inventory = Inventory(parse_accounts(records), InventoryInfo("inv.json"))
    reordered = Inventory(parse_accounts(records[::-1]), InventoryInfo("inv.json"))
    assert inventory_sha256(inventory) == inventory_sha256(reordered)
    result = evaluate(loaded, inventory, fail_on=FailOn.ERROR, now=NOW)
    plan = make_plan(loaded, result, inventory.accounts, Selection())
    header = PlanHeader(NOW, "inv.json", inventory_sha256(inventory), 2, loaded.files, Selection())
    text = render_json(to_document(plan, header))
    assert text == render_json(to_document(plan, header))
    target = tmp_path / "plan.json"
    target.write_text(text)
    assert load_plan(target).plan.changes == plan.changes
    target.write_text(text.replace('"current": 80', '"current": 81', 1))
    with pytest.raises(UsageError, match="changed after it was made"):
        load_plan(target)


def test_a_policy_with_dns_rules_plans_without_dns_evidence(tmp_path: Path) -> None:
    """DNS records are not fixed through the API: plan needs no evidence for them."""
    from auditor.cli import main
    from tests.support.shared import DEMO_INVENTORY, REPO

    policy = REPO / "examples" / "domain-health.yaml"
    out = tmp_path / "plan.json"
    code = main(
        ["plan", "--inventory", str(DEMO_INVENTORY), "--policy", str(policy), "-o", str(out)]
    )
    assert code in (0, 1)
    assert load_plan(out).plan.changes == ()  # no entry of that policy is fixable
