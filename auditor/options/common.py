"""Pieces several subcommands share: help formatting, the exit-code table, common flags."""

from __future__ import annotations

import argparse
import os
from typing import TextIO

EXIT_CODES = """\
exit codes:
  0  no open finding at or above --fail-on
  1  open findings at or above --fail-on
  2  usage, settings, policy or output error
  3  inventory or API error (unreadable, malformed, incomplete)
  4  internal error (a bug: please report it)
  130  interrupted (Ctrl-C); 143  terminated (SIGTERM)
"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keep the hand-wrapped examples and exit-code tables as written."""


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
    return parent


def use_color(stream: TextIO) -> bool:
    """Color only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
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
    """A subcommand with the shared flags and the help layout every command uses."""
    return subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=HelpFormatter,
        parents=[common_options()],
    )
