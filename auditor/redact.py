"""The one place that scrubs secrets from URLs, messages, log records and account texts.

The API key travels in the query string, and httpx puts URLs into log records and exception
messages; passwords arrive base64-encoded and leak back in connection errors in any spelling.
Every text that can reach a user passes through here first.
"""

from __future__ import annotations

import binascii
import html
import json
import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

from ahocorasick_rs import AhoCorasick

REDACTED = "[REDACTED]"
# Shorter "secrets" would scrub ordinary words out of error messages; real passwords are longer.
MIN_SECRET_LENGTH = 4
_QUERY_NAMES = ("api_key=", "apikey=", "password=", "token=")  # imap_password= included
_QUERY_SECRET = re.compile(r"(?i)\b(api_key|apikey|password|imap_password|token)=([^&\s'\"#]+)")


class Redactor:
    """Scrubs registered secrets (each in every form of `secret_forms`, in any case) and
    ``api_key=...``-style query parameters from text."""

    def __init__(self) -> None:
        self._secrets: list[str] = []
        self._found: tuple[tuple[str, ...], SecretSet] | None = None

    def secrets_of_at_least(self, length: int) -> list[str]:
        return [secret for secret in self._secrets if len(secret) >= length]

    def add(self, secret: str | None) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    @property
    def _secret_set(self) -> SecretSet:
        """Made again only when the secrets change (tests restore the list between runs)."""
        if self._found is None or self._found[0] != tuple(self._secrets):
            self._found = (tuple(self._secrets), SecretSet(self._secrets))
        return self._found[1]

    def __call__(self, text: str, also: SecretSet | None = None) -> str:
        """``text`` without these secrets, nor those in ``also`` (the inventory's passwords)."""
        if also is not None:
            text = also.scrub(text)
        text = self._secret_set.scrub(text)
        if _may_hold_query_secret(text):
            text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
        return text

    def finds(self, text: str, also: SecretSet | None = None) -> bool:
        """Whether ``text`` holds anything this would scrub: a cheap look before scrubbing (the
        text lower-cased once, for every look)."""
        lowered = _lower(text)
        return (
            (also is not None and also.finds(text, lowered))
            or self._secret_set.finds(text, lowered)
            or (_may_hold_query_secret(text, lowered) and _QUERY_SECRET.search(text) is not None)
        )


def _may_hold_query_secret(text: str, lowered: str | None = None) -> bool:
    """A quick look for a parameter name followed by ``=``, before the (much slower) pattern
    runs; ``lowered`` is ``text`` in lower case, when the caller has it already."""
    if "=" not in text:
        return False
    lowered = text.lower() if lowered is None else lowered
    return any(name in lowered for name in _QUERY_NAMES)


# Process-wide: the CLI registers the API key here as soon as settings are read.
REDACTOR = Redactor()


def redact(text: str) -> str:
    return REDACTOR(text)


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, redacted first and cut to ``limit`` characters second, so a cut
    never leaves part of a secret behind; a cut that ends in the beginning of a secret (one
    the text held only in part) drops that too."""
    flat = redact(" ".join(text.split()))
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    for secret in REDACTOR.secrets_of_at_least(8):
        for size in range(min(len(secret), len(cut)), MIN_SECRET_LENGTH - 1, -1):
            if cut.endswith(secret[:size]):
                cut = cut[:-size]
                break
    return cut + "…"


def secret_forms(secret: object) -> set[str]:
    """Every spelling a password may leak in, lower-cased: as sent (and, when that is base64,
    padded or not, standard or URL-safe, line-wrapped) and decoded; each URL-encoded,
    JSON-escaped and HTML-escaped. A number sent as a password is a password too."""
    sent = _as_sent(secret)
    if sent is None:
        return set()
    decoded = _base64_decodings(sent)
    forms = {sent, *decoded}
    if decoded:
        forms |= {sent.rstrip("="), sent.translate(_URLSAFE).rstrip("=")}
        if len(sent) > _BASE64_LINE:  # as a MIME encoder wraps it
            lines = [sent[i : i + _BASE64_LINE] for i in range(0, len(sent), _BASE64_LINE)]
            forms |= {"\n".join(lines), "\r\n".join(lines)}
    for plain in (sent, *decoded):
        if not _UNESCAPED.fullmatch(plain):  # most passwords need a form or two more
            forms |= _escaped(plain)
    return {form.lower() for form in forms if len(form) >= MIN_SECRET_LENGTH}


def _escaped(plain: str) -> set[str]:
    encoded = _PERCENT_ENCODED.sub(_percent, plain)  # as quote(plain, safe="")
    forms = {encoded, encoded.replace("%20", "+"), encoded.replace("%2F", "/")}
    if _JSON_ESCAPED.search(plain) or "/" in plain:
        escaped = json.dumps(plain)[1:-1], json.dumps(plain, ensure_ascii=False)[1:-1]
        forms |= {*escaped, *(form.replace("/", "\\/") for form in escaped)}  # PHP writes \/
    if _HTML_ESCAPED.search(plain):
        forms |= {html.escape(plain), html.escape(plain, quote=False)}
    return forms


def _percent(match: re.Match[str]) -> str:
    return quote(match[0], safe="")


_UNESCAPED = re.compile(r"[A-Za-z0-9_.~-]*")
_PERCENT_ENCODED = re.compile(r"[^A-Za-z0-9_.~-]+")
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f\x7f-\U0010ffff]')
_HTML_ESCAPED = re.compile(r"[&<>\"']")
_URLSAFE = str.maketrans("+/", "-_")
_BASE64_LINE = 76


def _base64_decodings(text: str) -> set[str]:
    """The text as base64, standard or URL-safe, padded or not, wrapped or not, if it is."""
    compact = "".join(text.split()) if _HAS_SPACE.search(text) else text
    if len(compact) < MIN_SECRET_LENGTH or not _BASE64.fullmatch(compact):
        return set()
    decoded = set()
    urlsafe = "-" in compact or "_" in compact
    for alphabet in (
        (compact, compact.replace("-", "+").replace("_", "/")) if urlsafe else (compact,)
    ):
        try:
            raw = binascii.a2b_base64(alphabet + "=" * (-len(alphabet) % 4), strict_mode=True)
            decoded.add(raw.decode("utf-8"))
        except (binascii.Error, UnicodeError, ValueError):
            continue
    # `echo secret | base64` encodes a line end: the password is the text without it.
    decoded |= {plain.strip() for plain in decoded}
    return {plain for plain in decoded if len(plain) >= MIN_SECRET_LENGTH}


_HAS_SPACE = re.compile(r"\s")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


class SecretSet:
    """Many secrets, each in every form of `secret_forms`, found case-insensitively: an
    inventory's passwords, any of which may leak into any account's texts.

    Working out every form of 100,000 passwords up front costs more than the whole audit, and
    texts rarely hold any. So one pass over a text (Aho-Corasick) looks for each secret's
    anchor, the longest run of letters and digits it has (which escaping, padding and case leave
    as it is), and only a text that holds an anchor is searched for the full forms of the
    secrets it belongs to."""

    def __init__(self, secrets: Iterable[object] = ()) -> None:
        self._by_anchor: dict[str, list[str]] = {}
        self._seen: set[str] = set()
        self._owners: list[list[str]] = []  # by the anchor's index in the finder
        self._finder: AhoCorasick | None = None
        self._built = True
        self._forms: dict[str, set[str]] = {}
        self.add(secrets)

    def add(self, secrets: Iterable[object]) -> None:
        """More secrets. A live fetch adds each page's passwords as it arrives, so working out
        their forms is spread over the fetch; the finder is built once, at the first scrub."""
        for sent in filter(None, map(_as_sent, secrets)):
            if sent in self._seen:  # logins repeat
                continue
            self._seen.add(sent)
            self._built = False
            plains = (sent[:_BASE64_LINE], *_base64_decodings(sent))  # wrapping splits the rest
            found = {_anchor(plain) for plain in plains}
            # A form with no anchor of its own: look for every form of it instead.
            anchors = secret_forms(sent) if None in found else {a for a in found if a}
            for anchor in anchors:
                self._by_anchor.setdefault(anchor, []).append(sent)

    def _build(self) -> AhoCorasick | None:
        if not self._built:
            self._owners = list(self._by_anchor.values())
            self._finder = AhoCorasick(list(self._by_anchor)) if self._by_anchor else None
            self._built = True
        return self._finder

    def __bool__(self) -> bool:
        return bool(self._by_anchor)

    def finds(self, text: str, lowered: str | None = None) -> bool:
        return self.scrub(text, lowered) != text

    def scrub(self, text: str, lowered: str | None = None) -> str:
        """``lowered``: ``text`` through `_lower`, when the caller has it already."""
        finder = self._build()
        if finder is None:
            return text
        lowered = _lower(text) if lowered is None else lowered
        anchors = finder.find_matches_as_indexes(lowered, overlapping=True)
        if not anchors:
            return text
        owners = {sent for index, _, _ in anchors for sent in self._owners[index]}
        forms = sorted(set().union(*map(self._forms_of, owners)), key=len, reverse=True)
        return re.compile("|".join(map(re.escape, forms)), re.IGNORECASE).sub(REDACTED, text)

    def _forms_of(self, sent: str) -> set[str]:
        if sent not in self._forms:
            self._forms[sent] = secret_forms(sent)
        return self._forms[sent]


def _as_sent(secret: object) -> str | None:
    """A password as the wire sent it, as text; None for anything that is not one."""
    if isinstance(secret, bool) or not isinstance(secret, str | int | float):
        return None
    sent = secret if isinstance(secret, str) else str(secret)
    return sent if len(sent.strip()) >= MIN_SECRET_LENGTH else None


def _anchor(plain: str) -> str | None:
    """The end of the longest run of ASCII letters and digits, lower-cased (the end: passwords made
    from a template share their beginnings); None if no run is long enough to stand for it."""
    lowered = plain.lower()
    if lowered.isalnum() and lowered.isascii():  # most of them: the run is the whole text
        longest = lowered
    else:
        longest = max(_ALPHANUMERIC.findall(lowered), key=len, default="")
    return longest[-_ANCHOR_LENGTH:] if len(longest) >= MIN_SECRET_LENGTH else None


_ALPHANUMERIC = re.compile(r"[a-z0-9]+")  # ASCII: escaping leaves these alone
_ANCHOR_LENGTH = 8  # unique enough among 100,000 passwords; a shorter automaton builds faster


def _lower(text: str) -> str:
    """Lower case, one character for one, so positions in it are positions in ``text``."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def register_secret(secret: str) -> None:
    """Scrub ``secret`` from now on, in every form `secret_forms` knows."""
    REDACTOR.add(secret)


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
