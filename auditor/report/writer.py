"""Write the report files of a run as one set: all of them, or none.

Reports are read together (a JSON report and the HTML one made from the same run), so a run
interrupted after writing some of them must not leave a new ``audit.json`` beside an old
``audit.html``. Every report is streamed to a temporary file first; only once all of them are
complete are they renamed into place (see ``StagedFiles`` for the tiny window that remains). The
cost: while writing, the folder holds the previous reports and the new ones side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from auditor.model.result import AuditResult
from auditor.report import FileFormat
from auditor.report.output import staged_files

Target = tuple[Path, FileFormat]


def write_reports(
    targets: Sequence[Target],
    result: AuditResult,
    *,
    streams: Sequence[tuple[TextIO, FileFormat]] = (),
) -> None:
    """Write every target, then put them all in place; on the first failure, none is.

    ``streams`` (``--output json=-``: standard output) are written once every file is complete
    and before any is put in place, so a failed file leaves no report on the stream either, and
    a stream that fails (a closed pipe) leaves the previous files."""
    with staged_files() as files:
        for path, fmt in targets:
            with files.stream(path) as stream:
                fmt.write(result, stream)
        for out, fmt in streams:
            fmt.write(result, out)
            out.flush()
