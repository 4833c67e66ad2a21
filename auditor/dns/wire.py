"""Reads the common DNS answers straight from the wire, for what the rules need only.

Why: dnspython builds a Message of Name, RRset and Rdata objects for every answer; that parse and
the CNAME chase were half of the client's CPU per query (README, "Domain health"). Here a plain
answer is a few slices of bytes.

Strict by design: `read` returns the outcome only for a plain answer it fully understands
(NOERROR or NXDOMAIN, not truncated, every record of class IN and type A, AAAA, CNAME, MX or
TXT, names of letters, digits, '-' and '_', no duplicate records, a short CNAME chain, nothing
after the last record). Anything else gives None and goes through dnspython, which decides what
it means (tests/dns/test_wire.py checks both agree on every answer `read` accepts, and that
`read` accepts nothing dnspython would refuse). The caller has already checked the id, QR, the
opcode and the question (auditor.dns.transport.answers).
"""

from __future__ import annotations

import dns.ipv6

from auditor.dns.evidence import Outcome

A, CNAME, MX, TXT, AAAA = 1, 5, 15, 16, 28
NOERROR, NXDOMAIN = 0, 3
PLAIN = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
MAX_HOPS = 8  # pointers per name and CNAMEs per chain; dnspython allows 16 of each
Read = tuple[Outcome, tuple[str, ...], str]


def _name(data: bytes, at: int, end: int) -> tuple[bytes, int] | None:
    """(the name's text with its final dot, the position after it) or None. As dnspython
    requires, every compression pointer points before the previous one and before the start
    of the labels that led to it, so pointers cannot loop."""
    labels: list[bytes] = []
    size, after, start, limit, hops = 1, -1, at, end, 0
    while at < limit:
        count = data[at]
        if count == 0:
            text = b".".join(labels) + b"."
            return text, at + 1 if after < 0 else after
        if count < 64:
            label = data[at + 1 : at + 1 + count]
            size += count + 1
            if at + 1 + count > limit or size > 255 or label.translate(None, PLAIN):
                return None
            labels.append(label)
            at += 1 + count
        elif count >= 192 and at + 2 <= limit and hops < MAX_HOPS:
            target = (count & 0x3F) << 8 | data[at + 1]
            if target >= start:
                return None
            after = at + 2 if after < 0 else after
            hops, limit, at, start = hops + 1, start, target, target
        else:
            return None
    return None


def _rdata(data: bytes, rtype: int, at: int, end: int) -> tuple[str, bytes] | None:
    """(presentation text as auditor.dns.resolver gives it, a form equal for records dnspython
    deems equal) or None."""
    if rtype == A and end - at == 4:
        return ".".join(map(str, data[at:end])), data[at:end]
    if rtype == AAAA and end - at == 16:
        return dns.ipv6.inet_ntoa(data[at:end]), data[at:end]
    if rtype == CNAME or (rtype == MX and end - at > 2):
        name = _name(data, at + 2 if rtype == MX else at, end)
        if name is None or name[1] != end:
            return None
        text = name[0].decode()
        if rtype == MX:
            preference = int.from_bytes(data[at : at + 2], "big")
            return f"{preference} {text}", data[at : at + 2] + name[0].lower()
        return text, name[0].lower()
    if rtype == TXT and end > at:
        raw, strings = data[at:end], []
        while at < end:
            count = data[at]
            if at + 1 + count > end:
                return None
            strings.append(data[at + 1 : at + 1 + count])
            at += 1 + count
        return b"".join(strings).decode("utf-8", "replace"), raw
    return None


def read(data: bytes, asked: bytes) -> Read | None:
    """The outcome, records and CNAME detail of `data`, an answer to the question `asked`
    (see auditor.dns.transport.question), as auditor.dns.resolver.outcome gives them; None
    if the answer is not a plain one."""
    rcode = data[3] & 0x0F
    if data[2] & 0x02 or rcode not in (NOERROR, NXDOMAIN):  # truncated, or a failure
        return None
    counts = [int.from_bytes(data[i : i + 2], "big") for i in (6, 8, 10)]
    answers: dict[tuple[bytes, int], list[tuple[str, bytes]]] = {}
    at = 12 + len(asked)
    for index in range(sum(counts)):
        owner = _name(data, at, len(data))
        if owner is None or owner[1] + 10 > len(data):
            return None
        at = owner[1]
        rtype = int.from_bytes(data[at : at + 2], "big")
        rclass = int.from_bytes(data[at + 2 : at + 4], "big")
        end = at + 10 + int.from_bytes(data[at + 8 : at + 10], "big")
        record = _rdata(data, rtype, at + 10, end) if rclass == 1 and end <= len(data) else None
        if record is None:
            return None
        if index < counts[0]:
            same = answers.setdefault((owner[0].lower(), rtype), [])
            if same and (rtype == CNAME or any(record[1] == other[1] for other in same)):
                return None  # dnspython merges duplicates and keeps one CNAME: let it
            same.append(record)
        at = end
    if at != len(data):
        return None  # trailing bytes: dnspython refuses them
    if rcode == NXDOMAIN:
        return Outcome.NXDOMAIN, (), ""
    return _chase(asked, answers)


def _chase(asked: bytes, answers: dict[tuple[bytes, int], list[tuple[str, bytes]]]) -> Read | None:
    """Follows CNAMEs from the question's name to the records of the type asked, as
    dnspython's resolve_chaining does."""
    qtype = int.from_bytes(asked[-4:-2], "big")
    question = _name(asked, 0, len(asked) - 4)
    if question is None or qtype not in (A, AAAA, CNAME, MX, TXT):
        return None
    key = asked_name = question[0].lower()
    via = ""
    for _ in range(MAX_HOPS):
        found = answers.get((key, qtype))
        if found:
            records = tuple(sorted(text for text, _ in found))
            return Outcome.ANSWER, records, "" if key == asked_name else f"via {via}"
        cname = answers.get((key, CNAME))
        if qtype == CNAME or not cname:
            return Outcome.NODATA, (), ""
        via, key = cname[0][0], cname[0][1]  # one only (see read)
    return None  # a long chain: dnspython decides whether it is too long
