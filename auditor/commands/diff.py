"""``smartlead-audit diff OLD NEW``: what changed between two inventory snapshots."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from auditor.dns.evidence import Evidence, MissingEvidence
from auditor.drift import compare, compare_dns, compare_findings
from auditor.engine import evaluate
from auditor.errors import InventoryError
from auditor.model.account import Inventory
from auditor.model.result import FailOn, Finding
from auditor.options.common import add_command, exit_codes
from auditor.options.dns import load
from auditor.options.suggest import choice
from auditor.policy.loader import Policy, load_policy
from auditor.sources.snapshot import SnapshotSource

EPILOG = """\
Compares accounts by id: added, removed, and every audited setting that changed
(message_per_day 30 -> 100, bcc_email removed, custom_tracking_domain changed). With --dns,
the DNS evidence saved beside each snapshot (`resolve`) too: every answer that changed (a DMARC
record removed, an SPF include added). With --policy, both snapshots are audited and the open
findings that appeared or went away are listed too (DNS rules only with --dns).

examples:
  smartlead-audit diff snapshots/yesterday.json snapshots/today.json
  smartlead-audit diff old.json new.json --policy policies --format markdown > drift.md
  smartlead-audit diff old.json new.json --dns old-dns.json new-dns.json --policy policies

""" + exit_codes(
    "0  nothing changed",
    "1  accounts were added, removed or changed, or DNS answers changed (e.g. to open a PR)",
    "2  usage or policy error",
    "3  a snapshot or an evidence file cannot be read, or the evidence lacks a domain",
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
        "--dns",
        nargs=2,
        metavar=("OLD_DNS", "NEW_DNS"),
        type=Path,
        help="also compare the DNS evidence saved beside each snapshot (`resolve -o`)",
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
    evidence = (load(args.dns[0]), load(args.dns[1])) if args.dns else None
    drift = compare(old.accounts, new.accounts)
    if evidence is not None:
        drift = replace(drift, dns_changed=compare_dns(*evidence))
    if policy is not None:
        drift = compare_findings(drift, *_audit(policy, (old, new), evidence))
    sys.stdout.write(
        render(drift, old=str(args.old), new=str(args.new), with_findings=policy is not None)
    )
    return 1 if drift.any else 0


def _audit(
    policy: Policy,
    inventories: tuple[Inventory, Inventory],
    evidence: tuple[Evidence, Evidence] | None,
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """Each snapshot's findings; DNS rules judge each snapshot's own evidence, or are skipped
    when there is none (drift never resolves anything live)."""
    now = datetime.now(UTC)
    found = []
    for n, inventory in enumerate(inventories):
        try:
            result = evaluate(
                policy,
                inventory,
                fail_on=FailOn.NEVER,
                now=now,
                evidence=None if evidence is None else evidence[n],
                skip_dns=evidence is None,
            )
        except MissingEvidence as missing:
            raise InventoryError(
                f"{missing}: the DNS evidence does not cover every domain of "
                f"{inventory.info.source}, and a domain it lacks cannot be compared.",
                tip="collect it with `smartlead-audit resolve` from that snapshot; if a DNS rule "
                "was added to the policy since, the earlier evidence cannot have it: compare "
                "without --policy, or start the evidence afresh.",
            ) from None
        found.append(result.findings)
    return found[0], found[1]
