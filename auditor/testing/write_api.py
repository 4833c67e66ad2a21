"""The test server's write side: ``POST /email-accounts/{id}`` and ``.../{id}/warmup``, validated
as documented (``shared/smartlead/API-write.md``), with switches for the ways the real one may
behave, so that ``apply``'s stale check and read-back can be shown to catch each:

- ``mode``: ``"partial"`` (fields left out stay, as documented) or ``"full_replace"`` (fields
  left out are reset, as a practitioner observed);
- ``ignored``: body fields answered ``{"ok": true}`` but not applied;
- ``error_rate`` / ``fail_next`` / ``failing`` (account ids): 500s before anything is applied;
  ``fail_after_apply``: applied, then answered 500;
- ``meddle(server, id, **fields)``: someone else changes an account (between plan and apply).

Every write counts against the same rate limit as reads and goes through the same scheduled
faults (``SmartLeadServer.add_fault``). Applied writes bump ``updated_at``.
"""

from __future__ import annotations

import json
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit
from weakref import WeakKeyDictionary

from auditor.testing.faults import Fault
from auditor.testing.responses import _FAULT_BODIES, _drop, _rate_limited, _send, _send_json

if TYPE_CHECKING:
    from auditor.testing.server import SmartLeadServer

_PATH = re.compile(r"^/api/v1/email-accounts/(\d+)(/warmup)?/?$")
# body field -> (list endpoint field, accepted types)
UPDATE_FIELDS: dict[str, tuple[str, tuple[type, ...]]] = {
    "max_email_per_day": ("message_per_day", (int,)),
    "time_to_wait_in_mins": ("minTimeToWaitInMins", (int,)),
    "bcc": ("bcc_email", (str,)),
    "custom_tracking_url": ("custom_tracking_domain", (str,)),
    "signature": ("signature", (str,)),
    "from_name": ("from_name", (str,)),
    "client_id": ("client_id", (int,)),
}
WARMUP_RANGES = {
    "total_warmup_per_day": (1, 50),
    "daily_rampup": (5, 20),
    "reply_rate_percentage": (20, 100),
}


@dataclass
class WriteSide:
    """Switches and a log of the writes one server received (bodies with the key left out)."""

    mode: Literal["partial", "full_replace"] = "partial"
    ignored: set[str] = field(default_factory=set)
    error_rate: float = 0.0
    fail_next: int = 0
    fail_after_apply: int = 0
    failing: set[int] = field(default_factory=set)
    seed: int = 11
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def _should_fail(self, account_id: int) -> Literal["before", "after", None]:
        with self._lock:
            if account_id in self.failing:
                return "before"
            if self.fail_next > 0:
                self.fail_next -= 1
                return "before"
            if self.fail_after_apply > 0:
                self.fail_after_apply -= 1
                return "after"
            if self.error_rate and self._rng.random() < self.error_rate:
                return "before"
        return None


_SIDES: WeakKeyDictionary[SmartLeadServer, WriteSide] = WeakKeyDictionary()


def write_side(server: SmartLeadServer) -> WriteSide:
    """The write switches of ``server`` (made on first use)."""
    side = _SIDES.get(server)
    if side is None:
        side = _SIDES[server] = WriteSide()
    return side


def meddle(server: SmartLeadServer, account_id: int, **fields: Any) -> None:
    """Someone else edits an account (list-endpoint names, e.g. ``message_per_day=75``)."""
    if not server.edit_account(account_id, lambda r: {**r, **fields, "updated_at": _now()}):
        raise KeyError(account_id)


def serve_write(handler: BaseHTTPRequestHandler, app: SmartLeadServer) -> None:
    """Answer one POST (called on the connection's thread)."""
    parts = urlsplit(handler.path)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    number, hooks, rule = app.record_arrival(None)
    for hook in hooks:
        hook.action(app)  # type: ignore[operator]
    handler.record_status = lambda status: app.record_answer(number, None, status)  # type: ignore[attr-defined]
    if rule is not None:
        if rule.fault is Fault.DROP:
            _drop(handler)
            return
        if rule.fault is Fault.RATE_LIMITED:
            _rate_limited(handler, rule.retry_after, None)
            return
        if rule.fault in _FAULT_BODIES:
            status, text, kind = _FAULT_BODIES[rule.fault]
            _send(handler, status, text, kind)
            return
    match = _PATH.match(parts.path)
    if match is None:
        _send_json(handler, 404, {"message": f"Cannot POST {parts.path}"})
        return
    if query.get("api_key") != app.config.api_key:
        _send_json(handler, 401, {"message": "Invalid API Key"})
        return
    allowance = app.take_allowance()
    if allowance is not None and not allowance.allowed:
        _rate_limited(handler, allowance.retry_after, allowance)
        return
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        _send_json(handler, 400, {"error": "body must be a JSON object"}, allowance)
        return
    account_id, warmup = int(match.group(1)), match.group(2) is not None
    problem = _invalid_warmup(body) if warmup else _invalid_update(body)
    if problem:
        _send_json(handler, 422, {"error": problem}, allowance)
        return
    side = write_side(app)
    failure = side._should_fail(account_id)
    if failure == "before":
        _send_json(handler, 500, {"error": "Internal server error occurred"}, allowance)
        return
    change = _warmup(body) if warmup else _update(body, side)
    if not app.edit_account(account_id, change):
        _send_json(handler, 404, {"message": "Email account not found"}, allowance)
        return
    with side._lock:
        side.writes.append((parts.path, body))
    if failure == "after":
        _send_json(handler, 500, {"error": "Internal server error occurred"}, allowance)
        return
    _send_json(handler, 200, {"ok": True}, allowance)


def _invalid_update(body: dict[str, Any]) -> str | None:
    for name, value in body.items():
        spec = UPDATE_FIELDS.get(name)
        if spec is None or value is None:
            continue
        if not isinstance(value, spec[1]) or isinstance(value, bool):
            return f"{name} has the wrong type"
        if isinstance(value, int) and value < 0:
            return f"{name} must not be negative"
    return None


def _invalid_warmup(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("warmup_enabled"), bool):
        return "warmup_enabled is required and must be a boolean"
    for name, (low, high) in WARMUP_RANGES.items():
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return f"{name} must be between {low} and {high}"
    return None


def _update(body: dict[str, Any], side: WriteSide) -> Any:
    def change(record: dict[str, Any]) -> dict[str, Any]:
        new = dict(record)
        for name, (read, _) in UPDATE_FIELDS.items():
            if name in side.ignored:
                continue
            if name in body:
                new[read] = body[name]
            elif side.mode == "full_replace":
                new[read] = None  # a full replace resets what the body left out
        new["updated_at"] = _now()
        return new

    return change


def _warmup(body: dict[str, Any]) -> Any:
    def change(record: dict[str, Any]) -> dict[str, Any]:
        details = dict(record.get("warmup_details") or {"total_sent_count": 0})
        details["status"] = "ACTIVE" if body["warmup_enabled"] else "INACTIVE"
        return {**record, "warmup_details": details, "updated_at": _now()}

    return change


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
