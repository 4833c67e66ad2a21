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
from auditor.rules.base import AddressOptions, Violation, check_address, screen_address

ID = "bcc-required"
REMEDIATION = "Set the account's BCC address to the compliance archive (Settings > General)."


class Options(AddressOptions):
    pass


def screen(accounts: Sequence[EmailAccount], options: Options) -> Sequence[EmailAccount]:
    return screen_address("bcc_email", accounts, options)


def check(account: EmailAccount, options: Options) -> list[Violation]:
    return check_address("bcc_email", account.bcc_email, options)
