"""Asks DNS, politely: dnspython's async resolver behind a concurrency limit, a deadline per
query, and one query per name and type per run (the answers are cached as futures, so callers
asking at the same time share one query).

Timeouts, SERVFAIL and other failures become inconclusive answers, never exceptions: one slow
domain costs its deadline and nothing more."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver

from auditor.dns.evidence import Answer, Outcome, now_text

DEFAULT_PORT = 53


@dataclass(frozen=True)
class Nameserver:
    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        return self.host if self.port == DEFAULT_PORT else f"{self.host}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """HOST, HOST:PORT, or [IPv6]:PORT; raises ValueError naming what is wrong."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or str(DEFAULT_PORT)
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, str(DEFAULT_PORT)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"'{text}' is not HOST or HOST:PORT")
    return Nameserver(host, int(port))


def _text(rdata: object) -> str:
    strings = getattr(rdata, "strings", None)
    if strings is not None:  # TXT: the character-strings of one record, joined (RFC 7208 §3.3)
        return b"".join(strings).decode("utf-8", "replace")
    return str(rdata)


class Resolver:
    def __init__(
        self,
        nameservers: Sequence[Nameserver] = (),
        *,
        concurrency: int = 50,
        deadline: float = 5.0,
    ) -> None:
        self._resolver = dns.asyncresolver.Resolver(configure=not nameservers)
        if nameservers:
            self._resolver.nameservers = [
                dns.nameserver.Do53Nameserver(n.host, n.port) for n in nameservers
            ]
        self._resolver.cache = None  # our own cache is per run and keyed by (name, type)
        self._resolver.lifetime = deadline
        self._resolver.timeout = min(deadline, 2.0)  # one retry within the deadline
        self.deadline = deadline
        self._limit = asyncio.Semaphore(concurrency)
        self._cache: dict[tuple[str, str], asyncio.Future[Answer]] = {}
        self.queries = 0
        self.names = tuple(str(n) for n in nameservers) or tuple(
            f"system {n}" for n in self._resolver.nameservers
        )

    async def query(self, name: str, rtype: str) -> Answer:
        key = (name, rtype)
        future = self._cache.get(key)
        if future is None:
            future = self._cache[key] = asyncio.ensure_future(self._ask(name, rtype))
        return await future

    async def query_all(self, queries: Iterable[tuple[str, str]]) -> list[Answer]:
        return list(await asyncio.gather(*(self.query(n, t) for n, t in queries)))

    async def _ask(self, name: str, rtype: str) -> Answer:
        async with self._limit:
            self.queries += 1
            started = time.monotonic()
            outcome, records, detail = await self._outcome(name, rtype)
            server = ", ".join(self.names)
            if outcome is Outcome.TIMEOUT:
                detail = detail or f"no answer within {self.deadline:g} s"
            if not outcome.conclusive:
                detail += f" (after {time.monotonic() - started:.3f} s)"
            return Answer(name, rtype, outcome, records, server, now_text(), detail)

    async def _outcome(self, name: str, rtype: str) -> tuple[Outcome, tuple[str, ...], str]:
        try:
            answer = await self._resolver.resolve(
                name, dns.rdatatype.from_text(rtype), search=False, raise_on_no_answer=False
            )
        except dns.resolver.NXDOMAIN:
            return Outcome.NXDOMAIN, (), ""
        except dns.resolver.LifetimeTimeout:
            return Outcome.TIMEOUT, (), ""
        except dns.resolver.NoNameservers as error:
            return Outcome.SERVFAIL, (), str(error)[:300]
        except dns.exception.DNSException as error:
            return Outcome.ERROR, (), f"{type(error).__name__}: {error}"[:300]
        if answer.rrset is None:
            return Outcome.NODATA, (), ""
        chain = "" if answer.canonical_name == answer.qname else f"via {answer.canonical_name}"
        return Outcome.ANSWER, tuple(sorted(_text(r) for r in answer.rrset)), chain
