"""An authoritative DNS server on 127.0.0.1 for tests, benchmarks and the demo::

    python -m auditor.testing.dns_server zones.yaml --latency 0.005

It answers over UDP and TCP on one random port, from a zone written as YAML (the same shape as
the rule cases' `dns`)::

    latency: 0.005          # seconds before every answer (optional)
    truncate: [big.example] # names whose UDP answers are truncated (TC): clients retry over TCP
    records:
      acme.example: {TXT: ["v=spf1 -all"], MX: ["10 mx.acme.example."]}
      _dmarc.acme.example: {TXT: servfail}    # SERVFAIL for that type
      slow.example: {"*": timeout}            # never answers, any type

A name absent from `records` is NXDOMAIN; a present name without the type asked is NODATA; a
CNAME is followed inside the zone. UDP answers over 512 bytes are truncated too. It never
forwards or recurses: nothing asked of it reaches another address.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from ruamel.yaml import YAML

UDP_LIMIT = 512  # no EDNS here: larger UDP answers are truncated, as a plain server does
FAILURES = ("servfail", "timeout")
PLAIN_NAME = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*"


def _txt(text: str) -> str:
    """A TXT string in presentation form: 255-byte chunks, quoted and escaped."""
    chunks = [text[i : i + 255] for i in range(0, len(text), 255)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


@dataclass
class Zone:
    records: dict[str, dict[str, list[str] | str]] = field(default_factory=dict)
    latency: float = 0.0
    truncate: set[str] = field(default_factory=set)

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any]) -> Zone:
        records = {
            str(name).rstrip(".").lower(): {
                str(t).upper(): v if isinstance(v, str) and v in FAILURES else list(map(str, v))
                for t, v in types.items()
            }
            for name, types in (document.get("records") or {}).items()
        }
        truncate = {str(n).rstrip(".").lower() for n in document.get("truncate") or []}
        return cls(records, float(document.get("latency", 0.0)), truncate)

    @classmethod
    def load(cls, path: Path) -> Zone:
        return cls.from_mapping(YAML(typ="safe").load(path))

    def exists(self, name: str) -> bool:
        """The name, or a name below it, is in the zone (an empty non-terminal is NODATA)."""
        return any(n == name or n.endswith("." + name) for n in self.records)


@dataclass(frozen=True)
class Query:
    name: str
    type: str
    transport: str


class DnsServer:
    """Use as a context manager; `port` is set once it is listening."""

    def __init__(self, zone: Zone, host: str = "127.0.0.1") -> None:
        self.zone, self.host, self.port = zone, host, 0
        self.log: list[Query] = []
        self._rrsets: dict[tuple[str, str], dns.rrset.RRset] = {}  # parsed once, not per query
        self._replies: dict[tuple[str, int, bytes], tuple[bytes, bytes] | None] = {}
        self.in_flight = self.max_in_flight = 0  # queries being answered at once
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._closers: list[Any] = []

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def __enter__(self) -> DnsServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        # One port for both: bind TCP first on port 0, then UDP on the port it got.
        for _ in range(20):
            tcp = await asyncio.start_server(self._tcp, self.host, self.port)
            port = tcp.sockets[0].getsockname()[1]
            try:
                udp, _ = await self._loop.create_datagram_endpoint(
                    lambda: _Udp(self), local_addr=(self.host, port), family=socket.AF_INET
                )
            except OSError:  # the UDP port is taken: try another
                tcp.close()
                continue
            self.port = port
            self._closers = [tcp, udp]
            return
        raise OSError("no free port for UDP and TCP")

    async def _tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _tcp_handler(self, reader, writer)

    async def _stop(self) -> None:
        for closer in self._closers:
            closer.close()

    async def answer(self, wire: bytes, transport: str) -> bytes | None:
        """The reply to one query after the zone's latency (None: stay silent, as a timed-out
        server does)."""
        reply = self.receive(wire, transport)
        if reply is None:
            return None
        try:
            if self.zone.latency:
                await asyncio.sleep(self.zone.latency)
        finally:
            self.in_flight -= 1
        return reply()

    def receive(self, wire: bytes, transport: str) -> Callable[[], bytes | None] | None:
        """Logs a query and counts it in flight; the caller waits the latency, uncounts it and
        then calls the function returned for the reply (None: stay silent). None if the query
        is malformed (dropped, not logged). Replies are rendered after the wait, so that a
        reply rendered for the first time does not delay the queries arriving behind it."""
        plain = _plain_question(wire)
        query = None
        if plain is None:
            try:
                query = dns.message.from_wire(wire)
            except Exception:  # any malformed packet is dropped
                return None
            name = query.question[0].name.to_text(omit_final_dot=True).lower()
            rtype = dns.rdatatype.to_text(query.question[0].rdtype)
            end = 0
        else:
            name, rtype, end = plain
        self.log.append(Query(name, rtype, transport))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return partial(self._reply, wire, transport, name, rtype, query, end)

    def _reply(
        self,
        wire: bytes,
        transport: str,
        name: str,
        rtype: str,
        query: dns.message.Message | None,
        end: int,
    ) -> bytes | None:
        """A plain query's reply is rendered once per question, transport and RD flag; later
        ones copy it with their own id and question (same bytes but for case). Parsing and
        rendering every query with dnspython made this server, not the client, bound
        bench/dns.py."""
        if query is not None:
            return self._render(query, name, rtype, transport)
        key = (transport, wire[2] & 1, wire[12:end].lower())
        if key not in self._replies:
            reply = self._render(dns.message.from_wire(wire), name, rtype, transport)
            self._replies[key] = None if reply is None else (reply[2:12], reply[end:])
        cached = self._replies[key]
        return None if cached is None else wire[:2] + cached[0] + wire[12:end] + cached[1]

    def _render(
        self, query: dns.message.Message, name: str, rtype: str, transport: str
    ) -> bytes | None:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        failure = self._failure(name, rtype)
        if failure == "timeout":
            return None
        if failure == "servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        self._fill(response, name, rtype)
        wire_out = response.to_wire()
        if transport == "udp" and (len(wire_out) > UDP_LIMIT or name in self.zone.truncate):
            short = dns.message.make_response(query)
            short.flags |= dns.flags.AA | dns.flags.TC
            return short.to_wire()
        return wire_out

    def _failure(self, name: str, rtype: str) -> str | None:
        types = self.zone.records.get(name, {})
        value = types.get(rtype, types.get("*"))
        return value if isinstance(value, str) else None

    def _fill(self, response: dns.message.Message, name: str, rtype: str) -> None:
        for _ in range(8):  # a CNAME chain, followed inside the zone
            types = self.zone.records.get(name)
            if types is None:
                if not self.zone.exists(name):
                    response.set_rcode(dns.rcode.NXDOMAIN)
                return
            if rtype in types or "CNAME" not in types:
                values = types.get(rtype)
                if isinstance(values, list) and values:
                    response.answer.append(self._rrset(name, rtype, values))
                return
            cname = types["CNAME"]
            if not isinstance(cname, list) or not cname:
                return
            response.answer.append(self._rrset(name, "CNAME", cname[:1]))
            name = cname[0].rstrip(".").lower()
            if self._failure(name, rtype) is not None:
                return

    def _rrset(self, name: str, rtype: str, values: list[str]) -> dns.rrset.RRset:
        found = self._rrsets.get((name, rtype))
        if found is None:
            found = self._rrsets[name, rtype] = _rrset(name, rtype, values)
        return found


def _rrset(name: str, rtype: str, values: list[str]) -> dns.rrset.RRset:
    texts = [_txt(v) for v in values] if rtype == "TXT" else values
    rdatas = [
        dns.rdata.from_text(
            dns.rdataclass.IN, dns.rdatatype.from_text(rtype), t, dns.name.root, relativize=False
        )
        for t in texts
    ]
    return dns.rrset.from_rdata_list(dns.name.from_text(name), 300, rdatas)


def _plain_question(wire: bytes) -> tuple[str, str, int] | None:
    """(name, type, end of the question) of a plain query: QUERY, one question of class IN,
    nothing else, a name of letters, digits, '-', '_' and '*' with no compression. Anything
    else (None) goes through dnspython."""
    if len(wire) < 17 or wire[2] & 0xF8 or wire[4:12] != b"\x00\x01" + bytes(6):
        return None
    labels, at = [], 12
    while at < len(wire) - 4 and 0 < wire[at] < 64:
        labels.append(wire[at + 1 : at + 1 + wire[at]])
        at += 1 + wire[at]
    end = at + 5
    if (
        at >= len(wire) - 4
        or wire[at] != 0
        or len(wire) != end
        or wire[end - 2 : end] != b"\x00\x01"
        or not labels
    ):
        return None
    name = b".".join(labels)
    if name.translate(None, PLAIN_NAME) != b"." * (len(labels) - 1):
        return None
    rtype = dns.rdatatype.to_text(
        dns.rdatatype.RdataType.make(int.from_bytes(wire[at + 1 : at + 3]))
    )
    return name.decode().lower(), rtype, end


class _Udp(asyncio.DatagramProtocol):
    """Replies wait in arrival order (the latency is the same for all) under one timer: a
    task and a sleep per query cost this server more CPU than the client's whole query."""

    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None
        self.due: deque[tuple[float, Callable[[], bytes | None], tuple[str | Any, int]]] = deque()
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # a datagram endpoint's

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        reply = self.server.receive(data, "udp")
        if reply is None:
            return
        loop = asyncio.get_running_loop()
        self.due.append((loop.time() + self.server.zone.latency, reply, addr))
        if self.timer is None:
            self.timer = loop.call_at(self.due[0][0], self._send_due)

    def _send_due(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time() + 1e-6  # timers may fire a clock tick early
        while self.due and self.due[0][0] <= now:
            _, reply, addr = self.due.popleft()
            self.server.in_flight -= 1
            wire = reply()
            if wire is not None and self.transport is not None:
                self.transport.sendto(wire, addr)
        self.timer = loop.call_at(self.due[0][0], self._send_due) if self.due else None


async def _tcp_handler(
    server: DnsServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            size = int.from_bytes(await reader.readexactly(2), "big")
            reply = await server.answer(await reader.readexactly(size), "tcp")
            if reply is not None:
                writer.write(len(reply).to_bytes(2, "big") + reply)
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zone", type=Path, help="zone YAML file")
    parser.add_argument("--latency", type=float, help="seconds before every answer")
    args = parser.parse_args(argv)
    zone = Zone.load(args.zone)
    if args.latency is not None:
        zone.latency = args.latency
    with DnsServer(zone) as server:
        print(f"serving {args.zone} on {server.address} (UDP and TCP); Ctrl-C stops")
        threading.Event().wait()


if __name__ == "__main__":
    main()
