"""Rule cases as data: (rule options, account changes) -> the fields that violate (empty = pass)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.rules import RULES, AccountRule
from auditor.rules.fleet import group_by
from auditor.sources.inventory import parse_accounts
from tests.support.accounts import account, wire

CASES: list[tuple[str, dict[str, Any], dict[str, Any], list[str]]] = [
    # daily-send-limit
    ("daily-send-limit", {"max": 40}, {"message_per_day": 40}, []),
    ("daily-send-limit", {"max": 40}, {"message_per_day": 41}, ["message_per_day"]),
    ("daily-send-limit", {"max": 40}, {"message_per_day": None}, ["message_per_day"]),
    ("daily-send-limit", {"max": 40}, {"message_per_day": ""}, ["message_per_day"]),
    ("daily-send-limit", {"max": 0}, {"message_per_day": 0}, []),
    # send-gap
    ("send-gap", {"min_minutes": 10}, {"minTimeToWaitInMins": 10}, []),
    ("send-gap", {"min_minutes": 10}, {"minTimeToWaitInMins": 9}, ["minTimeToWaitInMins"]),
    ("send-gap", {"min_minutes": 10}, {"minTimeToWaitInMins": None}, ["minTimeToWaitInMins"]),
    # bcc-required
    ("bcc-required", {}, {}, []),
    ("bcc-required", {}, {"bcc_email": None}, ["bcc_email"]),
    ("bcc-required", {}, {"bcc_email": ""}, ["bcc_email"]),
    ("bcc-required", {"address": "ARCHIVE@acme.example"}, {}, []),
    ("bcc-required", {"address": "vault@acme.example"}, {}, ["bcc_email"]),
    ("bcc-required", {"domain": "ACME.example"}, {}, []),
    ("bcc-required", {"domain": "acme.example"}, {"bcc_email": "a@evil.example"}, ["bcc_email"]),
    (
        "bcc-required",
        {"domain": "acme.example"},
        {"bcc_email": "a@sub.acme.example"},
        ["bcc_email"],
    ),
    ("bcc-required", {"pattern": r"archive@.+\.example"}, {}, []),
    ("bcc-required", {"pattern": r"archive@acme"}, {}, ["bcc_email"]),  # full match, not search
    # reply-to-required
    ("reply-to-required", {}, {}, []),
    ("reply-to-required", {}, {"different_reply_to_address": ""}, ["different_reply_to_address"]),
    ("reply-to-required", {}, {"different_reply_to_address": None}, ["different_reply_to_address"]),
    ("reply-to-required", {"domain": "acme.example"}, {}, []),
    ("reply-to-required", {"address": "x@acme.example"}, {}, ["different_reply_to_address"]),
    # tracking-domain
    ("tracking-domain", {}, {}, []),
    ("tracking-domain", {}, {"custom_tracking_domain": None}, ["custom_tracking_domain"]),
    ("tracking-domain", {"allowed": ["track.*.example"]}, {}, []),
    ("tracking-domain", {"allowed": ["links.*"]}, {}, ["custom_tracking_domain"]),
    ("tracking-domain", {"same_domain_as_sender": True}, {}, []),
    (
        "tracking-domain",
        {"same_domain_as_sender": True},
        {"custom_tracking_domain": "acme.example"},
        [],
    ),
    (
        "tracking-domain",
        {"same_domain_as_sender": True},
        {"custom_tracking_domain": "track.notacme.example"},
        ["custom_tracking_domain"],
    ),
    (
        "tracking-domain",
        {"same_domain_as_sender": True},
        {"custom_tracking_domain": "track.shared.example"},
        ["custom_tracking_domain"],
    ),
    (
        "tracking-domain",
        {"same_domain_as_sender": True, "allowed": ["x.*"]},
        {"custom_tracking_domain": "track.other.example"},
        ["custom_tracking_domain", "custom_tracking_domain"],
    ),
    # imap-credentials
    ("imap-credentials", {}, {}, []),
    ("imap-credentials", {}, {"is_different_imap_account": True}, []),
    (
        "imap-credentials",
        {"separate": "forbid"},
        {"is_different_imap_account": True},
        ["is_different_imap_account"],
    ),
    ("imap-credentials", {"separate": "forbid"}, {}, []),
    ("imap-credentials", {"separate": "require"}, {}, ["is_different_imap_account"]),
    ("imap-credentials", {"separate": "require"}, {"is_different_imap_account": True}, []),
    ("imap-credentials", {}, {"is_different_imap_account": True, "imap_host": ""}, ["imap_host"]),
    ("imap-credentials", {}, {"is_different_imap_account": True, "imap_port": None}, ["imap_port"]),
    (
        "imap-credentials",
        {"separate": "require"},
        {"is_different_imap_account": True, "imap_username": None},
        ["imap_username"],
    ),
    ("imap-credentials", {}, {"is_different_imap_account": False, "imap_host": None}, []),
    # smtp-connected / imap-connected
    ("smtp-connected", {}, {}, []),
    ("smtp-connected", {}, {"is_smtp_success": False}, ["is_smtp_success"]),
    ("smtp-connected", {}, {"is_smtp_success": None}, ["is_smtp_success"]),
    ("imap-connected", {}, {}, []),
    ("imap-connected", {}, {"is_imap_success": False}, ["is_imap_success"]),
    # warmup
    ("warmup", {}, {}, []),
    ("warmup", {}, {"warmup_details": None}, ["warmup_details.status"]),
    ("warmup", {"min_reputation": 90}, {"warmup_details": None}, ["warmup_details.status"]),
    ("warmup", {}, {"warmup__status": "PAUSED"}, ["warmup_details.status"]),
    ("warmup", {"status": ["ACTIVE", "PAUSED"]}, {"warmup__status": "PAUSED"}, []),
    ("warmup", {"min_reputation": 98}, {}, []),
    ("warmup", {"min_reputation": 99}, {}, ["warmup_details.warmup_reputation"]),
    ("warmup", {"min_reputation": 90}, {"warmup__warmup_reputation": 95}, []),
    (
        "warmup",
        {"min_reputation": 90},
        {"warmup__warmup_reputation": None},
        ["warmup_details.warmup_reputation"],
    ),
    ("warmup", {}, {"warmup__blocked_reason": "spam"}, ["warmup_details.blocked_reason"]),
    ("warmup", {"allow_blocked": True}, {"warmup__blocked_reason": "spam"}, []),
    (
        "warmup",
        {},
        {"warmup__status": "BLOCKED", "warmup__blocked_reason": "spam"},
        ["warmup_details.status", "warmup_details.blocked_reason"],
    ),
    # daily-usage
    ("daily-usage", {"max_ratio": 0.5}, {"daily_sent_count": 15, "message_per_day": 30}, []),
    (
        "daily-usage",
        {"max_ratio": 0.5},
        {"daily_sent_count": 16, "message_per_day": 30},
        ["daily_sent_count"],
    ),
    ("daily-usage", {"max_ratio": 0.5}, {"daily_sent_count": 0, "message_per_day": 0}, []),
    (
        "daily-usage",
        {"max_ratio": 1},
        {"daily_sent_count": 1, "message_per_day": 0},
        ["daily_sent_count"],
    ),
    ("daily-usage", {"max_ratio": 0.5}, {"daily_sent_count": None}, ["daily_sent_count"]),
    # field: the entry states what must hold
    ("field", {"field": "smtp_port", "op": "in", "value": [465, 587]}, {}, []),
    ("field", {"field": "smtp_port", "op": "in", "value": [587]}, {}, ["smtp_port"]),
    ("field", {"field": "smtp_port", "op": "not_in", "value": [25]}, {}, []),
    ("field", {"field": "smtp_port", "op": "not_in", "value": [465]}, {}, ["smtp_port"]),
    ("field", {"field": "smtp_port_type", "op": "equals", "value": "SSL"}, {}, []),
    ("field", {"field": "smtp_port_type", "op": "equals", "value": "TLS"}, {}, ["smtp_port_type"]),
    ("field", {"field": "smtp_port_type", "op": "not_equals", "value": "TLS"}, {}, []),
    ("field", {"field": "warmup_details.reply_rate", "op": "gte", "value": 30}, {}, []),
    (
        "field",
        {"field": "warmup_details.reply_rate", "op": "gt", "value": 30},
        {},
        ["warmup_details.reply_rate"],
    ),
    ("field", {"field": "warmup_details.reply_rate", "op": "lt", "value": 31}, {}, []),
    (
        "field",
        {"field": "warmup_details.reply_rate", "op": "lte", "value": 29},
        {},
        ["warmup_details.reply_rate"],
    ),
    (
        "field",
        {"field": "warmup_details.reply_rate", "op": "gte", "value": 1},
        {"warmup_details": None},
        ["warmup_details.reply_rate"],
    ),
    ("field", {"field": "minTimeToWaitInMins", "op": "gte", "value": 10}, {}, []),
    ("field", {"field": "from_name", "op": "gt", "value": 3}, {}, ["from_name"]),
    ("field", {"field": "from_name", "op": "matches", "value": "[A-Z][a-z]+ [A-Z][a-z]+"}, {}, []),
    ("field", {"field": "from_name", "op": "matches", "value": "Ada"}, {}, ["from_name"]),
    ("field", {"field": "signature", "op": "not_empty"}, {}, []),
    ("field", {"field": "signature", "op": "not_empty"}, {"signature": ""}, ["signature"]),
    ("field", {"field": "signature", "op": "empty"}, {"signature": None}, []),
    ("field", {"field": "signature", "op": "empty"}, {}, ["signature"]),
    (
        "field",
        {"field": "bcc_email", "op": "not_equals", "value": "x"},
        {"bcc_email": None},
        ["bcc_email"],
    ),
    ("field", {"field": "tags", "op": "in", "value": ["Primary", "EU"]}, {}, []),
    ("field", {"field": "tags", "op": "not_in", "value": ["Primary"]}, {}, ["tags"]),
    ("field", {"field": "tags.tag_name", "op": "not_empty"}, {"tags": []}, ["tags.tag_name"]),
    ("field", {"field": "has_password", "op": "equals", "value": True}, {}, []),
    (
        "field",
        {"field": "is_smtp_success", "op": "equals", "value": True},
        {"is_smtp_success": False},
        ["is_smtp_success"],
    ),
]


ACCOUNT_RULES = {rule for rule, spec in RULES.items() if isinstance(spec, AccountRule)}


def test_every_account_rule_has_cases() -> None:
    assert {case[0] for case in CASES} == ACCOUNT_RULES


@pytest.mark.parametrize(("rule", "options", "changes", "expected_fields"), CASES)
def test_rule_case(
    rule: str, options: dict[str, Any], changes: dict[str, Any], expected_fields: list[str]
) -> None:
    spec = RULES[rule]
    assert isinstance(spec, AccountRule)
    entry = spec.options.model_validate({"rule": rule, "id": "case", **options})
    violations = list(spec.check(account(**changes), entry))
    assert [v.field for v in violations] == expected_fields
    for violation in violations:
        assert violation.message
        assert violation.expected


def test_smtp_message_quotes_failure_error_without_the_password() -> None:
    spec = RULES["smtp-connected"]
    assert isinstance(spec, AccountRule)
    entry = spec.options.model_validate({"rule": "smtp-connected"})
    broken = account(
        is_smtp_success=False,
        password="c2VjcmV0LWh1bnRlcjI=",  # base64 of "secret-hunter2"
        smtp_failure_error="535 auth failed for user ada with password secret-hunter2",
    )
    (violation,) = spec.check(broken, entry)
    assert "535 auth failed" in violation.message
    assert "secret-hunter2" not in violation.message
    assert "[REDACTED]" in violation.message


FLEET_CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], list[int]]] = [
    # (rule, options, accounts, ids of the accounts with a finding)
    (
        "accounts-per-domain",
        {"max": 2},
        [{"id": i, "from_email": f"u{i}@a.example"} for i in (3, 1, 2)]
        + [{"id": 9, "from_email": "x@b.example"}],
        [3],
    ),
    (
        "accounts-per-domain",
        {"max": 3},
        [{"id": i, "from_email": f"u{i}@A.example"} for i in (1, 2, 3)],
        [],
    ),
    (
        "domain-daily-volume",
        {"max": 60},
        [
            {"id": 1, "message_per_day": 30},
            {"id": 2, "message_per_day": 31},
            {"id": 3, "from_email": "c@other.example", "message_per_day": 100},
        ],
        [1, 2, 3],
    ),
    (
        "domain-daily-volume",
        {"max": 100},
        [{"id": 1, "message_per_day": 50}, {"id": 2, "message_per_day": None}],
        [],
    ),
    (
        "duplicate-sender",
        {},
        [
            {"id": 1, "from_email": "Ada@acme.example"},
            {"id": 2, "from_email": "ada@ACME.example"},
            {"id": 3, "from_email": "bob@acme.example"},
        ],
        [1, 2],
    ),
    (
        "shared-credentials",
        {},
        [
            {"id": 1},
            {"id": 2, "from_email": "b@acme.example"},
            {"id": 3, "password": "b3RoZXItcGFzc3dvcmQ="},
            {"id": 4, "smtp_host": "smtp.other.example"},
        ],
        [1, 2],
    ),
    (
        "shared-credentials",
        {},
        [
            {"id": 1, "password": None, "username": None},
            {"id": 2, "password": None, "username": None},
        ],
        [],
    ),
    (
        "tracking-domain-shared",
        {"max_accounts": 1},
        [
            {"id": 2},
            {"id": 1},
            {"id": 3, "custom_tracking_domain": "t.other.example"},
            {"id": 4, "custom_tracking_domain": "TRACK.acme.example"},
        ],
        [2, 4],
    ),
]


def test_every_fleet_rule_has_cases() -> None:
    assert {case[0] for case in FLEET_CASES} == set(RULES) - ACCOUNT_RULES


@pytest.mark.parametrize(("rule", "options", "changes", "expected_ids"), FLEET_CASES)
def test_fleet_rule_case(
    rule: str, options: dict[str, Any], changes: list[dict[str, Any]], expected_ids: list[int]
) -> None:
    spec = RULES[rule]
    assert not isinstance(spec, AccountRule)
    entry = spec.options.model_validate({"rule": rule, **options})
    found = list(spec.check([account(**c) for c in changes], entry))
    assert sorted(a.id for a, _ in found) == expected_ids
    for _, violation in found:
        assert violation.message


def test_shared_credentials_message_names_the_other_account_never_the_secret() -> None:
    spec = RULES["shared-credentials"]
    assert not isinstance(spec, AccountRule)
    secret = "c2hhcmVkLXNlY3JldA=="
    pairs = list(
        spec.check(
            [account(id=1, password=secret), account(id=2, password=secret)],
            spec.options.model_validate({"rule": "shared-credentials"}),
        )
    )
    messages = [v.message for _, v in pairs]
    assert messages[0].endswith("with account(s) 2")
    assert all(secret not in m and "shared-secret" not in m for m in messages)


@given(st.lists(st.sampled_from(["a", "b", "c", None, "d", "e"]), max_size=60))
def test_group_by_shared_only_keeps_exactly_the_groups_of_two_or_more(keys: list[Any]) -> None:
    accounts = parse_accounts([wire(id=i + 1) for i in range(len(keys))])
    every = group_by(accounts, keys)
    assert group_by(accounts, keys, shared_only=True) == {
        key: members for key, members in every.items() if len(members) > 1
    }
    assert sum(map(len, every.values())) == len([k for k in keys if k is not None])
