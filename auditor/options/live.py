"""The live-fetch flags, in one place, shared by ``check`` (without ``--inventory``) and ``fetch``.

Flags only override settings the user actually typed (``None`` = not given), so the precedence
flags > environment > ``.env`` > defaults is pydantic-settings' own. There is deliberately no flag
for the API key.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from auditor.errors import UsageError
from auditor.model.account import Inventory
from auditor.sources.filters import ApiFilters, Esp, WarmupStatus

if TYPE_CHECKING:  # imported when a fetch runs: see fetch_inventory
    from auditor.api_settings import Settings

# Every dest this module adds, as the user spells it: to refuse live-only flags next to a file.
LIVE_FLAGS = {
    "rate": "--rate",
    "rate_per_minute": "--rate-per-minute",
    "rate_per_hour": "--rate-per-hour",
    "max_accounts": "--max-accounts",
    "concurrency": "--concurrency",
    "timeout": "--timeout",
    "retries": "--retries",
    "allow_insecure_url": "--allow-insecure-url",
    "client_id": "--client-id",
    "esp": "--esp",
    "warmup_status": "--warmup-status",
    "username": "--username",
    "in_use": "--in-use/--not-in-use",
    "smtp_ok": "--smtp-ok/--smtp-failed",
    "warmup_blocked": "--warmup-blocked/--warmup-not-blocked",
}

_LIVE_HELP = """\
live fetch:
  {source} read from the SmartLead API with the key in SMARTLEAD_API_KEY
  (environment or ./.env; never a flag). Settings: flags > environment > .env > defaults;
  SMARTLEAD_BASE_URL, SMARTLEAD_RATE, SMARTLEAD_RATE_PER_MINUTE, SMARTLEAD_RATE_PER_HOUR,
  SMARTLEAD_MAX_ACCOUNTS, SMARTLEAD_CONCURRENCY, SMARTLEAD_TIMEOUT, SMARTLEAD_RETRIES,
  SMARTLEAD_BACKOFF. Pacing defaults follow SmartLead's rate-limit guide (10 per second, 60 per
  minute, 1,000 per hour, per key); no window of any of those lengths ever holds more requests.
  Every page must be fetched, or the command fails without a report or snapshot: a page that
  cannot be fetched (after retries; a 200 that is not a list of accounts is retried too), a
  rejected key (HTTP 401/403), a rejected filter (422), an answer over 16 MB (as sent or
  inflated), more than --max-accounts accounts, or a list that keeps changing all exit 3. A
  missing key exits 2, before any request.
"""
# `fetch` always reads the API; `check` does unless given a saved inventory.
LIVE_HELP = _LIVE_HELP.format(source="Accounts are")
CHECK_LIVE_HELP = _LIVE_HELP.format(source="Without --inventory, accounts are")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = _count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be 1 or more, got 0")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def add_fetch_arguments(parser: argparse.ArgumentParser) -> None:
    """Pacing and filter flags of a live fetch."""
    pace = parser.add_argument_group("live fetch pacing (override SMARTLEAD_* settings)")
    pace.add_argument(
        "--rate",
        type=_positive_float,
        metavar="R",
        help="requests per second in any 1-second window, shared by all pages (default 10)",
    )
    pace.add_argument(
        "--rate-per-minute",
        type=_non_negative_float,
        metavar="M",
        help="requests in any 60-second window (default 60; 0: no minute budget)",
    )
    pace.add_argument(
        "--rate-per-hour",
        type=_non_negative_float,
        metavar="H",
        help="requests in any hour (default 1000; 0: no hour budget)",
    )
    pace.add_argument(
        "--max-accounts",
        type=_positive_int,
        metavar="N",
        help="fail (exit 3) rather than read more than N accounts: a list that never ends "
        "(default 250000, at most N/99+1 pages)",
    )
    pace.add_argument(
        "--concurrency",
        type=_count,
        metavar="N",
        help="pages in flight at most (default: half a second's worth at --rate, within 16..32)",
    )
    pace.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="S",
        help="seconds for one whole answer: connect, headers and every body byte (default 30)",
    )
    pace.add_argument(
        "--retries",
        type=_count,
        metavar="N",
        help="retries per page for 429/5xx/timeouts/dropped connections, and "
        "re-syncs when accounts move while paging (default 5)",
    )
    pace.add_argument(
        "--allow-insecure-url",
        action="store_const",
        const=True,
        help="allow an http:// SMARTLEAD_BASE_URL that is not on this machine (the key would "
        "travel in clear text)",
    )
    filters = parser.add_argument_group("live fetch filters (applied by the API)")
    filters.add_argument("--client-id", type=int, metavar="ID", help="accounts of one client")
    filters.add_argument(
        "--esp",
        type=str.upper,
        choices=[e.value for e in Esp],
        help="provider: GMAIL, OUTLOOK or SMTP",
    )
    filters.add_argument(
        "--warmup-status",
        type=str.upper,
        choices=[w.value for w in WarmupStatus],
        help="warmup status: ACTIVE or INACTIVE",
    )
    filters.add_argument(
        "--username", metavar="TEXT", help="username contains TEXT (partial match, by the API)"
    )
    _pair(
        filters,
        "in_use",
        ("--in-use", "only accounts used by a campaign"),
        ("--not-in-use", "only accounts used by no campaign"),
    )
    _pair(
        filters,
        "smtp_ok",
        ("--smtp-ok", "only accounts whose SMTP test passed"),
        ("--smtp-failed", "only accounts whose SMTP test failed"),
    )
    _pair(
        filters,
        "warmup_blocked",
        ("--warmup-blocked", "only accounts with warmup blocked"),
        ("--warmup-not-blocked", "only accounts with warmup not blocked"),
    )


def _pair(
    group: argparse._ArgumentGroup, dest: str, yes: tuple[str, str], no: tuple[str, str]
) -> None:
    """Two mutually exclusive flags for one boolean filter; neither given: no filter."""
    exclusive = group.add_mutually_exclusive_group()
    exclusive.add_argument(yes[0], dest=dest, action="store_const", const=True, help=yes[1])
    exclusive.add_argument(no[0], dest=dest, action="store_const", const=False, help=no[1])


def filters_from_args(args: argparse.Namespace) -> ApiFilters:
    return ApiFilters(
        client_id=args.client_id,
        esp=Esp(args.esp) if args.esp else None,
        warmup_status=WarmupStatus(args.warmup_status) if args.warmup_status else None,
        in_use=args.in_use,
        smtp_ok=args.smtp_ok,
        warmup_blocked=args.warmup_blocked,
        username=args.username,
    )


def reject_live_flags(args: argparse.Namespace, reason: str) -> None:
    """Live-only flags next to a saved inventory would be silently ignored: refuse them."""
    given = [flag for name, flag in LIVE_FLAGS.items() if getattr(args, name, None) is not None]
    if given:
        flags = ", ".join(given)
        raise UsageError(
            f"{flags} only apply to a live fetch, not {reason}.",
            tip="drop them, or drop --inventory to fetch live.",
        )


def settings_from(args: argparse.Namespace) -> Settings:
    """The API settings, with the flags the user gave over the environment and ``.env``."""
    from auditor.api_settings import load_settings

    names = (
        "rate",
        "rate_per_minute",
        "rate_per_hour",
        "max_accounts",
        "concurrency",
        "timeout",
        "retries",
        "allow_insecure_url",
    )
    return load_settings({name: getattr(args, name) for name in names})


def fetch_inventory(args: argparse.Namespace, *, quiet: bool) -> Inventory:
    """Settings (exit 2 if incomplete), then the live inventory with a progress bar on a TTY."""
    # Imported here: pydantic-settings and the HTTP stack (httpx, anyio, tenacity) are about a
    # fifth of a second of start-up that a check of a saved inventory does not need.
    from auditor.sources.api import ApiSource

    settings = settings_from(args)
    filters = filters_from_args(args)
    if quiet or not sys.stderr.isatty():
        # No bar: rich's progress (a quarter of a second of imports) is not loaded at all,
        # so the first request leaves sooner.
        return ApiSource(settings, filters).load()
    from auditor.options.progress import fetch_progress

    with fetch_progress(enabled=True) as progress:
        return ApiSource(settings, filters, progress=progress).load()
