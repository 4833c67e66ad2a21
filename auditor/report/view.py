"""Derived figures that several formats show, computed once (templates stay logic-free)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from auditor.models import AuditResult, Finding, FindingStatus, RuleInfo


@dataclass(frozen=True)
class RuleGroup:
    """One policy entry with its findings, for per-rule sections and tables."""

    info: RuleInfo
    findings: tuple[Finding, ...]

    @property
    def open(self) -> int:
        return sum(1 for f in self.findings if f.status is FindingStatus.OPEN)

    @property
    def waived(self) -> int:
        return sum(1 for f in self.findings if f.status is FindingStatus.WAIVED)

    @property
    def accounts_failing(self) -> int:
        return len({f.account_id for f in self.findings if f.status is FindingStatus.OPEN})


def rule_groups(result: AuditResult) -> list[RuleGroup]:
    """Entries in policy order, then policy-level groups (waiver-*) that have findings."""
    by_id: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_id[finding.id].append(finding)
    groups = [RuleGroup(info, tuple(by_id.pop(info.id, ()))) for info in result.rules]
    for rule_id, findings in sorted(by_id.items()):
        first = findings[0]
        info = RuleInfo(
            id=rule_id, rule=first.rule, severity=first.severity,
            description="Waivers that need attention.",
            rationale="An exception is only trustworthy while someone keeps it current.",
            remediation="Renew the waiver with a new date and reason, or remove it.",
            policy=first.policy,
        )
        groups.append(RuleGroup(info, tuple(findings)))
    return groups
