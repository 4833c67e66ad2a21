"""Live-fetch benchmark: our concurrent, paced fetch vs the lower bound and vs a sequential pager.

The test server (its own process, 127.0.0.1 only) answers after LATENCY seconds and enforces R
requests per second as a **strict sliding window** (never more than R in any 1-second window;
429 + Retry-After beyond). Our pages overlap by one record, so a fetch of N accounts needs
ceil(N/99) requests: the bound is that many requests at R per second (one request less than the
issue's (ceil(N/99) + 1)/R, which counted a re-read of the last page that the fetch no longer
makes). For each N and R this prints our time and its ratio to the bound, the
requests we used (past the end of the list, repeated), the 429s we got, a plain sequential pager's
time (one request after another, same client and parsing), and each fetch's peak RSS (every fetch
runs in a fresh process). Then one row each against a token-bucket and a multi-window
(per second + per minute) server. It asserts nothing: it prints figures.

    python bench/fetch.py                       # N = 5,000 and 50,000; R = 10 and 50 (~5 min)
    python bench/fetch.py --quick               # N = 2,000; R = 10 and 50
    python bench/fetch.py --sizes 5000 --rates 10 --repeat 3 --no-others
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import trees
from shapes import SHAPES, Shape

from auditor.api_settings import Settings
from auditor.model.account import EmailAccount
from auditor.sources.api import ApiSource
from auditor.sources.inventory import parse_accounts
from auditor.sources.pacing import Pacer, windows_for
from auditor.testing.generator import generate_accounts

KEY = "bench-key-0123456789"


@contextmanager
def served(
    accounts: int,
    rate: float,
    latency: float,
    limiter: str = "sliding",
    *extra: str,
    shape: Shape = "default",
) -> Iterator[str]:
    """The test server in its own process; yields its base URL (127.0.0.1, random port). A
    shape other than the generator's default is served from a file (`bench/shapes.py`)."""
    folder = tempfile.TemporaryDirectory()
    if shape != "default":
        # Written by a child process: made here, its peak RSS would show in every fetch worker
        # this process starts (Linux carries ru_maxrss across exec).
        inventory = trees.write_inventory(Path(folder.name) / "inventory.json", accounts, shape)
        extra = (*extra, "--inventory", str(inventory))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditor.testing.server",
            "--accounts",
            str(accounts),
            "--rate",
            str(rate),
            "--limiter",
            limiter,
            "--latency",
            str(latency),
            "--api-key",
            KEY,
            *extra,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        match = re.search(r"http://127\.0\.0\.1:\d+/api/v1", process.stdout.readline())
        if match is None:
            raise SystemExit("the test server did not start")
        yield match.group(0)
    finally:
        process.terminate()
        process.wait(timeout=30)
        folder.cleanup()


def settings(url: str, rate: float, concurrency: int | None, per_minute: float) -> Settings:
    values: dict[str, object] = {
        "api_key": KEY,
        "base_url": url,
        "rate": rate,
        "rate_per_minute": per_minute,
        "rate_per_hour": 0,
    }
    if concurrency:
        values["concurrency"] = concurrency
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


async def sequential(config: Settings) -> tuple[int, int]:
    """The usual client: one page after another, offset += len(page), same client and parsing."""
    pacer = Pacer(windows_for(config.rate, config.rate_per_minute))
    accounts: list[EmailAccount] = []
    requests = offset = 0
    async with httpx.AsyncClient(timeout=config.timeout) as client:
        while True:
            ticket = await pacer.acquire()
            requests += 1
            response = await client.get(
                f"{config.base_url}/email-accounts/",
                params={
                    "api_key": KEY,
                    "fetch_campaigns": "true",
                    "offset": str(offset),
                    "limit": "100",
                },
            )
            pacer.observe(ticket, response.status_code, response.headers)
            if response.status_code == 429:
                continue
            response.raise_for_status()
            page = parse_accounts(response.json(), where=f"offset {offset}")
            accounts.extend(page)
            offset += len(page)
            if len(page) < 100:
                return len(accounts), requests, pacer.limited


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def warm_up() -> None:
    """Imports, TLS context and pydantic schemas: paid once per process, not part of a fetch."""

    async def client() -> None:
        async with httpx.AsyncClient():
            pass

    asyncio.run(client())
    parse_accounts(generate_accounts(1))


def worker(
    kind: str, url: str, rate: float, concurrency: int | None, trace: bool, per_minute: float
) -> None:
    """One measurement in a fresh process, so its peak memory is its own; prints JSON."""
    config = settings(url, rate, concurrency, per_minute)
    # As ``auditor.cli.entry`` tunes the process for a real fetch: with 50,000 accounts alive,
    # Python's default collections walk the whole heap every few pages and stall the pacer.
    gc.set_threshold(200_000, 50, 100)
    warm_up()
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    past_end = repeated = 0
    if kind == "ours":
        source = ApiSource(config)
        inventory = source.load()
        accounts = len(inventory.accounts)
        tally = source.tally
        assert tally is not None
        requests, limited = tally.requests, tally.rate_limited
        past_end, repeated = tally.past_end, tally.repeated
    else:
        accounts, requests, limited = asyncio.run(sequential(config))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    heap = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    print(
        json.dumps(
            {
                "seconds": seconds,
                "accounts": accounts,
                "requests": requests,
                "past_end": past_end,
                "repeated": repeated,
                "limited": limited,
                "peak_rss_mb": peak_rss_mb(),
                "heap_mb": heap,
                "cpu_ms_per_request": cpu / requests * 1000,
            }
        )
    )


def measure(
    kind: str,
    url: str,
    rate: float,
    concurrency: int | None,
    trace: bool = False,
    per_minute: float = 0,
) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", kind, "--url", url, "--rates", str(rate)]
    command += ["--per-minute", str(per_minute)]
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    if trace:
        command.append("--tracemalloc")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bound_seconds(size: int, rate: float, per_minute: int = 0) -> float:
    """The needed requests at R per second (and M per minute): the issue's measure, not a floor
    (the last request can leave a window earlier; its answer takes a round trip more)."""
    needed = math.ceil(size / 99)
    if not per_minute:
        return needed / rate
    minutes, rest = divmod(needed - 1, per_minute)
    return max(needed / rate, 60 * minutes + (rest + 1) / rate)


def row(
    label: str,
    size: int,
    rate: float,
    runs: list[dict[str, Any]],
    seq: dict[str, Any] | None,
    per_minute: int = 0,
) -> str:
    bound = bound_seconds(size, rate, per_minute)
    times = sorted(r["seconds"] for r in runs)
    median = statistics.median(times)
    worst = times[-1]
    spread = f"{times[0] / bound:.2f}-{worst / bound:.2f}x" if len(times) > 1 else "-"
    last = runs[-1]
    seq_text = speedup = "-"
    if seq is not None:
        seq_text = f"{seq['seconds']:.2f}"
        speedup = f"{seq['seconds'] / median:.2f}x"
    heap = f" {last['heap_mb']:>4.0f} MB" if last.get("heap_mb") is not None else ""
    return (
        f"{label:>8} {size:>6} {rate:>4.0f} {bound:>7.2f} {median:>7.2f} {median / bound:>6.2f}x "
        f"{spread:>11} {worst / bound:>6.2f}x {last['requests']:>5}/{math.ceil(size / 99):<5} "
        f"{last['past_end']:>4} {last['repeated']:>4} {max(r['limited'] for r in runs):>4} "
        f"{seq_text:>7} {speedup:>7} {last['peak_rss_mb']:>5.0f} MB "
        f"{last['cpu_ms_per_request']:>5.1f} ms" + heap
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,50000", help="N values (5000,50000)")
    parser.add_argument("--rates", default="10,50", help="R values, requests/s (10,50)")
    parser.add_argument("--latency", type=float, default=0.2, help="server latency, s (0.2)")
    parser.add_argument("--concurrency", type=int, help="our --concurrency (default setting)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of ours per row (1)")
    parser.add_argument("--no-sequential", action="store_true", help="skip the sequential pager")
    parser.add_argument("--no-others", action="store_true", help="skip bucket / multi rows")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report the Python heap peak of each fetch (slows the fetch: "
        "times are then not comparable)",
    )
    parser.add_argument("--quick", action="store_true", help="N = 2000 only: a quick look")
    parser.add_argument(
        "--shape", choices=SHAPES, default="default", help="inventory shape (bench/shapes.py)"
    )
    parser.add_argument("--worker", choices=("ours", "sequential"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--per-minute", type=float, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rates = [float(r) for r in args.rates.split(",")]
    if args.worker:
        worker(args.worker, args.url, rates[0], args.concurrency, args.tracemalloc, args.per_minute)
        return 0
    sizes = [2000] if args.quick else [int(s) for s in args.sizes.split(",")]

    print(
        f"{args.shape} inventory; server latency {args.latency * 1000:.0f} ms/request; "
        "bound = ceil(N/99)/R; "
        "each fetch in a fresh process (peak RSS is its own); server in another process",
        flush=True,
    )
    header = (
        f"{'limiter':>8} {'N':>6} {'R':>4} {'bound s':>7} {'ours s':>7} {'ours/bd':>7} "
        f"{'range/bd':>11} {'worst':>7} {'req/ceil(N/99)':>11} {'past':>4} {'rep':>4} {'429':>4} "
        f"{'seq s':>7} {'seq/ours':>7} {'peak RSS':>8} {'CPU/req':>8}"
    )
    print(header)
    print("-" * len(header), flush=True)
    for size in sizes:
        for rate in rates:
            with served(size, rate, args.latency, shape=args.shape) as url:
                runs = []
                for _ in range(args.repeat):
                    runs.append(measure("ours", url, rate, args.concurrency, args.tracemalloc))
                    assert runs[-1]["accounts"] == size, runs[-1]
                    time.sleep(1.1)  # the server's window empties between runs
                seq = None
                if not args.no_sequential:
                    seq = measure("sequential", url, rate, None)
                    assert seq["accounts"] == size, seq
            print(row("sliding", size, rate, runs, seq), flush=True)
    if not args.no_others:
        size, rate = sizes[0], rates[0]
        with served(size, rate, args.latency, "bucket", shape=args.shape) as url:
            runs = [measure("ours", url, rate, args.concurrency)]
        print(row("bucket", size, rate, runs, None), flush=True)
        # per second + a minute budget that binds: the minute window holds the fetch back
        per_minute = max(10, math.ceil(size / 99) // 2)
        others = ("--per-minute", str(per_minute))
        with served(size, rate, args.latency, "multi", *others, shape=args.shape) as url:
            runs = [measure("ours", url, rate, args.concurrency, per_minute=per_minute)]
        print(
            row("multi", size, rate, runs, None, per_minute) + f"  (+{per_minute}/min)", flush=True
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
