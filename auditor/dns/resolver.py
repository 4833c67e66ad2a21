"""Asks DNS, politely: a concurrency limit, a deadline per query, and one query per name and
type per run (the answers are cached as futures, so callers asking at the same time share one
query). Messages go through auditor.dns.transport (one UDP socket per nameserver); plain answers
are read by auditor.dns.wire, anything else by dnspython, which also reads the system's
nameservers.

Timeouts, SERVFAIL and other failures become inconclusive answers, never exceptions: one slow
domain costs its deadline and nothing more."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.nameserver
import dns.rcode
import dns.resolver

from auditor.dns.evidence import Answer, Outcome, now_text
from auditor.dns.transport import HEADER, Channel, question
from auditor.dns.wire import Read

DEFAULT_PORT = 53
ATTEMPT = 2.0  # seconds one try waits before asking again, within the query's deadline


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


@dataclass(slots=True, eq=False)
class _Job:
    """One (name, type) being asked: which nameservers are left, the try in flight."""

    name: str
    rtype: str
    future: asyncio.Future[Answer]
    asked: bytes = b""
    started: float = 0.0  # time.monotonic(), for the detail of a failure
    expires: float = 0.0  # the event loop's time of the deadline
    servers: list[Channel] = field(default_factory=list)
    at: int = 0  # the nameserver asked now: servers[at]
    failures: list[str] = field(default_factory=list)
    attempt: int = 0  # bumped by every try: callbacks of an older try are ignored
    qid: int | None = None
    timer: asyncio.TimerHandle | None = None
    tcp: asyncio.Task[None] | None = None


def outcome(response: dns.message.Message) -> tuple[Outcome, tuple[str, ...], str]:
    """What a NOERROR, NXDOMAIN or YXDOMAIN answer says; CNAMEs are followed within it."""
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return Outcome.NXDOMAIN, (), ""
    if rcode != dns.rcode.NOERROR:
        return Outcome.ERROR, (), f"the server answered {dns.rcode.to_text(rcode)}"
    if not isinstance(response, dns.message.QueryMessage):  # same opcode as asked
        return Outcome.ERROR, (), f"not an answer to a query: {response.opcode()}"
    try:
        chain = response.resolve_chaining()
    except dns.exception.DNSException as error:
        return Outcome.ERROR, (), f"{type(error).__name__}: {error}"[:300]
    if chain.answer is None:
        return Outcome.NODATA, (), ""
    target = chain.canonical_name
    via = "" if target == response.question[0].name else f"via {target}"
    return Outcome.ANSWER, tuple(sorted(_text(r) for r in chain.answer)), via


class Resolver:
    """Queries are plain callbacks on the event loop, not a task each: a query is started when
    a slot is free and finished by its answer, its failure or its timer. The nameservers are
    asked in turn until one answers or the deadline passes: a silent one is asked again after
    ATTEMPT seconds, one that fails is not asked again (as dnspython's resolver does). NOERROR,
    NXDOMAIN and YXDOMAIN are answers; other codes are failures."""

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
        self._limit = concurrency
        self._active = 0  # queries started and not finished: at most the limit
        self._waiting: deque[_Job] = deque()
        self._starting = False
        self._cache: dict[tuple[str, str], asyncio.Future[Answer]] = {}
        self.queries = 0
        self.names = tuple(str(n) for n in nameservers) or tuple(f"system {n}" for n in servers)
        self._server = ", ".join(self.names)

    async def query(self, name: str, rtype: str) -> Answer:
        return await self._future(name, rtype)

    async def query_all(self, queries: Iterable[tuple[str, str]]) -> list[Answer]:
        futures = [self._future(n, t) for n, t in queries]
        return [await future for future in futures]

    def _future(self, name: str, rtype: str) -> asyncio.Future[Answer]:
        key = (name, rtype)
        future = self._cache.get(key)
        if future is None:
            future = self._cache[key] = asyncio.get_running_loop().create_future()
            self._waiting.append(_Job(name, rtype, future))
            self._start_waiting()
        return future

    def _start_waiting(self) -> None:
        # A loop, not recursion: a query may finish while it starts (its nameservers refuse).
        if self._starting:
            return
        self._starting = True
        try:
            while self._waiting and self._active < self._limit:
                self._start(self._waiting.popleft())
        finally:
            self._starting = False

    def _start(self, job: _Job) -> None:
        self._active += 1
        self.queries += 1
        job.started = time.monotonic()
        job.expires = asyncio.get_running_loop().time() + self.deadline
        job.servers = list(self._channels)
        try:
            job.asked = question(job.name, job.rtype)
        except dns.exception.DNSException as error:
            self._finish(job, Outcome.ERROR, (), f"{type(error).__name__}: {error}"[:300])
            return
        self._try(job)

    def _try(self, job: _Job) -> None:
        """Sends to servers[at], or finishes: TIMEOUT past the deadline, SERVFAIL if every
        nameserver failed."""
        loop = asyncio.get_running_loop()
        job.attempt += 1
        while job.servers:
            remaining = job.expires - loop.time()
            if remaining <= 0:
                self._finish(job, Outcome.TIMEOUT, (), "")
                return
            job.at %= len(job.servers)
            channel = job.servers[job.at]
            try:
                job.qid = channel.send(job.asked, partial(self._delivered, job, job.attempt))
            except OSError as error:
                self._failure(job, f"{type(error).__name__}: {error}", retry=False)
                continue
            except Exception as error:  # not the network's: a bug or a guard in tests
                self._finish(job, Outcome.ERROR, (), "", error)
                return
            job.timer = loop.call_at(
                loop.time() + min(remaining, ATTEMPT), self._timed_out, job, job.attempt
            )
            return
        failures = "; ".join(job.failures)
        self._finish(job, Outcome.SERVFAIL, (), f"all nameservers failed: {failures}"[:300])

    def _delivered(
        self, job: _Job, attempt: int, result: Read | dns.message.Message | OSError
    ) -> None:
        if attempt != job.attempt:
            return
        job.qid = None
        if isinstance(result, tuple):  # a plain answer, read by auditor.dns.wire
            self._finish(job, *result)
        elif isinstance(result, OSError):
            self._failure(job, f"{type(result).__name__}: {result}")
        elif result.flags & dns.flags.TC:  # truncated: the same try goes on over TCP
            job.tcp = asyncio.ensure_future(self._tcp(job, attempt, result.id))
        else:
            self._answered(job, result)

    def _answered(self, job: _Job, response: dns.message.Message) -> None:
        rcode = response.rcode()
        if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN, dns.rcode.YXDOMAIN):
            self._finish(job, *outcome(response))
        else:
            self._failure(job, f"answered {dns.rcode.to_text(rcode)}")

    async def _tcp(self, job: _Job, attempt: int, qid: int) -> None:
        channel, timer = job.servers[job.at], job.timer
        remaining = 0.0 if timer is None else timer.when() - asyncio.get_running_loop().time()
        query = dns.message.from_wire(qid.to_bytes(2, "big") + HEADER + job.asked)
        try:  # dnspython's TCP query checks the id and question itself
            response = await dns.asyncquery.tcp(query, channel.host, remaining, channel.port)
        except dns.exception.Timeout:
            return  # the try's timer moves on
        except (OSError, EOFError, dns.exception.DNSException) as error:
            if attempt == job.attempt:
                self._failure(job, f"{type(error).__name__}: {error}")
            return
        if attempt == job.attempt:
            self._answered(job, response)

    def _timed_out(self, job: _Job, attempt: int) -> None:
        if attempt == job.attempt:
            self._stop_try(job)
            job.at += 1  # a silent nameserver stays in the list: the next one is asked
            self._try(job)

    def _failure(self, job: _Job, failure: str, *, retry: bool = True) -> None:
        """The nameserver asked now failed: it is not asked again for this query."""
        self._stop_try(job)
        channel = job.servers.pop(job.at)
        job.failures.append(f"{channel.host}:{channel.port} {failure}")
        if retry:
            self._try(job)

    def _stop_try(self, job: _Job) -> None:
        if job.qid is not None:
            job.servers[job.at].cancel(job.qid)
            job.qid = None
        if job.timer is not None:
            job.timer.cancel()
            job.timer = None
        if job.tcp is not None and not job.tcp.done() and job.tcp is not asyncio.current_task():
            job.tcp.cancel()
        job.tcp = None

    def _finish(
        self,
        job: _Job,
        result: Outcome,
        records: tuple[str, ...],
        detail: str,
        error: Exception | None = None,
    ) -> None:
        """Sets the query's answer (or the error its callers' await raises), frees its slot
        and starts the next query waiting."""
        self._stop_try(job)
        job.attempt += 1
        self._active -= 1
        if job.future.done():  # cancelled: the run is being stopped (Ctrl-C)
            pass
        elif error is not None:
            job.future.set_exception(error)
        else:
            if result is Outcome.TIMEOUT:
                detail = detail or f"no answer within {self.deadline:g} s"
            if not result.conclusive:
                detail += f" (after {time.monotonic() - job.started:.3f} s)"
            answer = Answer(job.name, job.rtype, result, records, self._server, now_text(), detail)
            job.future.set_result(answer)
        self._start_waiting()
