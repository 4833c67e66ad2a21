"""Pieces several subcommands share: help formatting, the exit-code table, common flags."""

from __future__ import annotations

import argparse
import os
from typing import TextIO

# The codes every command may end with, whatever it does.
INTERRUPTED = "  130  interrupted (Ctrl-C); 143  terminated (SIGTERM)\n"
INTERNAL = "  4  internal error (a bug: please report it)\n"

EXIT_CODES = (
    """\
exit codes:
  0  no open finding at or above --fail-on
  1  open findings at or above --fail-on
  2  usage, settings, policy or output error
  3  inventory or API error (unreadable, malformed, incomplete)
"""
    + INTERNAL
    + INTERRUPTED
)


def exit_codes(*lines: str) -> str:
    """A command's exit-code table: its own codes, then the internal error and the signals."""
    return "exit codes:\n" + "".join(f"  {line}\n" for line in lines) + INTERNAL + INTERRUPTED


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keep the hand-wrapped examples and exit-code tables as written."""


_color = {"allowed": True}  # --no-color, set once per run by the entry point


def disable_color() -> None:
    _color["allowed"] = False


def color_allowed() -> bool:
    """Whether colors may be used at all (neither --no-color nor NO_COLOR)."""
    return _color["allowed"] and not os.environ.get("NO_COLOR")


def common_options() -> argparse.ArgumentParser:
    """Flags every subcommand takes, so ``check -v`` works as well as ``-v check``."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="more diagnostics on stderr (-vv for debug; secrets are redacted)",
    )
    add_no_color(parent, default=argparse.SUPPRESS)
    return parent


def add_no_color(parser: argparse.ArgumentParser, default: object = False) -> None:
    parser.add_argument(
        "--no-color",
        action="store_true",
        default=default,
        help="no colors in terminal output (as NO_COLOR=1 does)",
    )


def use_color(stream: TextIO) -> bool:
    """Color only on a terminal, never with --no-color or when NO_COLOR is set
    (https://no-color.org)."""
    if not color_allowed():
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def add_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    help: str,
    description: str,
    epilog: str,
) -> argparse.ArgumentParser:
    """A subcommand with the shared flags and the help layout every command uses. Every help
    page ends with the exit codes, the signals' included."""
    if "exit codes:" not in epilog:
        epilog = epilog.rstrip("\n") + "\n\n" + exit_codes("0  done", "2  usage error")
    elif "130" not in epilog:
        epilog = epilog.rstrip("\n") + "\n" + INTERRUPTED
    parser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=HelpFormatter,
        parents=[common_options()],
    )
    parser.set_defaults(command_parser=parser)  # for a typo'd flag's suggestion
    return parser
