"""Report formats: the JSON contract (validated against its shipped schema), golden files for
JSON, Markdown and HTML, escaping of untrusted inventory text, and the format registry."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from auditor.engine import evaluate
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.result import AuditResult, FailOn
from auditor.policy.loader import load_policy
from auditor.report import (
    FILE_FORMATS,
    STREAM_FORMATS,
    ReportFormat,
    console_report,
    html_report,
    json_report,
    markdown_report,
)
from auditor.report.json_report import finding_dict
from auditor.report.templating import markdown_escape
from auditor.report.view import remediations
from auditor.sources.inventory import parse_accounts
from auditor.testing.generator import generate_accounts
from tests.support.accounts import wire
from tests.support.browser import STRICT_POLICY, audit
from tests.support.shared import DEMO_INVENTORY, REPO, SHIPPED_POLICIES

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
REPORT_SCHEMA = json.loads(
    resources.files("auditor.report").joinpath("schemas/report-1.schema.json").read_text()
)


@pytest.fixture
def demo_result(monkeypatch: pytest.MonkeyPatch) -> AuditResult:
    monkeypatch.chdir(REPO)  # policy paths in reports are relative to the working directory
    accounts = parse_accounts(json.loads(DEMO_INVENTORY.read_text()))
    inventory = Inventory(accounts, InventoryInfo(source="examples/demo-inventory.json"))
    return evaluate(
        load_policy([SHIPPED_POLICIES.relative_to(REPO)]), inventory, fail_on=FailOn.ERROR, now=NOW
    )


def test_every_format_is_registered() -> None:
    assert set(FILE_FORMATS) | STREAM_FORMATS == set(ReportFormat)
    assert not set(FILE_FORMATS) & STREAM_FORMATS


def test_json_report_matches_schema_and_summary(demo_result: AuditResult) -> None:
    report = json.loads(json_report.render(demo_result))
    jsonschema.validate(report, REPORT_SCHEMA, format_checker=jsonschema.FormatChecker())
    findings = report["findings"]
    summary = report["summary"]
    assert summary["open"]["error"] == sum(
        1 for f in findings if f["status"] == "open" and f["severity"] == "error"
    )
    assert summary["waived"] == sum(1 for f in findings if f["status"] == "waived")
    assert summary["result"] == "fail"
    failing = {
        f["account_id"] for f in findings if f["status"] == "open" and f["severity"] == "error"
    }
    assert summary["accounts_failing"] == len(failing)
    assert report["inventory"]["accounts"] == summary["accounts"] == 30


def test_schema_rejects_a_broken_report(demo_result: AuditResult) -> None:
    report = json.loads(json_report.render(demo_result))
    report["summary"]["result"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, REPORT_SCHEMA)


def test_json_golden(demo_result: AuditResult, golden: object) -> None:
    golden("demo-report.json", json_report.render(demo_result))  # type: ignore[operator]


def test_json_report_keeps_text_exact_one_finding_per_line(tmp_path: Path) -> None:
    records = generate_accounts(6, seed=2)
    for index, text in enumerate(["zoë@exämple.test", "名前@例え.test", "a\u2028b😀@x.test"]):
        records[index]["from_email"] = text
    result = audit(records, STRICT_POLICY, tmp_path)
    text = json_report.render(result)
    report = json.loads(text)
    jsonschema.validate(report, REPORT_SCHEMA, format_checker=jsonschema.FormatChecker())
    fixes = remediations(result)
    assert report["findings"] == [finding_dict(f, fixes) for f in result.findings]
    assert all(row["remediation"] for row in report["findings"])
    # UTF-8 as is, not escaped; but U+2028, a line end to many viewers, as an escape (same value)
    assert "zoë@exämple.test" in text and "名前@例え.test" in text
    assert "\u2028" not in text and "a\\u2028b😀@x.test" in text
    lines = text.splitlines()
    start = lines.index('  "findings": [')
    assert [json.loads(line.rstrip(",")) for line in lines[start + 1 : -2]] == report["findings"]


def test_markdown_golden(demo_result: AuditResult, golden: object) -> None:
    golden("demo-report.md", markdown_report.render(demo_result))  # type: ignore[operator]


def test_html_golden(demo_result: AuditResult, golden: object) -> None:
    """The whole page, data block and inline script included (the clock is fixed: NOW)."""
    golden("demo-report.html", html_report.render(demo_result))  # type: ignore[operator]


def test_console_has_verdict_and_no_color_codes_when_color_off(demo_result: AuditResult) -> None:
    text = console_report.render(demo_result, color=False)
    assert text.startswith("SmartLead audit: FAIL  30 accounts")
    assert "\x1b[" not in text
    assert "\x1b[" in console_report.render(demo_result, color=True)


HOSTILE = (
    "<img src=x onerror=alert(1)>|![x](https://evil.example/p.png) [click](https://evil.example)"
)


def hostile_result() -> AuditResult:
    accounts = parse_accounts(
        [
            wire(
                id=1,
                from_name=HOSTILE,
                signature=HOSTILE,
                from_email="x<script>@acme.example",
                is_smtp_success=False,
                smtp_failure_error=HOSTILE,
            )
        ]
    )
    policy = load_policy([SHIPPED_POLICIES])
    return evaluate(
        policy, Inventory(accounts, InventoryInfo(source="t")), fail_on=FailOn.ERROR, now=NOW
    )


def test_markdown_escapes_inventory_text() -> None:
    text = markdown_report.render(hostile_result())
    assert re.search(r"(?<!\\)<(img|script)", text) is None
    assert re.search(r"(?<!\\)\]\(https", text) is None
    assert "\\<img src=x onerror=alert(1)\\>\\|" in text  # shown, escaped, as text


def test_html_escapes_inventory_text() -> None:
    text = FILE_FORMATS[ReportFormat.HTML].render(hostile_result())
    assert "<img src=x" not in text and "x<script>" not in text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("<b>", "\\<b\\>"),
        ("[x](y)", "\\[x\\](y)"),
        ("a\nb", "a b"),
        (None, ""),
        ("`x`", "\\`x\\`"),
    ],
)
def test_markdown_escape(raw: str | None, escaped: str) -> None:
    assert markdown_escape(raw) == escaped
