"""Write the report files of a run, starting on the inventory while the rules are evaluated.

At 50,000 accounts the HTML report takes about as long as all the other formats together, and
most of it (the accounts table, the inventory overview) needs only the inventory. So the writer
is made as soon as the inventory is loaded: a forked child (``auditor.forking``) prepares the
early part of each format that has one (``EarlyStart``) on the other core, while this process
evaluates the rules and writes the other formats, and then finishes those formats from the
child's result. Only for large inventories, where the fork (a few milliseconds) is small against
the work it moves; otherwise every format renders here, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from auditor.forking import Forked, can_fork
from auditor.models import AuditResult, EmailAccount
from auditor.output import write_atomic
from auditor.report import EarlyStart, FileFormat

Target = tuple[Path, FileFormat]
FORK_MIN_ACCOUNTS = 5_000


class ReportWriter:
    """Use as a context manager around the evaluation: leaving it kills a child still working
    (the run failed or was interrupted), so no process is left behind."""

    def __init__(self, targets: Sequence[Target], accounts: Sequence[EmailAccount]) -> None:
        self.targets = list(targets)
        self.accounts = accounts
        starts = [fmt.early for _, fmt in self.targets if fmt.early is not None]
        self._child: Forked[list[Any]] | None = None
        self._prepared: list[Any] | None = None
        if starts and len(accounts) >= FORK_MIN_ACCOUNTS and can_fork():
            self._child = Forked(partial(_prepare, starts, accounts), what="preparing the reports")

    def write(self, result: AuditResult) -> None:
        """Render and write every target; the first failure is raised, as in a plain loop."""
        if self._child is None or result.accounts is not self.accounts:
            self.close()
            for path, fmt in self.targets:
                write_atomic(path, fmt.render(result))
            return
        for path, fmt in self.targets:  # the others first: they need nothing from the child
            if fmt.early is None:
                write_atomic(path, fmt.render(result))
        started = [(path, fmt.early) for path, fmt in self.targets if fmt.early is not None]
        for index, (path, early) in enumerate(started):
            write_atomic(path, early.finish(result, partial(self._prepared_part, index)))

    def _prepared_part(self, index: int) -> Any:
        if self._prepared is None:
            assert self._child is not None
            self._prepared = self._child.result()
        return self._prepared[index]

    def close(self) -> None:
        if self._child is not None:
            self._child.stop()

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _prepare(starts: list[EarlyStart], accounts: Sequence[EmailAccount]) -> list[Any]:
    return [start.prepare(accounts) for start in starts]

