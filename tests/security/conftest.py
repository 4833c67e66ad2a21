"""Fixtures of the canary suite: a workspace whose inputs are kept apart from what the tool
writes, log records caught before any handler (the CLI's redacting one included) sees them, and
one call that gathers everything a run left behind for the scanner."""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from tests.support.shared import CliResult


class Workspace:
    """``root`` is the working directory; inputs (which carry canaries on purpose) go to
    ``root/in`` and are the only files the scan skips."""

    def __init__(self, root: Path, records: list[logging.LogRecord]) -> None:
        self.root = root
        self.inputs = root / "in"
        self.inputs.mkdir()
        self.records = records

    def write(self, name: str, content: Any) -> Path:
        path = self.inputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        path.write_text(text, encoding="utf-8")
        return path

    def outputs(self) -> dict[str, str]:
        """Every file the tool wrote (reports, snapshots, baselines), by path."""
        return {
            str(path.relative_to(self.root)): path.read_text(encoding="utf-8", errors="replace")
            for path in sorted(self.root.rglob("*"))
            if path.is_file() and self.inputs not in path.parents
        }

    def run_process(self, env: dict[str, str], *args: str) -> CliResult:
        """``python -m auditor -vv ARGS`` in its own process, here: what a shell user sees."""
        done = subprocess.run(
            [sys.executable, "-m", "auditor", "-vv", *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
        return CliResult(done.returncode, done.stdout, done.stderr)

    def log_texts(self) -> str:
        texts = []
        for record in self.records:
            texts.append(f"{record.name}: {record.getMessage()}")
            if record.exc_info and record.exc_info[1] is not None:
                texts.append("".join(traceback.format_exception(*record.exc_info)))
            texts.append(record.exc_text or "")
        return "\n".join(texts)

    def evidence(self, *results: CliResult) -> dict[str, str]:
        """stdout and stderr of ``results``, the raw log records, and every written file."""
        texts = {}
        for number, result in enumerate(results):
            texts[f"run {number} stdout"] = result.out
            texts[f"run {number} stderr"] = result.err
        texts["log records"] = self.log_texts()
        texts.update(self.outputs())
        return texts


@pytest.fixture
def workspace(isolated: Path, records: list[logging.LogRecord]) -> Workspace:
    return Workspace(isolated, records)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test here may reach anything but this machine (the test server is on 127.0.0.1)."""
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = ipaddress.ip_address(address[0])
            assert host.is_loopback, f"a test tried to connect to {address}"
        real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
