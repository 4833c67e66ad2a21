"""The data the report's script works on: every finding and every account, columnar.

Findings are exactly ``json_report.finding_dict`` (one definition of what a finding says); the
accounts are ``auditor.report.accounts.account_columns`` (every audited setting, no secret).

The accounts table is encoded first and needs nothing but the inventory, so a run can encode it
before the findings exist, in another process (``auditor.report.writer``); the findings table then
continues its string table. ``payload_text`` joins the parts' JSON texts into the same document
``report_payload`` describes as one value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup

from auditor.model.result import AuditResult, Finding
from auditor.report.accounts import CHUNK, AccountColumns, account_columns, extend_columns
from auditor.report.html.columns import StringTable, encode_table
from auditor.report.html.embed import script_json
from auditor.report.json_report import finding_dict

FORMAT = 1


def finding_columns(findings: Sequence[Finding]) -> dict[str, list[Any]]:
    """``finding_dict`` of every finding, as columns under its keys."""
    if not findings:
        return {}
    keys = list(finding_dict(findings[0]))
    columns: list[list[Any]] = [[] for _ in keys]
    for start in range(0, len(findings), CHUNK):
        rows: Iterable[dict[str, Any]] = map(finding_dict, findings[start : start + CHUNK])
        extend_columns(columns, map(dict.values, rows))
    return dict(zip(keys, columns, strict=True))


def accounts_table(accounts: AccountColumns, rows: int) -> tuple[StringTable, dict[str, Any]]:
    """The accounts table, and the string table it starts."""
    strings = StringTable()
    return strings, encode_table(accounts, rows, strings)


def report_payload(result: AuditResult, accounts: AccountColumns | None = None) -> dict[str, Any]:
    """``{"format", "strings", "findings", "accounts"}``; ``columns`` documents the encoding.

    ``accounts`` is ``account_columns(result.accounts)`` when the caller already has it.
    """
    if accounts is None:
        accounts = account_columns(result.accounts)
    strings, accounts_encoded = accounts_table(accounts, len(result.accounts))
    findings = encode_table(finding_columns(result.findings), len(result.findings), strings)
    return {
        "format": FORMAT,
        "strings": strings.strings,
        "findings": findings,
        "accounts": accounts_encoded,
    }


def payload_text(strings: StringTable, findings: dict[str, Any], accounts_json: str) -> Markup:
    """``report_payload``'s document as script JSON, from the accounts table's JSON text."""
    return Markup(  # noqa: S704 - each part is script_json's escaped text
        f'{{"format":{FORMAT},"strings":{script_json(strings.strings)},'
        f'"findings":{script_json(findings)},"accounts":{accounts_json}}}'
    )
