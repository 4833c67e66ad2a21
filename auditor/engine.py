"""Evaluate a policy against an inventory: pure, no I/O, no printing, no clock.

The caller passes ``now`` so that waiver expiry is reproducible in tests and reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from auditor import __version__
from auditor.models import (
    AuditResult,
    EmailAccount,
    FailOn,
    Finding,
    FindingStatus,
    Inventory,
    RuleInfo,
    Severity,
    Summary,
)
from auditor.policy.loader import Policy, PolicyEntry, WaiverEntry
from auditor.rules import RULES

WAIVER_EXPIRED = "waiver-expired"
WAIVER_UNUSED = "waiver-unused"


def evaluate(
    policy: Policy, inventory: Inventory, *, fail_on: FailOn, now: datetime
) -> AuditResult:
    today = now.date()
    active = [w for w in policy.waivers if w.waiver.expires >= today]
    used: set[int] = set()
    findings: list[Finding] = []
    for entry in policy.entries:
        findings.extend(_check_entry(entry, inventory.accounts, active, used))
    findings.extend(_waiver_findings(policy.waivers, active, used, today))
    findings.sort(key=lambda f: f.sort_key)
    return AuditResult(
        tool_version=__version__,
        generated_at=now,
        today=today,
        inventory=inventory.info,
        accounts=inventory.accounts,
        policy_files=policy.files,
        rules=tuple(_rule_info(entry) for entry in policy.entries),
        findings=tuple(findings),
        summary=summarize(findings, len(inventory.accounts), fail_on),
    )


def _check_entry(
    entry: PolicyEntry,
    accounts: Iterable[EmailAccount],
    waivers: list[WaiverEntry],
    used: set[int],
) -> Iterable[Finding]:
    spec = RULES[entry.rule]
    options = entry.options
    for account in accounts:
        if not options.applies_to(account):
            continue
        violations = spec.check(account, options)
        if not violations:
            continue
        waiver = _first_covering(waivers, account, entry.id)
        if waiver is not None:
            used.add(id(waiver))
        for violation in violations:
            yield Finding(
                id=entry.id,
                rule=entry.rule,
                severity=entry.severity,
                status=FindingStatus.OPEN if waiver is None else FindingStatus.WAIVED,
                account_id=account.id,
                email=account.from_email,
                field=violation.field,
                actual=violation.actual,
                expected=violation.expected,
                message=violation.message,
                policy=entry.where,
                waiver=None
                if waiver is None
                else f"{waiver.waiver.reason} (until {waiver.waiver.expires}, {waiver.where})",
            )


def _first_covering(
    waivers: list[WaiverEntry], account: EmailAccount, entry_id: str
) -> WaiverEntry | None:
    return next((w for w in waivers if w.waiver.covers(account, entry_id)), None)


def _waiver_findings(
    waivers: Iterable[WaiverEntry], active: list[WaiverEntry], used: set[int], today: object
) -> Iterable[Finding]:
    active_ids = {id(w) for w in active}
    for item in waivers:
        waiver = item.waiver
        if id(item) not in active_ids:
            yield _policy_finding(
                WAIVER_EXPIRED,
                Severity.WARNING,
                item,
                f"waiver expired on {waiver.expires} and waives nothing any more: {waiver.reason}",
                actual=str(waiver.expires),
                expected=f">= {today}",
            )
        elif id(item) not in used:
            yield _policy_finding(
                WAIVER_UNUSED,
                Severity.INFO,
                item,
                f"waiver matched no finding; remove it if the exception is over: {waiver.reason}",
                actual="unused",
                expected="used",
            )


def _policy_finding(
    rule_id: str, severity: Severity, item: WaiverEntry, message: str, *, actual: str, expected: str
) -> Finding:
    return Finding(
        id=rule_id,
        rule=rule_id,
        severity=severity,
        status=FindingStatus.OPEN,
        account_id=None,
        email=None,
        field="expires" if rule_id == WAIVER_EXPIRED else None,
        actual=actual,
        expected=expected,
        message=message,
        policy=item.where,
    )


def summarize(findings: Iterable[Finding], accounts: int, fail_on: FailOn) -> Summary:
    """``accounts_failing`` counts accounts with an open finding that fails the run."""
    open_counts = dict.fromkeys(Severity, 0)
    waived = 0
    failing: set[int] = set()
    passed = True
    for finding in findings:
        if finding.status is FindingStatus.WAIVED:
            waived += 1
            continue
        open_counts[finding.severity] += 1
        if fail_on.fails(finding.severity):
            passed = False
            if finding.account_id is not None:
                failing.add(finding.account_id)
    return Summary(
        accounts=accounts,
        accounts_failing=len(failing),
        passed=passed,
        fail_on=fail_on,
        open=open_counts,
        waived=waived,
    )


def _rule_info(entry: PolicyEntry) -> RuleInfo:
    spec = RULES[entry.rule]
    return RuleInfo(
        id=entry.id,
        rule=entry.rule,
        severity=entry.severity,
        description=spec.description,
        remediation=spec.remediation,
        policy=entry.where,
    )
