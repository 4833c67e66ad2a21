"""Requires each custom tracking domain to be a CNAME to an allowed tracking host.

A tracking domain without its CNAME breaks every tracked link and open pixel of the accounts
using it; one pointing elsewhere sends recipients' clicks to a host SmartLead does not run.

Options:
  targets: shell globs the CNAME target must match (default SmartLead's documented tracking
    host, `open.sleadtrack.com`).

Example:
  - rule: tracking-cname
    targets: [open.sleadtrack.com, "*.sleadtrack.com"]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cached_property

from pydantic import Field

from auditor.dns.checks import Problem, cname_target
from auditor.dns.evidence import Evidence
from auditor.dns.names import normalize
from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase, compile_globs
from auditor.rules.base import DnsRule, DomainViolation, wire_path
from auditor.rules.fleet import group_by, report

REMEDIATION = (
    "Create a CNAME record from the tracking domain to the host shown in SmartLead's settings "
    "(open.sleadtrack.com in public guides)."
)
FIELD = wire_path("custom_tracking_domain")
DEFAULT_TARGETS = ["open.sleadtrack.com"]


class Options(EntryBase):
    targets: list[str] = Field(default_factory=lambda: list(DEFAULT_TARGETS))

    @cached_property
    def _targets(self) -> re.Pattern[str]:
        return compile_globs([t.lower() for t in self.targets])

    def allows(self, target: str) -> bool:
        return bool(self._targets.match(target))


def tracking_domains(accounts: Sequence[EmailAccount]) -> list[str | None]:
    return [
        normalize(a.custom_tracking_domain) if a.custom_tracking_domain else None for a in accounts
    ]


def check(
    accounts: Sequence[EmailAccount], options: Options, evidence: Evidence
) -> Iterator[DomainViolation]:
    for domain, members in group_by(accounts, tracking_domains(accounts)).items():
        name = str(domain)
        target, failed = cname_target(name, evidence)
        allowed = ", ".join(options.targets)
        if failed is not None:
            found = [failed]
        elif target is None:
            found = [Problem(None, f"a CNAME to {allowed}", f"{name} has no CNAME")]
        elif not options.allows(target):
            found = [Problem(target, allowed, f"{name} is a CNAME to {target}, not {allowed}")]
        else:
            found = []
        yield from report(name, members, FIELD, found)


RULE = DnsRule("tracking-cname", Options, check, REMEDIATION, __doc__)
