"""``smartlead-audit rules [RULE]``: the rule catalogue, from each rule module's own docs."""

from __future__ import annotations

import argparse

from auditor.errors import UsageError
from auditor.model.entry import did_you_mean
from auditor.options.common import add_command, exit_codes
from auditor.rules import RULES, FleetRule, Rule

EPILOG = """\
Every entry also takes: id, severity (error, warning, info), only and except (selectors with
type, tags, client_id, email, domain, in_use, ids).

examples:
  smartlead-audit rules
  smartlead-audit rules warmup
""" + exit_codes("0  done", "2  unknown rule")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "rules",
        help="list rules, or show one rule's documentation",
        description="List every rule with its options and defaults, or document one rule.",
        epilog=EPILOG,
    )
    parser.add_argument("rule", metavar="RULE", nargs="?", help="a rule id, e.g. daily-send-limit")
    parser.set_defaults(handler=run)


def _options_line(rule: Rule) -> str:
    options = rule.option_defaults()
    if not options:
        return "(no options)"
    return ", ".join(f"{name}={default}" for name, default in options.items())


def run(args: argparse.Namespace) -> int:
    if args.rule is None:
        width = max(len(rule_id) for rule_id in RULES)
        for listed in RULES.values():
            scope = " [fleet]" if isinstance(listed, FleetRule) else ""
            print(f"{listed.id:<{width}}  {listed.description}{scope}")
            print(f"{'':<{width}}  options: {_options_line(listed)}")
        return 0
    rule = RULES.get(args.rule)
    if rule is None:
        raise UsageError(
            f"unknown rule '{args.rule}'{did_you_mean(args.rule, RULES)}.",
            tip="run 'smartlead-audit rules' for the list.",
        )
    print(f"{rule.id}\n{'=' * len(rule.id)}\n")
    print(rule.doc)
    print(f"\nOptions and defaults: {_options_line(rule)}")
    print(f"Remediation: {rule.remediation}")
    return 0
