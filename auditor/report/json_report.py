"""The machine-readable report (``smartlead-auditor/report@1``), documented by a JSON Schema
shipped beside this module (``schemas/report-1.schema.json``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from functools import partial
from typing import Any, TextIO

from auditor.dns.summary import DnsReport
from auditor.model.result import AuditResult, Finding, FindingStatus, Severity, WaiverRecord
from auditor.report.display import json_safe
from auditor.report.jsontext import compact
from auditor.report.output import ROWS_PER_WRITE, as_text
from auditor.report.view import WAIVER_REMEDIATION, remediations

SCHEMA_ID = "smartlead-auditor/report@1"


# An enum's `.value` is a descriptor call; at 200,000 findings a dict lookup is much cheaper.
VALUE: dict[Severity | FindingStatus, str] = {
    member: member.value for member in (*Severity, *FindingStatus)
}


def finding_dict(finding: Finding, fixes: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A finding as the JSON report writes it; ``fixes`` (``view.remediations``) says how to fix
    it (``None``: no remediation key, for callers that only compare fields)."""
    row = {
        "id": finding.id,
        "rule": finding.rule,
        "severity": VALUE[finding.severity],
        "status": VALUE[finding.status],
        "account_id": finding.account_id,
        "email": finding.email,
        "field": finding.field,
        "actual": finding.actual,
        "expected": finding.expected,
        "message": finding.message,
        "policy": finding.policy,
        "waiver": None if finding.waiver is None else str(finding.waiver),
        **({} if finding.domain is None else {"domain": finding.domain}),
    }
    if fixes is not None:
        row["remediation"] = fixes.get(finding.id, WAIVER_REMEDIATION)
    return row


def waiver_dict(record: WaiverRecord) -> dict[str, Any]:
    return {
        "accounts": list(record.accounts),
        "rules": None if record.rules is None else list(record.rules),
        "reason": record.reason,
        "expires": record.expires.isoformat(),
        "created": record.created.isoformat() if record.created else None,
        "owner": record.owner,
        "ticket": record.ticket,
        "approved_by": record.approved_by,
        "policy": record.policy,
        "state": record.state.value,
        "used": record.used,
    }


def report_head(result: AuditResult) -> dict[str, Any]:
    """The report without its findings, which are written one row at a time after it."""
    summary = result.summary
    info = result.inventory
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "smartlead-auditor", "version": result.tool_version},
        "generated_at": result.generated_at.isoformat(),
        "config": result.config,
        "inventory": {
            "source": info.source,
            "accounts": len(result.accounts),
            "fetched_at": info.fetched_at.isoformat() if info.fetched_at else None,
            "fetch": asdict(info.stats) if info.stats else None,
        },
        "policies": [{"path": p.path, "sha256": p.sha256} for p in result.policy_files],
        "rules": [
            {
                "id": r.id,
                "rule": r.rule,
                "severity": r.severity.value,
                "description": r.description,
                "rationale": r.rationale,
                "remediation": r.remediation,
                "policy": r.policy,
            }
            for r in result.rules
        ],
        "waivers": [waiver_dict(w) for w in result.waivers],
        "summary": {
            "accounts": summary.accounts,
            "accounts_failing": summary.accounts_failing,
            "result": summary.result,
            "fail_on": summary.fail_on.value,
            "open": {severity.value: count for severity, count in summary.open.items()},
            "waived": summary.waived,
            "baseline": summary.baseline,
            **({"inconclusive": summary.inconclusive} if summary.inconclusive else {}),
        },
        **({} if result.dns is None else {"dns": dns_dict(result.dns)}),
    }


def dns_dict(report: DnsReport) -> dict[str, Any]:
    """Where the DNS evidence came from, and the Domains table."""
    return {
        "evidence": report.mode,
        "collected_at": report.collected_at,
        "resolvers": list(report.resolvers),
        "domains": [asdict(row) for row in report.domains],
        "tracking": [asdict(row) for row in report.tracking],
    }


def write(result: AuditResult, stream: TextIO) -> None:
    """Indented, but one compact finding per line: readable, diff-friendly, and fast for 200,000
    findings (``jsontext.compact`` per row; an indented dump would be several times larger)."""
    head = json_safe(json.dumps(report_head(result), indent=2, ensure_ascii=False))
    stream.write(head[:-2] + ',\n  "findings": [')  # reopen the object after its last member
    findings = result.findings
    row = partial(finding_dict, fixes=remediations(result))
    for start in range(0, len(findings), ROWS_PER_WRITE):
        rows = map(compact, map(row, findings[start : start + ROWS_PER_WRITE]))
        stream.write(("," if start else "") + "\n    " + ",\n    ".join(rows))
    stream.write("\n  ]\n}\n" if findings else "]\n}\n")


def render(result: AuditResult) -> str:
    return as_text(write, result)
