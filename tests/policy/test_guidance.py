"""Policy entries carry their own guidance (`title`, `rationale`, `remediation`), and `field`
entries without it get short generated text; the text reaches every report's finding."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from auditor.engine import evaluate
from auditor.errors import PolicyError
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.result import AuditResult, FailOn
from auditor.policy.loader import load_policy
from auditor.report import csv_report, json_report, sarif_report
from auditor.rules import RULES
from tests.support.accounts import account

WritePolicy = Callable[..., Path]
TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
RUNBOOK = "https://runbooks.example/bcc"

POLICY = f"""\
version: 1
rules:
  - rule: bcc-required
    address: archive@vault.example
    title: Every mail is archived (`bcc_email`)
    rationale: FINRA 4511 requires it.
    remediation: Set `bcc_email` as in [the archive runbook]({RUNBOOK}).
  - rule: send-gap
    min_minutes: 20
  - rule: field
    id: smtp-port
    field: smtp_port
    op: in
    value: [465, 587]
"""


def _result(path: Path) -> AuditResult:
    policy = load_policy([path], today=TODAY)
    accounts = (account(id=1, smtp_port=25, bcc_email=None, min_time_to_wait_in_mins=5),)
    inventory = Inventory(accounts, InventoryInfo(source="test", fetched_at=NOW))
    return evaluate(policy, inventory, fail_on=FailOn.ERROR, now=NOW)


def test_entry_text_overrides_the_rule_and_field_text_is_generated(
    write_policy: WritePolicy,
) -> None:
    infos = {info.id: info for info in _result(write_policy(POLICY)).rules}
    bcc = infos["bcc-required"]
    assert bcc.description == "Every mail is archived (`bcc_email`)"
    assert bcc.rationale == "FINRA 4511 requires it."
    assert bcc.remediation == f"Set `bcc_email` as in [the archive runbook]({RUNBOOK})."
    gap = infos["send-gap"]  # no text of its own: the rule's
    assert gap.description == RULES["send-gap"].description
    assert gap.remediation == RULES["send-gap"].remediation
    port = infos["smtp-port"]
    assert port.description == "`smtp_port` must be one of 465, 587"
    assert port.remediation == "Set `smtp_port` to one of 465, 587 on the account."
    assert "FIELD OP VALUE" not in port.rationale and "`smtp_port`" in port.rationale


@pytest.mark.parametrize(
    ("op", "value", "title", "fix"),
    [
        ("equals", "SSL", "`smtp_port_type` must be SSL", "Set `smtp_port_type` to SSL"),
        ("not_equals", "TLS", "`smtp_port_type` must not be TLS", "Change `smtp_port_type` to any"),
        ("not_empty", None, "`smtp_port_type` must be set", "Set `smtp_port_type` on the account."),
        ("empty", None, "`smtp_port_type` must be empty", "Clear `smtp_port_type` on the account."),
    ],
)
def test_generated_text_for_each_kind_of_check(
    write_policy: WritePolicy, op: str, value: str | None, title: str, fix: str
) -> None:
    valued = "" if value is None else f"    value: {value}\n"
    path = write_policy(
        f"version: 1\nrules:\n  - rule: field\n    id: ssl\n    field: smtp_port_type\n    op: {op}\n"
        + valued
    )
    (info,) = _result(path).rules
    assert info.description == title
    assert info.remediation.startswith(fix)


def test_an_override_by_id_sets_guidance_on_an_inherited_entry(write_policy: WritePolicy) -> None:
    path = write_policy(
        "version: 1\nextends: [baseline]\nrules:\n"
        "  - id: warmup\n    remediation: Ask mail-ops to restart warmup.\n"
    )
    policy = load_policy([path], today=TODAY)
    (warmup,) = [e for e in policy.entries if e.id == "warmup"]
    assert warmup.options.remediation == "Ask mail-ops to restart warmup."


@pytest.mark.parametrize("key", ["title", "rationale", "remediation"])
def test_guidance_must_not_be_empty_or_a_list(write_policy: WritePolicy, key: str) -> None:
    for bad in ('""', "[a, b]"):
        path = write_policy(
            f"version: 1\nrules:\n  - rule: send-gap\n    min_minutes: 5\n    {key}: {bad}\n"
        )
        with pytest.raises(PolicyError) as raised:
            load_policy([path], today=TODAY)
        assert key in str(raised.value.problems[0])


def test_remediation_travels_with_every_finding(write_policy: WritePolicy) -> None:
    result = _result(write_policy(POLICY))
    fixes = {info.id: info.remediation for info in result.rules}
    report = json.loads(json_report.render(result))
    assert report["findings"] and all(
        f["remediation"] == fixes[f["id"]] for f in report["findings"]
    )
    rows = list(csv.DictReader(io.StringIO(csv_report.render(result))))
    assert rows and all(r["remediation"] == fixes[r["id"]] for r in rows)
    sarif = json.loads(sarif_report.render(result))
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert fixes["bcc-required"] in rules["bcc-required"]["help"]["markdown"]
    assert rules["bcc-required"]["helpUri"] == RUNBOOK
    assert "helpUri" not in rules["send-gap"]  # no link in the rule's own remediation
