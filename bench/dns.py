"""DNS collection benchmark: the evidence for N sender domains against the local test DNS server
(in a process of its own, on 127.0.0.1 only) answering after LATENCY seconds.

The bound is queries / concurrency x latency: the time if every slot were always busy. It prints
the queries, qps, our time and its ratio to the bound (target: within 1.5x), the client's and the
server's CPU per query (on a busy machine, CPU rather than latency is what bounds the rate), then
the same run with one unreachable domain (never answers) added: the extra time it costs, against
the deadline (it must stall the run by at most its deadline, never more). It asserts nothing.

Each run is made twice, interleaved on the same server: "before" is dnspython's own async resolver
(a socket per query; the resolver this project used first), "after" is ours (auditor.dns.transport),
so a noisy machine weighs on both alike; it prints their ratio. One untimed pass first lets the
server render each answer once (it replays them after), so neither side pays for that.

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
import os
import re
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver
from ruamel.yaml import YAML

from auditor.dns.collect import collect, default_checks
from auditor.dns.evidence import Outcome
from auditor.dns.resolver import Nameserver, Resolver, _Job, _text
from auditor.sources.inventory import parse_accounts

KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtCdMi/H7EtC2xFekcBlNFDcrQ0wJVYFxQR+t9Qu/Et71YFUAQJF7cVaiAKT7URRwGsRBD/VkIQg8P0F4QV5/7PT4P0j6mKs8tiuGK1rPuD39REAb1FwYK9cWNWbyhBvWNu6z7FSIaqpXGqixICT3isPeFtIzq7Ton5+Bp6TBpMwKachjjn46Sb3Hdy9D4wlj1YJPKTOwfIkERfSLttdWj2M+XqSY3JOZWbv4/fAkQi4N/kARW32k12Zi8EQeFQLiz9MovfivixNsqAF+RNK/7kij7mlFj/by6ccskg4h2b1Ew9teqdOtPRDkW1WgcmXltzI7JY7rODQS+aEwGB0hnwIDAQAB"
UNREACHABLE = "unreachable.example"
AFTER = re.compile(r"after (\d+\.\d+) s")


class Before(Resolver):
    """The baseline: each query a task asking dnspython's async resolver (a socket per query),
    as this project did before auditor.dns.transport (kept here only to be measured against)."""

    def __init__(self, nameservers: list[Nameserver], *, concurrency: int, deadline: float):
        super().__init__(nameservers, concurrency=concurrency, deadline=deadline)
        self._dnspython = dns.asyncresolver.Resolver(configure=False)
        self._dnspython.nameservers = [
            dns.nameserver.Do53Nameserver(n.host, n.port) for n in nameservers
        ]
        self._dnspython.cache = None
        self._dnspython.lifetime = deadline
        self._dnspython.timeout = min(deadline, 2.0)
        self._tasks: set[asyncio.Task[None]] = set()

    def _start(self, job: _Job) -> None:
        self._active += 1
        self.queries += 1
        job.started = time.monotonic()
        task = asyncio.ensure_future(self._ask(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ask(self, job: _Job) -> None:
        self._finish(job, *await self._outcome(job.name, job.rtype))

    async def _outcome(self, name: str, rtype: str) -> tuple[Outcome, tuple[str, ...], str]:
        try:
            answer = await self._dnspython.resolve(
                name, dns.rdatatype.from_text(rtype), search=False, raise_on_no_answer=False
            )
        except dns.resolver.NXDOMAIN:
            return Outcome.NXDOMAIN, (), ""
        except dns.resolver.LifetimeTimeout:
            return Outcome.TIMEOUT, (), ""
        except dns.exception.DNSException as error:
            return Outcome.ERROR, (), str(error)
        if answer.rrset is None:
            return Outcome.NODATA, (), ""
        return Outcome.ANSWER, tuple(sorted(_text(r) for r in answer.rrset)), ""


def cpu_seconds(pid: int) -> float:
    """A process's CPU time (user + system) from /proc; 0 where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


@dataclass
class Runs:
    times: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)  # the client's, seconds per run
    server_cpus: list[float] = field(default_factory=list)
    queries: int = 0
    longest_wait: float = 0.0  # the longest any failed query waited (at most the deadline)


def run(resolver: Resolver, server: int, domains: int, unreachable: bool, runs: Runs) -> None:
    parsed = parse_accounts(accounts(domains, unreachable))
    started, cpu, server_cpu = time.perf_counter(), time.process_time(), cpu_seconds(server)
    evidence = asyncio.run(collect(default_checks(parsed), parsed, resolver))
    runs.times.append(time.perf_counter() - started)
    runs.cpus.append(time.process_time() - cpu)
    runs.server_cpus.append(cpu_seconds(server) - server_cpu)
    runs.queries = resolver.queries
    waits = [float(m.group(1)) for a in evidence.answers.values() if (m := AFTER.search(a.detail))]
    runs.longest_wait = max(waits, default=0.0)


def report(label: str, runs: Runs, args: argparse.Namespace) -> float:
    bound = runs.queries / args.concurrency * args.latency
    median = statistics.median(runs.times)
    print(
        f"  {label:6} queries {runs.queries:6}  bound {bound:5.2f} s  "
        f"time {median:6.2f} s [{min(runs.times):.2f}-{max(runs.times):.2f}]  "
        f"ratio {median / bound:4.2f}x (worst {max(runs.times) / bound:4.2f}x)  "
        f"{runs.queries / median:6.0f} qps  CPU per query: client "
        f"{statistics.median(runs.cpus) / runs.queries * 1e6:4.0f} us, server "
        f"{statistics.median(runs.server_cpus) / runs.queries * 1e6:4.0f} us"
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.005)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--deadline", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-before", action="store_true", help="skip dnspython's resolver")
    args = parser.parse_args()
    kinds: dict[str, type[Resolver]] = {"after": Resolver}
    if not args.no_before:
        kinds = {"before": Before, **kinds}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zone.yaml"
        YAML(typ="safe").dump(zone(args.domains), path)
        command = [sys.executable, "-m", "auditor.testing.dns_server", str(path)]
        command += ["--latency", str(args.latency)]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            line = server.stdout.readline() if server.stdout else ""
            port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
            nameservers = [Nameserver("127.0.0.1", port)]
            print(
                f"{args.domains} domains, latency {args.latency * 1000:g} ms, concurrency "
                f"{args.concurrency}, deadline {args.deadline:g} s; {args.repeat} runs each, "
                "interleaved (median [range])"
            )
            warm = Resolver(nameservers, concurrency=args.concurrency, deadline=args.deadline)
            run(warm, server.pid, args.domains, True, Runs())  # untimed: the server renders once
            reachable: dict[str, float] = {}
            for unreachable in (False, True):
                print("with 1 unreachable domain" if unreachable else "all reachable")
                runs = {kind: Runs() for kind in kinds}
                for _ in range(args.repeat):
                    for kind, make in kinds.items():
                        resolver = make(
                            nameservers, concurrency=args.concurrency, deadline=args.deadline
                        )
                        run(resolver, server.pid, args.domains, unreachable, runs[kind])
                medians = {kind: report(kind, runs[kind], args) for kind in kinds}
                if "before" in medians:
                    print(f"  before / after: {medians['before'] / medians['after']:.2f}x faster")
                if not unreachable:
                    reachable = medians
                else:
                    for kind in kinds:
                        print(
                            f"  {kind}: the unreachable domain cost "
                            f"{medians[kind] - reachable[kind]:+.2f} s in total (noise "
                            f"included); its queries gave up after "
                            f"{runs[kind].longest_wait:.2f} s (deadline {args.deadline:g} s)"
                        )
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
