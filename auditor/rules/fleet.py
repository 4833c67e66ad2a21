"""Grouping helpers shared by the fleet rules (rules across accounts)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Hashable, Iterable, Sequence

from auditor.model.account import EmailAccount


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
