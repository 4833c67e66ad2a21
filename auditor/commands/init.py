"""``smartlead-audit init``: scaffold a compliance repository (policies, hooks, workflow)."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditor.errors import UsageError
from auditor.options.common import add_command
from auditor.report.output import prepare_dir, write_atomic
from auditor.scaffold import files

EPILOG = """\
Writes policies/house.yaml (extends the shipped baseline; every rule listed, commented),
policies/policy-1.schema.json (editor completion), .pre-commit-config.yaml and
.github/workflows/smartlead-audit.yml. Existing files are never overwritten without --force:
if any exists, nothing is written.

examples:
  smartlead-audit init
  smartlead-audit init path/to/repo --force
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "init",
        help="scaffold policies, pre-commit hooks and a CI workflow",
        description="Scaffold a compliance repository for smartlead-audit.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "directory",
        metavar="DIR",
        type=Path,
        nargs="?",
        default=Path("."),
        help="the repository to set up (default: the current directory)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    planned = {args.directory / name: text for name, text in files().items()}
    existing = [path for path in planned if path.exists()]
    if existing and not args.force:
        shown = ", ".join(str(p) for p in existing)
        raise UsageError(
            f"refusing to overwrite {shown}; nothing was written.", tip="use --force to overwrite."
        )
    for path, text in planned.items():
        prepare_dir(path.parent)
        write_atomic(path, text)
        print(f"wrote {path}")
    print("next: edit policies/house.yaml, then run `smartlead-audit validate`")
    return 0
