"""One pace per API key, shared by every request that spends the key's allowance.

SmartLead limits each key over several windows at once (the current guide: bursts of 10 per
second, 60 per minute, 1,000 per hour; older documents say otherwise), and a strict limiter
counts requests in *any* window of that length. So the pacer keeps a log of its own send times
and lets a request go only when, for every window, fewer than ``limit`` sends fall inside the
window ending now (a sliding-window log: no opening burst above the limit, ever). Each window is
stretched by a small margin, because the server timestamps arrivals, not our sends.

It also learns from the answers (``observe``):
- ``X-RateLimit-Remaining`` / ``-Reset`` (plain, or one set per window with a suffix such as
  ``-minute``): at most ``Remaining`` more sends until ``Reset``, less what we sent since. A
  ``Reset`` within the shortest window (plus a second of rounding) is that window, which the log
  already paces.
- a 429: everyone holds for ``Retry-After``, and the per-second limit drops below what the server
  just refused, for the rest of the pacer's life (one 429 per limit change, not one every window;
  see ``_slow_down`` for how far).
- a hold longer than ``max_hold`` (a far ``Reset`` with nothing left, a long ``Retry-After``)
  raises ``PacingError`` from ``acquire``: waiting minutes per answer is worse than failing.
Header values that are not finite numbers are ignored (with a debug line), never trusted.

Interface, for every client of the key (the fetch, the remediation writes)::

    pacer = Pacer.for_rates(10, per_minute=60, per_hour=1000)
    ticket = await pacer.acquire()            # waits for a slot in every window
    response = ...                            # send the request; as it goes out on the wire:
    pacer.mark_sent(ticket)                   # (optional) the slot counts from now, not the grant
    pacer.observe(ticket, response.status_code, response.headers, retry_after=None)
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from auditor.errors import ApiError

log = logging.getLogger(__name__)

# Reset values below this are seconds-from-now (some APIs), above it Unix times (SmartLead).
_EPOCH_THRESHOLD = 1_000_000_000
# Arrival times on the server differ from our send times by scheduling jitter on both sides.
MARGIN_FACTOR = 1.01
MARGIN_SECONDS = 0.02
MAX_STRETCH = 0.05
RATE_HEADER = "x-ratelimit-"
SPACING = 0.5  # sends are at least this many of the 1-s window's intervals apart
LATE_ANSWER = 60.0  # seconds an answer may take and still teach the pacer about its window


class PacingError(ApiError):
    """The server asks us to wait longer than we are willing to (exit 3)."""


@dataclass(frozen=True)
class Window:
    """At most ``limit`` requests in any ``seconds``-long window."""

    limit: int
    seconds: float


@dataclass(slots=True)
class Ticket:
    """One granted send: its sequence number (1-based) and when it was granted, or, once
    ``Pacer.mark_sent`` was told, when it really went out."""

    seq: int
    sent_at: float


@dataclass(slots=True)
class _Budget:
    """What the server declared: ``left`` more requests until ``until`` (our clock)."""

    left: int
    until: float
    seq: int  # the ticket whose answer declared it: older answers do not overwrite it


def default_concurrency(rate: float) -> int:
    """Requests in flight when ``--concurrency`` is not given: at least 16 (tasks waiting for the
    pacer cost nothing), at most 32 (httpcore's pool scans every connection per request, and
    each one in flight when the last page answers is a read past the end)."""
    return min(32, max(16, math.ceil(rate / 2)))


def windows_for(
    per_second: float, per_minute: float | None = None, per_hour: float | None = None
) -> list[Window]:
    """Windows for the configured rates; a fractional per-second rate becomes a longer window
    (0.5/s: 1 per 2 s); ``None`` or 0 means no budget for that window."""
    windows = []
    if per_second >= 1:
        windows.append(Window(int(per_second), 1.0 * int(per_second) / per_second))
    else:
        windows.append(Window(1, 1.0 / per_second))
    for amount, seconds in ((per_minute, 60.0), (per_hour, 3600.0)):
        if amount:
            windows.append(Window(max(1, int(amount)), seconds))
    return windows


class Pacer:
    """Sliding-window pacing over several windows, holds and budgets learned from the server."""

    def __init__(
        self,
        windows: Sequence[Window],
        *,
        max_hold: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not windows:
            raise ValueError("at least one window")
        self.windows = sorted(windows, key=lambda w: w.seconds)
        self.max_hold = max_hold
        self.sent = 0
        self.limited = 0  # 429s seen
        self._clock = clock
        # Send times, sorted: a grant's time until ``mark_sent`` moves it to the real send.
        self._log: list[float] = []
        self._log_size = max(w.limit for w in self.windows)
        self._unsent: dict[int, float] = {}  # seq -> grant time, until marked sent
        self._lowered_at = 0  # tickets up to this seq were sent before the last slow-down
        self._stretch = 0.0  # seconds added to every window after a 429 at exactly our limit
        self._hold_until = 0.0
        self._hold_reason = ""
        self._budgets: dict[str, _Budget] = {}
        self._lock = asyncio.Lock()  # FIFO: pages leave in the order they asked

    @classmethod
    def for_rates(
        cls, per_second: float, *, per_minute: float | None = None, per_hour: float | None = None
    ) -> Pacer:
        return cls(windows_for(per_second, per_minute, per_hour))

    @property
    def rate(self) -> float:
        """The per-second pace of the shortest window."""
        first = self.windows[0]
        return first.limit / first.seconds

    async def acquire(self) -> Ticket:
        """Wait until every window and budget has room, then take the slot."""
        async with self._lock:
            while True:
                now = self._clock()
                ready = self._ready_at(now)
                if ready <= now:
                    break
                if ready - now > self.max_hold:
                    raise PacingError(
                        f"{self._hold_reason or 'the rate limit'} asks to wait "
                        f"{ready - now:.0f}s, longer than {self.max_hold:g}s.",
                        tip="the key's allowance is used up for now: try again later.",
                    )
                await asyncio.sleep(ready - now)
            self._log.append(now)
            # Every window's last ``limit`` sends, and all sends of the last minute or so: a
            # 429 that comes back late still counts what was sent in the window it refused.
            horizon = now - self.windows[0].seconds - LATE_ANSWER
            while len(self._log) > self._log_size and self._log[0] < horizon:
                del self._log[0]
            self.sent += 1
            self._unsent[self.sent] = now
            if len(self._unsent) > 4 * self._log_size:  # a client that never marks its sends
                del self._unsent[min(self._unsent)]
            for budget in self._budgets.values():
                budget.left -= 1
            return Ticket(self.sent, now)

    def mark_sent(self, ticket: Ticket) -> None:
        """The request of ``ticket`` is going out now: its slot counts from now, not from the
        grant. A busy event loop (pages being parsed) or a connection being opened can hold a
        send back after its grant; counted from the grant, the next window would open early
        and the sends would bunch up at the server. Only the first call counts."""
        granted = self._unsent.pop(ticket.seq, None)
        if granted is None:
            return
        now = self._clock()
        at = bisect.bisect_left(self._log, granted)
        if now <= granted or at == len(self._log) or self._log[at] != granted:
            return  # no later, or already out of the log (older than every window)
        del self._log[at]
        bisect.insort(self._log, now)
        ticket.sent_at = now

    def _ready_at(self, now: float) -> float:
        ready = self._hold_until
        count = len(self._log)
        for window in self.windows:
            span = window.seconds * MARGIN_FACTOR + MARGIN_SECONDS + self._stretch
            if count >= window.limit:
                ready = max(ready, self._log[count - window.limit] + span)
        if count:  # no instant burst for a small bucket; half the interval leaves room to catch up
            first = self.windows[0]
            ready = max(ready, self._log[-1] + first.seconds / first.limit * SPACING)
        for name, budget in list(self._budgets.items()):
            if budget.until <= now:
                del self._budgets[name]
            elif budget.left <= 0 and budget.until > ready:
                ready = budget.until
                self._hold_reason = f"X-RateLimit-Reset{name}"
        return ready

    def hold(self, seconds: float, reason: str = "the server") -> None:
        """Nobody sends for ``seconds`` (beyond ``max_hold``: the next ``acquire`` fails)."""
        if not math.isfinite(seconds) or seconds <= 0:
            return
        until = self._clock() + seconds
        if until > self._hold_until:
            self._hold_until = until
            self._hold_reason = reason

    def observe(
        self,
        ticket: Ticket,
        status: int,
        headers: Mapping[str, str],
        *,
        retry_after: float | None = None,
    ) -> None:
        """Learn from one answer to the request sent with ``ticket``."""
        for suffix, (remaining, reset) in _declared(headers).items():
            self._learn_budget(ticket, suffix, remaining, reset)
        if status != 429:
            return
        self.limited += 1
        self._slow_down(ticket)
        if retry_after is None:
            lowered = {name.lower(): value for name, value in headers.items()}
            retry_after = _number(lowered.get("retry-after"), "Retry-After")
        self.hold(retry_after if retry_after is not None else 1.0, "Retry-After")

    def _learn_budget(
        self, ticket: Ticket, suffix: str, remaining: float | None, reset: float | None
    ) -> None:
        if remaining is None or reset is None:
            return
        wait = reset - time.time() if reset >= _EPOCH_THRESHOLD else reset
        first = self.windows[0]
        if wait <= first.seconds * MARGIN_FACTOR + MARGIN_SECONDS + 1:
            # The shortest window, which the log already paces; its Reset is often rounded up
            # to a whole second, and obeying it would cost up to a second per window.
            return
        current = self._budgets.get(suffix)
        if current is not None and current.seq > ticket.seq:
            return  # an answer to a later request already said more
        # Requests sent after this one may not have been counted in ``remaining`` yet.
        left = int(remaining) - (self.sent - ticket.seq)
        self._budgets[suffix] = _Budget(left, self._clock() + wait, ticket.seq)
        if left <= 0:
            log.debug("server reports no requests left; next send in %.2fs", wait)

    def _slow_down(self, ticket: Ticket) -> None:
        """The server refused a request: the shortest window's limit drops for good, once per
        lesson. A 429 for a request sent before the last drop teaches nothing new (a burst
        sent before the first 429 came back is refused as a whole). The count we had sent in
        the window ending at the refused send is the server's limit plus one when that count is
        telling; it is not when a hold emptied part of the window: then a fifth off. Never more
        than half off per 429 (a 429 from a minute budget, or from another client of the key,
        says little about the per-second limit), so one odd answer cannot crawl a fetch. The
        first 429 at exactly our limit widens the windows instead (see below)."""
        if ticket.seq <= self._lowered_at:
            return
        first = self.windows[0]
        start = ticket.sent_at - first.seconds
        in_window = bisect.bisect_right(self._log, ticket.sent_at) - bisect.bisect_right(
            self._log, start
        )
        telling = self._hold_until <= start and 1 < in_window <= first.limit  # no hold inside
        self._lowered_at = self.sent
        if telling and in_window == first.limit and not self._stretch:
            # Refused at exactly our limit: the server saw our sends closer together than we
            # sent them (its clock, its scheduling) or allows one fewer. Widen the window by one
            # interval (at most 50 ms) first: it costs at most as much as one request fewer.
            self._stretch = min(MAX_STRETCH, first.seconds / first.limit)
            log.info("rate limited by the server: windows widened by %.3fs", self._stretch)
            return
        limit = in_window - 1 if telling else math.ceil(first.limit * 0.8)
        limit = max(1, (first.limit + 1) // 2, min(limit, first.limit - 1))
        if limit < first.limit:
            self.windows[0] = Window(limit, first.seconds)
            log.info(
                "rate limited by the server: pacing at %d per %gs from now on", limit, first.seconds
            )


def _declared(headers: Mapping[str, str]) -> dict[str, tuple[float | None, float | None]]:
    """``X-RateLimit-Remaining[-suffix]`` and the matching ``-Reset``, by suffix ('' for plain)."""
    found: dict[str, tuple[float | None, float | None]] = {}
    lowered = {name.lower(): value for name, value in headers.items()}
    for name, value in lowered.items():
        if not name.startswith(RATE_HEADER + "remaining"):
            continue
        suffix = name[len(RATE_HEADER + "remaining") :]
        remaining = _number(value, name)
        reset = _number(lowered.get(RATE_HEADER + "reset" + suffix), "X-RateLimit-Reset" + suffix)
        if remaining is not None and remaining < 0:
            log.debug("ignored %s: negative", name)
            remaining = None
        found[suffix] = (remaining, reset)
    return found


def _number(value: str | None, name: str) -> float | None:
    """A finite, non-negative number, or ``None`` (with a debug line when it was nonsense)."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        log.debug("ignored %s: %r is not a usable number", name, value[:40])
        return None
    return number
