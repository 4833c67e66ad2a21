"""The live inventory: every account from ``GET /email-accounts/``, fast, polite, never partial.

``ApiSource(settings, filters).load()`` returns a complete ``Inventory`` or raises ``ApiError``
(exit 3). The pieces, one job each: ``pacing`` (one shared rate limiter that adapts to the
server), ``api_request`` (one page: retries and error conversion), ``pagination`` (overlapping
pages and their consistency), ``fetcher`` (concurrency, verification, re-sync). Records go through
``auditor.sources.inventory.parse_accounts`` page by page, so validation lives in one place and
the raw JSON (with its passwords) is dropped as soon as each page is checked; the accounts are
scrubbed once, with every password of the fetch, when the chain is complete.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from auditor import __version__
from auditor.api_settings import Settings, require_api_key
from auditor.model.account import FetchStats, Inventory, InventoryInfo, scrub_accounts
from auditor.redact import REDACTED, SecretSet, install_log_redaction, redact
from auditor.sources.api_request import Counters, PageRequester
from auditor.sources.body import ACCEPT_ENCODING
from auditor.sources.fetcher import ChainFetcher
from auditor.sources.filters import ApiFilters
from auditor.sources.inventory import parse_accounts
from auditor.sources.pacing import Pacer, default_concurrency, windows_for
from auditor.sources.pagination import Page, assemble, page_offset

log = logging.getLogger(__name__)

ENDPOINT = "/email-accounts/"


@dataclass(frozen=True)
class RequestTally:
    """Where a fetch's requests went: ``pages`` is the chain (up to the first short page);
    ``past_end`` were read beyond it (speculative, the end shows only when a short page
    answers); ``repeated`` re-read a page of the chain (retries, re-syncs)."""

    requests: int
    pages: int
    past_end: int
    repeated: int
    rate_limited: int
    glitches: int


@dataclass(frozen=True)
class FetchProgress:
    """A snapshot of a running fetch, for a progress display."""

    pages: int
    accounts: int
    requests: int
    retries: int
    elapsed_seconds: float


ProgressCallback = Callable[[FetchProgress], None]


class ApiSource:
    """Reads the whole account list, or raises: see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        filters: ApiFilters | None = None,
        *,
        progress: ProgressCallback | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self._key = require_api_key(settings)  # also registers it with the redactor
        install_log_redaction()
        self._settings = settings
        self._filters = filters or ApiFilters()
        self._progress = progress
        self._transport = transport
        self._pacer = pacer
        self.tally: RequestTally | None = None  # set by a finished fetch

    @property
    def url(self) -> str:
        """Where the accounts come from, with the key redacted: safe to show and to store."""
        query = urlencode({"fetch_campaigns": "true", **self._filters.params(), "limit": "100"})
        return redact(f"{self._settings.base_url}{ENDPOINT}?api_key={REDACTED}&{query}")

    def load(self) -> Inventory:
        result: list[Inventory] = []

        async def main() -> None:
            # Not ``return``: on exit, Python 3.11's asyncio.run builds the repr of the main task,
            # result included, which for a large inventory takes longer than a page.
            result.append(await self.load_async())

        asyncio.run(main())
        return result[0]

    async def load_async(self) -> Inventory:
        started = time.monotonic()
        counters = Counters()
        settings = self._settings
        seen: set[int] = set()
        fetched_pages = 0
        concurrency = settings.concurrency or default_concurrency(settings.rate)
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        headers = {
            "accept": "application/json",
            "accept-encoding": ACCEPT_ENCODING,
            "user-agent": f"smartlead-auditor/{__version__}",
        }
        pacer = self._pacer or Pacer(
            windows_for(settings.rate, settings.rate_per_minute, settings.rate_per_hour)
        )
        async with httpx.AsyncClient(
            timeout=settings.timeout, limits=limits, headers=headers, transport=self._transport
        ) as client:
            requester = PageRequester(
                client,
                url=settings.base_url + ENDPOINT,
                params={"api_key": self._key, "fetch_campaigns": "true", **self._filters.params()},
                pacer=pacer,
                counters=counters,
                retries=settings.retries,
                backoff=settings.backoff,
                timeout=settings.timeout,
            )

            # Pages are validated as they come, with their scrub deferred: every password seen
            # (discarded pages' too) is scrubbed from every account once, at the end.
            secrets = SecretSet()

            async def get_page(index: int) -> Page:
                nonlocal fetched_pages
                offset = page_offset(index)
                records = await requester.get(offset)
                where = f"page at offset {offset}"
                accounts = parse_accounts(records, where=where, secrets=secrets)
                del records  # the raw JSON (passwords included) goes as soon as it is checked
                page = Page(index, accounts)
                fetched_pages += 1
                seen.update(page.ids)
                if self._progress is not None:
                    self._progress(
                        FetchProgress(
                            fetched_pages,
                            len(seen),
                            counters.requests,
                            counters.retries,
                            time.monotonic() - started,
                        )
                    )
                return page

            fetcher = ChainFetcher(
                get_page,
                concurrency=concurrency,
                max_resyncs=settings.retries,
                max_accounts=settings.max_accounts,
            )
            pages = await fetcher.run()
        accounts = assemble(pages)
        scrub_accounts(accounts, secrets)
        self.tally = _tally(counters, len(pages), pacer.limited)
        log.info(
            "%d requests for %d pages: %d past the end, %d repeated; %d rate-limited, %d glitches",
            self.tally.requests,
            self.tally.pages,
            self.tally.past_end,
            self.tally.repeated,
            self.tally.rate_limited,
            self.tally.glitches,
        )
        stats = FetchStats(
            requests=counters.requests,
            retries=counters.retries,
            pages=len(pages),
            elapsed_seconds=round(time.monotonic() - started, 3),
        )
        info = InventoryInfo(source=self.url, fetched_at=datetime.now(UTC), stats=stats)
        return Inventory(accounts, info)


def _tally(counters: Counters, pages: int, rate_limited: int) -> RequestTally:
    end = page_offset(pages - 1)
    sent = counters.by_offset
    return RequestTally(
        requests=counters.requests,
        pages=pages,
        past_end=sum(n for offset, n in sent.items() if offset > end),
        repeated=sum(n - 1 for offset, n in sent.items() if offset <= end),
        rate_limited=rate_limited,
        glitches=counters.glitches,
    )
