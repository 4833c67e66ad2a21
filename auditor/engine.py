"""Evaluate a policy against an inventory: pure, no I/O, no printing, no clock.

The caller passes ``now`` so that waiver expiry is reproducible in tests and reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import NamedTuple

from auditor import __version__
from auditor.dns import summary as dns_summary
from auditor.dns.evidence import Evidence
from auditor.model.account import EmailAccount, Inventory
from auditor.model.entry import AccountIndex
from auditor.model.result import (
    AuditResult,
    FailOn,
    Finding,
    FindingStatus,
    RuleInfo,
    Severity,
    Summary,
    Waived,
    WaiverRecord,
    WaiverState,
    finding_order,
)
from auditor.policy.loader import Policy, PolicyEntry, WaiverEntry
from auditor.policy.waivers import WaiverIndex
from auditor.rules import RULES, DnsRule, Violation

WAIVER_EXPIRED = "waiver-expired"
WAIVER_EXPIRING = "waiver-expiring"
WAIVER_UNUSED = "waiver-unused"


BaselineKey = tuple[str, int | None]  # (entry id, account id)


def evaluate(
    policy: Policy,
    inventory: Inventory,
    *,
    fail_on: FailOn,
    now: datetime,
    baseline: frozenset[BaselineKey] = frozenset(),
    evidence: Evidence | None = None,
    inconclusive_fails: bool = True,
    skip_dns: bool = False,
) -> AuditResult:
    """`baseline`: findings already known (from an earlier report) are marked `baseline`
    instead of `open`, so only new findings fail the run. `evidence`: the DNS answers the DNS
    rules judge (required when the policy has one; a lookup it lacks raises `MissingEvidence`).
    `inconclusive_fails`: a DNS finding whose lookup failed fails the run like an open one.
    `skip_dns`: leave DNS entries out, said explicitly (settings drift, policy test cases), so
    that no caller skips them by forgetting the evidence."""
    if evidence is None and not skip_dns and uses_dns(policy):
        raise ValueError("the policy has DNS rules: pass the DNS evidence (or skip_dns=True)")
    today = now.date()
    waivers = WaiverIndex(policy.waivers, today)
    used: dict[int, int] = defaultdict(int)  # index in policy.waivers -> findings waived
    findings: list[Finding] = []
    scope = applicable_accounts(policy.entries, inventory.accounts)
    for entry in policy.entries:
        # The entry's id, rule, severity and location are properties (`where` formats a string):
        # read them once per entry rather than once per finding.
        fixed = _EntryFields(entry.id, entry.rule, entry.severity, entry.where)
        waivable = waivers.may_cover(entry.id)  # decided once per entry, not per finding
        rule = RULES[entry.rule]
        if isinstance(rule, DnsRule):
            if evidence is None:
                continue  # skip_dns: checked above
            for found in rule.judge(scope[entry.id], entry.options, evidence):
                index = waivers.covering(found.account, fixed.id) if waivable else None
                waiver = None
                if index is not None:
                    waiver = policy.waivers[index]
                    used[index] += 1
                finding = _finding(fixed, found.account, found.violation, waiver)
                status = FindingStatus.INCONCLUSIVE if found.inconclusive else finding.status
                findings.append(
                    finding._replace(
                        domain=found.domain, status=finding.status if waiver is not None else status
                    )
                )
            continue
        for account, violation in RULES[entry.rule].violations(scope[entry.id], entry.options):
            index = waivers.covering(account, fixed.id) if waivable else None
            waiver = None
            if index is not None:
                waiver = policy.waivers[index]
                used[index] += 1
            findings.append(_finding(fixed, account, violation, waiver))
    register = _register(policy, used, today)
    findings.extend(_waiver_findings(register, today))
    if baseline:
        findings = [_against_baseline(f, baseline) for f in findings]
    findings.sort(key=finding_order)
    return AuditResult(
        tool_version=__version__,
        generated_at=now,
        today=today,
        inventory=inventory.info,
        accounts=inventory.accounts,
        policy_files=policy.files,
        rules=tuple(_rule_info(entry) for entry in policy.entries),
        findings=tuple(findings),
        summary=summarize(findings, len(inventory.accounts), fail_on, inconclusive_fails),
        waivers=register,
        checked={entry_id: tuple(accounts) for entry_id, accounts in scope.items()},
        dns=None
        if evidence is None
        else dns_summary.build(
            inventory.accounts, evidence, _bulk_threshold(policy), _dkim_selectors(policy)
        ),
    )


def _bulk_threshold(policy: Policy) -> int:
    """The Domains table's bulk-sender mark follows the policy's bulk-sender entry, if any."""
    for entry in policy.entries:
        threshold = getattr(entry.options, "threshold", None)
        if entry.rule == "bulk-sender" and isinstance(threshold, int):
            return threshold
    return dns_summary.BULK_THRESHOLD


def _dkim_selectors(policy: Policy) -> list[str]:
    selectors: dict[str, None] = {}
    for entry in policy.entries:
        if entry.rule == "dns-dkim":
            selectors.update(dict.fromkeys(getattr(entry.options, "selectors", None) or []))
    return list(selectors)


def uses_dns(policy: Policy) -> bool:
    """Whether any entry of the policy judges DNS evidence."""
    return any(isinstance(RULES[entry.rule], DnsRule) for entry in policy.entries)


def applicable_accounts(
    entries: Sequence[PolicyEntry], accounts: Sequence[EmailAccount]
) -> dict[str, list[EmailAccount]]:
    """Which accounts each entry checks. Entries of one scoped rule compete per account: only
    the most specific matching ones apply (an account entry beats a client entry beats a tag
    entry beats a default), so thresholds can be set broadly and refined narrowly."""
    index = AccountIndex(accounts)
    by_rule: dict[str, list[PolicyEntry]] = defaultdict(list)
    for entry in entries:
        by_rule[entry.rule].append(entry)
    scope: dict[str, list[EmailAccount]] = {entry.id: [] for entry in entries}  # policy order
    for rule, group in by_rule.items():
        chosen = {entry.id: entry.options.positions(index) for entry in group}
        if len(group) > 1 and RULES[rule].scoped:
            # The best rank choosing each account (by position): narrower entries come last and
            # overwrite, so each account an entry chose is visited once, not once per entry.
            rank = {entry.id: entry.options.specificity for entry in group}
            best: dict[int, int] = {}
            for entry_id in sorted(rank, key=rank.__getitem__):
                best.update(dict.fromkeys(chosen[entry_id], rank[entry_id]))
            chosen = {
                entry_id: {p for p in positions if best[p] == rank[entry_id]}
                for entry_id, positions in chosen.items()
            }
        for entry in group:
            scope[entry.id] = index.accounts_at(chosen[entry.id])
    return scope


class _EntryFields(NamedTuple):
    """What every finding of one entry shares."""

    id: str
    rule: str
    severity: Severity
    where: str


def _finding(
    entry: _EntryFields, account: EmailAccount, violation: Violation, waiver: WaiverEntry | None
) -> Finding:
    return Finding(  # positional: this runs once per finding
        entry.id,
        entry.rule,
        entry.severity,
        FindingStatus.OPEN if waiver is None else FindingStatus.WAIVED,
        account.id,
        account.from_email,
        violation.field,
        violation.actual,
        violation.expected,
        violation.message,
        entry.where,
        None
        if waiver is None
        else Waived(waiver.waiver.reason, waiver.waiver.expires, waiver.where),
    )


def _against_baseline(finding: Finding, baseline: frozenset[BaselineKey]) -> Finding:
    if finding.status is FindingStatus.OPEN and (finding.id, finding.account_id) in baseline:
        return finding._replace(status=FindingStatus.BASELINE)
    return finding


def _register(policy: Policy, used: dict[int, int], today: date) -> tuple[WaiverRecord, ...]:
    warn_days = policy.waiver_policy.warn_days
    records = []
    for index, item in enumerate(policy.waivers):
        waiver = item.waiver
        if waiver.expires < today:
            state = WaiverState.EXPIRED
        elif (waiver.expires - today).days <= warn_days:
            state = WaiverState.EXPIRING
        else:
            state = WaiverState.ACTIVE
        records.append(
            WaiverRecord(
                accounts=tuple(waiver.accounts),
                rules=None if waiver.rules is None else tuple(waiver.rules),
                reason=waiver.reason,
                expires=waiver.expires,
                created=waiver.created,
                owner=waiver.owner,
                ticket=waiver.ticket,
                approved_by=waiver.approved_by,
                policy=item.where,
                state=state,
                used=used.get(index, 0),
            )
        )
    return tuple(records)


def _waiver_findings(register: Iterable[WaiverRecord], today: date) -> Iterator[Finding]:
    for record in register:
        if record.state is WaiverState.EXPIRED:
            yield _policy_finding(
                WAIVER_EXPIRED,
                Severity.WARNING,
                record,
                f"waiver expired on {record.expires} and waives nothing any more: {record.reason}",
                actual=str(record.expires),
                expected=f">= {today}",
            )
            continue
        if record.state is WaiverState.EXPIRING:
            days = (record.expires - today).days
            yield _policy_finding(
                WAIVER_EXPIRING,
                Severity.INFO,
                record,
                f"waiver expires in {days} day{'s' if days != 1 else ''} ({record.expires}): "
                f"renew it or fix what it covers: {record.reason}",
                actual=str(record.expires),
                expected=f"> {days} days away",
            )
        if record.used == 0:
            yield _policy_finding(
                WAIVER_UNUSED,
                Severity.INFO,
                record,
                f"waiver matched no finding; remove it if the exception is over: {record.reason}",
                actual="unused",
                expected="used",
            )


def _policy_finding(
    rule_id: str,
    severity: Severity,
    record: WaiverRecord,
    message: str,
    *,
    actual: str,
    expected: str,
) -> Finding:
    return Finding(
        id=rule_id,
        rule=rule_id,
        severity=severity,
        status=FindingStatus.OPEN,
        account_id=None,
        email=None,
        field="expires" if rule_id != WAIVER_UNUSED else None,
        actual=actual,
        expected=expected,
        message=message,
        policy=record.policy,
    )


def summarize(
    findings: Iterable[Finding], accounts: int, fail_on: FailOn, inconclusive_fails: bool = True
) -> Summary:
    """``accounts_failing`` counts accounts with an open finding that fails the run; an
    inconclusive one counts like an open one unless ``inconclusive_fails`` is False."""
    open_counts = dict.fromkeys(Severity, 0)
    waived = known = inconclusive = 0
    failing: set[int] = set()
    passed = True
    failing_severities = {severity for severity in Severity if fail_on.fails(severity)}
    for finding in findings:
        if finding.status is FindingStatus.WAIVED:
            waived += 1
            continue
        if finding.status is FindingStatus.BASELINE:
            known += 1
            continue
        if finding.status is FindingStatus.INCONCLUSIVE:
            # Not open (no fact was found) but never a pass: it fails like an open finding.
            inconclusive += 1
            if inconclusive_fails and finding.severity in failing_severities:
                passed = False
                if finding.account_id is not None:
                    failing.add(finding.account_id)
            continue
        open_counts[finding.severity] += 1
        if finding.severity in failing_severities:
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
        baseline=known,
        inconclusive=inconclusive,
    )


def _rule_info(entry: PolicyEntry) -> RuleInfo:
    """The entry's own words first (`title`, `rationale`, `remediation`), then text generated
    for it (custom checks), then the rule's built-in text."""
    rule, options = RULES[entry.rule], entry.options
    return RuleInfo(
        id=entry.id,
        rule=entry.rule,
        severity=entry.severity,
        description=options.title or options.summary or rule.description,
        rationale=options.rationale or options.generated_rationale or rule.rationale,
        remediation=options.remediation or options.generated_remediation or rule.remediation,
        policy=entry.where,
    )
