"""Requires the last SMTP connection test to have passed (`is_smtp_success`).

A mailbox that cannot connect sends nothing, and campaigns using it stall silently. The finding
quotes `smtp_failure_error` (secrets removed).

Example:
  - rule: smtp-connected
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import AccountRule, Violation, show, wire_path

REMEDIATION = "Reconnect the account: check the SMTP host, port and password, then re-test."
FIELD = wire_path("is_smtp_success")


def connection_violation(
    field: str, ok: bool | None, error: str | None, what: str
) -> list[Violation]:
    """Shared by the SMTP and IMAP rules. The account scrubbed its secrets from `error` when it
    was parsed."""
    if ok is True:
        return []
    reason = f": {error}" if error else ""
    state = "has never been tested" if ok is None else "failed"
    return [Violation(field, show(ok), "true", f"the {what} connection {state}{reason}")]


def screen(accounts: Sequence[EmailAccount], options: EntryBase) -> list[EmailAccount]:
    return [a for a in accounts if a.is_smtp_success is not True]


def check(account: EmailAccount, options: EntryBase) -> list[Violation]:
    return connection_violation(FIELD, account.is_smtp_success, account.smtp_failure_error, "SMTP")


RULE = AccountRule("smtp-connected", EntryBase, check, REMEDIATION, __doc__, screen=screen)
