"""A self-contained HTML report (no external requests); every inventory value is autoescaped."""

from __future__ import annotations

from auditor.models import AuditResult
from auditor.report.templating import environment
from auditor.report.view import rule_groups


def render(result: AuditResult) -> str:
    return environment().get_template("report.html.j2").render(
        result=result, summary=result.summary, groups=rule_groups(result),
    )
