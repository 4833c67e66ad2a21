"""Requires one valid SPF record per sender domain, within the DNS lookup limit.

Mailbox providers reject or junk mail whose SPF cannot pass; more than one record, a syntax
error, more than 10 DNS-querying terms through includes and redirects, or more than 2 void
lookups make SPF a permanent error (RFC 7208), and `+all` or `?all` vouch for anyone.

Options:
  require_include: include targets the record must reach, directly or through includes
    (optional, e.g. `_spf.google.com` for Google Workspace senders).
  max_lookups: the most DNS-querying terms allowed (default 10, as RFC 7208 §4.6.4).

Example:
  - rule: dns-spf
    only: {type: [GMAIL]}
    require_include: [_spf.google.com]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

from pydantic import Field

from auditor.dns.checks import Problem
from auditor.dns.evidence import Evidence
from auditor.dns.spf import MAX_VOID, SpfResult, evaluate_spf
from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import DnsRule, DomainViolation, wire_path
from auditor.rules.fleet import by_sender_domain, report

REMEDIATION = (
    "Publish exactly one TXT record starting v=spf1 at the sender domain, ending in ~all or -all, "
    "with the provider's include; flatten includes if it needs more than 10 lookups."
)
FIELD = wire_path("from_email")


class Options(EntryBase):
    require_include: list[str] | None = None
    max_lookups: Annotated[int, Field(ge=1)] = 10


def problems(result: SpfResult, options: Options) -> list[Problem]:
    domain, found = result.domain, list[Problem]()
    found.extend(Problem(u, "an answer", f"could not look up {u}", True) for u in result.unknown)
    if result.record is None and result.unknown and result.count == 0:
        return found
    if result.count == 0:
        return [Problem(None, "an SPF record", f"no SPF record (TXT v=spf1) at {domain}")]
    if result.count > 1:
        return [Problem(f"{result.count} records", "one SPF record", "more than one SPF record")]
    text = result.record.text if result.record else None
    found.extend(Problem(text, "a valid SPF record", f"SPF error: {e}") for e in result.errors)
    if result.all_qualifier in ("+", "?"):
        shown = f"{result.all_qualifier}all"
        found.append(Problem(text, "~all or -all", f"SPF ends in {shown}: it vouches for anyone"))
    if result.lookups > options.max_lookups:
        found.append(
            Problem(
                f"more than {options.max_lookups} lookups",
                f"<= {options.max_lookups} lookups",
                f"SPF needs more than {options.max_lookups} DNS lookups (RFC 7208 §4.6.4)",
            )
        )
    if result.voids > MAX_VOID:
        found.append(
            Problem(
                f"{result.voids} void lookups",
                f"<= {MAX_VOID} void lookups",
                f"SPF has {result.voids} void lookups (RFC 7208 §4.6.4)",
            )
        )
    for required in options.require_include or []:
        if required.lower().rstrip(".") not in result.includes:
            found.append(Problem(text, f"include:{required}", f"SPF does not include {required}"))
    return found


def check(
    accounts: Sequence[EmailAccount], options: Options, evidence: Evidence
) -> Iterator[DomainViolation]:
    for domain, members in by_sender_domain(accounts).items():
        result = evaluate_spf(str(domain), evidence, options.max_lookups)
        yield from report(str(domain), members, FIELD, problems(result, options))


RULE = DnsRule("dns-spf", Options, check, REMEDIATION, __doc__)
