"""Nothing leaks from a live fetch: the real SmartLead-compatible server on 127.0.0.1 serves the
planted accounts (passwords leaked by their own and by other accounts, across pages; the API key
and the base URL's credentials in account texts), echoes the key in error bodies of every length
and shape, and the tool runs through its real entry point with SMARTLEAD_API_KEY set and
credentials in SMARTLEAD_BASE_URL. Every output, file and log record is scanned."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from auditor.testing.faults import Fault
from auditor.testing.generator import generate_accounts
from auditor.testing.server import SmartLeadServer
from tests.security.canaries import (
    API_KEY,
    KEY,
    SMTP_SENT,
    TAG_TEXT_FIELDS,
    TEXT_FIELDS,
    URL_USERINFO,
    WARMUP_TEXT_FIELDS,
    Plant,
    assert_clean,
    field_policy,
    live_plants,
    owners,
    password_plants,
    record,
)
from tests.security.conftest import Workspace
from tests.support.shared import REPO, CliResult

RunCli = Callable[..., CliResult]
FILE_FORMATS = ("json", "markdown", "html", "sarif", "junit", "csv")


def served(prefix: str = "") -> tuple[list[dict[str, Any]], list[Plant]]:
    """The owners and their own leaks on the first page, then the key's and the URL's, then
    160 ordinary accounts, then the accounts that leak the owners' passwords: on the third page,
    so only the fetch-wide scrub can know those passwords."""
    plants = password_plants(prefix=prefix)
    own = [p for p in plants if p.relation == "own"]
    other = [p for p in plants if p.relation == "other"]
    live = live_plants(first_id=500, prefix=prefix)
    records = [
        *owners(),
        *(p.record for p in own + live),
        *generate_accounts(160, seed=31),
        *(p.record for p in other),
    ]
    assert records.index(other[0].record) > 200
    return records, own + live + other


def base_url(server: SmartLeadServer) -> str:
    """The server's URL with credentials in it (loopback only: 127.0.0.1)."""
    url = server.base_url
    assert url.startswith("http://127.0.0.1:")
    return url.replace("http://", f"http://{URL_USERINFO}@", 1)


def live_env(monkeypatch: pytest.MonkeyPatch, server: SmartLeadServer, **extra: str) -> None:
    settings = {
        "SMARTLEAD_API_KEY": API_KEY,
        "SMARTLEAD_BASE_URL": base_url(server),
        "SMARTLEAD_RATE": "1000",
        "SMARTLEAD_RATE_PER_MINUTE": "0",
        "SMARTLEAD_RATE_PER_HOUR": "0",
        "SMARTLEAD_BACKOFF": "0",
        "SMARTLEAD_TIMEOUT": "10",
        "SMARTLEAD_RETRIES": "1",
        "SMARTLEAD_CONCURRENCY": "4",
        **extra,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def server() -> Iterator[SmartLeadServer]:
    records, _ = served()
    with SmartLeadServer(records, api_key=API_KEY) as running:
        yield running


def _assert_scrubbed_snapshot(path: Path, plants: list[Plant]) -> None:
    """Positive control: every planted text reached the snapshot, without its secret."""
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    assert "api_key=[REDACTED]" in snapshot["source"]["url"]
    assert snapshot["source"]["url"].startswith("http://[REDACTED]@127.0.0.1:")
    accounts = {account["id"]: account for account in snapshot["accounts"]}
    for plant in plants:
        account = accounts[plant.id]
        texts = [account[name] for name in TEXT_FIELDS]
        texts += [account["warmup_details"][name] for name in WARMUP_TEXT_FIELDS]
        texts += [account["tags"][0][name] for name in TAG_TEXT_FIELDS]
        assert all("[REDACTED]" in text for text in texts), (plant, texts)
        assert "password" not in account and "imap_password" not in account


def test_fetch_check_and_diff_of_live_inventories(
    run_cli: RunCli, workspace: Workspace, server: SmartLeadServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, plants = served()
    policy = workspace.write("policy.yaml", field_policy([p.id for p in plants]))
    live_env(monkeypatch, server)
    (workspace.root / "snapshots").mkdir()
    fetched = run_cli("-vv", "fetch", "-o", "snapshots/old.json")
    assert fetched.code == 0, fetched.err
    checked = run_cli(
        "-vv",
        "check",
        "--policy",
        policy,
        *(arg for name in ("console", "github", *FILE_FORMATS) for arg in ("--format", name)),
        "--output-dir",
        "out",
        "--write-baseline",
        "baselines/live.json",
    )
    assert checked.code == 1, checked.err

    # The same accounts with every text changed, from a second server: drift between the two.
    changed, _ = served(prefix="changed: ")
    with SmartLeadServer(changed, api_key=API_KEY) as second:
        live_env(monkeypatch, second)
        refetched = run_cli("-vv", "fetch", "-o", "snapshots/new.json")
    assert refetched.code == 0, refetched.err
    drifts = [
        run_cli(
            "-vv",
            "diff",
            "snapshots/old.json",
            "snapshots/new.json",
            "--policy",
            policy,
            "--format",
            kind,
        )
        for kind in ("console", "markdown", "json")
    ]
    assert [d.code for d in drifts] == [1, 1, 1], [d.err for d in drifts]
    assert_clean(workspace.evidence(fetched, checked, refetched, *drifts))
    # Positive controls: the planted texts reached every output, without their secrets.
    _assert_scrubbed_snapshot(workspace.root / "snapshots" / "old.json", plants)
    report = json.loads((workspace.root / "out" / "audit.json").read_text(encoding="utf-8"))
    assert report["inventory"]["fetch"]["pages"] >= 3
    assert "[REDACTED]@127.0.0.1" in report["inventory"]["source"]
    assert len({f["account_id"] for f in report["findings"]}) >= len(plants)
    drift = json.loads(drifts[2].out)
    assert {a["id"] for a in drift["accounts_changed"]} >= {p.id for p in plants}
    assert any(r.name.startswith("httpx") for r in workspace.records)  # -vv logged requests


def test_a_live_record_that_cannot_be_read_fails_closed(
    run_cli: RunCli, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    records, _ = served()
    records[-1] = record(9999, created_at=SMTP_SENT, password=SMTP_SENT)
    policy = workspace.write("policy.yaml", field_policy([1]))
    with SmartLeadServer(records, api_key=API_KEY) as server:
        live_env(monkeypatch, server)
        fetched = run_cli("-vv", "fetch", "-o", "snapshot.json")
        checked = run_cli(
            "-vv", "check", "--policy", policy, "--format", "json", "--output-dir", "out"
        )
    assert (fetched.code, checked.code) == (3, 3), fetched.err + checked.err
    assert "created_at" in fetched.err
    assert not (workspace.root / "snapshot.json").exists()
    assert not list(workspace.root.glob("out/*"))
    assert_clean(workspace.evidence(fetched, checked))


def test_show_config_and_settings_errors(
    run_cli: RunCli, workspace: Workspace, server: SmartLeadServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    live_env(monkeypatch, server)
    shown = run_cli("-vv", "check", "--show-config")
    assert shown.code == 0, shown.err
    assert_clean(workspace.evidence(shown))
    live = json.loads(shown.out)["live"]
    assert live["api_key"] == "********"
    assert live["base_url"].startswith("http://[REDACTED]@127.0.0.1:")
    # credentials in an http:// URL off this machine: refused, naming the URL without them
    monkeypatch.setenv("SMARTLEAD_BASE_URL", f"http://{URL_USERINFO}@api.example/api/v1")
    refused = run_cli("-vv", "fetch", "-o", "x.json")
    assert_clean(workspace.evidence(refused))
    assert refused.code == 2 and "http://[REDACTED]@api.example" in refused.err, refused.err
    # a key too short to be one is refused without being echoed
    monkeypatch.setenv("SMARTLEAD_API_KEY", "Zq9x!")
    monkeypatch.setenv("SMARTLEAD_BASE_URL", server.base_url)
    short = run_cli("-vv", "fetch", "-o", "x.json")
    assert short.code == 2 and "Zq9x" not in short.out + short.err, short.err
    # a .env that cannot be read: no line of it (the key's) is shown
    monkeypatch.delenv("SMARTLEAD_API_KEY")
    (workspace.root / ".env").write_bytes(
        f"SMARTLEAD_API_KEY={API_KEY}\n\xff\xfe".encode("latin-1")
    )
    broken = run_cli("-vv", "fetch", "-o", "x.json")
    assert broken.code == 2, broken.err
    (workspace.root / ".env").unlink()  # an input: holds the key on purpose
    assert_clean(workspace.evidence(shown, refused, short, broken))


# --- the key echoed in API error bodies ---------------------------------------------------------
LONG = "lorem ipsum dolor sit amet " * 2_000  # 54,000 characters
ECHOES: dict[str, tuple[Fault, str]] = {
    # name: (fault, body; {api_key} is the key the request carried)
    "403 message, short": (Fault.HTTP_403, '{"message": "Invalid API key {api_key}"}'),
    "400 error string": (Fault.HTTP_400, '{"error": "bad request for key {api_key}"}'),
    "422 error.message": (
        Fault.HTTP_422,
        '{"error": {"code": "INVALID", "message": "api_key {api_key} has no access"}}',
    ),
    "404 echoing the URL": (
        Fault.HTTP_404,
        '{"message": "Cannot GET /api/v1/email-accounts/?api_key={api_key}&offset=0"}',
    ),
    "403 URL-encoded key": (
        Fault.HTTP_403,
        json.dumps({"message": f"no access for {quote(API_KEY, safe='')} (url-encoded)"}),
    ),
    "403 around 160 characters": (
        Fault.HTTP_403,
        json.dumps({"message": "e" * 100 + " key {api_key} is not valid for this workspace"}),
    ),
    "403 very long, the key throughout": (
        Fault.HTTP_403,
        json.dumps({"message": "{api_key} " + LONG[:150] + "{api_key} " + LONG + " {api_key}"}),
    ),
    "503 retried, then given up": (Fault.HTTP_503, '{"error": "overloaded: key {api_key}"}'),
    "500 retried, very long": (Fault.HTTP_500, json.dumps({"error": "{api_key} " + LONG})),
    "504 plain text": (Fault.HTTP_504, "upstream timed out serving key {api_key}"),
    "504 plain text, very long": (Fault.HTTP_504, "{api_key}\n" + LONG + "\n{api_key}"),
    "200 success false": (
        Fault.SUCCESS_FALSE,
        '{"success": false, "message": "key {api_key} is suspended"}',
    ),
    "200 success false, very long": (
        Fault.SUCCESS_FALSE,
        json.dumps({"success": False, "message": LONG + " {api_key} " + LONG}),
    ),
}


@pytest.mark.parametrize("name", list(ECHOES))
def test_the_key_echoed_in_an_error_body_never_shows(
    name: str,
    run_cli: RunCli,
    workspace: Workspace,
    server: SmartLeadServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fault, body = ECHOES[name]
    server.add_fault(fault, times=50, body=body)
    live_env(monkeypatch, server, SMARTLEAD_CONCURRENCY="1")  # page 0 fails first
    fetched = run_cli("-vv", "fetch", "-o", "snapshot.json")
    assert_clean(workspace.evidence(fetched))
    assert fetched.code == 3, fetched.err
    assert "page at offset 0" in fetched.err
    assert not (workspace.root / "snapshot.json").exists()
    # the body was read and its message shown: the key in it, redacted
    if "very long" not in name or name.startswith("403"):
        assert "[REDACTED]" in fetched.err, fetched.err
    if fault in (Fault.HTTP_500, Fault.HTTP_503):
        assert "retry 1 of 1" in workspace.log_texts()


def test_a_key_straddling_the_cut_leaves_no_part_of_it(
    run_cli: RunCli, workspace: Workspace, server: SmartLeadServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Messages are cut at 160 characters: the key starts anywhere from well before the cut to
    after it, as is and URL-encoded; no piece of it (4 characters or more) may show."""
    live_env(monkeypatch, server, SMARTLEAD_CONCURRENCY="1", SMARTLEAD_RETRIES="0")
    filler = "the gateway refused this request because its key " * 4
    runs = []
    for spelling in ("{api_key}", quote(API_KEY, safe="")):
        for start in range(104, 172, 2):  # the key (38, or 46, characters) across 150..170
            message = filler[:start] + spelling + " is not valid for this workspace"
            server.add_fault(Fault.HTTP_403, times=1, body=json.dumps({"message": message}))
            runs.append(run_cli("fetch", "-o", "snapshot.json"))
    assert_clean(workspace.evidence(*runs))
    assert len(server.requests) == len(runs)  # one answer each: every message was the echo
    assert all(r.code == 3 and "HTTP 403: the gateway" in r.err for r in runs)
    assert sum("[REDACTED]" in r.err for r in runs) >= 10  # whole keys before the cut
    assert sum("…" in r.err for r in runs) >= 30  # cut ones
    for form in KEY.forms.values():
        for run in runs:
            shown = run.err.split("HTTP 403: ", 1)[1].split("\n", 1)[0]
            pieces = [form[:size] for size in range(4, len(form) + 1) if form[:size] in shown]
            assert not pieces, (shown, pieces)


# --- spellings of the key the redactor does not know --------------------------------------------
# REAL LEAK (reported, not fixed here): `auditor.redact.register_secret` registers the key as is
# and URL-encoded only, matched case-sensitively. An error body that is not JSON (a gateway's
# text/plain answer, or JSON cut short) goes to the user as text (`answers.error_text` ->
# `redact.shorten`), and there the key shows when the server's JSON encoder escaped its "/"
# ("\/", as PHP's json_encode does) or changed its case.
KEY_UNKNOWN_SPELLINGS: dict[str, tuple[Fault, str]] = {
    "JSON-escaped, in a truncated JSON body": (
        Fault.HTTP_500,
        '{"error": "Invalid API key: ' + API_KEY.replace("/", "\\/"),
    ),
    "JSON-escaped, in a plain-text body": (
        Fault.HTTP_504,
        '{"error": "invalid key \\"' + API_KEY.replace("/", "\\/") + '\\""',
    ),
    "upper case, in a JSON message": (
        Fault.HTTP_403,
        json.dumps({"message": "INVALID API KEY " + API_KEY.upper()}),
    ),
}


@pytest.mark.parametrize("name", list(KEY_UNKNOWN_SPELLINGS))
def test_the_key_in_other_spellings_in_an_error_body(
    name: str,
    run_cli: RunCli,
    workspace: Workspace,
    server: SmartLeadServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fault, body = KEY_UNKNOWN_SPELLINGS[name]
    server.add_fault(fault, times=50, body=body)
    live_env(monkeypatch, server, SMARTLEAD_CONCURRENCY="1", SMARTLEAD_RETRIES="0")
    fetched = run_cli("fetch", "-o", "snapshot.json")
    assert fetched.code == 3, fetched.err
    assert_clean(workspace.evidence(fetched))


# --- the process --------------------------------------------------------------------------------
def test_the_process_entry_point_against_the_server(
    workspace: Workspace, server: SmartLeadServer
) -> None:
    """`python -m auditor` with the settings in its environment: a fetch (to a file and to
    stdout), a live check in file formats, and an API error echoing the key; at -vv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTLEAD_")}
    env.update(
        SMARTLEAD_API_KEY=API_KEY,
        SMARTLEAD_BASE_URL=base_url(server),
        SMARTLEAD_RATE="1000",
        SMARTLEAD_RATE_PER_MINUTE="0",
        SMARTLEAD_RATE_PER_HOUR="0",
        SMARTLEAD_BACKOFF="0",
        SMARTLEAD_RETRIES="1",
        SMARTLEAD_CONCURRENCY="4",
        PYTHONPATH=str(REPO),
        NO_COLOR="1",
    )
    policy = workspace.write("policy.yaml", field_policy([p.id for p in served()[1]]))
    commands = [
        ["fetch", "-o", "snapshot.json"],
        ["fetch", "-o", "-", "--quiet"],
        ["check", "--policy", str(policy), "--format", "json", "--format", "html"],
        ["fetch", "-o", "failed.json"],
    ]
    results = []
    for number, args in enumerate(commands):
        if number == 3:
            server.add_fault(Fault.HTTP_403, times=50, body='{"message": "bad key {api_key}"}')
        results.append(workspace.run_process(env, *args))
    assert_clean(workspace.evidence(*results))
    assert [r.code for r in results] == [0, 0, 1, 3], [r.err[-2000:] for r in results]
    assert json.loads(results[1].out)["accounts"]
    assert "HTTP Request: GET" in results[0].err  # httpx's own records, at -vv
    assert "bad key [REDACTED]" in results[3].err


def test_the_server_echoes_the_key_in_a_custom_error_body(server: SmartLeadServer) -> None:
    """The test server's `body` option (auditor.testing): what the tests above rely on."""
    import httpx

    server.add_fault(Fault.HTTP_403, body='{"message": "bad {api_key}!"}')
    server.add_fault(Fault.HTTP_504, body="plain {api_key}")
    with httpx.Client(timeout=5) as client:
        url = server.base_url + "/email-accounts/"
        first = client.get(url, params={"api_key": API_KEY})
        second = client.get(url, params={"api_key": "other-key-1"})
        third = client.get(url, params={"api_key": API_KEY, "limit": 1})
    assert (first.status_code, first.json()) == (403, {"message": f"bad {API_KEY}!"})
    assert (second.status_code, second.text) == (504, "plain other-key-1")
    assert second.headers["content-type"].startswith("text/plain")
    assert third.status_code == 200 and len(third.json()) == 1
