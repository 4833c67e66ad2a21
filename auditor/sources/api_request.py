"""One page request: paced, classified, retried when that can help, and converted at the boundary.

httpx puts the URL (and so the API key, which travels in the query string) into exception messages
and log records. Nothing httpx raises leaves this module: each failure becomes a sentence naming the
page (offset, status, cause), redacted, raised outside the ``except`` block so no httpx exception
hangs off it as ``__context__``.

Retried (exponential backoff with jitter, via tenacity): 429, 500, 502, 503, 504, timeouts (the
whole answer within ``--timeout``), dropped connections, and a 200 whose body is not a JSON array
(truncated, an HTML page, ``{"success": false}``, empty): such an answer is a server glitch, and
one of them must not abort a 50,000-account audit. A ``Retry-After`` (header, or ``retry_after``
in the body) holds every worker through the shared pacer. Never retried: any other status
(400/401/403/404/422...), a body over the size cap, a page of more than 100 records.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from auditor.errors import ApiError
from auditor.redact import redact
from auditor.sources.answers import error_text, json_or_none, not_accounts, retry_after_seconds
from auditor.sources.body import Answer, BadEncoding, BodyTooLarge, fetch
from auditor.sources.json_decode import DuplicateKeyError, loads_json
from auditor.sources.pacing import Pacer, Ticket

log = logging.getLogger(__name__)

PAGE_SIZE = 100
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 30.0
_TIPS = {
    401: "the API rejected the key: check SMARTLEAD_API_KEY (environment or ./.env).",
    403: "the API refused access: check SMARTLEAD_API_KEY and your plan.",
    404: "check SMARTLEAD_BASE_URL (it should look like https://server.smartlead.ai/api/v1).",
    422: "the API rejected a parameter: the page size or a filter value.",
}
GIVE_UP_TIP = (
    "nothing was audited, because the inventory would be incomplete; try again later, "
    "or lower --rate, or raise --retries / --timeout."
)


@dataclass
class Counters:
    """Shared by every request of one fetch; reported as ``FetchStats``."""

    requests: int = 0
    retries: int = 0
    glitches: int = 0  # 200 answers whose body was not an array of accounts
    # requests sent per offset: what shows reads past the end and repeated reads
    by_offset: dict[int, int] = field(default_factory=dict)


class _Retryable(Exception):
    """A failed attempt worth another try; ``description`` is already redacted."""

    def __init__(
        self, description: str, *, retry_after: float | None = None, unreachable: bool = False
    ) -> None:
        super().__init__(description)
        self.description = description
        self.retry_after = retry_after
        self.unreachable = unreachable  # no connection at all: the host, not a page, is at fault


class PageRequester:
    """Fetches the raw records of one page (``offset``, ``limit=100``) or raises ``ApiError``."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        url: str,
        params: Mapping[str, str],
        pacer: Pacer,
        counters: Counters,
        retries: int,
        backoff: float,
        timeout: float,
        max_retry_after: float = 120.0,
    ) -> None:
        self._client = client
        self._url = url
        self._params = dict(params)
        self._pacer = pacer
        self._counters = counters
        self._retries = retries
        # backoff, 2x, 4x ... capped, plus up to one backoff of random jitter
        self._backoff = wait_exponential(
            multiplier=backoff, min=backoff, max=MAX_BACKOFF
        ) + wait_random(0, backoff)
        self._timeout = timeout
        self._max_retry_after = max_retry_after

    async def get(self, offset: int) -> list[Any]:
        def before_sleep(state: RetryCallState) -> None:
            self._counters.retries += 1
            error = state.outcome.exception() if state.outcome else None
            cause = error.description if isinstance(error, _Retryable) else "failed"
            wait = state.next_action.sleep if state.next_action else 0.0
            log.info(
                "page at offset %d: %s; retry %d of %d in %.2fs",
                offset,
                cause,
                state.attempt_number,
                self._retries,
                wait,
            )

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            before_sleep=before_sleep,
            reraise=True,
        )
        failure: _Retryable | None = None
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(offset)
        except _Retryable as exc:
            failure = exc
        attempts = self._retries + 1
        cause = failure.description if failure else "failed"
        if failure is not None and failure.unreachable:
            host = urlsplit(self._url)
            raise ApiError(
                f"cannot reach the SmartLead API at {host.scheme}://{host.netloc} "
                f"({attempts} attempt{'s' if attempts != 1 else ''}): {cause}.",
                tip="check SMARTLEAD_BASE_URL (it should look like "
                "https://server.smartlead.ai/api/v1) and the network.",
            )
        raise ApiError(
            f"page at offset {offset} could not be fetched after {attempts} "
            f"attempt{'s' if attempts != 1 else ''}: {cause}.",
            tip=GIVE_UP_TIP,
        )

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return 0.0  # the pacer already holds every worker for Retry-After
        return float(self._backoff(state))

    async def _attempt(self, offset: int) -> list[Any]:
        ticket = await self._pacer.acquire()
        self._counters.requests += 1
        self._counters.by_offset[offset] = self._counters.by_offset.get(offset, 0) + 1
        params = {**self._params, "offset": str(offset), "limit": str(PAGE_SIZE)}
        answer: Answer | None = None
        transient: str | None = None
        fatal: str | None = None
        try:
            answer = await fetch(
                self._client,
                self._url,
                params,
                timeout=self._timeout,
                on_send=lambda: self._pacer.mark_sent(ticket),
            )
        except (TimeoutError, httpx.TimeoutException):
            transient = f"no complete answer within {self._timeout:g}s (timeout)"
        except httpx.ConnectError as exc:
            raise _Retryable(
                redact(f"no connection ({_describe(exc)})"), unreachable=True
            ) from None
        except httpx.TransportError as exc:
            transient = f"connection failed or dropped ({_describe(exc)})"
        except BodyTooLarge as exc:
            fatal = f"the answer is too large ({exc}): not a page of 100 accounts"
        except BadEncoding as exc:
            fatal = f"the answer cannot be read ({exc})"
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            fatal = f"request failed ({_describe(exc)})"
        finally:
            # No-op once the send was seen; else (no connection, cancelled, a transport that
            # does not trace) the slot counts from now, which is never too early.
            self._pacer.mark_sent(ticket)
        if transient is not None:
            raise _Retryable(redact(transient))
        if fatal is not None or answer is None:
            raise ApiError(redact(f"page at offset {offset}: {fatal}."), tip=GIVE_UP_TIP)
        return self._classify(offset, ticket, answer)

    def _classify(self, offset: int, ticket: Ticket, answer: Answer) -> list[Any]:
        status = answer.status
        try:
            body = json_or_none(answer.content)
        except DuplicateKeyError:
            # Let the inventory reader say which record repeats which key (it raises).
            body = loads_json(answer.content, where=f"page at offset {offset}")
        retry_after = retry_after_seconds(answer.headers, body) if status == 429 else None
        self._pacer.observe(ticket, status, answer.headers, retry_after=retry_after)
        if status == 200:
            records = _records(offset, answer, body)
            if records is None:
                self._counters.glitches += 1
                raise _Retryable(not_accounts(answer, body))
            return records
        message = redact(error_text(answer, body))
        if status in RETRYABLE_STATUS:
            retry_after = retry_after or retry_after_seconds(answer.headers, body)
            if retry_after is not None and retry_after > self._max_retry_after:
                raise ApiError(
                    f"page at offset {offset}: HTTP {status}: {message}; the API asks to wait "
                    f"{retry_after:g}s, longer than {self._max_retry_after:g}s.",
                    tip="your plan's allowance is used up for now: try again later.",
                )
            if retry_after is not None and status != 429:
                self._pacer.hold(retry_after, "Retry-After")
            raise _Retryable(f"HTTP {status}: {message}", retry_after=retry_after)
        raise ApiError(
            f"page at offset {offset}: HTTP {status}: {message}.",
            tip=_TIPS.get(status, GIVE_UP_TIP),
        )


def _records(offset: int, answer: Answer, body: object) -> list[Any] | None:
    """A 200 must carry a bare JSON array of at most 100 records; ``None`` when it is no array
    at all (a glitch, retried); more than 100 records means paging cannot work (an error)."""
    if not isinstance(body, list):
        return None
    if len(body) > PAGE_SIZE:
        raise ApiError(
            f"page at offset {offset}: {len(body)} records for limit={PAGE_SIZE}; "
            "the API ignored the page size, so paging cannot be trusted."
        )
    return body


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return redact(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
