"""Sends DNS queries to one nameserver cheaply: one connected UDP socket shared by all queries in
flight, told apart by message id, read by a callback that drains every datagram waiting.

Why not dnspython's resolver, nor an asyncio transport and a task per query: on a busy machine
the CPU spent per query, not the network, bounded the run (figures: README, "Domain health").
Here a query is a dict entry and a callback; an accepted answer is read by auditor.dns.wire or,
when it is not a plain one, by dnspython, which also asks again over TCP when an answer comes
truncated (see auditor.dns.resolver).

Safety: an answer is accepted only if its id belongs to a query in flight on this socket and its
question is exactly that query's; anything else (late, spoofed, malformed) is dropped, never an
answer. The socket is connected, so the kernel already drops datagrams from other addresses.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import Callable
from typing import cast

import dns.exception
import dns.message
import dns.name
import dns.rdatatype

from auditor.dns.wire import Read, read

HEADER = b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"  # after the id: RD, one question, no EDNS
LARGEST = 65535  # a UDP datagram's largest payload
BURST = 256  # datagrams read per wake-up at most

# Called once per query sent: with the answer (read here if plain, else dnspython's Message),
# or with the socket's error (ICMP unreachable).
Deliver = Callable[[Read | dns.message.Message | OSError], None]


# The types the rules ask, with class IN, as on the wire (others go through dnspython).
_TYPES = {
    t: dns.rdatatype.from_text(t).to_bytes(2, "big") + b"\x00\x01"
    for t in ("A", "AAAA", "CNAME", "MX", "TXT")
}


def question(name: str, rtype: str) -> bytes:
    """The question section's wire form (class IN). Plain names are encoded here: dnspython's
    Name costs more per query than the rest of the exchange; anything else goes through it
    (escapes, IDN, bad labels: it raises DNSException)."""
    rdtype = _TYPES.get(rtype) or dns.rdatatype.from_text(rtype).to_bytes(2, "big") + b"\x00\x01"
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


class Channel:
    """UDP queries to one nameserver (host is an IP address). The socket is opened on demand
    and closed as soon as no query is in flight, so no socket outlives its event loop."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._socket: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: dict[int, tuple[bytes, Deliver]] = {}

    @property
    def is_open(self) -> bool:
        return self._socket is not None

    def send(self, asked: bytes, deliver: Deliver) -> int:
        """Sends the question `asked` (see question()) under a fresh random id and returns the
        id; `deliver` is called once, from the event loop, unless cancel(id) comes first.
        Raises OSError if the socket cannot be opened or the send is refused."""
        sock = self._socket or self._open()
        qid = secrets.randbits(16)
        while qid in self._pending:  # ids are random, and never two alike in flight
            qid = secrets.randbits(16)
        self._pending[qid] = (asked, deliver)
        try:
            sock.send(qid.to_bytes(2, "big") + HEADER + asked)
        except BlockingIOError:
            pass  # the kernel's buffer is full: a lost datagram, the caller's timeout covers it
        except OSError:
            self.cancel(qid)
            raise
        return qid

    def cancel(self, qid: int) -> None:
        """Forgets the query (its time is up); a late answer to it is dropped."""
        self._pending.pop(qid, None)
        if not self._pending:
            self._close()

    def _open(self) -> socket.socket:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            sock.connect((self.host, self.port))
            loop.add_reader(sock.fileno(), self._readable)
        except BaseException:
            sock.close()
            raise
        self._socket, self._loop = sock, loop
        return sock

    def _close(self) -> None:
        if self._socket is not None and self._loop is not None:
            if not self._loop.is_closed():
                self._loop.remove_reader(self._socket.fileno())
            self._socket.close()
        self._socket = self._loop = None

    def _readable(self) -> None:
        # The datagrams waiting are read in one call: a burst of answers costs one wake-up.
        # At most BURST, so that timers (other queries' timeouts) still get their turn.
        for _ in range(BURST):
            if self._socket is None:
                break
            try:
                data = self._socket.recv(LARGEST)
            except BlockingIOError:
                break
            except OSError as error:  # ICMP unreachable: cannot be tied to one query, so
                self._fail_all(error)  # every query in flight learns the server failed
                return
            qid = int.from_bytes(data[:2], "big")
            entry = self._pending.get(qid) if len(data) >= 12 else None
            if entry is None or not answers(data, entry[0]):
                continue  # not the answer to a query in flight: late, spoofed or wrong
            response: Read | dns.message.Message | None = read(data, entry[0])
            if response is None:  # not a plain answer: dnspython reads it
                try:
                    response = dns.message.from_wire(data)
                except (dns.exception.DNSException, ValueError):
                    continue  # malformed: the query keeps waiting for its answer
            del self._pending[qid]
            entry[1](response)  # may send the next query on this socket
        if not self._pending:
            self._close()

    def _fail_all(self, error: OSError) -> None:
        failed = list(self._pending.values())
        self._pending.clear()
        self._close()
        for _, deliver in failed:
            deliver(error)
