"""The console report: the verdict, the findings per rule, the worst accounts and a sample of
findings spread over the rules; and the shorter summary (verdict and rules) that runs writing
other formats print on stderr. Color only where the caller allows.

Laid out for thousands of findings: every figure is a count, and the rows shown are bounded.
Inventory text goes through ``display.one_line``: rich wraps long cells onto new lines, and in a
CI log a line that starts with ``::`` would be a GitHub workflow command.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.model.result import AuditResult, FindingStatus, Severity
from auditor.report.display import one_line
from auditor.report.summary import VERDICT_PREFIX, Digest, plural, verdict_detail, verdict_word

SAMPLE_SHOWN = 20
ACCOUNTS_SHOWN = 10
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _console(buffer: io.StringIO, color: bool, width: int) -> Console:
    return Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        emoji=False,
    )


def _table(*columns: str) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in columns:
        justify = "right" if column in ("open", "waived", "accounts", "findings") else "left"
        table.add_column(column, overflow="fold", justify=justify)  # type: ignore[arg-type]
    return table


def _verdict_and_rules(console: Console, result: AuditResult, digest: Digest) -> None:
    style = "bold green" if result.summary.passed else "bold red"
    word = Text(verdict_word(result), style=style)
    # One line whatever the width: CI logs and `grep FAIL` read it as one.
    console.print(Text.assemble(VERDICT_PREFIX, word, verdict_detail(result)), soft_wrap=True)
    if result.dns is not None:
        console.print(Text(f"DNS evidence: {result.dns.mode}, collected {result.dns.collected_at}"))
    rows = digest.rows
    if rows:
        table = _table("rule", "severity", "open", "waived", "accounts")
        for row in rows:
            table.add_row(
                row.rule,
                Text(row.severity.value, style=_STYLE[row.severity]),
                str(row.open),
                str(row.waived),
                str(row.accounts),
            )
        console.print()
        console.print(table)


def render_summary(result: AuditResult, *, color: bool = False, width: int = 120) -> str:
    """The verdict line and the per-rule table: what every run says, whatever it writes."""
    buffer = io.StringIO()
    _verdict_and_rules(_console(buffer, color, width), result, Digest(result))
    return buffer.getvalue()


def render(
    result: AuditResult, *, color: bool = False, width: int = 120, written: Sequence[str] = ()
) -> str:
    """The whole console report; ``written`` names the report files this run wrote, which hold
    every finding the sample leaves out."""
    buffer = io.StringIO()
    console = _console(buffer, color, width)
    digest = Digest(result)
    _verdict_and_rules(console, result, digest)
    worst = digest.worst_accounts(ACCOUNTS_SHOWN)
    if len(worst) > 1:
        table = _table("account", "email", "findings")
        for account in worst:
            table.add_row(str(account.account_id), Text(one_line(account.email)), str(account.open))
        console.print()
        console.print(Text("Accounts with the most open findings", style="bold"))
        console.print(table)
    shown = digest.sample(SAMPLE_SHOWN)
    if shown:
        table = _table("severity", "rule", "account", "email", "message")
        for finding in shown:
            table.add_row(
                Text(
                    finding.severity.value
                    + (" inconclusive" if finding.status is FindingStatus.INCONCLUSIVE else ""),
                    style=_STYLE[finding.severity],
                ),
                finding.id,
                "" if finding.account_id is None else str(finding.account_id),
                Text(one_line(finding.email)),
                Text(one_line(finding.message)),
            )
        total = sum(result.summary.open.values())
        console.print()
        title = "Open findings" if total <= len(shown) else "A sample of the open findings"
        console.print(Text(f"{title} ({len(shown)} of {total})", style="bold"))
        console.print(table)
        hidden = total - len(shown)
        if hidden > 0:
            where = (
                f"see {', '.join(written)}"
                if written
                else "write them all with --format html (or json, csv, markdown)"
            )
            console.print(f"... and {plural(hidden, 'more open finding')}: {where}")
    elif written:
        console.print(f"Reports: {', '.join(written)}")
    return buffer.getvalue()
