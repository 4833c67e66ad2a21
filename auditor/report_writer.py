"""Write the report files of a run, on two cores when the result is large.

Every format is a pure function of the same in-memory `AuditResult`, and at 50,000 accounts the
HTML report alone takes about as long as all the others together. A forked child sees the result
as it is (copy-on-write: nothing to pickle), writes the HTML report atomically while this process
writes the rest, and reports back through a pipe: an empty message, or what went wrong. Only on
Linux with no other thread running (forking a threaded process is unsafe), and only for large
results, where the fork (a few milliseconds) is small against the work it moves.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from auditor.errors import AuditorError, ExitCode, OutputError
from auditor.models import AuditResult
from auditor.output import write_atomic
from auditor.redact import redact

Render = Callable[[AuditResult], str]
Target = tuple[Path, Render]
FORK_MIN_ACCOUNTS = 5_000


def write_reports(targets: Sequence[Target], result: AuditResult) -> None:
    """Render and write every target; raise as a sequential run would (first failure wins)."""
    if not _worth_forking(targets, result):
        for path, render in targets:
            write_atomic(path, render(result))
        return
    index = next((i for i, (path, _) in enumerate(targets) if path.suffix == ".html"), 0)
    rest = [target for i, target in enumerate(targets) if i != index]
    child, reader = _fork_writer(targets[index], result)
    try:
        for path, render in rest:
            write_atomic(path, render(result))
        outcome = _read(reader)  # returns when the child has exited (or closed the pipe)
    except BaseException:  # this side failed, or Ctrl-C while writing or waiting
        _stop(child)
        raise
    finally:
        os.close(reader)
    _join(child, outcome)


def _worth_forking(targets: Sequence[Target], result: AuditResult) -> bool:
    return (
        len(targets) > 1
        and len(result.accounts) >= FORK_MIN_ACCOUNTS
        and sys.platform.startswith("linux")
        and threading.active_count() == 1
    )


def _fork_writer(target: Target, result: AuditResult) -> tuple[int, int]:
    reader, writer = os.pipe()
    for stream in (sys.stdout, sys.stderr):  # or the child would write their buffers again
        with contextlib.suppress(Exception):
            stream.flush()
    pid = os.fork()
    if pid == 0:  # the child: write one report, send back the outcome, never return
        os.close(reader)
        code, outcome = 0, {}
        try:
            path, render = target
            write_atomic(path, render(result))
        except KeyboardInterrupt:
            code = ExitCode.INTERRUPTED
        except AuditorError as exc:
            code, outcome = 1, {"expected": True, "message": exc.message, "tip": exc.tip}
        except BaseException as exc:  # reported by the parent, which exits 4 like any bug
            code, outcome = 1, {"expected": False, "message": f"{type(exc).__name__}: {exc}"}
        finally:
            with contextlib.suppress(Exception):
                os.write(writer, redact(json.dumps(outcome)).encode("utf-8"))
            os._exit(int(code))
    os.close(writer)
    return pid, reader


def _join(child: int, outcome: dict[str, str]) -> None:
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if code == 0:
        return
    message = outcome.get("message") or f"the report writer stopped with status {code}"
    if outcome.get("expected"):
        raise OutputError(message, tip=outcome.get("tip"))
    raise RuntimeError(f"writing a report failed: {message}")


def _stop(child: int) -> None:
    """This side failed or was interrupted: interrupt the child too (its atomic write cleans up
    after itself on KeyboardInterrupt) and wait for it, so no process is left behind."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(child, signal.SIGINT)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(child, 0)


def _read(reader: int) -> dict[str, str]:
    chunks = []
    while chunk := os.read(reader, 65536):
        chunks.append(chunk)
    try:
        outcome = json.loads(b"".join(chunks).decode("utf-8", "replace") or "{}")
    except ValueError:
        return {}
    return outcome if isinstance(outcome, dict) else {}
