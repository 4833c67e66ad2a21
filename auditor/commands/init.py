"""``smartlead-audit init``: scaffold a compliance repository (policies, hooks, workflow)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from auditor.errors import UsageError
from auditor.options.common import add_command, exit_codes
from auditor.report.output import prepare_dir, staged_files
from auditor.scaffold import FETCH_STEP, SNAPSHOT, files

EPILOG = """\
Writes policies/house.yaml (extends the shipped baseline; every rule listed, commented),
policies/policy-1.schema.json (editor completion), policies/tests/house.test.yaml (an example
policy test, for `smartlead-audit test`), .pre-commit-config.yaml and
.github/workflows/smartlead-audit.yml (both audit snapshots/inventory.json). Existing files are
never overwritten without --force: if any exists, nothing is written. Nothing is written through
a folder that is a symbolic link.

examples:
  smartlead-audit init
  smartlead-audit init path/to/repo --force
""" + exit_codes(
    "0  files written",
    "2  a file exists (without --force), a folder is a link, or a file cannot be written",
)


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


def symlinked_folder(directory: Path, files: list[Path]) -> Path | None:
    """The first folder init would write in, the target folder included, that is a symbolic link:
    a link would carry the scaffold (and a later ``--force``) to wherever it points."""
    folders = {directory}
    for path in files:
        for parent in path.relative_to(directory).parents:
            folders.add(directory / parent)
    return next((f for f in sorted(folders) if f.is_symlink()), None)


def run(args: argparse.Namespace) -> int:
    planned = {args.directory / name: text for name, text in files().items()}
    link = symlinked_folder(args.directory, list(planned))
    if link is not None:
        raise UsageError(
            f"refusing to write through {link}: it is a symbolic link (to {os.readlink(link)}); "
            "nothing was written.",
            tip="run init in the folder it points to, if that is the one you mean.",
        )
    existing = [path for path in planned if path.exists()]
    if existing and not args.force:
        shown = ", ".join(str(p) for p in existing)
        raise UsageError(
            f"refusing to overwrite {shown}; nothing was written.", tip="use --force to overwrite."
        )
    with staged_files() as staged:  # all or nothing, as the refusal above promises
        for path, text in planned.items():
            prepare_dir(path.parent)
            with staged.stream(path) as stream:
                stream.write(text)
    for path in planned:
        print(f"wrote {path}")
    print(NEXT)
    return 0


NEXT = f"""\
next:
  1. save a snapshot of your accounts (commit it; CI and the hooks audit it):
       SMARTLEAD_API_KEY=... {FETCH_STEP}
  2. edit policies/house.yaml, then check it and its tests:
       smartlead-audit validate && smartlead-audit test
  3. audit the snapshot:
       smartlead-audit check --inventory {SNAPSHOT}"""
