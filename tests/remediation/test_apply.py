"""``apply`` against each way the write side may misbehave (the test server's switches), through the
real entry point: read-back and the stale check catch every one, and the journal lets a run
resume and roll back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.remediation.wire import read_plan
from auditor.testing.server import SmartLeadServer
from auditor.testing.write_api import meddle, write_side

LIMIT_POLICY = "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n"


@pytest.fixture
def planned(run_cli, server: SmartLeadServer, isolated: Path) -> dict:
    Path("policies").mkdir()
    Path("policies/limit.yaml").write_text(LIMIT_POLICY)
    result = run_cli("plan", "-o", "plan.json")
    assert result.code == 0, result.err
    plan = json.loads(Path("plan.json").read_text())
    assert len(plan["changes"]) >= 5
    return plan


def _records(server: SmartLeadServer) -> dict[int, dict]:
    return {r["id"]: r for r in server.accounts}


def _statuses() -> list[str]:
    lines = Path("plan.json.journal.jsonl").read_text().splitlines()
    return [json.loads(line)["status"] for line in lines[1:]]


def test_full_replace_endpoint_resets_nothing_we_did_not_change(run_cli, server, planned) -> None:
    write_side(server).mode = "full_replace"
    before = _records(server)
    result = run_cli("apply", "plan.json", "--yes")
    assert result.code == 0, result.out + result.err
    after = _records(server)
    for change in planned["changes"]:
        old, new = before[change["account_id"]], after[change["account_id"]]
        assert new["message_per_day"] == 40
        for name in (
            "minTimeToWaitInMins",
            "bcc_email",
            "custom_tracking_domain",
            "signature",
            "from_name",
            "client_id",
        ):
            assert new[name] == old[name], name  # carried over, not reset
    body = write_side(server).writes[0][1]
    assert set(body) == {
        "max_email_per_day",
        "time_to_wait_in_mins",
        "bcc",
        "custom_tracking_url",
        "signature",
        "from_name",
        "client_id",
    }


def test_ok_but_ignored_is_caught_by_read_back(run_cli, server, planned) -> None:
    write_side(server).ignored = {"max_email_per_day"}
    result = run_cli("apply", "plan.json", "--yes")
    assert result.code == 1
    count = len(planned["changes"])
    assert f"0 verified (0 already set), 0 skipped, {count} not applied" in result.out
    assert "not applied: account" in result.out
    assert "the API answered ok but message_per_day reads" in result.out
    assert _statuses().count("not applied") == count


def test_intermittent_5xx_is_retried_and_verified(run_cli, server, planned, monkeypatch) -> None:
    write_side(server).fail_next = 3
    result = run_cli("apply", "plan.json", "--yes")
    assert result.code == 0, result.out
    assert all(
        _records(server)[c["account_id"]]["message_per_day"] == 40 for c in planned["changes"]
    )


def test_a_500_after_the_write_landed_is_verified_by_read_back(
    run_cli, server, planned, monkeypatch
) -> None:
    monkeypatch.setenv("SMARTLEAD_RETRIES", "0")
    write_side(server).fail_after_apply = 1
    result = run_cli("apply", "plan.json", "--yes")
    assert result.code == 0, result.out
    journal = [json.loads(x) for x in Path("plan.json.journal.jsonl").read_text().splitlines()[1:]]
    steps: dict[int, list[str]] = {}
    for entry in journal:
        steps.setdefault(entry["account_id"], []).append(entry["status"])
    # whichever write reached the server first landed and was answered 500: read back, verified
    assert sorted(map(tuple, steps.values())).count(("sent", "failed", "verified")) == 1
    assert all(s[-1] == "verified" for s in steps.values())
    assert "0 failed" in result.out


def test_failed_writes_exit_3_and_a_second_run_resumes(
    run_cli, server, planned, monkeypatch
) -> None:
    monkeypatch.setenv("SMARTLEAD_RETRIES", "1")
    side = write_side(server)
    side.failing = {c["account_id"] for c in planned["changes"][:2]}
    first = run_cli("apply", "plan.json", "--yes")
    assert first.code == 3
    assert first.out.count("failed: account") == 2
    assert "gave up after 2 attempt(s): HTTP 500" in first.out
    writes = len(side.writes)
    side.failing = set()
    second = run_cli("apply", "plan.json", "--yes")
    assert second.code == 0, second.out
    assert len(side.writes) == writes + 2  # only the two that failed are sent again
    assert f"{len(planned['changes'])} verified" in second.out


def test_changed_since_the_plan_is_skipped_not_overwritten(run_cli, server, planned) -> None:
    target = planned["changes"][0]["account_id"]
    meddle(server, target, message_per_day=75)
    result = run_cli("apply", "plan.json", "--yes")
    assert result.code == 1
    assert f"skipped: account {target} (" in result.out
    assert "changed since the plan: message_per_day is now 75, the plan was made from" in result.out
    assert _records(server)[target]["message_per_day"] == 75
    assert all(path != f"/api/v1/email-accounts/{target}" for path, _ in write_side(server).writes)


def test_a_change_made_while_apply_runs_is_skipped(run_cli, server, planned) -> None:
    target = planned["changes"][-1]["account_id"]
    server.on_request(
        lambda s: meddle(s, target, message_per_day=99), request=len(server.requests) + 1
    )
    result = run_cli("apply", "plan.json", "--yes")  # the hook fires at the first read: before it
    assert result.code == 1
    assert f"skipped: account {target}" in result.out
    assert _records(server)[target]["message_per_day"] == 99


def test_rollback_restores_what_was_verified(run_cli, server, planned) -> None:
    before = _records(server)
    assert run_cli("apply", "plan.json", "--yes").code == 0
    result = run_cli("apply", "--rollback", "plan.json.journal.jsonl", "--yes")
    assert result.code == 0, result.out
    after = _records(server)
    for change in planned["changes"]:
        assert (
            after[change["account_id"]]["message_per_day"]
            == before[change["account_id"]]["message_per_day"]
        )
    assert Path("plan.json.journal.jsonl.rollback.jsonl").exists()


def test_rollback_skips_an_account_changed_since(run_cli, server, planned) -> None:
    assert run_cli("apply", "plan.json", "--yes").code == 0
    target = planned["changes"][0]["account_id"]
    meddle(server, target, message_per_day=12)
    result = run_cli("apply", "--rollback", "plan.json.journal.jsonl", "--yes")
    assert result.code == 1
    assert f"skipped: account {target}" in result.out
    assert _records(server)[target]["message_per_day"] == 12


def test_dry_run_sends_nothing_and_shows_redacted_requests(run_cli, server, planned) -> None:
    before = len(server.requests)
    result = run_cli("apply", "plan.json", "--dry-run")
    assert result.code == 0
    # a read always names its offset; a write has none (the plan's fetch may still have reads
    # past the last page arriving: those are not this run's)
    assert all(r.offset is not None for r in server.requests[before:])
    assert write_side(server).writes == []
    first = planned["changes"][0]["account_id"]
    assert (
        f"POST {server.base_url}/email-accounts/{first}?api_key=[REDACTED] {{max_email_per_day=40}}"
        in result.out
    )
    assert not Path("plan.json.journal.jsonl").exists()


def test_no_confirmation_no_write(run_cli, server, planned) -> None:
    result = run_cli("apply", "plan.json")  # stdin is not a terminal under pytest
    assert result.code == 2
    assert "refusing to write without confirmation" in result.err
    assert write_side(server).writes == []


def test_an_edited_plan_is_refused(run_cli, server, planned) -> None:
    text = Path("plan.json").read_text().replace('"new": 40', '"new": 400', 1)
    Path("plan.json").write_text(text)
    result = run_cli("apply", "plan.json", "--yes")
    assert result.code == 2
    assert "the plan was changed after it was made" in result.err
    assert write_side(server).writes == []


def test_a_plan_from_another_policy_is_stale(run_cli, server, planned) -> None:
    Path("policies/limit.yaml").write_text(LIMIT_POLICY.replace("40", "30"))
    result = run_cli("apply", "plan.json", "--yes")
    assert result.code == 2
    assert "the policy changed since the plan was made: the plan is stale" in result.err
    assert write_side(server).writes == []


def test_a_rejected_key_is_an_api_error(run_cli, server, planned, monkeypatch) -> None:
    monkeypatch.setenv("SMARTLEAD_API_KEY", "wrong-key-123456")
    result = run_cli("apply", "plan.json", "--yes")
    assert result.code == 3
    assert "wrong-key-123456" not in result.out + result.err


def test_requests_are_the_writes_and_the_pages_before_and_after(run_cli, server, planned) -> None:
    before = len(server.requests)
    assert run_cli("apply", "plan.json", "--yes").code == 0
    made = server.requests[before:]
    writes = [r for r in made if r.offset is None]
    reads = sorted(r.offset for r in made if r.offset is not None and r.offset < 300)
    assert len(writes) == len(planned["changes"])  # one write per account: one field each here
    assert reads == [0, 0, 100, 100, 200, 200]  # 250 accounts: 3 pages before, 3 after


def test_a_small_plan_reads_each_account_by_filter(run_cli, server, planned) -> None:
    target = planned["changes"][0]["account_id"]
    assert run_cli("plan", "--only", f"ids={target}", "-o", "one.json").code == 0
    assert read_plan(1, 250) == ("filter", 1) and read_plan(10, 250) == ("pages", 3)
    before = len(server.requests)
    result = run_cli("apply", "one.json", "--yes")
    assert result.code == 0, result.out
    assert "1 verified" in result.out
    made = [r for r in server.requests[before:] if r.offset is None or r.offset < 300]
    assert [r.offset for r in made] == [0, None, 0]  # read by filter, write, read back
    assert _records(server)[target]["message_per_day"] == 40


def test_plan_usage_errors(run_cli, server, planned) -> None:
    unknown = run_cli("plan", "--rule", "send-gap", "-o", "x.json")
    assert unknown.code == 2 and "--rule send-gap: no entry of the policy" in unknown.err
    bad = run_cli("plan", "--only", "tags", "-o", "x.json")
    assert bad.code == 2 and "expected KEY=VALUE" in bad.err
    assert run_cli("plan", "-o", "x.txt").code == 2
    assert not Path("x.json").exists()
