"""The data the report's script works on: every finding and every account, columnar.

Findings are exactly ``json_report.finding_dict`` (one definition of what a finding says); the
accounts are ``auditor.report.accounts.account_columns`` (every audited setting, no secret).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from auditor.models import AuditResult, Finding
from auditor.report.accounts import CHUNK, AccountColumns, account_columns, extend_columns
from auditor.report.html.columns import encode_tables
from auditor.report.json_report import finding_dict

FORMAT = 1


def finding_columns(findings: Sequence[Finding]) -> dict[str, list[Any]]:
    """``finding_dict`` of every finding, as columns under its keys."""
    if not findings:
        return {}
    keys = list(finding_dict(findings[0]))
    columns: list[list[Any]] = [[] for _ in keys]
    for start in range(0, len(findings), CHUNK):
        rows: Iterable[dict[str, Any]] = map(finding_dict, findings[start:start + CHUNK])
        extend_columns(columns, map(dict.values, rows))
    return dict(zip(keys, columns, strict=True))


def report_payload(result: AuditResult, accounts: AccountColumns | None = None,
                   ) -> dict[str, Any]:
    """``{"format", "strings", "findings", "accounts"}``; ``columns`` documents the encoding.

    ``accounts`` is ``account_columns(result.accounts)`` when the caller already has it.
    """
    if accounts is None:
        accounts = account_columns(result.accounts)
    strings, tables = encode_tables({
        "findings": (finding_columns(result.findings), len(result.findings)),
        "accounts": (accounts, len(result.accounts)),
    })
    return {"format": FORMAT, "strings": strings, **tables}
