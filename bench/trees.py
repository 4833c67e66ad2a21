"""Shared by bench/check.py and bench/same_output.py: which code trees to compare, and how to run
one tree's CLI. Only the CLI (a subprocess with PYTHONPATH=<tree>) and
`auditor.testing.generator` are used, never the package's internals, whose paths change.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def add_tree_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--baseline-tree", type=Path, help="a checkout of the baseline code")
    group.add_argument("--baseline-rev", help="a git revision, checked out in a temporary worktree")
    parser.add_argument(
        "--new-tree", type=Path, default=REPO, help="the code to measure (default: this repo)"
    )


@contextmanager
def baseline_tree(args: argparse.Namespace) -> Iterator[Path]:
    """The baseline tree: ``--baseline-tree`` as given, or a temporary detached worktree of
    ``--baseline-rev`` that is removed afterwards."""
    if args.baseline_tree is not None:
        yield args.baseline_tree.resolve()
        return
    holder = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    tree = holder / "tree"
    subprocess.run(
        [
            "git",
            "-C",
            str(REPO),
            "worktree",
            "add",
            "--detach",
            "--quiet",
            str(tree),
            args.baseline_rev,
        ],
        check=True,
    )
    try:
        yield tree
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False
        )
        shutil.rmtree(holder, ignore_errors=True)


def cli_env(tree: Path, **extra: str) -> dict[str, str]:
    """The environment for running ``python -m auditor`` from ``tree``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMARTLEAD_", "FORCE_COLOR"))}
    env.update(PYTHONPATH=str(tree), NO_COLOR="1", **extra)
    return env


def cli_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "auditor", *args]


def write_inventory(path: Path, size: int, shape: str, seed: int | None = None) -> Path:
    """A generated inventory, written by a child process, so that this process stays small
    (its memory would otherwise show up in each forked CLI until it execs)."""
    code = (
        "import json,sys; from shapes import generate as g;"
        "a=g(int(sys.argv[2]), seed=int(sys.argv[3]), shape=sys.argv[4]);"
        "open(sys.argv[1], 'w', encoding='utf-8').write(json.dumps(a, ensure_ascii=False))"
    )
    seed_arg = str(size if seed is None else seed)
    subprocess.run(
        [sys.executable, "-c", code, str(path), str(size), seed_arg, shape],
        env={**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'bench'}"},
        check=True,
    )
    return path


def describe(tree: Path) -> str:
    """``path (commit, +dirty)`` for the report header."""
    rev = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--", "auditor"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{tree} ({rev or '?'}{', with uncommitted changes' if dirty else ''})"
