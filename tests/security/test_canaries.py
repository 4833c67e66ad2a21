"""The canary suite checks itself: the scanner finds every planted spelling however a report
escapes it, finds nothing in clean text, every text field of the wire is planted, and the
product knows every spelling the suite plants (its reference list, `secret_forms`)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from urllib.parse import quote

import pytest

from auditor.model.account import _NESTED_TEXT_FIELDS, _TEXT_FIELDS, Tag, WarmupDetails
from auditor.redact import secret_forms
from tests.security.canaries import (
    ALL,
    API_KEY,
    IMAP_SENT,
    KEY,
    NUMBER_PASSWORD,
    PASSWORDS,
    SCANNER,
    SENT,
    SMTP_PLAIN,
    SMTP_SENT,
    TAG_TEXT_FIELDS,
    TEXT_FIELDS,
    URL,
    WARMUP_TEXT_FIELDS,
    Canary,
    leak_spellings,
    password_plants,
)
from tests.support.shared import DEMO_INVENTORY, REPO

SPELLINGS = [
    (canary.name, name, text)
    for canary in ALL
    for name, text in (
        leak_spellings(SENT[canary.name][0]) if canary.name in SENT else canary.forms
    ).items()
]
# How reports may show a text: as is, and through each escaping a format applies.
SHOWN_AS: dict[str, Callable[[str], str]] = {
    "as is": lambda t: t,
    "JSON": lambda t: json.dumps(t),
    "HTML": lambda t: html.escape(t),
    "HTML inside JSON": lambda t: json.dumps(html.escape(t)),
    "percent-escaped (GitHub annotations)": lambda t: t.replace("%", "%25"),
    "escaped controls (reports)": lambda t: t.replace("\n", "\\n").replace("\r", "\\r"),
    "upper case": lambda t: t.upper(),
}


@pytest.mark.parametrize("shown_as", list(SHOWN_AS))
def test_the_scanner_finds_every_spelling_however_it_is_shown(shown_as: str) -> None:
    show = SHOWN_AS[shown_as]
    missed = [
        (canary, name)
        for canary, name, text in SPELLINGS
        if not any(leak.canary == canary for leak in SCANNER.leaks(show(f"x {text} y"), "t"))
    ]
    assert not missed


def test_the_scanner_finds_a_piece_of_a_secret() -> None:
    for piece in (API_KEY[:14], SMTP_SENT[10:22], SMTP_PLAIN[:10], IMAP_SENT[-20:]):
        assert SCANNER.leaks(f"cut here: {piece}…", "t"), piece
    assert SCANNER.leaks(str(NUMBER_PASSWORD), "t")


def test_the_scanner_finds_nothing_in_clean_text() -> None:
    texts = {
        "README": (REPO / "README.md").read_text(encoding="utf-8"),
        "demo inventory": DEMO_INVENTORY.read_text(encoding="utf-8"),
        "scrubbed": "login failed ([REDACTED]) retry; api_key=[REDACTED]",
    }
    for where, text in texts.items():
        assert SCANNER.leaks(text, where) == []


def test_every_text_field_of_the_wire_is_planted() -> None:
    """If the model gains a text field, the canaries must go there too."""
    assert set(TEXT_FIELDS) == set(_TEXT_FIELDS)
    assert set(WARMUP_TEXT_FIELDS) == set(_NESTED_TEXT_FIELDS[WarmupDetails])
    assert {f"tag_{name}" for name in _NESTED_TEXT_FIELDS[Tag]} == set(TAG_TEXT_FIELDS)
    for plant in password_plants():
        wire = plant.record
        texts = [wire[f] for f in TEXT_FIELDS]
        texts += [wire["warmup_details"][f] for f in WARMUP_TEXT_FIELDS]
        texts += [wire["tags"][0][f] for f in TAG_TEXT_FIELDS]
        spelling = leak_spellings(SENT[plant.canary][0])[plant.spelling]
        assert all(spelling in text for text in texts), plant


def test_every_password_spelling_is_planted_and_one_password_is_a_number() -> None:
    plants = password_plants()
    for canary in PASSWORDS:
        planted = {p.spelling for p in plants if p.canary == canary.name}
        assert set(canary.forms) <= planted
        assert {p.relation for p in plants if p.canary == canary.name} == {"own", "other"}
    assert any(p.record["password"] == NUMBER_PASSWORD for p in plants)
    assert isinstance(NUMBER_PASSWORD, int)
    assert len(KEY.forms) >= 2 and len(URL.forms) >= 5


@pytest.mark.parametrize("canary", PASSWORDS, ids=lambda c: c.name)
def test_the_product_knows_every_spelling_the_suite_plants(canary: Canary) -> None:
    """`auditor.redact.secret_forms` is the reference list; the suite's own list (worked out
    independently) must be part of it, spelling by spelling."""
    sent = SENT[canary.name][0]
    known = secret_forms(sent)
    missing = {form: text for form, text in canary.forms.items() if text.lower() not in known}
    assert not missing, f"secret_forms({sent!r}) lacks: {missing}"


def test_the_planted_spellings_are_distinct() -> None:
    """Each spelling of the SMTP and IMAP passwords is its own string: escaping, padding and
    alphabet all change them (else a planted case would test another one twice)."""
    for sent in (SMTP_SENT, IMAP_SENT):
        spellings = leak_spellings(sent)
        assert len(set(spellings.values())) == len(spellings)
        assert "+" in sent and "/" in sent and sent.endswith("=")
        for label in ("URL-encoded", "JSON-escaped", "HTML-escaped"):
            assert any(label in name for name in spellings)
    assert quote(API_KEY, safe="") != API_KEY
