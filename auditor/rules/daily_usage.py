"""Flags mailboxes running hot: `daily_sent_count / message_per_day` above a ratio.

An account that uses nearly all of its daily cap every day has no headroom and is the first to
hit provider throttling; it usually means campaigns need more mailboxes.

Options:
  max_ratio: the highest allowed share of the daily cap sent today, from 0 to 1 (required).

Example:
  - rule: daily-usage
    max_ratio: 0.9
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import AccountRule, Violation, wire_path

REMEDIATION = "Add mailboxes to the account's campaigns, or lower their daily volume."
FIELD = wire_path("daily_sent_count")
CAP = wire_path("message_per_day")


class Options(EntryBase):
    max_ratio: Annotated[float, Field(ge=0, le=1, strict=False)]


def check(account: EmailAccount, options: Options) -> list[Violation]:
    sent, cap = account.daily_sent_count, account.message_per_day
    expected = f"<= {options.max_ratio:.0%} of {CAP}"
    if sent is None or cap is None:
        message = "daily usage is unknown (sent count or cap not set)"
        return [Violation(FIELD, None, expected, message)]
    if sent == 0:
        return []
    if cap == 0 or sent / cap > options.max_ratio:
        ratio = "no cap" if cap == 0 else f"{sent / cap:.0%}"
        message = f"sent {sent} of its {cap} daily emails ({ratio}), above {options.max_ratio:.0%}"
        return [Violation(FIELD, f"{sent} of {cap} ({ratio})", expected, message)]
    return []


RULE = AccountRule("daily-usage", Options, check, REMEDIATION, __doc__)
