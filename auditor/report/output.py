"""Writing report files: atomically, so an interrupted run never leaves a truncated report that
looks complete."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from auditor.errors import OutputError


def prepare_dir(directory: Path) -> None:
    """Create the output folder up front, so an unwritable path fails before any work is done."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create output folder {directory}: {exc.strerror or exc}.",
            tip="pass a writable folder with --output-dir.",
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(
            f"output folder {directory} is not writable.",
            tip="pass a writable folder with --output-dir.",
        )


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``."""
    try:
        handle, temp_name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temp_name, 0o644)
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}.") from None
