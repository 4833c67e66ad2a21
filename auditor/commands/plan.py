"""``smartlead-audit plan``: open findings -> a reviewed list of changes (``plan.json`` and
``plan.md``), written for ``smartlead-audit apply``. Nothing is written to SmartLead here."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from auditor.commands.check import load_inventory, require_accounts, source_inputs
from auditor.engine import evaluate
from auditor.errors import ExitCode, UsageError
from auditor.model.entry import Selector
from auditor.model.result import FailOn
from auditor.options.common import add_command, exit_codes
from auditor.options.live import LIVE_HELP, add_fetch_arguments
from auditor.policy.loader import load_policy
from auditor.remediation.plan import Selection, make_plan
from auditor.remediation.planfile import (
    PlanHeader,
    inventory_sha256,
    render_json,
    render_markdown,
    to_document,
)
from auditor.report.baseline import load_baseline
from auditor.report.output import refuse_inputs, staged_files

DESCRIPTION = """\
Turn open findings into concrete changes, per account, for review before 'apply'.

A finding becomes a change only when its target value is unambiguous: daily-send-limit (max, or
the entry's fix: {value: N}), send-gap (min_minutes), bcc-required with address (or fix: {value}),
tracking-domain with fix: {value}, warmup with fix: {total_warmup_per_day, ...} (turned on).
Everything else is listed as manual, with its remediation. Waived and baseline findings are not
planned. Writes PLAN (JSON, hashed: apply refuses an edited plan) and PLAN with .md (for a PR).
"""

EXAMPLES = """\
examples:
  smartlead-audit plan --inventory snapshot.json -o plan.json
  smartlead-audit plan --rule bcc-required --only tags=outbound --max-changes 500 -o plan.json
  SMARTLEAD_API_KEY=... smartlead-audit plan --policy policies/ -o plan.json   # live

""" + exit_codes(
    "0  plan written (with or without changes)",
    "2  usage, settings, policy or output error",
    "3  inventory or API error",
)

_ONLY_KEYS = {"type", "tags", "client_id", "email", "domain", "ids", "in_use"}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "plan",
        help="turn findings into a reviewed plan of changes",
        description=DESCRIPTION,
        epilog=EXAMPLES + "\n" + LIVE_HELP,
    )
    parser.add_argument(
        "--inventory", metavar="FILE", type=Path, help="saved inventory (default: live)"
    )
    parser.add_argument(
        "--policy",
        metavar="PATH",
        type=Path,
        action="append",
        help="policy file or folder (default ./policies)",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        type=Path,
        help="a previous JSON report: its findings are not planned",
    )
    parser.add_argument(
        "--rule",
        metavar="ID",
        dest="rules",
        action="append",
        default=[],
        help="plan only this rule or entry id (repeatable)",
    )
    parser.add_argument(
        "--only",
        metavar="KEY=VALUE[,VALUE]",
        action="append",
        default=[],
        help="plan only these accounts, as a policy selector: "
        + ", ".join(sorted(_ONLY_KEYS))
        + " (repeatable; all must match)",
    )
    parser.add_argument(
        "--max-changes",
        metavar="N",
        type=int,
        help="at most N changes (the first, in account order)",
    )
    parser.add_argument(
        "-o", "--output", metavar="PLAN", type=Path, required=True, help="plan file to write (JSON)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument(
        "--allow-empty", action="store_true", help="accept an inventory with no account"
    )
    add_fetch_arguments(parser)
    parser.set_defaults(handler=run)


def parse_only(items: list[str]) -> Selector | None:
    """``--only tags=a,b --only client_id=5`` -> a policy selector (exit 2 on a bad item)."""
    if not items:
        return None
    values: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or key not in _ONLY_KEYS or not text.strip():
            raise UsageError(
                f"--only {item!r}: expected KEY=VALUE, KEY one of {', '.join(sorted(_ONLY_KEYS))}."
            )
        parts = [p.strip() for p in text.split(",") if p.strip()]
        try:
            if key == "in_use":
                values[key] = {"true": True, "false": False}[text.strip().lower()]
            elif key in ("client_id", "ids"):
                values[key] = [int(p) for p in parts]
            else:
                values[key] = parts
        except (KeyError, ValueError):
            takes = "true or false" if key == "in_use" else "whole numbers"
            raise UsageError(f"--only {item!r}: {key} takes {takes}.") from None
    try:
        return Selector.model_validate(values)
    except ValidationError as exc:
        raise UsageError(f"--only: {exc.errors(include_input=False)[0]['msg']}.") from None


def run(args: argparse.Namespace) -> int:
    if args.max_changes is not None and args.max_changes < 1:
        raise UsageError("--max-changes must be 1 or more.")
    output: Path = args.output
    markdown = output.with_suffix(".md")
    if output.suffix != ".json":
        raise UsageError(
            f"-o {output}: the plan is JSON; name it *.json (plan.md is written beside it)."
        )
    selection = Selection(frozenset(args.rules), parse_only(args.only), args.max_changes)
    policy = load_policy(args.policy or [Path("policies")])
    known = {e.id for e in policy.entries} | {e.rule for e in policy.entries}
    unknown = sorted(set(args.rules) - known)
    if unknown:
        raise UsageError(
            f"--rule {', '.join(unknown)}: no entry of the policy has this rule or id.",
            tip="the policy's rules and entry ids: " + ", ".join(sorted(known)),
        )
    outputs = [("the plan", output), ("the plan's Markdown", markdown)]
    refuse_inputs(outputs, source_inputs(args, policy))
    baseline = load_baseline(args.baseline) if args.baseline else frozenset()
    inventory = load_inventory(args)
    require_accounts(inventory, args.allow_empty)
    now = datetime.now(UTC)
    # DNS findings are never fixed through the API (they are DNS records): the plan leaves
    # them to `check --dns`, and needs no evidence.
    result = evaluate(
        policy, inventory, fail_on=FailOn.ERROR, now=now, baseline=baseline, skip_dns=True
    )
    plan = make_plan(policy, result, inventory.accounts, selection)
    header = PlanHeader(
        created_at=now.replace(microsecond=0),
        inventory_source=inventory.info.source,
        inventory_sha256=inventory_sha256(inventory),
        accounts=len(inventory.accounts),
        policy_files=policy.files,
        selection=selection,
    )
    document = to_document(plan, header)
    with staged_files() as files:
        for path, text in ((output, render_json(document)), (markdown, render_markdown(document))):
            with files.stream(path) as stream:
                stream.write(text)
    if not args.quiet:
        summary = document["summary"]
        print(
            f"plan: {summary['changes']} change(s) on {summary['accounts']} account(s), "
            f"{summary['manual']} manual"
            + (f", {summary['left_out']} left out by --max-changes" if summary["left_out"] else ""),
            file=sys.stderr,
        )
        for rule, counts in summary["by_rule"].items():
            print(
                f"  {rule}: {counts['changes']} change(s), {counts['manual']} manual",
                file=sys.stderr,
            )
        print(f"wrote {output} and {markdown}", file=sys.stderr)
    return int(ExitCode.OK)
