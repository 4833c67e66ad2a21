"""JUnit XML for CI systems (GitLab, Jenkins, Azure): one testsuite per policy entry, one
testcase per account it checked: failure for an open finding, skipped for a waived one (or one
in the baseline).

Written as text with XML escaping rather than through ElementTree: a 50,000-account inventory
makes close to a million testcases, and building a tree of them first costs minutes.

Inventory text (names, messages, values) is shown through ``display``: shortened, controls and
line ends escaped, so each line of a failure's text is one finding."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from auditor.model.result import UNSETTLED, AuditResult, Finding, FindingStatus
from auditor.report.display import display_column, display_findings
from auditor.report.output import ROWS_PER_WRITE, as_text
from auditor.report.view import RuleGroup, rule_groups

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped; inventory text may."""
    return _NOT_XML.sub("", text)


def _attr(value: object) -> str:
    return quoteattr(_clean(str(value)))


def _text(findings: Sequence[Finding]) -> str:
    return escape(
        _clean(
            "\n".join(
                ("inconclusive: " if f.status is FindingStatus.INCONCLUSIVE else "")
                + f"{f.field}: {f.message} "
                f"(actual {f.actual}, expected {f.expected}; policy {f.policy})"
                for f in findings
            )
        )
    )


def _outcome(findings: Sequence[Finding]) -> str:
    if not findings:
        return "pass"
    return "failure" if any(f.status in UNSETTLED for f in findings) else "skipped"


def _case(head: str, findings: Sequence[Finding]) -> str:
    """One <testcase> (its opening ``head`` given), with its failure or skipped element."""
    opened = [f for f in findings if f.status in UNSETTLED]
    if opened:
        first = opened[0]
        return (
            f"{head}>\n      <failure type={_attr(first.severity.value)} "
            f"message={_attr(first.message)}>{_text(opened)}</failure>\n    </testcase>\n"
        )
    known = findings[0]
    reason = (
        f"waived: {known.waiver}"
        if known.status is FindingStatus.WAIVED
        else "known: in the baseline report"
    )
    return f"{head}>\n      <skipped message={_attr(reason)} />\n    </testcase>\n"


def _suite_cases(
    result: AuditResult,
    group: RuleGroup,
    names: dict[int, str],
    by_case: dict[tuple[str, int | None], list[Finding]],
) -> Iterator[str]:
    """The cases of a suite, in the order of the accounts it checked. Most pass, and a passing
    case is only its name between the suite's prefix and suffix: a run of them is one ``join``,
    not a call per account (a 50,000-account run has close to a million cases)."""
    info = group.info
    prefix = f"    <testcase classname={_attr(f'smartlead-audit.{info.id}')} name="
    suffix = f" file={_attr(info.policy.rpartition(':')[0])}"
    if info.id not in result.checked:  # policy-level findings: a case each, a handful
        for account_id, name in _policy_cases(group):
            yield _case(prefix + name + suffix, by_case[(info.id, account_id)])
        return
    ids = [account.id for account in result.checked[info.id]]
    quoted = list(map(names.__getitem__, ids))
    failing = {finding.account_id for finding in group.findings}
    end = f"{suffix} />\n"
    between = end + prefix
    start = 0
    for at in [*(at for at, account_id in enumerate(ids) if account_id in failing), len(ids)]:
        for run in range(start, at, ROWS_PER_WRITE):
            yield prefix + between.join(quoted[run : min(at, run + ROWS_PER_WRITE)]) + end
        if at < len(ids):
            yield _case(prefix + quoted[at] + suffix, by_case[(info.id, ids[at])])
        start = at + 1


def _policy_cases(group: RuleGroup) -> Iterator[tuple[int | None, str]]:
    """The (account id, quoted name) of each case of a policy-level suite (waiver-*): one per
    finding, as no account list was checked."""
    for n, finding in enumerate(group.findings):
        yield finding.account_id, _attr(f"{group.info.id} #{n + 1}")


def _counts(
    result: AuditResult, group: RuleGroup, by_case: dict[tuple[str, int | None], list[Finding]]
) -> Counter[str]:
    """The outcomes of a suite's cases. An entry's findings are about accounts it checked, so
    only the accounts with findings need a look: the rest pass."""
    entry = group.info.id
    if entry not in result.checked:  # policy-level findings: a case each, a handful
        cases = _policy_cases(group)
        return Counter(_outcome(by_case.get((entry, account), ())) for account, _ in cases)
    failing = dict.fromkeys(f.account_id for f in group.findings)
    counts = Counter(_outcome(by_case[(entry, account)]) for account in failing)
    counts["pass"] = len(result.checked[entry]) - counts.total()
    return counts


def write(result: AuditResult, stream: TextIO) -> None:
    """The counts go in the opening tags, so each suite is counted first, then written."""
    by_case: dict[tuple[str, int | None], list[Finding]] = defaultdict(list)
    for finding in display_findings(result.findings):
        by_case[(finding.id, finding.account_id)].append(finding)
    emails = display_column([a.email for a in result.accounts])
    names = {
        a.id: _attr(f"{a.id} {email}".strip())
        for a, email in zip(result.accounts, emails, strict=True)
    }
    suites = [(group, _counts(result, group, by_case)) for group in rule_groups(result)]
    totals = sum((counts for _, counts in suites), Counter())
    stamp = result.generated_at.isoformat(timespec="seconds")
    stream.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="smartlead-audit" timestamp="{stamp}" tests="{totals.total()}" '
        f'failures="{totals["failure"]}" skipped="{totals["skipped"]}" errors="0">\n'
    )
    for group, counts in suites:
        info = group.info
        stream.write(
            f'  <testsuite name={_attr(info.id)} tests="{counts.total()}" '
            f'failures="{counts["failure"]}" skipped="{counts["skipped"]}" errors="0">\n'
        )
        for cases in _suite_cases(result, group, names, by_case):
            stream.write(cases)
        stream.write("  </testsuite>\n")
    stream.write("</testsuites>\n")


def render(result: AuditResult) -> str:
    return as_text(write, result)
