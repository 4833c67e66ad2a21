"""The pre-commit hooks, for real: `pre-commit try-repo` against this checkout, in a temporary git
repository with policies and a snapshot. pre-commit builds the hook's environment with pip from
this checkout, so the test exercises the packaging too."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.accounts import wire
from tests.support.shared import REPO

PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
POLICY = "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def this_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """try-repo wants a git repository: the working tree as a commit, uncommitted edits included."""
    copy = tmp_path_factory.mktemp("checkout") / "smartlead-auditor"
    ignore = shutil.ignore_patterns(
        ".git",
        ".venv",
        "reports",
        "__pycache__",
        "*.egg-info",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
    )
    shutil.copytree(REPO, copy, ignore=ignore)
    _git(copy, "init", "-q")
    _git(copy, "add", "-A")
    _git(copy, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "snapshot")
    return copy


@pytest.fixture
def config_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "compliance"
    (repo / "policies").mkdir(parents=True)
    (repo / "snapshots").mkdir()
    (repo / "policies" / "house.yaml").write_text(POLICY)
    (repo / "snapshots" / "inventory.json").write_text(json.dumps([wire(message_per_day=30)]))
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    return repo


def _try_repo(
    checkout: Path, repo: Path, hook: str, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(checkout.parent / "pre-commit-home")}
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(checkout), hook, "--all-files", "--verbose", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )


def _use_hooks(checkout: Path, repo: Path) -> None:
    """The README's .pre-commit-config.yaml snippet, pointing at this checkout."""
    revision = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=checkout, text=True, capture_output=True, check=True
    ).stdout.strip()
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {checkout}\n    rev: {revision}\n    hooks:\n"
        "      - id: smartlead-audit-validate\n"
        "      - id: smartlead-audit\n        args: [--inventory, snapshots/inventory.json]\n"
    )
    _git(repo, "add", "-A")


def _run(checkout: Path, repo: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(checkout.parent / "pre-commit-home")}
    return subprocess.run(
        [PRE_COMMIT, "run", hook, "--all-files", "--verbose"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )


def test_try_repo_validate_hook_passes_on_valid_policies(
    this_checkout: Path, config_repo: Path
) -> None:
    ok = _try_repo(this_checkout, config_repo, "smartlead-audit-validate")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "smartlead-audit validate" in ok.stdout
    assert "Passed" in ok.stdout


def test_validate_hook_names_the_broken_line(this_checkout: Path, config_repo: Path) -> None:
    _use_hooks(this_checkout, config_repo)
    (config_repo / "policies" / "house.yaml").write_text(POLICY.replace("max: 40", "max: lots"))
    _git(config_repo, "add", "-A")
    broken = _run(this_checkout, config_repo, "smartlead-audit-validate")
    assert broken.returncode == 1
    assert "policies/house.yaml:4:10: max: Input should be a valid integer" in broken.stdout


def test_audit_hook_passes_on_a_clean_snapshot_and_fails_with_the_finding(
    this_checkout: Path, config_repo: Path
) -> None:
    _use_hooks(this_checkout, config_repo)

    def run() -> subprocess.CompletedProcess[str]:
        return _run(this_checkout, config_repo, "smartlead-audit")

    clean = run()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "SmartLead audit: PASS" in clean.stdout
    (config_repo / "snapshots" / "inventory.json").write_text(
        json.dumps([wire(id=900123, message_per_day=90)])
    )
    _git(config_repo, "add", "-A")
    failing = run()
    assert failing.returncode == 1
    assert "SmartLead audit: FAIL" in failing.stdout
    assert "900123" in failing.stdout
    assert "message_per_day is 90, above the maximum of 40" in failing.stdout
