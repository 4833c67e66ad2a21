"""DNS collection benchmark: the evidence for N sender domains against the local test DNS server
(in a process of its own, on 127.0.0.1 only) answering after LATENCY seconds.

The bound is queries / concurrency x latency: the time if every slot were always busy. It prints
the queries, qps, our time and its ratio to the bound (target: within 1.5x), the client's CPU per
query (on a busy machine, CPU rather than latency is what bounds the rate), then the same run
with one unreachable domain (never answers) added: the extra time it costs, against the deadline
(it must stall the run by at most its deadline, never more). It asserts nothing: it prints.

    python bench/dns.py                      # 5,000 domains, 5 ms, concurrency 50 (~1 min)
    python bench/dns.py --domains 500 --repeat 1
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is bench/dns.py: run as a script, its folder comes first on sys.path and would
# shadow dnspython's `dns` package. Drop it before anything imports dns.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import re
import statistics
import subprocess
import tempfile
import time

from ruamel.yaml import YAML

from auditor.dns.collect import collect, default_checks
from auditor.dns.resolver import Nameserver, Resolver
from auditor.sources.inventory import parse_accounts

KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtCdMi/H7EtC2xFekcBlNFDcrQ0wJVYFxQR+t9Qu/Et71YFUAQJF7cVaiAKT7URRwGsRBD/VkIQg8P0F4QV5/7PT4P0j6mKs8tiuGK1rPuD39REAb1FwYK9cWNWbyhBvWNu6z7FSIaqpXGqixICT3isPeFtIzq7Ton5+Bp6TBpMwKachjjn46Sb3Hdy9D4wlj1YJPKTOwfIkERfSLttdWj2M+XqSY3JOZWbv4/fAkQi4N/kARW32k12Zi8EQeFQLiz9MovfivixNsqAF+RNK/7kij7mlFj/by6ccskg4h2b1Ew9teqdOtPRDkW1WgcmXltzI7JY7rODQS+aEwGB0hnwIDAQAB"
UNREACHABLE = "unreachable.example"
AFTER = re.compile(r"after (\d+\.\d+) s")
LONGEST_WAIT = 0.0


def zone(domains: int) -> dict[str, object]:
    records: dict[str, object] = {"_spf.google.com": {"TXT": ["v=spf1 ip4:192.0.2.0/24 ~all"]}}
    for i in range(domains):
        d = f"d{i}.example"
        records[d] = {"TXT": ["v=spf1 include:_spf.google.com -all"], "MX": [f"10 mx.{d}."]}
        records[f"mx.{d}"] = {"A": ["192.0.2.1"]}
        records[f"_dmarc.{d}"] = {"TXT": ["v=DMARC1; p=none"]}
        records[f"google._domainkey.{d}"] = {"TXT": [f"v=DKIM1; k=rsa; p={KEY}"]}
        records[f"track.{d}"] = {"CNAME": ["open.sleadtrack.com."]}
    records[UNREACHABLE] = {"*": "timeout"}
    return {"records": records}


def accounts(domains: int, unreachable: bool) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {
            "id": i + 1,
            "from_email": f"a@d{i}.example",
            "type": "GMAIL",
            "custom_tracking_domain": f"track.d{i}.example",
        }
        for i in range(domains)
    ]
    if unreachable:
        rows.append({"id": domains + 1, "from_email": f"a@{UNREACHABLE}", "type": "GMAIL"})
    return rows


def run(
    port: int, domains: int, unreachable: bool, concurrency: int, deadline: float
) -> tuple[float, int, float]:
    parsed = parse_accounts(accounts(domains, unreachable))
    resolver = Resolver([Nameserver("127.0.0.1", port)], concurrency=concurrency, deadline=deadline)
    started, cpu = time.perf_counter(), time.process_time()
    evidence = asyncio.run(collect(default_checks(parsed), parsed, resolver))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    # The longest any failed query waited (the resolver notes it): at most the deadline.
    waits = [float(m.group(1)) for a in evidence.answers.values() if (m := AFTER.search(a.detail))]
    global LONGEST_WAIT
    LONGEST_WAIT = max(waits, default=0.0)
    return elapsed, resolver.queries, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.005)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--deadline", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zone.yaml"
        YAML(typ="safe").dump(zone(args.domains), path)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "auditor.testing.dns_server",
                str(path),
                "--latency",
                str(args.latency),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = server.stdout.readline() if server.stdout else ""
            port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
            print(
                f"{args.domains} domains, latency {args.latency * 1000:g} ms, concurrency "
                f"{args.concurrency}, deadline {args.deadline:g} s; {args.repeat} runs each (median, range)"
            )
            for unreachable in (False, True):
                times, cpus, queries = [], [], 0
                for _ in range(args.repeat):
                    elapsed, queries, cpu = run(
                        port, args.domains, unreachable, args.concurrency, args.deadline
                    )
                    times.append(elapsed)
                    cpus.append(cpu)
                bound = queries / args.concurrency * args.latency
                median = statistics.median(times)
                label = "with 1 unreachable domain" if unreachable else "all reachable"
                print(
                    f"{label:27} queries {queries:6}  bound {bound:6.2f} s  ours {median:6.2f} s "
                    f"[{min(times):.2f}-{max(times):.2f}]  ratio {median / bound:4.2f}x  "
                    f"{queries / median:7.0f} qps  client CPU "
                    f"{statistics.median(cpus) / queries * 1e6:4.0f} us/query"
                )
                if not unreachable:
                    reachable = median
                else:
                    print(
                        f"the unreachable domain cost {median - reachable:+.2f} s in total "
                        f"(noise included); its queries gave up after {LONGEST_WAIT:.2f} s "
                        f"(deadline {args.deadline:g} s)"
                    )
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
