"""Run a side computation on the other core: a forked child computes, this process carries on.

A forked child sees every object of this process as it is (copy-on-write: nothing is pickled on
the way in), so a large run can hand it work on the inventory it already holds. The child sends
its return value back pickled through a pipe, or what went wrong, and exits without cleanup.

Tasks compute and return; they must not write files or print: the child may be killed at any
point (when this side fails or is interrupted), and this side does all the writing.

Forking is used only on Linux and only while no other thread runs (forking a threaded process
can deadlock the child); callers check ``can_fork`` and do the work in-process otherwise.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

from auditor.errors import ApiError, AuditorError, InventoryError, OutputError, UsageError
from auditor.redact import redact

T = TypeVar("T")

# Expected failures a child may report, rebuilt here with their message and tip.
_REBUILT: dict[str, type[AuditorError]] = {
    cls.__name__: cls for cls in (UsageError, OutputError, InventoryError, ApiError)
}
_INTERRUPTED = 130


def can_fork() -> bool:
    return sys.platform.startswith("linux") and threading.active_count() == 1


class Forked(Generic[T]):
    """``task()`` running in a forked child; ``result()`` waits for it and returns its value, or
    raises what it raised (an ``AuditorError`` as itself, Ctrl-C as ``KeyboardInterrupt``, any
    other failure as ``RuntimeError`` naming ``what``).

    Use it as a context manager: leaving the block without a result (this side failed, or no
    longer needs the answer) kills and reaps the child, so no process is left behind.
    """

    def __init__(self, task: Callable[[], T], *, what: str) -> None:
        self.what = what
        self._done = False
        reader, writer = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # or the child would write their buffers again
            with contextlib.suppress(Exception):
                stream.flush()
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            raise
        if pid == 0:  # the child: never returns
            os.close(reader)
            _run_child(task, writer)
        os.close(writer)
        self.pid, self._reader = pid, reader

    def result(self) -> T:
        try:
            message = _read_all(self._reader)  # returns once the child has closed the pipe
        finally:
            self._close()
        _, status = os.waitpid(self.pid, 0)
        self._done = True
        return self._decode(message, os.waitstatus_to_exitcode(status))

    def stop(self) -> None:
        """Kill the child (it only computes: nothing to clean up) and reap it."""
        if self._done:
            return
        self._close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self._done = True

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def _close(self) -> None:
        if self._reader >= 0:
            os.close(self._reader)
            self._reader = -1

    def _decode(self, message: bytes, code: int) -> T:
        if code == _INTERRUPTED:
            raise KeyboardInterrupt
        try:
            outcome = pickle.loads(message) if message else None  # noqa: S301 - our own child
        except Exception:  # a child killed halfway through writing
            outcome = None
        if code == 0 and isinstance(outcome, tuple) and outcome[0] == "value":
            value: T = outcome[1]
            return value
        if isinstance(outcome, tuple) and outcome[0] == "expected" and outcome[1] in _REBUILT:
            raise _REBUILT[outcome[1]](outcome[2], tip=outcome[3])
        if isinstance(outcome, tuple) and outcome[0] == "failed":
            raise RuntimeError(f"{self.what} failed: {outcome[1]}")
        raise RuntimeError(f"{self.what} failed: its process stopped with status {code}")


def _run_child(task: Callable[[], T], writer: int) -> None:
    code, outcome = 1, b""
    try:
        try:
            outcome = pickle.dumps(("value", task()), protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        except KeyboardInterrupt:
            code = _INTERRUPTED
        except AuditorError as exc:
            outcome = pickle.dumps(("expected", type(exc).__name__, redact(exc.message),
                                    None if exc.tip is None else redact(exc.tip)))
        except BaseException as exc:  # reported by the parent, which exits 4 like any bug
            outcome = pickle.dumps(("failed", redact(f"{type(exc).__name__}: {exc}")))
        with contextlib.suppress(Exception):
            _write_all(writer, outcome)
    finally:
        os._exit(code)


def _write_all(writer: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(writer, view):]


def _read_all(reader: int) -> bytes:
    chunks = []
    while chunk := os.read(reader, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)
