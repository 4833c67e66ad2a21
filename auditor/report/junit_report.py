"""JUnit XML for CI systems (GitLab, Jenkins, Azure): one testsuite per policy entry, one
testcase per account it checked: failure for an open finding, skipped for a waived one (or one
in the baseline).

Written as text with XML escaping rather than through ElementTree: a 50,000-account inventory
makes close to a million testcases, and building a tree of them first costs minutes."""

from __future__ import annotations

import re
from collections import defaultdict
from xml.sax.saxutils import escape, quoteattr

from auditor.model.result import AuditResult, Finding, FindingStatus
from auditor.report.view import rule_groups

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped; inventory text may."""
    return _NOT_XML.sub("", text)


def _attr(value: object) -> str:
    return quoteattr(_clean(str(value)))


def _text(findings: list[Finding]) -> str:
    return escape(
        _clean(
            "\n".join(
                f"{f.field}: {f.message} "
                f"(actual {f.actual}, expected {f.expected}; policy {f.policy})"
                for f in findings
            )
        )
    )


def _case(head: str, findings: list[Finding]) -> tuple[str, str]:
    """One <testcase> (its opening `head` given) and its outcome: pass, failure or skipped."""
    if not findings:
        return f"{head} />", "pass"
    opened = [f for f in findings if f.status is FindingStatus.OPEN]
    if opened:
        first = opened[0]
        return (
            f"{head}>\n      <failure type={_attr(first.severity.value)} "
            f"message={_attr(first.message)}>{_text(opened)}</failure>\n    </testcase>",
            "failure",
        )
    known = findings[0]
    reason = (
        f"waived: {known.waiver}"
        if known.status is FindingStatus.WAIVED
        else "known: in the baseline report"
    )
    return f"{head}>\n      <skipped message={_attr(reason)} />\n    </testcase>", "skipped"


def render(result: AuditResult) -> str:
    by_case: dict[tuple[str, int | None], list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_case[(finding.id, finding.account_id)].append(finding)
    names = {a.id: _attr(f"{a.id} {a.email}".strip()) for a in result.accounts}
    suites: list[str] = []
    totals = {"tests": 0, "failure": 0, "skipped": 0}
    for group in rule_groups(result):
        info = group.info
        prefix = f"    <testcase classname={_attr(f'smartlead-audit.{info.id}')} name="
        suffix = f" file={_attr(info.policy.rpartition(':')[0])}"
        cases: list[str] = []
        counts = {"tests": 0, "failure": 0, "skipped": 0, "pass": 0}
        subjects: list[tuple[int | None, str]]
        if info.id in result.checked:
            subjects = [(a.id, names[a.id]) for a in result.checked[info.id]]
        else:  # policy-level findings (waiver-*): one case each
            subjects = [
                (f.account_id, _attr(f"{info.id} #{n + 1}")) for n, f in enumerate(group.findings)
            ]
        for account_id, name in subjects:
            findings = by_case.get((info.id, account_id), [])
            text, outcome = _case(prefix + name + suffix, findings)
            cases.append(text)
            counts["tests"] += 1
            counts[outcome] += 1
        for key in totals:
            totals[key] += counts[key]
        suites.append(
            f'  <testsuite name={_attr(info.id)} tests="{counts["tests"]}" '
            f'failures="{counts["failure"]}" skipped="{counts["skipped"]}" errors="0">\n'
            + "".join(case + "\n" for case in cases)
            + "  </testsuite>\n"
        )
    stamp = result.generated_at.isoformat(timespec="seconds")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="smartlead-audit" timestamp="{stamp}" tests="{totals["tests"]}" '
        f'failures="{totals["failure"]}" skipped="{totals["skipped"]}" errors="0">\n'
        + "".join(suites)
        + "</testsuites>\n"
    )
