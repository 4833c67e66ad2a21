"""The overlap check alone catches one or two changes during a fetch, whatever the read order.

Model: the account list changes at some moments (an account added or deleted anywhere); each page
is one answer, read at any moment, in any order (a concurrent sweep, retries, re-syncs). For every
such read order, ``find_break`` either finds a break, or the pages assemble into exactly the list
as it stood at one moment. Checked exhaustively for one change and for two, on a list of three
pages, with the pages past the first short one read or not (a sweep cancels them). (Three changes
can cancel out: the limitation the fetcher's docstring states.)
"""

from __future__ import annotations

import itertools

import pytest

from auditor.model.account import EmailAccount
from auditor.sources.pagination import STEP, Page, assemble, find_break

SIZE = 2 * STEP + 2  # three pages, the last one short
PAGES = SIZE // STEP + 2  # and one past the end, where a grown list shows
# every position where a change shifts a page boundary, and one inside each page
POSITIONS = sorted(
    {p for b in range(0, SIZE + 2, STEP) for p in (b - 1, b, b + 1) if 0 <= p <= SIZE}
    | {STEP // 2, STEP + STEP // 2}
)
ACCOUNTS = {i: EmailAccount(id=i) for i in range(1, SIZE + 1)} | {
    i: EmailAccount(id=i) for i in (900_001, 900_002)
}


def changed(ids: list[int], kind: str, position: int, new_id: int) -> list[int] | None:
    out = list(ids)
    if kind == "delete":
        if position >= len(out):
            return None
        del out[position]
    else:
        out.insert(position, new_id)
    return out


def pages_read(states: list[list[int]], moments: tuple[int, ...], *, beyond: bool) -> dict:
    """Page ``i`` as answered at moment ``moments[i]``; without ``beyond``, nothing past the first
    short page (the sweep cancelled it)."""
    pages: dict[int, Page] = {}
    for index, moment in enumerate(moments):
        start = index * STEP
        ids = states[moment][start : start + STEP + 1]
        pages[index] = Page(index, tuple(ACCOUNTS[i] for i in ids))
        if not beyond and not pages[index].full:
            break
    return pages


def verdicts(states: list[list[int]], *, beyond: bool) -> tuple[int, int]:
    """(read orders that gave a mixed view, how many of them got past ``find_break``)."""
    views = [set(state) for state in states]
    mixed = missed = 0
    for moments in itertools.product(range(len(states)), repeat=PAGES):
        pages = pages_read(states, moments, beyond=beyond)
        consistent = any(  # every page as one moment answered it
            all(
                page.ids == tuple(states[m][page.offset : page.offset + STEP + 1])
                for page in pages.values()
            )
            for m in range(len(states))
        )
        if consistent:
            continue
        mixed += 1
        if find_break(pages) is None and {a.id for a in assemble(pages)} not in views:
            missed += 1
    return mixed, missed


@pytest.mark.parametrize("beyond", [True, False], ids=["beyond-read", "beyond-cancelled"])
@pytest.mark.parametrize("kind", ["delete", "insert"])
def test_one_change_at_any_position_is_caught_or_harmless(kind: str, beyond: bool) -> None:
    start = list(range(1, SIZE + 1))
    mixed_total = 0
    for position in range(SIZE + 1):
        after = changed(start, kind, position, 900_001)
        if after is None:
            continue
        mixed, missed = verdicts([start, after], beyond=beyond)
        assert missed == 0, (kind, position)
        mixed_total += mixed
    assert mixed_total > 100  # the model did mix views: the check had something to catch


@pytest.mark.parametrize("beyond", [True, False], ids=["beyond-read", "beyond-cancelled"])
@pytest.mark.parametrize("kinds", list(itertools.product(["delete", "insert"], repeat=2)))
def test_two_changes_are_caught_or_harmless(kinds: tuple[str, str], beyond: bool) -> None:
    start = list(range(1, SIZE + 1))
    mixed_total = 0
    for first, second in itertools.product(POSITIONS, repeat=2):
        middle = changed(start, kinds[0], first, 900_001)
        end = middle and changed(middle, kinds[1], second, 900_002)
        if middle is None or end is None:
            continue
        mixed, missed = verdicts([start, middle, end], beyond=beyond)
        assert missed == 0, (kinds, first, second)
        mixed_total += mixed
    assert mixed_total > 100
