"""What one API answer says: its JSON (strictly read), the error it carries, the wait it asks for.

Shared by the page reads (``api_request``) and the remediation writes (``remediation.wire``); every
text made here for the user is shortened and redacted by its caller or here.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import jiter

from auditor.redact import redact, shorten
from auditor.sources.body import Answer
from auditor.sources.json_decode import DuplicateKeyError, not_a_number, unique_pairs

log = logging.getLogger(__name__)

_SNIPPET = 160
NOT_JSON: Any = object()  # json_or_none's answer for a body that is not JSON


def not_accounts(answer: Answer, body: object) -> str:
    """Why a 200 is not a page, redacted: the cause quoted when the budget runs out."""
    kind = _content_kind(answer)
    if body is NOT_JSON:
        return (
            f"HTTP 200 but the body is not JSON ({kind}, {len(answer.content)} bytes: "
            "empty, truncated or malformed)"
        )
    message = error_message(body)
    detail = f": {redact(_shorten(message))}" if message else ""
    return f"HTTP 200 but the body is {_json_type(body)}, not an array of accounts{detail}"


def json_or_none(content: bytes) -> object:
    try:  # the fast path, as for snapshots (see ``auditor.sources.inventory.loads_json``)
        return jiter.from_json(content, catch_duplicate_keys=True, allow_inf_nan=False)
    except ValueError:
        pass  # not JSON, a repeated key, or a form only the standard library takes: it decides
    try:
        return json.loads(content, object_pairs_hook=unique_pairs, parse_constant=not_a_number)
    except DuplicateKeyError:
        raise
    except (ValueError, RecursionError):
        return NOT_JSON


def error_message(body: object) -> str | None:
    """SmartLead's three error shapes: ``message``, else ``error`` if a string, else
    ``error.message``."""
    if not isinstance(body, dict):
        return None
    message, error = body.get("message"), body.get("error")
    if isinstance(message, str) and message.strip():
        return message.strip()
    if isinstance(error, str) and error.strip():
        return error.strip()
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"]).strip() or None
    return None


def error_text(response: Answer, body: object) -> str:
    """What to tell the user about an error answer, body shape permitting."""
    message = error_message(body)
    if message:
        return _shorten(message)
    if body is NOT_JSON and response.content and "html" not in _content_kind(response):
        text = response.content.decode("utf-8", errors="replace")
        return _shorten(text) or "no error message"
    return f"no error message ({_content_kind(response)}, {len(response.content)} bytes)"


def retry_after_seconds(headers: Mapping[str, str], body: object) -> float | None:
    """``Retry-After`` (seconds or an HTTP date), else the body's ``retry_after``."""
    header = headers.get("retry-after")
    if header:
        try:
            seconds = float(header.strip())
        except ValueError:
            seconds = None
        if seconds is not None and math.isfinite(seconds):
            return max(0.0, seconds)
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
        log.debug("ignored Retry-After %r: neither seconds nor an HTTP date", header[:40])
    if isinstance(body, dict):
        error = body.get("error")
        for holder in (error if isinstance(error, dict) else {}, body):
            value = holder.get("retry_after")
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            ):
                return max(0.0, float(value))
    return None


def _shorten(text: str) -> str:
    return shorten(text, _SNIPPET)


def _content_kind(response: Answer) -> str:
    kind: str = response.headers.get("content-type", "no content type")
    return kind.split(";")[0].strip()


def _json_type(value: object) -> str:
    if isinstance(value, dict):
        return "a JSON object"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
