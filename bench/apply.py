"""``apply`` benchmark: wall time of ``smartlead-audit apply --yes`` against its lower bound.

The test server (its own process, 127.0.0.1 only) serves ACCOUNTS accounts with a rate limit of R
requests/second shared by reads and writes, as SmartLead's is, and LATENCY seconds per answer. A
plan of CHANGES changes (one per account: daily-send-limit) is made first, outside the timing.
Apply then needs at least (writes + pages read before + pages read back) / R seconds: this prints
its wall time (the whole process, start-up included), that bound, their ratio (target: within
1.2x), the requests made and the outcome. It asserts nothing.

    python bench/apply.py                     # 1,000 changes at R = 10 (~2 min)
    python bench/apply.py --changes 200       # ~25 s
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch import KEY, test_server

POLICY = "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 10\n"


def run(args: list[str], env: dict[str, str], cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--latency", type=float, default=0.05)
    options = parser.parse_args()
    with (
        test_server(options.accounts, options.rate, options.latency) as url,
        tempfile.TemporaryDirectory() as work,
    ):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SMARTLEAD_")},
            "SMARTLEAD_API_KEY": KEY,
            "SMARTLEAD_BASE_URL": url,
            "SMARTLEAD_RATE": str(options.rate),
            # The test server limits requests per second only: the guide's minute and hour
            # budgets (60, 1,000) would make this a measure of them instead.
            "SMARTLEAD_RATE_PER_MINUTE": "0",
            "SMARTLEAD_RATE_PER_HOUR": "0",
        }
        Path(work, "policies").mkdir()
        Path(work, "policies", "limit.yaml").write_text(POLICY)
        planned = run(
            ["plan", "-o", "plan.json", "--max-changes", str(options.changes), "-q"], env, work
        )
        if planned.returncode != 0:
            raise SystemExit(f"plan failed: {planned.stderr}")
        changes = len(json.loads(Path(work, "plan.json").read_text())["changes"])
        time.sleep(2.0)  # the server's bucket refills after the plan's fetch
        started = time.monotonic()
        applied = run(["apply", "plan.json", "--yes", "-q"], env, work)
        wall = time.monotonic() - started
    pages = options.accounts // 100 + 1
    reads = min(changes, pages)  # apply reads by pages or by account, whichever is fewer
    bound = (changes + 2 * reads) / options.rate
    print(
        f"apply: {changes} changes, {options.accounts} accounts, R = {options.rate:g}/s, "
        f"latency {options.latency:g}s"
    )
    print(f"  outcome (exit {applied.returncode}): {applied.stdout.strip()}")
    print(f"  bound  {bound:8.1f} s  ({changes} writes + 2 x {reads} reads at R)")
    print(f"  wall   {wall:8.1f} s  = {wall / bound:.3f} x bound (target <= 1.2)")
    return 0 if applied.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
