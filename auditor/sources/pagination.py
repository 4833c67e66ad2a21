"""Offset pagination that notices when the list moves underneath it (pure logic, no I/O).

The API has no cursor and no total: page ``i`` asks for ``limit=100`` records at
``offset = i * 99``, so consecutive pages overlap by one record. While nothing changes, the last
record of page ``i`` is the first of page ``i + 1``. An account added or deleted before that point
between the two requests shifts every later offset by one; then the overlap no longer matches, which
is how a deletion that would let one account slip past a page boundary unseen gets caught. The chain
ends at the first short page; any records beyond it mean the list grew after that page was read.

``find_break`` says where a chain of pages is inconsistent; the fetcher re-fetches there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from auditor.model.account import EmailAccount
from auditor.sources.api_request import PAGE_SIZE

log = logging.getLogger(__name__)

STEP = PAGE_SIZE - 1  # overlap consecutive pages by one record


def page_offset(index: int) -> int:
    return index * STEP


@dataclass(frozen=True)
class Page:
    index: int
    accounts: tuple[EmailAccount, ...]

    @property
    def offset(self) -> int:
        return page_offset(self.index)

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(account.id for account in self.accounts)

    @property
    def full(self) -> bool:
        return len(self.accounts) >= PAGE_SIZE


@dataclass(frozen=True)
class Break:
    """Where the chain is inconsistent: between page ``index`` and the pages after it."""

    index: int
    reason: str


def find_break(pages: Mapping[int, Page]) -> Break | None:
    """The first inconsistency in pages ``0..end``, or ``None`` when they form one clean view."""
    index = 0
    while True:
        page = pages.get(index)
        if page is None:
            return Break(max(index - 1, 0), f"page at offset {page_offset(index)} is missing")
        if not page.full:
            beyond = [i for i, p in pages.items() if i > index and p.accounts]
            if beyond:
                return Break(
                    index,
                    f"page at offset {page.offset} was short, but the page at "
                    f"offset {page_offset(min(beyond))} has accounts",
                )
            return None
        following = pages.get(index + 1)
        if following is None:
            return Break(index, f"page at offset {page_offset(index + 1)} is missing")
        if not following.accounts:
            return Break(
                index,
                f"page at offset {following.offset} is empty, but the page before it was full",
            )
        if following.ids[0] != page.ids[-1]:
            return Break(
                index,
                f"page at offset {following.offset} starts with account "
                f"{following.ids[0]}, not {page.ids[-1]}: the list shifted",
            )
        index += 1


def last_index(pages: Mapping[int, Page]) -> int:
    """Index of the first short page (the end of the chain); the chain must be complete."""
    index = 0
    while pages[index].full:
        index += 1
    return index


def assemble(pages: Mapping[int, Page]) -> tuple[EmailAccount, ...]:
    """The accounts of a consistent chain, de-duplicated by id, sorted by id."""
    seen: dict[int, EmailAccount] = {}
    duplicates = 0
    for index in range(last_index(pages) + 1):
        for position, account in enumerate(pages[index].accounts):
            if account.id in seen:
                if position != 0:  # position 0 repeats the previous page's last record by design
                    duplicates += 1
                continue
            seen[account.id] = account
    if duplicates:
        log.debug("dropped %d repeated account id(s) across pages", duplicates)
    return tuple(seen[account_id] for account_id in sorted(seen))
