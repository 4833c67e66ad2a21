"""`apply` reads accounts back the way the fetch reads them: pages unscrubbed, then every account
scrubbed once with every password those pages held (one account's password can leak into
another account's error text)."""

from __future__ import annotations

import asyncio
import base64

import pytest

import auditor.remediation.wire as wire_module
from auditor.model.account import EmailAccount
from auditor.redact import SecretSet
from auditor.remediation.pace import make_pacer
from auditor.remediation.wire import Wire, read_plan
from auditor.testing.generator import generate_accounts
from auditor.testing.server import SmartLeadServer
from tests.support.api import KEY, fast_settings


def test_a_read_back_scrubs_another_accounts_password_once(monkeypatch: pytest.MonkeyPatch) -> None:
    records = generate_accounts(150, seed=7)
    other = next(r for r in records[99:] if isinstance(r.get("password"), str))  # page two
    leaked = base64.b64decode(other["password"]).decode()
    records[0] = {**records[0], "smtp_failure_error": f"535 AUTH failed for {leaked}"}
    scrubbed: list[int] = []
    real = wire_module.scrub_accounts

    def counting(accounts: list[EmailAccount], secrets: SecretSet) -> None:
        scrubbed.append(len(accounts))
        real(accounts, secrets)

    monkeypatch.setattr(wire_module, "scrub_accounts", counting)
    wanted = {r["id"]: r["from_email"] for r in records}
    assert read_plan(len(wanted), len(records))[0] == "pages"

    async def read() -> dict[int, EmailAccount]:
        settings = fast_settings(server)
        async with Wire(settings, KEY, make_pacer(settings)) as wire:
            return await wire.read(wanted, len(records))

    with SmartLeadServer(records, api_key=KEY) as server:
        found = asyncio.run(read())
    first = found[records[0]["id"]]
    assert first.smtp_failure_error is not None
    assert leaked not in first.smtp_failure_error
    assert "[REDACTED]" in first.smtp_failure_error
    assert scrubbed == [150]  # once, with every page's passwords, not page by page
