"""The rule registry: an explicit dict, checked for completeness by a test."""

from __future__ import annotations

from auditor.rules import (
    bcc_required,
    daily_send_limit,
    imap_connected,
    imap_credentials,
    reply_to_required,
    send_gap,
    smtp_connected,
    tracking_domain,
    warmup,
)
from auditor.rules.base import RuleSpec, Violation

RULES: dict[str, RuleSpec] = {
    spec.id: spec
    for spec in map(
        RuleSpec.from_module,
        (
            daily_send_limit,
            send_gap,
            bcc_required,
            reply_to_required,
            tracking_domain,
            imap_credentials,
            smtp_connected,
            imap_connected,
            warmup,
        ),
    )
}

__all__ = ["RULES", "RuleSpec", "Violation"]
