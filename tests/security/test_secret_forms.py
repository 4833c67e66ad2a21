"""Passwords are scrubbed from every text of every account, in every spelling they leak in,
whichever account they belong to."""

from __future__ import annotations

import base64
import html
import json
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model.account import account_to_wire
from auditor.redact import SecretSet
from auditor.sources.inventory import parse_accounts
from tests.support.accounts import wire

PLAIN = "Tr0ub4dor&3 canary/pw"
SENT = base64.b64encode(PLAIN.encode()).decode()


def spellings(plain: str, sent: str) -> dict[str, str]:
    urlsafe = base64.urlsafe_b64encode(plain.encode()).decode()
    return {
        "as sent": sent,
        "unpadded": sent.rstrip("="),
        "url-safe": urlsafe,
        "url-safe unpadded": urlsafe.rstrip("="),
        "decoded": plain,
        "upper case": plain.upper(),
        "url-encoded": quote(plain, safe=""),
        "url-encoded, plus": quote_plus(plain),
        "json-escaped": json.dumps(plain)[1:-1],
        "html-escaped": html.escape(plain),
    }


@pytest.mark.parametrize(("form", "text"), spellings(PLAIN, SENT).items())
@pytest.mark.parametrize(
    "field", ["smtp_failure_error", "signature", "from_name", "warmup__blocked_reason", "tag"]
)
def test_another_accounts_password_is_scrubbed_in_every_form_and_field(
    form: str, text: str, field: str
) -> None:
    leak = f"login failed for x ({text}) retry"
    owner = wire(id=1, password=SENT)
    if field == "tag":
        victim = wire(id=2, tags=[{"tag_id": 1, "tag_name": leak, "tag_color": "#000"}])
    else:
        victim = wire(id=2, **{field: leak})
    accounts = parse_accounts([owner, victim])
    dumped = json.dumps([account_to_wire(a) for a in accounts])
    assert text not in dumped and text.lower() not in dumped.lower()
    assert "[REDACTED]" in dumped


def test_a_number_sent_as_a_password_is_a_password() -> None:
    (account,) = parse_accounts(
        [wire(password=48151623, smtp_failure_error="pin 48151623 refused")]
    )
    assert account.has_password and "48151623" not in str(account_to_wire(account))


def test_a_long_base64_password_wrapped_on_lines_is_scrubbed() -> None:
    plain = "x" * 40 + "-long-canary-password-" + "y" * 40
    sent = base64.b64encode(plain.encode()).decode()
    wrapped = base64.encodebytes(plain.encode()).decode()
    assert "\n" in wrapped.strip()
    (account,) = parse_accounts([wire(password=sent, smtp_failure_error=f"echo: {wrapped}")])
    assert account.smtp_failure_error is not None
    assert wrapped.strip() not in account.smtp_failure_error


@given(plain=st.text(min_size=8, max_size=40).filter(lambda t: t.strip()))
@settings(max_examples=200, deadline=None)
def test_any_password_in_any_form_is_found(plain: str) -> None:
    sent = base64.b64encode(plain.encode("utf-8", "surrogatepass")).decode()
    secrets = SecretSet([sent])
    for form in {sent, plain, quote(plain, safe=""), json.dumps(plain)[1:-1], html.escape(plain)}:
        text = f"before {form} after"
        scrubbed = secrets.scrub(text)
        # (the marker itself may spell a password: "[REDACTE" is scrubbed to "[REDACTED]")
        assert form not in scrubbed.replace("[REDACTED]", "\0"), (form, scrubbed)


def test_ordinary_words_are_left_alone() -> None:
    secrets = SecretSet([SENT, "hunter22", 12345678])
    text: Any = "SMTP 535 5.7.8 Username and Password not accepted"
    assert secrets.scrub(text) == text


def test_secrets_added_later_are_found_after_an_earlier_scrub() -> None:
    """A live fetch adds each page's passwords as it arrives; a scrub in between must not freeze
    the set (the finder is built again when secrets were added)."""
    secrets = SecretSet()
    assert not secrets and secrets.scrub(f"x {SENT} y") == f"x {SENT} y"
    secrets.add(["hunter22-first"])
    assert secrets.scrub("a hunter22-first b") == "a [REDACTED] b"
    secrets.add([SENT, "hunter22-first"])  # a repeat is kept once
    scrubbed = secrets.scrub(f"a hunter22-first {SENT} b")
    assert scrubbed == "a [REDACTED] [REDACTED] b"
    assert scrubbed == SecretSet(["hunter22-first", SENT]).scrub(f"a hunter22-first {SENT} b")
