"""Write the report files of a run, each streamed atomically to its file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from auditor.model.result import AuditResult
from auditor.report import FileFormat
from auditor.report.output import atomic_text

Target = tuple[Path, FileFormat]


def write_reports(targets: Sequence[Target], result: AuditResult) -> None:
    """Write every target, in order; the first failure is raised."""
    for path, fmt in targets:
        with atomic_text(path) as stream:
            fmt.write(result, stream)
