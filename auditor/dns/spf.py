"""The SPF lookup count (RFC 7208 §4.6.4) walked through includes and redirects over evidence.

Counts what check_host() would: each include, a, mx, ptr, exists and redirect term costs one
query; a query answering NXDOMAIN or no records is a void lookup (at most 2). Terms with macros
(`%{i}`) depend on the connecting client and are counted but not followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.dns.evidence import Answer, Evidence, Outcome
from auditor.dns.records import SPF_LOOKUP_TERMS, SpfRecord, is_spf, parse_spf

MAX_VOID = 2
_QUERY_TYPE = {"include": "TXT", "redirect": "TXT", "a": "A", "mx": "MX", "exists": "A"}


@dataclass
class SpfResult:
    domain: str
    record: SpfRecord | None = None
    count: int = 0  # SPF records at the domain
    lookups: int = 0
    voids: int = 0
    includes: list[str] = field(default_factory=list)  # every include/redirect target, in order
    errors: list[str] = field(default_factory=list)  # permanent errors (facts)
    unknown: list[str] = field(default_factory=list)  # lookups that timed out or failed
    all_qualifier: str | None = None
    limit: int = 10

    @property
    def valid(self) -> bool:
        """A single record with no permanent error (syntax, lookup limits): SPF can pass."""
        return (
            self.record is not None
            and self.count == 1
            and not self.errors
            and self.lookups <= self.limit
            and self.voids <= MAX_VOID
        )


def spf_records(answer: Answer) -> list[str]:
    return [text for text in answer.records if is_spf(text)] if answer.exists else []


def evaluate_spf(domain: str, evidence: Evidence, max_lookups: int = 10) -> SpfResult:
    result = SpfResult(domain, limit=max_lookups)
    top = evidence.get(domain, "TXT")
    if not top.outcome.conclusive:
        result.unknown.append(f"TXT {domain}: {top.outcome.value}")
        return result
    texts = spf_records(top)
    result.count = len(texts)
    if len(texts) != 1:
        return result
    result.record = parse_spf(texts[0])
    walker = _Walker(evidence, max_lookups, result)
    walker.walk(result.record, domain, depth=0, top=True)
    return result


class _Walker:
    def __init__(self, evidence: Evidence, limit: int, result: SpfResult) -> None:
        self.evidence, self.limit, self.result = evidence, limit, result
        self.visiting: set[str] = set()

    def walk(self, record: SpfRecord, domain: str, depth: int, top: bool) -> None:
        result = self.result
        result.errors.extend(f"{domain}: {e}" for e in record.errors)
        self.visiting.add(domain)
        try:
            self._terms(record, domain, depth, top)
        finally:
            self.visiting.discard(domain)  # a diamond (two includes of one name) is no loop
        if top and result.all_qualifier is None and record.all is not None:
            result.all_qualifier = record.all.qualifier

    def _terms(self, record: SpfRecord, domain: str, depth: int, top: bool) -> None:
        result = self.result
        for term in record.terms:
            if term.name not in SPF_LOOKUP_TERMS or (term.modifier and term.name != "redirect"):
                continue
            if term.name == "redirect" and record.all is not None:
                continue  # ignored when the record has an all mechanism (§6.1)
            result.lookups += 1
            if result.lookups > self.limit:
                return  # check_host() stops with permerror; the count says "more than"
            if term.name in ("include", "exists", "redirect") and not term.value:
                continue  # a syntax error already reported: nothing to follow
            target = (term.value or domain).split("/")[0].rstrip(".").lower()
            if term.name in ("include", "redirect"):
                result.includes.append(target)
            if "%" in target or term.name == "ptr":
                continue  # depends on the client: counted, not followed
            answer = self.evidence.get(target, _QUERY_TYPE[term.name])
            if not answer.outcome.conclusive:
                result.unknown.append(f"{answer.type} {target}: {answer.outcome.value}")
                continue
            if answer.outcome in (Outcome.NXDOMAIN, Outcome.NODATA) or not answer.records:
                result.voids += 1
            if term.name in ("include", "redirect"):
                self._follow(term.name, target, answer, depth, top)

    def _follow(self, kind: str, target: str, answer: Answer, depth: int, top: bool) -> None:
        result = self.result
        texts = spf_records(answer)
        if len(texts) != 1:
            what = "no SPF record" if not texts else f"{len(texts)} SPF records"
            result.errors.append(f"{kind} {target}: {what}")
            return
        if target in self.visiting:
            result.errors.append(f"{kind} {target}: loops back")
            return
        # A redirect replaces the record: its all decides the outcome of the top record.
        self.walk(parse_spf(texts[0]), target, depth + 1, top=top and kind == "redirect")
