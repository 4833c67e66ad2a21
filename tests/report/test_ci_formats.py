"""CI formats: SARIF (validated against the official 2.1.0 schema), JUnit (parsed with a JUnit
library), GitHub workflow commands and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml, Skipped

from auditor.engine import evaluate
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.result import AuditResult, FailOn, FindingStatus
from auditor.policy.loader import load_policy
from auditor.report import csv_report, github_report, junit_report, sarif_report
from auditor.sources.inventory import parse_accounts
from tests.support.accounts import wire
from tests.support.shared import DEMO_INVENTORY, REPO, SHIPPED_POLICIES

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())


def _audit(accounts: object, policies: list[Path], source: str = "inventory.json") -> AuditResult:
    inventory = Inventory(parse_accounts(accounts), InventoryInfo(source=source))
    return evaluate(load_policy(policies), inventory, fail_on=FailOn.ERROR, now=NOW)


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> AuditResult:
    monkeypatch.chdir(REPO)
    return _audit(
        json.loads(DEMO_INVENTORY.read_text()),
        [Path("policies")],
        source="examples/demo-inventory.json",
    )


def test_sarif_is_valid_and_github_ready(demo: AuditResult) -> None:
    sarif = json.loads(sarif_report.render(demo))
    jsonschema.validate(sarif, SARIF_SCHEMA)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules][: len(demo.rules)] == [r.id for r in demo.rules]
    for rule in rules:
        assert isinstance(rule["properties"]["security-severity"], str)
        assert rule["help"]["text"] and rule["shortDescription"]["text"]
    results = run["results"]
    assert len(results) == len(demo.findings)
    first = results[0]
    finding = demo.findings[0]
    assert first["ruleId"] == finding.id
    assert rules[first["ruleIndex"]]["id"] == finding.id
    location = first["locations"][0]
    path, line = finding.policy.rsplit(":", 1)
    assert location["physicalLocation"]["artifactLocation"]["uri"] == path
    assert location["physicalLocation"]["region"]["startLine"] == int(line) >= 1
    assert (
        location["logicalLocations"][0]["fullyQualifiedName"]
        == f"email-accounts/{finding.account_id}"
    )
    assert str(finding.account_id) in first["message"]["text"]
    waived = [r for r in results if "suppressions" in r]
    assert len(waived) == demo.summary.waived
    assert {r["level"] for r in results} <= {"error", "warning", "note"}


def test_sarif_fingerprints_are_stable_and_distinct(demo: AuditResult) -> None:
    """A finding keeps its fingerprint in another run, whatever the order of the inventory."""

    def prints(result: AuditResult) -> dict[tuple[str, int, str], str]:
        return {
            (r["ruleId"], r["properties"]["accountId"], r["properties"]["field"]): r[
                "partialFingerprints"
            ]["smartleadFinding/v1"]
            for r in json.loads(sarif_report.render(result))["runs"][0]["results"]
        }

    first = prints(demo)
    reordered = _audit(json.loads(DEMO_INVENTORY.read_text())[::-1], [Path("policies")])
    assert prints(reordered) == first
    assert len(set(first.values())) == len(first) == len(demo.findings)


def test_sarif_caps_results_and_says_so(demo: AuditResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif_report, "MAX_RESULTS", 5)
    sarif = json.loads(sarif_report.render(demo))
    jsonschema.validate(sarif, SARIF_SCHEMA)
    run = sarif["runs"][0]
    assert len(run["results"]) == 5
    notice = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    assert notice.startswith(f"{len(demo.findings) - 5} more findings")


def test_sarif_preset_findings_point_at_the_snapshot(write_policy: object, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nextends: [baseline]\n")
    result = _audit([wire(is_smtp_success=False)], [policy], source="snapshots/inventory.json")
    sarif = json.loads(sarif_report.render(result))
    jsonschema.validate(sarif, SARIF_SCHEMA)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert uris == {"snapshots/inventory.json"}


def test_junit_one_suite_per_rule_one_case_per_checked_account(
    demo: AuditResult, tmp_path: Path
) -> None:
    path = tmp_path / "audit.junit.xml"
    path.write_text(junit_report.render(demo))
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert list(suites)[: len(demo.rules)] == [r.id for r in demo.rules]
    for info in demo.rules:
        suite = suites[info.id]
        assert suite.tests == len(demo.checked[info.id])
        open_accounts = {
            f.account_id
            for f in demo.findings
            if f.id == info.id and f.status is FindingStatus.OPEN
        }
        waived_accounts = {
            f.account_id
            for f in demo.findings
            if f.id == info.id and f.status is FindingStatus.WAIVED
        } - open_accounts
        failed, skipped = set(), set()
        for case in suite:
            account_id = int(case.name.split()[0])
            if any(isinstance(r, Failure) for r in case.result):
                failed.add(account_id)
            if any(isinstance(r, Skipped) for r in case.result):
                skipped.add(account_id)
        assert failed == open_accounts
        assert skipped == waived_accounts
    assert xml.failures == len(
        {(f.id, f.account_id) for f in demo.findings if f.status is FindingStatus.OPEN}
    )


def test_github_commands_are_capped_escaped_and_worst_first() -> None:
    hostile = "evil\n::error::injected %0A"
    accounts = [
        wire(
            id=i,
            from_email=f"u{i}@acme.example",
            from_name=hostile,
            password=None,
            is_smtp_success=False,
            smtp_failure_error=hostile,
        )
        for i in range(1, 15)
    ]
    text = github_report.render(_audit(accounts, [SHIPPED_POLICIES]))
    lines = text.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    errors = [c for c in commands if c.startswith("::error ")]
    assert len(errors) == github_report.PER_LEVEL
    assert commands[-1].startswith("::notice title=smartlead-audit::+")
    assert all(not line.startswith("::error::injected") for line in lines)
    smtp = [c for c in errors if "title=smtp-connected" in c]
    assert smtp
    assert smtp[0].endswith("the SMTP connection failed: evil%0A::error::injected %250A")
    assert lines[-1].startswith("smartlead-audit: FAIL: 14 accounts")


def test_csv_round_trips_and_neutralizes_formulas() -> None:
    result = _audit(
        [wire(id=1, from_email='=HYPERLINK("http://x")@acme.example', bcc_email=None)],
        [SHIPPED_POLICIES],
    )
    rows = list(csv.DictReader(io.StringIO(csv_report.render(result))))
    assert len(rows) == len(result.findings)
    assert rows[0].keys() == set(csv_report.COLUMNS)
    emails = {row["email"] for row in rows if row["account_id"] == "1"}
    assert emails == {'\'=HYPERLINK("http://x")@acme.example'}
    assert csv_report.formula_safe("-1") == "'-1"
    assert csv_report.formula_safe("plain") == "plain"


def test_junit_survives_hostile_text(tmp_path: Path) -> None:
    hostile = 'bad <tag> & "quote" \x07bell ]]> end'
    result = _audit(
        [wire(is_smtp_success=False, smtp_failure_error=hostile, password=None)], [SHIPPED_POLICIES]
    )
    path = tmp_path / "audit.junit.xml"
    path.write_text(junit_report.render(result))
    xml = JUnitXml.fromfile(str(path))
    messages = [
        r.message for suite in xml for case in suite for r in case.result if isinstance(r, Failure)
    ]
    assert 'the SMTP connection failed: bad <tag> & "quote" \\x07bell ]]> end' in messages
