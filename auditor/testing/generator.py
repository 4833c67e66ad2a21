"""Deterministic, realistic SmartLead accounts in the exact wire format.

The same seed always gives the same accounts, so the demo inventory, tests, the test server and
benchmarks agree. Every wire variant the API notes list occurs (both timestamp forms, ``"95%"`` and
numeric reputation, ``""`` and ``null`` for "none", unknown fields), and so do the mistakes house
rules exist to catch, at realistic rates.
"""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta
from typing import Any

FIRST_NAMES = (
    "Ava",
    "Ben",
    "Cara",
    "Dev",
    "Elif",
    "Femi",
    "Gus",
    "Hana",
    "Ivo",
    "Jade",
    "Kai",
    "Lena",
    "Milo",
    "Nora",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
)
LAST_NAMES = ("Archer", "Banks", "Cole", "Diaz", "Evans", "Fox", "Grant", "Hale", "Ito", "Jones")
DOMAINS = (
    "acme-outreach.example",
    "getacme.example",
    "northwind-mail.example",
    "contoso-growth.example",
    "fabrikam-sales.example",
    "tailspin-leads.example",
)
TAGS = (
    (301, "Primary Senders", "#B1FCCF"),
    (302, "Backup", "#FCB1B1"),
    (303, "EU", "#B3B1FC"),
    (304, "US", "#FCE9B1"),
    (305, "New Domain", "#B1E4FC"),
)
CLIENTS = (5120, 5121, 5122, None)
SMTP_ERRORS = (
    "535 5.7.8 Authentication credentials invalid",
    "Connection timed out after 30000ms",
    "421 4.7.0 Try again later, closing connection",
)
IMAP_ERRORS = (
    "AUTHENTICATIONFAILED Invalid credentials (Failure)",
    "getaddrinfo ENOTFOUND imap.example",
)
BASE_TIME = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _timestamp(rng: random.Random, when: datetime) -> str:
    if rng.random() < 0.5:
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return when.isoformat()


def _secret(rng: random.Random, label: str) -> str:
    # "Canary-": the test suite scans every output for generated passwords by this prefix.
    raw = f"Canary-{label}-{rng.getrandbits(48):012x}!"
    return base64.b64encode(raw.encode()).decode()


def generate_account(rng: random.Random, account_id: int) -> dict[str, Any]:
    """One account; roughly one in four breaks at least one house rule."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    domain = rng.choice(DOMAINS)
    email = f"{first.lower()}.{last.lower()}{account_id % 1000}@{domain}"
    kind = rng.choices(("GMAIL", "OUTLOOK", "SMTP", "ZOHO"), weights=(40, 25, 33, 2))[0]
    oauth = kind in ("GMAIL", "OUTLOOK") and rng.random() < 0.6
    created = BASE_TIME - timedelta(
        days=rng.randint(10, 600),
        seconds=rng.randint(0, 86400),
        microseconds=rng.randint(0, 999999),
    )
    updated = created + timedelta(days=rng.randint(0, 9))
    smtp_ok = rng.random() > 0.06
    imap_ok = rng.random() > 0.05
    separate_imap = rng.random() < 0.12
    tags = rng.sample(TAGS, k=rng.choice((0, 1, 1, 2)))
    campaign_ids = sorted(rng.sample(range(7000, 7100), k=rng.choice((0, 1, 1, 2, 3))))
    warmup: dict[str, Any] | None = None
    if rng.random() > 0.07:
        reputation = rng.choice((100, 99, 98, 97, 95, 92, 88, 71))
        blocked = "Too many spam placements" if rng.random() < 0.04 else None
        warmup = {
            "status": "ACTIVE" if rng.random() > 0.12 else rng.choice(("INACTIVE", "PAUSED")),
            "total_sent_count": rng.randint(0, 3000),
            "total_spam_count": rng.randint(0, 60),
            "warmup_reputation": f"{reputation}%" if rng.random() < 0.8 else reputation,
            "warmup_key_id": rng.choice(("quiet-harbor", "amber-field", rng.randint(1000, 9999))),
            "warmup_created_at": _timestamp(rng, created + timedelta(minutes=5)),
            "reply_rate": rng.choice((20, 30, 40)),
            "blocked_reason": blocked,
            "warmup_min_count": 5,
            "warmup_max_count": 25,
            "max_email_per_day": 40,
        }
    account: dict[str, Any] = {
        "id": account_id,
        "created_at": _timestamp(rng, created),
        "updated_at": _timestamp(rng, updated),
        "user_id": 40001,
        "from_name": f"{first} {last}",
        "from_email": email,
        "minTimeToWaitInMins": rng.choices(
            (None, 5, 10, 12, 15, 30), weights=(3, 8, 30, 20, 25, 14)
        )[0],
        "username": None if oauth else email,
        "password": None if oauth else _secret(rng, "smtp"),
        "smtp_host": None if oauth else f"smtp.{domain}",
        "smtp_port": None if oauth else rng.choice((465, 587)),
        "smtp_port_type": None if oauth else rng.choice(("SSL", "TLS", "STARTTLS")),
        "message_per_day": rng.choices((20, 30, 40, 50, 100), weights=(15, 35, 35, 10, 5))[0],
        "different_reply_to_address": rng.choices(
            (f"replies@{domain}", "", None), weights=(85, 8, 7)
        )[0],
        "is_different_imap_account": separate_imap,
        "imap_username": (
            f"replies@{domain}"
            if separate_imap and rng.random() > 0.2
            else (None if oauth or separate_imap else email)
        ),
        "imap_password": None if oauth else _secret(rng, "imap"),
        "imap_host": None if oauth else f"imap.{domain}",
        "imap_port": None if oauth else 993,
        "imap_port_type": None if oauth else "SSL",
        "signature": f"<p>{first} {last}<br>{domain.split('.')[0].title()}</p>",
        "custom_tracking_domain": rng.choices(
            (f"track.{domain}", "track.shared-links.example", None), weights=(82, 6, 12)
        )[0],
        "bcc_email": rng.choices(
            (f"archive@{domain}", "archive@gmail.example", None), weights=(84, 4, 12)
        )[0],
        "is_smtp_success": smtp_ok,
        "is_imap_success": imap_ok,
        "smtp_failure_error": None if smtp_ok else rng.choice(SMTP_ERRORS),
        "imap_failure_error": None if imap_ok else rng.choice(IMAP_ERRORS),
        "type": kind,
        "daily_sent_count": rng.randint(0, 45),
        "client_id": rng.choice(CLIENTS),
        "campaign_count": 0 if rng.random() < 0.3 else len(campaign_ids),
        "expires_at": None,
        "is_connected_to_campaign": rng.choice((None, True, False)),
        "tags": [{"tag_id": t[0], "tag_name": t[1], "tag_color": t[2]} for t in tags],
        "warmup_details": warmup,
        "campaign_ids": campaign_ids,
    }
    return account


def generate_accounts(count: int, *, seed: int = 7, first_id: int = 100001) -> list[dict[str, Any]]:
    """``count`` accounts with ids from ``first_id``, the same for the same seed."""
    rng = random.Random(seed)
    return [generate_account(rng, first_id + index) for index in range(count)]


def generate_demo() -> list[dict[str, Any]]:
    """The shipped demo inventory (examples/demo-inventory.json): 30 accounts, plus the fleet
    mistakes a random draw rarely makes: a sender address used twice and a shared SMTP login."""
    accounts = generate_accounts(30, seed=2026, first_id=900101)
    first_smtp, second_smtp = [a for a in accounts if a["password"] and a["type"] == "SMTP"][:2]
    for key in ("username", "password", "smtp_host", "smtp_port"):
        second_smtp[key] = first_smtp[key]
    accounts[7]["from_email"] = accounts[6]["from_email"].upper()
    return accounts


if __name__ == "__main__":  # regenerate the demo: python -m auditor.testing.generator
    import json
    import sys

    json.dump(generate_demo(), sys.stdout, indent=2)
    sys.stdout.write("\n")
