"""Requires warmup to be running, healthy and not blocked (`warmup_details`).

Warmup keeps a mailbox's reputation up between campaigns. An account that never started warmup
has no status and violates.

Options:
  status: allowed warmup statuses (default `[ACTIVE]`).
  min_reputation: the lowest allowed `warmup_reputation`, in percent (optional).
  allow_blocked: accept accounts whose warmup is blocked (default false).

Example:
  - rule: warmup
    min_reputation: 90
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated

from pydantic import Field

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import AccountRule, Violation, show, wire_path

STATUS, REPUTATION, BLOCKED = map(
    wire_path,
    ("warmup_details.status", "warmup_details.warmup_reputation", "warmup_details.blocked_reason"),
)

REMEDIATION = (
    "Turn warmup on for the account (Warmup tab); if it is blocked, fix the cause named in "
    "blocked_reason and restart it."
)


class Options(EntryBase):
    status: Annotated[list[str], Field(min_length=1)] = Field(default_factory=lambda: ["ACTIVE"])
    min_reputation: Annotated[float, Field(ge=0, le=100, strict=False)] | None = None
    allow_blocked: bool = False

    # Computed once per entry, not once per account (evaluation runs this for every account).
    @cached_property
    def allowed_statuses(self) -> frozenset[str]:
        return frozenset(s.upper() for s in self.status)


def check(account: EmailAccount, options: Options) -> list[Violation]:
    details = account.warmup_details
    found = []
    status = details.status if details else None
    if status is None or status.upper() not in options.allowed_statuses:
        found.append(
            Violation(
                STATUS,
                status,
                " or ".join(options.status),
                "warmup has never been started"
                if details is None
                else f"warmup status is {status}",
            )
        )
    # An account that never started warmup has one finding (above), not one per missing figure.
    if options.min_reputation is not None and details is not None:
        floor = f"{show(options.min_reputation)}%"
        reputation = details.warmup_reputation
        if reputation is None or reputation < options.min_reputation:
            found.append(
                Violation(
                    REPUTATION,
                    None if reputation is None else f"{show(reputation)}%",
                    f">= {floor}",
                    "warmup reputation is unknown"
                    if reputation is None
                    else f"warmup reputation {show(reputation)}% is below {floor}",
                )
            )
    blocked = details.blocked_reason if details else None
    if blocked is not None and not options.allow_blocked:
        found.append(Violation(BLOCKED, blocked, "not blocked", f"warmup is blocked: {blocked}"))
    return found


RULE = AccountRule("warmup", Options, check, REMEDIATION, __doc__)
