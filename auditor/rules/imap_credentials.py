"""Checks how an account's IMAP login relates to its SMTP login (`is_different_imap_account`).

Some teams forbid separate IMAP credentials (one secret to rotate), others require them (a
shared reply inbox). In every mode, an account that uses separate credentials must have them
complete: `imap_host`, `imap_port` and `imap_username` set.

Options:
  separate: `allow` (default), `forbid` or `require`.

Example:
  - rule: imap-credentials
    separate: forbid
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import AccountRule, Violation, show, wire_path

REMEDIATION = (
    "Align the account's IMAP settings with the policy (Settings > IMAP): use the SMTP login, "
    "or fill in every IMAP field."
)
FIELD = wire_path("is_different_imap_account")
# Attribute -> finding name of what separate credentials need.
NEEDED = {name: wire_path(name) for name in ("imap_host", "imap_port", "imap_username")}


class Separate(StrEnum):
    ALLOW = "allow"
    FORBID = "forbid"
    REQUIRE = "require"


class Options(EntryBase):
    separate: Annotated[Separate, Field(strict=False)] = Separate.ALLOW


def check(account: EmailAccount, options: Options) -> list[Violation]:
    separate = account.is_different_imap_account is True
    if options.separate is Separate.FORBID and separate:
        return [Violation(FIELD, "true", "false", "the account uses separate IMAP credentials")]
    if options.separate is Separate.REQUIRE and not separate:
        return [
            Violation(
                FIELD,
                show(account.is_different_imap_account),
                "true",
                "the account does not use separate IMAP credentials",
            )
        ]
    if separate:
        missing = [wire for name, wire in NEEDED.items() if getattr(account, name) is None]
        if missing:
            message = f"separate IMAP credentials are incomplete: {', '.join(missing)} not set"
            return [Violation(missing[0], None, "set", message)]
    return []


RULE = AccountRule("imap-credentials", Options, check, REMEDIATION, __doc__)
