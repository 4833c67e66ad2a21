"""Markdown for pull-request comments and CI summaries; inventory text is escaped."""

from __future__ import annotations

from typing import TextIO

from auditor.model.result import AuditResult
from auditor.report.output import as_text
from auditor.report.templating import environment
from auditor.report.view import rule_groups

# A PR comment must stay readable (and under GitHub's size caps): list this many per rule.
FINDINGS_PER_RULE = 50


def write(result: AuditResult, stream: TextIO) -> None:
    template = environment().get_template("report.md.j2")
    stream.writelines(
        template.generate(
            result=result,
            summary=result.summary,
            groups=rule_groups(result),
            per_rule=FINDINGS_PER_RULE,
        )
    )


def render(result: AuditResult) -> str:
    return as_text(write, result)
