"""What a run comes to, in a few lines: the verdict, the findings per rule, the worst accounts and
a sample of findings spread over the rules.

Shared by the console report (stdout) and the summary every other run prints on stderr, so a red
CI job always says why. Figures only: the callers lay them out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import chain, zip_longest

from auditor.model.result import AuditResult, Finding, FindingStatus, Severity
from auditor.report.view import rule_groups


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 waiver``, ``2 waivers``, ``3 rule entries`` (with ``many``)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


VERDICT_PREFIX = "SmartLead audit: "


def verdict_word(result: AuditResult) -> str:
    return "PASS" if result.summary.passed else "FAIL"


def verdict_detail(result: AuditResult) -> str:
    """The figures after the verdict: accounts, open findings by severity, waived, baseline."""
    s = result.summary
    opened = ", ".join(f"{s.open[level]} {level.value}" for level in Severity)
    extra = f", {s.baseline} in baseline" if s.baseline else ""
    return (
        f"  {plural(s.accounts, 'account')}, {s.accounts_failing} failing; open: {opened}; "
        f"{s.waived} waived{extra} (fail on {s.fail_on.value})"
    )


def verdict(result: AuditResult) -> str:
    """One line: ``SmartLead audit: FAIL  30 accounts, 12 failing; open: ...``."""
    return VERDICT_PREFIX + verdict_word(result) + verdict_detail(result)


@dataclass(frozen=True)
class RuleRow:
    """One line of the per-rule table."""

    rule: str
    severity: Severity
    open: int
    waived: int
    accounts: int  # accounts with an open finding of the rule


def rule_rows(result: AuditResult) -> list[RuleRow]:
    """Rules with any finding, worst first: severity, then open findings, then the id."""
    rows = [
        RuleRow(g.info.id, g.info.severity, g.open, g.waived, g.accounts_failing)
        for g in rule_groups(result)
        if g.findings
    ]
    return sorted(rows, key=lambda r: (-r.severity.rank, -r.open, r.rule))


@dataclass(frozen=True)
class AccountRow:
    account_id: int | None
    email: str | None
    open: int


def worst_accounts(result: AuditResult, limit: int) -> list[AccountRow]:
    """The accounts with the most open findings, most first (ties: by account id)."""
    counts: Counter[int | None] = Counter()
    emails: dict[int | None, str | None] = {}
    for finding in result.findings:
        if finding.status is FindingStatus.OPEN and finding.account_id is not None:
            counts[finding.account_id] += 1
            emails.setdefault(finding.account_id, finding.email)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0] or 0))[:limit]
    return [AccountRow(account, emails[account], count) for account, count in ranked]


def sample(result: AuditResult, limit: int) -> list[Finding]:
    """Up to ``limit`` open findings taken in turn from each rule (worst rule first), so one
    rule with thousands of findings does not fill the screen on its own."""
    order = {row.rule: index for index, row in enumerate(rule_rows(result))}
    by_rule: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if finding.status is FindingStatus.OPEN:
            shown = by_rule.setdefault(finding.id, [])
            if len(shown) < limit:  # no rule can give more than the whole sample
                shown.append(finding)
    columns = [by_rule[rule] for rule in sorted(by_rule, key=lambda r: order.get(r, len(order)))]
    turns = chain.from_iterable(zip_longest(*columns))
    return [f for f in turns if f is not None][:limit]
