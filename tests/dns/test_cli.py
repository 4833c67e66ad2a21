"""`resolve` and `check --dns` end to end, in-process, against the test DNS server on 127.0.0.1
(the socket guard of conftest.py fails any other address)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.dns import collect
from auditor.dns.evidence import load_evidence
from auditor.testing.dns_server import DnsServer
from tests.support.accounts import wire
from tests.support.shared import DEMO_INVENTORY, REPO

DEMO_EVIDENCE = REPO / "examples" / "demo-dns.json"
DEMO_POLICY = REPO / "examples" / "domain-health.yaml"
REPORT_SCHEMA = json.loads(
    resources.files("auditor.report").joinpath("schemas/report-1.schema.json").read_text()
)
DMARC_ONLY = "version: 1\nrules:\n  - rule: dns-dmarc\n"

Run = Callable[..., Any]


def _facts(path: Path) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    return {k: (a.outcome.value, a.records) for k, a in load_evidence(path).answers.items()}


@pytest.mark.parametrize("group_domains", [40, 1], ids=["one group", "a group per domain"])
def test_the_shipped_evidence_is_what_the_demo_zone_answers(
    run_cli: Run,
    demo_server: DnsServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    group_domains: int,
) -> None:
    """Collected in groups of organizational domains or not, the evidence is the same: no
    lookup depends on another group's accounts (DKIM selectors named by an entry scoped to
    some accounts are tried on every domain, for the Domains table)."""
    monkeypatch.setattr(collect, "GROUP_DOMAINS", group_domains)
    out = tmp_path / "dns.json"
    done = run_cli(
        "resolve",
        "--inventory",
        DEMO_INVENTORY,
        "--policy",
        DEMO_POLICY,
        "-o",
        out,
        "--nameserver",
        demo_server.address,
        "--dns-timeout",
        "1",
    )
    assert done.code == 0, done.err
    assert "2 inconclusive" in done.err
    assert _facts(out) == _facts(DEMO_EVIDENCE)


def test_check_judges_saved_evidence_offline(run_cli: Run, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    done = run_cli(
        "check",
        "--inventory",
        DEMO_INVENTORY,
        "--policy",
        DEMO_POLICY,
        "--dns",
        DEMO_EVIDENCE,
        "--format",
        "json",
        "--format",
        "sarif",
        "--format",
        "csv",
        "--format",
        "junit",
        "--format",
        "markdown",
        "--format",
        "html",
        "--output-dir",
        reports,
        "-q",
    )
    assert done.code == 1, done.err
    report = json.loads((reports / "audit.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["dns"]["evidence"] == f"file {DEMO_EVIDENCE}"
    assert report["dns"]["collected_at"] == load_evidence(DEMO_EVIDENCE).collected_at
    inconclusive = [f for f in report["findings"] if f["status"] == "inconclusive"]
    assert {(f["rule"], f["domain"]) for f in inconclusive} == {
        ("dns-dmarc", "acme-outreach.example"),
        ("tracking-cname", "track.northwind-mail.example"),
    }
    assert report["summary"]["inconclusive"] == 2
    spf = [f for f in report["findings"] if f["id"] == "dns-spf"]
    assert {f["domain"] for f in spf} == {
        "fabrikam-sales.example",
        "tailspin-leads.example",
        "northwind-mail.example",
    }
    rows = {row["domain"]: row for row in report["dns"]["domains"]}
    assert rows["contoso-growth.example"]["spf"]["state"] == "ok"
    assert rows["fabrikam-sales.example"]["dmarc"]["state"] == "missing"
    assert rows["fabrikam-sales.example"]["bulk"] is True  # 220/day over the policy's 200
    sarif = json.loads((reports / "audit.sarif").read_text())
    names = {
        loc["name"]
        for r in sarif["runs"][0]["results"]
        for loc in r["locations"][0].get("logicalLocations", [])
    }
    assert "acme-outreach.example" in names
    with (reports / "audit.csv").open(newline="") as stream:
        assert "inconclusive" in {row["status"] for row in csv.DictReader(stream)}
    junit = (reports / "audit.junit.xml").read_text()
    assert "inconclusive: from_email: acme-outreach.example: could not look up" in junit
    markdown = (reports / "audit.md").read_text()
    assert "## Domains" in markdown and "| Inconclusive (DNS lookup failed) | 2 |" in markdown
    assert "track.shared-links.example" in markdown
    html = (reports / "audit.html").read_text()
    assert 'id="domains"' in html and "acme-outreach.example" in html


def _acme_outreach(write_json: Callable[..., Path]) -> Path:
    return write_json([wire(id=1, from_email="a@acme-outreach.example")])


def test_inconclusive_fails_unless_warn(
    run_cli: Run, write_json: Callable[..., Path], write_policy: Callable[..., Path]
) -> None:
    inventory, policy = _acme_outreach(write_json), write_policy(DMARC_ONLY)
    args = ("check", "--inventory", inventory, "--policy", policy, "--dns", DEMO_EVIDENCE)
    failed = run_cli(*args)
    assert failed.code == 1
    assert "1 inconclusive" in failed.out and "error inconclusive" in failed.out
    warned = run_cli(*args, "--dns-inconclusive", "warn")
    assert warned.code == 0, warned.out
    assert "PASS" in warned.out and "1 inconclusive" in warned.out


def test_a_domain_missing_from_the_evidence_is_an_error(
    run_cli: Run, write_json: Callable[..., Path], write_policy: Callable[..., Path]
) -> None:
    inventory = write_json([wire(id=1, from_email="a@not-collected.example")])
    done = run_cli(
        "check",
        "--inventory",
        inventory,
        "--policy",
        write_policy(DMARC_ONLY),
        "--dns",
        DEMO_EVIDENCE,
    )
    assert done.code == 3
    assert "no TXT answer for _dmarc.not-collected.example" in done.err


def test_a_broken_evidence_file_is_an_error(
    run_cli: Run, write_json: Callable[..., Path], write_policy: Callable[..., Path]
) -> None:
    bad = write_json({"format": "something else"}, "dns.json")
    done = run_cli(
        "check",
        "--inventory",
        _acme_outreach(write_json),
        "--policy",
        write_policy(DMARC_ONLY),
        "--dns",
        bad,
    )
    assert done.code == 3 and "not a DNS evidence file" in done.err


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_live_is_the_default_for_dns_rules(
    how: str,
    run_cli: Run,
    demo_server: DnsServer,
    write_json: Callable[..., Path],
    write_policy: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    args: tuple[Any, ...] = (
        "check",
        "--inventory",
        _acme_outreach(write_json),
        "--policy",
        write_policy("version: 1\nrules:\n  - rule: dns-spf\n  - rule: dns-mx\n"),
        "--format",
        "json",
        "--output-dir",
        tmp_path,
        "-q",
        "--dns-timeout",
        "1",
    )
    if how == "flag":
        args += ("--nameserver", demo_server.address)
    else:
        monkeypatch.setenv("SMARTLEAD_AUDIT_NAMESERVERS", demo_server.address)
    done = run_cli(*args)
    assert done.code == 0, done.err
    report = json.loads((tmp_path / "audit.json").read_text())
    assert report["dns"]["evidence"] == "live"
    assert report["dns"]["resolvers"] == [demo_server.address]
    assert {q.name for q in demo_server.log} >= {"acme-outreach.example"}


def test_a_bad_nameserver_is_a_usage_error(
    run_cli: Run, write_json: Callable[..., Path], write_policy: Callable[..., Path]
) -> None:
    done = run_cli(
        "check",
        "--inventory",
        _acme_outreach(write_json),
        "--policy",
        write_policy(DMARC_ONLY),
        "--nameserver",
        "127.0.0.1:0",
    )
    assert done.code == 2 and "--nameserver" in done.err


def test_the_evidence_file_may_come_from_the_environment(
    run_cli: Run,
    write_json: Callable[..., Path],
    write_policy: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SMARTLEAD_AUDIT_DNS", str(DEMO_EVIDENCE))
    done = run_cli(
        "check",
        "--inventory",
        _acme_outreach(write_json),
        "--policy",
        write_policy(DMARC_ONLY),
        "--format",
        "json",
        "--output-dir",
        tmp_path,
        "-q",
    )
    assert done.code == 1  # the SERVFAIL on _dmarc.acme-outreach.example: inconclusive
    report = json.loads((tmp_path / "audit.json").read_text())
    assert report["dns"]["evidence"] == f"file {DEMO_EVIDENCE}"
    assert [f["status"] for f in report["findings"]] == ["inconclusive"]


def test_show_config_names_the_dns_settings(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMARTLEAD_AUDIT_NAMESERVERS", "127.0.0.1:5353, 127.0.0.2")
    shown = json.loads(run_cli("check", "--show-config", "--dns-inconclusive", "warn").out)
    assert shown["dns"] == {
        "evidence": "live when the policy has DNS rules",
        "nameservers": ["127.0.0.1:5353", "127.0.0.2"],
        "inconclusive": "warn",
        "timeout": 5.0,
        "concurrency": 50,
    }


def test_saved_evidence_judges_as_the_live_run_did(
    run_cli: Run, demo_server: DnsServer, tmp_path: Path
) -> None:
    """What `resolve` saves is exactly what `check` reads: live and offline agree."""
    runs = {}
    for mode in ("live", "file"):
        out = tmp_path / mode
        dns: tuple[Any, ...] = ("--dns", "live")
        if mode == "file":
            evidence = tmp_path / "dns.json"
            resolved = run_cli(
                "resolve",
                "--inventory",
                DEMO_INVENTORY,
                "--policy",
                DEMO_POLICY,
                "-o",
                evidence,
                "--nameserver",
                demo_server.address,
                "--dns-timeout",
                "1",
            )
            assert resolved.code == 0, resolved.err
            dns = ("--dns", evidence)
        done = run_cli(
            "check",
            "--inventory",
            DEMO_INVENTORY,
            "--policy",
            DEMO_POLICY,
            *dns,
            "--nameserver",
            demo_server.address,
            "--dns-timeout",
            "1",
            "--format",
            "json",
            "--output-dir",
            out,
            "-q",
        )
        assert done.code == 1, done.err
        report = json.loads((out / "audit.json").read_text())
        runs[mode] = (report["findings"], report["dns"]["domains"], report["dns"]["tracking"])
    assert runs["live"] == runs["file"]
    assert len(runs["live"][0]) == 18
