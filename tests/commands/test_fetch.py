"""`smartlead-audit fetch` and `check` without --inventory, through the real entry point, against the
test server: (exit code, stdout, stderr) together, plus the files written."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from auditor.model.account import account_to_wire
from auditor.options.progress import fetch_progress
from auditor.sources.api import FetchProgress
from auditor.sources.inventory import SNAPSHOT_SCHEMA
from auditor.testing.faults import Fault
from auditor.testing.server import SmartLeadServer
from tests.support.api import KEY, expected_accounts, set_env
from tests.support.shared import SHIPPED_POLICIES


def test_fetch_writes_a_sorted_snapshot_without_passwords(
    run_cli, live_env: SmartLeadServer
) -> None:
    result = run_cli("fetch", "-o", "inventory.json")
    assert result.code == 0, result.err
    assert result.out == ""
    assert result.err.startswith("wrote 250 accounts to inventory.json (")
    text = Path("inventory.json").read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["schema"] == SNAPSHOT_SCHEMA
    assert document["source"] == {
        "url": f"{live_env.base_url}/email-accounts/?api_key="
        "[REDACTED]&fetch_campaigns=true&limit=100"
    }
    ids = [a["id"] for a in document["accounts"]]
    assert ids == sorted(ids) == sorted(live_env.ids())
    assert "password" not in text.replace("has_password", "").replace("has_imap_password", "")
    wire = {r["id"]: r for r in live_env.accounts}
    for account in document["accounts"]:
        for secret in (wire[account["id"]]["password"], wire[account["id"]]["imap_password"]):
            assert secret is None or secret not in text
    orders = {tuple(a) for a in document["accounts"]}
    assert len(orders) == 1  # one stable key order for every account


def test_a_second_fetch_only_differs_in_the_time(run_cli, live_env: SmartLeadServer) -> None:
    assert run_cli("fetch", "-o", "a.json", "-q").code == 0
    assert run_cli("fetch", "-o", "b.json", "-q").code == 0
    first = Path("a.json").read_text().splitlines()
    second = Path("b.json").read_text().splitlines()
    assert [i for i, (x, y) in enumerate(zip(first, second, strict=True)) if x != y] == [2]
    assert '"fetched_at"' in first[2]


def test_fetch_to_stdout_and_quiet(run_cli, live_env: SmartLeadServer) -> None:
    result = run_cli("fetch", "-o", "-", "--quiet", "--esp", "smtp", "--in-use")
    assert result.code == 0
    assert result.err == ""
    accounts = json.loads(result.out)["accounts"]
    assert accounts and all(a["type"] == "SMTP" and a["campaign_ids"] for a in accounts)
    assert "esp=SMTP" in json.loads(result.out)["source"]["url"]


def test_flags_override_the_environment(
    run_cli, live_env: SmartLeadServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMARTLEAD_RETRIES", "0")
    live_env.add_fault(Fault.HTTP_503, times=1)
    assert run_cli("fetch", "-o", "x.json", "-q").code == 3  # env: no retry
    live_env.add_fault(Fault.HTTP_503, times=1)
    assert run_cli("fetch", "-o", "x.json", "-q", "--retries", "2").code == 0


def test_failed_fetch_exits_3_names_the_page_and_keeps_the_old_snapshot(
    run_cli, live_env: SmartLeadServer
) -> None:
    Path("inventory.json").write_text("previous\n", encoding="utf-8")
    live_env.add_fault(Fault.TRUNCATED, offset=99, times=1)  # one glitch: retried, survived
    assert run_cli("fetch", "-o", "fine.json", "-q").code == 0
    Path("fine.json").unlink()
    live_env.add_fault(Fault.TRUNCATED, offset=99, times=100)  # every retry too: fail closed
    result = run_cli("fetch", "-o", "inventory.json")
    assert result.code == 3
    assert result.out == ""
    assert re.search(
        r"error: page at offset 99 could not be fetched after \d+ attempts: "
        r"HTTP 200 but the body is not JSON",
        result.err,
    )
    assert Path("inventory.json").read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in Path().iterdir()] == ["inventory.json"]


@pytest.mark.parametrize("shape", ["message", "error"])
def test_rejected_key_exits_3(
    run_cli, isolated: Path, shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SmartLeadServer(10, api_key="another-key-9876", unauthorized_shape=shape) as server:
        set_env(monkeypatch, server)
        result = run_cli("fetch", "-o", "x.json")
    assert result.code == 3
    assert "HTTP 401" in result.err and "Tip: the API rejected the key" in result.err


def test_check_without_inventory_fetches_live_and_reports_fetch_stats(
    run_cli, live_env: SmartLeadServer
) -> None:
    result = run_cli(
        "check",
        "--policy",
        SHIPPED_POLICIES,
        "--format",
        "json",
        "--output-dir",
        "reports",
        "--quiet",
    )
    assert result.code in (0, 1), result.err
    report = json.loads(Path("reports/audit.json").read_text(encoding="utf-8"))
    inventory = report["inventory"]
    assert inventory["accounts"] == 250
    assert "api_key=[REDACTED]" in inventory["source"]
    fetch = inventory["fetch"]
    assert set(fetch) == {"requests", "retries", "pages", "elapsed_seconds"}
    assert fetch["pages"] == 3 and fetch["requests"] >= 3 and fetch["retries"] == 0


def test_check_live_failure_writes_no_report(run_cli, live_env: SmartLeadServer) -> None:
    live_env.add_fault(Fault.SUCCESS_FALSE, offset=198, times=100)
    result = run_cli(
        "check", "--policy", SHIPPED_POLICIES, "--format", "json", "--output-dir", "reports"
    )
    assert result.code == 3
    assert "page at offset 198" in result.err
    assert result.out == ""
    assert not Path("reports/audit.json").exists()


def test_check_with_inventory_needs_no_key_at_all(run_cli, isolated: Path) -> None:
    with SmartLeadServer(30, api_key=KEY) as server:
        Path("saved.json").write_text(json.dumps(server.accounts), encoding="utf-8")
    result = run_cli("check", "--inventory", "saved.json", "--policy", SHIPPED_POLICIES, "--quiet")
    assert result.code in (0, 1), result.err


def test_live_flags_next_to_a_saved_inventory_are_refused(run_cli, isolated: Path) -> None:
    Path("saved.json").write_text("[]", encoding="utf-8")
    result = run_cli(
        "check",
        "--inventory",
        "saved.json",
        "--policy",
        SHIPPED_POLICIES,
        "--rate",
        "2",
        "--smtp-failed",
    )
    assert result.code == 2
    assert "--rate, --smtp-ok/--smtp-failed only apply to a live fetch" in result.err


def test_check_without_inventory_or_key_exits_2(run_cli, isolated: Path) -> None:
    result = run_cli("check", "--policy", SHIPPED_POLICIES)
    assert result.code == 2
    assert "SMARTLEAD_API_KEY is not set." in result.err


@pytest.mark.parametrize("command", ["fetch", "check"])
def test_help_documents_flags_examples_and_exit_codes(run_cli, command: str) -> None:
    result = run_cli(command, "--help")
    assert result.code == 0
    for text in (
        "--rate",
        "--concurrency",
        "--timeout",
        "--retries",
        "--client-id",
        "--esp",
        "--warmup-status",
        "--in-use",
        "--not-in-use",
        "--smtp-ok",
        "--smtp-failed",
        "--warmup-blocked",
        "--warmup-not-blocked",
        "--username",
        "SMARTLEAD_API_KEY",
        "examples:",
        "exit codes:",
        "401",
        "--quiet",
    ):
        assert text in result.out, text
    assert "--api-key" not in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "0"], "must be greater than 0"),
        (["--esp", "yahoo"], "'YAHOO' is not a valid value for --esp; valid: GMAIL, OUTLOOK, SMTP"),
        (["--in-use", "--not-in-use"], "not allowed with argument"),
        (["--retries", "-1"], "must be 0 or more"),
    ],
)
def test_bad_flags_exit_2(run_cli, isolated: Path, args: list[str], message: str) -> None:
    result = run_cli("fetch", "-o", "x.json", *args)
    assert result.code == 2
    assert message in result.err


def test_no_progress_bar_when_stderr_is_not_a_terminal(run_cli, live_env: SmartLeadServer) -> None:
    result = run_cli("fetch", "-o", "x.json")
    assert "fetching accounts" not in result.err
    assert "\x1b" not in result.err


def test_progress_bar_on_a_terminal_unless_quiet(
    run_cli, live_env: SmartLeadServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    import auditor.options.progress as progress

    real = progress.fetch_progress

    def spy(*, enabled: bool):  # type: ignore[no-untyped-def]
        seen.append(enabled)
        return real(enabled=False)

    monkeypatch.setattr(progress, "fetch_progress", spy)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert run_cli("fetch", "-o", "x.json").code == 0
    assert run_cli("fetch", "-o", "x.json", "--quiet").code == 0
    assert seen == [True]  # quiet: the bar (and rich) is not even loaded


def test_progress_bar_shows_pages_accounts_and_rate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    with fetch_progress(enabled=True) as update:
        assert update is not None
        update(FetchProgress(pages=3, accounts=297, requests=4, retries=1, elapsed_seconds=2.0))
    err = capsys.readouterr().err
    assert "3 pages" in err and "297 accounts" in err and "2.0 req/s" in err


def test_fetch_equals_server_inventory_end_to_end(run_cli, live_env: SmartLeadServer) -> None:
    assert run_cli("fetch", "-o", "inventory.json", "-q").code == 0
    saved = json.loads(Path("inventory.json").read_text(encoding="utf-8"))["accounts"]
    want = [account_to_wire(a) for a in expected_accounts(live_env)]
    assert saved == want
