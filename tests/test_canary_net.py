"""The suite-wide canary net must catch every planted secret (or it proves nothing)."""

from __future__ import annotations

import base64
from pathlib import Path

from auditor.redact import register_secret, shorten
from auditor.testing.generator import generate_accounts
from tests.support.accounts import BASE_WIRE
from tests.support.canary import API_KEY, IMAP_PASSWORD, SMTP_PASSWORD, leaks


def test_every_generated_password_is_caught_in_both_forms() -> None:
    secrets = [
        a[k] for a in generate_accounts(300, seed=11) for k in ("password", "imap_password") if a[k]
    ]
    assert len(secrets) > 100
    for encoded in secrets:
        assert leaks(f"... {encoded} ...")
        assert leaks(base64.b64decode(encoded).decode())


def test_fixed_canaries_are_planted_and_caught() -> None:
    assert base64.b64decode(BASE_WIRE["password"]).decode() == SMTP_PASSWORD
    assert base64.b64decode(BASE_WIRE["imap_password"]).decode() == IMAP_PASSWORD
    for secret in (
        SMTP_PASSWORD,
        IMAP_PASSWORD,
        BASE_WIRE["password"],
        API_KEY,
        "api_key=CANARY%2Bk3y%2F9f8e7d6c5b4a%3D%3D",
    ):
        assert leaks(secret), secret
    assert leaks("nothing to see here") == []


def test_a_cut_message_keeps_no_part_of_a_secret(isolated: Path) -> None:
    key = "sl-test-key-7f3a9c2e51aa"
    register_secret(key)
    for position in range(140, 175):
        body = "x" * position + key + " rest of the body"
        for limit in (150, 160, 170):
            shown = shorten(body, limit)
            assert len(shown) <= limit
            assert not any(key[:size] in shown for size in range(4, len(key) + 1)), shown
    truncated_by_server = "Invalid API key " + key[:12]
    assert key[:12] not in shorten(
        truncated_by_server + " " + "y" * 200, len(truncated_by_server) + 1
    )
