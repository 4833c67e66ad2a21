"""The walk-through of the README, through the real entry point against the test server: the audit
fails, ``plan`` proposes N changes, ``apply --yes`` verifies them, a second ``check`` passes for
those rules, and ``apply`` again changes nothing."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema

from auditor.testing.server import SmartLeadServer
from auditor.testing.write_api import write_side
from tests.remediation.conftest import FIXED_RULES


def _check_report(run_cli, policy: Path) -> dict:
    result = run_cli("check", "--policy", policy, "--format", "json", "--output-dir", "out", "-q")
    assert result.code in (0, 1), result.err
    return json.loads(Path("out/audit.json").read_text())


def _open(report: dict, rules: tuple[str, ...]) -> list[dict]:
    return [f for f in report["findings"] if f["status"] == "open" and f["rule"] in rules]


def test_plan_apply_check_apply_again(run_cli, server: SmartLeadServer, policy: Path) -> None:
    before = _check_report(run_cli, policy)
    fixable = _open(before, FIXED_RULES)
    assert before["summary"]["result"] == "fail"
    warmup_manual = [
        f for f in fixable if f["rule"] == "warmup" and f["field"] != "warmup_details.status"
    ]
    blocked = {f["account_id"] for f in fixable if f["field"] == "warmup_details.blocked_reason"}

    planned = run_cli("plan", "--policy", policy, "-o", "plan.json")
    assert planned.code == 0, planned.err
    document = json.loads(Path("plan.json").read_text())
    schema = json.loads(
        resources.files("auditor.report").joinpath("schemas/plan-1.schema.json").read_text()
    )
    jsonschema.validate(document, schema)
    changes = document["changes"]
    # every status finding of a non-blocked account, every cap, gap and BCC finding is planned
    expected = [
        f
        for f in fixable
        if f["rule"] != "warmup"
        or (f["field"] == "warmup_details.status" and f["account_id"] not in blocked)
    ]
    assert len(changes) == len(expected) > 20
    assert f"plan: {len(changes)} change(s)" in planned.err
    assert {c["rule"] for c in changes} == set(FIXED_RULES)
    manual_rules = {m["rule"] for m in document["manual"]}
    assert "smtp-connected" in manual_rules
    assert len(document["manual"]) >= len(warmup_manual)
    assert "# SmartLead remediation plan" in Path("plan.md").read_text()

    applied = run_cli("apply", "plan.json", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert (
        f"{len(changes)} verified (0 already set), 0 skipped, 0 not applied, 0 failed"
        in applied.out
    )
    journal = Path("plan.json.journal.jsonl").read_text().splitlines()
    statuses = [json.loads(line).get("status") for line in journal[1:]]
    assert statuses.count("verified") == len(changes)

    after = _check_report(run_cli, policy)
    left = _open(after, FIXED_RULES)
    assert all(
        (f["rule"] == "warmup" and f["field"] != "warmup_details.status")
        or f["account_id"] in blocked
        for f in left
    ), left
    assert _open(after, ("smtp-connected",)) == _open(before, ("smtp-connected",))

    writes = len(write_side(server).writes)
    again = run_cli("apply", "plan.json", "--yes")
    assert again.code == 0, again.err
    assert len(write_side(server).writes) == writes  # nothing written the second time
    assert f"{len(changes)} verified" in again.out

    assert run_cli("plan", "--policy", policy, "-o", "plan2.json").code == 0
    assert json.loads(Path("plan2.json").read_text())["changes"] == []
