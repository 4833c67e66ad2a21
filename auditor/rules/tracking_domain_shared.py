"""Caps how many accounts share one custom tracking domain (`custom_tracking_domain`).

A tracking domain carries the reputation of every mailbox that uses it: one spammy sender taints
the links of all the others. One finding per account beyond the cap (accounts in id order).

Options:
  max_accounts: the most accounts allowed on one tracking domain (required).

Example:
  - rule: tracking-domain-shared
    max_accounts: 10
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

from pydantic import Field

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import FleetRule, Violation, wire_path
from auditor.rules.fleet import group_by

REMEDIATION = "Give the extra accounts a tracking subdomain of their own."
FIELD = wire_path("custom_tracking_domain")


class Options(EntryBase):
    max_accounts: Annotated[int, Field(ge=1)]


def check(
    accounts: Sequence[EmailAccount], options: Options
) -> Iterator[tuple[EmailAccount, Violation]]:
    domains = [d.lower() if (d := a.custom_tracking_domain) else None for a in accounts]
    for domain, members in group_by(accounts, domains).items():
        for extra in members[options.max_accounts :]:
            yield (
                extra,
                Violation(
                    FIELD,
                    f"{len(members)} accounts on {domain}",
                    f"<= {options.max_accounts} accounts per tracking domain",
                    f"tracking domain {domain} is used by {len(members)} accounts, above the "
                    f"maximum of {options.max_accounts}",
                ),
            )


RULE = FleetRule("tracking-domain-shared", Options, check, REMEDIATION, __doc__)
