"""Requires the last SMTP connection test to have passed (`is_smtp_success`).

A mailbox that cannot connect sends nothing, and campaigns using it stall silently. The finding
quotes `smtp_failure_error` (secrets removed).

Example:
  - rule: smtp-connected
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.model.account import EmailAccount
from auditor.policy.schema import EntryBase
from auditor.redact import redact
from auditor.rules.base import Violation, show

ID = "smtp-connected"
REMEDIATION = "Reconnect the account: check the SMTP host, port and password, then re-test."


class Options(EntryBase):
    pass


def connection_violation(
    field: str, ok: bool | None, error: str | None, what: str
) -> list[Violation]:
    """Shared by the SMTP and IMAP rules."""
    if ok is True:
        return []
    reason = f": {redact(error)}" if error else ""
    state = "has never been tested" if ok is None else "failed"
    return [Violation(field, show(ok), "true", f"the {what} connection {state}{reason}")]


def screen(accounts: Sequence[EmailAccount], options: Options) -> list[EmailAccount]:
    return [a for a in accounts if a.is_smtp_success is not True]


def check(account: EmailAccount, options: Options) -> list[Violation]:
    return connection_violation(
        "is_smtp_success", account.is_smtp_success, account.smtp_failure_error, "SMTP"
    )
