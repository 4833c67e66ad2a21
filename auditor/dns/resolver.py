"""Asks DNS, politely: a concurrency limit, a deadline per query, and one query per name and
type per run (the answers are cached as futures, so callers asking at the same time share one
query). Messages go through auditor.dns.transport (one UDP socket per nameserver); dnspython
reads the system's nameservers, builds the queries and parses the answers.

Timeouts, SERVFAIL and other failures become inconclusive answers, never exceptions: one slow
domain costs its deadline and nothing more."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dns.exception
import dns.message
import dns.nameserver
import dns.rcode
import dns.resolver

from auditor.dns.evidence import Answer, Outcome, now_text
from auditor.dns.transport import ATTEMPT, Channel, question

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


class _NoNameservers(Exception):
    """Every nameserver failed (SERVFAIL, REFUSED, unreachable): an inconclusive answer."""


def system_nameservers() -> list[Nameserver]:
    """The system's nameservers (resolv.conf), as dnspython reads them; plain DNS only."""
    system = dns.resolver.Resolver(configure=True)
    found = []
    for server in system.nameservers:
        if isinstance(server, str):
            found.append(Nameserver(server, system.nameserver_ports.get(server, system.port)))
        elif isinstance(server, dns.nameserver.Do53Nameserver):
            found.append(Nameserver(server.address, server.port))
    return found


class Resolver:
    def __init__(
        self,
        nameservers: Sequence[Nameserver] = (),
        *,
        concurrency: int = 50,
        deadline: float = 5.0,
    ) -> None:
        servers = list(nameservers) or system_nameservers()
        self._channels = [Channel(n.host, n.port) for n in servers]
        self.deadline = deadline
        self._limit = asyncio.Semaphore(concurrency)
        self._cache: dict[tuple[str, str], asyncio.Future[Answer]] = {}
        self.queries = 0
        self.names = tuple(str(n) for n in nameservers) or tuple(f"system {n}" for n in servers)

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
            response = await self._exchange(question(name, rtype))
            rcode = response.rcode()
            if rcode == dns.rcode.NXDOMAIN:
                return Outcome.NXDOMAIN, (), ""
            if rcode != dns.rcode.NOERROR:
                return Outcome.ERROR, (), f"the server answered {dns.rcode.to_text(rcode)}"
            if not isinstance(response, dns.message.QueryMessage):  # same opcode as asked
                return Outcome.ERROR, (), f"not an answer to a query: {response.opcode()}"
            chain = response.resolve_chaining()  # follows CNAMEs within the answer
        except TimeoutError:
            return Outcome.TIMEOUT, (), ""
        except _NoNameservers as error:
            return Outcome.SERVFAIL, (), str(error)[:300]
        except dns.exception.DNSException as error:
            return Outcome.ERROR, (), f"{type(error).__name__}: {error}"[:300]
        if chain.answer is None:
            return Outcome.NODATA, (), ""
        target = chain.canonical_name
        via = "" if target == response.question[0].name else f"via {target}"
        return Outcome.ANSWER, tuple(sorted(_text(r) for r in chain.answer)), via

    async def _exchange(self, asked: bytes) -> dns.message.Message:
        """Asks the nameservers in turn until one answers or the deadline passes: a silent one
        is asked again after ATTEMPT seconds, one that fails is not asked again (as dnspython's
        resolver does). NOERROR, NXDOMAIN and YXDOMAIN are answers; other codes are failures."""
        loop = asyncio.get_running_loop()
        expires = loop.time() + self.deadline
        channels, failures = list(self._channels), []
        while channels:
            for channel in list(channels):
                remaining = expires - loop.time()
                if remaining <= 0:
                    raise TimeoutError
                try:
                    response = await channel.exchange(asked, min(remaining, ATTEMPT))
                except TimeoutError:
                    continue
                except (OSError, EOFError, dns.exception.DNSException) as error:
                    failure = f"{type(error).__name__}: {error}"
                else:
                    rcode = response.rcode()
                    if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN, dns.rcode.YXDOMAIN):
                        return response
                    failure = f"answered {dns.rcode.to_text(rcode)}"
                failures.append(f"{channel.host}:{channel.port} {failure}")
                channels.remove(channel)
        raise _NoNameservers(f"all nameservers failed: {'; '.join(failures)}")
