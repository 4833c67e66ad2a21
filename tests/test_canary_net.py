"""The suite-wide canary net must catch every planted secret (or it proves nothing)."""

from __future__ import annotations

import base64

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
