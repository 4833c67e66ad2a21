"""Caps how many accounts send from one sender domain.

Spreading volume over domains limits the damage when one domain's reputation drops; too many
mailboxes on one domain concentrate the risk. One finding per account beyond the cap (accounts
in id order), naming the domain and its count.

Options:
  max: the most accounts allowed on one sender domain (required).

Example:
  - rule: accounts-per-domain
    max: 5
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

from pydantic import Field

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import FleetRule, Violation, wire_path
from auditor.rules.fleet import group_by

REMEDIATION = "Move the extra mailboxes to another sending domain, or retire them."
FIELD = wire_path("from_email")


class Options(EntryBase):
    max: Annotated[int, Field(ge=1)]


def check(
    accounts: Sequence[EmailAccount], options: Options
) -> Iterator[tuple[EmailAccount, Violation]]:
    for domain, members in group_by(accounts, [a.sender_domain or None for a in accounts]).items():
        for extra in members[options.max :]:
            yield (
                extra,
                Violation(
                    FIELD,
                    f"{len(members)} accounts on {domain}",
                    f"<= {options.max} accounts per domain",
                    f"{domain} has {len(members)} sending accounts, above the maximum of "
                    f"{options.max}",
                ),
            )


RULE = FleetRule("accounts-per-domain", Options, check, REMEDIATION, __doc__)
