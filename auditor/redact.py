"""The one place that scrubs secrets from URLs, messages and log records.

The API key travels in the query string, and httpx puts URLs into log records and exception
messages; every text that can reach a user passes through here first.
"""

from __future__ import annotations

import binascii
import logging
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
# Shorter "secrets" would scrub ordinary words out of error messages; real passwords are longer.
MIN_SECRET_LENGTH = 4
_QUERY_NAMES = ("api_key", "apikey", "password", "token")
_QUERY_SECRET = re.compile(r"(?i)\b(api_key|apikey|password|imap_password|token)=([^&\s'\"#]+)")


class Redactor:
    """Scrubs known secret values and ``api_key=...``-style query parameters from text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)
            # Longest first, so a secret containing another is scrubbed whole.
            self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str, also: Iterable[str] = ()) -> str:
        """``text`` without these secrets, nor those in ``also`` (an account's own passwords)."""
        secrets = sorted({*self._secrets, *also}, key=len, reverse=True) if also else self._secrets
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        if _may_hold_query_secret(text):
            text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
        return text

    def finds(self, text: str, also: Iterable[str] = ()) -> bool:
        """Whether ``text`` holds anything this would scrub: a cheap look before scrubbing."""
        return (
            any(secret in text for secret in also)
            or any(secret in text for secret in self._secrets)
            or (_may_hold_query_secret(text) and _QUERY_SECRET.search(text) is not None)
        )


def _may_hold_query_secret(text: str) -> bool:
    """A quick look for ``=`` and a parameter name, before the (much slower) pattern runs."""
    if "=" not in text:
        return False
    lowered = text.lower()
    return any(name in lowered for name in _QUERY_NAMES)


# Process-wide: the CLI registers the API key here as soon as settings are read.
REDACTOR = Redactor()


def redact(text: str) -> str:
    return REDACTOR(text)


def secret_forms(secret: str | None) -> list[str]:
    """A password as sent (base64) and decoded, as either may leak into an error text."""
    if secret is None or len(secret) < MIN_SECRET_LENGTH:
        return []
    forms = [secret]
    try:
        decoded = binascii.a2b_base64(secret, strict_mode=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        decoded = ""
    if len(decoded) >= MIN_SECRET_LENGTH:
        forms.append(decoded)
    return forms


def register_secret(secret: str) -> None:
    """Scrub ``secret`` from now on, also in the percent-encoded forms a URL gives it."""
    for form in (secret, quote(secret, safe=""), quote_plus(secret, safe="")):
        REDACTOR.add(form)


class RedactingFilter(logging.Filter):
    """Renders each record's message once, scrubbed, so no handler sees the raw text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


# Loggers that put request URLs (hence the API key) into their records. A filter on the logger
# itself scrubs each record as it is made, so every handler (ours, pytest's, an embedding
# application's) only ever sees the redacted text; a handler filter would protect one handler.
URL_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)


def install_log_redaction() -> None:
    """Attach ``RedactingFilter`` to the HTTP libraries' loggers (idempotent)."""
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
