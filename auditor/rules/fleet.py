"""Grouping helpers shared by the fleet rules (rules across accounts)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Hashable, Iterable, Iterator, Sequence

from auditor.dns.checks import DEFAULT_SELECTORS, Problem
from auditor.model.account import EmailAccount
from auditor.rules.base import DomainViolation, Violation


def group_by(
    accounts: Sequence[EmailAccount], keys: Iterable[Hashable | None], *, shared_only: bool = False
) -> dict[Hashable, list[EmailAccount]]:
    """Accounts by key (``keys`` runs parallel to ``accounts``; None keys are left out), each
    group sorted by id for stable findings. Callers pass the keys as one comprehension: a key
    function would be a Python call per account.

    ``shared_only``: only the groups of two or more accounts. Keys are mostly unique (sender
    addresses, logins), so the repeated ones are counted first, in C, and only their accounts
    are grouped."""
    keys = list(keys)
    wanted: Container[Hashable | None] | None = None
    if shared_only:
        wanted = {key for key, count in Counter(keys).items() if count > 1}
    groups: dict[Hashable, list[EmailAccount]] = defaultdict(list)
    for account, value in zip(accounts, keys, strict=True):
        if value is not None and (wanted is None or value in wanted):
            groups[value].append(account)
    for members in groups.values():
        if len(members) > 1:  # most groups have one account: skip the sort call for those
            members.sort(key=lambda a: a.id)
    return groups


def other_ids(members: Sequence[EmailAccount], account: EmailAccount, limit: int = 5) -> str:
    """The other accounts of a group (``account`` is one of ``members``), for messages: at most
    `limit`, then a count. It stops reading at `limit`: it runs once per member, and a group can
    hold thousands of accounts."""
    ids: list[str] = []
    for member in members:
        if member.id != account.id:
            ids.append(str(member.id))
            if len(ids) == limit:
                break
    more = len(members) - 1 - len(ids)
    return ", ".join(ids) + (f" and {more} more" if more > 0 else "")


SAMPLE = 3


def by_sender_domain(accounts: Sequence[EmailAccount]) -> dict[Hashable, list[EmailAccount]]:
    return group_by(accounts, [a.sender_domain or None for a in accounts])


def accounts_text(members: Sequence[EmailAccount]) -> str:
    """ "3 accounts: a@x, b@x, c@x" or "12 accounts: a@x, b@x, c@x, ...": count and sample."""
    sample = ", ".join(m.email or f"#{m.id}" for m in members[:SAMPLE])
    more = ", ..." if len(members) > SAMPLE else ""
    noun = "account" if len(members) == 1 else "accounts"
    return f"{len(members)} {noun}: {sample}{more}"


def report(
    domain: str, members: Sequence[EmailAccount], field: str, problems: Iterable[Problem]
) -> Iterator[DomainViolation]:
    for problem in problems:
        message = f"{domain}: {problem.message} ({accounts_text(members)})"
        violation = Violation(field, problem.actual, problem.expected, message)
        yield DomainViolation(members[0], violation, problem.inconclusive, domain)


def selectors_for(members: Sequence[EmailAccount], configured: list[str] | None) -> list[str]:
    """The configured selectors, else the defaults of the accounts' types (in order)."""
    if configured:
        return configured
    chosen: dict[str, None] = {}
    for account in members:
        chosen.update(dict.fromkeys(DEFAULT_SELECTORS.get((account.type or "").upper(), [])))
    return list(chosen)
