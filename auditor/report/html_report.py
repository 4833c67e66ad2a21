"""The interactive, self-contained HTML report (``reports/audit.html``).

One file that makes no network request: the stylesheet and script are inlined and allowed by
hash in a Content-Security-Policy, charts are inline SVG drawn here, and the findings and
accounts travel as compact JSON in a ``<script type="application/json">`` block that the script
reads with ``JSON.parse`` and renders with ``textContent`` only. Everything from the inventory is
untrusted: the template autoescapes it, the JSON embedding escapes ``<``, ``>`` and ``&``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from auditor.model.account import EmailAccount
from auditor.model.result import AuditResult, FindingStatus, Severity
from auditor.report.accounts import account_columns
from auditor.report.html.assets import assets
from auditor.report.html.charts import BarChart, bar_chart
from auditor.report.html.columns import StringTable, encode_table
from auditor.report.html.embed import script_json
from auditor.report.html.payload import accounts_table, finding_columns, payload_text
from auditor.report.templating import environment
from auditor.report.view import InventoryOverview, inventory_overview, rule_groups

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


@dataclass(frozen=True)
class InventoryPart:
    """What the report shows of the inventory alone. A large run makes it before the evaluation,
    on the other core (``auditor.report.writer``), and gets it back pickled: a few figures and
    the accounts table as text."""

    overview: InventoryOverview
    clients: tuple[int, ...]
    providers: tuple[str, ...]
    tags: tuple[str, ...]
    strings: list[str | None]  # the string table, as the accounts table left it
    accounts_json: str  # the accounts table, as script JSON


def inventory_part(accounts: Sequence[EmailAccount]) -> InventoryPart:
    """Overview, filter options and the accounts table, all from one set of account columns
    (each pass over 50,000 scattered account objects costs more than one over a list)."""
    columns = account_columns(accounts)
    strings, table = accounts_table(columns, len(accounts))
    tags = {tag for names in columns["tags"] for tag in names}
    return InventoryPart(
        overview=inventory_overview(accounts, columns),
        clients=tuple(sorted(set(columns["client_id"]) - {None})),
        providers=tuple(sorted(set(columns["type"]) - {None})),
        tags=tuple(sorted(tags, key=lambda tag: (tag.casefold(), tag))),
        strings=strings.strings,
        accounts_json=str(script_json(table)),
    )


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


def finish(result: AuditResult, inventory: Callable[[], InventoryPart]) -> str:
    """The report from the result and ``inventory()``, which may wait for another process: the
    work that needs only the findings is done first."""
    groups = rule_groups(result)
    findings = finding_columns(result.findings)
    part = inventory()
    strings = StringTable(part.strings)
    table = encode_table(findings, len(result.findings), strings)
    failures = part.overview.connection_failures
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            result=result,
            summary=result.summary,
            groups=groups,
            overview=part.overview,
            charts=overview_charts(part.overview),
            failures=failures[:FAILURES_SHOWN],
            failures_hidden=failures[FAILURES_SHOWN:],
            choices=FilterChoices(
                severities=tuple(s.value for s in Severity),
                rules=tuple(g.info.id for g in groups),
                statuses=tuple(s.value for s in FindingStatus),
                clients=part.clients,
                providers=part.providers,
                tags=part.tags,
            ),
            assets=assets(),
            data=payload_text(strings, table, part.accounts_json),
        )
    )


def render(result: AuditResult) -> str:
    return finish(result, lambda: inventory_part(result.accounts))
