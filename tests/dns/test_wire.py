"""auditor.dns.wire against dnspython: on every answer `read` accepts, it says exactly what
dnspython's parse says (auditor.dns.resolver.outcome); it accepts nothing dnspython refuses
(pointer loops, forward pointers, overruns, trailing bytes); plain answers do take the fast way."""

from __future__ import annotations

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.TXT
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.dns.evidence import Outcome
from auditor.dns.resolver import outcome
from auditor.dns.transport import answers, question
from auditor.dns.wire import read

IN = dns.rdataclass.IN
TYPES = ["A", "AAAA", "CNAME", "MX", "TXT"]
# A small pool of names, so that owners, CNAME targets and the question meet often.
NAMES = ["a.example", "B.Example", "c.a.example", "x-y.example", "_dmarc.a.example", "d.example"]
ODD_NAMES = ["sp ace.example", "do\\.t.example", "*.example", "caf\\195\\169.example"]


def _slow(data: bytes) -> object:
    """What the resolver makes of an answer through dnspython, or 'refused'."""
    try:
        return outcome(dns.message.from_wire(data))
    except (dns.exception.DNSException, ValueError):
        return "refused"


def _rdata(rtype: str, draw: st.DrawFn, plain: bool) -> object:
    name = dns.name.from_text(draw(st.sampled_from(NAMES if plain else NAMES * 4 + ODD_NAMES)))
    if rtype == "A":
        return dns.rdtypes.IN.A.A(IN, 1, str(draw(st.ip_addresses(v=4))))
    if rtype == "AAAA":
        return dns.rdtypes.IN.AAAA.AAAA(IN, 28, str(draw(st.ip_addresses(v=6))))
    if rtype == "CNAME":
        return dns.rdtypes.ANY.CNAME.CNAME(IN, 5, name)
    if rtype == "MX":
        return dns.rdtypes.ANY.MX.MX(IN, 15, draw(st.integers(0, 65535)), name)
    strings = draw(st.lists(st.binary(max_size=300), min_size=1, max_size=3))
    chunks = [s[i : i + 255] for s in strings for i in range(0, max(len(s), 1), 255)]
    return dns.rdtypes.ANY.TXT.TXT(IN, 16, chunks)


@st.composite
def messages(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """(an answer's wire form, the question asked): random records, each its own RRset on
    the wire (so duplicates and scattered records of one type occur), in any section. Mostly
    plain answers (half of them), so that both ways are compared often."""
    plain = draw(st.booleans())
    qname = draw(st.sampled_from(NAMES * 8 + ODD_NAMES[:1]))
    qtype = draw(st.sampled_from(TYPES * 8 + ["SOA", "NS"]))
    query = dns.message.make_query(qname, qtype)
    response = dns.message.make_response(query)
    if not plain:
        response.set_rcode(draw(st.sampled_from([dns.rcode.NOERROR, 3, 3, 2, 5])))
        if draw(st.booleans()):
            response.flags |= dns.flags.TC
    sections = [response.answer, response.authority, response.additional]
    for _ in range(draw(st.integers(0, 6))):
        rtype = draw(st.sampled_from([qtype, qtype, "CNAME", *TYPES]))
        rtype = rtype if rtype in TYPES else "TXT"
        owner = draw(st.sampled_from([qname, qname, *NAMES]))
        rrset = dns.rrset.RRset(dns.name.from_text(owner), IN, dns.rdatatype.from_text(rtype))
        rrset.add(_rdata(rtype, draw, plain), draw(st.integers(0, 2**31 - 1)))  # type: ignore[arg-type]
        draw(st.sampled_from(sections[:1] * 6 + sections[1:])).append(rrset)
    return response.to_wire(), question(qname, qtype)


@settings(max_examples=400, deadline=None)
@given(messages())
def test_what_read_accepts_dnspython_reads_the_same(message: tuple[bytes, bytes]) -> None:
    data, asked = message
    assert answers(data, asked)
    fast = read(data, asked)
    if fast is not None:
        assert fast == _slow(data)


@settings(max_examples=400, deadline=None)
@given(messages(), st.data())
def test_damaged_answers_are_never_read_otherwise(
    message: tuple[bytes, bytes], data: st.DataObject
) -> None:
    wire, asked = message
    damaged = bytearray(wire)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(damaged)))
        how = data.draw(st.sampled_from(["set", "insert", "delete", "cut"]))
        byte = data.draw(st.sampled_from([0, 1, 3, 0x3F, 0x40, 0xC0, 0xC0 | 0x0C, 0xFF]))
        if how == "set" and at < len(damaged):
            damaged[at] = byte
        elif how == "insert":
            damaged.insert(at, byte)
        elif how == "delete" and at < len(damaged):
            del damaged[at]
        elif how == "cut":
            del damaged[at:]
    if answers(bytes(damaged), asked):
        fast = read(bytes(damaged), asked)
        if fast is not None:
            assert fast == _slow(bytes(damaged))


def _answer(qname: str, qtype: str, *records: str, rcode: int = 0) -> bytes:
    response = dns.message.make_response(dns.message.make_query(qname, qtype))
    response.set_rcode(rcode)
    for record in records:
        owner, rtype, text = record.split(" ", 2)
        response.answer.append(dns.rrset.from_text(owner + ".", 300, "IN", rtype, text))
    return response.to_wire()


PLAIN = [
    ("d1.example", "TXT", ['d1.example TXT "v=spf1 include:_spf.google.com -all"']),
    (
        "d1.example",
        "TXT",
        ['d1.example TXT "v=DKIM1; k=rsa; p=' + "A" * 200 + '" "' + "B" * 200 + '"'],
    ),
    ("d1.example", "MX", ["d1.example MX 10 mx.d1.example.", "d1.example MX 20 MX2.d1.example."]),
    ("mx.d1.example", "A", ["mx.d1.example A 192.0.2.1", "mx.d1.example A 192.0.2.2"]),
    ("mx.d1.example", "AAAA", ["mx.d1.example AAAA 2001:db8::1"]),
    ("track.d1.example", "CNAME", ["track.d1.example CNAME open.sleadtrack.com."]),
    (
        "Track.d1.example",
        "A",
        [
            "track.d1.example CNAME hop.d1.example.",
            "HOP.d1.example CNAME open.x.example.",
            "open.x.example A 192.0.2.80",
        ],
    ),
    ("d1.example", "A", ["d1.example MX 10 mx.d1.example."]),  # NODATA
    ("gone.example", "TXT", []),  # NXDOMAIN below
]


@pytest.mark.parametrize(("qname", "qtype", "records"), PLAIN)
def test_plain_answers_take_the_fast_way(qname: str, qtype: str, records: list[str]) -> None:
    rcode = dns.rcode.NXDOMAIN if qname == "gone.example" else dns.rcode.NOERROR
    data = _answer(qname, qtype, *records, rcode=rcode)
    fast = read(data, question(qname, qtype))
    assert fast is not None
    assert fast == _slow(data)


def test_the_chain_is_followed_and_named() -> None:
    data = _answer(
        "t.example", "A", "t.example CNAME Open.X.example.", "open.x.example A 192.0.2.9"
    )
    assert read(data, question("t.example", "A")) == (
        Outcome.ANSWER,
        ("192.0.2.9",),
        "via Open.X.example.",
    )


def _with_answer(owner: bytes, rdata: bytes = b"\xc0\x00\x00\x01", rtype: int = 1) -> bytes:
    """An answer to `a.example A` with one record whose owner is `owner`, raw."""
    head = dns.message.make_response(dns.message.make_query("a.example", "A")).to_wire()
    head = head[:6] + b"\x00\x01" + head[8:]
    rr = owner + rtype.to_bytes(2, "big") + b"\x00\x01" + b"\x00\x00\x01\x2c"
    return head + rr + len(rdata).to_bytes(2, "big") + rdata


@pytest.mark.parametrize(
    "wire",
    [
        _with_answer(b"\xc0\x1b"),  # the owner points at itself: a loop
        _with_answer(b"\xc0\x40"),  # points forward
        _with_answer(b"\x01a\xc0\x1b"),  # points into its own labels
        _with_answer(b"\xc0\x0c", rdata=b"\xc0\x00\x00"),  # A of 3 bytes
        _with_answer(b"\xc0\x0c", rdata=b"\x05ab", rtype=16),  # TXT string overruns
        _with_answer(b"\xc0\x0c", rdata=b"", rtype=16),  # TXT without a string
        _with_answer(b"\xc0\x0c", rdata=b"\xc0\x27", rtype=5),  # CNAME target is itself
        _with_answer(b"\xc0\x0c") + b"\x00",  # a byte after the last record
        _with_answer(b"\x3f" + b"x" * 63) + b"",  # owner's labels run off the end
        _with_answer(b"".join(b"\x3f" + b"x" * 63 for _ in range(4)) + b"\x00"),  # > 255
        _with_answer(b"\x04a b.\x00"),  # a label that dnspython would print escaped
        _with_answer(b"\xc0\x0c", rdata=b"\x00" * 22, rtype=6),  # SOA: left to dnspython
    ],
)
def test_odd_or_broken_answers_go_to_dnspython(wire: bytes) -> None:
    asked = question("a.example", "A")
    assert answers(wire, asked)
    assert read(wire, asked) is None


def test_a_pointer_loop_is_refused_by_dnspython_too() -> None:
    assert _slow(_with_answer(b"\xc0\x1b")) == "refused"
    assert _slow(_with_answer(b"\xc0\x0c") + b"\x00") == "refused"


def test_duplicates_and_several_cnames_are_left_to_dnspython() -> None:
    twice = _answer("a.example", "TXT", 'a.example TXT "x"', 'A.example TXT "x"')
    assert read(twice, question("a.example", "TXT")) is None
    assert _slow(twice) == (Outcome.ANSWER, ("x",), "")
    forked = _answer("a.example", "A", "a.example CNAME b.example.", "a.example CNAME c.example.")
    assert read(forked, question("a.example", "A")) is None


def test_failures_and_truncation_are_left_to_the_resolver() -> None:
    servfail = _answer("a.example", "A", rcode=dns.rcode.SERVFAIL)
    assert read(servfail, question("a.example", "A")) is None
    response = dns.message.make_response(dns.message.make_query("a.example", "A"))
    response.flags |= dns.flags.TC
    assert read(response.to_wire(), question("a.example", "A")) is None
