"""Rule cases as data: (rule options, account changes) -> the fields that violate (empty = pass)."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.rules import RULES
from tests.accounts import account

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
]


def test_every_rule_has_cases() -> None:
    assert {case[0] for case in CASES} == set(RULES)


@pytest.mark.parametrize(("rule", "options", "changes", "expected_fields"), CASES)
def test_rule_case(
    rule: str, options: dict[str, Any], changes: dict[str, Any], expected_fields: list[str]
) -> None:
    spec = RULES[rule]
    entry = spec.options.model_validate({"rule": rule, **options})
    violations = list(spec.check(account(**changes), entry))
    assert [v.field for v in violations] == expected_fields
    for violation in violations:
        assert violation.message
        assert violation.expected


def test_smtp_message_quotes_failure_error_without_the_password() -> None:
    spec = RULES["smtp-connected"]
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
