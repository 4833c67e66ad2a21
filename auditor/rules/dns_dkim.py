"""Requires a usable DKIM key at the sender domain for one of the expected selectors.

Without a DKIM signature mail cannot align for DMARC through DKIM, and bulk senders to Gmail,
Yahoo and Outlook.com must sign; a revoked (`p=`) or short key fails as surely as a missing one.

Options:
  selectors: selectors to look up at `<selector>._domainkey.<domain>` (default by account
    type: GMAIL `google`, OUTLOOK `selector1` and `selector2`; other types must configure them,
    else the finding is inconclusive).
  min_key_bits: the shortest RSA key accepted (default 1024).

Example:
  - rule: dns-dkim
    only: {type: [SMTP]}
    selectors: [s1, mail]
    min_key_bits: 2048
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

from pydantic import Field

from auditor.dns.checks import Problem, find_dkim
from auditor.dns.evidence import Evidence
from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules.base import DnsRule, DomainViolation, wire_path
from auditor.rules.fleet import by_sender_domain, report, selectors_for

REMEDIATION = (
    "Turn on DKIM signing at the mail provider and publish its key (2048-bit) at "
    "<selector>._domainkey.<domain>; set `selectors` for providers without a known default."
)
FIELD = wire_path("from_email")


class Options(EntryBase):
    selectors: list[str] | None = None
    min_key_bits: Annotated[int, Field(ge=512)] = 1024


NO_SELECTOR = Problem(
    None,
    "a DKIM selector to look up",
    "no DKIM selector is known for these accounts' type: set `selectors`",
    inconclusive=True,
)


def check(
    accounts: Sequence[EmailAccount], options: Options, evidence: Evidence
) -> Iterator[DomainViolation]:
    for domain, members in by_sender_domain(accounts).items():
        selectors = selectors_for(members, options.selectors)
        if not selectors:
            yield from report(str(domain), members, FIELD, [NO_SELECTOR])
            continue
        found = find_dkim(str(domain), selectors, evidence, options.min_key_bits)
        yield from report(str(domain), members, FIELD, found.problems)


# Scoped: a narrower entry (SMTP accounts with their own selectors) replaces the default for them.
RULE = DnsRule("dns-dkim", Options, check, REMEDIATION, __doc__, scoped=True)
