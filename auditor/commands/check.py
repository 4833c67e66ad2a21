"""``smartlead-audit check``: policies + inventory -> findings, reports and an exit code."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from auditor.dns.evidence import MissingEvidence
from auditor.engine import evaluate
from auditor.errors import ExitCode, InventoryError, UsageError
from auditor.model.account import Inventory
from auditor.model.result import AuditResult, FailOn
from auditor.options.check import CheckOptions, output_target, resolve, show_config
from auditor.options.common import EXIT_CODES, add_command, use_color
from auditor.options.dns import LIVE, add_dns_arguments, dns_source, evidence_for
from auditor.options.live import (
    CHECK_LIVE_HELP,
    add_fetch_arguments,
    fetch_inventory,
    reject_live_flags,
)
from auditor.options.suggest import choice
from auditor.policy.compose import PRESET_PREFIX
from auditor.policy.loader import Policy, load_policy
from auditor.report import FILE_FORMATS, ReportFormat, github_report
from auditor.report.baseline import load_baseline
from auditor.report.output import prepare_dir, refuse_inputs
from auditor.report.writer import write_reports
from auditor.sources.snapshot import SnapshotSource

log = logging.getLogger(__name__)

DESCRIPTION = """\
Audit SmartLead email accounts against YAML policies.

Reads the policies first (any problem: exit 2 before the inventory is touched), then the
inventory, evaluates every rule, writes the requested reports and exits with a code CI can gate on.
"""

EXAMPLES = """\
examples:
  smartlead-audit check --inventory examples/demo-inventory.json
  smartlead-audit check --inventory snapshot.json --policy policies/ --format json --format html
  smartlead-audit check --inventory snapshot.json --fail-on warning --quiet --format markdown
  smartlead-audit check --inventory snapshot.json --output json=- | jq '.summary'
  smartlead-audit check --inventory snapshot.json --output html=public/audit.html
  SMARTLEAD_API_KEY=... smartlead-audit check --format json     # live fetch, all accounts
  smartlead-audit check --client-id 5120 --in-use --rate 2        # live, one client's senders
  smartlead-audit check --inventory snapshot.json --dns dns.json    # DNS rules, saved evidence
"""


OUTPUT_HELP = """\
output:
  Without the console report on stdout, every run prints its verdict and the open and waived
  findings per rule on stderr (--quiet: not even that). The console report shows the same, then
  the accounts with the most open findings and a sample of findings spread over the rules.
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "check",
        help="audit accounts against policies",
        description=DESCRIPTION,
        epilog=EXAMPLES + "\n" + OUTPUT_HELP + "\n" + CHECK_LIVE_HELP + "\n" + EXIT_CODES,
    )
    parser.add_argument(
        "--inventory",
        metavar="FILE",
        type=Path,
        help="saved inventory: the raw API JSON array or a smartlead-auditor snapshot "
        "(default: fetch live with SMARTLEAD_API_KEY)",
    )
    parser.add_argument(
        "--policy",
        metavar="PATH",
        type=Path,
        action="append",
        help="policy file or folder (all *.yaml/*.yml inside, sorted); "
        "repeatable; default ./policies",
    )
    parser.add_argument(
        "--format",
        metavar="FMT",
        dest="formats",
        action="append",
        type=choice(ReportFormat, "format"),
        help="report format, repeatable: "
        + ", ".join(f.value for f in ReportFormat)
        + " (default console; github prints workflow commands to stdout; file formats go to "
        "--output-dir as " + ", ".join(map(FILE_FORMATS.filename, FILE_FORMATS)) + ")",
    )
    parser.add_argument(
        "--output",
        metavar="FMT=PATH",
        dest="outputs",
        action="append",
        type=output_target,
        help="write one file format to PATH, '-' for stdout (e.g. json=- to pipe to jq); "
        "repeatable",
    )
    parser.add_argument(
        "--output-dir",
        metavar="DIR",
        type=Path,
        help="folder for file reports asked for by --format (default ./reports)",
    )
    parser.add_argument(
        "--fail-on",
        metavar="LEVEL",
        type=choice(FailOn, "level"),
        help="lowest severity of an open finding that fails the run: "
        "error (default), warning, info or never",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print nothing but what --format and --output ask for (no verdict on stderr)",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        type=Path,
        help="a previous JSON report: its findings (same rule id and account) are reported as "
        "'baseline' and do not fail the run; only new ones do",
    )
    parser.add_argument(
        "--write-baseline",
        metavar="FILE",
        type=Path,
        help="also write this run's JSON report to FILE, for a later --baseline",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="config file (default: .smartlead-audit.yaml or [tool.smartlead-audit] in "
        "pyproject.toml, found from the working directory up to the repository root)",
    )
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="accept an inventory with no account (by default an error: a wrong --client-id or "
        "an emptied workspace must not read as all clear)",
    )
    parser.add_argument(
        "--show-config",
        action="store_true",
        help="print the effective settings (secrets masked) and exit",
    )
    add_dns_arguments(parser)
    add_fetch_arguments(parser)
    parser.set_defaults(handler=run)


def load_inventory(args: argparse.Namespace) -> Inventory:
    """A saved file when --inventory is given (no API key needed), else a live fetch."""
    if args.inventory is None:
        return fetch_inventory(args, quiet=args.quiet)
    reject_live_flags(args, "a saved --inventory")
    return SnapshotSource(args.inventory).load()


def require_accounts(inventory: Inventory, allowed_empty: bool) -> None:
    """An empty inventory is no evidence of compliance: it fails closed unless asked for."""
    if not inventory.accounts and not allowed_empty:
        raise InventoryError(
            f"{inventory.info.source}: the inventory holds no account, so there is nothing to "
            "vouch for.",
            tip="check the source and its filters; pass --allow-empty if no account is expected.",
        )


def source_inputs(args: argparse.Namespace, policy: Policy) -> list[tuple[str, Path]]:
    """The policy files and the inventory (or, live, the settings file) a run reads."""
    inputs = [
        ("the policy file", Path(f.path))
        for f in policy.files
        if not f.path.startswith(PRESET_PREFIX)
    ]
    if args.inventory is not None:
        inputs.append(("the inventory", args.inventory))
    else:
        inputs.append(("the settings file", Path(".env")))  # the API key may live there
    return inputs


def inputs_of(
    args: argparse.Namespace, options: CheckOptions, policy: Policy
) -> list[tuple[str, Path]]:
    """The files a run reads, which none of its outputs may replace. The --baseline file is not
    one of them: writing this run's report over the previous one is how a baseline is kept."""
    inputs = source_inputs(args, policy)
    if options.config is not None:
        inputs.append(("the config file", options.config))
    dns = dns_source(args)
    if dns not in (None, LIVE):
        inputs.append(("the DNS evidence", Path(dns)))
    return inputs


def run(args: argparse.Namespace) -> int:
    options = resolve(args)
    if options.config is not None and not args.quiet and not args.show_config:
        print(f"using config {options.config}", file=sys.stderr)
    if args.show_config:
        sys.stdout.write(show_config(options, args))
        return int(ExitCode.OK)
    formats = options.formats
    file_formats = [f for f in formats if f in FILE_FORMATS]
    policy = load_policy(options.policies)
    baseline = load_baseline(options.baseline) if options.baseline else frozenset()
    to_stdout = options.to_stdout
    reports = [
        (f"the {f.value} report", Path(options.report_path(f)), FILE_FORMATS[f])
        for f in file_formats
        if f is not to_stdout
    ]
    if options.write_baseline:
        json_format = FILE_FORMATS[ReportFormat.JSON]
        reports.append(("--write-baseline", options.write_baseline, json_format))
    refuse_same_target(reports)
    targets = [(path, fmt) for _, path, fmt in reports]
    refuse_inputs([(what, path) for what, path, _ in reports], inputs_of(args, options, policy))
    for folder in dict.fromkeys(path.parent for path, _ in targets):
        prepare_dir(folder)
    inventory = load_inventory(args)
    require_accounts(inventory, args.allow_empty)
    log.info(
        "evaluating %d rule entries over %d accounts", len(policy.entries), len(inventory.accounts)
    )
    evidence = evidence_for(args, policy, inventory)
    try:
        result = evaluate(
            policy,
            inventory,
            fail_on=options.fail_on,
            now=datetime.now(UTC),
            baseline=baseline,
            evidence=evidence,
            inconclusive_fails=args.dns_inconclusive == "fail",
        )
    except MissingEvidence as missing:
        raise InventoryError(
            f"{missing}: the DNS evidence does not cover every domain of the inventory, and a "
            "domain it lacks cannot pass.",
            tip="collect it again with `smartlead-audit resolve` from the same inventory, or "
            "use --dns live.",
        ) from None
    result = replace(result, config=None if options.config is None else str(options.config))
    stream = [(sys.stdout, FILE_FORMATS[to_stdout])] if to_stdout is not None else []
    write_reports(targets, result, streams=stream)
    written = [str(target) for target, _ in targets]
    if not args.quiet:
        for target in written:
            print(f"wrote {target}", file=sys.stderr)
    show(result, formats, quiet=args.quiet, written=written)
    return int(ExitCode.OK if result.summary.passed else ExitCode.FINDINGS)


def refuse_same_target(reports: Sequence[tuple[str, Path, object]]) -> None:
    """Two outputs to one path would leave only the last: refuse before any work."""
    seen: dict[Path, str] = {}
    for what, path, _ in reports:
        key = path.resolve()
        if key in seen:
            raise UsageError(
                f"{seen[key]} and {what} would both be written to {path}; nothing was written.",
                tip="give each output its own path.",
            )
        seen[key] = what


def show(
    result: AuditResult, formats: tuple[ReportFormat, ...], *, quiet: bool, written: list[str]
) -> None:
    """The stream formats on stdout; without the console report, the verdict and the per-rule
    table on stderr, so a failed run always says why (unless --quiet)."""
    if ReportFormat.GITHUB in formats:
        sys.stdout.write(github_report.render(result))
    if ReportFormat.CONSOLE in formats:
        from auditor.report import console_report  # rich: only when results are shown

        color = use_color(sys.stdout)
        sys.stdout.write(console_report.render(result, color=color, written=written))
    elif not quiet:
        from auditor.report import console_report

        sys.stdout.flush()  # the report on stdout first, when both go to one terminal
        sys.stderr.write(console_report.render_summary(result, color=use_color(sys.stderr)))
        sys.stderr.flush()
