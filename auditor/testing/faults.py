"""What can go wrong on the test server, and its rate limit: plain data, no sockets.

A ``FaultRule`` answers the next matching request(s) with a fault instead of the page; the kinds
cover what the API notes list (5xx, 429, dropped connections, non-array bodies) plus what networks
and broken or hostile servers add (slow, trickling and endless answers, bodies cut short, gzip
bombs). The rate limiters are in ``auditor.testing.limiters``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    HTTP_500 = "500"
    HTTP_502 = "502"
    HTTP_503 = "503"
    HTTP_504 = "504"
    RATE_LIMITED = "429"  # 429 with Retry-After and body retry_after
    DROP = "drop"  # close the connection without answering
    CUT = "cut"  # announce the whole body, send half of it, close
    SLOW = "slow"  # answer normally after ``delay`` seconds (past a client's timeout)
    HTML = "html"  # 200 with an HTML page
    SUCCESS_FALSE = "success-false"  # 200 with {"success": false, ...}
    TRUNCATED = "truncated"  # 200, well-framed, JSON cut in half
    EMPTY = "empty"  # 200 with an empty body
    TRICKLE = "trickle"  # the page, one byte every ``delay`` seconds
    ENDLESS = "endless"  # 200, chunked, a JSON array that never ends
    GZIP_BOMB = "gzip-bomb"  # 200, gzip: a few hundred KB that inflate to gigabytes
    HTTP_400 = "400"
    HTTP_403 = "403"
    HTTP_404 = "404"
    HTTP_422 = "422"


# Faults a correct client survives by retrying; the others must make it fail.
RETRYABLE_FAULTS = (
    Fault.HTTP_500,
    Fault.HTTP_502,
    Fault.HTTP_503,
    Fault.HTTP_504,
    Fault.RATE_LIMITED,
    Fault.DROP,
    Fault.CUT,
    Fault.SLOW,
    Fault.HTML,
    Fault.SUCCESS_FALSE,
    Fault.TRUNCATED,
    Fault.EMPTY,
)
# TRICKLE is retryable too, but costs a whole --timeout per occurrence: tests schedule it alone.
FATAL_FAULTS = (
    Fault.ENDLESS,
    Fault.GZIP_BOMB,
    Fault.HTTP_400,
    Fault.HTTP_403,
    Fault.HTTP_404,
    Fault.HTTP_422,
)


@dataclass
class FaultRule:
    """Answer up to ``times`` matching requests with ``fault``.

    A request matches when its number is at least ``request`` (1-based, counted by the server), its
    offset equals ``offset`` and is at least ``min_offset`` (each when given).

    ``body``, for the faults that answer with a body of their own (the HTTP errors, ``html`` and
    ``success-false``), replaces that body (status and content type stay): any error text a
    server may send, of any length. Each ``{api_key}`` in it becomes the ``api_key`` the request
    carried, as a server that echoes the key back would answer.
    """

    fault: Fault
    times: int = 1
    request: int | None = None
    offset: int | None = None
    min_offset: int | None = None
    retry_after: float = 1
    delay: float = 1.0
    body: str | None = None

    def matches(self, number: int, offset: int | None) -> bool:
        return self.times > 0 and request_matches(
            number, offset, request=self.request, offset_is=self.offset, min_offset=self.min_offset
        )


@dataclass
class Hook:
    """A one-shot action run just before the first matching request is answered."""

    action: object  # Callable[[SmartLeadServer], None]; typed loosely to avoid an import cycle
    request: int | None = None
    offset: int | None = None
    min_offset: int | None = None

    def matches(self, number: int, offset: int | None) -> bool:
        return request_matches(
            number, offset, request=self.request, offset_is=self.offset, min_offset=self.min_offset
        )


def request_matches(
    number: int,
    offset: int | None,
    *,
    request: int | None,
    offset_is: int | None,
    min_offset: int | None,
) -> bool:
    """Request ``number`` (1-based) at ``offset`` against the conditions that are given."""
    if request is not None and number < request:
        return False
    if offset_is is not None and offset != offset_is:
        return False
    return min_offset is None or (offset is not None and offset >= min_offset)
