"""Canary secrets planted across the whole suite, and the one scanner that looks for them.

Every account the tests build from `tests.support.accounts` carries these passwords, every account the
generator makes has a password starting with `Canary-`, and the API tests use `API_KEY`. The
conftest hooks scan every test's captured output and log records, every CLI run's stdout and
stderr, and at the end of the session every report or snapshot the tests wrote: a match fails
the run."""

from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

API_KEY = "CANARY+k3y/9f8e7d6c5b4a=="
SMTP_PASSWORD = "Canary-smtp-pass-31f9!"
IMAP_PASSWORD = "Canary-imap-pass-77c2!"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


SMTP_PASSWORD_B64 = b64(SMTP_PASSWORD)
IMAP_PASSWORD_B64 = b64(IMAP_PASSWORD)
# Generated passwords are `Canary-<label>-<hex>!`: decoded they contain "Canary-", encoded they
# start with the base64 of "Canary" (6 bytes, so it encodes on its own: "Q2FuYXJ5").
MARKERS = (
    API_KEY,
    quote(API_KEY, safe=""),
    quote_plus(API_KEY),
    "9f8e7d6c5b4a",
    "Canary-",
    "Q2FuYXJ5",
)


def leaks(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker in text]
