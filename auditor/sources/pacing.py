"""One client-side pace for every request of a fetch, shared by all concurrent pages.

The steady pace is aiolimiter's leaky bucket (a kept library, not a timing loop of our own). On top
of it, a *hold*: when the server says stop (a 429 with ``Retry-After``, or
``X-RateLimit-Remaining: 0`` until ``X-RateLimit-Reset``), every worker waits, not just the one
that was told, and then goes back through the limiter so they do not all fire at once. A server
whose ``X-RateLimit-Limit`` is smaller than our burst gets a smaller burst. The rate itself stays
what the user configured (the window behind ``Limit`` is not on the wire); 429s and holds correct
a rate set too high.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Mapping

from aiolimiter import AsyncLimiter

log = logging.getLogger(__name__)

# Reset values below this are seconds-from-now (some APIs), above it Unix times (SmartLead).
_EPOCH_THRESHOLD = 1_000_000_000


def default_burst(rate: float) -> int:
    """Half a second's worth of requests: enough to fill the pipe at the start, and it leaves the
    server's own burst allowance (SmartLead's is about a second's worth) as slack for jitter."""
    return max(1, int(rate // 2))


def default_concurrency(rate: float) -> int:
    """Requests in flight when ``--concurrency`` is not given: the opening burst plus half a
    second's worth at the full rate, so the burst goes out at once and round trips of up to half
    a second never hold the pace back. At least 16: extra tasks cost nothing while the limiter
    holds them. At most 32: httpcore's connection pool scans every connection (and, for each
    idle one, every connection again) on each request, so 64 connections cost more CPU than
    they save; and reads past the last page (the end shows only when a short page comes back)
    are wasted allowance."""
    return min(32, max(16, default_burst(rate) + math.ceil(rate / 2)))


class Pacer:
    """Rate limiter + server-imposed holds."""

    def __init__(self, rate: float, *, burst: int | None = None, max_hold: float = 120.0) -> None:
        self.rate = rate
        self.burst = burst or default_burst(rate)
        self.max_hold = max_hold
        self._limiter = AsyncLimiter(self.burst, self.burst / rate)
        self._hold_until = 0.0  # loop.time() before which nobody sends

    async def acquire(self) -> None:
        """Wait for a slot; a hold placed while waiting sends us round again."""
        loop = asyncio.get_running_loop()
        while True:
            delay = self._hold_until - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            await self._limiter.acquire()
            if self._hold_until <= loop.time():
                return

    def hold(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (capped at ``max_hold``)."""
        if seconds <= 0:
            return
        until = asyncio.get_running_loop().time() + min(seconds, self.max_hold)
        if until > self._hold_until:
            self._hold_until = until

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adapt to ``X-RateLimit-*``: a small ``Limit`` shrinks our burst to half of it; an
        exhausted allowance (``Remaining: 0``) holds everyone until ``Reset``."""
        limit = _number(headers.get("x-ratelimit-limit"))
        if limit is not None and limit >= 1 and int(limit // 2) < self.burst:
            self.burst = max(1, int(limit // 2))
            log.debug("server allows %g per window; client burst lowered to %d", limit, self.burst)
            self._limiter = AsyncLimiter(self.burst, self.burst / self.rate)
        remaining = _number(headers.get("x-ratelimit-remaining"))
        if remaining is None or remaining > 0:
            return
        reset = _number(headers.get("x-ratelimit-reset"))
        if reset is None:
            wait = 1.0 / self.rate
        elif reset >= _EPOCH_THRESHOLD:
            wait = reset - time.time()
        else:
            wait = reset
        if wait > 0:
            log.debug("server reports no requests left; holding %.2fs", min(wait, self.max_hold))
            self.hold(wait)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None
