"""End-to-end benchmark of `smartlead-audit check` on generated inventories.

For each size it prints: the wall time of the real CLI (a subprocess, formats json, markdown,
html and sarif, the shipped `baseline` preset), its peak RSS, a stage breakdown measured
in-process (load + validate, evaluate, each report), and the time of a bare `json.load` of the
same file in the same run, with our total as a ratio of it. Machines here are shared and noisy:
read the ratios, not the seconds.

    python bench/check.py                   # 1k, 10k, 50k, 100k
    python bench/check.py --sizes 1000 5000 # quick
"""

from __future__ import annotations

import argparse
import json
import resource
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


def measure(folder: Path, size: int) -> dict[str, object]:
    inventory = write_inventory(folder, size)
    policy = write_policy(folder)
    out = folder / f"reports-{size}"
    out.mkdir()
    baseline = bare_json_load(inventory)
    wall, code, peak = cli_run(inventory, policy, out)
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
        "wall": wall,
        "exit": code,
        "cli_peak_rss_mb": peak,
        **figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000, 100_000])
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
            row = measure(Path(tmp), size)
            rows.append(row)
            stages = row["stages"]
            assert isinstance(stages, dict)
            total = sum(stages.values())
            print(
                f"\n{size:>7} accounts ({row['mb']:.1f} MB, {row['findings']} findings), "
                f"exit {row['exit']}"
            )
            print(
                f"  CLI wall time        {row['wall']:7.2f} s   peak RSS {row['cli_peak_rss_mb']:.0f} MB"
                f" (staged, one process: {row['peak_rss_mb']:.0f} MB)"
            )
            print(f"  bare json.load       {row['json_load']:7.2f} s")
            print(
                f"  staged total         {total:7.2f} s   = {total / row['json_load']:.1f}x json.load"
            )
            for name, seconds in stages.items():
                print(
                    f"    {name:24} {seconds:7.2f} s   = {seconds / row['json_load']:.2f}x json.load"
                )
    by_size = {row["size"]: row for row in rows}
    if 50_000 in by_size and 100_000 in by_size:
        growth = float(by_size[100_000]["wall"]) / float(by_size[50_000]["wall"])  # type: ignore[arg-type]
        print(f"\ngrowth 50k -> 100k (CLI wall time): {growth:.2f}x (linear would be 2.0x)")


if __name__ == "__main__":
    main()
