"""Markdown for pull-request comments and CI summaries; inventory text is escaped."""

from __future__ import annotations

from auditor.model.result import AuditResult
from auditor.report.templating import environment
from auditor.report.view import rule_groups

# A PR comment must stay readable (and under GitHub's size caps): list this many per rule.
FINDINGS_PER_RULE = 50


def render(result: AuditResult) -> str:
    return (
        environment()
        .get_template("report.md.j2")
        .render(
            result=result,
            summary=result.summary,
            groups=rule_groups(result),
            per_rule=FINDINGS_PER_RULE,
        )
    )
