"""What rule cases as data cannot state: properties over many accounts and options.

A `screen` keeps every account its rule's `check` flags (a screen that dropped one would turn a
violation into a silent pass), and `group_by` keeps exactly the groups it is asked for."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model.account import EmailAccount
from auditor.rules import RULES, AccountRule
from auditor.rules.fleet import group_by
from auditor.sources.inventory import parse_accounts
from auditor.testing.generator import generate_accounts
from tests.support.accounts import wire

SCREENED = sorted(
    rule_id
    for rule_id, rule in RULES.items()
    if isinstance(rule, AccountRule) and rule.screen is not None
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
# With these options a screen keeps every account (the check needs the full logic).
KEEPS_ALL = {"address", "domain", "pattern", "allowed", "same_domain_as_sender"}

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
    }
)


def _assert_screen_is_sound(rule_id: str, accounts: tuple[EmailAccount, ...]) -> None:
    rule = RULES[rule_id]
    assert isinstance(rule, AccountRule) and rule.screen is not None
    for values in OPTIONS[rule_id]:
        options = rule.options.model_validate({"rule": rule_id, **values})
        kept = {account.id for account in rule.screen(accounts, options)}
        flagged = {account.id for account in accounts if list(rule.check(account, options))}
        assert flagged <= kept, f"{rule_id} {values}: screen dropped {sorted(flagged - kept)}"


def test_every_screened_rule_is_covered_here() -> None:
    assert set(SCREENED) == set(OPTIONS)


@pytest.mark.parametrize("rule_id", SCREENED)
@given(changes=st.lists(records, min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_a_screen_keeps_every_account_its_check_flags(
    rule_id: str, changes: list[dict[str, Any]]
) -> None:
    accounts = parse_accounts([wire(id=i + 1, **change) for i, change in enumerate(changes)])
    _assert_screen_is_sound(rule_id, accounts)


@pytest.mark.parametrize("rule_id", SCREENED)
def test_a_screen_keeps_every_flagged_account_of_a_generated_fleet(rule_id: str) -> None:
    _assert_screen_is_sound(rule_id, parse_accounts(generate_accounts(2000, seed=7)))


@pytest.mark.parametrize("rule_id", SCREENED)
def test_a_screen_actually_screens(rule_id: str) -> None:
    """Not vacuous: where a compliant account passes, the screen leaves it out."""
    rule = RULES[rule_id]
    assert isinstance(rule, AccountRule) and rule.screen is not None
    accounts = parse_accounts([wire()])
    screened_out = 0
    for values in OPTIONS[rule_id]:
        options = rule.options.model_validate({"rule": rule_id, **values})
        if values.keys() & KEEPS_ALL or list(rule.check(accounts[0], options)):
            continue
        assert list(rule.screen(accounts, options)) == []
        screened_out += 1
    assert screened_out > 0


@given(st.lists(st.sampled_from(["a", "b", "c", None, "d", "e"]), max_size=60))
def test_group_by_shared_only_keeps_exactly_the_groups_of_two_or_more(keys: list[Any]) -> None:
    accounts = parse_accounts([wire(id=i + 1) for i in range(len(keys))])
    every = group_by(accounts, keys)
    assert group_by(accounts, keys, shared_only=True) == {
        key: members for key, members in every.items() if len(members) > 1
    }
    assert sum(map(len, every.values())) == len([k for k in keys if k is not None])
