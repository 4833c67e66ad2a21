"""Requires an MX record for each sender domain, not null and not pointing at a CNAME.

Replies and bounces to a domain without MX have nowhere to go, and receivers check that a
sender domain can receive mail; an MX target that is a CNAME is forbidden (RFC 2181 §10.3).

Options:
  none beyond the common keys.

Example:
  - rule: dns-mx
    severity: warning
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from auditor.dns.checks import mx_problems
from auditor.dns.evidence import Evidence
from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import DnsRule, DomainViolation, wire_path
from auditor.rules.fleet import by_sender_domain, report

REMEDIATION = "Publish MX records for the sender domain pointing at the mail provider's hosts."
FIELD = wire_path("from_email")


class Options(EntryBase):
    pass


def check(
    accounts: Sequence[EmailAccount], options: Options, evidence: Evidence
) -> Iterator[DomainViolation]:
    for domain, members in by_sender_domain(accounts).items():
        yield from report(str(domain), members, FIELD, mx_problems(str(domain), evidence))


RULE = DnsRule("dns-mx", Options, check, REMEDIATION, __doc__)
