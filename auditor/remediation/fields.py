"""The writable settings: their write-side names, where they read back in the list endpoint, and
the two write endpoints. One table, so the planner, the writer and the read-back agree.

The update endpoint may behave as a full replace (see ``shared/smartlead/API-write.md``): every
write carries all of ``UPDATE_FIELDS``, each with its current value except the ones changed.
``is_suspended`` is left out on purpose: the list endpoint does not show it, so its current value
cannot be carried over.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from auditor.model.account import EmailAccount

Value = int | str | bool | None


class Endpoint(StrEnum):
    UPDATE = "update"  # POST /email-accounts/{id}
    WARMUP = "warmup"  # POST /email-accounts/{id}/warmup

    def path(self, account_id: int) -> str:
        suffix = "/warmup" if self is Endpoint.WARMUP else ""
        return f"/email-accounts/{account_id}{suffix}"


@dataclass(frozen=True)
class Writable:
    """One setting: its body field, the list endpoint's name for it, and its endpoint."""

    write: str
    read: str
    endpoint: Endpoint


# The update endpoint's body fields, in the order they are sent.
UPDATE_FIELDS = (
    Writable("max_email_per_day", "message_per_day", Endpoint.UPDATE),
    Writable("time_to_wait_in_mins", "minTimeToWaitInMins", Endpoint.UPDATE),
    Writable("bcc", "bcc_email", Endpoint.UPDATE),
    Writable("custom_tracking_url", "custom_tracking_domain", Endpoint.UPDATE),
    Writable("signature", "signature", Endpoint.UPDATE),
    Writable("from_name", "from_name", Endpoint.UPDATE),
    Writable("client_id", "client_id", Endpoint.UPDATE),
)
# Warmup on or off; its settings (per day, ramp-up, reply rate) are not on the list endpoint, so
# only this reads back.
WARMUP_ENABLED = Writable("warmup_enabled", "warmup_details.status", Endpoint.WARMUP)
BY_WRITE = {f.write: f for f in (*UPDATE_FIELDS, WARMUP_ENABLED)}

ATTRIBUTES = {
    "max_email_per_day": "message_per_day",
    "time_to_wait_in_mins": "min_time_to_wait_mins",
    "bcc": "bcc_email",
    "custom_tracking_url": "custom_tracking_domain",
    "signature": "signature",
    "from_name": "from_name",
    "client_id": "client_id",
}


def current(account: EmailAccount, write: str) -> Value:
    """The account's value for a write-side field, as the list endpoint shows it. Warmup reads as
    on (status ACTIVE) or off (anything else, or never started)."""
    if write == WARMUP_ENABLED.write:
        return (account.warmup_status or "").upper() == "ACTIVE"
    value: Value = getattr(account, ATTRIBUTES[write])
    return value


def update_body(account: EmailAccount, changes: dict[str, Value]) -> dict[str, Value]:
    """The whole update body: every field at its current value, but for ``changes``."""
    body = {f.write: current(account, f.write) for f in UPDATE_FIELDS}
    body.update(changes)
    return body
