"""Nothing leaks from ``plan`` and ``apply``: the planted accounts (passwords leaked in their own
and others' texts, the key and the URL's credentials in texts) are planned live, applied with
faults that echo the key, dry-run, resumed and rolled back. The plan, plan.md, the journals,
stdout, stderr and every log record are scanned."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.testing.faults import Fault
from auditor.testing.server import SmartLeadServer
from auditor.testing.write_api import meddle, write_side
from tests.security.canaries import API_KEY, assert_clean
from tests.security.conftest import Workspace
from tests.security.test_live_api import live_env, served
from tests.support.shared import CliResult

RunCli = Callable[..., CliResult]
POLICY = """\
version: 1
rules:
  - rule: daily-send-limit
    max: 1
  - rule: bcc-required
    address: archive@acme.example
  - rule: tracking-domain
"""


def test_plan_and_apply_leak_nothing(
    run_cli: RunCli, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    records, plants = served()
    policy = workspace.write("policy.yaml", POLICY)
    with SmartLeadServer(records, api_key=API_KEY) as server:
        live_env(monkeypatch, server)
        planned = run_cli("-vv", "plan", "--policy", policy, "-o", "plan.json")
        assert planned.code == 0, planned.err
        document = json.loads(Path("plan.json").read_text())
        planted = {p.id for p in plants}
        assert planted <= {c["account_id"] for c in document["changes"]}  # positive control
        assert document["inventory"]["source"].startswith("http://[REDACTED]@127.0.0.1:")

        dry = run_cli("-vv", "apply", "plan.json", "--dry-run")
        assert dry.code == 0 and "api_key=[REDACTED]" in dry.out

        # the first read answers 422 echoing the key: an API error, nothing written
        # (offset 0: not a read past the end that the plan's fetch may still have in flight)
        server.add_fault(
            Fault.HTTP_422, offset=0, body='{"error": "no access for api_key={api_key}"}'
        )
        refused = run_cli("-vv", "apply", "plan.json", "--yes")
        assert refused.code == 3, refused.err
        assert write_side(server).writes == []

        # writes answer 500 echoing the key, some fail for good; someone else edits an account
        server.add_fault(Fault.HTTP_500, body='{"error": "upstream: {api_key}"}', times=3)
        ordinary = max(c["account_id"] for c in document["changes"])  # no planted text: written
        write_side(server).failing = {ordinary}
        meddle(server, 2, message_per_day=77)
        first = run_cli("-vv", "apply", "plan.json", "--yes")
        assert first.code == 3, first.out + first.err
        write_side(server).failing = set()
        second = run_cli("-vv", "apply", "plan.json", "--yes")
        assert second.code == 1, second.out + second.err  # account 2 stays skipped
        rollback = run_cli("-vv", "apply", "--rollback", "plan.json.journal.jsonl", "--yes")
        assert rollback.code in (0, 1), rollback.out + rollback.err

    evidence = workspace.evidence(planned, dry, refused, first, second, rollback)
    assert {"plan.json", "plan.md", "plan.json.journal.jsonl"} <= set(evidence)
    assert "plan.json.journal.jsonl.rollback.jsonl" in evidence
    assert_clean(evidence)
    # positive control: accounts whose carried-over texts were scrubbed are skipped, not copied
    journal = evidence["plan.json.journal.jsonl"]
    assert "held a secret, which the tool scrubbed" in journal
    bodies = [body for _, body in write_side(server).writes]
    assert all("[REDACTED]" not in json.dumps(body) for body in bodies)
