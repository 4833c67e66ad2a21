"""Write the report files of a run, each atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from auditor.model.result import AuditResult
from auditor.report import FileFormat
from auditor.report.output import write_atomic

Target = tuple[Path, FileFormat]


def write_reports(targets: Sequence[Target], result: AuditResult) -> None:
    """Render and write every target, in order; the first failure is raised."""
    for path, fmt in targets:
        write_atomic(path, fmt.render(result))
