"""A test server with the write side, the environment aimed at it, and a policy whose findings
``plan`` can fix (and some it cannot)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.testing.server import SmartLeadServer

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
def server(live_env: SmartLeadServer) -> SmartLeadServer:
    """The suite's test server (250 accounts, environment set), which has the write side."""
    return live_env


@pytest.fixture
def policy(isolated: Path) -> Path:
    path = isolated / "policies" / "house.yaml"
    path.parent.mkdir()
    path.write_text(POLICY, encoding="utf-8")
    return path
