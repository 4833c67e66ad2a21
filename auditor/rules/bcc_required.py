"""Requires a BCC archive address on every outgoing email (`bcc_email`).

Compliance archives need a copy of every message sent; without BCC, mail from the account is
unrecorded. An account with no BCC violates.

Options (at most one):
  address: the exact BCC address (case-insensitive).
  domain: the BCC address must be at this domain.
  pattern: a regular expression the whole address must match.

Example:
  - rule: bcc-required
    domain: archive.acme.example
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.model.account import EmailAccount
from auditor.rules.base import AccountRule, AddressOptions, Violation, check_address, wire_path

REMEDIATION = "Set the account's BCC address to the compliance archive (Settings > General)."
FIELD = wire_path("bcc_email")


def screen(accounts: Sequence[EmailAccount], options: AddressOptions) -> Sequence[EmailAccount]:
    return accounts if options.pinned else [a for a in accounts if a.bcc_email is None]


def check(account: EmailAccount, options: AddressOptions) -> list[Violation]:
    return check_address(FIELD, account.bcc_email, options)


RULE = AccountRule("bcc-required", AddressOptions, check, REMEDIATION, __doc__, screen=screen)
