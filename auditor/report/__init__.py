"""Output formats: each a pure function of an ``AuditResult``, chosen by ``ReportFormat``.

The registry is an explicit dict keyed by the enum; a test checks that it covers every member.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from auditor.models import AuditResult, EmailAccount
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
class EarlyStart:
    """The part of a format's work that needs only the inventory.

    ``prepare(accounts)`` may run before the evaluation, in another process (its value must
    pickle); ``finish(result, prepared)``, where ``prepared()`` returns that value (waiting for it
    if need be), gives exactly what the format's ``render(result)`` gives.
    """

    prepare: Callable[[Sequence[EmailAccount]], Any]
    finish: Callable[[AuditResult, Callable[[], Any]], str]


@dataclass(frozen=True)
class FileFormat:
    """A format written to ``--output-dir`` under a fixed name."""

    filename: str
    render: Callable[[AuditResult], str]
    early: EarlyStart | None = None


FILE_FORMATS: dict[ReportFormat, FileFormat] = {
    ReportFormat.JSON: FileFormat("audit.json", json_report.render),
    ReportFormat.MARKDOWN: FileFormat("audit.md", markdown_report.render),
    ReportFormat.HTML: FileFormat(
        "audit.html", html_report.render,
        EarlyStart(html_report.inventory_part, html_report.finish)),
    ReportFormat.SARIF: FileFormat("audit.sarif", sarif_report.render),
    ReportFormat.JUNIT: FileFormat("audit.junit.xml", junit_report.render),
    ReportFormat.CSV: FileFormat("audit.csv", csv_report.render),
}
# Stream formats go to stdout: console (auditor.report.console_report, colored on a terminal)
# and GitHub workflow commands (auditor.report.github_report; the runner reads the step's output).
STREAM_FORMATS = frozenset({ReportFormat.CONSOLE, ReportFormat.GITHUB})
