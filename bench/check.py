"""End-to-end benchmark of `smartlead-audit check`: this tree against a baseline tree, via the CLI.

For each shape and size it generates an inventory (`bench/shapes.py`, seed = size),
then runs, ``--runs`` times and alternately (old, new, then new, old, ...), the CLI of both trees:

    python -m auditor check --inventory F --policy P --format json --format markdown
        --format html --format sarif --format junit --format csv --output-dir D --quiet

with PYTHONPATH set to the tree. Shapes and their policies: ``default`` and ``wild`` with the
``baseline`` preset (``extends: [baseline]``), ``scoped`` with ``bench/policies/scoped``. Exit 0
or 1 with all six reports written is a verdict; anything else is an error (its stderr is printed,
the script exits 1, and that tree is skipped for that shape and size).

Measured per run: the wall time (spawn to reap), and the peak RSS of the whole process tree: a
thread polls every 5 ms (about 3 % of a core), lists the CLI's live descendants
(``/proc/<pid>/task/*/children``, recursively: the old CLI forks children that work
concurrently), sums ``VmRSS`` of the CLI and all of them, and keeps the largest sum. Pages a
forked child still shares copy-on-write with its parent count in both, so the sum is an upper
bound; a peak shorter than 5 ms can be missed. Beside it, the kernel's high-water mark of the
largest single process (``ru_maxrss`` from wait4), a lower bound: the true peak lies between.
Also per run, a bare ``json.load`` of the same file (a fresh interpreter, the load alone) as a
reference. Figures are medians with (fastest-slowest): machines here are shared and noisy, so
read the ratios.

    python bench/check.py --baseline-tree /work/old                  # 10k, 50k, 100k; 3 shapes
    python bench/check.py --baseline-rev HEAD~3 --sizes 10000 --runs 3 --shapes default wild
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import trees

# Each format and the file it writes: a run counts only when all of them were written.
FORMATS = {
    "json": "audit.json",
    "markdown": "audit.md",
    "html": "audit.html",
    "sarif": "audit.sarif",
    "junit": "audit.junit.xml",
    "csv": "audit.csv",
}
SHAPES = ("default", "wild", "scoped")
SCOPED_POLICY = trees.REPO / "bench" / "policies" / "scoped"
POLL_SECONDS = 0.005


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):  # gone, or a zombie (no VmRSS line)
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", "rb") as children:
                found += map(int, children.read().split())
    except OSError:
        pass
    return found


def tree_rss_kb(root: int) -> int:
    """Summed VmRSS of ``root`` and its live descendants."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo += _children(pid)
    return total


@dataclass
class Run:
    wall: float
    tree_peak_mb: float
    proc_peak_mb: float
    code: int
    stderr: str


def run_cli(tree: Path, argv: list[str], workdir: Path) -> Run:
    """One CLI run of ``tree``, with its wall time and peak tree RSS (see the module doc)."""
    peak = 0
    done = threading.Event()

    def poll(pid: int) -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(pid))
            done.wait(POLL_SECONDS)

    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=workdir, env=trees.cli_env(tree), stdout=subprocess.DEVNULL, stderr=err
        )
        sampler = threading.Thread(target=poll, args=(proc.pid,), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return Run(wall, peak / 1024, usage.ru_maxrss / 1024, proc.returncode, stderr)


def bare_json_load(inventory: Path) -> float:
    code = (
        "import json,sys,time; t=time.perf_counter(); json.load(open(sys.argv[1],'rb')); "
        "print(time.perf_counter()-t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(inventory)], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def spread(values: list[float], fmt: str = ".2f") -> str:
    if not values:
        return "n/a"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:{fmt}}"
    return f"{median:{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(top: list[float], bottom: list[float]) -> str:
    return f"{median(top) / median(bottom):.2f}x" if top and bottom else "n/a"


@dataclass
class Side:
    """One tree's runs on one inventory; after an error its figures are not reported."""

    runs: list[Run] = field(default_factory=list)
    error: str | None = None

    def figures(self, name: str) -> list[float]:
        return [] if self.error else [getattr(run, name) for run in self.runs]

    @property
    def walls(self) -> list[float]:
        return self.figures("wall")

    @property
    def peaks(self) -> list[float]:
        return self.figures("tree_peak_mb")


@dataclass
class Cell:
    shape: str
    size: int
    mb: float
    sides: dict[str, Side]
    loads: list[float]


def measure(shape: str, size: int, runs: int, code: dict[str, Path], tmp: Path) -> Cell:
    """``runs`` alternating CLI runs of each tree in ``code`` (name: tree) on one inventory."""
    inventory = trees.write_inventory(tmp / f"{shape}-{size}.json", size, shape)
    policy = SCOPED_POLICY if shape == "scoped" else tmp / "baseline.yaml"
    if shape != "scoped":
        policy.write_text("version: 1\nextends: [baseline]\n")
    args = ["check", "--inventory", str(inventory), "--policy", str(policy), "--quiet"]
    for fmt in FORMATS:
        args += ["--format", fmt]
    sides = {name: Side() for name in code}
    loads: list[float] = []
    for index in range(runs):
        loads.append(bare_json_load(inventory))
        for name in list(code) if index % 2 == 0 else list(reversed(code)):
            side = sides[name]
            if side.error is not None:
                continue
            out = tmp / f"out-{name}"
            shutil.rmtree(out, ignore_errors=True)
            run = run_cli(code[name], trees.cli_argv(*args, "--output-dir", str(out)), tmp)
            missing = [f for f in FORMATS.values() if not (out / f).is_file()]
            print(
                f"  {shape:7} {size:>7} run {index + 1}/{runs} {name}: {run.wall:6.2f} s, "
                f"tree peak {run.tree_peak_mb:6.0f} MB, exit {run.code}",
                file=sys.stderr,
            )
            if run.code in (0, 1) and not missing:
                side.runs.append(run)
            else:  # a traceback exits 1 too: hence the check that every report was written
                side.error = f"exit {run.code}" + (f", no {missing[0]}" if missing else "")
                print(
                    f"ERROR: {name}, {shape} {size}: exit {run.code}\n{run.stderr}", file=sys.stderr
                )
    mb = inventory.stat().st_size / 1e6
    inventory.unlink()
    return Cell(shape, size, mb, sides, loads)


def report(cells: list[Cell]) -> None:
    print(
        "| shape | accounts | inventory | json.load s | old wall s | new wall s | new/old wall "
        "| old peak tree RSS MB | new peak tree RSS MB | new/old RSS | largest 1-proc RSS old/new MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in cells:
        old, new = c.sides["old"], c.sides["new"]
        one_proc = [spread(s.figures("proc_peak_mb"), ".0f").split()[0] for s in (old, new)]
        cols = [
            c.shape,
            f"{c.size:,}",
            f"{c.mb:.0f} MB",
            spread(c.loads),
            old.error or spread(old.walls),
            new.error or spread(new.walls),
            ratio(new.walls, old.walls),
            old.error or spread(old.peaks, ".0f"),
            new.error or spread(new.peaks, ".0f"),
            ratio(new.peaks, old.peaks),
            " / ".join(one_proc),
        ]
        print("| " + " | ".join(cols) + " |")
    by_key = {(c.shape, c.size): c for c in cells}
    lines = []
    for shape in SHAPES:
        small, large = by_key.get((shape, 50_000)), by_key.get((shape, 100_000))
        if small and large:
            wall, rss = (
                {
                    n: ratio(getattr(large.sides[n], a), getattr(small.sides[n], a))
                    for n in large.sides
                }
                for a in ("walls", "peaks")
            )
            lines.append(
                f"- {shape}: new wall {wall['new']}, new peak RSS {rss['new']} "
                f"(old: {wall['old']}, {rss['old']})"
            )
    if lines:
        print("\nGrowth 50k -> 100k (medians; linear is 2.00x):\n" + "\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    trees.add_tree_options(parser)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument("--runs", type=int, default=5, help="CLI runs per tree, shape and size")
    args = parser.parse_args()
    with trees.baseline_tree(args) as old, tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        code = {"old": old, "new": args.new_tree.resolve()}
        print(f"old: {trees.describe(old)}\nnew: {trees.describe(code['new'])}")
        print(
            f"{args.runs} runs each, alternating; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}\n"
        )
        sys.stdout.flush()
        cells = [
            measure(shape, size, args.runs, code, Path(tmp))
            for shape in args.shapes
            for size in args.sizes
        ]
    report(cells)
    return 1 if any(side.error for c in cells for side in c.sides.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
