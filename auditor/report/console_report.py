"""A short summary and the worst findings for a terminal (color only where the caller allows).

Inventory text goes through ``display.one_line``: rich wraps long cells onto new lines, and in a CI
log a line that starts with ``::`` would be a GitHub workflow command.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.model.result import AuditResult, FindingStatus, Severity
from auditor.report.display import one_line

WORST_SHOWN = 20
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(result: AuditResult, *, color: bool = False, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        emoji=False,
    )
    s = result.summary
    verdict = Text("PASS", style="bold green") if s.passed else Text("FAIL", style="bold red")
    console.print(
        Text.assemble(
            "SmartLead audit: ",
            verdict,
            f"  {s.accounts} accounts, {s.accounts_failing} failing; open: "
            f"{s.open[Severity.ERROR]} error, {s.open[Severity.WARNING]} warning, "
            f"{s.open[Severity.INFO]} info; {s.waived} waived"
            + (f", {s.baseline} in baseline" if s.baseline else "")
            + (f", {s.inconclusive} inconclusive" if s.inconclusive else "")
            + f" (fail on {s.fail_on.value})",
        )
    )
    if result.dns is not None:
        console.print(Text(f"DNS evidence: {result.dns.mode}, collected {result.dns.collected_at}"))
    shown = (FindingStatus.OPEN, FindingStatus.INCONCLUSIVE)
    open_findings = [f for f in result.findings if f.status in shown]
    if open_findings:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for column in ("severity", "rule", "account", "email", "message"):
            table.add_column(column, overflow="fold")
        for finding in open_findings[:WORST_SHOWN]:
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
        console.print(table)
        hidden = len(open_findings) - WORST_SHOWN
        if hidden > 0:
            console.print(
                f"... and {hidden} more open findings (see the json, markdown or html report)"
            )
    return buffer.getvalue()
