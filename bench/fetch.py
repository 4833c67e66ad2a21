"""Live-fetch benchmark: our concurrent, paced fetch vs the lower bound and vs a sequential pager.

With the test server at LATENCY seconds per request and a rate limit of R requests/second, fetching
N accounts needs at least ceil(N/100)/R seconds. For each N and R this prints our time, a plain
sequential pager's time (one request after another, same httpx client settings and the same
parsing), their ratios to the bound, request counts and each fetch's peak memory (every fetch runs
in a fresh process). It asserts nothing: it prints figures. The test server runs in a process of
its own (as the real API would), on 127.0.0.1 only.

    python bench/fetch.py                       # N = 10,000 and 50,000; R = 10 and 50 (~7 min)
    python bench/fetch.py --quick               # N = 2,000; R = 10 and 50 (~30 s)
    python bench/fetch.py --sizes 5000 --rates 5 --no-sequential
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from auditor.api_settings import Settings
from auditor.model.account import EmailAccount
from auditor.sources.api import ApiSource
from auditor.sources.inventory import parse_accounts
from auditor.sources.pacing import Pacer
from auditor.testing.generator import generate_accounts

KEY = "bench-key-0123456789"


@contextmanager
def test_server(accounts: int, rate: float, latency: float) -> Iterator[str]:
    """The test server in its own process; yields its base URL (127.0.0.1, random port)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditor.testing.server",
            "--accounts",
            str(accounts),
            "--rate",
            str(rate),
            "--latency",
            str(latency),
            "--api-key",
            KEY,
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


def settings(url: str, rate: float, concurrency: int | None) -> Settings:
    values: dict[str, object] = {"api_key": KEY, "base_url": url, "rate": rate}
    if concurrency:
        values["concurrency"] = concurrency
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


async def sequential(config: Settings) -> tuple[int, int]:
    """The usual client: one page after another, offset += len(page), same client and parsing."""
    pacer = Pacer(config.rate)
    accounts: list[EmailAccount] = []
    requests = offset = 0
    async with httpx.AsyncClient(timeout=config.timeout) as client:
        while True:
            await pacer.acquire()
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
            response.raise_for_status()
            page = parse_accounts(response.json(), where=f"offset {offset}")
            accounts.extend(page)
            offset += len(page)
            if len(page) < 100:
                return len(accounts), requests


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def warm_up() -> None:
    """Imports, TLS context and pydantic schemas: paid once per process, not part of a fetch."""

    async def client() -> None:
        async with httpx.AsyncClient():
            pass

    asyncio.run(client())
    parse_accounts(generate_accounts(1))


def worker(kind: str, url: str, rate: float, concurrency: int | None, trace: bool) -> None:
    """One measurement in a fresh process, so its peak memory is its own; prints JSON."""
    config = settings(url, rate, concurrency)
    warm_up()
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    if kind == "ours":
        inventory = ApiSource(config).load()
        accounts = len(inventory.accounts)
        stats = inventory.info.stats
        assert stats is not None
        requests, retries = stats.requests, stats.retries
    else:
        accounts, requests = asyncio.run(sequential(config))
        retries = 0
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    heap = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    print(
        json.dumps(
            {
                "seconds": seconds,
                "accounts": accounts,
                "requests": requests,
                "retries": retries,
                "peak_rss_mb": peak_rss_mb(),
                "heap_mb": heap,
                "cpu_ms_per_request": cpu / requests * 1000,
            }
        )
    )


def measure(
    kind: str, url: str, rate: float, concurrency: int | None, trace: bool = False
) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", kind, "--url", url, "--rates", str(rate)]
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    if trace:
        command.append("--tracemalloc")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000", help="N values (10000,50000)")
    parser.add_argument("--rates", default="10,50", help="R values, requests/s (10,50)")
    parser.add_argument("--latency", type=float, default=0.2, help="server latency, s (0.2)")
    parser.add_argument("--concurrency", type=int, help="our --concurrency (default setting)")
    parser.add_argument("--no-sequential", action="store_true", help="skip the sequential pager")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report the Python heap peak of each fetch (slows the fetch: "
        "times are then not comparable)",
    )
    parser.add_argument("--quick", action="store_true", help="N = 2000 only: a quick look")
    parser.add_argument("--worker", choices=("ours", "sequential"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rates = [float(r) for r in args.rates.split(",")]
    if args.worker:
        worker(args.worker, args.url, rates[0], args.concurrency, args.tracemalloc)
        return 0
    sizes = [2000] if args.quick else [int(s) for s in args.sizes.split(",")]

    print(
        f"server latency {args.latency * 1000:.0f} ms/request; bound = ceil(N/100)/R; each "
        "fetch in a fresh process (peak RSS is its own); server in another process",
        flush=True,
    )
    header = (
        f"{'N':>7} {'R':>4} {'bound s':>8} {'ours s':>7} {'ours/bd':>8} {'seq s':>7} "
        f"{'seq/bd':>7} {'seq/ours':>8} {'requests':>8} {'retries':>7} {'peak RSS':>9} "
        f"{'CPU/req':>8}" + (f" {'heap':>7}" if args.tracemalloc else "")
    )
    print(header)
    print("-" * len(header), flush=True)
    for size in sizes:
        for rate in rates:
            bound = math.ceil(size / 100) / rate
            with test_server(size, rate, args.latency) as url:
                ours = measure("ours", url, rate, args.concurrency, args.tracemalloc)
                assert ours["accounts"] == size, ours
                seq_text = ratio_text = speedup = "-"
                if not args.no_sequential:
                    time.sleep(1.5)  # let the server's allowance refill between runs
                    seq = measure("sequential", url, rate, None)
                    assert seq["accounts"] == size, seq
                    seq_text = f"{seq['seconds']:.2f}"
                    ratio_text = f"{seq['seconds'] / bound:.2f}x"
                    speedup = f"{seq['seconds'] / ours['seconds']:.1f}x"
            heap = f" {ours['heap_mb']:>4.0f} MB" if args.tracemalloc else ""
            print(
                f"{size:>7} {rate:>4.0f} {bound:>8.2f} {ours['seconds']:>7.2f} "
                f"{ours['seconds'] / bound:>7.2f}x {seq_text:>7} {ratio_text:>7} {speedup:>8} "
                f"{ours['requests']:>8} {ours['retries']:>7} {ours['peak_rss_mb']:>6.0f} MB "
                f"{ours['cpu_ms_per_request']:>5.1f} ms" + heap,
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
