"""CSV of all findings for spreadsheets. Inventory text is untrusted: every cell is shown through
``display`` (at most ``MAX_CHARS`` characters, controls and line ends escaped: a cell is one line),
and cells that a spreadsheet would run as a formula (leading =, +, -, @, tab, CR) are prefixed
with a quote. The JSON report keeps the exact text."""

from __future__ import annotations

import csv
from typing import TextIO

from auditor.model.result import AuditResult
from auditor.report.display import display_findings
from auditor.report.json_report import finding_dict
from auditor.report.output import as_text
from auditor.report.view import remediations

COLUMNS = (
    "severity",
    "status",
    "id",
    "rule",
    "account_id",
    "email",
    "field",
    "actual",
    "expected",
    "message",
    "policy",
    "waiver",
    "remediation",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write(result: AuditResult, stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    fixes = remediations(result)
    for finding in display_findings(result.findings):
        row = finding_dict(finding, fixes)
        writer.writerow([formula_safe(row[column]) for column in COLUMNS])


def render(result: AuditResult) -> str:
    return as_text(write, result)
