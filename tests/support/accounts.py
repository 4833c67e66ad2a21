"""A compliant wire-format account to start rule cases from: each case changes only what matters."""

from __future__ import annotations

from typing import Any

from auditor.model.account import EmailAccount
from tests.support.canary import IMAP_PASSWORD_B64, SMTP_PASSWORD_B64

BASE_WIRE: dict[str, Any] = {
    "id": 1,
    "created_at": "2025-01-15T10:30:00.000Z",
    "updated_at": "2022-05-26T03:47:31.448094+00:00",
    "user_id": 40001,
    "from_name": "Ada Sender",
    "from_email": "ada@acme.example",
    "minTimeToWaitInMins": 15,
    "username": "ada@acme.example",
    "password": SMTP_PASSWORD_B64,
    "smtp_host": "smtp.acme.example",
    "smtp_port": 465,
    "smtp_port_type": "SSL",
    "message_per_day": 30,
    "different_reply_to_address": "replies@acme.example",
    "is_different_imap_account": False,
    "imap_username": "ada@acme.example",
    "imap_password": IMAP_PASSWORD_B64,
    "imap_host": "imap.acme.example",
    "imap_port": 993,
    "imap_port_type": "SSL",
    "signature": "<p>Ada</p>",
    "custom_tracking_domain": "track.acme.example",
    "bcc_email": "archive@acme.example",
    "is_smtp_success": True,
    "is_imap_success": True,
    "smtp_failure_error": None,
    "imap_failure_error": None,
    "type": "SMTP",
    "daily_sent_count": 3,
    "client_id": 5120,
    "campaign_count": 1,
    "tags": [{"tag_id": 1, "tag_name": "Primary", "tag_color": "#fff"}],
    "campaign_ids": [7001],
    "warmup_details": {
        "status": "ACTIVE",
        "total_sent_count": 10,
        "total_spam_count": 0,
        "warmup_reputation": "98%",
        "warmup_key_id": "k",
        "warmup_created_at": "2025-01-15T10:30:00.000Z",
        "reply_rate": 30,
        "blocked_reason": None,
    },
}


def wire(**changes: Any) -> dict[str, Any]:
    """The base account with top-level changes; ``warmup__x=`` changes a warmup_details key."""
    record = {**BASE_WIRE, "warmup_details": dict(BASE_WIRE["warmup_details"])}
    for key, value in changes.items():
        if key.startswith("warmup__"):
            record["warmup_details"][key.removeprefix("warmup__")] = value
        else:
            record[key] = value
    return record


def account(**changes: Any) -> EmailAccount:
    return EmailAccount(**wire(**changes))
