"""Output formats, chosen by ``ReportFormat``: each writes an ``AuditResult`` to a text stream.

The registry is an explicit table keyed by the enum; a test checks that it covers every member.
A format's module is imported when the format is first looked up, so a run imports only the
formats it writes: a console check of a small inventory skips jinja2, the HTML report's modules
and the XML escaping of JUnit (a sixth of its start-up).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import import_module
from typing import TextIO

from auditor.model.result import AuditResult


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
    """A format written to ``--output-dir`` under a fixed name: ``write`` streams it to a file,
    ``render`` (built on ``write``) returns it as a string."""

    filename: str
    write: Callable[[AuditResult, TextIO], None]
    render: Callable[[AuditResult], str]


class _FileFormats(Mapping[ReportFormat, FileFormat]):
    """Format -> ``FileFormat``, from ``(file name, module)``: the module (under
    ``auditor.report``) has ``write`` and ``render``."""

    def __init__(self, table: dict[ReportFormat, tuple[str, str]]) -> None:
        self._table = table
        self._loaded: dict[ReportFormat, FileFormat] = {}

    def __getitem__(self, fmt: ReportFormat) -> FileFormat:
        if fmt not in self._loaded:
            filename, name = self._table[fmt]
            module = import_module(f"{__name__}.{name}")
            self._loaded[fmt] = FileFormat(filename, module.write, module.render)
        return self._loaded[fmt]

    def __contains__(self, fmt: object) -> bool:
        # Mapping's own would look the format up, importing its module.
        return fmt in self._table

    def __iter__(self) -> Iterator[ReportFormat]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def filename(self, fmt: ReportFormat) -> str:
        """The file's name, without importing the format."""
        return self._table[fmt][0]


FILE_FORMATS = _FileFormats(
    {
        ReportFormat.JSON: ("audit.json", "json_report"),
        ReportFormat.MARKDOWN: ("audit.md", "markdown_report"),
        ReportFormat.HTML: ("audit.html", "html_report"),
        ReportFormat.SARIF: ("audit.sarif", "sarif_report"),
        ReportFormat.JUNIT: ("audit.junit.xml", "junit_report"),
        ReportFormat.CSV: ("audit.csv", "csv_report"),
    }
)
# Stream formats go to stdout: console (auditor.report.console_report, colored on a terminal)
# and GitHub workflow commands (auditor.report.github_report; the runner reads the step's output).
STREAM_FORMATS = frozenset({ReportFormat.CONSOLE, ReportFormat.GITHUB})
