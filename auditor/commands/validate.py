"""``smartlead-audit validate``: check policy files offline (for editors and pre-commit)."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditor.options.common import add_command, exit_codes
from auditor.policy.compose import PRESET_PREFIX
from auditor.policy.loader import Policy, load_policy
from auditor.report.summary import plural

EPILOG = """\
Prints every problem as file:line:column: message. Files given together are validated as one
policy set (duplicate ids across them are errors), exactly as `check` would load them.

With --with-siblings, each file is validated together with the other policy files of its folder
(the set `check --policy FOLDER` loads), so a waiver may name an entry defined in another file.
The pre-commit hook uses it, since pre-commit passes only the changed files.

A path that cannot be read (a dangling link, a directory or FIFO named *.yaml, a file over
SMARTLEAD_AUDIT_MAX_POLICY_BYTES, default 2 MiB) is a problem, never skipped; `extends` reaches
only presets and files inside the policy's repository.

examples:
  smartlead-audit validate                  # ./policies
  smartlead-audit validate policies/house.yaml policies/eu.yaml
  smartlead-audit validate --with-siblings policies/eu.yaml

""" + exit_codes(
    "0  every file is valid", "2  at least one problem (or a path that does not exist)"
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "validate",
        help="check policy files without any inventory",
        description="Validate policy files without reading any inventory or using the network.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "paths",
        metavar="PATH",
        type=Path,
        nargs="*",
        help="policy files or folders (default ./policies)",
    )
    parser.add_argument(
        "--with-siblings",
        action="store_true",
        help="validate each file together with the policy files in its folder",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing when valid")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    paths: list[Path] = args.paths or [Path("policies")]
    if args.with_siblings:
        paths = list(dict.fromkeys(p.parent if p.is_file() else p for p in paths))
    policy = load_policy(paths)
    if not args.quiet:
        print(f"ok: {counts(policy)}")
    return 0


def counts(policy: Policy) -> str:
    """``1 policy file (extends the baseline preset), 9 rule entries, 1 waiver``: the files on
    disk counted apart from the shipped presets they extend, which the user did not write."""
    presets = [
        f.path.removeprefix(PRESET_PREFIX) for f in policy.files if f.path.startswith(PRESET_PREFIX)
    ]
    files = plural(len(policy.files) - len(presets), "policy file")
    if presets:
        names = ", ".join(presets)
        files += f" (extends the {names} preset{'s' if len(presets) > 1 else ''})"
    entries = plural(len(policy.entries), "rule entry", "rule entries")
    return f"{files}, {entries}, {plural(len(policy.waivers), 'waiver')}"
