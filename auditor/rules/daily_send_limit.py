"""Caps the number of emails an account may send per day (`message_per_day`).

Mailbox providers throttle and flag senders whose volume jumps; a house cap keeps every mailbox
under the level its domain and warmup can carry. An account with no cap set violates.

Options:
  max: the highest allowed `message_per_day` (required).

Example:
  - rule: daily-send-limit
    max: 40
    only: {type: [GMAIL, OUTLOOK]}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import Field

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import AccountRule, Violation, show, wire_path

REMEDIATION = "Lower the account's daily sending limit (Settings > Sending > Message per day)."
FIELD = wire_path("message_per_day")


class Options(EntryBase):
    max: Annotated[int, Field(ge=0)]


def screen(accounts: Sequence[EmailAccount], options: Options) -> list[EmailAccount]:
    cap = options.max
    return [a for a in accounts if (v := a.message_per_day) is None or v > cap]


def check(account: EmailAccount, options: Options) -> list[Violation]:
    value = account.message_per_day
    if value is not None and value <= options.max:
        return []
    expected = f"<= {options.max}"
    if value is None:
        return [Violation(FIELD, None, expected, f"{FIELD} is not set")]
    message = f"{FIELD} is {value}, above the maximum of {options.max}"
    return [Violation(FIELD, show(value), expected, message)]


RULE = AccountRule("daily-send-limit", Options, check, REMEDIATION, __doc__, screen=screen)
