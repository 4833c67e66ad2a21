"""The interactive, self-contained HTML report (``reports/audit.html``).

One file that makes no network request: the stylesheet and script are inlined and allowed by
hash in a Content-Security-Policy, charts are inline SVG drawn here, and the findings and
accounts travel as compact JSON in a ``<script type="application/json">`` block that the script
reads with ``JSON.parse`` and renders with ``textContent`` only. Everything from the inventory is
untrusted: the template autoescapes it, the JSON embedding escapes ``<``, ``>`` and ``&``.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.gcpause import gc_paused
from auditor.models import AuditResult, FindingStatus, Severity
from auditor.report.accounts import AccountColumns, account_columns
from auditor.report.html.assets import assets
from auditor.report.html.charts import BarChart, bar_chart
from auditor.report.html.embed import script_json
from auditor.report.html.payload import report_payload
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


def filter_choices(groups: list[RuleGroup], accounts: AccountColumns) -> FilterChoices:
    """Options from the payload's account columns (``account_columns``), not another pass."""
    tags = {tag for names in accounts["tags"] for tag in names}
    return FilterChoices(
        severities=tuple(s.value for s in Severity),
        rules=tuple(g.info.id for g in groups),
        statuses=tuple(s.value for s in FindingStatus),
        clients=tuple(sorted(set(accounts["client_id"]) - {None})),
        providers=tuple(sorted(set(accounts["type"]) - {None})),
        tags=tuple(sorted(tags, key=lambda tag: (tag.casefold(), tag))),
    )


def overview_charts(overview: InventoryOverview) -> tuple[BarChart, ...]:
    return (
        bar_chart("chart-provider", "Accounts by provider", "Provider", overview.by_provider),
        bar_chart("chart-warmup", "Accounts by warmup status", "Warmup status",
                  overview.by_warmup),
        bar_chart("chart-client", "Accounts by client", "Client", overview.by_client),
        bar_chart("chart-capacity", "Daily sending capacity by sender domain", "Sender domain",
                  overview.capacity_by_domain, unit="emails per day"),
        bar_chart("chart-connection", "Connection test results", "Protocol and result",
                  overview.connection_status),
    )


def render(result: AuditResult) -> str:
    with gc_paused():  # see auditor.gcpause
        groups = rule_groups(result)
        accounts = account_columns(result.accounts)
        overview = inventory_overview(result, accounts)
        failures = overview.connection_failures
        return environment().get_template("report.html.j2").render(
            result=result,
            summary=result.summary,
            groups=groups,
            overview=overview,
            charts=overview_charts(overview),
            failures=failures[:FAILURES_SHOWN],
            failures_hidden=failures[FAILURES_SHOWN:],
            choices=filter_choices(groups, accounts),
            assets=assets(),
            data=script_json(report_payload(result, accounts)),
        )
