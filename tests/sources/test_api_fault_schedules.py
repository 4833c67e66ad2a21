"""Random fault schedules (hypothesis) against the real test server.

The fetch either fails closed with a message naming the page, or returns exactly the accounts the
server held at one moment during the fetch (the final state, unless a change was set off by a
request the client no longer waited for, e.g. a speculative read past the last page): never an
inventory with accounts missing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.errors import InventoryError
from auditor.sources.api import ApiSource
from auditor.sources.inventory import parse_accounts
from auditor.testing.faults import FATAL_FAULTS, RETRYABLE_FAULTS, Fault
from auditor.testing.server import SmartLeadServer
from tests.support.api import KEY, assert_same_inventory, fast_settings

RETRIES = 4

faults = st.lists(
    st.tuples(st.sampled_from(RETRYABLE_FAULTS + FATAL_FAULTS), st.integers(1, 14)), max_size=4
)
# Several changes, all inserts or all deletes: an insert and a delete between the same two reads
# before the same boundary cancel out in the offsets, which no offset pager can see (documented).
changes = st.none() | st.tuples(
    st.sampled_from(["insert", "delete"]),
    st.lists(
        st.tuples(st.integers(1, 14), st.integers(1, 4), st.floats(0, 1)), min_size=1, max_size=3
    ),
)


def _change(kind: str, count: int, where: float, states: list[list[int]]) -> Any:
    def act(server: SmartLeadServer) -> None:
        size = len(server.ids())
        position = int(where * size)
        if kind == "insert":
            server.insert_accounts(count, position=position)
        else:
            server.delete_accounts(positions=list(range(position, min(size, position + count))))
        states.append(sorted(server.ids()))

    return act


@pytest.mark.usefixtures("isolated")
@settings(
    max_examples=36, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(count=st.integers(0, 520), schedule=faults, change=changes, concurrency=st.integers(1, 6))
def test_random_fault_schedules_never_give_a_partial_inventory(
    count: int,
    schedule: list[tuple[Fault, int]],
    change: tuple[str, list[Any]] | None,
    concurrency: int,
) -> None:
    with SmartLeadServer(count, api_key=KEY) as server:
        states = [sorted(server.ids())]
        records = {r["id"]: r for r in server.accounts}
        for fault, request in schedule:
            server.add_fault(fault, request=request, retry_after=0, delay=0.3)
        if change is not None:
            kind, events = change
            for request, how_many, where in events:
                server.on_request(_change(kind, how_many, where, states), request=request)
        source = ApiSource(
            fast_settings(server, retries=RETRIES, concurrency=concurrency, timeout=0.15)
        )
        try:
            inventory = source.load()
        except InventoryError as error:
            served = {entry.fault for entry in server.requests if entry.fault}
            text = str(error)
            assert KEY not in text
            assert re.search(r"page at offset \d+", text), text
            fatal_served = any(f.value in served for f in FATAL_FAULTS)
            too_many = sum(1 for f, _ in schedule if f in RETRYABLE_FAULTS) > RETRIES
            assert fatal_served or too_many, text
            return
        if change is None:
            assert_same_inventory(inventory, server)
            return
        records.update({r["id"]: r for r in server.accounts})
        got = [a.id for a in inventory.accounts]
        assert got in states  # one consistent moment, never a mix
        assert list(inventory.accounts) == sorted(
            parse_accounts([records[i] for i in got]), key=lambda a: a.id
        )
