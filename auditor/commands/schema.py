"""``smartlead-audit schema``: print the JSON Schema of policy files, for editors and CI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditor.options.common import add_command, exit_codes
from auditor.policy.jsonschema import render_schema
from auditor.report.output import refuse_policy_file, write_atomic

EPILOG = """\
Point your editor at it with a first line in each policy file (the YAML language server, used by
VS Code and others, reads it):

  # yaml-language-server: $schema=policy-1.schema.json

examples:
  smartlead-audit schema > policies/policy-1.schema.json
  smartlead-audit schema -o policies/policy-1.schema.json
""" + exit_codes("0  schema written", "2  the file cannot be written (or is a policy file)")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "schema",
        help="print the JSON Schema for policy files",
        description="Print the JSON Schema for policy files, generated from the validating models.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", type=Path, help="write to FILE instead of stdout"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    text = render_schema()
    if args.output is None:
        sys.stdout.write(text)
    else:
        refuse_policy_file("the schema", args.output)
        write_atomic(args.output, text)
    return 0
