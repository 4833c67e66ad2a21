"""Grouping helpers shared by the fleet rules (rules across accounts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence

from auditor.models import EmailAccount


def group_by(
    accounts: Iterable[EmailAccount], key: Callable[[EmailAccount], Hashable | None]
) -> dict[Hashable, list[EmailAccount]]:
    """Accounts by key (None keys left out), each group sorted by id for stable findings."""
    groups: dict[Hashable, list[EmailAccount]] = defaultdict(list)
    for account in accounts:
        value = key(account)
        if value is not None:
            groups[value].append(account)
    for members in groups.values():
        if len(members) > 1:  # most groups have one account: skip the sort call for those
            members.sort(key=lambda a: a.id)
    return groups


def other_ids(members: Sequence[EmailAccount], account: EmailAccount, limit: int = 5) -> str:
    """The other accounts of a group, for messages (at most `limit`, then a count)."""
    ids = [str(m.id) for m in members if m.id != account.id]
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
