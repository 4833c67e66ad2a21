"""The canary suite's secrets, every spelling each may leak in, and the scanner that looks for them.

Nothing here comes from `auditor.redact`: the spellings are worked out again, from the standard
library, after `auditor.redact.secret_forms`' documented semantics (as sent; base64-decoded;
padded or not, standard or URL-safe, wrapped at 76; each URL-encoded, JSON- and HTML-escaped; any
case). A spelling the product forgets is still looked for here, so dropping one there fails here.

The scanner looks at every text in several views (as written; HTML entities decoded; JSON and
Python backslash escapes decoded; percent escapes decoded), case-insensitively, for every
spelling of every canary and for every 8-character piece of each canary's letter-and-digit runs:
a secret that leaks in a spelling nobody listed, cut in half or escaped twice still shows.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, unquote

from ahocorasick_rs import AhoCorasick, MatchKind

from tests.support.accounts import BASE_WIRE

# --- the canaries -------------------------------------------------------------------------------
# Passwords travel base64-encoded. These decode to text that needs every escape there is (space,
# quotes, <>&, /, +, backslash, non-ASCII), and their base64 holds "+", "/" and padding, so every
# spelling differs from every other. IMAP's is long enough (100 characters) to be line-wrapped.
SMTP_PLAIN = "Jq8vW3zTk4 \"k<7>&'/ >ÿé+ü\\ Rn5xB2mYd6"
IMAP_PLAIN = "Hd4sP9cLm2ÿ?x=1&y=<two> \"Fw6nK8tQ\" 'é' / Gv3mZ7rB + Ts2yN5hX \\ Lp9wQ4dC"
SMTP_SENT = base64.b64encode(SMTP_PLAIN.encode()).decode()
IMAP_SENT = base64.b64encode(IMAP_PLAIN.encode()).decode()
NUMBER_PASSWORD = 73049182657  # sent as a JSON number: a password all the same
# The victims' own password: they have one, so their texts are scrubbed of *something*.
DECOY_SENT = base64.b64encode(b"Mw7kV2xQp9 decoy!").decode()

API_KEY = "slk_Q7w9Zp2xLm8Rt4Vb+Hn3Jd6Ke/Yc5Ua1=="
URL_USER = "auditbot"
URL_PASSWORD = "Uv8rW2nQk5/Hs3Lm9Jt+Px7Bd4Ge"  # the URL carries it percent-encoded
URL_USERINFO = f"{URL_USER}:{quote(URL_PASSWORD, safe='')}"

MIN_SECRET_LENGTH = 4  # as auditor.redact: shorter spellings are not looked for
BASE64_LINE = 76  # as a MIME encoder wraps base64
FRAGMENT = 8  # the pieces of a secret that count as a leak of it

# --- every spelling -----------------------------------------------------------------------------
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_URLSAFE = str.maketrans("+/", "-_")


def base64_decodings(sent: str) -> dict[str, str]:
    """What ``sent`` decodes to as base64 (standard or URL-safe, padded or not, wrapped or
    not), when that is UTF-8 text."""
    compact = "".join(sent.split())
    if len(compact) < MIN_SECRET_LENGTH or not _BASE64_TEXT.fullmatch(compact):
        return {}
    found: dict[str, str] = {}
    for label, text in (
        ("decoded", compact),
        ("decoded as URL-safe", compact.replace("-", "+").replace("_", "/")),
    ):
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
            plain = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if len(plain) >= MIN_SECRET_LENGTH and plain not in found.values():
            found[label] = plain
    return found


def escapes(label: str, plain: str) -> dict[str, str]:
    """``plain`` URL-encoded (three ways), JSON-escaped (two) and HTML-escaped (two)."""
    return {
        f"{label}, URL-encoded": quote(plain, safe=""),
        f"{label}, URL-encoded with + for space": quote_plus(plain),
        f"{label}, URL-encoded keeping /": quote(plain, safe="/"),
        f"{label}, JSON-escaped": json.dumps(plain)[1:-1],
        f"{label}, JSON-escaped (UTF-8)": json.dumps(plain, ensure_ascii=False)[1:-1],
        f"{label}, HTML-escaped": html.escape(plain),
        f"{label}, HTML-escaped (quotes kept)": html.escape(plain, quote=False),
    }


def password_forms(secret: str | int) -> dict[str, str]:
    """Every spelling ``auditor.redact.secret_forms`` documents for a password, by name."""
    sent = str(secret)
    forms = {"as sent": sent}
    decoded = base64_decodings(sent)
    forms.update(decoded)
    if decoded:
        forms["unpadded"] = sent.rstrip("=")
        forms["URL-safe, unpadded"] = sent.translate(_URLSAFE).rstrip("=")
        if len(sent) > BASE64_LINE:
            lines = [sent[i : i + BASE64_LINE] for i in range(0, len(sent), BASE64_LINE)]
            forms["wrapped at 76 (LF)"] = "\n".join(lines)
            forms["wrapped at 76 (CRLF)"] = "\r\n".join(lines)
    for label, plain in [("as sent", sent), *decoded.items()]:
        forms.update(escapes(label, plain))
    return _distinct(forms)


def leak_spellings(secret: str | int) -> dict[str, str]:
    """What the suite plants: every form, plus case and padding variants a matcher must see
    through (a URL-safe encoder that pads; upper- and lower-case copies)."""
    spellings = dict(password_forms(secret))
    sent = str(secret)
    decoded = base64_decodings(sent).get("decoded")
    if decoded is not None:
        spellings["URL-safe, padded"] = sent.translate(_URLSAFE)
        spellings["as sent, upper case"] = sent.upper()
        spellings["as sent, lower case"] = sent.lower()
        spellings["decoded, upper case"] = decoded.upper()
        spellings["decoded, lower case"] = decoded.lower()
        spellings["decoded, URL-encoded, lower case"] = quote(decoded, safe="").lower()
    return _distinct(spellings)


def key_forms(key: str) -> dict[str, str]:
    """The API key as a URL carries it, and as it is: what the key is redacted in."""
    return _distinct(
        {"as is": key, "URL-encoded": quote(key, safe=""), "URL-encoded (+)": quote_plus(key)}
    )


def url_forms() -> dict[str, str]:
    """The credentials of ``SMARTLEAD_BASE_URL=http://USER:PASSWORD@...``, as typed and decoded,
    and as the Basic authorization header httpx makes of them."""
    basic = base64.b64encode(f"{URL_USER}:{URL_PASSWORD}".encode()).decode()
    return _distinct(
        {
            "userinfo as in the URL": URL_USERINFO,
            "userinfo decoded": f"{URL_USER}:{URL_PASSWORD}",
            "password": URL_PASSWORD,
            "password, URL-encoded": quote(URL_PASSWORD, safe=""),
            "password, URL-encoded (+)": quote_plus(URL_PASSWORD),
            "Basic authorization": basic,
        }
    )


def _distinct(forms: Mapping[str, str]) -> dict[str, str]:
    """Each spelling once (under its first name), and none too short to mean anything."""
    seen: set[str] = set()
    kept = {}
    for name, text in forms.items():
        if len(text) >= MIN_SECRET_LENGTH and text not in seen:
            seen.add(text)
            kept[name] = text
    return kept


# --- the canaries, with what to look for ---------------------------------------------------------
@dataclass(frozen=True)
class Canary:
    name: str
    forms: Mapping[str, str]  # what to look for, by name
    pieces_of: tuple[str, ...]  # texts whose letter-and-digit runs are cut into fragments

    def fragments(self) -> set[str]:
        pieces = set()
        for text in self.pieces_of:
            for run in re.findall(r"[A-Za-z0-9]+", text):
                if re.search(r"[A-Za-z]", run) and re.search(r"[0-9]", run):
                    pieces |= {
                        run[i : i + FRAGMENT].lower() for i in range(len(run) - FRAGMENT + 1)
                    }
        return pieces


def password_canary(name: str, secret: str | int) -> Canary:
    sent = str(secret)
    return Canary(name, password_forms(secret), (sent, *base64_decodings(sent).values()))


SMTP = password_canary("smtp password", SMTP_SENT)
IMAP = password_canary("imap password (long)", IMAP_SENT)
NUMBER = password_canary("password sent as a number", NUMBER_PASSWORD)
DECOY = password_canary("decoy password", DECOY_SENT)
KEY = Canary("API key", key_forms(API_KEY), (API_KEY,))
URL = Canary("base-URL credentials", url_forms(), (URL_PASSWORD,))
PASSWORDS = (SMTP, IMAP, NUMBER)
ALL = (SMTP, IMAP, NUMBER, DECOY, KEY, URL)
# The wire values behind each password canary, and the field that carries each.
SENT: dict[str, tuple[str | int, str]] = {
    SMTP.name: (SMTP_SENT, "password"),
    IMAP.name: (IMAP_SENT, "imap_password"),
    NUMBER.name: (NUMBER_PASSWORD, "password"),
}

# --- the scanner --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leak:
    where: str
    canary: str
    form: str
    view: str
    context: str

    def __str__(self) -> str:
        return f"{self.where}: {self.canary} [{self.form}] ({self.view}): …{self.context}…"


_BACKSLASH = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[nrt\"\\/])")
_NAMED = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "/": "/"}


def _unbackslash(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match[1]
        if code[0] in "uUx":
            value = int(code[1:], 16)
            return chr(value) if value < 0x110000 and not 0xD800 <= value <= 0xDFFF else ""
        return _NAMED[code]

    return _BACKSLASH.sub(one, text)


def views(text: str) -> Iterator[tuple[str, str]]:
    """The text as written, and as each escaping that reports use would be read back."""
    yield "as written", text
    unescaped = html.unescape(text)
    if unescaped != text:
        yield "HTML entities decoded", unescaped
    if "\\" in text:
        decoded = _unbackslash(text)
        yield "backslash escapes decoded", decoded
        if html.unescape(decoded) != decoded:
            yield "backslash escapes and HTML entities decoded", html.unescape(decoded)
    if "%" in text:
        yield "percent escapes decoded", unquote(text)


class Scanner:
    """Finds every canary, in any spelling, in any case, in any view of a text."""

    def __init__(self, canaries: Iterable[Canary] = ALL) -> None:
        labels: dict[str, list[tuple[str, str]]] = {}
        for canary in canaries:
            for name, form in canary.forms.items():
                labels.setdefault(form.lower(), []).append((canary.name, name))
            for piece in sorted(canary.fragments()):
                labels.setdefault(piece, []).append((canary.name, f"fragment {piece!r}"))
        self._needles = list(labels)
        self._labels = list(labels.values())
        self._finder = AhoCorasick(self._needles, matchkind=MatchKind.LeftmostLongest)

    def leaks(self, text: str, where: str) -> list[Leak]:
        found: dict[tuple[str, str], Leak] = {}
        for view, shown in views(text):
            lowered = shown.lower()
            for index, start, end in self._finder.find_matches_as_indexes(lowered):
                for canary, form in self._labels[index]:
                    context = lowered[max(0, start - 30) : end + 30].replace("\n", "⏎")
                    found.setdefault((canary, form), Leak(where, canary, form, view, context))
        return list(found.values())


SCANNER = Scanner()


def assert_clean(texts: Mapping[str, str], scanner: Scanner = SCANNER) -> None:
    """Fail naming every place, canary and spelling found (``texts``: where -> text)."""
    leaks = [leak for where, text in texts.items() for leak in scanner.leaks(text, where)]
    leaks.sort(key=lambda leak: leak.form.startswith("fragment"))  # whole spellings first
    assert not leaks, f"{len(leaks)} canary leak(s):\n" + "\n".join(map(str, leaks[:25]))


# --- planted inventories ------------------------------------------------------------------------
# Every text field of the wire format (API.md), nested ones included: where a secret can leak.
TEXT_FIELDS = (
    "from_name",
    "from_email",
    "username",
    "smtp_host",
    "smtp_port_type",
    "different_reply_to_address",
    "bcc_email",
    "custom_tracking_domain",
    "signature",
    "imap_username",
    "imap_host",
    "imap_port_type",
    "smtp_failure_error",
    "imap_failure_error",
    "type",
)
WARMUP_TEXT_FIELDS = ("status", "warmup_key_id", "blocked_reason")
TAG_TEXT_FIELDS = ("tag_name", "tag_color")
# Wire paths a `rule: field` check can show (tag colors only a snapshot shows).
TEXT_PATHS = (*TEXT_FIELDS, *(f"warmup_details.{f}" for f in WARMUP_TEXT_FIELDS), "tags")


def record(account_id: int, text: str | None = None, **changes: Any) -> dict[str, Any]:
    """A wire record with ``text`` in every text field (when given), and ``changes``."""
    wire: dict[str, Any] = json.loads(json.dumps(BASE_WIRE))
    wire.update(id=account_id, password=None, imap_password=None)
    if text is not None:
        wire.update(dict.fromkeys(TEXT_FIELDS, text))
        wire.update(is_smtp_success=False, is_imap_success=False)
        wire["warmup_details"].update(dict.fromkeys(WARMUP_TEXT_FIELDS, text))
        wire["tags"] = [{"tag_id": 1, **dict.fromkeys(TAG_TEXT_FIELDS, text)}]
    wire.update(changes)
    return wire


@dataclass(frozen=True)
class Plant:
    """One account that leaks one spelling of one canary in every text field."""

    id: int
    canary: str
    spelling: str
    relation: str  # "own" password, "other" account's password, or "live" (key, URL)
    record: dict[str, Any]


OWNER_IDS = (1, 2)  # hold the passwords that "other" accounts leak


def owners() -> list[dict[str, Any]]:
    return [
        record(1, password=SMTP_SENT, imap_password=IMAP_SENT),
        record(2, password=NUMBER_PASSWORD, from_email="num@acme.example"),
    ]


def password_plants(first_id: int = 10, prefix: str = "") -> list[Plant]:
    """For each password canary and each of its spellings: an account leaking its own password,
    and one leaking another account's (it has a decoy password of its own)."""
    plants = []
    next_id = first_id
    for canary in PASSWORDS:
        secret, field = SENT[canary.name]
        for spelling, text in leak_spellings(secret).items():
            for relation in ("own", "other"):
                leak = f"{prefix}{relation} login failed ({text}) retry"
                passwords = {field: secret} if relation == "own" else {"password": DECOY_SENT}
                rec = record(next_id, leak, **passwords)
                plants.append(Plant(next_id, canary.name, spelling, relation, rec))
                next_id += 1
    return plants


def live_plants(first_id: int, prefix: str = "") -> list[Plant]:
    """Accounts whose texts, as the live API returns them, hold the key or the URL's
    credentials."""
    plants = []
    # Not the Basic authorization header: only httpx makes that, and it is scanned for anyway.
    url_spellings = [(URL, n, t) for n, t in URL.forms.items() if n != "Basic authorization"]
    for offset, (canary, name, text) in enumerate(
        [(KEY, n, t) for n, t in KEY.forms.items()] + url_spellings
    ):
        account_id = first_id + offset
        leak = f"{prefix}request to ?api_key={text} failed; echo {text}"
        if canary is URL:
            leak = f"{prefix}proxy said: {text} is not allowed"
        plants.append(Plant(account_id, canary.name, name, "live", record(account_id, leak)))
    return plants


def field_policy(ids: list[int], *, chunk: int = 40) -> str:
    """A policy whose findings show every text path of every account: `rule: field` checks that
    the text is empty, each for at most ``chunk`` accounts (the Markdown report shows 50 per
    entry), and the built-in rules that quote account text."""
    severities = ("error", "warning", "info")
    lines = ["version: 1", "rules:"]
    for number, start in enumerate(range(0, len(ids), chunk)):
        part = ids[start : start + chunk]
        for index, path in enumerate(TEXT_PATHS):
            slug = path.replace("warmup_details.", "warmup-").replace("_", "-")
            lines += [
                "  - rule: field",
                f"    id: leak-{slug}-{number}",
                f"    field: {path}",
                "    op: empty",
                f"    severity: {severities[index % 3]}",
                f"    only: {{ids: {part}}}",
            ]
    lines += [
        "  - rule: smtp-connected",
        "  - rule: imap-connected",
        "  - rule: warmup",
        "  - rule: bcc-required",
        "    domain: acme.example",
        "  - rule: reply-to-required",
        "    domain: acme.example",
        "  - rule: tracking-domain",
        "    allowed: ['*.acme.example']",
        "  - rule: duplicate-sender",
        "  - rule: shared-credentials",
    ]
    return "\n".join(lines) + "\n"


def small_policy(ids: list[int], path: str) -> str:
    """One `rule: field` check on ``path``, its accounts spread over the three severities, so
    that the console (20 worst findings) and GitHub annotations (10 per level) show them all."""
    lines = ["version: 1", "rules:"]
    for index, severity in enumerate(("error", "warning", "info")):
        part = ids[index::3]
        if part:
            lines += [
                "  - rule: field",
                f"    id: shown-{severity}",
                f"    field: {path}",
                "    op: empty",
                f"    severity: {severity}",
                f"    only: {{ids: {part}}}",
            ]
    return "\n".join(lines) + "\n"
