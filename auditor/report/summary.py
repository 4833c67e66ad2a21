"""What a run comes to, in a few lines: the verdict, the findings per rule, the worst accounts and
a sample of findings spread over the rules.

Shared by the console report (stdout) and the summary every other run prints on stderr, so a red
CI job always says why. Figures only: the callers lay them out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, compress, islice, zip_longest
from operator import attrgetter

from auditor.model.result import UNSETTLED, AuditResult, Finding, Severity
from auditor.report.view import RuleGroup, rule_groups


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
    extra += f", {s.inconclusive} inconclusive" if s.inconclusive else ""
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


@dataclass(frozen=True)
class AccountRow:
    account_id: int
    email: str | None
    open: int


class Digest:
    """The figures of one result, each computed once: at 200,000 findings a pass over them is a
    noticeable part of a run, so passes are few and made with C-level maps where they can be."""

    def __init__(self, result: AuditResult) -> None:
        self.result = result

    @cached_property
    def _groups(self) -> list[RuleGroup]:
        return [g for g in rule_groups(self.result) if g.findings]

    @cached_property
    def rows(self) -> list[RuleRow]:
        """Rules with any finding, worst first: severity, then open findings, then the id."""
        rows = [
            RuleRow(g.info.id, g.info.severity, g.open, g.waived, g.accounts_failing)
            for g in self._groups
        ]
        return sorted(rows, key=lambda r: (-r.severity.rank, -r.open, r.rule))

    @cached_property
    def _open(self) -> list[Finding]:
        findings = self.result.findings
        statuses = map(attrgetter("status"), findings)
        return list(compress(findings, map(UNSETTLED.__contains__, statuses)))

    def worst_accounts(self, limit: int) -> list[AccountRow]:
        """The accounts with the most open findings, most first (ties: by account id)."""
        counts = Counter(map(attrgetter("account_id"), self._open))
        counts.pop(None, None)  # a finding about the policy itself (an unused waiver)
        # The ``limit``-th highest count, then only the accounts that reach it are sorted.
        top = counts.most_common(limit)
        floor = top[-1][1] if top else 0
        reaching = [item for item in counts.items() if item[1] >= floor]
        ranked = sorted(reaching, key=lambda item: (-item[1], item[0]))[:limit]
        emails: dict[int, str | None] = {}
        wanted = {account for account, _ in ranked}
        for finding in self._open:  # the first finding of each shown account names its email
            account = finding.account_id
            if account is not None and account in wanted and account not in emails:
                emails[account] = finding.email
                if len(emails) == len(wanted):
                    break
        return [AccountRow(account, emails.get(account), count) for account, count in ranked]

    def sample(self, limit: int) -> list[Finding]:
        """Up to ``limit`` open findings taken in turn from each rule (worst rule first), so one
        rule with thousands of findings does not fill the screen on its own."""
        by_id = {g.info.id: g.findings for g in self._groups}
        columns = [
            list(islice((f for f in by_id[row.rule] if f.status in UNSETTLED), limit))
            for row in self.rows
        ]
        turns = chain.from_iterable(zip_longest(*columns))
        return [f for f in turns if f is not None][:limit]
