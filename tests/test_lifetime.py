"""The fast exit of the console entry point: same exit code, nothing buffered lost, and a
program that calls `main` itself keeps nothing alive."""

from __future__ import annotations

import gc
import subprocess
import sys

import auditor.lifetime as lifetime


def exit_fast_with(*main_body: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter that runs ``exit_fast(main)``, ``main`` being these lines."""
    code = "\n".join(["import gc, sys", "from auditor.lifetime import exit_fast, hold_until_exit",
                      "def main():", *(f"    {line}" for line in main_body), "exit_fast(main)"])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)


def test_exit_fast_keeps_the_code_and_flushes_what_is_buffered() -> None:
    done = exit_fast_with("sys.stdout.write('x' * 200_000); sys.stderr.write('done')",
                          "return 3")
    assert done.returncode == 3
    assert done.stdout == "x" * 200_000 and done.stderr == "done"


def test_an_exception_from_main_propagates_with_its_traceback() -> None:
    done = exit_fast_with("raise RuntimeError('boom')")
    assert done.returncode == 1 and "RuntimeError: boom" in done.stderr


def test_held_objects_are_out_of_the_collectors_sight() -> None:
    done = exit_fast_with(
        "gc.disable(); built = [[i] for i in range(100_000)]",
        "hold_until_exit(built); gc.enable()",
        "return 0 if gc.get_freeze_count() >= 100_000 and gc.get_count()[0] < 700 else 5")
    assert done.returncode == 0, done.stderr


def test_without_the_fast_exit_nothing_is_held() -> None:
    assert lifetime._held is None  # the test process never called exit_fast
    frozen = gc.get_freeze_count()
    lifetime.hold_until_exit(object())
    assert lifetime._held is None
    assert gc.get_freeze_count() == frozen
