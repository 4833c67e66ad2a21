"""Requires a minimum wait between two sends from the same account (`minTimeToWaitInMins`).

Bursts of mail from one mailbox look automated; spacing sends out protects deliverability. An
account with no gap set violates.

Options:
  min_minutes: the smallest allowed gap in minutes (required).

Example:
  - rule: send-gap
    min_minutes: 10
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import Field

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import AccountRule, Violation, show, wire_path

REMEDIATION = "Raise the account's minimum time between emails (Settings > Sending)."
FIELD = wire_path("min_time_to_wait_mins")


class Options(EntryBase):
    min_minutes: Annotated[int, Field(ge=0)]


def screen(accounts: Sequence[EmailAccount], options: Options) -> list[EmailAccount]:
    floor = options.min_minutes
    return [a for a in accounts if (v := a.min_time_to_wait_mins) is None or v < floor]


def check(account: EmailAccount, options: Options) -> list[Violation]:
    value = account.min_time_to_wait_mins
    if value is not None and value >= options.min_minutes:
        return []
    expected = f">= {options.min_minutes}"
    if value is None:
        return [Violation(FIELD, None, expected, f"{FIELD} is not set")]
    message = f"{FIELD} is {value} minutes, below the minimum of {options.min_minutes}"
    return [Violation(FIELD, show(value), expected, message)]


RULE = AccountRule("send-gap", Options, check, REMEDIATION, __doc__, screen=screen)
