"""Entry point: parse arguments, dispatch to a subcommand, map every outcome to an exit code.

Only this layer (and the command modules it dispatches to) prints, reads the environment or
decides an exit code; everything below is a library. The console entry point is also the one
place that tunes the process: the garbage collector and the exit.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from auditor import __version__
from auditor.commands import check, diff, fetch, init, rules, schema, test, validate
from auditor.errors import AuditorError, ExitCode
from auditor.options.common import EXIT_CODES, HelpFormatter
from auditor.redact import RedactingFilter, redact

PROG = "smartlead-audit"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Audit SmartLead email accounts against YAML policies (config as code).",
        epilog="run 'smartlead-audit COMMAND --help' for a command's options and examples.\n\n"
        + EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more diagnostics on stderr (-vv for debug)",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in (check, fetch, validate, rules, schema, test, diff, init):
        command.add_parser(subparsers)
    return parser


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def entry() -> NoReturn:
    """The `smartlead-audit` console script and `python -m auditor`.

    A run builds millions of objects that all live until it ends (accounts, findings), and none
    of them form cycles worth collecting early, so collections are made rare, as mypy does; and
    the process ends with ``os._exit`` once its output is flushed, rather than freeing that heap
    object by object. A program that calls ``main`` itself keeps Python's defaults."""
    gc.set_threshold(200_000, 50, 100)
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`)
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else int(ExitCode.USAGE)
    configure_logging(args.verbose)
    try:
        return int(args.handler(args))
    except AuditorError as error:
        print(f"{PROG}: error: {redact(str(error))}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except Exception as error:  # a bug: say so, show the (redacted) traceback with -v
        if args.verbose:
            print(redact("".join(traceback.format_exception(error))), file=sys.stderr)
        print(
            f"{PROG}: internal error: {redact(type(error).__name__ + ': ' + str(error))}\n"
            "This is a bug; please report it (run with -v for the traceback).",
            file=sys.stderr,
        )
        return int(ExitCode.INTERNAL)
