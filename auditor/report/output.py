"""Writing report files: streamed to a temporary file beside the target and renamed over it, so an
interrupted run never leaves a truncated report that looks complete; a set of files is renamed
into place together, so it never leaves a mix of new and previous reports either. No output may
replace a file the run reads."""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, TypeVar

from auditor.errors import OutputError, UsageError

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


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {path}: {exc.strerror or exc}.")


class StagedFiles:
    """Text files written to temporary files beside their targets, renamed over them together.

    Each temporary file is on the target's file system, so each rename is atomic; the renames are
    made only once every file is complete (written, flushed and synced), one right after another
    with no other work between them. So a failure or an interruption (Ctrl-C, SIGTERM, a full
    disk, a bug) while writing leaves every target as it was, and no temporary file behind.

    The window that remains is the commit itself: a crash (SIGKILL, power loss) or a signal in
    the microseconds between two renames, or a rename that fails after another succeeded (each
    within one folder: it practically does not), would leave some targets new and some old.
    Closing it would take a copy of every previous file, for a window this small.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []  # (temporary file, target), in order

    def _create(self, path: Path) -> tuple[int, Path]:
        """Create a new temporary file beside ``path``, registered *before* it exists, so that a
        signal at any instant afterwards (even right as it is created) leaves nothing behind."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        while True:
            temp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
            self._pending.append((temp, path))
            try:
                return os.open(temp, flags, 0o600), temp
            except FileExistsError:  # not ours (48 random bits: practically never)
                self._pending.pop()
            except OSError as exc:
                self._pending.pop()
                raise _cannot_write(path, exc) from None

    @contextmanager
    def stream(self, path: Path) -> Iterator[TextIO]:
        """A UTF-8 text stream whose content becomes ``path`` at the commit."""
        handle, temp = self._create(path)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                yield stream
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temp, 0o644)
        except OSError as exc:
            raise _cannot_write(path, exc) from None

    def commit(self) -> None:
        """Rename every complete file over its target, in the order they were opened."""
        while self._pending:
            temp, path = self._pending[0]
            try:
                os.replace(temp, path)
            except OSError as exc:
                raise _cannot_write(path, exc) from None
            del self._pending[0]

    def discard(self) -> None:
        """Remove every temporary file not yet renamed."""
        for temp, _ in self._pending:
            temp.unlink(missing_ok=True)
        self._pending.clear()


@contextmanager
def staged_files() -> Iterator[StagedFiles]:
    """All or nothing: the files opened in the block replace their targets together when it
    ends without an error; on any error, Ctrl-C and SIGTERM included, none does."""
    files = StagedFiles()
    try:
        yield files
        files.commit()
    finally:
        files.discard()  # after a commit there is nothing left to remove


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` names the existing file ``b``: the same path once links are resolved, or the
    same inode (a hard link)."""
    try:
        return b.exists() and (a.resolve() == b.resolve() or os.path.samefile(a, b))
    except (OSError, RuntimeError):  # ``a`` does not exist; a link loop
        return False


def refuse_inputs(outputs: Iterable[tuple[str, Path]], inputs: Iterable[tuple[str, Path]]) -> None:
    """No output of a run may replace a file it reads: a report written over the inventory or a
    policy would destroy the very input it was made from. Each pair is (what it is, path); the
    first clash is a usage error naming both, raised before any work is done."""
    sources = list(inputs)
    for what, output in outputs:
        for role, source in sources:
            if same_file(output, source):
                raise UsageError(
                    f"refusing to write {what} {output}: it is {role} {source}; nothing was "
                    "written.",
                    tip="an output never replaces an input: write it to another path.",
                )


def refuse_policy_file(what: str, path: Path) -> None:
    """A JSON output of a command that reads no policy (``schema -o``, ``fetch -o``) still never
    replaces a policy file: ``-o policies/house.yaml`` is a slip, not a wish."""
    if path.suffix in (".yaml", ".yml") and path.is_file():  # the policy loader's suffixes
        raise UsageError(
            f"refusing to write {what} over {path}: it is a policy file; nothing was written.",
            tip="write it to a .json file.",
        )


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text stream that becomes ``path`` when the block ends without an error.

    It writes to a temporary file beside ``path`` (same file system, so the rename is atomic),
    synced before the rename; on any error, Ctrl-C and SIGTERM included, the temporary file is
    removed and ``path`` is left as it was.
    """
    with staged_files() as files, files.stream(path) as stream:
        yield stream


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through ``atomic_text``."""
    with atomic_text(path) as stream:
        stream.write(text)


def as_text(write: Callable[[T, TextIO], None], value: T) -> str:
    """What ``write(value, stream)`` writes, as one string (for stdout and tests)."""
    buffer = io.StringIO()
    write(value, buffer)
    return buffer.getvalue()
