"""End-to-end benchmark of `smartlead-audit check` on generated inventories.

For each size it prints: the wall time of the real CLI (a subprocess, formats json, markdown,
html and sarif, the shipped `baseline` preset), its peak RSS, a stage breakdown measured
in-process (load + validate, evaluate, each report), and the time of a bare `json.load` of the
same file in the same run, with our total as a ratio of it. Machines here are shared and noisy,
so the CLI and `json.load` run ``--runs`` times, alternately, and the figures are medians (with
the fastest and slowest run): read the ratios, not the seconds.

    python bench/check.py                   # 1k, 10k, 50k, 100k
    python bench/check.py --sizes 1000 5000 # quick
    python bench/check.py --sizes 50000 --runs 11
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

FORMATS = ("json", "markdown", "html", "sarif")


def write_inventory(folder: Path, size: int) -> Path:
    from auditor.testing.generator import generate_accounts

    path = folder / f"inventory-{size}.json"
    path.write_text(json.dumps(generate_accounts(size, seed=size)))
    return path


def write_policy(folder: Path) -> Path:
    path = folder / "policy.yaml"
    path.write_text("version: 1\nextends: [baseline]\n")
    return path


def child(inventory: Path, policy: Path, out: Path) -> None:
    """Stage timings in one process; prints one JSON line."""
    from auditor.engine import evaluate
    from auditor.gcpause import gc_paused
    from auditor.models import FailOn
    from auditor.policy.loader import load_policy
    from auditor.report import FILE_FORMATS, ReportFormat
    from auditor.sources.snapshot import SnapshotSource

    stages: dict[str, float] = {}
    with gc_paused():  # as `check` does, from reading the inventory through the last report
        start = time.perf_counter()
        loaded = load_policy([policy])
        source = SnapshotSource(inventory).load()
        stages["load+validate"] = time.perf_counter() - start
        mark = time.perf_counter()
        result = evaluate(loaded, source, fail_on=FailOn.ERROR, now=datetime.now(UTC))
        stages["evaluate"] = time.perf_counter() - mark
        for name in FORMATS:
            fmt = FILE_FORMATS[ReportFormat(name)]
            mark = time.perf_counter()
            if fmt.early is None:
                text = fmt.render(result)
            else:  # `check` runs this part beside the evaluation, on the other core
                part = fmt.early.prepare(result.accounts)
                stages[f"{name}: inventory part"] = time.perf_counter() - mark
                mark = time.perf_counter()
                text = fmt.early.finish(result, lambda part=part: part)
                name = f"{name}: finish"
            (out / fmt.filename).write_text(text, encoding="utf-8")
            stages[name] = time.perf_counter() - mark
    print(
        json.dumps(
            {
                "stages": stages,
                "findings": len(result.findings),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def bare_json_load(inventory: Path) -> float:
    code = (
        "import json,sys,time; t=time.perf_counter(); json.load(open(sys.argv[1]));"
        "print(time.perf_counter()-t)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(inventory)], capture_output=True, text=True, check=True
    )
    return float(result.stdout)


# Runs the CLI and prints its wall time, exit code and peak RSS: the largest of its process and
# the children it forks (reaped by it, so counted in what the launcher sees of its children).
LAUNCHER = (
    "import resource,subprocess,sys,time; t=time.perf_counter();"
    "code=subprocess.run(sys.argv[1:], capture_output=True).returncode;"
    "print(time.perf_counter()-t, code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def cli_run(inventory: Path, policy: Path, out: Path) -> tuple[float, int, float]:
    """Wall time, exit code and peak RSS (MB) of the real CLI."""
    argv = [
        sys.executable,
        "-c",
        LAUNCHER,
        sys.executable,
        "-m",
        "auditor",
        "check",
        "--inventory",
        str(inventory),
        "--policy",
        str(policy),
        "--output-dir",
        str(out),
        "--quiet",
    ]
    for name in FORMATS:
        argv += ["--format", name]
    completed = subprocess.run(argv, capture_output=True, text=True, check=True)
    wall, code, peak_kb = completed.stdout.split()
    return float(wall), int(code), int(peak_kb) / 1024


class Spread:
    """Seconds over several runs: the median, and the fastest and slowest."""

    def __init__(self, runs: list[float]) -> None:
        self.runs = runs
        self.median = statistics.median(runs)

    def __str__(self) -> str:
        if len(self.runs) == 1:
            return f"{self.median:7.2f} s"
        return f"{self.median:7.2f} s   ({min(self.runs):.2f} to {max(self.runs):.2f} s, " \
            f"{len(self.runs)} runs)"


def measure(folder: Path, size: int, runs: int) -> dict[str, object]:
    inventory = write_inventory(folder, size)
    policy = write_policy(folder)
    out = folder / f"reports-{size}"
    out.mkdir()
    loads: list[float] = []
    walls: list[float] = []
    peak = 0.0
    for _ in range(runs):  # alternately, so that a slow spell of the machine slows both
        loads.append(bare_json_load(inventory))
        wall, code, run_peak = cli_run(inventory, policy, out)
        walls.append(wall)
        peak = max(peak, run_peak)
    baseline, wall_spread = Spread(loads), Spread(walls)
    staged = subprocess.run(
        [sys.executable, __file__, "--child", str(inventory), str(policy), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(staged.stdout)
    return {
        "size": size,
        "mb": inventory.stat().st_size / 1e6,
        "json_load": baseline,
        "wall": wall_spread,
        "exit": code,
        "cli_peak_rss_mb": peak,
        **figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000, 100_000])
    parser.add_argument("--runs", type=int, default=5,
                        help="CLI runs (and json.load runs) per size; medians are reported")
    parser.add_argument(
        "--child", nargs=3, metavar=("INVENTORY", "POLICY", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(*(Path(p) for p in args.child))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            row = measure(Path(tmp), size, args.runs)
            rows.append(row)
            stages, wall, load = row["stages"], row["wall"], row["json_load"]
            assert isinstance(stages, dict)
            assert isinstance(wall, Spread) and isinstance(load, Spread)
            total = sum(stages.values())
            print(
                f"\n{size:>7} accounts ({row['mb']:.1f} MB, {row['findings']} findings), "
                f"exit {row['exit']}"
            )
            print(f"  CLI wall time        {wall}")
            print(f"  bare json.load       {load}")
            print(f"  CLI / json.load      {wall.median / load.median:7.1f}x (medians)")
            print(
                f"  CLI peak RSS         {row['cli_peak_rss_mb']:7.0f} MB (staged, one process: "
                f"{row['peak_rss_mb']:.0f} MB)"
            )
            print(
                f"  staged total         {total:7.2f} s   = {total / load.median:.1f}x json.load"
            )
            for name, seconds in stages.items():
                print(
                    f"    {name:24} {seconds:7.2f} s   = {seconds / load.median:.2f}x json.load"
                )
    by_size = {row["size"]: row for row in rows}
    if 50_000 in by_size and 100_000 in by_size:
        large, small = by_size[100_000]["wall"], by_size[50_000]["wall"]
        assert isinstance(large, Spread) and isinstance(small, Spread)
        print(f"\ngrowth 50k -> 100k (CLI wall time, medians): {large.median / small.median:.2f}x "
              "(linear would be 2.0x)")


if __name__ == "__main__":
    main()
