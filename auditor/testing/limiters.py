"""The rate limiters a real API puts in front of a key, for the test server: plain data, no sockets.

A client must hold against each of them: a strict sliding window (never more than ``limit``
accepted requests in any window of ``seconds``), a fixed window (a counter per wall-clock window:
twice the limit can pass across a boundary), a token bucket (forgives an opening burst), and
several sliding windows at once (per second + per minute + per hour). Each answers ``take()``
with an ``Allowance`` that carries the ``X-RateLimit-*`` headers it declares. Not thread-safe:
the server calls them under its lock.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class LimiterKind(StrEnum):
    SLIDING = "sliding"
    FIXED = "fixed"
    BUCKET = "bucket"
    MULTI = "multi"


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # Unix time (whole seconds, rounded up) at which the allowance is back
    retry_after: int  # whole seconds until one request is allowed (when not allowed)
    headers: tuple[tuple[str, str], ...] = ()  # extra per-window headers (multi)


class Limiter(Protocol):
    def take(self) -> Allowance: ...


class TokenBucket:
    """``rate`` requests per second with bursts of ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._last = time.monotonic()

    def take(self) -> Allowance:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        allowed = self._tokens >= 1
        if allowed:
            self._tokens -= 1
        full_in = (self.burst - self._tokens) / self.rate
        retry_after = 0 if allowed else max(1, math.ceil((1 - self._tokens) / self.rate))
        return Allowance(
            allowed, self.burst, int(self._tokens), math.ceil(time.time() + full_in), retry_after
        )


class SlidingWindow:
    """At most ``limit`` accepted requests in any ``seconds``-long window (a log of them)."""

    def __init__(self, limit: int, seconds: float = 1.0) -> None:
        self.limit = limit
        self.seconds = seconds
        self._accepted: deque[float] = deque()

    def peek(self, now: float) -> bool:
        while self._accepted and self._accepted[0] <= now - self.seconds:
            self._accepted.popleft()
        return len(self._accepted) < self.limit

    def accept(self, now: float) -> None:
        self._accepted.append(now)

    def allowance(self, now: float, allowed: bool) -> Allowance:
        oldest = self._accepted[0] if self._accepted else now
        free_in = oldest + self.seconds - now
        return Allowance(
            allowed,
            self.limit,
            self.limit - len(self._accepted),
            math.ceil(time.time() + free_in),
            0 if allowed else max(1, math.ceil(free_in)),
        )

    def take(self) -> Allowance:
        now = time.monotonic()
        allowed = self.peek(now)
        if allowed:
            self.accept(now)
        return self.allowance(now, allowed)


class FixedWindow:
    """At most ``limit`` requests per wall-clock window ``[k * seconds, (k + 1) * seconds)``."""

    def __init__(self, limit: int, seconds: float = 1.0) -> None:
        self.limit = limit
        self.seconds = seconds
        self._window = -1
        self._count = 0

    def take(self) -> Allowance:
        now = time.time()
        window = math.floor(now / self.seconds)
        if window != self._window:
            self._window, self._count = window, 0
        allowed = self._count < self.limit
        if allowed:
            self._count += 1
        end = (window + 1) * self.seconds
        retry_after = 0 if allowed else max(1, math.ceil(end - now))
        return Allowance(allowed, self.limit, self.limit - self._count, math.ceil(end), retry_after)


class MultiWindow:
    """Several sliding windows at once; a request counts only when every window lets it pass.
    The plain headers describe the tightest window; ``-<seconds>s``-suffixed ones each window."""

    def __init__(self, windows: Sequence[SlidingWindow]) -> None:
        self.windows = sorted(windows, key=lambda w: w.seconds)

    def take(self) -> Allowance:
        now = time.monotonic()
        passes = [w.peek(now) for w in self.windows]  # every window prunes its log
        allowed = all(passes)
        if allowed:
            for window in self.windows:
                window.accept(now)
        each = [w.allowance(now, ok) for w, ok in zip(self.windows, passes, strict=True)]
        tightest = min(each, key=lambda a: (a.remaining, -a.reset))
        headers: list[tuple[str, str]] = []
        for window, one in zip(self.windows, each, strict=True):
            suffix = f"-{window.seconds:g}s"
            headers += [
                (f"X-RateLimit-Limit{suffix}", str(one.limit)),
                (f"X-RateLimit-Remaining{suffix}", str(one.remaining)),
                (f"X-RateLimit-Reset{suffix}", str(one.reset)),
            ]
        retry_after = 0 if allowed else max(a.retry_after for a in each if not a.allowed)
        return Allowance(
            allowed, tightest.limit, tightest.remaining, tightest.reset, retry_after, tuple(headers)
        )


def make_limiter(
    kind: LimiterKind,
    rate: float,
    *,
    burst: int | None = None,
    per_minute: int | None = None,
    per_hour: int | None = None,
    windows: Sequence[tuple[int, float]] = (),
) -> Limiter:
    """The limiter of ``kind`` at ``rate`` per second; ``multi`` adds the minute and hour budgets
    and any further ``(limit, seconds)`` windows (short ones keep tests quick)."""
    per_second = max(1, round(rate))
    if kind is LimiterKind.BUCKET:
        return TokenBucket(rate, burst or per_second)
    if kind is LimiterKind.SLIDING:
        return SlidingWindow(per_second, per_second / rate)
    if kind is LimiterKind.FIXED:
        return FixedWindow(per_second, per_second / rate)
    extra = [(per_minute, 60.0), (per_hour, 3600.0), *windows]
    return MultiWindow(
        [SlidingWindow(per_second, per_second / rate)]
        + [SlidingWindow(limit, seconds) for limit, seconds in extra if limit]
    )
