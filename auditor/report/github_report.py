"""GitHub Actions workflow commands (`::error`/`::warning`/`::notice`), worst first.

GitHub shows only a few annotations per step, so at most `PER_LEVEL` per level are emitted and a
final notice counts the rest. Data is escaped as the runner expects, so an account name cannot
end a command early or start a new one; before that, inventory text goes through ``display``
(shortened, controls escaped; a message keeps its line ends, which the runner's escaping carries).
"""

from __future__ import annotations

from auditor.model.result import UNSETTLED, AuditResult, FindingStatus, Severity
from auditor.report.display import display

PER_LEVEL = 10
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: AuditResult) -> str:
    lines = []
    shown = dict.fromkeys(Severity, 0)
    hidden = 0
    for finding in result.findings:
        if finding.status not in UNSETTLED:
            continue
        if shown[finding.severity] >= PER_LEVEL:
            hidden += 1
            continue
        shown[finding.severity] += 1
        path, _, line = finding.policy.rpartition(":")
        where = "" if path.startswith("preset:") else f"file={escape_property(path)},line={line},"
        subject = "" if finding.account_id is None else f"{finding.account_id} {finding.email} "
        status = " (inconclusive)" if finding.status is FindingStatus.INCONCLUSIVE else ""
        title = escape_property(display(f"{finding.id}{status}: {subject}".strip()))
        message = escape_data(display(finding.message, keep="\n\r"))
        lines.append(f"::{_COMMAND[finding.severity]} {where}title={title}::{message}")
    if hidden:
        lines.append(
            f"::notice title=smartlead-audit::+{hidden} more findings "
            "(see the JSON, Markdown or HTML report)"
        )
    s = result.summary
    lines.append(
        f"smartlead-audit: {s.result.upper()}: {s.accounts} accounts, "
        f"{s.accounts_failing} failing, {sum(s.open.values())} open findings, "
        f"{s.waived} waived"
    )
    return "\n".join(lines) + "\n"
