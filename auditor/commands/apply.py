"""``smartlead-audit apply PLAN``: make the reviewed changes through the SmartLead API, carefully
(see ``auditor.remediation.apply``), with a journal beside the plan; ``--rollback JOURNAL``
restores the old values of what a run verified, the same way."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.errors import ExitCode, UsageError
from auditor.options.common import add_command, exit_codes
from auditor.options.live import settings_from
from auditor.policy.compose import PRESET_PREFIX
from auditor.redact import REDACTED, install_log_redaction, redact
from auditor.remediation.fields import Endpoint, Value
from auditor.remediation.journal import Journal, Status, journal_path, read_journal
from auditor.remediation.plan import Change
from auditor.remediation.planfile import PlanFile, load_plan

if TYPE_CHECKING:  # the HTTP stack is imported when apply runs: not for every other command
    from auditor.api_settings import Settings
    from auditor.remediation.apply import Outcome, Progress, ProgressCallback, Write

DESCRIPTION = """\
Apply a plan made by 'smartlead-audit plan', through the SmartLead API.

Before writing, each account is read again (list endpoint): one whose values moved since the plan
is skipped, never overwritten. Each write carries every updatable field at its current value but
the ones changed. Every change is read back: verified, not applied (the API said ok, the value did
not change) or failed. PLAN.journal.jsonl records each step as it happens: run again to resume;
--rollback PLAN.journal.jsonl restores the old values of verified changes.
"""

EXAMPLES = """\
examples:
  smartlead-audit apply plan.json --dry-run        # the requests it would send, redacted
  smartlead-audit apply plan.json                  # asks for confirmation on a terminal
  smartlead-audit apply plan.json --yes            # CI
  smartlead-audit apply --rollback plan.json.journal.jsonl --yes

""" + exit_codes(
    "0  every change verified",
    "1  some changes skipped (changed since the plan) or not applied",
    "2  usage error, or a stale or tampered plan (a hash does not match)",
    "3  API error (a write failed or the API could not be read)",
)

_PROGRESS_EVERY = 2.0  # seconds between progress lines when not on a terminal


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "apply",
        help="make a reviewed plan's changes through the API",
        description=DESCRIPTION,
        epilog=EXAMPLES,
    )
    parser.add_argument("plan", metavar="PLAN", type=Path, nargs="?", help="plan.json from 'plan'")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation (CI)")
    parser.add_argument("--dry-run", action="store_true", help="send nothing; print the requests")
    parser.add_argument(
        "--rollback", metavar="JOURNAL", type=Path, help="restore what JOURNAL verified"
    )
    parser.add_argument("--rate", type=float, metavar="R", help="requests per second (shared)")
    parser.add_argument(
        "--rate-per-minute", type=float, metavar="M", help="requests in any minute (0: no budget)"
    )
    parser.add_argument(
        "--rate-per-hour", type=float, metavar="H", help="requests in any hour (0: no budget)"
    )
    parser.add_argument("--timeout", type=float, metavar="S", help="seconds per answer")
    parser.add_argument("--retries", type=int, metavar="N", help="retries per request")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(handler=run, concurrency=None, allow_insecure_url=None, max_accounts=None)


def run(args: argparse.Namespace) -> int:
    if (args.plan is None) == (args.rollback is None):
        raise UsageError("give a PLAN to apply, or --rollback JOURNAL (one of the two).")
    if args.rollback is not None:
        changes, source, kind, accounts = _rollback_changes(args.rollback)
        journal_file = args.rollback.with_name(args.rollback.name + ".rollback.jsonl")
    else:
        plan = load_plan(args.plan)
        _check_policies(plan)
        changes, source, kind = list(plan.plan.changes), plan.sha256, "apply"
        accounts, journal_file = plan.inventory_accounts, journal_path(args.plan)
    from auditor.api_settings import require_api_key
    from auditor.remediation.apply import group_writes

    settings = settings_from(args)
    writes = group_writes(changes)
    _summary(changes, writes, settings.base_url, kind)
    if args.dry_run:
        _dry_run(writes, settings.base_url, accounts)
        return int(ExitCode.OK)
    if not changes:
        print("nothing to do.", file=sys.stderr)
        return int(ExitCode.OK)
    if not args.yes:
        _confirm(len(changes))
    key = require_api_key(settings)
    install_log_redaction()
    journal = Journal(journal_file, source_sha256=source, kind=kind, accounts=accounts)
    try:
        outcome = asyncio.run(_apply(changes, settings, key, journal, accounts, args.quiet))
    finally:
        journal.close()
    return _report(outcome, journal_file)


async def _apply(
    changes: Sequence[Change],
    settings: Settings,
    key: str,
    journal: Journal,
    accounts: int,
    quiet: bool,
) -> Outcome:
    from auditor.remediation.apply import Applier
    from auditor.remediation.pace import make_pacer, sustained_rate
    from auditor.remediation.wire import Wire

    async with Wire(settings, key, make_pacer(settings)) as wire:
        applier = Applier(
            wire,
            journal,
            inventory_accounts=accounts,
            sustained_rate=sustained_rate(settings),
            progress=None if quiet else _progress_printer(),
        )
        return await applier.run(changes)


def _check_policies(plan: PlanFile) -> None:
    """The policy files the plan was made from must be unchanged: a plan from another policy is
    stale (exit 2)."""
    for item in plan.policy_files:
        path = item["path"]
        if path.startswith(PRESET_PREFIX):
            continue
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError as exc:
            raise UsageError(
                f"{path}: the plan was made from this policy file, which cannot be read "
                f"({exc.strerror or exc}).",
                tip="run apply from the folder plan ran in, or make a new plan.",
            ) from None
        if digest != item["sha256"]:
            raise UsageError(
                f"{path}: the policy changed since the plan was made: the plan is stale.",
                tip="make a new plan with 'smartlead-audit plan' and review it.",
            )


def _rollback_changes(path: Path) -> tuple[list[Change], str, str, int]:
    header, entries = read_journal(path)
    last = {e.key: e for e in entries}
    changes = [
        Change(
            e.account_id,
            e.email,
            e.field,
            e.new,
            e.old,
            "rollback",
            "rollback",
            str(path),
            f"restore {e.field} to {e.old!r}",
        )
        for e in sorted(last.values(), key=lambda e: e.key)
        if e.status is Status.VERIFIED
    ]
    return (
        changes,
        str(header.get("source_sha256")),
        "rollback",
        int(header.get("inventory_accounts") or 0),
    )


def _summary(changes: Sequence[Change], writes: Sequence[Write], base_url: str, kind: str) -> None:
    by_rule = Counter(c.rule for c in changes)
    accounts = len({c.account_id for c in changes})
    print(
        f"{kind}: {len(changes)} change(s) on {accounts} account(s), {len(writes)} write(s) "
        f"to {redact(base_url)}",
        file=sys.stderr,
    )
    for rule, count in sorted(by_rule.items()):
        print(f"  {rule}: {count}", file=sys.stderr)


def _confirm(count: int) -> None:
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to write without confirmation: standard input is not a terminal.",
            tip="review the plan, then pass --yes (as CI does).",
        )
    print(f"Apply {count} change(s)? Type 'yes' to go on: ", end="", file=sys.stderr, flush=True)
    if sys.stdin.readline().strip().lower() != "yes":
        raise UsageError("not confirmed: nothing was written.")


def _dry_run(writes: Sequence[Write], base_url: str, accounts: int) -> None:
    from auditor.remediation.wire import read_plan

    ids = len({w.account_id for w in writes})
    mode, reads = read_plan(ids, accounts)
    how = "one filtered request per account" if mode == "filter" else "every page"
    print(
        f"GET {redact(base_url)}/email-accounts/?api_key={REDACTED}&... ({how}: {reads} "
        "request(s) before, and again after, to check and read back)"
    )
    for write in writes:
        changed: dict[str, Value | int] = {c.field: c.new for c in write.changes}
        if write.endpoint is Endpoint.WARMUP:
            changed.update(dict(write.changes[0].settings))
        note = (
            ""
            if write.endpoint is Endpoint.WARMUP
            else " (+ every other updatable field at its current value)"
        )
        body = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        print(
            f"POST {redact(base_url)}{write.endpoint.path(write.account_id)}?api_key={REDACTED} "
            f"{{{body}}}{note}"
        )


def _progress_printer() -> ProgressCallback:
    """A line on stderr at most every couple of seconds, and the last one."""
    last_time, last_line = [0.0], [""]

    def show(p: Progress) -> None:
        line = (
            f"progress: {p.done}/{p.changes} changes, {p.sent} sent, {p.verified} verified, "
            f"{p.skipped} skipped, {p.not_applied} not applied, {p.failed} failed, "
            f"ETA {p.eta_seconds:.0f}s"
        )
        now = time.monotonic()
        final = p.done == p.changes
        if line == last_line[0] or (not final and now - last_time[0] < _PROGRESS_EVERY):
            return
        last_time[0], last_line[0] = now, line
        print(line, file=sys.stderr)

    return show


def _report(outcome: Outcome, journal_file: Path) -> int:
    for entry in sorted(outcome.entries, key=lambda e: e.key):
        if entry.status in (Status.VERIFIED, Status.ALREADY):
            continue
        print(
            f"{entry.status.value}: account {entry.account_id} ({entry.email}) {entry.field}: "
            f"{redact(entry.detail)}"
        )
    counts = Counter(e.status for e in outcome.entries)
    verified = counts[Status.VERIFIED] + counts[Status.ALREADY]
    print(
        f"{verified} verified ({counts[Status.ALREADY]} already set), {counts[Status.SKIPPED]} "
        f"skipped, {counts[Status.NOT_APPLIED]} not applied, {counts[Status.FAILED]} failed; "
        f"{outcome.requests} request(s) in {outcome.elapsed_seconds:.1f}s; journal {journal_file}"
    )
    if counts[Status.FAILED]:
        return int(ExitCode.INVENTORY)
    if counts[Status.SKIPPED] or counts[Status.NOT_APPLIED]:
        return int(ExitCode.FINDINGS)
    return int(ExitCode.OK)
