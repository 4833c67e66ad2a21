"""The data the report's script works on: every finding and every account, columnar, with the
names of the columns it needs.

Findings are the JSON report's (``Finding``'s fields, ``json_report.finding_dict``'s values), but
the waiver is in its parts (``waiver.reason``, ``waiver.expires``, ``waiver.policy``), so the script
shows them without parsing a display string. The accounts are
``auditor.report.accounts.account_columns`` (every audited setting, no secret); the script finds
its columns through ``roles`` and shows secret flags through ``secret_flags`` (both from
``auditor.report.accounts``), so it holds no wire name of its own.

The payload is written in parts, a slice of a column at a time: its text (tens of MB for a large
inventory) never exists as one string.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from markupsafe import Markup

from auditor.model.result import Finding, RuleInfo
from auditor.report.accounts import CHUNK, ROLES, SECRET_FLAGS, extend_columns
from auditor.report.html.columns import StringTable
from auditor.report.html.embed import script_json
from auditor.report.inline import segments
from auditor.report.json_report import VALUE
from auditor.report.output import ROWS_PER_WRITE

FORMAT = 1


def finding_columns(findings: Sequence[Finding]) -> dict[str, list[Any]]:
    """Every finding's fields as columns, the waiver split into its parts."""
    if not findings:
        return {}
    columns: list[list[Any]] = [[] for _ in Finding._fields]
    for start in range(0, len(findings), CHUNK):
        extend_columns(columns, findings[start : start + CHUNK])
    named = dict(zip(Finding._fields, columns, strict=True))
    named["severity"] = list(map(VALUE.__getitem__, named["severity"]))
    named["status"] = list(map(VALUE.__getitem__, named["status"]))
    waivers = named.pop("waiver")
    named["waiver.reason"] = [None if w is None else w.reason for w in waivers]
    named["waiver.expires"] = [None if w is None else w.expires.isoformat() for w in waivers]
    named["waiver.policy"] = [None if w is None else w.policy for w in waivers]
    if not any(named["domain"]):  # only DNS findings have one, as in the JSON report
        del named["domain"]
    return named


def _array(values: Sequence[Any]) -> Iterator[str]:
    """``script_json(values)``, ``ROWS_PER_WRITE`` values at a time."""
    if not values:
        yield "[]"
        return
    for start in range(0, len(values), ROWS_PER_WRITE):
        text = script_json(values[start : start + ROWS_PER_WRITE])
        yield ("," if start else "[") + text[1:-1]
    yield "]"


def _table(table: dict[str, Any]) -> Iterator[str]:
    """``script_json(table)`` for an ``encode_table`` table, a slice of a column at a time."""
    yield f'{{"n":{table["n"]},"columns":{{'
    for index, (name, (kind, encoding, values)) in enumerate(table["columns"].items()):
        yield f'{"," if index else ""}{script_json(name)}:["{kind}","{encoding}",'
        yield from _array(values)
        yield "]"
    yield "}}"


def guidance(infos: Iterable[RuleInfo]) -> dict[str, Any]:
    """Entry id -> ``[title, fix]``, each as ``inline.segments`` (``[kind, text, href]`` lists):
    the account view shows the fix for each of its findings."""
    return {
        info.id: [
            list(map(list, segments(info.description))),
            list(map(list, segments(info.remediation))),
        ]
        for info in infos
    }


def _parts(
    strings: StringTable, findings: dict[str, Any], accounts: dict[str, Any], rules: dict[str, Any]
) -> Iterator[str]:
    yield f'{{"format":{FORMAT},"roles":{script_json(ROLES)},"rules":{script_json(rules)},'
    yield f'"secret_flags":{script_json(SECRET_FLAGS)},"strings":'
    yield from _array(strings.strings)
    yield ',"findings":'
    yield from _table(findings)
    yield ',"accounts":'
    yield from _table(accounts)
    yield "}"


def payload_parts(
    strings: StringTable,
    findings: dict[str, Any],
    accounts: dict[str, Any],
    rules: dict[str, Any] | None = None,
) -> Iterator[Markup]:
    """``{"format", "roles", "rules", "secret_flags", "strings", "findings", "accounts"}`` as the
    text of a ``<script type="application/json">`` element, in parts; ``columns`` documents the
    tables, ``guidance`` the rules."""
    # Each part is script_json's escaped text, or our own JSON punctuation around it.
    return map(Markup, _parts(strings, findings, accounts, rules or {}))
