"""Side computations in a forked child: the value comes back, so does any failure, with its
type kept, and no child process is ever left behind."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest

from auditor.errors import InventoryError, OutputError
from auditor.forking import Forked, can_fork

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="side computations are forked on Linux only, by design")


def test_the_value_comes_back(forked_children: list[int]) -> None:
    big = "x" * 5_000_000  # larger than a pipe's buffer, so both sides must keep moving
    with Forked(lambda: {"text": big, "n": os.getpid()}, what="t") as child:
        value = child.result()
    assert value["text"] == big
    assert value["n"] == forked_children[0] != os.getpid()  # computed in the child


def _raise(error: BaseException) -> None:
    raise error


@pytest.mark.parametrize(("error", "expected", "text"), [
    (OutputError("cannot write x: denied.", tip="another folder"), OutputError,
     "cannot write x: denied.\nTip: another folder"),
    (InventoryError("bad record"), InventoryError, "bad record"),
    (ValueError("boom"), RuntimeError, "the task failed: ValueError: boom"),
])
def test_a_failure_in_the_child_is_raised_here_with_its_type(
    forked_children: list[int], error: BaseException, expected: type[Exception], text: str
) -> None:
    with Forked(lambda: _raise(error), what="the task") as child, pytest.raises(expected) as got:
        child.result()
    assert str(got.value) == text


def test_ctrl_c_in_the_child_is_ctrl_c_here(forked_children: list[int]) -> None:
    with Forked(lambda: _raise(KeyboardInterrupt()), what="t") as child, \
            pytest.raises(KeyboardInterrupt):
        child.result()


def test_a_child_that_dies_is_an_error_not_a_value(forked_children: list[int]) -> None:
    with Forked(lambda: os.kill(os.getpid(), signal.SIGKILL), what="the task") as child, \
            pytest.raises(RuntimeError, match="the task failed: its process stopped"):
        child.result()


def test_leaving_without_the_result_kills_and_reaps_the_child(forked_children: list[int]) -> None:
    started = time.monotonic()
    with pytest.raises(ValueError, match="this side"), Forked(lambda: time.sleep(60), what="t"):
        raise ValueError("this side failed")
    assert time.monotonic() - started < 10
    assert len(forked_children) == 1  # and the fixture checks it was reaped


def test_secrets_in_a_childs_error_are_redacted(forked_children: list[int],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.redact import REDACTOR
    monkeypatch.setattr(REDACTOR, "_secrets", list(REDACTOR._secrets))
    REDACTOR.add("hunter2-canary")
    with Forked(lambda: _raise(ValueError("login hunter2-canary")), what="t") as child, \
            pytest.raises(RuntimeError) as got:
        child.result()
    assert "hunter2-canary" not in str(got.value)


def test_no_fork_while_another_thread_runs() -> None:
    assert can_fork()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()
    assert can_fork()
