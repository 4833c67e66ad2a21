"""Policy files are read fail-closed: every path a policy set names is read, or is a problem.

A `*.yaml` entry of a policy folder that is a dangling link, a link loop, a directory, a FIFO or
a device is not passed over (a policy that silently shrinks passes audits it should fail). The
type is checked before a file is opened (opening a FIFO waits for a writer, a device never ends),
checked again on the descriptor (opened without blocking: the path may have been swapped in
between), and no more than the size cap is read.

The policy's repository bounds what it can reach: `extends` targets and the entries of a policy
folder must resolve (links followed) inside the folder holding `.git` above the top-level policy,
or inside that policy's own folder when there is none. Built-in presets are reached by name.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import PolicyProblem, Position, UsageError
from auditor.limits import byte_cap

POLICY_SUFFIXES = (".yaml", ".yml")

# A policy is a page or two of YAML; the cap stops a mistaken or hostile path (a log, an image)
# from being parsed, at a size no real policy set comes near.
DEFAULT_MAX_POLICY_BYTES = 2 * 1024 * 1024
MAX_POLICY_BYTES_ENV = "SMARTLEAD_AUDIT_MAX_POLICY_BYTES"

# Files the kernel generates (the process's environment, its memory): never policies, and
# their reported size (0) says nothing about what a read returns.
_KERNEL_FOLDERS = (Path("/proc"), Path("/sys"))

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def max_policy_bytes() -> int:
    """The cap on one policy (or policy test) file: `SMARTLEAD_AUDIT_MAX_POLICY_BYTES`, or 2 MiB.

    Read here rather than passed down from the CLI, so every command that loads policies
    (check, diff, validate, test) honours it the same way."""
    return byte_cap(MAX_POLICY_BYTES_ENV, DEFAULT_MAX_POLICY_BYTES)


class Unreadable(Exception):
    """Why one path cannot serve as a policy file (internal: becomes a `PolicyProblem`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def describe(self, what: str) -> str:
        return f"cannot read {what}: {self.reason}"


class TooLarge(Unreadable):
    def __init__(self, size: int | None, limit: int) -> None:
        super().__init__("over the size limit")
        self.size = size
        self.limit = limit

    def describe(self, what: str) -> str:
        size = f" {self.size:,} bytes," if self.size is not None else ""
        return (
            f"{what} is{size} over the limit of {self.limit:,} bytes "
            f"(set {MAX_POLICY_BYTES_ENV} to raise it)"
        )


def read_policy_bytes(path: Path, limit: int) -> bytes:
    """The bytes of one regular file of at most `limit` bytes; raises `Unreadable` with why not."""
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        raise Unreadable(_missing(path, exc)) from None
    _require_regular(info.st_mode)
    if is_kernel_file(real_path(path)):
        raise Unreadable("a file the kernel generates (/proc, /sys), not a policy")
    if info.st_size > limit:
        raise TooLarge(info.st_size, limit)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise Unreadable(_reason(exc)) from None
    with os.fdopen(descriptor, "rb") as stream:
        try:
            info = os.fstat(descriptor)
            _require_regular(info.st_mode)  # swapped since the check above
            if info.st_size > limit:
                raise TooLarge(info.st_size, limit)
            data = stream.read(limit + 1)
        except OSError as exc:
            raise Unreadable(_reason(exc)) from None
    if len(data) > limit:
        raise TooLarge(None, limit)
    return data


def _require_regular(mode: int) -> None:
    for test, kind in _KINDS:
        if test(mode):
            raise Unreadable(f"{kind}, not a regular file")
    if not stat.S_ISREG(mode):
        raise Unreadable("not a regular file")


def _missing(path: Path, exc: OSError | ValueError) -> str:
    if isinstance(exc, ValueError):  # a NUL byte in the name
        return "not a valid file name"
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return f"a dangling symbolic link (its target {os.readlink(path)} does not exist)"
    return _reason(exc)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def real_path(path: Path) -> Path:
    """`path` with every link followed (a loop or dangling link is left for the read to name)."""
    return Path(os.path.realpath(path))


def is_kernel_file(real: Path) -> bool:
    return any(real.is_relative_to(folder) for folder in _KERNEL_FOLDERS)


def repository_root(folder: Path) -> Path:
    """The folder holding `.git` at or above `folder` (a real path); `folder` itself if none."""
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return folder


@dataclass(frozen=True)
class Candidate:
    """A policy path to read: `root` bounds what it may reach; a `listed` one (found in a
    folder rather than named) must itself lie inside `root`."""

    path: Path
    root: Path
    listed: bool

    def outside(self) -> str | None:
        """Why a listed file may not be read (it resolves outside the repository), or None."""
        real = real_path(self.path)
        if not self.listed or real.is_relative_to(self.root):
            return None
        return (
            f"a link to {real}, outside the policy repository {self.root}; "
            "name the file itself to use it"
        )


def discover(
    paths: Sequence[Path], what: str, tip: str | None = None
) -> tuple[list[Candidate], list[PolicyProblem]]:
    """Files as given; folders expand to their `*.yaml`/`*.yml` entries of any type (sorted), so
    that one which cannot be read is reported, not skipped. A path that does not exist at all is
    a usage error (a typo on the command line)."""
    found: list[Candidate] = []
    problems: list[PolicyProblem] = []
    for path in paths:
        if _is_dir(path):
            real = real_path(path)
            root = repository_root(real)
            try:
                names = sorted(os.listdir(path))
            except OSError as exc:
                where = Position(display_path(path), 1, 1)
                problems.append(PolicyProblem(where, f"cannot list {what} folder: {_reason(exc)}"))
                continue
            found.extend(
                Candidate(path / name, root, listed=True)
                for name in names
                if Path(name).suffix in POLICY_SUFFIXES
            )
        elif _exists(path):
            found.append(Candidate(path, repository_root(real_path(path).parent), listed=False))
        else:
            raise UsageError(f"{what} path {path} does not exist.", tip=tip)
    return found, problems


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _exists(path: Path) -> bool:
    """True unless nothing is there: a path that cannot be looked at is read, and says why."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return False
    except OSError:
        return True
    return True


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it: stable across machines in reports."""
    try:
        inside = real_path(path).is_relative_to(real_path(Path.cwd()))
        return os.path.relpath(path) if inside else str(path)
    except (OSError, ValueError):
        return str(path)
