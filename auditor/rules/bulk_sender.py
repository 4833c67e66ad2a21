"""Holds organizational domains sending 5,000+ messages a day to the bulk-sender rules.

Google and Yahoo (since February 2024) and Microsoft (since May 2025) require bulk senders, counted
per organizational domain with its subdomains, to have SPF and DKIM, a DMARC record of at least
p=none and the From domain aligned with SPF or DKIM; Gmail rejects failing mail since November 2025.

Options:
  threshold: summed `message_per_day` of an organizational domain's accounts from which it is a
    bulk sender (default 5000).
  providers: the mailbox providers whose rules are cited (default google, yahoo, microsoft).
  selectors: DKIM selectors to look up (default by account type, as dns-dkim).

Example:
  - rule: bulk-sender
    threshold: 5000
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Literal

from pydantic import Field

from auditor.dns.checks import Problem, find_dkim, find_dmarc
from auditor.dns.evidence import Evidence
from auditor.dns.names import org_domain
from auditor.dns.spf import evaluate_spf
from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import DnsRule, DomainViolation, wire_path
from auditor.rules.fleet import by_sender_domain, group_by, report, selectors_for

REMEDIATION = (
    "Give every sender domain of the organization SPF, DKIM and a DMARC record (p=none at "
    "least), with the From domain aligned; or lower its daily volume below the threshold."
)
FIELD = wire_path("from_email")
Provider = Literal["google", "yahoo", "microsoft"]
PROVIDERS: tuple[Provider, ...] = ("google", "yahoo", "microsoft")


class Options(EntryBase):
    threshold: Annotated[int, Field(ge=1)] = 5000
    providers: list[Provider] = Field(default_factory=lambda: list(PROVIDERS))
    selectors: list[str] | None = None


def sender_problems(
    domain: str, members: Sequence[EmailAccount], options: Options, evidence: Evidence
) -> list[Problem]:
    """What one sender domain of a bulk organization lacks (relaxed alignment: a DKIM key at
    the From domain, or SPF at it, aligns with the From domain by construction)."""
    spf = evaluate_spf(domain, evidence)
    selectors = selectors_for(members, options.selectors)
    dkim = find_dkim(domain, selectors, evidence) if selectors else None
    dmarc = find_dmarc(domain, evidence)
    lacks, unknown = [], []
    if spf.unknown:
        unknown.append("SPF")
    elif not spf.valid:
        lacks.append("SPF")
    if dkim is None or (any(p.inconclusive for p in dkim.problems) and not dkim.usable):
        unknown.append("DKIM")
    elif not dkim.usable:
        lacks.append("DKIM")
    if any(p.inconclusive for p in dmarc.problems):
        unknown.append("DMARC")
    elif dmarc.policy is None:
        lacks.append("DMARC p=none or stricter")
    if "SPF" in lacks and "DKIM" in lacks:
        lacks.append("alignment")
    expected = "SPF, DKIM, DMARC (p=none or stricter), aligned"
    found = []
    if lacks:
        found.append(Problem(", ".join(lacks), expected, f"lacks {', '.join(lacks)}"))
    if unknown:
        found.append(Problem(", ".join(unknown), expected, f"unknown: {', '.join(unknown)}", True))
    return found


def check(
    accounts: Sequence[EmailAccount], options: Options, evidence: Evidence
) -> Iterator[DomainViolation]:
    orgs = [org_domain(a.sender_domain) if a.sender_domain else None for a in accounts]
    who = ", ".join(p.capitalize() for p in options.providers)
    for org, members in group_by(accounts, orgs).items():
        total = sum(a.message_per_day or 0 for a in members)
        if total < options.threshold:
            continue
        for domain, senders in by_sender_domain(members).items():
            found = [
                problem.with_message(
                    f"bulk sender ({org} sends {total}/day, {who} rules): {problem.message}"
                )
                for problem in sender_problems(str(domain), senders, options, evidence)
            ]
            yield from report(str(domain), senders, FIELD, found)


RULE = DnsRule("bulk-sender", Options, check, REMEDIATION, __doc__)
