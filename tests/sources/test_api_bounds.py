"""Every bound of a live fetch, against the real test server over sockets: no limiter kind ever
answers 429 at the declared rate, and no server (trickling, endless, a gzip bomb, a list that never
ends, nonsense headers) can make a fetch run forever or grow without limit."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import pytest

import auditor.model.account as account_module
import auditor.sources.api as api_module
from auditor.errors import ApiError
from auditor.model.account import EmailAccount, Inventory
from auditor.redact import SecretSet
from auditor.sources.api import ApiSource, FetchProgress
from auditor.sources.pacing import Pacer, Ticket, Window
from auditor.sources.pagination import STEP
from auditor.testing.faults import Fault
from auditor.testing.generator import generate_accounts
from auditor.testing.limiters import LimiterKind
from auditor.testing.server import SmartLeadServer
from tests.support.api import KEY, assert_same_inventory, fast_settings

pytestmark = pytest.mark.usefixtures("isolated")


def fetch(server: SmartLeadServer, pacer: Pacer | None = None, **settings: Any) -> ApiSource:
    source = ApiSource(fast_settings(server, **settings), pacer=pacer)
    inventory: Inventory = source.load()
    assert_same_inventory(inventory, server)
    return source


def statuses(server: SmartLeadServer) -> list[int]:
    return [entry.status for entry in server.requests]


@pytest.mark.parametrize("kind", [LimiterKind.SLIDING, LimiterKind.FIXED, LimiterKind.BUCKET])
def test_no_429_from_any_limiter_kind_at_the_declared_rate(kind: LimiterKind) -> None:
    with SmartLeadServer(2500, api_key=KEY, rate=20, limiter=kind) as server:
        source = fetch(server, rate=20.0, concurrency=16)
        assert 429 not in statuses(server)
    assert source.tally is not None and source.tally.rate_limited == 0


def test_no_429_from_several_windows_at_once() -> None:
    # 20 per second and 30 per 3 s (a short stand-in for a minute budget): the second binds
    with SmartLeadServer(
        4000, api_key=KEY, rate=20, limiter=LimiterKind.MULTI, windows=[(30, 3.0)]
    ) as server:
        fetch(server, pacer=Pacer([Window(20, 1.0), Window(30, 3.0)]), concurrency=16)
        assert 429 not in statuses(server)
        assert len(server.requests) > 30  # the 3-second window was really in play


class RecordingPacer(Pacer):
    """The pacer on the wall clock (the server's), with a record of the sends it was told of."""

    def __init__(self, windows: list[Window]) -> None:
        super().__init__(windows, clock=time.time)
        self.sends: dict[int, float] = {}

    def mark_sent(self, ticket: Ticket) -> None:
        super().mark_sent(ticket)  # only the first call counts
        self.sends.setdefault(ticket.seq, ticket.sent_at)


def test_each_slot_is_stamped_when_its_request_goes_out_on_the_wire() -> None:
    """Over real sockets the pacer hears of each send (httpcore's trace) before the request
    reaches the server, not when its answer is back: it counts a slot from the real send, so a
    send held back after its grant (the event loop busy parsing pages, a connection being
    opened) cannot bunch up with later ones at the server."""

    def busy(progress: FetchProgress) -> None:
        time.sleep(0.1 if progress.pages % 4 == 0 else 0)  # a page's CPU work, exaggerated

    pacer = RecordingPacer([Window(20, 1.0)])
    with SmartLeadServer(
        3000, api_key=KEY, rate=20, limiter=LimiterKind.SLIDING, latency=0.05
    ) as server:
        source = ApiSource(fast_settings(server, concurrency=16), progress=busy, pacer=pacer)
        assert_same_inventory(source.load(), server)
        assert 429 not in statuses(server)
        arrivals = sorted(entry.arrived for entry in server.requests)
    sends = sorted(pacer.sends.values())
    assert source.tally is not None
    assert len(sends) == pacer.sent
    # A read past the end may be cancelled once the short page answers: granted but never sent,
    # or sent and read by the server only after the fetch returned. Nothing else goes missing.
    assert 0 <= len(sends) - len(arrivals) <= source.tally.past_end
    # the k-th send is no later than the k-th arrival: each request went out before it arrived
    assert all(sent <= arrived for sent, arrived in zip(sends, arrivals, strict=False))


def test_a_rate_set_too_high_is_corrected_after_one_429() -> None:
    # the client believes 40/s; the server allows 15 in any second
    with SmartLeadServer(4000, api_key=KEY, rate=15, limiter=LimiterKind.SLIDING) as server:
        source = fetch(server, rate=40.0, concurrency=16, retries=5)
        limited = statuses(server).count(429)
    assert source.tally is not None
    assert 1 <= limited <= 2  # learned at once: not a 429 every window
    assert source.tally.rate_limited == limited


def test_a_trickling_body_fails_that_request_after_the_timeout() -> None:
    with SmartLeadServer(300, api_key=KEY) as server:
        server.add_fault(Fault.TRICKLE, offset=STEP, times=5, delay=0.05)
        with pytest.raises(ApiError, match=r"no complete answer within 0.4s \(timeout\)"):
            ApiSource(fast_settings(server, timeout=0.4, retries=1)).load()
        assert [e.fault for e in server.requests if e.offset == STEP] == ["trickle", "trickle"]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault.ENDLESS, "the answer is too large (more than 16777216 bytes sent)"),
        (Fault.GZIP_BOMB, "the answer is too large (more than the cap once inflated)"),
    ],
)
def test_endless_and_bomb_bodies_fail_closed_in_bounded_memory(fault: Fault, message: str) -> None:
    with SmartLeadServer(300, api_key=KEY) as server:
        server.add_fault(fault, offset=STEP)
        tracemalloc.start()
        try:
            with pytest.raises(ApiError) as caught:
                ApiSource(fast_settings(server, timeout=30, retries=3)).load()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        at_page = [e.fault for e in server.requests if e.offset == STEP]
    assert f"page at offset {STEP}: {message}" in str(caught.value)
    assert at_page == [fault.value]  # an error, not retried
    assert peak < 64 * 2**20  # the cap (16 MB) and a page or two, never the 256 MB+ body


def test_a_list_that_never_ends_stops_at_the_page_cap() -> None:
    with SmartLeadServer(0, api_key=KEY, endless=True) as server:
        with pytest.raises(ApiError) as caught:
            ApiSource(fast_settings(server, max_accounts=1000)).load()
        offsets = [e.offset for e in server.requests]
    text = str(caught.value)
    assert f"page at offset {STEP * (1000 // STEP)} is still full: more than 1000 accounts" in text
    assert "--max-accounts" in text
    assert max(o for o in offsets if o is not None) <= STEP * (1000 // STEP)


def test_max_accounts_is_not_hit_by_an_inventory_of_exactly_that_size() -> None:
    with SmartLeadServer(990, api_key=KEY) as server:
        fetch(server, max_accounts=990)


@pytest.mark.parametrize("value", ["inf", "nan", "-3"])
def test_nonsense_retry_after_is_ignored_not_a_crash(value: str) -> None:
    with SmartLeadServer(300, api_key=KEY) as server:
        server.add_fault(Fault.RATE_LIMITED, offset=STEP, retry_after=float(value))
        source = fetch(server)
    assert source.tally is not None and source.tally.rate_limited == 1


def test_a_far_retry_after_fails_at_once() -> None:
    with SmartLeadServer(300, api_key=KEY) as server:
        server.add_fault(Fault.RATE_LIMITED, offset=STEP, retry_after=3600)
        with pytest.raises(ApiError, match="asks to wait 3600s, longer than 120s"):
            ApiSource(fast_settings(server)).load()


def test_requests_per_fetch_are_counted_and_few() -> None:
    with SmartLeadServer(2000, api_key=KEY, rate=50, limiter=LimiterKind.SLIDING) as server:
        source = fetch(server, rate=50.0, concurrency=8)
        sent = len(server.requests)
    tally = source.tally
    assert tally is not None
    assert tally.pages == 2000 // STEP + 1
    # counted when the pacer grants them: one cancelled right after (the end was known) never
    # reaches the server
    assert sent <= tally.requests == tally.pages + tally.past_end + tally.repeated
    assert tally.repeated == 0  # no page read twice: the overlaps are the whole check
    assert tally.past_end <= 8  # at most what was in flight when the short page answered


def test_a_password_first_met_on_the_last_page_is_scrubbed_from_every_account() -> None:
    """The scrub waits for the whole chain: a password that only the last page brings is still
    scrubbed from an account read long before."""
    records = generate_accounts(150, seed=5)
    password = "Fr3sh-canary-pass-7731"
    records[120] = {**records[120], "password": password}  # on the last (short) page: offset 99
    records[0] = {**records[0], "smtp_failure_error": f"535 auth failed for {password}"}
    with SmartLeadServer(records, api_key=KEY) as server:
        inventory = ApiSource(fast_settings(server, concurrency=1)).load()
        assert [entry.offset for entry in server.requests] == [0, 99]
    first = next(a for a in inventory.accounts if a.id == records[0]["id"])
    assert first.smtp_failure_error is not None
    assert password not in first.smtp_failure_error
    assert "[REDACTED]" in first.smtp_failure_error


def test_a_fetch_scrubs_each_account_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages are validated with their scrub deferred, and the whole fetch is scrubbed once, at the
    end: no scrub per page and then again at the end."""
    scrubbed: list[int] = []
    real = api_module.scrub_accounts

    def counting(accounts: tuple[EmailAccount, ...], secrets: SecretSet) -> None:
        scrubbed.append(len(accounts))
        real(accounts, secrets)

    texts: list[int] = []
    real_texts = account_module.scrub_texts

    def each(account: EmailAccount, secrets: SecretSet) -> None:
        texts.append(account.id)
        real_texts(account, secrets)

    monkeypatch.setattr(api_module, "scrub_accounts", counting)
    monkeypatch.setattr(account_module, "scrub_texts", each)
    with SmartLeadServer(1000, api_key=KEY) as server:
        ApiSource(fast_settings(server)).load()
    assert scrubbed == [1000]
    assert len(texts) == len(set(texts)) == 1000  # each account once, not page by page too
