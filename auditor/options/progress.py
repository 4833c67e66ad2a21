"""A progress line on stderr while fetching: pages, accounts, request rate (rich).

Only on a terminal and without ``--quiet``: pipes and CI logs get no control characters. It is
transient (erased when done), so the summary that follows stays readable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from auditor.options.common import color_allowed
from auditor.sources.api import FetchProgress, ProgressCallback


@contextmanager
def fetch_progress(*, enabled: bool) -> Iterator[ProgressCallback | None]:
    """Yield a callback for ``ApiSource(progress=...)``, or ``None`` when disabled."""
    if not enabled:
        yield None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("fetching accounts:"),
        TextColumn("{task.fields[pages]} pages"),
        TextColumn("{task.fields[accounts]} accounts"),
        TextColumn("{task.fields[rate]:.1f} req/s"),
        TextColumn("{task.fields[retries]} retries"),
        TimeElapsedColumn(),
    )
    console = Console(stderr=True, no_color=not color_allowed())  # --no-color, NO_COLOR
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("fetch", total=None, pages=0, accounts=0, rate=0.0, retries=0)

        def update(state: FetchProgress) -> None:
            rate = state.requests / state.elapsed_seconds if state.elapsed_seconds > 0 else 0.0
            bar.update(
                task, pages=state.pages, accounts=state.accounts, rate=rate, retries=state.retries
            )

        yield update
