"""Writing report files: streamed to a temporary file beside the target and renamed over it, so an
interrupted run never leaves a truncated report that looks complete."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, TypeVar

from auditor.errors import OutputError

T = TypeVar("T")

# Large reports are written this many rows (findings, test cases, column values) at a time: the
# text in memory stays small whatever the size of the report, and each write is still long
# enough that the per-call cost does not show.
ROWS_PER_WRITE = 1000


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


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text stream that becomes ``path`` when the block ends without an error.

    It writes to a temporary file beside ``path`` (same file system, so the rename is atomic),
    synced before the rename; on any error, Ctrl-C included, the temporary file is removed and
    ``path`` is left as it was.
    """
    try:
        handle, temp_name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException as exc:
        Path(temp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}.") from None
        raise


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through ``atomic_text``."""
    with atomic_text(path) as stream:
        stream.write(text)


def as_text(write: Callable[[T, TextIO], None], value: T) -> str:
    """What ``write(value, stream)`` writes, as one string (for stdout and tests)."""
    buffer = io.StringIO()
    write(value, buffer)
    return buffer.getvalue()
