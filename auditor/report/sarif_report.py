"""SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).

GitHub's rules on top of the spec: `security-severity` as a string, 1-based regions, stable
`partialFingerprints` (rule id + account id, so an alert survives re-runs), at most 25,000 results
per run (worst first; the rest are counted in a notification).
"""

from __future__ import annotations

import hashlib
from typing import Any, TextIO

from auditor.model.result import AuditResult, Finding, FindingStatus, RuleInfo, Severity
from auditor.report.inline import first_link
from auditor.report.jsontext import compact
from auditor.report.output import ROWS_PER_WRITE, as_text
from auditor.report.view import rule_groups

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
INFORMATION_URI = "https://github.com/smartlead-auditor/smartlead-auditor"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}


def _rule(info: RuleInfo) -> dict[str, Any]:
    help_text = f"{info.description} {info.rationale}\n\nRemediation: {info.remediation}"
    return {
        "id": info.id,
        "name": info.rule,
        "shortDescription": {"text": info.description},
        "fullDescription": {"text": info.rationale or info.description},
        "help": {
            "text": help_text,
            "markdown": f"**{info.description}**\n\n{info.rationale}\n\n"
            f"**Remediation:** {info.remediation}\n\nPolicy: `{info.policy}`",
        },
        # The entry's runbook, when its remediation links one.
        **({"helpUri": link} if (link := first_link(info.remediation)) else {}),
        "defaultConfiguration": {"level": _LEVEL[info.severity]},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[info.severity],
            "tags": ["smartlead", "compliance", info.rule],
            "precision": "very-high",
        },
    }


def _physical_location(policy: str, fallback_uri: str) -> dict[str, Any]:
    """The policy line that failed; built-in presets live in the package, not the repository,
    so their findings point at the fallback (the inventory snapshot or first policy file)."""
    path, _, line = policy.rpartition(":")
    if path.startswith("preset:") or not path:
        uri, start = fallback_uri, 1
    else:
        uri, start = path, max(1, int(line))
    return {"artifactLocation": {"uri": uri}, "region": {"startLine": start}}


def _location(finding: Finding, physical: dict[str, Any]) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.domain is not None:  # a DNS finding is about the domain, whatever the account
        location["logicalLocations"] = [
            {
                "name": finding.domain,
                "fullyQualifiedName": f"domains/{finding.domain}",
                "kind": "object",
            }
        ]
    elif finding.account_id is not None:
        location["logicalLocations"] = [
            {
                "name": finding.email or str(finding.account_id),
                "fullyQualifiedName": f"email-accounts/{finding.account_id}",
                "kind": "object",
            }
        ]
    return location


def _fingerprint(finding: Finding) -> str:
    subject = f"{finding.id}\0{finding.account_id}\0{finding.field or ''}"
    if finding.domain is not None:
        subject = f"{finding.id}\0domain:{finding.domain}\0{finding.actual or ''}"
    return hashlib.sha256(subject.encode()).hexdigest()


def _message(finding: Finding) -> str:
    if finding.account_id is None:
        return finding.message
    sender = finding.email or "no sender address"
    return f"Account {finding.account_id} ({sender}): {finding.message}"


def _result(
    finding: Finding, rule_index: dict[str, int], physical: dict[str, Any], with_baseline: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": rule_index[finding.id],
        "level": _LEVEL[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [_location(finding, physical)],
        "partialFingerprints": {"smartleadFinding/v1": _fingerprint(finding)},
        "properties": {
            "accountId": finding.account_id,
            "field": finding.field,
            "actual": finding.actual,
            "expected": finding.expected,
            **({"domain": finding.domain} if finding.domain is not None else {}),
            **({"status": "inconclusive"} if finding.status is FindingStatus.INCONCLUSIVE else {}),
        },
    }
    if finding.status is FindingStatus.WAIVED:
        result["suppressions"] = [{"kind": "external", "justification": str(finding.waiver or "")}]
    if with_baseline:
        unchanged = finding.status is FindingStatus.BASELINE
        result["baselineState"] = "unchanged" if unchanged else "new"
    return result


def fallback_uri(result: AuditResult) -> str:
    source = result.inventory.source.split(" (fetched from", 1)[0]
    if not source.startswith(("http://", "https://")):
        return source
    user_files = [p.path for p in result.policy_files if not p.path.startswith("preset:")]
    return user_files[0] if user_files else "policies"


def _document(result: AuditResult, infos: list[RuleInfo], omitted: int) -> dict[str, Any]:
    """The whole SARIF document but its results (``None`` in their place)."""
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if omitted:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "warning",
                "message": {
                    "text": f"{omitted} more findings are not listed (GitHub accepts "
                    f"{MAX_RESULTS} results per run); see the JSON report."
                },
            }
        ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "smartlead-auditor",
                        "version": result.tool_version,
                        "semanticVersion": result.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(info) for info in infos],
                    }
                },
                "invocations": [invocation],
                "automationDetails": {"id": "smartlead-audit/"},
                "results": None,
                "properties": {"accounts": result.summary.accounts, "omittedResults": omitted},
            }
        ],
    }


def write(result: AuditResult, stream: TextIO) -> None:
    """Compact: SARIF is read by tools (indenting 25,000 results only makes the file larger).

    The results are written a chunk at a time in place of the document's ``"results":null``;
    only numbers follow that member, so its last occurrence in the text is the member itself,
    whatever a rule's text says."""
    infos = [group.info for group in rule_groups(result)]
    rule_index = {info.id: index for index, info in enumerate(infos)}
    shown = result.findings[:MAX_RESULTS]  # findings are sorted worst first
    fallback = fallback_uri(result)
    # One location object per policy line, shared by its findings (they are only serialised).
    physical = {p: _physical_location(p, fallback) for p in {f.policy for f in shown}}
    with_baseline = any(f.status is FindingStatus.BASELINE for f in result.findings)
    document = _document(result, infos, len(result.findings) - len(shown))
    head, _, tail = compact(document).rpartition('"results":null')
    stream.write(head + '"results":[')
    for start in range(0, len(shown), ROWS_PER_WRITE):
        chunk = shown[start : start + ROWS_PER_WRITE]
        results = [_result(f, rule_index, physical[f.policy], with_baseline) for f in chunk]
        stream.write(("," if start else "") + compact(results)[1:-1])
    stream.write("]" + tail + "\n")


def render(result: AuditResult) -> str:
    return as_text(write, result)
