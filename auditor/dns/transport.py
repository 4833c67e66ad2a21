"""Sends DNS queries to one nameserver cheaply: one connected UDP socket shared by all queries in
flight, told apart by message id, and TCP only for truncated answers.

Why not dnspython's resolver: it opens a socket per query and builds each query as a Message; on
a busy machine that CPU, not the network, bounded the run (bench/dns.py: about 600 us of client
CPU per query before, 290 to 415 us now). dnspython still parses every answer accepted.

Safety: an answer is accepted only if its id belongs to a query in flight on this socket and its
question is exactly that query's; anything else (late, spoofed, malformed) is dropped, never an
answer. The socket is connected, so the kernel already drops datagrams from other addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from typing import cast

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdatatype

ATTEMPT = 2.0  # seconds one try waits before asking again, within the query's deadline
HEADER = b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"  # after the id: RD, one question, no EDNS


def question(name: str, rtype: str) -> bytes:
    """The question section's wire form (class IN). Plain names are encoded here: dnspython's
    Name costs more per query than the rest of the exchange; anything else goes through it
    (escapes, IDN, bad labels: it raises DNSException)."""
    rdtype = dns.rdatatype.from_text(rtype).to_bytes(2, "big") + b"\x00\x01"
    labels = name.removesuffix(".").split(".")
    if name.isascii() and "\\" not in name and all(0 < len(label) < 64 for label in labels):
        wire = b"".join(bytes([len(label)]) + label.encode() for label in labels) + b"\x00"
        if len(wire) <= 255:
            return wire + rdtype
    return cast(bytes, dns.name.from_text(name).to_wire()) + rdtype  # bytes: no file given


def answers(data: bytes, asked: bytes) -> bool:
    """`data` is a response to a QUERY with exactly the question `asked` (the name compared
    without regard to case, as servers may echo it; type and class exactly). The id is checked
    by the caller."""
    end = 12 + len(asked)
    return (
        len(data) >= end
        and data[2] & 0xF8 == 0x80  # QR set, opcode QUERY
        and data[4:6] == b"\x00\x01"
        and data[12 : end - 4].lower() == asked[:-4].lower()
        and data[end - 4 : end] == asked[-4:]
    )


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[bytes, asyncio.Future[dns.message.Message]]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # a datagram endpoint's

    def datagram_received(self, data: bytes, addr: object) -> None:
        entry = self.pending.get(int.from_bytes(data[:2], "big")) if len(data) >= 12 else None
        if entry is None or entry[1].done() or not answers(data, entry[0]):
            return  # not the answer to a query in flight: late, spoofed or wrong
        with contextlib.suppress(dns.exception.DNSException, ValueError):  # malformed: wait on
            entry[1].set_result(dns.message.from_wire(data))

    def error_received(self, exc: Exception) -> None:
        # An ICMP error (port unreachable) cannot be tied to one query: every query in flight
        # learns the server failed, as they would have with a socket each.
        for _, future in self.pending.values():
            if not future.done():
                future.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


class Channel:
    """Queries to one nameserver (host is an IP address). The socket is opened on demand and
    closed when no query is in flight, so no socket outlives the event loop that opened it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._protocol: _Protocol | None = None
        self._opening: asyncio.Lock | None = None

    async def exchange(self, asked: bytes, timeout: float) -> dns.message.Message:
        """The answer to the question `asked` (see question()) over UDP, or over TCP if it came
        truncated. Raises TimeoutError after `timeout` seconds, OSError or DNSException if the
        server cannot be asked."""
        loop = asyncio.get_running_loop()
        expires = loop.time() + timeout
        async with asyncio.timeout_at(expires):
            response = await self._udp(asked)
        if response.flags & dns.flags.TC:
            remaining = max(expires - loop.time(), 0.0)
            query = dns.message.from_wire(response.id.to_bytes(2, "big") + HEADER + asked)
            try:  # dnspython's TCP query checks the id and question itself
                response = await dns.asyncquery.tcp(query, self.host, remaining, self.port)
            except dns.exception.Timeout as error:
                raise TimeoutError from error
        return response

    async def _udp(self, asked: bytes) -> dns.message.Message:
        protocol = await self._open()
        qid = secrets.randbelow(65536)
        while qid in protocol.pending:  # ids are random, and never two alike in flight
            qid = secrets.randbelow(65536)
        future: asyncio.Future[dns.message.Message] = asyncio.get_running_loop().create_future()
        protocol.pending[qid] = (asked, future)
        try:
            assert protocol.transport is not None
            protocol.transport.sendto(qid.to_bytes(2, "big") + HEADER + asked)
            return await future
        finally:
            del protocol.pending[qid]
            if not protocol.pending and protocol.transport is not None:
                protocol.transport.close()
                self._protocol = None

    async def _open(self) -> _Protocol:
        if self._protocol is not None and self._protocol.transport is not None:
            return self._protocol
        self._opening = self._opening or asyncio.Lock()
        async with self._opening:  # queries arriving together share one socket
            if self._protocol is None or self._protocol.transport is None:
                family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
                _, protocol = await asyncio.get_running_loop().create_datagram_endpoint(
                    _Protocol, remote_addr=(self.host, self.port), family=family
                )
                self._protocol = protocol
            return self._protocol
