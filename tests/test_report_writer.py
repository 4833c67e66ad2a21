"""Reports started on the inventory, on another core: the forked writer must write exactly what
the sequential one writes, surface any failure of either side, and leave no process or temporary
file behind."""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import auditor.commands.check as check_command
import auditor.report_writer as report_writer
from auditor.engine import evaluate
from auditor.errors import OutputError
from auditor.inventory import parse_accounts
from auditor.models import AuditResult, EmailAccount, FailOn, Inventory, InventoryInfo
from auditor.policy.loader import load_policy
from auditor.report import FILE_FORMATS, EarlyStart, FileFormat, ReportFormat
from auditor.report_writer import ReportWriter, Target
from auditor.testing.generator import generate_accounts
from tests.conftest import SHIPPED_POLICIES

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the forked writer runs on Linux only, by design")


@pytest.fixture(scope="module")
def result() -> AuditResult:
    inventory = Inventory(parse_accounts(generate_accounts(300, seed=5)), InventoryInfo("t"))
    return evaluate(load_policy([SHIPPED_POLICIES]), inventory, fail_on=FailOn.ERROR,
                    now=datetime(2026, 11, 26, tzinfo=UTC))


@pytest.fixture
def forks(forked_children: list[int], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every fork the writer makes (child pids), with the size threshold out of the way."""
    monkeypatch.setattr(report_writer, "FORK_MIN_ACCOUNTS", 0)
    return forked_children


def _targets(folder: Path) -> list[Target]:
    folder.mkdir()
    return [(folder / fmt.filename, fmt) for fmt in FILE_FORMATS.values()]


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _write(targets: Sequence[Target], result: AuditResult) -> None:
    with ReportWriter(targets, result.accounts) as writer:
        writer.write(result)


def test_forked_writer_writes_what_the_sequential_one_writes(
    result: AuditResult, tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReportWriter(_targets(tmp_path / "forked"), result.accounts) as writer:
        assert len(forks) == 1  # started on the inventory alone, before any result exists
        writer.write(result)
    monkeypatch.setattr(report_writer, "FORK_MIN_ACCOUNTS", 10**9)
    _write(_targets(tmp_path / "sequential"), result)
    assert len(forks) == 1  # no fork below the threshold
    forked, sequential = _files(tmp_path / "forked"), _files(tmp_path / "sequential")
    assert forked == sequential
    assert "audit.html" in forked and len(forked) == len(FILE_FORMATS)


def test_a_result_for_other_accounts_is_rendered_here(
    result: AuditResult, tmp_path: Path, forks: list[int]
) -> None:
    """What the child prepared describes the accounts it was given, and no others."""
    other = replace(result, accounts=result.accounts[:10])
    html = FILE_FORMATS[ReportFormat.HTML]
    with ReportWriter([(tmp_path / "a.html", html)], result.accounts) as writer:
        writer.write(other)
    _write([(tmp_path / "b.html", html)], other)  # forks again, for other.accounts
    assert len(forks) == 2
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert b"\"accounts\":{\"n\":10," in (tmp_path / "a.html").read_bytes()


def _failing_html(prepare: Callable[[Sequence[EmailAccount]], Any]) -> FileFormat:
    html = FILE_FORMATS[ReportFormat.HTML]
    assert html.early is not None
    return replace(html, early=EarlyStart(prepare, html.early.finish))


def _boom(_: object) -> Any:
    raise ValueError("boom")


def _unwritable(_: object) -> Any:
    raise OutputError("cannot write x.html: Permission denied.", tip="pick another folder")


@pytest.mark.parametrize(("prepare", "error", "text"), [
    (_boom, RuntimeError, "preparing the reports failed: ValueError: boom"),
    (_unwritable, OutputError, "cannot write x.html: Permission denied."),
])
def test_a_failure_in_the_child_is_raised_here(
    result: AuditResult, tmp_path: Path, forks: list[int],
    prepare: Callable[[Sequence[EmailAccount]], Any], error: type[Exception], text: str
) -> None:
    targets = [(path, _failing_html(prepare) if path.suffix == ".html" else fmt)
               for path, fmt in _targets(tmp_path / "out")]
    with pytest.raises(error) as raised:
        _write(targets, result)
    assert text in str(raised.value)
    assert len(forks) == 1
    written = _files(tmp_path / "out")
    assert "audit.html" not in written and "audit.json" in written  # this side still wrote
    assert not [name for name in written if name.endswith(".tmp")]


def test_a_failure_here_stops_and_reaps_the_child(
    result: AuditResult, tmp_path: Path, forks: list[int]
) -> None:
    json_format = replace(FILE_FORMATS[ReportFormat.JSON], render=_boom)
    targets = [(path, json_format if path.suffix == ".json" else fmt)
               for path, fmt in _targets(tmp_path / "out")]
    with pytest.raises(ValueError, match="boom"):
        _write(targets, result)
    assert len(forks) == 1  # and the fixture checks it was reaped
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_a_failed_evaluation_stops_and_reaps_the_child(
    result: AuditResult, tmp_path: Path, forks: list[int]
) -> None:
    with pytest.raises(ValueError, match="evaluation"), \
            ReportWriter(_targets(tmp_path / "out"), result.accounts):
        raise ValueError("evaluation failed")
    assert len(forks) == 1 and not list((tmp_path / "out").iterdir())


def test_check_cli_writes_the_same_reports_with_and_without_the_fork(
    run_cli, tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps(generate_accounts(200, seed=9)))
    # One clock for both runs: every report states when it was made (to the second), and two
    # runs may fall on either side of a second.
    monkeypatch.setattr(check_command, "datetime", _StoppedClock)
    args = ["check", "--inventory", inventory, "--policy", SHIPPED_POLICIES, "--format", "json",
            "--format", "html", "--format", "markdown", "--format", "sarif", "--output-dir"]
    forked = run_cli(*args, tmp_path / "a")
    monkeypatch.setattr(report_writer, "FORK_MIN_ACCOUNTS", 10**9)
    sequential = run_cli(*args, tmp_path / "b")
    assert forked.code == sequential.code == 1
    assert len(forks) == 1
    assert forked.err.count("wrote ") == 4
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(a) == 4 and all(a.values())
    assert a == b
    assert json.loads(a["audit.json"])["generated_at"] == _StoppedClock.now(UTC).isoformat()


class _StoppedClock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:
        return datetime(2026, 11, 26, 12, 0, 0, tzinfo=tz)


def _slow(_: object) -> Any:
    time.sleep(30)


def test_ctrl_c_while_waiting_stops_the_child_and_leaves_no_report(
    result: AuditResult, tmp_path: Path, forks: list[int]
) -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    targets = [(path, _failing_html(_slow) if path.suffix == ".html" else fmt)
               for path, fmt in _targets(tmp_path / "out")]
    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.0)  # this process only: the child keeps sleeping
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            _write(targets, result)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 10  # the child was interrupted, not waited out
    assert len(forks) == 1  # and the fixture checks it was reaped
    written = _files(tmp_path / "out")
    assert "audit.html" not in written and not [n for n in written if n.endswith(".tmp")]
