"""The planner: open findings -> concrete changes, per account. Pure: no I/O, no clock.

A finding becomes a change only when its target value is unambiguous (the rule's own option, or
the entry's ``fix:``) and setting it would make the rule pass for that account (checked by running
the rule again on the changed account). Everything else is *manual*, with the rule's remediation
text and the reason it was not planned: nothing is guessed. Waived and baseline findings are not
planned at all.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.model.account import EmailAccount, WarmupDetails
from auditor.model.entry import AccountIndex, EntryBase, Selector
from auditor.model.result import AuditResult, Finding, FindingStatus
from auditor.policy.loader import Policy
from auditor.remediation.fields import (
    ATTRIBUTES,
    BY_WRITE,
    WARMUP_ENABLED,
    Endpoint,
    Value,
    current,
)
from auditor.rules import RULES, daily_send_limit, send_gap
from auditor.rules.base import AddressOptions

WARMUP_SETTINGS = ("total_warmup_per_day", "daily_rampup", "reply_rate_percentage")


@dataclass(frozen=True)
class Change:
    """One setting to change on one account, and the finding that asks for it."""

    account_id: int
    email: str
    field: str  # write-side name (``auditor.remediation.fields``)
    current: Value
    new: Value
    rule: str
    entry: str
    policy: str  # file:line of the entry
    finding: str
    settings: tuple[tuple[str, int], ...] = ()  # sent along (warmup's per day, ramp-up, ...)

    @property
    def endpoint(self) -> Endpoint:
        return BY_WRITE[self.field].endpoint

    @property
    def read_field(self) -> str:
        return BY_WRITE[self.field].read


@dataclass(frozen=True)
class Manual:
    """A finding left to a person: what it says, what to do, and why it was not planned."""

    account_id: int | None
    email: str | None
    rule: str
    entry: str
    policy: str
    field: str | None
    actual: str | None
    expected: str | None
    finding: str
    remediation: str
    reason: str


@dataclass(frozen=True)
class AccountState:
    """What the plan was made from, for the stale check before writing."""

    id: int
    email: str
    updated_at: str | None
    current: tuple[tuple[str, Value], ...]  # write-side field -> value, the planned fields


@dataclass(frozen=True)
class Selection:
    rules: frozenset[str] = frozenset()  # rule ids or entry ids; empty: all
    only: Selector | None = None
    max_changes: int | None = None


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    manual: tuple[Manual, ...]
    accounts: tuple[AccountState, ...]
    left_out: int  # changes beyond --max-changes


class _NotPlanned(Exception):
    """Why a finding stays manual (the message is the reason)."""


def make_plan(
    policy: Policy, result: AuditResult, accounts: Sequence[EmailAccount], selection: Selection
) -> Plan:
    """Open findings of ``result`` (evaluated over ``accounts`` with ``policy``) -> a plan."""
    entries = {e.id: e for e in policy.entries}
    remediation = {r.id: r.remediation for r in result.rules}
    by_id = {a.id: a for a in accounts}
    chosen = _chosen_ids(accounts, selection.only)
    proposed: list[Change] = []
    manual: list[Manual] = []
    for finding in result.findings:
        if finding.status is not FindingStatus.OPEN or not _selected(finding, selection, chosen):
            continue
        account = by_id.get(finding.account_id) if finding.account_id is not None else None
        entry = entries.get(finding.id)
        try:
            if account is None or entry is None:
                raise _NotPlanned("not about one account's setting")
            proposed.append(_change(finding, entry.options, account))
        except _NotPlanned as why:
            manual.append(_manual(finding, remediation.get(finding.id, ""), str(why)))
    changes, conflicts = _without_conflicts(proposed, remediation)
    manual.extend(conflicts)
    changes.sort(key=lambda c: (c.account_id, c.endpoint, c.field))
    left_out = 0
    if selection.max_changes is not None and len(changes) > selection.max_changes:
        left_out = len(changes) - selection.max_changes
        del changes[selection.max_changes :]
    manual.sort(key=lambda m: (m.rule, m.entry, m.account_id or -1, m.field or ""))
    return Plan(tuple(changes), tuple(manual), _states(changes, by_id), left_out)


def _chosen_ids(accounts: Sequence[EmailAccount], only: Selector | None) -> frozenset[int] | None:
    if only is None:
        return None
    index = AccountIndex(accounts)
    return frozenset(a.id for a in index.accounts_at(only.positions(index)))


def _selected(finding: Finding, selection: Selection, chosen: frozenset[int] | None) -> bool:
    if selection.rules and not {finding.rule, finding.id} & selection.rules:
        return False
    return chosen is None or finding.account_id in chosen


def _change(finding: Finding, options: EntryBase, account: EmailAccount) -> Change:
    planner = _PLANNERS.get(finding.rule)
    if planner is None:
        raise _NotPlanned(f"{finding.rule} has no automatic fix")
    field, new, settings = planner(finding, options, account)
    changed = _with(account, field, new)
    still = [v for _, v in RULES[finding.rule].violations([changed], options)]
    if any(v.field == finding.field for v in still):
        raise _NotPlanned(f"setting {field} to {new!r} would still break the rule")
    return Change(
        account.id,
        account.email,
        field,
        current(account, field),
        new,
        finding.rule,
        finding.id,
        finding.policy,
        finding.message,
        settings,
    )


Planned = tuple[str, Value, tuple[tuple[str, int], ...]]


def _fix_value(options: EntryBase, kind: type[int] | type[str]) -> Value:
    value = options.fix.value if options.fix is not None else None
    if value is not None and (type(value) is not kind):
        noun = "a whole number" if kind is int else "text"
        raise _NotPlanned(f"the entry's fix value must be {noun}")
    return value


def _limit(finding: Finding, options: EntryBase, account: EmailAccount) -> Planned:
    assert isinstance(options, daily_send_limit.Options)
    value = _fix_value(options, int)
    return "max_email_per_day", value if value is not None else options.max, ()


def _gap(finding: Finding, options: EntryBase, account: EmailAccount) -> Planned:
    assert isinstance(options, send_gap.Options)
    value = _fix_value(options, int)
    return "time_to_wait_in_mins", value if value is not None else options.min_minutes, ()


def _bcc(finding: Finding, options: EntryBase, account: EmailAccount) -> Planned:
    assert isinstance(options, AddressOptions)
    value = options.address or _fix_value(options, str)
    if value is None:
        raise _NotPlanned("no address to set: give the entry an address, or fix: {value: ...}")
    return "bcc", value, ()


def _tracking(finding: Finding, options: EntryBase, account: EmailAccount) -> Planned:
    value = _fix_value(options, str)
    if value is None:
        raise _NotPlanned("no domain to set: give the entry fix: {value: ...}")
    return "custom_tracking_url", value, ()


def _warmup(finding: Finding, options: EntryBase, account: EmailAccount) -> Planned:
    if finding.field != WARMUP_ENABLED.read:
        raise _NotPlanned("only turning warmup on is automatic")
    if options.fix is None:
        raise _NotPlanned("no warmup settings: give the entry fix: {total_warmup_per_day: ...}")
    if account.warmup_details is not None and account.warmup_details.blocked_reason:
        raise _NotPlanned("warmup is blocked: its cause needs a person")
    settings = tuple(
        (name, value) for name in WARMUP_SETTINGS if (value := getattr(options.fix, name))
    )
    return WARMUP_ENABLED.write, True, settings


_PLANNERS: dict[str, Callable[[Finding, EntryBase, EmailAccount], Planned]] = {
    "daily-send-limit": _limit,
    "send-gap": _gap,
    "bcc-required": _bcc,
    "tracking-domain": _tracking,
    "warmup": _warmup,
}


def _with(account: EmailAccount, field: str, new: Value) -> EmailAccount:
    """The account as it would read after the change (to run the rule on it again)."""
    if field == WARMUP_ENABLED.write:
        details = account.warmup_details or WarmupDetails()
        details = dataclasses.replace(details, status="ACTIVE" if new else "INACTIVE")
        return dataclasses.replace(account, warmup_details=details)
    changed: dict[str, Any] = {ATTRIBUTES[field]: new}
    return dataclasses.replace(account, **changed)


def _without_conflicts(
    proposed: Iterable[Change], remediation: dict[str, str]
) -> tuple[list[Change], list[Manual]]:
    """Two entries asking one setting of one account for different values: neither is planned."""
    groups: dict[tuple[int, str], list[Change]] = defaultdict(list)
    for change in proposed:
        groups[(change.account_id, change.field)].append(change)
    changes, manual = [], []
    for group in groups.values():
        if len({repr(c.new) for c in group}) == 1:
            changes.append(min(group, key=lambda c: c.entry))
            continue
        asked = ", ".join(f"{c.entry} asks {c.new!r}" for c in group)
        for c in group:
            manual.append(
                Manual(
                    c.account_id,
                    c.email,
                    c.rule,
                    c.entry,
                    c.policy,
                    c.read_field,
                    None if c.current is None else str(c.current),
                    None if c.new is None else str(c.new),
                    c.finding,
                    remediation.get(c.entry, ""),
                    f"entries disagree on {c.field} ({asked})",
                )
            )
    return changes, manual


def _manual(finding: Finding, remediation: str, reason: str) -> Manual:
    return Manual(
        finding.account_id,
        finding.email,
        finding.rule,
        finding.id,
        finding.policy,
        finding.field,
        finding.actual,
        finding.expected,
        finding.message,
        remediation,
        reason,
    )


def _states(changes: Sequence[Change], by_id: dict[int, EmailAccount]) -> tuple[AccountState, ...]:
    planned: dict[int, dict[str, Value]] = defaultdict(dict)
    for change in changes:
        planned[change.account_id][change.field] = change.current
    states = []
    for account_id in sorted(planned):
        account = by_id[account_id]
        stamp = account.updated_at.isoformat() if account.updated_at else None
        states.append(
            AccountState(
                account_id, account.email, stamp, tuple(sorted(planned[account_id].items()))
            )
        )
    return tuple(states)
