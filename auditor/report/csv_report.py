"""CSV of all findings for spreadsheets. Cells that a spreadsheet would run as a formula
(leading =, +, -, @, tab, CR) are prefixed with a quote: inventory text is untrusted."""

from __future__ import annotations

import csv
from typing import TextIO

from auditor.model.result import AuditResult
from auditor.report.json_report import finding_dict
from auditor.report.output import as_text

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
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write(result: AuditResult, stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for finding in result.findings:
        row = finding_dict(finding)
        writer.writerow([cell(row[column]) for column in COLUMNS])


def render(result: AuditResult) -> str:
    return as_text(write, result)
