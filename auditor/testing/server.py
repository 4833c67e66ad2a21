"""A SmartLead-compatible ``GET /email-accounts/`` on 127.0.0.1, for tests, benchmarks and for
trying the tool without an account::

    python -m auditor.testing.server --accounts 5000 --latency 0.2 --rate 10

It is a real socket server (stdlib ``ThreadingHTTPServer``, one thread per connection, HTTP/1.1
keep-alive) serving generated accounts (``auditor.testing.generator``) in the exact wire format:
a bare JSON array, ``api_key`` checked (401 in both documented shapes), ``limit`` 1..100 (else
422), the documented filters (bad values: 422), ``fetch_campaigns``, a rate limit of the kind a
real API uses (``--limiter``: strict sliding window, fixed window, token bucket, or per second +
per minute + per hour at once; 429 + ``Retry-After`` + body ``retry_after``, ``X-RateLimit-*`` on
every answer), latency, a list that never ends (``--endless``), and faults and account changes
scheduled from tests (``add_fault``, ``on_request``, ``insert_accounts``, ``delete_accounts``).
Other endpoints (the write side) plug in with ``add_route`` without touching this module.
Filter semantics it assumes: ``isInUse`` = has ``campaign_ids``; ``emailWarmupStatus`` =
``warmup_details.status`` (no warmup counts as INACTIVE); ``isWarmupBlocked`` =
``warmup_details.blocked_reason`` set; ``username`` = partial, case-insensitive match on
``username`` or ``from_email``.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from auditor.testing.faults import RETRYABLE_FAULTS, Fault, FaultRule, Hook
from auditor.testing.generator import generate_account, generate_accounts
from auditor.testing.limiters import Allowance, Limiter, LimiterKind, make_limiter
from auditor.testing.responses import serve
from auditor.testing.write_api import serve_write

DEFAULT_KEY = "test-key"
Record = dict[str, Any]
Action = Callable[["SmartLeadServer"], None]
# A route answers one request and returns True, or returns False to let the next route try.
Route = Callable[[BaseHTTPRequestHandler, "SmartLeadServer"], bool]


@dataclass
class ServerConfig:
    api_key: str = DEFAULT_KEY
    latency: float = 0.0  # seconds added to every answer
    rate: float | None = None  # requests per second per key; None: unlimited
    burst: int | None = None  # bucket size; default one second's worth
    limiter: LimiterKind = LimiterKind.BUCKET
    per_minute: int | None = None  # multi: budget per 60 s
    per_hour: int | None = None  # multi: budget per hour
    windows: Sequence[tuple[int, float]] = ()  # multi: more (limit, seconds) windows
    endless: bool = False  # every page is full, whatever the offset: a list that never ends
    unauthorized_shape: Literal["message", "error"] = "message"
    fault_rate: float = 0.0  # chance that a request gets a random retryable fault
    insert_every: int = 0  # every Nth request adds an account at a random position
    delete_every: int = 0  # every Nth request deletes a random account
    seed: int = 7


@dataclass(frozen=True)
class RequestRecord:
    number: int
    offset: int | None
    limit: int | None
    status: int  # 0: the connection was dropped; -1: not answered yet
    fault: str | None
    arrived: float = 0.0  # wall-clock time (time.time()) the request was read


class SmartLeadServer:
    """The server and its state; use as a context manager: ``with SmartLeadServer(100) as s:``."""

    def __init__(
        self,
        accounts: int | Sequence[Record] = 0,
        config: ServerConfig | None = None,
        **options: Any,
    ) -> None:
        self.config = config or ServerConfig(**options)
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)
        records = (
            generate_accounts(accounts, seed=self.config.seed)
            if isinstance(accounts, int)
            else [dict(r) for r in accounts]
        )
        self._accounts: list[Record] = records
        self._next_id = (
            max((r["id"] for r in records if isinstance(r.get("id"), int)), default=100000) + 1
        )
        self._faults: list[FaultRule] = []
        self._hooks: list[Hook] = []
        self._log: list[RequestRecord] = []
        self._limiter: Limiter | None = None
        if self.config.rate is not None:
            self._limiter = make_limiter(
                LimiterKind(self.config.limiter),
                self.config.rate,
                burst=self.config.burst,
                per_minute=self.config.per_minute,
                per_hour=self.config.per_hour,
                windows=self.config.windows,
            )
        self.routes: dict[str, list[Route]] = {"GET": [_serve_accounts], "POST": [_serve_writes]}
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        self._httpd = _HttpServer(("127.0.0.1", port), _Handler)
        self._httpd.app = self
        self._port = int(self._httpd.server_address[1])
        # A short poll interval: stop() (shutdown) waits up to one interval.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="smartlead-test", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> SmartLeadServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v1`` (kept after ``stop()``, for messages and asserts)."""
        if self._port is None:
            raise RuntimeError("the server was never started")
        return f"http://127.0.0.1:{self._port}/api/v1"

    def add_route(self, method: str, route: Route) -> None:
        """Let ``route`` answer ``method`` requests before the built-in ones."""
        self.routes.setdefault(method, []).insert(0, route)

    # --- state for tests -------------------------------------------------------------------
    @property
    def accounts(self) -> list[Record]:
        """The current accounts, in serving order (the records are shared: do not mutate)."""
        with self._lock:
            return list(self._accounts)

    def ids(self) -> list[int]:
        with self._lock:
            return [r["id"] for r in self._accounts]

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def add_fault(
        self,
        fault: Fault | str,
        *,
        times: int = 1,
        request: int | None = None,
        offset: int | None = None,
        min_offset: int | None = None,
        retry_after: float = 1,
        delay: float = 1.0,
        body: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``fault`` (see ``FaultRule``; ``body``
        replaces the fault's own error body, ``{api_key}`` in it echoing the request's key)."""
        rule = FaultRule(Fault(fault), times, request, offset, min_offset, retry_after, delay, body)
        with self._lock:
            self._faults.append(rule)

    def on_request(
        self,
        action: Action,
        *,
        request: int | None = None,
        offset: int | None = None,
        min_offset: int | None = None,
    ) -> None:
        """Run ``action(server)`` once, just before the first matching request is answered."""
        with self._lock:
            self._hooks.append(Hook(action, request, offset, min_offset))

    def insert_accounts(self, count: int = 1, *, position: int | None = None) -> list[int]:
        """Add ``count`` new accounts at ``position`` (default: the end); returns their ids."""
        with self._lock:
            at = len(self._accounts) if position is None else max(0, position)
            new = [generate_account(self._rng, self._next_id + i) for i in range(count)]
            self._next_id += count
            self._accounts[at:at] = new
            return [r["id"] for r in new]

    def delete_accounts(self, *, ids: Sequence[int] = (), positions: Sequence[int] = ()) -> None:
        with self._lock:
            doomed = set(ids) | {
                self._accounts[p]["id"] for p in positions if 0 <= p < len(self._accounts)
            }
            self._accounts = [r for r in self._accounts if r["id"] not in doomed]

    def edit_account(self, account_id: int, change: Callable[[Record], Record]) -> bool:
        """Replace an account by ``change(record)`` (a new dict: records are shared, never
        mutated); False when there is no such account. For ``auditor.testing.write_api``."""
        with self._lock:
            at = next((i for i, r in enumerate(self._accounts) if r["id"] == account_id), None)
            if at is not None:
                self._accounts[at] = change(self._accounts[at])
            return at is not None

    # --- used by the request handler (auditor.testing.responses) ---------------------------
    def record_arrival(self, offset: int | None) -> tuple[int, list[Hook], FaultRule | None]:
        with self._lock:
            number = len(self._log) + 1
            hooks = [h for h in self._hooks if h.matches(number, offset)]
            self._hooks = [h for h in self._hooks if h not in hooks]
            rule = next((f for f in self._faults if f.matches(number, offset)), None)
            if rule is not None:
                rule.times -= 1
            elif self.config.fault_rate and self._rng.random() < self.config.fault_rate:
                rule = FaultRule(self._rng.choice(RETRYABLE_FAULTS), retry_after=1, delay=5)
            # the fault is logged on arrival: a client may act on it before the answer is logged
            self._log.append(
                RequestRecord(
                    number, offset, None, -1, rule.fault.value if rule else None, time.time()
                )
            )
            return number, hooks, rule

    def apply_churn(self, number: int) -> None:
        if self.config.insert_every and number % self.config.insert_every == 0:
            self.insert_accounts(position=self._rng.randint(0, len(self._accounts)))
        if self.config.delete_every and number % self.config.delete_every == 0 and self._accounts:
            self.delete_accounts(positions=[self._rng.randrange(len(self._accounts))])

    def record_answer(self, number: int, limit: int | None, status: int) -> None:
        with self._lock:
            old = self._log[number - 1]
            self._log[number - 1] = RequestRecord(
                number, old.offset, limit, status, old.fault, old.arrived
            )

    def take_allowance(self) -> Allowance | None:
        """One request's share of the key's allowance (shared by every endpoint)."""
        if self._limiter is None:
            return None
        with self._lock:
            return self._limiter.take()

    def select_page(self, query: dict[str, str], offset: int, limit: int) -> list[Record]:
        if self.config.endless:
            rng = random.Random(offset)
            return [generate_account(rng, 10_000_000 + offset + i) for i in range(limit)]
        with self._lock:
            records = self._accounts
            if any(name in query for name in _FILTERS):
                records = [r for r in records if _matches(r, query)]
            page = records[offset : offset + limit]
        if query.get("fetch_campaigns") != "true":
            page = [{k: v for k, v in r.items() if k != "campaign_ids"} for r in page]
        return page


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    app: SmartLeadServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, cancelled requests) are routine here, not errors."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stalls
    server: _HttpServer
    timeout = 30  # idle keep-alive connections end eventually

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines carry the API key."""

    def _dispatch(self, method: str) -> None:
        app = self.server.app
        for route in app.routes.get(method, []):
            if route(self, app):
                return
        self.send_error(405)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")


def _serve_accounts(handler: BaseHTTPRequestHandler, app: SmartLeadServer) -> bool:
    serve(handler, app)
    return True


def _serve_writes(handler: BaseHTTPRequestHandler, app: SmartLeadServer) -> bool:
    serve_write(handler, app)
    return True


def _bool(value: str) -> bool:
    return value == "true"


def _matches(record: Record, query: dict[str, str]) -> bool:
    warmup = record.get("warmup_details") or {}
    checks: dict[str, Callable[[str], bool]] = {
        "isInUse": lambda v: bool(record.get("campaign_ids")) == _bool(v),
        "isSmtpSuccess": lambda v: bool(record.get("is_smtp_success")) == _bool(v),
        "isWarmupBlocked": lambda v: bool(warmup.get("blocked_reason")) == _bool(v),
        "emailWarmupStatus": lambda v: (warmup.get("status") or "INACTIVE") == v,
        "esp": lambda v: record.get("type") == v,
        "client_id": lambda v: record.get("client_id") == int(v),
        "username": lambda v: (
            v.lower()
            in " ".join(str(record.get(k) or "") for k in ("username", "from_email")).lower()
        ),
    }
    return all(check(query[name]) for name, check in checks.items() if name in query)


_FILTERS = (
    "isInUse",
    "isSmtpSuccess",
    "isWarmupBlocked",
    "emailWarmupStatus",
    "esp",
    "client_id",
    "username",
)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m auditor.testing.server``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m auditor.testing.server",
        description="A SmartLead-compatible test server on 127.0.0.1 (generated accounts).",
        epilog="example:\n  python -m auditor.testing.server --accounts 5000 --latency 0.2 "
        "--rate 10\n  then, in another shell, run the printed commands.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--accounts", type=int, default=1000, help="accounts to serve (1000)")
    parser.add_argument(
        "--inventory",
        metavar="FILE",
        type=Path,
        help="serve the records of this JSON array instead of --accounts generated ones",
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--api-key", default=DEFAULT_KEY, help=f"accepted key ({DEFAULT_KEY})")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per answer (0)")
    parser.add_argument("--rate", type=float, help="requests/second allowed (default: no limit)")
    parser.add_argument(
        "--limiter",
        choices=[k.value for k in LimiterKind],
        default=LimiterKind.BUCKET.value,
        help="how --rate is enforced: sliding (strict: at most R in any 1 s), fixed (per "
        "wall-clock second), bucket (token bucket, --burst), multi (sliding per second, "
        "--per-minute and --per-hour at once) (bucket)",
    )
    parser.add_argument("--burst", type=int, help="bucket size (default: one second's worth)")
    parser.add_argument("--per-minute", type=int, help="multi: requests per 60 s")
    parser.add_argument("--per-hour", type=int, help="multi: requests per hour")
    parser.add_argument(
        "--endless", action="store_true", help="every page is full: a list that never ends"
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (7)")
    parser.add_argument(
        "--unauthorized-shape",
        choices=("message", "error"),
        default="message",
        help="401 body: {message} or {success: false, error: {...}}",
    )
    parser.add_argument(
        "--faults",
        default="",
        metavar="KIND,...",
        help="answer the first requests with these faults, in order: "
        + ", ".join(f.value for f in Fault),
    )
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=0.0,
        help="chance per request of a random retryable fault (0)",
    )
    parser.add_argument(
        "--insert-every",
        type=int,
        default=0,
        metavar="N",
        help="every Nth request adds an account somewhere (0: never)",
    )
    parser.add_argument(
        "--delete-every",
        type=int,
        default=0,
        metavar="N",
        help="every Nth request deletes an account (0: never)",
    )
    args = parser.parse_args(argv)
    config = ServerConfig(
        api_key=args.api_key,
        latency=args.latency,
        rate=args.rate,
        burst=args.burst,
        limiter=LimiterKind(args.limiter),
        per_minute=args.per_minute,
        per_hour=args.per_hour,
        endless=args.endless,
        unauthorized_shape=args.unauthorized_shape,
        fault_rate=args.fault_rate,
        insert_every=args.insert_every,
        delete_every=args.delete_every,
        seed=args.seed,
    )
    served = json.loads(args.inventory.read_bytes()) if args.inventory else args.accounts
    server = SmartLeadServer(served, config)
    # The generated inventory lives as long as the process: out of the collector's reach, a full
    # collection cannot stall every thread for 0.1 s mid-fetch (the limiter would then see
    # requests that arrived spread out all at once, and answer 429).
    gc.freeze()
    for number, kind in enumerate(k for k in args.faults.split(",") if k.strip()):
        server.add_fault(kind.strip(), request=number + 1)
    url = server.start(args.port)
    key = "test-key" if args.api_key == DEFAULT_KEY else "<the key given with --api-key>"
    count = len(served) if args.inventory else args.accounts
    print(f"SmartLead test server on {url} ({count} accounts). Try:", flush=True)
    print(f"  export SMARTLEAD_BASE_URL={url} SMARTLEAD_API_KEY={key}", flush=True)
    print("  smartlead-audit fetch -o snapshot.json", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
