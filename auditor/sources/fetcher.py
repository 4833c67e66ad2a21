"""Fetch a consistent chain of pages: concurrently, then verify, re-sync what moved, or fail.

1. Sweep: pages 0, 1, 2, ... run concurrently (the shared pacer sets the pace); the first short page
   ends the chain and cancels the speculative requests beyond it.
2. Verify: every overlap must match (``pagination.find_break``). An account added or deleted at
   some moment shifts every later page, so unless all the pages it shifts were read on the same
   side of that moment (one consistent view), two neighbours disagree on their shared record:
   ``tests/sources/test_chain_consistency.py`` tries every read order against one and against two
   changes, and each is caught or harmless. No page is read twice: re-reading the last one, as we
   once did, cost a round trip per fetch and caught nothing more where pages are answered in order.
3. Re-sync a break: walk back from it re-fetching pages until one has not moved, and forward until
   one has not moved (or the list ends), in growing batches; then verify again.

Each re-sync spends one unit of the budget (``--retries``); when it is spent, ``ApiError``: a
partial or self-contradictory inventory is never returned. Limitation, as for any offset pager
without a cursor: three or more changes during one fetch can cancel out (an account added and
another deleted before the same boundary between two reads, and a third change showing after it),
and then an account added during the fetch can be missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from auditor.errors import ApiError
from auditor.sources.pagination import STEP, Page, find_break, last_index

log = logging.getLogger(__name__)

GetPage = Callable[[int], Coroutine[Any, Any, Page]]


def last_allowed_index(max_accounts: int) -> int:
    """The page that must be short when there are at most ``max_accounts`` accounts: it starts
    at or before the last of them, so with that many it holds fewer than 100."""
    return max_accounts // STEP


class ChainFetcher:
    """Owns the pages of one fetch; ``run()`` returns them only once they are consistent."""

    def __init__(
        self, get_page: GetPage, *, concurrency: int, max_resyncs: int, max_accounts: int
    ) -> None:
        self._get = get_page
        self._max_accounts = max_accounts
        self._last = last_allowed_index(max_accounts)
        self._concurrency = concurrency
        self._max_resyncs = max_resyncs
        self.pages: dict[int, Page] = {}
        self.resyncs = 0

    async def run(self) -> dict[int, Page]:
        await self._sweep()
        while (problem := find_break(self.pages)) is not None:
            if self.resyncs >= self._max_resyncs:
                raise ApiError(
                    f"the account list kept changing while it was read: {problem.reason}; no "
                    f"consistent view after {self.resyncs} re-sync(s).",
                    tip="run again when fewer accounts are being added or removed, "
                    "or raise --retries.",
                )
            self.resyncs += 1
            log.info("re-sync %d of %d: %s", self.resyncs, self._max_resyncs, problem.reason)
            await self._resync(problem.index)
        self._prune(last_index(self.pages))
        return self.pages

    async def _sweep(self) -> None:
        """Pages 0.. concurrently until the first short page; cancel what lies beyond it."""
        running: dict[asyncio.Task[Page], int] = {}
        dropped: list[asyncio.Task[Page]] = []
        next_index, end = 0, None
        try:
            while True:
                while (
                    len(running) < self._concurrency
                    and next_index <= self._last
                    and (end is None or next_index <= end)
                ):
                    running[asyncio.create_task(self._get(next_index))] = next_index
                    next_index += 1
                if not running:
                    return
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(done, key=running.__getitem__):  # lowest page fails first
                    index = running.pop(task)
                    page = task.result()
                    self._store(page)
                    if not page.full and (end is None or index < end):
                        end = index
                if end is not None:
                    for task, index in list(running.items()):
                        if index > end:
                            task.cancel()
                            del running[task]
                            dropped.append(task)
        finally:
            await _cancel([*running, *dropped])

    async def _resync(self, index: int) -> None:
        """Replace the pages that moved around a break at ``index`` with re-fetched ones."""
        high, batch = index, 1
        while high >= 0:  # backward, to the first page that did not move
            low = max(0, high - batch + 1)
            got = await self._fetch_many(range(low, high + 1))
            for i in range(high, low - 1, -1):
                if i in self.pages and got[i].ids == self.pages[i].ids:
                    high = -1
                    break
                self.pages[i] = got[i]
            else:
                high, batch = low - 1, min(batch * 2, self._concurrency)
        shorts = [i for i, page in self.pages.items() if i <= index and not page.full]
        if shorts:  # the list now ends at or before the break
            self._prune(min(shorts))
            return
        start, batch = index + 1, 1
        while True:  # forward, to the first page that did not move or the end
            got = await self._fetch_many(range(start, start + batch))
            for i in range(start, start + batch):
                unchanged = i in self.pages and got[i].ids == self.pages[i].ids
                self._store(got[i])
                if not got[i].full:
                    self._prune(i)
                    return
                if unchanged:
                    return
            start, batch = start + batch, min(batch * 2, self._concurrency)

    async def _fetch_many(self, indices: Iterable[int]) -> dict[int, Page]:
        tasks = {asyncio.create_task(self._get(i)): i for i in indices}
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # re-raise the first failure
            await asyncio.gather(*tasks)
        finally:
            await _cancel([t for t in tasks if not t.done()])
        return {i: task.result() for task, i in tasks.items()}

    def _store(self, page: Page) -> None:
        """Keep a page; an API that ignores ``offset`` would otherwise be paged forever."""
        for neighbour in (self.pages.get(page.index - 1), self.pages.get(page.index + 1)):
            if neighbour is not None and page.full and neighbour.ids == page.ids:
                raise ApiError(
                    f"the pages at offsets {neighbour.offset} and {page.offset} hold the same "
                    "accounts: the API seems to ignore the offset parameter, so paging cannot "
                    "work (or exactly 99 accounts were added between the two reads).",
                    tip="try again; if it persists, the API is not paging.",
                )
        if page.full and page.index >= self._last:
            raise ApiError(
                f"page at offset {page.offset} is still full: more than "
                f"{self._max_accounts} accounts, the most a fetch reads "
                f"({self._last + 1} pages); the API may not be ending its list.",
                tip="if the inventory really is that large, raise --max-accounts "
                "(SMARTLEAD_MAX_ACCOUNTS).",
            )
        self.pages[page.index] = page

    def _prune(self, end: int) -> None:
        for i in [i for i in self.pages if i > end]:
            del self.pages[i]


async def _cancel(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
