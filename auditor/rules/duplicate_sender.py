"""Flags accounts that share a sender address (`from_email`, case-insensitive).

Two mailboxes with one address double its volume behind each other's back and make replies
and bounces ambiguous. Every account of a shared address gets a finding.

Example:
  - rule: duplicate-sender
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import FleetRule, Violation, wire_path
from auditor.rules.fleet import group_by, other_ids

REMEDIATION = "Delete or reconnect the duplicate mailbox so each sender address exists once."
FIELD = wire_path("from_email")


def check(
    accounts: Sequence[EmailAccount], options: EntryBase
) -> Iterator[tuple[EmailAccount, Violation]]:
    addresses = [(a.from_email or "").casefold() or None for a in accounts]
    for address, members in group_by(accounts, addresses, shared_only=True).items():
        for account in members:
            yield (
                account,
                Violation(
                    FIELD,
                    str(address),
                    "a sender address used by one account",
                    f"{address} is also the sender of account(s) {other_ids(members, account)}",
                ),
            )


RULE = FleetRule("duplicate-sender", EntryBase, check, REMEDIATION, __doc__)
