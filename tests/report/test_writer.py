"""Report files are streamed: no format holds its whole text. A run's reports are one set, all or
nothing: a run that fails or is interrupted (Ctrl-C, SIGTERM) while writing any of them leaves the
whole previous set as it was, and no temporary file."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import pytest

from auditor.errors import Terminated
from auditor.model.result import AuditResult
from auditor.report import FILE_FORMATS, ReportFormat, output
from auditor.testing.generator import generate_accounts
from tests.support.browser import STRICT_POLICY, audit
from tests.support.shared import DEMO_INVENTORY, SHIPPED_POLICIES, CliResult


class LargestWrite(io.StringIO):
    """Keeps what is written, and the length of the largest single write."""

    largest = 0

    def write(self, text: str) -> int:
        self.largest = max(self.largest, len(text))
        return super().write(text)


@pytest.fixture(scope="module")
def large_result(tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    """6,000 accounts, about 24,000 findings: the reports are MBs (the Markdown one is capped)."""
    return audit(generate_accounts(6000, seed=4), STRICT_POLICY, tmp_path_factory.mktemp("large"))


@pytest.mark.parametrize("fmt", list(FILE_FORMATS))
def test_no_format_writes_its_text_in_one_piece(
    fmt: ReportFormat, large_result: AuditResult
) -> None:
    stream = LargestWrite()
    FILE_FORMATS[fmt].write(large_result, stream)
    size = len(stream.getvalue())
    assert size > 40_000
    assert stream.largest * 10 < size, (stream.largest, size)


class FailingStream:
    """Passes the first write on to the real file and raises ``error`` at the second, recording
    how much of the temporary file was on disk by then."""

    def __init__(self, stream: TextIO, error: BaseException) -> None:
        self.stream, self.error = stream, error
        self.on_disk: int | None = None

    def write(self, text: str) -> int:
        self.stream.flush()
        self.on_disk = os.fstat(self.stream.fileno()).st_size
        if self.on_disk:
            raise self.error
        return self.stream.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)


Run = Callable[..., CliResult]


def _fail_while_writing(
    monkeypatch: pytest.MonkeyPatch, error: BaseException, name: str
) -> list[FailingStream]:
    """Make the CLI's report writer fail in the middle of writing the report called ``name``."""
    streams: list[FailingStream] = []
    real = output.StagedFiles.stream

    @contextmanager
    def failing(self: output.StagedFiles, path: Path) -> Iterator[TextIO | FailingStream]:
        with real(self, path) as stream:
            if path.name != name:
                yield stream
            else:
                streams.append(FailingStream(stream, error))
                yield streams[-1]

    monkeypatch.setattr(output.StagedFiles, "stream", failing)
    return streams


def _check(run_cli: Run, out: Path, *formats: str) -> CliResult:
    flags = [arg for fmt in formats for arg in ("--format", fmt)]
    inventory = ("--inventory", DEMO_INVENTORY, "--policy", SHIPPED_POLICIES)
    return run_cli("check", *inventory, "--output-dir", out, *flags, "-q")


@pytest.mark.parametrize("fmt", list(FILE_FORMATS))
def test_ctrl_c_while_writing_keeps_the_previous_report(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: ReportFormat
) -> None:
    name = FILE_FORMATS.filename(fmt)
    (tmp_path / name).write_text("the previous report\n")
    streams = _fail_while_writing(monkeypatch, KeyboardInterrupt(), name)
    result = _check(run_cli, tmp_path, fmt)
    assert result.code == 130
    assert streams[0].on_disk  # it failed mid-write, with part of the report on disk
    assert (tmp_path / name).read_text() == "the previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (KeyboardInterrupt(), 130, "smartlead-audit: interrupted"),
        (Terminated(), 143, "smartlead-audit: terminated"),
        (OSError(errno.ENOSPC, "No space left on device"), 2, "No space left on device."),
        (RuntimeError("kaboom"), 4, "internal error: RuntimeError: kaboom"),
    ],
)
def test_a_failure_in_the_second_report_keeps_the_whole_previous_set(
    run_cli: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    code: int,
    message: str,
) -> None:
    """The Markdown report is complete when the HTML one fails; it is not put in place either:
    a new audit.md beside an old audit.html would describe two different runs."""
    (tmp_path / "audit.md").write_text("the previous markdown\n")
    (tmp_path / "audit.html").write_text("the previous html\n")
    streams = _fail_while_writing(monkeypatch, error, "audit.html")
    result = _check(run_cli, tmp_path, "markdown", "html")
    assert result.code == code
    assert message in result.err
    if code == 2:
        assert f"cannot write {tmp_path / 'audit.html'}" in result.err
    assert streams[0].on_disk
    assert (tmp_path / "audit.md").read_text() == "the previous markdown\n"
    assert (tmp_path / "audit.html").read_text() == "the previous html\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.html", "audit.md"]


def test_a_signal_right_as_a_temporary_file_is_created_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is registered before it exists: a signal the instant ``open`` returns (which is
    where a SIGTERM sent on seeing the file lands) still has it removed."""
    real = os.open

    def open_then_signal(path: str | Path, flags: int, mode: int = 0o777) -> int:
        real(path, flags, mode)
        raise Terminated

    monkeypatch.setattr(output.os, "open", open_then_signal)
    with pytest.raises(Terminated), output.atomic_text(tmp_path / "audit.json"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_failure_in_the_second_report_writes_no_first_one(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_while_writing(monkeypatch, KeyboardInterrupt(), "audit.html")
    assert _check(run_cli, tmp_path, "markdown", "html").code == 130
    assert list(tmp_path.iterdir()) == []


def test_no_report_is_renamed_before_every_report_is_complete(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the first rename, every report of the set is on disk in full, under its temporary name."""
    renames: list[str] = []
    at_first_rename: dict[str, int] = {}
    real = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        if not renames:
            for temp in tmp_path.glob(".*.tmp"):
                at_first_rename[temp.name.rsplit(".", 2)[0][1:]] = temp.stat().st_size
        renames.append(Path(dst).name)
        real(src, dst)

    monkeypatch.setattr(output.os, "replace", replace)
    assert _check(run_cli, tmp_path, "json", "markdown", "html").code == 1
    assert renames == ["audit.json", "audit.md", "audit.html"]
    final = {p.name: p.stat().st_size for p in tmp_path.iterdir()}
    assert at_first_rename == final
    assert json.loads((tmp_path / "audit.json").read_text())["summary"]["result"] == "fail"


def test_a_complete_run_replaces_the_whole_previous_set(run_cli: Run, tmp_path: Path) -> None:
    for name in ("audit.json", "audit.md"):
        (tmp_path / name).write_text("the previous report\n")
    assert _check(run_cli, tmp_path, "json", "markdown").code == 1
    assert (tmp_path / "audit.md").read_text().startswith("# SmartLead audit")
    assert json.loads((tmp_path / "audit.json").read_text())["summary"]["result"] == "fail"


# --- SIGTERM, through the real console entry point ---------------------------------------------

FORMATS = ("json", "html", "markdown", "sarif")
REPORTS = sorted(FILE_FORMATS.filename(ReportFormat(f)) for f in FORMATS)


@pytest.fixture(scope="module")
def big_inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 accounts: reading, auditing and writing them takes seconds, time to be signalled."""
    path = tmp_path_factory.mktemp("big") / "inventory.json"
    path.write_text(json.dumps(generate_accounts(20000)), encoding="utf-8")
    return path


def _start_check(inventory: Path, out: Path) -> subprocess.Popen[str]:
    for name in REPORTS:
        (out / name).write_text("the previous report\n")
    argv = ["check", "--inventory", str(inventory), "--policy", str(SHIPPED_POLICIES)]
    argv += ["--output-dir", str(out), "-q", *(a for f in FORMATS for a in ("--format", f))]
    return subprocess.Popen(
        [sys.executable, "-m", "auditor", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=out,
    )


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has its SIGTERM handler installed (Linux: SigCgt in /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(
        next(
            v for k, _, v in (line.partition(":") for line in status.splitlines()) if k == "SigCgt"
        ),
        16,
    )
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def _wait_until(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert process.poll() is None, "the run ended before it could be signalled"
        assert time.monotonic() < deadline
        time.sleep(0.002)


def _assert_terminated_cleanly(process: subprocess.Popen[str], out: Path) -> None:
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout, stderr) == (143, "", "smartlead-audit: terminated\n")
    assert sorted(p.name for p in out.iterdir()) == REPORTS  # no .audit.*.tmp left
    for name in REPORTS:
        assert (out / name).read_text() == "the previous report\n"


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux /proc")


@needs_proc
def test_sigterm_exits_143_and_keeps_the_previous_reports(
    big_inventory: Path, tmp_path: Path
) -> None:
    """Signalled as soon as the entry point handles SIGTERM, so while it is still reading the
    inventory: deterministic, whatever the machine's speed."""
    process = _start_check(big_inventory, tmp_path)
    _wait_until(lambda: _catches_sigterm(process.pid), process)
    _assert_terminated_cleanly(process, tmp_path)


@needs_proc
def test_sigterm_while_writing_the_reports_removes_every_temporary_file(
    big_inventory: Path, tmp_path: Path
) -> None:
    """Signalled once the first temporary report appears: with four reports of 20,000 accounts
    (tens of MB) still to write, the run is in the middle of writing them."""
    process = _start_check(big_inventory, tmp_path)
    _wait_until(lambda: any(p.name.endswith(".tmp") for p in tmp_path.iterdir()), process)
    _assert_terminated_cleanly(process, tmp_path)
