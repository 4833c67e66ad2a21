"""The rule registry: an explicit dict, checked for completeness by a test."""

from __future__ import annotations

from auditor.rules import (
    accounts_per_domain,
    bcc_required,
    daily_send_limit,
    daily_usage,
    domain_daily_volume,
    duplicate_sender,
    field,
    imap_connected,
    imap_credentials,
    reply_to_required,
    send_gap,
    shared_credentials,
    smtp_connected,
    tracking_domain,
    tracking_domain_shared,
    warmup,
)
from auditor.rules.base import RuleSpec, Violation

RULES: dict[str, RuleSpec] = {
    spec.id: spec
    for spec in map(
        RuleSpec.from_module,
        (
            # one account at a time
            daily_send_limit,
            send_gap,
            bcc_required,
            reply_to_required,
            tracking_domain,
            imap_credentials,
            smtp_connected,
            imap_connected,
            warmup,
            daily_usage,
            field,
            # across the fleet
            accounts_per_domain,
            domain_daily_volume,
            duplicate_sender,
            shared_credentials,
            tracking_domain_shared,
        ),
    )
}

__all__ = ["RULES", "RuleSpec", "Violation"]
