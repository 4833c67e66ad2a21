"""Entry point: parse arguments, dispatch to a subcommand, map every outcome to an exit code.

Only this layer (and the command modules it dispatches to) prints, reads the environment or
decides an exit code; everything below is a library. The console entry point is also the one
place that tunes the process: the garbage collector, SIGTERM and the exit.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import io
import logging
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from types import FrameType
from typing import Any, NoReturn, TextIO, cast

from auditor import __version__
from auditor.errors import AuditorError, ExitCode, OutputError, Terminated
from auditor.options.common import EXIT_CODES, HelpFormatter, add_no_color, disable_color
from auditor.options.suggest import Parser
from auditor.redact import RedactingFilter, redact

PROG = "smartlead-audit"
# Each subcommand's module, in the order help lists them. A run imports only its own command's
# module (a fetch has no use for the policy engine, and its first request leaves sooner); help,
# suggestions for a mistyped command and completion scripts need them all.
COMMANDS = {
    name: f"auditor.commands.{name}"
    for name in (
        "check",
        "fetch",
        "resolve",
        "validate",
        "rules",
        "schema",
        "test",
        "diff",
        "init",
        "plan",
        "apply",
    )
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (``command``) the parser of that one subcommand's run."""
    parser = Parser(
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
    add_no_color(parser)
    subparsers = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(title="commands", metavar="COMMAND", required=True),
    )
    for name, module in COMMANDS.items():
        if command is None or name == command:
            importlib.import_module(module).add_parser(subparsers)
    if command is None:
        from auditor.commands import completion

        completion.add_parser(subparsers, parser)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` runs, when it names one (the global flags take no value)."""
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    return name if name in COMMANDS else None


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class GuardedStdout:
    """Standard output for the length of a run.

    Writing to it can fail for reasons of the reader's making: a pipe closed early (``| head``),
    a full disk (``> /dev/full``), a closed stdout (``>&-``, where Python has no ``sys.stdout``
    at all). Wherever in a command that happens, it becomes an ``OutputError``: exit 2 and one
    line, never a crash report (exit 4), and never a verdict (exit 0 or 1) for a run whose
    output was lost."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def _error(self, exc: OSError | None) -> OutputError:
        reason = "it is closed" if exc is None else exc.strerror or str(exc)
        return OutputError(f"cannot write to standard output: {reason}.")

    def _call(self, method: str, *args: str) -> Any:
        if self._stream is None:
            raise self._error(None)
        try:
            return getattr(self._stream, method)(*args)
        except OSError as exc:
            raise self._error(exc) from None
        except ValueError:
            if self._stream.closed:  # "I/O operation on closed file"; not an encoding error
                raise self._error(None) from None
            raise

    def write(self, text: str) -> int:
        return int(self._call("write", text))

    def flush(self) -> None:
        if self._stream is not None:  # a closed stdout is no error until something is written
            self._call("flush")

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _say(message: str) -> None:
    """One message on stderr, which may itself be gone: then there is no one left to tell."""
    with contextlib.suppress(OSError, ValueError):
        print(message, file=sys.stderr, flush=True)


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM raises ``Terminated`` wherever the run is, so it unwinds like Ctrl-C: temporary
    files removed, previous reports untouched, exit 143. A second SIGTERM is ignored rather than
    cutting that cleanup short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated


def _buffer_stdout() -> None:
    """Under PYTHONUNBUFFERED or ``-u`` (many CI images set it), ``sys.stdout`` writes straight to
    the file descriptor, and CPython's text layer drops whatever a short write leaves over, as
    when a reader goes away mid-write: the output would end early without an error, and the run
    would still exit 0 or 1. A buffered writer in between finishes or fails every write; flushed
    at each line, the output still appears as it is written."""
    raw = getattr(sys.stdout, "buffer", None)
    if isinstance(raw, io.RawIOBase):
        sys.stdout = io.TextIOWrapper(
            io.BufferedWriter(raw),
            encoding=sys.stdout.encoding,
            errors=sys.stdout.errors,
            line_buffering=True,
        )


def entry() -> NoReturn:
    """The `smartlead-audit` console script and `python -m auditor`.

    A run builds millions of objects that all live until it ends (accounts, findings), and none
    of them form cycles worth collecting early, so collections are made rare, as mypy does; and
    the process ends with ``os._exit`` once its output is flushed, rather than freeing that heap
    object by object. A program that calls ``main`` itself keeps Python's defaults, SIGTERM's
    included: only here is it turned into an orderly exit (143)."""
    gc.set_threshold(200_000, 50, 100)
    signal.signal(signal.SIGTERM, _terminate)
    _buffer_stdout()
    code = main()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the run is over: nothing left to clean up
    logging.shutdown()
    try:
        if sys.stdout is not None:  # None: stdout was closed, and main wrote nothing to it
            sys.stdout.flush()  # main flushed it: anything left is output that failed already
    except (OSError, ValueError) as exc:
        if code in (ExitCode.OK, ExitCode.FINDINGS):  # not reported yet: never a silent verdict
            reason = exc.strerror if isinstance(exc, OSError) else None
            _say(f"{PROG}: error: cannot write to standard output: {reason or 'it is closed'}.")
            code = int(ExitCode.USAGE)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every outcome is an exit code, and every failure one message on stderr.

    Standard output is guarded for the run (see ``GuardedStdout``) and flushed before the code
    is returned, so that output which never reached its reader is reported as such."""
    stdout = sys.stdout
    sys.stdout = cast("TextIO", GuardedStdout(stdout))
    try:
        return _run(argv)
    finally:
        sys.stdout = stdout


def _run(argv: Sequence[str] | None) -> int:
    verbose = 0
    try:
        try:
            argv = sys.argv[1:] if argv is None else argv
            args = build_parser(_command_in(argv)).parse_args(argv)
        except SystemExit as exit_:  # --help, --version, or a usage error argparse reported
            code = exit_.code if isinstance(exit_.code, int) else int(ExitCode.USAGE)
        else:
            verbose = args.verbose
            if args.no_color:
                disable_color()
            configure_logging(verbose)
            code = int(args.handler(args))
        sys.stdout.flush()
        return code
    except AuditorError as error:
        _say(f"{PROG}: error: {redact(str(error))}")
        return int(error.exit_code)
    except Terminated:
        _say(f"{PROG}: terminated")
        return int(ExitCode.TERMINATED)
    except KeyboardInterrupt:
        _say(f"{PROG}: interrupted")
        return int(ExitCode.INTERRUPTED)
    except Exception as error:  # a bug: say so, show the (redacted) traceback with -v
        if verbose:
            _say(redact("".join(traceback.format_exception(error))).rstrip("\n"))
        _say(
            f"{PROG}: internal error: {redact(type(error).__name__ + ': ' + str(error))}\n"
            "This is a bug; please report it (run with -v for the traceback)."
        )
        return int(ExitCode.INTERNAL)
