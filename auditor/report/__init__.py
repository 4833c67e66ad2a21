"""Output formats: each a pure function of an ``AuditResult``, chosen by ``ReportFormat``.

The registry is an explicit dict keyed by the enum; a test checks that it covers every member.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from auditor.models import AuditResult
from auditor.report import html_report, json_report, markdown_report


class ReportFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


@dataclass(frozen=True)
class FileFormat:
    """A format written to ``--output-dir`` under a fixed name."""

    filename: str
    render: Callable[[AuditResult], str]


FILE_FORMATS: dict[ReportFormat, FileFormat] = {
    ReportFormat.JSON: FileFormat("audit.json", json_report.render),
    ReportFormat.MARKDOWN: FileFormat("audit.md", markdown_report.render),
    ReportFormat.HTML: FileFormat("audit.html", html_report.render),
}
# The console format goes to stdout, rendered by auditor.report.console_report.
STREAM_FORMATS = frozenset({ReportFormat.CONSOLE})
