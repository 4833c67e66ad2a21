"""What the test server answers, byte for byte: pages, the documented error shapes, and faults.

Order of checks for one request: latency, scheduled hooks (account changes), a scheduled fault,
the path, ``api_key`` (401), the rate limit (429), parameters (422), then the page.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import time
import zlib
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from auditor.testing.faults import Fault, FaultRule
from auditor.testing.limiters import Allowance

if TYPE_CHECKING:
    from auditor.testing.server import SmartLeadServer

PATH = "/api/v1/email-accounts"
MAX_LIMIT = 100
_BOOLEANS = ("isInUse", "isSmtpSuccess", "isWarmupBlocked", "fetch_campaigns")
_CHOICES = {"emailWarmupStatus": ("ACTIVE", "INACTIVE"), "esp": ("GMAIL", "OUTLOOK", "SMTP")}
_JSON = "application/json; charset=utf-8"
_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server is unavailable.</p></body></html>"
)
_FAULT_BODIES: dict[Fault, tuple[int, bytes, str]] = {
    Fault.HTTP_500: (500, b'{"error": "Internal server error occurred"}', _JSON),
    Fault.HTTP_502: (502, _HTML_PAGE, "text/html; charset=utf-8"),
    Fault.HTTP_503: (503, b'{"error": "Service Unavailable"}', _JSON),
    Fault.HTTP_504: (504, b"upstream request timeout", "text/plain; charset=utf-8"),
    Fault.HTML: (
        200,
        _HTML_PAGE.replace(b"502 Bad Gateway", b"Maintenance"),
        "text/html; charset=utf-8",
    ),
    Fault.SUCCESS_FALSE: (200, b'{"success": false, "message": "Something went wrong"}', _JSON),
    Fault.EMPTY: (200, b"", _JSON),
    Fault.HTTP_400: (400, b'{"error": "Bad Request"}', _JSON),
    Fault.HTTP_403: (403, b'{"message": "Forbidden"}', _JSON),
    Fault.HTTP_404: (404, b'{"message": "Not Found"}', _JSON),
    Fault.HTTP_422: (422, b'{"error": "limit must be less than or equal to 100"}', _JSON),
}


def serve(handler: BaseHTTPRequestHandler, app: SmartLeadServer) -> None:
    """Answer one request (called on the connection's thread)."""
    parts = urlsplit(handler.path)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    offset = _int(query.get("offset"))
    number, hooks, rule = app.record_arrival(offset)
    if app.config.latency:
        time.sleep(app.config.latency)
    for hook in hooks:
        hook.action(app)  # type: ignore[operator]
    app.apply_churn(number)
    limit = _int(query.get("limit", str(MAX_LIMIT)))
    # Logged before the client can see the answer, so a test that reads the log right after
    # its response never finds the request unanswered.
    handler.record_status = lambda status: app.record_answer(number, limit, status)  # type: ignore[attr-defined]
    _answer(handler, app, parts.path.rstrip("/"), query, rule)


def _answer(
    handler: BaseHTTPRequestHandler,
    app: SmartLeadServer,
    path: str,
    query: dict[str, str],
    rule: FaultRule | None,
) -> int:
    if rule is not None:
        if rule.fault is Fault.DROP:
            return _drop(handler)
        if rule.fault is Fault.SLOW:
            time.sleep(rule.delay)
        elif rule.fault is Fault.RATE_LIMITED:
            return _rate_limited(handler, rule.retry_after, None)
        elif rule.fault in _FAULT_BODIES:
            status, body, kind = _FAULT_BODIES[rule.fault]
            if rule.body is not None:  # a custom error text; {api_key} echoes the request's key
                body = rule.body.replace("{api_key}", query.get("api_key", "")).encode()
            return _send(handler, status, body, kind)
    if path != PATH:
        return _send_json(handler, 404, {"message": f"Cannot GET {path}"})
    if query.get("api_key") != app.config.api_key:
        if app.config.unauthorized_shape == "message":
            return _send_json(handler, 401, {"message": "Invalid API Key"})
        return _send_json(
            handler,
            401,
            {
                "success": False,
                "error": {"code": "UNAUTHORIZED", "message": "Invalid or missing API key"},
            },
        )
    allowance = app.take_allowance()
    if allowance is not None and not allowance.allowed:
        return _rate_limited(handler, allowance.retry_after, allowance)
    problem = _invalid(query)
    if problem:
        return _send_json(handler, 422, {"error": problem}, allowance)
    offset, limit = _int(query.get("offset", "0")) or 0, _int(query.get("limit", "100")) or 100
    body = json.dumps(app.select_page(query, offset, limit)).encode()
    if rule is not None and rule.fault is Fault.TRUNCATED:
        return _send(handler, 200, body[: len(body) // 2], _JSON, allowance)
    if rule is not None and rule.fault is Fault.CUT:
        return _cut(handler, body, allowance)
    if rule is not None and rule.fault is Fault.TRICKLE:
        return _trickle(handler, body, rule.delay, allowance)
    if rule is not None and rule.fault is Fault.ENDLESS:
        return _endless(handler, allowance)
    if rule is not None and rule.fault is Fault.GZIP_BOMB:
        return _send(handler, 200, gzip_bomb(), _JSON, allowance, {"Content-Encoding": "gzip"})
    return _send(handler, 200, body, _JSON, allowance)


BOMB_SIZE = 1 << 28  # inflated: 256 MiB of a JSON array's whitespace


@functools.cache
def gzip_bomb() -> bytes:
    """``[`` then 256 MiB of spaces, gzipped (about 1 MB, built in half a second): valid JSON,
    if anyone inflated it."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    block = b" " * (1 << 20)
    parts = [packer.compress(b"[")]
    parts += [packer.compress(block) for _ in range(BOMB_SIZE >> 20)]
    parts.append(packer.compress(b"]") + packer.flush())
    return b"".join(parts)


def _trickle(
    handler: BaseHTTPRequestHandler, body: bytes, delay: float, allowance: Allowance | None
) -> int:
    """The page, announced whole, one byte every ``delay`` seconds, until the client hangs up."""
    try:
        _headers(handler, 200, _JSON, len(body), allowance)
        for position in range(len(body)):
            handler.wfile.write(body[position : position + 1])
            handler.wfile.flush()
            time.sleep(delay)
    except OSError:
        handler.close_connection = True
    return 200


_ENDLESS_LIMIT = 1 << 31  # 2 GiB: stop eventually even if a client never does


def _endless(handler: BaseHTTPRequestHandler, allowance: Allowance | None) -> int:
    """A chunked 200 whose JSON array never closes (bounded at 2 GiB, for the server's sake)."""
    record = json.dumps({"id": 1, "from_email": "x" * 200}).encode() + b","
    chunk = record * (65536 // len(record))
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    try:
        handler.record_status(200)  # type: ignore[attr-defined]
        handler.send_response(200)
        handler.send_header("Content-Type", _JSON)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.wfile.write(b"1\r\n[\r\n")
        for _ in range(_ENDLESS_LIMIT // len(chunk)):
            handler.wfile.write(frame)
    except OSError:
        pass
    handler.close_connection = True
    return 200


def _invalid(query: dict[str, str]) -> str | None:
    """The 422 message for a bad parameter, as SmartLead words it where known."""
    offset, limit = query.get("offset", "0"), query.get("limit", "100")
    if _int(offset) is None or int(offset) < 0:
        return "offset must be a non-negative integer"
    if _int(limit) is None or int(limit) < 1:
        return "limit must be a positive integer"
    if int(limit) > MAX_LIMIT:
        return "limit must be less than or equal to 100"
    for name in _BOOLEANS:
        if name in query and query[name] not in ("true", "false"):
            return f"{name} must be true or false"
    for name, choices in _CHOICES.items():
        if name in query and query[name] not in choices:
            return f"{name} must be one of {', '.join(choices)}"
    if "client_id" in query and _int(query["client_id"]) is None:
        return "client_id must be an integer"
    return None


def _rate_limited(
    handler: BaseHTTPRequestHandler, retry_after: float, allowance: Allowance | None
) -> int:
    seconds: float | int = int(retry_after) if float(retry_after).is_integer() else retry_after
    body = {
        "error": {
            "code": "RATE_LIMIT_EXCEEDED",
            "message": "Rate limit exceeded. Please slow down.",
            "retry_after": seconds,
        }
    }
    return _send_json(handler, 429, body, allowance, {"Retry-After": str(seconds)})


def _send_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: Any,
    allowance: Allowance | None = None,
    extra: dict[str, str] | None = None,
) -> int:
    return _send(handler, status, json.dumps(body).encode(), _JSON, allowance, extra)


def _headers(
    handler: BaseHTTPRequestHandler,
    status: int,
    kind: str,
    length: int,
    allowance: Allowance | None,
    extra: dict[str, str] | None = None,
) -> None:
    handler.record_status(status)  # type: ignore[attr-defined]
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(length))
    if allowance is not None:
        handler.send_header("X-RateLimit-Limit", str(allowance.limit))
        handler.send_header("X-RateLimit-Remaining", str(allowance.remaining))
        handler.send_header("X-RateLimit-Reset", str(allowance.reset))
        for name, value in allowance.headers:
            handler.send_header(name, value)
    for name, value in (extra or {}).items():
        handler.send_header(name, value)
    handler.end_headers()


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    kind: str,
    allowance: Allowance | None = None,
    extra: dict[str, str] | None = None,
) -> int:
    try:
        _headers(handler, status, kind, len(body), allowance, extra)
        handler.wfile.write(body)
    except OSError:  # the client gave up (timeout, cancelled request)
        handler.close_connection = True
    return status


def _cut(handler: BaseHTTPRequestHandler, body: bytes, allowance: Allowance | None) -> int:
    try:
        _headers(handler, 200, _JSON, len(body), allowance)
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
    except OSError:
        pass
    return _drop(handler)


def _drop(handler: BaseHTTPRequestHandler) -> int:
    handler.record_status(0)  # type: ignore[attr-defined]
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.shutdown(socket.SHUT_RDWR)
    return 0


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
