"""``smartlead-audit rules [RULE]``: the rule catalogue, from each rule module's own docs."""

from __future__ import annotations

import argparse
import json

from auditor.errors import UsageError
from auditor.model.entry import did_you_mean
from auditor.options.common import add_command, exit_codes
from auditor.rules import RULES, FleetRule, Rule
from auditor.scaffold import _example  # the Example block of a rule's docstring

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
    return "; ".join(f"{name}: {default}" for name, default in options.items())


GUIDANCE = """\
    # Optional, in your own words (Markdown); shown with every finding in the reports:
    title: {title}
    rationale: Why this matters to us.
    remediation: |
      How to fix it; runbook: https://wiki.example.com/runbooks/{id}
"""


def _example_entry(rule: Rule) -> str:
    """The rule's example entry, with the keys that give a finding the house's own guidance."""
    lines = _example(rule.doc)
    if not lines:
        lines = [f"- rule: {rule.id}"]
    title = json.dumps(rule.description.rstrip("."))
    return (
        "\n".join(f"  {line}" for line in lines) + "\n" + GUIDANCE.format(title=title, id=rule.id)
    )


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
    options = rule.option_defaults()
    print("\nOptions and defaults:")
    for name, default in options.items():
        print(f"  {name}: {default}")
    if not options:
        print("  (no options)")
    print(f"\nRemediation: {rule.remediation}")
    print(f"\nAn entry in a policy file:\n\nrules:\n{_example_entry(rule)}", end="")
    return 0
