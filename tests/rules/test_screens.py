"""Every rule's `screen` keeps every account its `check` flags (hypothesis over accounts and
options): a screen that dropped one would turn a violation into a silent pass."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model.account import EmailAccount
from auditor.rules import RULES, AccountRule
from auditor.sources.inventory import parse_accounts
from auditor.testing.generator import generate_accounts
from tests.support.accounts import wire

SCREENED = sorted(
    rule for rule, spec in RULES.items() if isinstance(spec, AccountRule) and spec.screen
)

# Options each screened rule is tried with: defaults, and every option that changes the screen.
OPTIONS: dict[str, list[dict[str, Any]]] = {
    "daily-send-limit": [{"max": 0}, {"max": 30}, {"max": 50}],
    "send-gap": [{"min_minutes": 0}, {"min_minutes": 5}, {"min_minutes": 15}],
    "smtp-connected": [{}],
    "imap-connected": [{}],
    "tracking-domain": [{}, {"allowed": ["track.*"]}, {"same_domain_as_sender": True}],
    "reply-to-required": [
        {},
        {"address": "Replies@Acme.example"},
        {"domain": "acme.example"},
        {"pattern": ".*@acme\\.example"},
    ],
    "bcc-required": [{}, {"address": "archive@acme.example"}, {"domain": "acme.example"}],
}

maybe_text = st.none() | st.sampled_from(
    [
        "",
        "  ",
        "replies@acme.example",
        "REPLIES@acme.example",
        "x@other.example",
        "archive@acme.example",
        "track.acme.example",
        "track.other.example",
    ]
)
maybe_int = st.none() | st.integers(-5, 200)
maybe_bool = st.none() | st.booleans()
warmups = st.none() | st.fixed_dictionaries(
    {
        "status": st.none() | st.sampled_from(["ACTIVE", "active", "PAUSED", "INACTIVE", "", "X"]),
        "warmup_reputation": st.none() | st.sampled_from(["95%", "89%", 90, 0, ""]),
        "blocked_reason": st.none() | st.sampled_from(["", "spam", "Too many bounces"]),
    }
)
records = st.fixed_dictionaries(
    {
        "message_per_day": maybe_int,
        "minTimeToWaitInMins": maybe_int,
        "is_smtp_success": maybe_bool,
        "is_imap_success": maybe_bool,
        "custom_tracking_domain": maybe_text,
        "different_reply_to_address": maybe_text,
        "bcc_email": maybe_text,
        "from_email": st.sampled_from(["ada@acme.example", "bob@other.example", ""]),
        "warmup_details": warmups,
    }
)


def _assert_screen_is_sound(rule: str, accounts: tuple[EmailAccount, ...]) -> None:
    spec = RULES[rule]
    assert isinstance(spec, AccountRule) and spec.screen is not None
    for values in OPTIONS[rule]:
        options = spec.options.model_validate({"rule": rule, **values})
        kept = {account.id for account in spec.screen(accounts, options)}
        flagged = {account.id for account in accounts if list(spec.check(account, options))}
        assert flagged <= kept, f"{rule} {values}: screen dropped {sorted(flagged - kept)}"


def test_every_screened_rule_is_covered_here() -> None:
    assert set(SCREENED) == set(OPTIONS)


@pytest.mark.parametrize("rule", SCREENED)
@given(changes=st.lists(records, min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_a_screen_keeps_every_account_its_check_flags(
    rule: str, changes: list[dict[str, Any]]
) -> None:
    accounts = parse_accounts([wire(id=i + 1, **change) for i, change in enumerate(changes)])
    _assert_screen_is_sound(rule, accounts)


@pytest.mark.parametrize("rule", SCREENED)
def test_a_screen_keeps_every_flagged_account_of_a_generated_fleet(rule: str) -> None:
    _assert_screen_is_sound(rule, parse_accounts(generate_accounts(2000, seed=7)))


# With these options a screen keeps every account (the check needs the full logic).
KEEPS_ALL = {"address", "domain", "pattern", "allowed", "same_domain_as_sender"}


@pytest.mark.parametrize("rule", SCREENED)
def test_a_screen_actually_screens(rule: str) -> None:
    """Not vacuous: where a compliant account passes, the screen leaves it out."""
    spec = RULES[rule]
    assert isinstance(spec, AccountRule) and spec.screen is not None
    accounts = parse_accounts([wire()])
    screened_out = 0
    for values in OPTIONS[rule]:
        options = spec.options.model_validate({"rule": rule, **values})
        if values.keys() & KEEPS_ALL or list(spec.check(accounts[0], options)):
            continue
        assert list(spec.screen(accounts, options)) == []
        screened_out += 1
    assert screened_out > 0
