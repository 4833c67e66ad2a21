"""`smartlead-audit diff --dns`: DNS drift (answers that changed between two evidence files)
next to settings drift, and DNS findings that appeared or went away."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from auditor.dns.evidence import Answer, Evidence, Outcome
from tests.support.accounts import wire
from tests.support.shared import REPO, CliResult

Run = Callable[..., CliResult]
WriteJson = Callable[..., Path]

DMARC = "_dmarc.acme.example"
SPF = "v=spf1 include:_spf.google.com ~all"
SPF_MORE = "v=spf1 include:_spf.google.com include:mail.zendesk.com ~all"


def _evidence(path: Path, answers: list[Answer], resolver: str = "127.0.0.1:53") -> Path:
    evidence = Evidence(source=str(path), collected_at="2026-11-27T06:17:00+00:00")
    evidence.add(
        Answer(a.name, a.type, a.outcome, a.records, resolver, "2026-11-27T06:17:01+00:00")
        for a in answers
    )
    evidence.save(path)
    return path


def _drifted(tmp_path: Path) -> tuple[Path, Path]:
    old = _evidence(
        tmp_path / "old-dns.json",
        [
            Answer(DMARC, "TXT", Outcome.ANSWER, ("v=DMARC1; p=none",)),
            Answer("acme.example", "TXT", Outcome.ANSWER, (SPF, "google-site-verification=x")),
            Answer("acme.example", "MX", Outcome.ANSWER, ("1 smtp.google.com.",)),
        ],
    )
    new = _evidence(
        tmp_path / "new-dns.json",
        [
            Answer(DMARC, "TXT", Outcome.NXDOMAIN),
            Answer("acme.example", "TXT", Outcome.ANSWER, ("google-site-verification=x", SPF_MORE)),
            Answer("acme.example", "MX", Outcome.ANSWER, ("1 smtp.google.com.",)),
        ],
        resolver="10.0.0.1:53",  # another resolver and time: not a change
    )
    return old, new


def test_dns_answers_that_changed_are_listed_next_to_settings_drift(
    run_cli: Run, write_json: WriteJson, tmp_path: Path
) -> None:
    inventory = write_json([wire(id=1)], "inventory.json")
    old, new = _drifted(tmp_path)
    result = run_cli("diff", inventory, inventory, "--dns", old, new)
    assert result.code == 1
    assert result.out.splitlines() == [
        f"drift {inventory} -> {inventory}: 0 added, 0 removed, 0 changed, 2 DNS answers changed",
        f'~ DNS TXT {DMARC}: record removed "v=DMARC1; p=none", answer -> nxdomain',
        f'~ DNS TXT acme.example: record added "{SPF_MORE}", record removed "{SPF}"',
    ]


def test_the_same_facts_asked_again_are_no_drift(
    run_cli: Run, write_json: WriteJson, tmp_path: Path
) -> None:
    inventory = write_json([wire(id=1)], "inventory.json")
    answers = [Answer("acme.example", "TXT", Outcome.ANSWER, (SPF, "b", "a"))]
    old = _evidence(tmp_path / "old-dns.json", answers)
    reordered = [Answer("acme.example", "TXT", Outcome.ANSWER, ("a", SPF, "b"))]
    new = _evidence(tmp_path / "new-dns.json", reordered, resolver="192.0.2.1:53")
    result = run_cli("diff", inventory, inventory, "--dns", old, new)
    assert (result.code, result.out) == (0, f"drift {inventory} -> {inventory}: no change\n")


def test_json_markdown_and_dns_findings_under_a_policy(
    run_cli: Run, write_json: WriteJson, write_policy: Callable[..., Path], tmp_path: Path
) -> None:
    inventory = write_json([wire(id=1)], "inventory.json")
    old, new = _drifted(tmp_path)
    policy = write_policy("version: 1\nrules:\n  - rule: dns-dmarc\n")
    result = run_cli(
        "diff", inventory, inventory, "--dns", old, new, "--policy", policy, "--format", "json"
    )
    assert result.code == 1
    document: dict[str, Any] = json.loads(result.out)
    removed = document["dns_changed"][0]
    assert removed["query"] == DMARC
    assert removed["old"] == {"outcome": "answer", "answer": ["v=DMARC1; p=none"]}
    assert removed["new"] == {"outcome": "nxdomain", "answer": []}
    assert removed["records_removed"] == ["v=DMARC1; p=none"]
    assert document["dns_changed"][1]["records_added"] == [SPF_MORE]
    # The DMARC record went away: the rule now fails for the domain's account.
    assert [(f["id"], f["account_id"]) for f in document["findings"]["new"]] == [("dns-dmarc", 1)]
    assert document["findings"]["resolved"] == []
    back = run_cli("diff", inventory, inventory, "--dns", new, old, "--policy", policy)
    assert "findings: 0 new, 1 resolved, 0 unchanged" in back.out
    markdown = run_cli("diff", inventory, inventory, "--dns", old, new, "--format", "markdown")
    assert "## DNS answers changed" in markdown.out
    assert "| TXT | \\_dmarc.acme.example | record removed" in markdown.out


def test_evidence_that_lacks_a_domain_or_cannot_be_read_exits_3(
    run_cli: Run, write_json: WriteJson, write_policy: Callable[..., Path], tmp_path: Path
) -> None:
    inventory = write_json([wire(id=1)], "inventory.json")
    old, _ = _drifted(tmp_path)
    other = _evidence(tmp_path / "other.json", [Answer("other.example", "TXT", Outcome.NXDOMAIN)])
    policy = write_policy("version: 1\nrules:\n  - rule: dns-dmarc\n")
    lacking = run_cli("diff", inventory, inventory, "--dns", old, other, "--policy", policy)
    assert lacking.code == 3
    assert f"no TXT answer for {DMARC}" in lacking.err
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    unreadable = run_cli("diff", inventory, inventory, "--dns", old, broken)
    assert unreadable.code == 3
    assert f"{broken}:1:2: not JSON" in unreadable.err


def test_without_dns_the_dns_rules_are_skipped_not_resolved(
    run_cli: Run, write_json: WriteJson, write_policy: Callable[..., Path]
) -> None:
    inventory = write_json([wire(id=1)], "inventory.json")
    policy = write_policy("version: 1\nrules:\n  - rule: dns-dmarc\n")
    result = run_cli("diff", inventory, inventory, "--policy", policy)
    assert result.code == 0
    assert "findings: 0 new, 0 resolved, 0 unchanged" in result.out


def _step(name: str) -> str:
    workflow = yaml.safe_load((REPO / "examples/workflows/daily-audit.yml").read_text())
    (step,) = [s for s in workflow["jobs"]["audit"]["steps"] if s.get("name") == name]
    return str(step["run"])


def test_the_daily_workflow_compares_snapshots_and_evidence(
    write_json: WriteJson, write_policy: Callable[..., Path], tmp_path: Path
) -> None:
    """The example workflow's compare step, run by bash with the real CLI: the first run has
    nothing to compare with; the next one puts DNS drift in the pull request's text."""
    script = _step("Compare with the committed snapshot and evidence")
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "dns.yaml").write_text("version: 1\nrules:\n  - rule: dns-dmarc\n")
    old_dns, new_dns = _drifted(tmp_path)
    env = {**os.environ, "GITHUB_OUTPUT": str(tmp_path / "out.txt")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"

    def run(dns: Path) -> tuple[str, str]:
        write_json([wire(id=1)], "snapshots/inventory.new.json")
        shutil.copy(dns, tmp_path / "snapshots" / "dns.new.json")
        (tmp_path / "out.txt").write_text("")
        done = subprocess.run(
            ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return (tmp_path / "out.txt").read_text(), (tmp_path / "drift.md").read_text()

    output, drift = run(old_dns)
    assert output == "changed=1\n" and drift.startswith("# First SmartLead")
    output, drift = run(old_dns)
    assert output == "changed=0\n"
    output, drift = run(new_dns)
    assert output == "changed=1\n"
    assert "## DNS answers changed" in drift and "1 new, 0 resolved" in drift
    assert json.loads((tmp_path / "snapshots" / "dns.json").read_text()) == json.loads(
        new_dns.read_text()
    )
