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
from auditor.rules.base import AddressOptions, Violation, check_address, screen_address

ID = "reply-to-required"
REMEDIATION = "Set a reply-to address on the account (Settings > General > Reply-to)."


class Options(AddressOptions):
    pass


def screen(accounts: Sequence[EmailAccount], options: Options) -> Sequence[EmailAccount]:
    return screen_address("different_reply_to_address", accounts, options)


def check(account: EmailAccount, options: Options) -> list[Violation]:
    return check_address("different_reply_to_address", account.different_reply_to_address, options)
