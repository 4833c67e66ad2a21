"""Requires the last IMAP connection test to have passed (`is_imap_success`).

Without IMAP, replies are not read into SmartLead: leads answer and nobody sees it. The finding
quotes `imap_failure_error` (secrets removed).

Example:
  - rule: imap-connected
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import AccountRule, Violation, wire_path
from auditor.rules.smtp_connected import connection_violation

REMEDIATION = "Reconnect the account's IMAP: check the IMAP host, port and login, then re-test."
FIELD = wire_path("is_imap_success")


def screen(accounts: Sequence[EmailAccount], options: EntryBase) -> list[EmailAccount]:
    return [a for a in accounts if a.is_imap_success is not True]


def check(account: EmailAccount, options: EntryBase) -> list[Violation]:
    return connection_violation(FIELD, account.is_imap_success, account.imap_failure_error, "IMAP")


RULE = AccountRule("imap-connected", EntryBase, check, REMEDIATION, __doc__, screen=screen)
