"""Shared fixtures: paths to shipped data and a runner for the real CLI entry point."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import auditor.cli
from auditor.cli import main
from auditor.redact import REDACTOR
from auditor.testing.server import SmartLeadServer
from tests.support.api import KEY, set_env
from tests.support.canary import leaks
from tests.support.shared import REPO, CliResult


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``smartlead-audit ARGS`` in-process through ``auditor.cli.main``."""

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        found = leaks(captured.out + captured.err)
        assert not found, f"a canary secret leaked into the CLI's output: {found}"
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[Any, str], Path]:
    def write(data: Any, name: str = "inventory.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_policy(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "policy.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/* from the current output instead of comparing",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/NAME, or rewrite it with --update-golden."""

    def check(name: str, text: str) -> None:
        path = REPO / "tests" / "golden" / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.read_text(encoding="utf-8") == text, (
            f"{name} changed; if intended, rerun with --update-golden and review the diff"
        )

    return check


# --- the suite-wide canary net (tests/canary.py) ---------------------------------------------

OUTPUT_SUFFIXES = (".html", ".md", ".sarif", ".xml", ".csv", ".log", ".txt")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Fail a test whose captured stdout, stderr or log records carry a canary secret."""
    outcome = yield
    report = outcome.get_result()
    found = sorted({m for _, text in report.sections for m in leaks(text)})
    if found and report.passed and report.when != "teardown":
        report.outcome = "failed"
        report.longrepr = f"a canary secret leaked into captured output or logs: {found}"


def _is_output(path: Path) -> bool:
    """Reports, snapshots and drift documents the tool wrote (inputs carry canaries on purpose)."""
    if path.name.startswith("audit") or path.suffix in OUTPUT_SUFFIXES:
        return True
    if path.suffix != ".json" or path.stat().st_size > 300_000_000:
        return False
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(document, dict) and str(document.get("schema", "")).startswith(
        "smartlead-auditor/"
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Scan every report or snapshot the suite wrote for canary secrets."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    roots = [REPO / "reports"]
    if factory is not None:
        roots.append(factory.getbasetemp())
    leaked = []
    for root in roots:
        for path in root.rglob("*") if root.exists() else ():
            if path.is_file() and not path.is_symlink() and _is_output(path):
                found = leaks(path.read_text(encoding="utf-8", errors="replace"))
                if found:
                    leaked.append(f"{path}: {found}")
    if leaked:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("canary secrets leaked into files:\n" + "\n".join(leaked), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SMARTLEAD_* from the environment, no ./.env, and redactor secrets restored after."""
    for name in list(os.environ):
        if name.startswith("SMARTLEAD_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(REDACTOR, "_secrets", list(REDACTOR._secrets))
    return tmp_path


@pytest.fixture
def live_env(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmartLeadServer]:
    """A running server with 250 accounts and the environment a user would set for it."""
    with SmartLeadServer(250, api_key=KEY) as server:
        set_env(monkeypatch, server)
        yield server


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[logging.LogRecord]]:
    """Every log record at DEBUG, captured before the CLI's own (redacting) handler sees it."""
    captured: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    keep = Keep(level=logging.DEBUG)
    real = auditor.cli.configure_logging

    def configure(verbosity: int) -> None:
        real(verbosity)
        logging.getLogger().handlers.insert(0, keep)

    monkeypatch.setattr(auditor.cli, "configure_logging", configure)
    yield captured
    logging.getLogger().removeHandler(keep)
