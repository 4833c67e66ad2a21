"""No output replaces an input, and `init` writes through no symbolic link: through the real entry
point, (exit code, stdout, stderr) together, and the input still as it was."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.accounts import wire
from tests.support.shared import DEMO_INVENTORY, SHIPPED_POLICIES, CliResult

Run = Callable[..., CliResult]
TIP = "Tip: an output never replaces an input: write it to another path.\n"


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.json"
    shutil.copy(DEMO_INVENTORY, path)
    return path


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(SHIPPED_POLICIES, folder, ignore=shutil.ignore_patterns("tests"))
    return folder


def _refused(result: CliResult, what: str, output: Path, role: str, source: Path) -> None:
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"smartlead-audit: error: refusing to write {what} {output}: it is {role} {source}; "
        f"nothing was written.\n{TIP}"
    )


def _check(run_cli: Run, inventory: Path, policies: Path, *extra: str | Path) -> CliResult:
    return run_cli("check", "--inventory", inventory, "--policy", policies, "-q", *extra)


def test_write_baseline_over_the_inventory_is_refused(
    run_cli: Run, inventory: Path, policies: Path, tmp_path: Path
) -> None:
    before = inventory.read_bytes()
    out = tmp_path / "reports"
    result = _check(
        run_cli, inventory, policies, "--format", "json", "--output-dir", out,
        "--write-baseline", inventory,
    )  # fmt: skip
    _refused(result, "--write-baseline", inventory, "the inventory", inventory)
    assert inventory.read_bytes() == before
    assert not out.exists()  # refused before any work


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_a_link_to_the_inventory_is_the_inventory(
    run_cli: Run, inventory: Path, policies: Path, tmp_path: Path, link: str
) -> None:
    alias = tmp_path / "alias.json"
    if link == "symlink":
        alias.symlink_to(inventory)
    else:
        os.link(inventory, alias)
    result = _check(run_cli, inventory, policies, "--write-baseline", alias)
    _refused(result, "--write-baseline", alias, "the inventory", inventory)


def test_write_baseline_over_a_policy_file_is_refused(
    run_cli: Run, inventory: Path, policies: Path
) -> None:
    house = policies / "house.yaml"
    before = house.read_bytes()
    result = _check(run_cli, inventory, policies, "--write-baseline", house)
    _refused(result, "--write-baseline", house, "the policy file", house)
    assert house.read_bytes() == before


def test_a_report_in_the_output_dir_over_the_inventory_is_refused(
    run_cli: Run, policies: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    inventory = out / "audit.json"
    inventory.write_text(json.dumps([wire(password="", imap_password="")]))  # no canary
    before = inventory.read_bytes()
    result = _check(run_cli, inventory, policies, "--format", "json", "--output-dir", out)
    _refused(result, "the json report", inventory, "the inventory", inventory)
    assert inventory.read_bytes() == before


def test_write_baseline_over_the_config_file_is_refused(
    run_cli: Run, inventory: Path, policies: Path, tmp_path: Path
) -> None:
    config = tmp_path / "audit.yaml"
    config.write_text("fail-on: error\n")
    result = _check(run_cli, inventory, policies, "--config", config, "--write-baseline", config)
    _refused(result, "--write-baseline", config, "the config file", config)
    assert config.read_text() == "fail-on: error\n"


def test_the_baseline_may_be_rewritten_by_the_run_that_reads_it(
    run_cli: Run, inventory: Path, policies: Path, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    assert _check(run_cli, inventory, policies, "--write-baseline", baseline).code == 1
    again = _check(
        run_cli, inventory, policies, "--baseline", baseline, "--write-baseline", baseline
    )
    assert (again.code, again.err) == (0, "")


def test_fetch_never_writes_over_the_settings_file_or_a_policy(
    run_cli: Run, isolated: Path, write_json: Callable[..., Path]
) -> None:
    env = isolated / ".env"
    env.write_text("SMARTLEAD_API_KEY=key-from-the-env-file\n")
    result = run_cli("fetch", "-o", ".env")
    _refused(result, "the snapshot", Path(".env"), "the settings file", Path(".env"))
    os.link(env, isolated / "hard.json")
    linked = run_cli("fetch", "-o", "hard.json")
    _refused(linked, "the snapshot", Path("hard.json"), "the settings file", Path(".env"))
    assert env.read_text() == "SMARTLEAD_API_KEY=key-from-the-env-file\n"
    policy = isolated / "house.yaml"
    policy.write_text("version: 1\n")
    over_policy = run_cli("fetch", "-o", policy)
    assert (over_policy.code, over_policy.out) == (2, "")
    assert f"refusing to write the snapshot over {policy}: it is a policy file" in over_policy.err
    assert policy.read_text() == "version: 1\n"


def test_schema_never_writes_over_a_policy(run_cli: Run, tmp_path: Path) -> None:
    policy = tmp_path / "house.yaml"
    policy.write_text("version: 1\n")
    result = run_cli("schema", "-o", policy)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"smartlead-audit: error: refusing to write the schema over {policy}: it is a policy file; "
        "nothing was written.\nTip: write it to a .json file.\n"
    )
    assert policy.read_text() == "version: 1\n"
    written = run_cli("schema", "-o", tmp_path / "policy-1.schema.json")
    assert (written.code, written.err) == (0, "")


# --- init and symbolic links -------------------------------------------------------------------


def test_init_refuses_a_symlinked_target_folder(run_cli: Run, tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    link = tmp_path / "repo"
    link.symlink_to(real)
    result = run_cli("init", link)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith(
        f"smartlead-audit: error: refusing to write through {link}: it is a symbolic link "
        f"(to {real}); nothing was written.\n"
    )
    assert list(real.iterdir()) == []


@pytest.mark.parametrize("folder", ["policies", ".github", ".github/workflows"])
def test_init_refuses_a_symlinked_folder_it_would_write_in(
    run_cli: Run, tmp_path: Path, folder: str
) -> None:
    repo = tmp_path / "repo"
    (repo / folder).parent.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / folder).symlink_to(outside)
    for flags in ([], ["--force"]):
        result = run_cli("init", repo, *flags)
        assert result.code == 2
        assert f"refusing to write through {repo / folder}: it is a symbolic link" in result.err
    assert list(outside.iterdir()) == []
    assert [files for _, _, files in os.walk(repo) if files] == []  # nothing written


def test_init_through_real_folders_is_unchanged(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    result = run_cli("init", tmp_path)
    assert result.code == 0, result.err
    assert "smartlead-audit fetch -o snapshots/inventory.json" in result.out
    assert (tmp_path / "policies" / "house.yaml").is_file()


def test_a_clean_inventory_check_still_passes(
    run_cli: Run, write_json: Callable[..., Path], write_policy: Callable[..., Path]
) -> None:
    """The refusal compares paths; it does not refuse outputs beside inputs."""
    inventory = write_json([wire()])
    policy = write_policy("version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n")
    out = inventory.parent
    result = run_cli(
        "check", "--inventory", inventory, "--policy", policy, "--format", "json",
        "--output-dir", out, "--write-baseline", out / "baseline.json", "-q",
    )  # fmt: skip
    assert (result.code, result.err) == (0, "")
    assert (out / "audit.json").is_file() and (out / "baseline.json").is_file()
