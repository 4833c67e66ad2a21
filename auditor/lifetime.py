"""Leave a finished run without freeing its heap object by object.

After `check` has written its reports, its inventory and results (millions of objects at 50,000
accounts) would be freed one by one as the command returns, and the interpreter's shutdown walks
what is left: about a third of a second of work for memory the operating system reclaims at
once. The console entry point (`auditor.cli.entry`) turns this on, flushes what is buffered and
ends the process with `os._exit`; a program that calls `auditor.cli.main` itself keeps the normal
behaviour, and nothing is held.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn

_held: list[object] | None = None


def hold_until_exit(*objects: object) -> None:
    """Keep these alive until the process ends, when exiting fast (else: do nothing).

    Everything alive then is also put out of the cyclic collector's sight (``gc.freeze``): `check`
    builds its objects with the collector paused (auditor.gcpause), and the first collection after
    it resumes would otherwise walk all of them once more just before the process ends (0.16 s at
    50,000 accounts)."""
    if _held is not None:
        _held.extend(objects)
        gc.freeze()


def exit_fast(main: Callable[[], int]) -> NoReturn:
    """Run ``main()`` (which returns an exit code), flush, and end the process at once. An
    exception from ``main`` propagates as usual, traceback and all."""
    global _held
    _held = []
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`)
            stream.flush()
    os._exit(code)
