"""One exception tree and the exit codes it maps to.

AuditorError
 +-- UsageError          bad flags or settings                       -> exit 2
 +-- PolicyError         one or more problems in policy files        -> exit 2
 +-- OutputError         a report could not be written               -> exit 2
 +-- InventoryError      unreadable, malformed or incomplete data    -> exit 3
      +-- ApiError       the SmartLead API failed or misbehaved      -> exit 3

KeyboardInterrupt        Ctrl-C                                      -> exit 130
 +-- Terminated          SIGTERM (raised by the console entry point) -> exit 143
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Distinct codes so CI can tell "findings" from "the tool broke"."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    INVENTORY = 3
    INTERNAL = 4
    INTERRUPTED = 130
    TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process the signal ended


class AuditorError(Exception):
    """Base of every expected failure; the message is shown to the user as is."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, tip: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tip = tip

    def __str__(self) -> str:
        return self.message if self.tip is None else f"{self.message}\nTip: {self.tip}"


class UsageError(AuditorError):
    exit_code = ExitCode.USAGE


class OutputError(AuditorError):
    exit_code = ExitCode.USAGE


@dataclass(frozen=True, order=True)
class Position:
    """A place in a policy file; line and column are 1-based, as editors show them."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class PolicyProblem:
    position: Position
    message: str

    def __str__(self) -> str:
        # One problem, one line: a quoted value may contain line breaks.
        flat = self.message.replace("\r", "\\r").replace("\n", "\\n")
        return f"{self.position}: {flat}"


class PolicyError(AuditorError):
    """Carries every problem found, so authors fix them in one round."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[PolicyProblem], *, kind: str = "policy") -> None:
        self.problems = sorted(problems, key=lambda p: (p.position, p.message))
        count = len(self.problems)
        header = f"{count} {kind} problem{'s' if count != 1 else ''} found:"
        super().__init__("\n".join([header, *(str(p) for p in self.problems)]))


class InventoryError(AuditorError):
    exit_code = ExitCode.INVENTORY


class ApiError(InventoryError):
    """A page of the SmartLead API could not be fetched or understood."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the run happens to be. A KeyboardInterrupt, so that every cleanup
    written for Ctrl-C (a temporary report removed, a fetch cancelled) runs for it too."""
