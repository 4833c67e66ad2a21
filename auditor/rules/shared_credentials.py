"""Flags SMTP accounts that log in with the same username and password on the same host.

One leaked or rotated password then breaks several mailboxes at once, and shared logins hide
who sent what. Passwords are compared as keyed hashes made in memory with a key that lives
only for this run; no password, and no hash of one, is stored, printed or logged. Snapshots
written by `smartlead-audit fetch` hold no passwords, so this rule needs a live fetch or a raw
API body.

Example:
  - rule: shared-credentials
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import FleetRule, Violation, wire_path
from auditor.rules.fleet import group_by, other_ids

REMEDIATION = "Give each mailbox its own SMTP login (or at least its own password)."
FIELD = wire_path("username")


def check(
    accounts: Sequence[EmailAccount], options: EntryBase
) -> Iterator[tuple[EmailAccount, Violation]]:
    for members in group_by(
        accounts, [a.credential_tag for a in accounts], shared_only=True
    ).values():
        for account in members:
            yield (
                account,
                Violation(
                    FIELD,
                    account.username,
                    "a login used by one account",
                    f"shares its SMTP username and password on {account.smtp_host} with "
                    f"account(s) {other_ids(members, account)}",
                ),
            )


RULE = FleetRule("shared-credentials", EntryBase, check, REMEDIATION, __doc__)
