"""Size caps, through the real entry point: a policy file over the cap is exit 2, a saved
inventory over its cap exit 3, each naming the file, its size and the cap; environment variables
raise them. (The inventory cap lives here, beside the policy cap it mirrors.)"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.policy.files import DEFAULT_MAX_POLICY_BYTES
from auditor.sources import snapshot
from auditor.sources.snapshot import DEFAULT_MAX_INVENTORY_BYTES
from tests.support.shared import DEMO_INVENTORY, SHIPPED_POLICIES, CliResult

Run = Callable[..., CliResult]
POLICY = "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n"
POLICY_ENV = "SMARTLEAD_AUDIT_MAX_POLICY_BYTES"
INVENTORY_ENV = "SMARTLEAD_AUDIT_MAX_INVENTORY_BYTES"


@pytest.fixture(autouse=True)
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config file; paths show relative to here
    monkeypatch.delenv(POLICY_ENV, raising=False)
    monkeypatch.delenv(INVENTORY_ENV, raising=False)


def sparse(path: Path, size: int) -> Path:
    """A file that reports `size` bytes without using the disk: the cap is checked first."""
    with path.open("wb") as stream:
        stream.truncate(size)
    return path


def test_a_policy_over_the_default_cap_is_refused_before_it_is_read(run_cli: Run) -> None:
    big = sparse(Path("big.yaml"), DEFAULT_MAX_POLICY_BYTES + 1)
    result = run_cli("validate", big)
    assert result.code == 2, result
    assert result.err.splitlines()[1:] == [
        "big.yaml:1:1: policy file is 2,097,153 bytes, over the limit of 2,097,152 bytes "
        f"(set {POLICY_ENV} to raise it)"
    ]


def test_a_policy_at_the_cap_is_read(run_cli: Run) -> None:
    exact = Path("exact.yaml")
    exact.write_text(POLICY + "#" * (DEFAULT_MAX_POLICY_BYTES - len(POLICY) - 1) + "\n")
    assert exact.stat().st_size == DEFAULT_MAX_POLICY_BYTES
    assert run_cli("validate", exact).code == 0


def test_the_policy_cap_applies_to_extends_targets_and_test_files(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("base.yaml").write_text(POLICY + "# padding\n" * 20)
    Path("house.yaml").write_text("version: 1\nextends: [base.yaml]\n")
    monkeypatch.setenv(POLICY_ENV, "100")
    result = run_cli("validate", "house.yaml")
    assert result.code == 2, result
    assert result.err.splitlines()[1:] == [
        f"house.yaml:2:11: extended policy base.yaml is {Path('base.yaml').stat().st_size} bytes, "
        "over the limit of 100 bytes "
        f"(set {POLICY_ENV} to raise it)"
    ]
    Path("tests").mkdir()
    Path("tests/t.yaml").write_text("cases:\n  - name: x\n    accounts: []\n" + "#" * 100)
    result = run_cli("test", "tests")
    assert result.code == 2, result
    size = Path("tests/t.yaml").stat().st_size
    assert f"tests/t.yaml:1:1: test file is {size} bytes, over the limit of 100 bytes" in result.err


def test_the_environment_raises_the_policy_cap(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = Path("big.yaml")
    big.write_text(POLICY + "#" * DEFAULT_MAX_POLICY_BYTES + "\n")
    assert run_cli("validate", big).code == 2
    monkeypatch.setenv(POLICY_ENV, str(4 * DEFAULT_MAX_POLICY_BYTES))
    assert run_cli("validate", big).code == 0


@pytest.mark.parametrize("value", ["0", "-5", "ten", "1e6"])
def test_a_bad_cap_setting_is_a_usage_error(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(POLICY_ENV, value)
    result = run_cli("validate", SHIPPED_POLICIES)
    assert result.code == 2, result
    assert f"{POLICY_ENV} must be a positive whole number of bytes, not '{value}'" in result.err
    monkeypatch.delenv(POLICY_ENV)
    monkeypatch.setenv(INVENTORY_ENV, value)
    result = run_cli("check", "--inventory", DEMO_INVENTORY, "--policy", SHIPPED_POLICIES)
    assert result.code == 2, result
    assert f"{INVENTORY_ENV} must be a positive whole number of bytes" in result.err


def test_an_inventory_over_the_default_cap_is_exit_3_before_it_is_read(run_cli: Run) -> None:
    big = sparse(Path("inventory.json"), DEFAULT_MAX_INVENTORY_BYTES + 1)
    result = run_cli("check", "--inventory", big, "--policy", SHIPPED_POLICIES)
    assert result.code == 3, result
    assert (
        "error: inventory inventory.json is 1,073,741,825 bytes, over the limit of "
        "1,073,741,824 bytes." in result.err
    )
    assert f"set {INVENTORY_ENV} to a larger number" in result.err


def test_the_inventory_cap_applies_to_diff_and_the_environment_sets_it(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = DEMO_INVENTORY.stat().st_size
    monkeypatch.setenv(INVENTORY_ENV, str(size - 1))
    result = run_cli("diff", DEMO_INVENTORY, DEMO_INVENTORY)
    assert result.code == 3, result
    assert f"is {size:,} bytes, over the limit of {size - 1:,} bytes." in result.err
    monkeypatch.setenv(INVENTORY_ENV, str(size))
    assert run_cli("check", "--inventory", DEMO_INVENTORY, "--policy", SHIPPED_POLICIES).code == 1


def test_an_inventory_without_a_size_is_read_only_up_to_the_cap(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pipe (`--inventory <(curl ...)`) reports no size: reading stops one byte past the cap."""
    monkeypatch.setenv(INVENTORY_ENV, "1000")
    read, write = os.pipe()

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError), os.fdopen(write, "wb") as stream:
            stream.write(DEMO_INVENTORY.read_bytes())

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        result = run_cli("check", "--inventory", f"/dev/fd/{read}", "--policy", SHIPPED_POLICIES)
    finally:
        os.close(read)  # the writer, blocked on a full pipe, gets EPIPE and ends
        writer.join(10)
    assert result.code == 3, result
    assert f"inventory /dev/fd/{read} is over the limit of 1,000 bytes." in result.err


@pytest.mark.parametrize("kind", ["array", "document"])
def test_an_inventory_that_grows_while_it_is_read_stops_at_the_cap(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str
) -> None:
    """A file still being written (a download running) is smaller when its size is checked than
    when it is read: reading stops one byte past the cap all the same."""
    inventory = tmp_path / "inventory.json"
    if kind == "array":
        shutil.copy(DEMO_INVENTORY, inventory)
    else:
        inventory.write_text("{" + " " * 5000 + "}")
    real_fstat = os.fstat

    def checked_early(fd: int) -> os.stat_result:
        info = list(real_fstat(fd))
        info[stat.ST_SIZE] = 10  # what the file held when its size was checked
        return os.stat_result(info)

    monkeypatch.setattr(snapshot.os, "fstat", checked_early)
    monkeypatch.setenv(INVENTORY_ENV, "1000")
    result = run_cli("check", "--inventory", inventory, "--policy", SHIPPED_POLICIES)
    assert result.code == 3, result
    assert f"inventory {inventory} is over the limit of 1,000 bytes." in result.err
    monkeypatch.setenv(INVENTORY_ENV, str(inventory.stat().st_size))  # just fits: read whole
    fits = run_cli("check", "--inventory", inventory, "--policy", SHIPPED_POLICIES)
    assert "over the limit" not in fits.err
    assert fits.code == (1 if kind == "array" else 3), fits  # the demo's findings; not a snapshot
