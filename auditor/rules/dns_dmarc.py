"""Requires a DMARC record for each sender domain (its own or its organizational domain's).

Google, Yahoo and Microsoft require a DMARC record of at least `p=none` from bulk senders;
without one, receivers have no policy and reports never reach you (RFC 7489).

Options:
  min_policy: the weakest policy accepted: none (default), quarantine or reject.
  require_rua: the record must name an aggregate report address (rua=; default false).

Example:
  - rule: dns-dmarc
    min_policy: quarantine
    require_rua: true
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

from auditor.dns.checks import dmarc_problems
from auditor.dns.evidence import Evidence
from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import DnsRule, DomainViolation, wire_path
from auditor.rules.fleet import by_sender_domain, report

REMEDIATION = (
    "Publish a TXT record at _dmarc.<domain> such as 'v=DMARC1; p=none; rua=mailto:dmarc@<domain>' "
    "and tighten p= once reports show aligned mail."
)
FIELD = wire_path("from_email")


class Options(EntryBase):
    min_policy: Literal["none", "quarantine", "reject"] = "none"
    require_rua: bool = False


def check(
    accounts: Sequence[EmailAccount], options: Options, evidence: Evidence
) -> Iterator[DomainViolation]:
    for domain, members in by_sender_domain(accounts).items():
        found = dmarc_problems(str(domain), evidence, options.min_policy, options.require_rua)
        yield from report(str(domain), members, FIELD, found)


RULE = DnsRule("dns-dmarc", Options, check, REMEDIATION, __doc__)
