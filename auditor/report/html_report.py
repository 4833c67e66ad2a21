"""The interactive, self-contained HTML report (``reports/audit.html``).

One file that makes no network request: the stylesheet and script are inlined and allowed by
hash in a Content-Security-Policy, charts are inline SVG drawn here, and the findings and
accounts travel as compact JSON in a ``<script type="application/json">`` block that the script
reads with ``JSON.parse`` and renders with ``textContent`` only. Everything from the inventory is
untrusted: the template autoescapes it, the JSON embedding escapes ``<``, ``>`` and ``&``, and
both show it through ``auditor.report.display`` (shortened, controls escaped; tabs and line ends
kept), the template with its ``text`` filter, the data block column by column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, TextIO

from auditor.model.result import AuditResult, FindingStatus, Severity
from auditor.report.accounts import account_columns
from auditor.report.display import FINDING_TEXT, KEEP_BLOCK, display_column
from auditor.report.html.assets import assets
from auditor.report.html.charts import BarChart, bar_chart
from auditor.report.html.columns import StringTable, encode_table
from auditor.report.html.payload import finding_columns, guidance, payload_parts
from auditor.report.html.summary import hotspots, rule_chart
from auditor.report.output import as_text
from auditor.report.templating import environment
from auditor.report.view import InventoryOverview, RuleGroup, inventory_overview, rule_groups

# The overview lists the most common connection errors; the rest are one line (and in findings).
FAILURES_SHOWN = 20


@dataclass(frozen=True)
class FilterChoices:
    """The options of the findings filters, in a stable order."""

    severities: tuple[str, ...]
    rules: tuple[str, ...]
    statuses: tuple[str, ...]
    clients: tuple[int, ...]
    providers: tuple[str, ...]
    tags: tuple[str, ...]


def overview_charts(overview: InventoryOverview) -> tuple[BarChart, ...]:
    return (
        bar_chart("chart-provider", "Accounts by provider", "Provider", overview.by_provider),
        bar_chart("chart-warmup", "Accounts by warmup status", "Warmup status", overview.by_warmup),
        bar_chart("chart-client", "Accounts by client", "Client", overview.by_client),
        bar_chart(
            "chart-capacity",
            "Daily sending capacity by sender domain",
            "Sender domain",
            overview.capacity_by_domain,
            unit="emails per day",
        ),
        bar_chart(
            "chart-connection",
            "Connection test results",
            "Protocol and result",
            overview.connection_status,
        ),
    )


def _displayed(columns: dict[str, list[Any]]) -> dict[str, Sequence[Any]]:
    """Columns as the page shows them (``display_column``); ``tags`` holds lists of names."""
    shown = {name: display_column(values, KEEP_BLOCK) for name, values in columns.items()}
    tags = columns.get("tags")
    if tags is not None:
        names = list(chain.from_iterable(tags))
        if display_column(names, KEEP_BLOCK) is not names:
            shown["tags"] = [list(display_column(each, KEEP_BLOCK)) for each in tags]
    return shown


def _finding_columns(result: AuditResult) -> dict[str, Sequence[Any]]:
    """The findings' columns, their inventory text as the page shows it."""
    columns: dict[str, Sequence[Any]] = dict(finding_columns(result.findings))
    for name in FINDING_TEXT:
        if name in columns:
            columns[name] = display_column(columns[name], KEEP_BLOCK)
    return columns


def _urgency(group: RuleGroup) -> tuple[int, int]:
    """What to fix first: the worst severity, then the most open findings."""
    return (-group.info.severity.rank, -group.open)


def write(result: AuditResult, stream: TextIO) -> None:
    """The page, its data block written a slice of a column at a time (``payload_parts``).

    The overview, the filters' options and the accounts table all come from one set of account
    columns: each pass over 50,000 scattered account objects costs more than one over a list."""
    groups = sorted(rule_groups(result), key=_urgency)  # stable: policy order among equals
    columns = account_columns(result.accounts)
    overview = inventory_overview(result.accounts, columns)
    tags = {tag for names in columns["tags"] for tag in names}
    choices = FilterChoices(
        severities=tuple(s.value for s in Severity),
        rules=tuple(g.info.id for g in groups),
        statuses=tuple(s.value for s in FindingStatus),
        clients=tuple(sorted(set(columns["client_id"]) - {None})),
        providers=tuple(sorted(set(columns["type"]) - {None})),
        tags=tuple(sorted(tags, key=lambda tag: (tag.casefold(), tag))),
    )
    # The accounts table numbers its strings first, the findings table continues.
    strings = StringTable()
    accounts = encode_table(_displayed(columns), len(result.accounts), strings)
    del columns  # the page's copy is encoded: 50,000 accounts' worth of lists go before findings
    findings = encode_table(_finding_columns(result), len(result.findings), strings)
    failures = overview.connection_failures
    template = environment().get_template("report.html.j2")
    stream.writelines(
        template.generate(
            result=result,
            summary=result.summary,
            groups=[g for g in groups if g.open],
            quiet_groups=[g for g in groups if not g.open],
            rule_chart=rule_chart(groups),
            hotspots=hotspots(result.findings, result.accounts),
            overview=overview,
            charts=overview_charts(overview),
            failures=failures[:FAILURES_SHOWN],
            failures_hidden=failures[FAILURES_SHOWN:],
            choices=choices,
            assets=assets(),
            data=payload_parts(strings, findings, accounts, guidance(g.info for g in groups)),
        )
    )


def render(result: AuditResult) -> str:
    return as_text(write, result)
