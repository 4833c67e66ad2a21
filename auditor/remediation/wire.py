"""Reads and writes for ``apply``, through the fetch's own request code: ``PageRequester`` (paging,
retries, error conversion, redaction) for the list endpoint, and the same classification, pacer
and ``Retry-After`` handling for the two write endpoints. One ``httpx`` client, one pacer, one key
budget for the whole run.

Current values always come from the list endpoint, never from ``GET /email-accounts/{id}``: the
single-account read omits the send gap, and a full-replace write built from it would reset it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import httpx

from auditor import __version__
from auditor.api_settings import Settings
from auditor.errors import ApiError
from auditor.model.account import EmailAccount, scrub_accounts
from auditor.redact import SecretSet, redact
from auditor.remediation.fields import Value
from auditor.remediation.pace import Pacer
from auditor.sources.answers import error_text, json_or_none, retry_after_seconds
from auditor.sources.api_request import (
    MAX_BACKOFF,
    PAGE_SIZE,
    RETRYABLE_STATUS,
    Counters,
    PageRequester,
)
from auditor.sources.body import Answer
from auditor.sources.inventory import parse_accounts
from auditor.sources.pacing import default_concurrency

LIST = "/email-accounts/"
_FATAL = {401: "the API rejected the key", 403: "the API refused access"}


@dataclass(frozen=True)
class WriteAnswer:
    ok: bool
    detail: str = ""  # redacted


def read_plan(ids: int, inventory_accounts: int) -> tuple[str, int]:
    """How to read ``ids`` accounts back: one filtered request each, or every page, whichever
    takes fewer requests. Returns the mode and its request count."""
    pages = inventory_accounts // PAGE_SIZE + 1  # the last page is short (or empty)
    return ("filter", ids) if ids <= pages else ("pages", pages)


class Wire:
    """The requests of one ``apply`` run. Use as ``async with Wire(...) as wire``."""

    def __init__(
        self,
        settings: Settings,
        key: str,
        pacer: Pacer,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._key = key
        self.pacer = pacer
        self.counters = Counters()
        self._concurrency = settings.concurrency or default_concurrency(settings.rate)
        limits = httpx.Limits(
            max_connections=self._concurrency, max_keepalive_connections=self._concurrency
        )
        headers = {"accept": "application/json", "user-agent": f"smartlead-auditor/{__version__}"}
        self._client = httpx.AsyncClient(
            timeout=settings.timeout, limits=limits, headers=headers, transport=transport
        )

    async def __aenter__(self) -> Wire:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    def _pages(self, **params: str) -> PageRequester:
        s = self._settings
        return PageRequester(
            self._client,
            url=s.base_url + LIST,
            params={"api_key": self._key, **params},
            pacer=self.pacer,
            counters=self.counters,
            retries=s.retries,
            backoff=s.backoff,
            timeout=s.timeout,
        )

    async def read(
        self, wanted: Mapping[int, str], inventory_accounts: int
    ) -> dict[int, EmailAccount]:
        """The current state of the ``wanted`` accounts (id -> email) from the list endpoint;
        an account missing from the answer is missing from the result."""
        mode, _ = read_plan(len(wanted), inventory_accounts)
        # As the fetch does: pages are read unscrubbed, and once all are in, every account is
        # scrubbed once with every password (one account's can leak into another's texts).
        everything = SecretSet()
        if mode == "filter":
            reads = (self._one(i, e, everything) for i, e in sorted(wanted.items()))
            found = [a for a in await asyncio.gather(*reads) if a is not None]
        else:
            found = [a for a in await self._all(inventory_accounts, everything) if a.id in wanted]
        scrub_accounts(found, everything)
        return {a.id: a for a in found}

    async def _one(self, account_id: int, email: str, secrets: SecretSet) -> EmailAccount | None:
        requester = self._pages(username=email)
        offset = 0
        while True:  # a partial match can return other accounts too
            records = await requester.get(offset)
            where = f"account {account_id}"
            for account in parse_accounts(records, where=where, secrets=secrets):
                if account.id == account_id:
                    return account
            if len(records) < PAGE_SIZE:
                return None
            offset += len(records)

    async def _all(self, expected: int, secrets: SecretSet) -> list[EmailAccount]:
        """Every page, a window at a time (the fetch's concurrency, and no wider than the
        inventory the plan saw), until a short page."""
        requester = self._pages()
        accounts: list[EmailAccount] = []
        expected_pages = expected // PAGE_SIZE + 1
        offset = 0
        while True:
            # as many pages as the plan's inventory has left (at least one), a window at most
            window = min(self._concurrency, max(1, expected_pages - offset // PAGE_SIZE))
            offsets = [offset + i * PAGE_SIZE for i in range(window)]
            pages = await asyncio.gather(*(requester.get(o) for o in offsets))
            for o, records in zip(offsets, pages, strict=True):
                where = f"page at offset {o}"
                accounts.extend(parse_accounts(records, where=where, secrets=secrets))
                if len(records) < PAGE_SIZE:
                    return _unique(accounts)
            offset += window * PAGE_SIZE

    async def post(self, path: str, body: Mapping[str, Value | int]) -> WriteAnswer:
        """One write, retried like a page (429, 5xx, timeouts, dropped connections; the server's
        ``Retry-After`` holds every request). A refusal (4xx) is this write's failure; a rejected
        key stops the run (``ApiError``)."""
        s = self._settings
        cause = "failed"
        for attempt in range(s.retries + 1):
            if attempt:
                await asyncio.sleep(
                    min(MAX_BACKOFF, s.backoff * 2 ** (attempt - 1)) + random.uniform(0, s.backoff)
                )
            ticket = await self.pacer.acquire()
            self.counters.requests += 1
            try:
                response = await self._client.post(
                    s.base_url + path, params={"api_key": self._key}, json=dict(body)
                )
            except httpx.TimeoutException:
                cause = f"no answer within {s.timeout:g}s (timeout)"
                continue
            except httpx.TransportError as exc:
                cause = redact(f"connection failed or dropped ({type(exc).__name__})")
                continue
            answer = json_or_none(response.content)
            status = response.status_code
            retry_after = retry_after_seconds(response.headers, answer) if status == 429 else None
            self.pacer.observe(ticket, status, response.headers, retry_after=retry_after)
            message = redact(error_text(Answer(status, response.headers, response.content), answer))
            if 200 <= status < 300:
                if isinstance(answer, dict) and False in (answer.get("ok"), answer.get("success")):
                    return WriteAnswer(False, f"HTTP {status} but not ok: {message}")
                return WriteAnswer(True)
            if status in _FATAL:
                raise ApiError(
                    f"POST {path}: HTTP {status}: {message}: {_FATAL[status]}.",
                    tip="check SMARTLEAD_API_KEY and the plan's permissions.",
                )
            if status not in RETRYABLE_STATUS:
                return WriteAnswer(False, f"HTTP {status}: {message}")
            retry_after = retry_after or retry_after_seconds(response.headers, answer)
            if retry_after is not None and status != 429:  # a 429's wait: observe() holds
                self.pacer.hold(retry_after, "Retry-After")
            cause = f"HTTP {status}: {message}"
            self.counters.retries += 1
        attempts = s.retries + 1
        return WriteAnswer(False, f"gave up after {attempts} attempt(s): {cause}")


def _unique(accounts: Iterable[EmailAccount]) -> list[EmailAccount]:
    return list({a.id: a for a in accounts}.values())
