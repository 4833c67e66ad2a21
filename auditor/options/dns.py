"""The DNS flags of `check` and `resolve`, and turning them into evidence.

`--dns FILE` judges saved evidence with no network; `--dns live` (the default when the policy has
DNS rules) resolves during the run. Nameservers: `--nameserver` (repeatable) >
SMARTLEAD_AUDIT_NAMESERVERS (comma or space separated) > the system's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

from auditor.dns.collect import Check, collect, default_checks
from auditor.dns.evidence import Evidence, EvidenceFileError, load_evidence
from auditor.dns.resolver import Nameserver, Resolver, parse_nameserver
from auditor.engine import applicable_accounts, uses_dns
from auditor.errors import InventoryError, UsageError
from auditor.model.account import Inventory
from auditor.policy.loader import Policy
from auditor.rules import RULES, DnsRule

LIVE = "live"
NAMESERVERS_ENV = "SMARTLEAD_AUDIT_NAMESERVERS"
DNS_ENV = "SMARTLEAD_AUDIT_DNS"  # the --dns default, for wrappers such as the GitHub Action


def add_resolver_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nameserver",
        metavar="HOST[:PORT]",
        action="append",
        dest="nameservers",
        help=f"DNS server to ask, repeatable (also {NAMESERVERS_ENV}; default: the system's)",
    )
    parser.add_argument(
        "--dns-timeout",
        metavar="SECONDS",
        type=float,
        default=5.0,
        help="deadline of one DNS query; past it the answer is inconclusive (default 5)",
    )
    parser.add_argument(
        "--dns-concurrency",
        metavar="N",
        type=int,
        default=50,
        help="DNS queries in flight at once (default 50)",
    )


def add_dns_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dns",
        metavar="FILE|live",
        help="DNS evidence for the DNS rules: a file saved by `resolve` (judged offline; a "
        "domain it lacks is an error), or 'live' to resolve now (default when the policy has "
        f"DNS rules; also {DNS_ENV})",
    )
    parser.add_argument(
        "--dns-inconclusive",
        choices=["fail", "warn"],
        default="fail",
        help="a DNS lookup that timed out or failed is an 'inconclusive' finding that fails the "
        "run like an open one (fail, default) or is only reported (warn)",
    )
    add_resolver_arguments(parser)


def nameservers(args: argparse.Namespace) -> list[Nameserver]:
    given: Sequence[str] = (
        args.nameservers or os.environ.get(NAMESERVERS_ENV, "").replace(",", " ").split()
    )
    try:
        return [parse_nameserver(text) for text in given]
    except ValueError as error:
        where = "--nameserver" if args.nameservers else NAMESERVERS_ENV
        raise UsageError(f"{where}: {error}") from None


def make_resolver(args: argparse.Namespace) -> Resolver:
    if args.dns_timeout <= 0 or args.dns_concurrency < 1:
        raise UsageError("--dns-timeout must be above 0 and --dns-concurrency at least 1")
    return Resolver(nameservers(args), concurrency=args.dns_concurrency, deadline=args.dns_timeout)


def policy_checks(policy: Policy, inventory: Inventory) -> list[Check]:
    scope = applicable_accounts(policy.entries, inventory.accounts)
    checks: list[Check] = []
    for entry in policy.entries:
        rule = RULES[entry.rule]
        if isinstance(rule, DnsRule):
            checks.append((rule, entry.options, scope[entry.id]))
    return checks


def resolve_live(checks: list[Check], inventory: Inventory, args: argparse.Namespace) -> Evidence:
    resolver = make_resolver(args)
    return asyncio.run(collect(checks, inventory.accounts, resolver))


def dns_source(args: argparse.Namespace) -> str | None:
    """--dns, else SMARTLEAD_AUDIT_DNS, else None (live when the policy has DNS rules)."""
    return args.dns or os.environ.get(DNS_ENV) or None


def dns_settings(args: argparse.Namespace) -> dict[str, object]:
    """What `--show-config` says of the DNS flags."""
    given = os.environ.get(NAMESERVERS_ENV, "").replace(",", " ").split()
    return {
        "evidence": dns_source(args) or "live when the policy has DNS rules",
        "nameservers": args.nameservers or given or "system",
        "inconclusive": args.dns_inconclusive,
        "timeout": args.dns_timeout,
        "concurrency": args.dns_concurrency,
    }


def load(path: Path) -> Evidence:
    try:
        return load_evidence(path)
    except EvidenceFileError as error:
        raise InventoryError(str(error)) from None


def evidence_for(args: argparse.Namespace, policy: Policy, inventory: Inventory) -> Evidence | None:
    """The evidence `check` judges with: None when neither the policy nor --dns asks for it."""
    given = dns_source(args)
    if given is None and not uses_dns(policy):
        return None
    if given is not None and given != LIVE:
        return load(Path(given))
    return resolve_live(
        policy_checks(policy, inventory) or default_checks(inventory.accounts), inventory, args
    )
