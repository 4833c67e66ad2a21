"""``smartlead-audit completion SHELL``: a tab-completion script generated from the parser itself
(shtab), so every command and flag the program has is completed, and none it lacks."""

from __future__ import annotations

import argparse
import sys
from functools import partial

from auditor.options.common import add_command, exit_codes

SHELLS = ("bash", "zsh", "fish")

EPILOG = """\
Prints the script on stdout; install it where your shell looks for completions:

examples:
  smartlead-audit completion bash > ~/.local/share/bash-completion/completions/smartlead-audit
  smartlead-audit completion zsh > "${fpath[1]}/_smartlead-audit"
  smartlead-audit completion fish > ~/.config/fish/completions/smartlead-audit.fish
""" + exit_codes("0  script printed", "2  unknown shell")


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], root: argparse.ArgumentParser
) -> None:
    parser = add_command(
        subparsers,
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print a tab-completion script for bash, zsh or fish.",
        epilog=EPILOG,
    )
    parser.add_argument("shell", metavar="SHELL", choices=SHELLS, help="bash, zsh or fish")
    parser.set_defaults(handler=partial(run, root))


def run(root: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    import shtab  # only this command needs it

    sys.stdout.write(shtab.complete(root, shell=args.shell).rstrip("\n") + "\n")
    return 0
