"""``smartlead-audit resolve --inventory FILE -o dns.json``: collect the DNS evidence, once.

Every answer the DNS rules need (the policy's entries, and every DNS rule with its defaults) for
every sender and tracking domain, with who answered and when; `check --dns dns.json` then
judges it with no network, and `diff` of two files shows DNS drift.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditor.commands.check import load_inventory, require_accounts
from auditor.dns.collect import default_checks
from auditor.dns.evidence import Outcome
from auditor.options.common import add_command, exit_codes
from auditor.options.dns import add_resolver_arguments, policy_checks, resolve_live
from auditor.options.live import add_fetch_arguments
from auditor.policy.loader import load_policy
from auditor.report.output import refuse_inputs, write_atomic

DESCRIPTION = """\
Resolve every DNS record the DNS rules judge (SPF with its includes, DKIM keys, DMARC, MX,
tracking CNAMEs) for the inventory's domains, and save the answers as evidence.
"""

EPILOG = """\
examples:
  smartlead-audit resolve --inventory snapshot.json -o dns.json
  smartlead-audit resolve --inventory snapshot.json -o dns.json --nameserver 127.0.0.1:5353
  smartlead-audit check --inventory snapshot.json --dns dns.json

""" + exit_codes(
    "0  evidence written (timeouts and SERVFAILs are recorded in it, as inconclusive)",
    "2  usage, policy or output error",
    "3  the inventory (or the live fetch) failed",
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "resolve",
        help="save DNS evidence for the DNS rules",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    parser.add_argument(
        "--inventory", metavar="FILE", type=Path, help="saved inventory (default: fetch live)"
    )
    parser.add_argument(
        "--policy",
        metavar="PATH",
        type=Path,
        action="append",
        help="policy whose DNS entries (selectors, scopes) to collect for, repeatable; "
        "every DNS rule's defaults are collected in any case",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", type=Path, required=True, help="evidence file to write"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    parser.add_argument(
        "--allow-empty", action="store_true", help="accept an inventory with no account"
    )
    add_resolver_arguments(parser)
    add_fetch_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    inputs = [] if args.inventory is None else [("the inventory", args.inventory)]
    refuse_inputs([("the evidence", args.output)], inputs)
    policy = load_policy(args.policy) if args.policy else None
    inventory = load_inventory(args)
    require_accounts(inventory, args.allow_empty)
    checks = default_checks(inventory.accounts)
    if policy is not None:
        checks += policy_checks(policy, inventory)
    evidence = resolve_live(checks, inventory, args)
    write_atomic(args.output, evidence.to_json())
    if not args.quiet:
        failed = sum(not a.outcome.conclusive for a in evidence.answers.values())
        missing = sum(
            a.outcome in (Outcome.NXDOMAIN, Outcome.NODATA) for a in evidence.answers.values()
        )
        print(
            f"wrote {args.output}: {len(evidence.answers)} answers ({missing} without records, "
            f"{failed} inconclusive) from {', '.join(evidence.resolvers)}",
            file=sys.stderr,
        )
    return 0
