"""The shared-socket transport on 127.0.0.1: answers that do not match a query in flight (id or
question) are never accepted, many queries share one socket without mix-ups, silence costs the
timeout, a refusing nameserver fails fast and the next one is asked, TC goes over TCP."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator

import dns.exception
import dns.flags
import dns.message
import dns.rrset
import pytest

from auditor.dns.evidence import Outcome
from auditor.dns.resolver import Nameserver, Resolver
from auditor.dns.transport import Channel, question
from auditor.testing.dns_server import DnsServer, Zone
from tests.dns.conftest import NonLocalAddress

Replies = Callable[[dns.message.Message], list[bytes]]


def _reply(query: dns.message.Message, address: str) -> dns.message.Message:
    response = dns.message.make_response(query)
    name = query.question[0].name
    response.answer.append(dns.rrset.from_text(name, 300, "IN", "A", address))
    return response


def _other(query: dns.message.Message, name: str, rtype: str) -> bytes:
    """A reply with the query's id but another question (it says NODATA)."""
    other = dns.message.make_query(name, rtype)
    other.id = query.id
    return dns.message.make_response(other).to_wire()


def _spoofer(replies: Replies) -> Iterator[int]:
    """A UDP server on 127.0.0.1 that sends, for each query, the datagrams `replies` makes."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            for datagram in replies(dns.message.from_wire(data)):
                sock.sendto(datagram, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        sock.close()


def _spoofed_first(query: dns.message.Message) -> list[bytes]:
    wrong_id = _reply(query, "192.0.2.61")
    wrong_id.id = (query.id + 1) % 65536
    not_a_response = _reply(query, "192.0.2.62")
    not_a_response.flags &= ~dns.flags.QR
    return [
        wrong_id.to_wire(),
        _other(query, "evil.example", "A"),  # right id, other name
        _other(query, "good.example", "AAAA"),  # right id and name, other type
        not_a_response.to_wire(),
        query.id.to_bytes(2, "big") + b"\x81\x80\x00\x01",  # right id, cut short
        b"\x00",
        _reply(query, "192.0.2.1").to_wire(),  # the genuine answer, last
    ]


@pytest.fixture
def spoofer() -> Iterator[int]:
    yield from _spoofer(_spoofed_first)


@pytest.fixture
def only_spoofs() -> Iterator[int]:
    yield from _spoofer(lambda query: _spoofed_first(query)[:-1])


def test_answers_not_matching_the_query_are_ignored(spoofer: int) -> None:
    resolver = Resolver([Nameserver("127.0.0.1", spoofer)], deadline=2.0)
    (answer,) = asyncio.run(resolver.query_all([("Good.Example", "A")]))
    assert answer.outcome is Outcome.ANSWER
    assert answer.records == ("192.0.2.1",)


def test_only_spoofed_answers_time_out(only_spoofs: int) -> None:
    resolver = Resolver([Nameserver("127.0.0.1", only_spoofs)], deadline=0.5)
    (answer,) = asyncio.run(resolver.query_all([("good.example", "A")]))
    assert answer.outcome is Outcome.TIMEOUT
    assert answer.records == ()


def test_many_queries_share_one_socket_without_mixing_answers() -> None:
    zone = Zone.from_mapping(
        {"latency": 0.01, "records": {f"n{i}.example": {"TXT": [f"n{i}"]} for i in range(200)}}
    )
    with DnsServer(zone) as server:
        resolver = Resolver([Nameserver("127.0.0.1", server.port)], concurrency=50)
        answers = asyncio.run(resolver.query_all((f"n{i}.example", "TXT") for i in range(200)))
        assert server.max_in_flight == 50
    assert [a.records for a in answers] == [(f"n{i}",) for i in range(200)]


def test_silence_costs_the_timeout_and_leaves_no_socket(dns_server: DnsServer) -> None:
    resolver = Resolver([Nameserver("127.0.0.1", dns_server.port)], deadline=0.2)

    async def ask() -> list[Channel]:
        (answer,) = await resolver.query_all([("slow.example", "TXT")])
        assert answer.outcome is Outcome.TIMEOUT
        assert "no answer within 0.2 s" in answer.detail
        return resolver._channels

    (channel,) = asyncio.run(ask())
    assert not channel.is_open  # closed once nothing was in flight


def test_a_refusing_nameserver_fails_and_the_next_is_asked(dns_server: DnsServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens there once the probe is closed
    alone = Resolver([Nameserver("127.0.0.1", closed)], deadline=3.0)
    (refused,) = asyncio.run(alone.query_all([("good.example", "MX")]))
    assert refused.outcome is Outcome.SERVFAIL
    assert "ConnectionRefusedError" in refused.detail
    both = Resolver([Nameserver("127.0.0.1", closed), Nameserver("127.0.0.1", dns_server.port)])
    (answer,) = asyncio.run(both.query_all([("good.example", "MX")]))
    assert answer.records == ("10 mx.good.example.",)


def test_truncated_answers_are_asked_again_over_tcp(dns_server: DnsServer) -> None:
    resolver = Resolver([Nameserver("127.0.0.1", dns_server.port)], deadline=2.0)
    (answer,) = asyncio.run(resolver.query_all([("TC.example", "TXT")]))
    assert answer.records == ("v=spf1 ip4:192.0.2.99 -all",)
    assert [q.transport for q in dns_server.log] == ["udp", "tcp"]


@pytest.mark.parametrize(
    "name", ["good.example", "Good.Example.", "_dmarc.x-y.example", "*.example", "a\\.b.example"]
)
def test_questions_are_encoded_as_dnspython_does(name: str) -> None:
    expected = dns.message.make_query(name, "TXT").to_wire()[12:]
    assert question(name, "TXT") == expected


@pytest.mark.parametrize("name", ["a..example", "x" * 64 + ".example", ".".join(["abcdefgh"] * 40)])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(dns.exception.DNSException):
        question(name, "TXT")


def test_the_server_replies_with_each_querys_id_and_case(dns_server: DnsServer) -> None:
    mx = dns.rrset.from_text("good.example.", 300, "IN", "MX", "10 mx.good.example.")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:  # malformed: dropped
        sock.sendto(
            b"\x00\x01\x01\x00\x00\x01" + bytes(6) + b"\x3fabcd", ("127.0.0.1", dns_server.port)
        )
    for name in ("good.example", "GOOD.example", "good.example"):
        query = dns.message.make_query(name, "MX")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(2)
            sock.sendto(query.to_wire(), ("127.0.0.1", dns_server.port))
            response = dns.message.from_wire(sock.recv(4096))
        assert query.is_response(response)
        assert response.question[0].name.to_text() == name + "."
        # Names compare without case (the reply compresses against the question, as dnspython).
        assert response.answer == [mx]


def test_the_local_only_guard_sees_the_shared_socket() -> None:
    # The socket is connected, so the guard on connect() is what keeps tests on 127.0.0.1.
    resolver = Resolver([Nameserver("192.0.2.1", 53)], deadline=0.5)
    with pytest.raises(NonLocalAddress):
        asyncio.run(resolver.query_all([("good.example", "A")]))
