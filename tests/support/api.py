"""Helpers shared by the live-fetch tests (no tests here): settings aimed at the local test server,
and isolation from the developer's own SMARTLEAD_* environment, ./.env and redactor state."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.api_settings import Settings
from auditor.model.account import EmailAccount, Inventory
from auditor.sources.inventory import parse_accounts
from auditor.testing.server import SmartLeadServer

KEY = "sl-test-key-7f3a9c2e51"


def fast_settings(server: SmartLeadServer, **overrides: Any) -> Settings:
    """Quick retries and no client-side pacing to speak of, against the local server only."""
    values: dict[str, Any] = {
        "api_key": KEY,
        "base_url": server.base_url,
        "rate": 1000.0,
        "rate_per_minute": 0,
        "rate_per_hour": 0,
        "concurrency": 8,
        "timeout": 2.0,
        "retries": 3,
        "backoff": 0.01,
    }
    values.update(overrides)
    assert values["base_url"].startswith("http://127.0.0.1:")
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def expected_accounts(server: SmartLeadServer) -> list[EmailAccount]:
    """The server's current inventory, parsed the way the client parses it, sorted by id."""
    return sorted(parse_accounts(server.accounts), key=lambda a: a.id)


def assert_same_inventory(inventory: Inventory, server: SmartLeadServer) -> None:
    got = list(inventory.accounts)
    want = expected_accounts(server)
    assert [a.id for a in got] == [a.id for a in want]
    assert got == want


def set_env(monkeypatch: pytest.MonkeyPatch, server: SmartLeadServer, key: str = KEY) -> None:
    monkeypatch.setenv("SMARTLEAD_API_KEY", key)
    monkeypatch.setenv("SMARTLEAD_BASE_URL", server.base_url)
    monkeypatch.setenv("SMARTLEAD_RATE", "1000")
    monkeypatch.setenv("SMARTLEAD_RATE_PER_MINUTE", "0")
    monkeypatch.setenv("SMARTLEAD_RATE_PER_HOUR", "0")
    monkeypatch.setenv("SMARTLEAD_BACKOFF", "0.01")
    monkeypatch.setenv("SMARTLEAD_TIMEOUT", "2")
