"""The shared pacer: sliding windows with no opening burst, budgets and holds learned from the
server, and the limits on what it will wait for. Send times are the pacer's own grant times (its
clock), so these check a property of the schedule, not how fast the machine is."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from auditor.sources.pacing import (
    Pacer,
    PacingError,
    Ticket,
    Window,
    default_concurrency,
    windows_for,
)


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most grant times that fall in one half-open window of ``seconds``."""
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


async def grants(pacer: Pacer, count: int) -> list[Ticket]:
    return list(await asyncio.gather(*(pacer.acquire() for _ in range(count))))


def test_windows_follow_the_configured_rates() -> None:
    assert windows_for(10, 60, 1000) == [Window(10, 1.0), Window(60, 60.0), Window(1000, 3600.0)]
    assert windows_for(0.5) == [Window(1, 2.0)]  # one per two seconds
    assert windows_for(2.5, 0, None) == [Window(2, 0.8)]  # 0 / None: no minute or hour budget


def test_no_window_ever_holds_more_than_its_limit_not_even_at_the_start() -> None:
    pacer = Pacer([Window(5, 0.2), Window(8, 0.6)])
    tickets = asyncio.run(grants(pacer, 20))
    times = [t.sent_at for t in tickets]
    assert [t.seq for t in tickets] == list(range(1, 21))  # FIFO: in the order asked
    assert times == sorted(times)
    assert most_in_any_window(times, 0.2) <= 5
    assert most_in_any_window(times, 0.6) <= 8
    assert pacer.sent == 20


def test_a_declared_budget_for_a_longer_window_holds_until_its_reset() -> None:
    async def scenario() -> tuple[Ticket, Ticket, Ticket]:
        pacer = Pacer([Window(100, 0.1)], max_hold=10)
        first = await pacer.acquire()
        second = await pacer.acquire()
        # the answer to the first request: one more allowed until 2.5 s from now; the second
        # request, sent since, may already have used it
        pacer.observe(first, 200, {"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "2.5"})
        third = await pacer.acquire()
        return first, second, third

    _, second, third = asyncio.run(scenario())
    assert third.sent_at - second.sent_at >= 2.4


def test_budgets_per_declared_window_suffix() -> None:
    async def scenario() -> float:
        pacer = Pacer([Window(100, 0.1)], max_hold=10)
        ticket = await pacer.acquire()
        headers = {
            "x-ratelimit-remaining-1s": "5",
            "x-ratelimit-reset-1s": "1",
            "x-ratelimit-remaining-60s": "0",
            "x-ratelimit-reset-60s": str(time.time() + 2.5),
        }
        pacer.observe(ticket, 200, headers)
        return (await pacer.acquire()).sent_at - ticket.sent_at

    assert asyncio.run(scenario()) >= 2.4


def test_a_reset_within_the_shortest_window_is_left_to_the_log() -> None:
    """Reset is often whole seconds, rounded up: obeying it for the 1 s window would cost up to
    a second per window."""

    async def scenario() -> float:
        pacer = Pacer([Window(10, 1.0)])
        ticket = await pacer.acquire()
        pacer.observe(ticket, 200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2"})
        return (await pacer.acquire()).sent_at - ticket.sent_at

    assert asyncio.run(scenario()) < 1.0


def test_a_429_holds_everyone_and_lowers_the_rate_for_good() -> None:
    async def scenario() -> tuple[Pacer, list[Ticket]]:
        pacer = Pacer([Window(10, 1.0)])
        sent = await grants(pacer, 6)
        # the sixth was refused: the server allows fewer than 6 per second
        pacer.observe(sent[-1], 429, {"retry-after": "0.3"})
        later = await grants(pacer, 2)
        return pacer, sent + later

    pacer, tickets = asyncio.run(scenario())
    assert pacer.limited == 1
    assert pacer.windows[0] == Window(5, 1.0)
    assert tickets[6].sent_at - tickets[5].sent_at >= 0.29


def test_a_429_without_retry_after_holds_a_second_and_slows_by_a_fifth() -> None:
    async def scenario() -> tuple[Pacer, float]:
        pacer = Pacer([Window(10, 1.0)])
        ticket = await pacer.acquire()
        pacer.observe(ticket, 429, {})  # one request in the window and refused: not our window
        return pacer, (await pacer.acquire()).sent_at - ticket.sent_at

    pacer, gap = asyncio.run(scenario())
    assert pacer.windows[0] == Window(8, 1.0)
    assert gap >= 0.99


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "600"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "600"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(time.time() + 10**9)},
    ],
)
def test_a_wait_longer_than_max_hold_fails_instead_of_sleeping(headers: dict[str, str]) -> None:
    async def scenario() -> None:
        pacer = Pacer([Window(10, 1.0)], max_hold=120)
        ticket = await pacer.acquire()
        pacer.observe(ticket, 429 if "retry-after" in headers else 200, headers)
        await pacer.acquire()

    started = time.monotonic()
    with pytest.raises(PacingError, match=r"asks to wait \d+s, longer than 120s"):
        asyncio.run(scenario())
    assert time.monotonic() - started < 60  # failed, did not hold


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e999", "-5", "soon", "", "0x10"])
def test_nonsense_header_values_are_ignored_with_a_debug_line(
    value: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> float:
        pacer = Pacer([Window(100, 0.1)])
        ticket = await pacer.acquire()
        pacer.observe(
            ticket,
            429,
            {
                "x-ratelimit-remaining": value,
                "x-ratelimit-reset": value,
                "x-ratelimit-remaining-60s": "0",
                "x-ratelimit-reset-60s": value,
                "retry-after": value,
            },
        )
        return (await pacer.acquire()).sent_at - ticket.sent_at

    with caplog.at_level(logging.DEBUG, logger="auditor.sources.pacing"):
        gap = asyncio.run(scenario())
    assert 0.9 <= gap < 5  # the default one-second hold for a 429, nothing from the values
    assert "ignored" in caplog.text


def test_answers_to_older_requests_do_not_overwrite_newer_budgets() -> None:
    async def scenario() -> float:
        pacer = Pacer([Window(100, 0.1)], max_hold=10)
        old, new = await pacer.acquire(), await pacer.acquire()
        pacer.observe(new, 200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2.5"})
        pacer.observe(old, 200, {"x-ratelimit-remaining": "50", "x-ratelimit-reset": "2.5"})
        return (await pacer.acquire()).sent_at - new.sent_at

    assert asyncio.run(scenario()) >= 2.4


def test_default_concurrency_covers_half_a_second_within_16_to_32() -> None:
    assert [default_concurrency(r) for r in (1, 10, 50, 1000)] == [16, 16, 25, 32]


def test_a_slot_counts_from_the_real_send_not_the_grant() -> None:
    """A send held back after its grant (a busy event loop, a connection being opened) moves its
    slot: the next window opens a window after the real send, so sends never bunch up at the
    server."""

    async def scenario() -> tuple[float, Ticket, Ticket]:
        pacer = Pacer([Window(2, 0.3)])
        first, second = await pacer.acquire(), await pacer.acquire()
        granted = first.sent_at
        await asyncio.sleep(0.2)
        pacer.mark_sent(first)  # went out 0.2 s after its grant
        pacer.mark_sent(second)
        moved = first.sent_at
        pacer.mark_sent(first)  # only the first call counts
        assert first.sent_at == moved
        return granted, first, await pacer.acquire()

    granted, first, third = asyncio.run(scenario())
    assert first.sent_at - granted >= 0.19
    assert third.sent_at - first.sent_at >= 0.3  # from the grant it would be ~0.32 after it


def test_429s_for_requests_sent_before_the_first_one_came_back_lower_the_limit_once() -> None:
    async def scenario() -> Pacer:
        pacer = Pacer([Window(10, 1.0)])
        sent = await grants(pacer, 8)
        for ticket in sent[5:]:  # the sixth, seventh and eighth refused: one lesson
            pacer.observe(ticket, 429, {"retry-after": "0.1"})
        return pacer

    pacer = asyncio.run(scenario())
    assert pacer.limited == 3
    assert pacer.windows[0] == Window(5, 1.0)  # below the sixth, once: not 5, 4, 3


def test_a_429_right_after_a_hold_lowers_by_a_fifth_not_to_the_few_sent_since() -> None:
    async def scenario() -> Pacer:
        pacer = Pacer([Window(10, 1.0)])
        pacer.observe(await pacer.acquire(), 429, {"retry-after": "0.2"})  # 10 -> 8
        after = await grants(pacer, 2)  # the hold emptied the window: two sent since
        pacer.observe(after[-1], 429, {"retry-after": "0.1"})
        return pacer

    pacer = asyncio.run(scenario())
    assert pacer.limited == 2
    assert pacer.windows[0] == Window(7, 1.0)  # 8 less a fifth, not 2 - 1


def test_one_429_never_takes_more_than_half_of_the_rate() -> None:
    async def scenario() -> Pacer:
        pacer = Pacer([Window(40, 1.0)])
        sent = await grants(pacer, 3)
        pacer.observe(sent[-1], 429, {"retry-after": "0.1"})  # refused at 3 in the window
        return pacer

    assert asyncio.run(scenario()).windows[0] == Window(20, 1.0)


def test_a_429_that_comes_back_late_still_counts_the_window_it_refused() -> None:
    """More sends than the window holds may go out before a 429 comes back: the count is of the
    refused request's own window, not of what is left of a short log."""

    async def scenario() -> Pacer:
        pacer = Pacer([Window(10, 1.0)])
        sent = await grants(pacer, 9)
        later = await grants(pacer, 5)  # the 9th's answer is slow: 5 more went out meanwhile
        assert later[-1].sent_at - sent[0].sent_at > 1.0
        pacer.observe(sent[-1], 429, {"retry-after": "0.1"})
        return pacer

    assert asyncio.run(scenario()).windows[0] == Window(8, 1.0)  # 9 in its window, less one


def test_a_429_at_exactly_our_limit_first_widens_the_window_then_lowers_the_limit() -> None:
    """Refused with exactly the limit sent in the window: the server's clock saw our sends closer
    together (or it allows one fewer). Widening the window by one interval costs no more than one
    request fewer per window; a second such 429 lowers the limit."""

    async def scenario() -> tuple[Pacer, list[Ticket], Window]:
        pacer = Pacer([Window(5, 0.5)])
        sent = await grants(pacer, 5)
        pacer.observe(sent[-1], 429, {"retry-after": "0"})
        widened = pacer.windows[0]
        later = await grants(pacer, 5)
        pacer.observe(later[-1], 429, {"retry-after": "0"})
        return pacer, sent + later, widened

    pacer, tickets, widened = asyncio.run(scenario())
    assert widened == Window(5, 0.5)  # the count stays after the first
    assert tickets[5].sent_at - tickets[0].sent_at >= 0.5 + 0.05  # one interval (0.1) capped
    assert pacer.windows[0] == Window(4, 0.5)
