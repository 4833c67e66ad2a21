"""The data the report's script works on: every finding and every account, columnar.

Findings are exactly ``json_report.finding_dict`` (one definition of what a finding says). The
accounts carry every audited setting under its wire name, with ``warmup_details`` flattened to
``warmup_details.<key>`` so that a finding's ``field`` names the setting it is about. Passwords
do not exist here: ``EmailAccount`` keeps only ``has_password``/``has_imap_password`` flags, and
fields the model marks ``exclude`` (never serialized) are left out as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

from auditor.models import AuditResult, EmailAccount, Finding, WarmupDetails, wire_name
from auditor.report.html.columns import encode_tables
from auditor.report.json_report import finding_dict

FORMAT = 1
_NESTED = ("tags", "campaign_ids", "warmup_details")
_SETTINGS = tuple(name for name, info in EmailAccount.model_fields.items()
                  if name not in _NESTED and not info.exclude)
_WARMUP = tuple(name for name, info in WarmupDetails.model_fields.items() if not info.exclude)


# Rows are turned into columns a slice at a time: the slice's temporaries stay in the CPU cache
# and their memory is reused, which halves the time at 200,000 findings.
_CHUNK = 1024


def _extend_columns(columns: list[list[Any]], rows: Iterable[Iterable[Any]]) -> None:
    for column, values in zip(columns, zip(*rows, strict=True), strict=True):
        column.extend(values)


def account_columns(accounts: Sequence[EmailAccount]) -> dict[str, list[Any]]:
    """One column per setting in model order, then warmup, tags and campaigns."""
    settings: list[list[Any]] = [[] for _ in _SETTINGS]
    warmup: list[list[Any]] = [[] for _ in _WARMUP]
    get_settings, get_warmup = attrgetter(*_SETTINGS), attrgetter(*_WARMUP)
    blank = (None,) * len(_WARMUP)
    for start in range(0, len(accounts), _CHUNK):
        chunk = accounts[start:start + _CHUNK]
        _extend_columns(settings, map(get_settings, chunk))
        _extend_columns(warmup, [blank if a.warmup_details is None else get_warmup(a.warmup_details)
                                 for a in chunk])
    columns = dict(zip(map(wire_name, _SETTINGS), settings, strict=True))
    columns.update(zip((f"warmup_details.{name}" for name in _WARMUP), warmup, strict=True))
    columns["tags"] = [[tag.name for tag in a.tags] for a in accounts]
    columns["campaign_ids"] = [None if a.campaign_ids is None else list(a.campaign_ids)
                               for a in accounts]
    return columns


def finding_columns(findings: Sequence[Finding]) -> dict[str, list[Any]]:
    """``finding_dict`` of every finding, as columns under its keys."""
    if not findings:
        return {}
    keys = list(finding_dict(findings[0]))
    columns: list[list[Any]] = [[] for _ in keys]
    for start in range(0, len(findings), _CHUNK):
        rows: Iterable[dict[str, Any]] = map(finding_dict, findings[start:start + _CHUNK])
        _extend_columns(columns, map(dict.values, rows))
    return dict(zip(keys, columns, strict=True))


def report_payload(result: AuditResult, accounts: dict[str, list[Any]] | None = None,
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
