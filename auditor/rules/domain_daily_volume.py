"""Caps the total daily sending capacity of one sender domain (sum of `message_per_day`).

Mailbox providers judge a domain by its total volume, whatever the number of mailboxes behind
it. Every account on an over-capacity domain gets a finding, so each owner sees it.

Options:
  max: the highest allowed sum of `message_per_day` over a domain's accounts (required).

Example:
  - rule: domain-daily-volume
    max: 200
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

from pydantic import Field

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import FleetRule, Violation, wire_path
from auditor.rules.fleet import group_by

REMEDIATION = "Lower the daily limits of the domain's accounts, or spread them over more domains."
FIELD = wire_path("message_per_day")


class Options(EntryBase):
    max: Annotated[int, Field(ge=0)]


def check(
    accounts: Sequence[EmailAccount], options: Options
) -> Iterator[tuple[EmailAccount, Violation]]:
    for domain, members in group_by(accounts, [a.sender_domain or None for a in accounts]).items():
        total = sum(a.message_per_day or 0 for a in members)
        if total > options.max:
            for account in members:
                yield (
                    account,
                    Violation(
                        FIELD,
                        f"{total}/day on {domain}",
                        f"<= {options.max}/day per domain",
                        f"{domain} can send {total} emails a day across {len(members)} accounts, "
                        f"above the maximum of {options.max}",
                    ),
                )


RULE = FleetRule("domain-daily-volume", Options, check, REMEDIATION, __doc__)
