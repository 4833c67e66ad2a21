"""A test server with the write side, the environment aimed at it, and a policy whose findings
``plan`` can fix (and some it cannot)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.testing.server import SmartLeadServer
from tests.support.api import KEY, set_env

POLICY = """\
version: 1
rules:
  - rule: daily-send-limit
    max: 40
  - rule: send-gap
    min_minutes: 10
  - rule: bcc-required
    address: archive@compliance.example
  - rule: warmup
    fix: {total_warmup_per_day: 20, daily_rampup: 5, reply_rate_percentage: 30}
  - rule: smtp-connected
"""
FIXED_RULES = ("daily-send-limit", "send-gap", "bcc-required", "warmup")


@pytest.fixture
def server(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmartLeadServer]:
    with SmartLeadServer(120, api_key=KEY) as running:
        set_env(monkeypatch, running)
        yield running


@pytest.fixture
def policy(isolated: Path) -> Path:
    path = isolated / "policies" / "house.yaml"
    path.parent.mkdir()
    path.write_text(POLICY, encoding="utf-8")
    return path
