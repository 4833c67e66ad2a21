"""The resolver against the real test DNS server on 127.0.0.1: outcomes, TC over TCP, CNAME
chains, the deadline, one query per name and type, the concurrency limit, collection rounds."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterable

import pytest

from auditor.dns import collect as collect_module
from auditor.dns.collect import collect, default_checks
from auditor.dns.evidence import Answer, Evidence, MissingEvidence, Outcome, load_evidence
from auditor.dns.resolver import Nameserver, Resolver, parse_nameserver
from auditor.sources.inventory import parse_accounts
from auditor.testing.dns_server import DnsServer, Zone
from tests.dns.conftest import NonLocalAddress
from tests.support.accounts import wire


def _resolver(server: DnsServer, **kw: float) -> Resolver:
    return Resolver([Nameserver("127.0.0.1", server.port)], **kw)  # type: ignore[arg-type]


def test_the_guard_refuses_any_other_address() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(NonLocalAddress):
        sock.sendto(b"x", ("192.0.2.1", 53))


def test_outcomes(dns_server: DnsServer) -> None:
    resolver = _resolver(dns_server, deadline=1.0)
    answers = asyncio.run(
        resolver.query_all(
            [
                ("good.example", "TXT"),
                ("good.example", "A"),
                ("nothing-here.example", "TXT"),
                ("broken.example", "TXT"),
                ("slow.example", "TXT"),
                ("track.good.example", "CNAME"),
                ("track.good.example", "A"),
                ("tc.example", "TXT"),
            ]
        )
    )
    by = {(a.name, a.type): a for a in answers}
    assert by["good.example", "TXT"].records == (
        "some-verification=abc",
        "v=spf1 include:_spf.good.example -all",
    )
    assert by["good.example", "A"].outcome is Outcome.NODATA
    assert by["nothing-here.example", "TXT"].outcome is Outcome.NXDOMAIN
    assert by["broken.example", "TXT"].outcome is Outcome.SERVFAIL
    assert by["slow.example", "TXT"].outcome is Outcome.TIMEOUT
    assert by["track.good.example", "CNAME"].records == ("hop.good.example.",)
    # The A query follows the two-hop CNAME chain to the address.
    assert by["track.good.example", "A"].records == ("192.0.2.80",)
    assert "open.sleadtrack.com" in by["track.good.example", "A"].detail
    # Truncated over UDP, answered over TCP.
    assert by["tc.example", "TXT"].records == ("v=spf1 ip4:192.0.2.99 -all",)
    transports = {q.transport for q in dns_server.log if q.name == "tc.example"}
    assert transports == {"udp", "tcp"}
    assert all(a.resolver == f"127.0.0.1:{dns_server.port}" for a in answers)


def test_one_query_per_name_and_type(dns_server: DnsServer) -> None:
    resolver = _resolver(dns_server)
    asyncio.run(resolver.query_all([("good.example", "TXT")] * 20 + [("good.example", "MX")] * 5))
    asked = [(q.name, q.type) for q in dns_server.log]
    assert sorted(asked) == [("good.example", "MX"), ("good.example", "TXT")]
    assert resolver.queries == 2


def test_concurrency_limit(dns_server: DnsServer) -> None:
    dns_server.zone.latency = 0.02
    resolver = _resolver(dns_server, concurrency=4)
    asyncio.run(resolver.query_all((f"n{i}.example", "TXT") for i in range(40)))
    assert dns_server.max_in_flight == 4


def test_a_silent_server_costs_the_deadline_not_more(dns_server: DnsServer) -> None:
    resolver = _resolver(dns_server, deadline=0.5)
    started = time.monotonic()
    answers = asyncio.run(
        resolver.query_all(
            [("slow.example", "TXT"), ("slow.example", "MX"), ("good.example", "MX")]
        )
    )
    # Not a timing assertion on speed: the bound is the deadline we set, with wide room.
    assert time.monotonic() - started < 5
    assert [a.outcome for a in answers] == [Outcome.TIMEOUT, Outcome.TIMEOUT, Outcome.ANSWER]


def test_collection_follows_the_include_chain_and_saves(dns_server: DnsServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    accounts = parse_accounts(
        [
            wire(id=1, from_email="a@chain.example", custom_tracking_domain="track.good.example"),
            wire(id=2, from_email="b@good.example", type="GMAIL"),
        ]
    )
    evidence = asyncio.run(collect(default_checks(accounts), accounts, _resolver(dns_server)))
    names = {name for name, _ in evidence.answers}
    # The chain stops at the lookup limit (c10 is the 10th include; c11 is never asked).
    assert {f"c{i}.chain.example" for i in range(1, 11)} <= names
    assert "c11.chain.example" not in names
    assert {"_dmarc.good.example", "google._domainkey.good.example", "track.good.example"} <= names
    path = tmp_path / "dns.json"
    evidence.save(path)
    loaded = load_evidence(path)
    assert loaded.answers == evidence.answers
    assert loaded.mode == f"file {path}"
    with pytest.raises(MissingEvidence, match=r"no TXT answer for other\.example"):
        loaded.get("other.example", "TXT")


def test_nameserver_syntax() -> None:
    assert parse_nameserver("127.0.0.1:5353") == Nameserver("127.0.0.1", 5353)
    assert parse_nameserver("[::1]:53") == Nameserver("::1", 53)
    assert parse_nameserver("::1") == Nameserver("::1", 53)
    with pytest.raises(ValueError, match="HOST:PORT"):
        parse_nameserver("127.0.0.1:99999")


def test_zone_evidence_says_nxdomain_and_nodata() -> None:
    evidence = Evidence.from_zone({"a.example": {"TXT": ["x"]}})
    assert evidence.get("a.example", "MX").outcome is Outcome.NODATA
    assert evidence.get("b.example", "MX").outcome is Outcome.NXDOMAIN


def test_the_server_serves_its_zone_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "z.yaml"
    path.write_text('records:\n  x.example: {TXT: ["hello \\"world\\""]}\n')
    with DnsServer(Zone.load(path)) as server:
        (answer,) = asyncio.run(_resolver(server).query_all([("x.example", "TXT")]))
    assert answer.records == ('hello "world"',)


def test_the_domains_table_is_collected_for_once_the_rules_miss_nothing(
    dns_server: DnsServer,
) -> None:
    accounts = parse_accounts([wire(id=2, from_email="b@good.example", type="GMAIL")])
    # No rules at all: what the reports' Domains table reads is still asked, and only once.
    resolver = _resolver(dns_server)
    evidence = asyncio.run(collect([], accounts, resolver))
    asked = set(evidence.answers)
    assert {
        ("good.example", "TXT"),
        ("good.example", "MX"),
        ("_dmarc.good.example", "TXT"),
        ("google._domainkey.good.example", "TXT"),
    } <= asked
    assert resolver.queries == len(asked) == len(dns_server.log)


def test_a_cancelled_caller_does_not_keep_its_slot(dns_server: DnsServer) -> None:
    resolver = _resolver(dns_server, concurrency=1, deadline=0.3)

    async def run() -> Answer:
        silent = asyncio.ensure_future(resolver.query("slow.example", "TXT"))
        await asyncio.sleep(0.05)
        silent.cancel()  # its query still times out; then the one slot goes to the next
        return await asyncio.wait_for(resolver.query("good.example", "MX"), 5)

    assert asyncio.run(run()).records == ("10 mx.good.example.",)


def test_a_group_waiting_on_a_silent_domain_lets_the_next_one_start(
    dns_server: DnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One group at a time, a domain each: the silent domain's group gives its place up once its
    answers are slow, so the good domain's lookups are all answered before the silent ones give
    up (without that, the good group would not even start before they do)."""
    monkeypatch.setattr(collect_module, "GROUP_DOMAINS", 1)
    monkeypatch.setattr(collect_module, "ACTIVE", 1)
    monkeypatch.setattr(collect_module, "SLOW", 0.05)
    accounts = parse_accounts(
        [
            wire(id=1, from_email="a@slow.example", custom_tracking_domain=None),
            wire(id=2, from_email="b@good.example", type="GMAIL", custom_tracking_domain=None),
        ]
    )
    resolver = _resolver(dns_server, deadline=1.0)
    finished: list[list[str]] = []  # the names of each batch of lookups, as it is answered
    real = resolver.query_all

    async def recording(queries: Iterable[tuple[str, str]]) -> list[Answer]:
        asked = list(queries)
        answers = await real(asked)
        finished.append([name for name, _ in asked])
        return answers

    monkeypatch.setattr(resolver, "query_all", recording)
    evidence = asyncio.run(collect(default_checks(accounts), accounts, resolver))
    assert evidence.get("slow.example", "TXT").outcome is Outcome.TIMEOUT
    assert evidence.get("good.example", "TXT").outcome is Outcome.ANSWER
    first_slow = next(n for n, names in enumerate(finished) if "slow.example" in names)
    good = finished[:first_slow]
    assert good and all(name.endswith("good.example") for names in good for name in names)
    assert {"good.example", "_dmarc.good.example", "mx.good.example"} <= {
        name for names in good for name in names
    }
