"""Output formats: each a pure function of an ``AuditResult``, chosen by ``ReportFormat``.

The registry is an explicit dict keyed by the enum; a test checks that it covers every member.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from auditor.models import AuditResult
from auditor.report import (
    csv_report,
    html_report,
    json_report,
    junit_report,
    markdown_report,
    sarif_report,
)


class ReportFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"
    SARIF = "sarif"
    JUNIT = "junit"
    CSV = "csv"
    GITHUB = "github"


@dataclass(frozen=True)
class FileFormat:
    """A format written to ``--output-dir`` under a fixed name."""

    filename: str
    render: Callable[[AuditResult], str]


FILE_FORMATS: dict[ReportFormat, FileFormat] = {
    ReportFormat.JSON: FileFormat("audit.json", json_report.render),
    ReportFormat.MARKDOWN: FileFormat("audit.md", markdown_report.render),
    ReportFormat.HTML: FileFormat("audit.html", html_report.render),
    ReportFormat.SARIF: FileFormat("audit.sarif", sarif_report.render),
    ReportFormat.JUNIT: FileFormat("audit.junit.xml", junit_report.render),
    ReportFormat.CSV: FileFormat("audit.csv", csv_report.render),
}
# Stream formats go to stdout: console (auditor.report.console_report, colored on a terminal)
# and GitHub workflow commands (auditor.report.github_report; the runner reads the step's output).
STREAM_FORMATS = frozenset({ReportFormat.CONSOLE, ReportFormat.GITHUB})
