"""Requires a reply-to address (`different_reply_to_address`).

Replies should reach a monitored inbox, not the sending mailbox that nobody reads. `""` and
`null` both mean "none" and violate.

Options (at most one):
  address: the exact reply-to address (case-insensitive).
  domain: the reply-to address must be at this domain.
  pattern: a regular expression the whole address must match.

Example:
  - rule: reply-to-required
    pattern: 'replies\\+.*@acme\\.example'
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.model.account import EmailAccount
from auditor.rules.base import AccountRule, AddressOptions, Violation, check_address, wire_path

REMEDIATION = "Set a reply-to address on the account (Settings > General > Reply-to)."
FIELD = wire_path("different_reply_to_address")


def screen(accounts: Sequence[EmailAccount], options: AddressOptions) -> Sequence[EmailAccount]:
    return (
        accounts
        if options.pinned
        else [a for a in accounts if a.different_reply_to_address is None]
    )


def check(account: EmailAccount, options: AddressOptions) -> list[Violation]:
    return check_address(FIELD, account.different_reply_to_address, options)


RULE = AccountRule("reply-to-required", AddressOptions, check, REMEDIATION, __doc__, screen=screen)
