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

FIELD = wire_path("is_different_imap_account")
HOST, PORT, USERNAME = map(wire_path, ("imap_host", "imap_port", "imap_username"))


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
        missing = [
            name
            for name, value in (
                (HOST, account.imap_host),
                (PORT, account.imap_port),
                (USERNAME, account.imap_username),
            )
            if value is None
        ]
        if missing:
            return [
                Violation(
                    missing[0],
                    None,
                    "set",
                    f"separate IMAP credentials are incomplete: {', '.join(missing)} not set",
                )
            ]
    return []


RULE = AccountRule(
    id="imap-credentials",
    doc=__doc__,
    options=Options,
    check=check,
    remediation="Align the account's IMAP settings with the policy (Settings > IMAP): use the "
    "SMTP login, or fill in every IMAP field.",
)
