"""``smartlead-audit diff OLD NEW``: what changed between two inventory snapshots."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from auditor.drift import compare, compare_findings
from auditor.engine import evaluate
from auditor.model.account import Inventory
from auditor.model.result import FailOn
from auditor.options.common import add_command, exit_codes
from auditor.options.suggest import choice
from auditor.policy.loader import load_policy
from auditor.sources.snapshot import SnapshotSource

EPILOG = """\
Compares accounts by id: added, removed, and every audited setting that changed
(message_per_day 30 -> 100, bcc_email removed, custom_tracking_domain changed). With --policy,
both snapshots are audited and the open findings that appeared or went away are listed too.

examples:
  smartlead-audit diff snapshots/yesterday.json snapshots/today.json
  smartlead-audit diff old.json new.json --policy policies --format markdown > drift.md

""" + exit_codes(
    "0  nothing changed",
    "1  accounts were added, removed or changed (e.g. to open a PR on drift)",
    "2  usage or policy error",
    "3  a snapshot cannot be read",
)


class DiffFormat(StrEnum):
    CONSOLE = "console"
    MARKDOWN = "markdown"
    JSON = "json"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "diff",
        help="compare two inventory snapshots (drift)",
        description="Compare two inventory snapshots: accounts added, removed and changed.",
        epilog=EPILOG,
    )
    parser.add_argument("old", metavar="OLD", type=Path, help="the earlier snapshot")
    parser.add_argument("new", metavar="NEW", type=Path, help="the later snapshot")
    parser.add_argument(
        "--policy",
        metavar="PATH",
        type=Path,
        action="append",
        help="also compare findings under these policies (files or folders)",
    )
    parser.add_argument(
        "--format",
        type=choice(DiffFormat, "format"),
        default=DiffFormat.CONSOLE,
        help="output to stdout (default console)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: it brings jinja2, which every other command's start-up would pay for.
    from auditor.report import drift_report

    render = {
        DiffFormat.CONSOLE: drift_report.render_console,
        DiffFormat.MARKDOWN: drift_report.render_markdown,
        DiffFormat.JSON: drift_report.render_json,
    }[args.format]
    policy = load_policy(args.policy) if args.policy else None
    old: Inventory = SnapshotSource(args.old).load()
    new: Inventory = SnapshotSource(args.new).load()
    drift = compare(old.accounts, new.accounts)
    if policy is not None:
        now = datetime.now(UTC)
        # Settings drift: DNS rules judge DNS evidence (its own files, diffed in git).
        before = evaluate(policy, old, fail_on=FailOn.NEVER, now=now, skip_dns=True)
        after = evaluate(policy, new, fail_on=FailOn.NEVER, now=now, skip_dns=True)
        drift = compare_findings(drift, before.findings, after.findings)
    sys.stdout.write(
        render(drift, old=str(args.old), new=str(args.new), with_findings=policy is not None)
    )
    return 1 if drift.any else 0
