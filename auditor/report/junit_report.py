"""JUnit XML for CI systems (GitLab, Jenkins, Azure): one testsuite per policy entry, one
testcase per account it checked: failure for an open finding, skipped for a waived one."""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from auditor.models import AuditResult, Finding, FindingStatus
from auditor.report.view import rule_groups


def _text(findings: list[Finding]) -> str:
    return "\n".join(
        f"{f.field}: {f.message} (actual {f.actual}, expected {f.expected}; policy {f.policy})"
        for f in findings
    )


def render(result: AuditResult) -> str:
    by_case: dict[tuple[str, int | None], list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_case[(finding.id, finding.account_id)].append(finding)
    emails = {account.id: account.email for account in result.accounts}
    root = ET.Element(
        "testsuites",
        name="smartlead-audit",
        timestamp=result.generated_at.isoformat(timespec="seconds"),
    )
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for group in rule_groups(result):
        info = group.info
        if info.id in result.checked:
            subjects: list[int | None] = list(result.checked[info.id])
        else:  # policy-level findings (waiver-*): one case each
            subjects = [f.account_id for f in group.findings]
        suite = ET.SubElement(root, "testsuite", name=info.id)
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for index, account_id in enumerate(subjects):
            name = (
                f"{account_id} {emails.get(account_id, '')}".strip()
                if account_id is not None
                else f"{info.id} #{index + 1}"
            )
            case = ET.SubElement(
                suite, "testcase", classname=f"smartlead-audit.{info.id}", name=name
            )
            case.set("file", info.policy.rpartition(":")[0])
            counts["tests"] += 1
            findings = by_case.get((info.id, account_id), [])
            opened = [f for f in findings if f.status is FindingStatus.OPEN]
            waived = [f for f in findings if f.status is not FindingStatus.OPEN]
            if opened:
                failure = ET.SubElement(
                    case, "failure", type=info.severity.value, message=opened[0].message
                )
                failure.text = _text(opened)
                counts["failures"] += 1
            elif waived:
                known = waived[0]
                reason = (f"waived: {known.waiver}" if known.status is FindingStatus.WAIVED
                          else "known: in the baseline report")
                ET.SubElement(case, "skipped", message=reason)
                counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
