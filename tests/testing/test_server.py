"""The SmartLead test server speaks the documented wire format over a real socket on 127.0.0.1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from auditor.testing.faults import FATAL_FAULTS, RETRYABLE_FAULTS, Fault
from auditor.testing.generator import generate_accounts
from auditor.testing.server import SmartLeadServer

KEY = "sl-server-test-key-0042"


@pytest.fixture(scope="module")
def server() -> Iterator[SmartLeadServer]:
    with SmartLeadServer(345, api_key=KEY) as running:
        yield running


CLIENT = httpx.Client(timeout=5)  # one client: building one costs more than a request here


def get(base: str, *, path: str = "/email-accounts/", **params: Any) -> httpx.Response:
    query = {"api_key": KEY, **{k: str(v) for k, v in params.items()}}
    return CLIENT.get(base + path, params=query)


def test_listens_on_loopback_with_a_random_port(server: SmartLeadServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v1", server.base_url)


def test_serves_the_generated_accounts_as_a_bare_array(server: SmartLeadServer) -> None:
    response = get(server.base_url, offset=0, limit=100, fetch_campaigns="true")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body == generate_accounts(345)[:100]
    assert all("password" in r and "campaign_ids" in r for r in body)


def test_campaign_ids_only_with_fetch_campaigns(server: SmartLeadServer) -> None:
    body = get(server.base_url, offset=0, limit=5).json()
    assert all("campaign_ids" not in r for r in body)


def test_path_works_with_and_without_trailing_slash(server: SmartLeadServer) -> None:
    with_slash = get(server.base_url, path="/email-accounts/", limit=3).json()
    without = get(server.base_url, path="/email-accounts", limit=3).json()
    assert with_slash == without and len(with_slash) == 3
    assert get(server.base_url, path="/campaigns/").status_code == 404


def test_offset_and_limit_page_through_everything(server: SmartLeadServer) -> None:
    assert len(get(server.base_url, offset=300, limit=100).json()) == 45
    assert get(server.base_url, offset=345, limit=100).json() == []
    assert [r["id"] for r in get(server.base_url, offset=10, limit=2).json()] == [
        r["id"] for r in server.accounts[10:12]
    ]


@pytest.mark.parametrize(
    ("shape", "body"),
    [
        ("message", {"message": "Invalid API Key"}),
        (
            "error",
            {
                "success": False,
                "error": {"code": "UNAUTHORIZED", "message": "Invalid or missing API key"},
            },
        ),
    ],
)
def test_bad_key_is_401_in_both_documented_shapes(shape: str, body: dict[str, Any]) -> None:
    with SmartLeadServer(3, api_key=KEY, unauthorized_shape=shape) as running:
        wrong = CLIENT.get(running.base_url + "/email-accounts/", params={"api_key": "nope"})
        missing = CLIENT.get(running.base_url + "/email-accounts/")
    assert wrong.status_code == missing.status_code == 401
    assert wrong.json() == missing.json() == body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 101}, "limit must be less than or equal to 100"),
        ({"limit": 0}, "limit must be a positive integer"),
        ({"offset": -1}, "offset must be a non-negative integer"),
        ({"isInUse": "yes"}, "isInUse must be true or false"),
        ({"isSmtpSuccess": "1"}, "isSmtpSuccess must be true or false"),
        ({"emailWarmupStatus": "PAUSED"}, "emailWarmupStatus must be one of ACTIVE, INACTIVE"),
        ({"esp": "YAHOO"}, "esp must be one of GMAIL, OUTLOOK, SMTP"),
        ({"client_id": "abc"}, "client_id must be an integer"),
    ],
)
def test_bad_parameters_are_422(
    server: SmartLeadServer, params: dict[str, Any], message: str
) -> None:
    response = get(server.base_url, **params)
    assert response.status_code == 422
    assert response.json() == {"error": message}


def _wire_filter_cases() -> list[tuple[dict[str, str], Any]]:
    def warmup(r: dict[str, Any]) -> dict[str, Any]:
        return r.get("warmup_details") or {}

    return [
        ({"isInUse": "true"}, lambda r: bool(r["campaign_ids"])),
        ({"isInUse": "false"}, lambda r: not r["campaign_ids"]),
        ({"isSmtpSuccess": "false"}, lambda r: r["is_smtp_success"] is False),
        ({"isWarmupBlocked": "true"}, lambda r: bool(warmup(r).get("blocked_reason"))),
        ({"emailWarmupStatus": "ACTIVE"}, lambda r: warmup(r).get("status") == "ACTIVE"),
        (
            {"emailWarmupStatus": "INACTIVE"},
            lambda r: (
                warmup(r).get("status") != "ACTIVE"
                and (warmup(r).get("status") or "INACTIVE") == "INACTIVE"
            ),
        ),
        ({"esp": "OUTLOOK"}, lambda r: r["type"] == "OUTLOOK"),
        ({"client_id": "5121"}, lambda r: r["client_id"] == 5121),
        ({"username": "NORA"}, lambda r: "nora" in (r["username"] or r["from_email"]).lower()),
        (
            {"esp": "SMTP", "isSmtpSuccess": "true"},
            lambda r: r["type"] == "SMTP" and r["is_smtp_success"],
        ),
    ]


@pytest.mark.parametrize(("params", "predicate"), _wire_filter_cases())
def test_documented_filters_are_applied(
    server: SmartLeadServer, params: dict[str, str], predicate: Any
) -> None:
    want = [r["id"] for r in server.accounts if predicate(r)]
    got: list[int] = []
    offset = 0
    while True:
        page = get(
            server.base_url, offset=offset, limit=100, fetch_campaigns="true", **params
        ).json()
        got += [r["id"] for r in page]
        offset += len(page)
        if len(page) < 100:
            break
    assert got == want
    assert 0 < len(want) < 345


def test_rate_limit_answers_429_with_retry_after_and_headers() -> None:
    with SmartLeadServer(5, api_key=KEY, rate=1.0, burst=2) as running:
        answers = [get(running.base_url, limit=1) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    first, _, limited = answers
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert int(first.headers["X-RateLimit-Reset"]) >= int(time.time())
    assert limited.headers["Retry-After"] == "1"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.json() == {
        "error": {
            "code": "RATE_LIMIT_EXCEEDED",
            "message": "Rate limit exceeded. Please slow down.",
            "retry_after": 1,
        }
    }


def test_latency_is_added_to_every_answer() -> None:
    with SmartLeadServer(1, api_key=KEY, latency=0.15) as running:
        started = time.monotonic()
        get(running.base_url)
        assert time.monotonic() - started >= 0.15


# The faults with tests of their own: connections cut, and bodies that never end well.
SPECIAL = (Fault.DROP, Fault.CUT, Fault.TRICKLE, Fault.ENDLESS, Fault.GZIP_BOMB)


@pytest.mark.parametrize("fault", [f for f in Fault if f not in SPECIAL])
def test_faults_answer_once_then_the_page_is_served(fault: Fault) -> None:
    with SmartLeadServer(10, api_key=KEY) as running:
        running.add_fault(fault, offset=0, retry_after=2, delay=0.05)
        faulty = get(running.base_url, offset=0)
        fine = get(running.base_url, offset=0)
        log = running.requests
    assert fine.status_code == 200 and len(fine.json()) == 10
    expected_status = {
        Fault.SLOW: 200,
        Fault.HTML: 200,
        Fault.SUCCESS_FALSE: 200,
        Fault.TRUNCATED: 200,
        Fault.EMPTY: 200,
    }.get(fault, int(fault.value) if fault.value.isdigit() else 0)
    assert faulty.status_code == expected_status
    if fault is Fault.SLOW:
        assert faulty.json() == fine.json()
    elif fault is Fault.TRUNCATED:
        with pytest.raises(json.JSONDecodeError):
            json.loads(faulty.content)
    elif fault is Fault.EMPTY:
        assert faulty.content == b""
    elif fault is Fault.HTML:
        assert faulty.headers["content-type"].startswith("text/html")
    elif fault is Fault.SUCCESS_FALSE:
        assert faulty.json()["success"] is False
    elif fault is Fault.RATE_LIMITED:
        assert faulty.headers["Retry-After"] == "2"
        assert faulty.json()["error"]["retry_after"] == 2
    assert [entry.fault for entry in log] == [fault.value, None]
    assert fault in RETRYABLE_FAULTS or fault in FATAL_FAULTS


@pytest.mark.parametrize("fault", [Fault.DROP, Fault.CUT])
def test_dropped_and_cut_connections(fault: Fault) -> None:
    with SmartLeadServer(150, api_key=KEY) as running:
        running.add_fault(fault, times=2)
        for _ in range(2):
            with pytest.raises(httpx.RemoteProtocolError):
                get(running.base_url, offset=0)
        assert get(running.base_url, offset=0).status_code == 200
        assert [entry.status for entry in running.requests] == [0, 0, 200]


def test_fault_rules_match_request_number_and_offsets() -> None:
    with SmartLeadServer(300, api_key=KEY) as running:
        running.add_fault(Fault.HTTP_503, min_offset=150, times=1)
        running.add_fault(Fault.HTTP_500, request=4)
        statuses = [get(running.base_url, offset=o).status_code for o in (0, 100, 200, 0, 0)]
    assert statuses == [200, 200, 503, 500, 200]


def test_hooks_insert_and_delete_accounts_mid_pagination() -> None:
    with SmartLeadServer(250, api_key=KEY) as running:
        before = running.ids()
        running.on_request(lambda s: s.delete_accounts(positions=[0, 1]), offset=100)
        running.on_request(lambda s: s.insert_accounts(3, position=0), request=3)
        first = [r["id"] for r in get(running.base_url, offset=0).json()]
        second = [r["id"] for r in get(running.base_url, offset=100).json()]
        third = [r["id"] for r in get(running.base_url, offset=0, limit=3).json()]
        after = running.ids()
    assert first == before[:100]
    assert second == before[102:202]  # two deleted before offset 100: shifted by two
    assert third == after[:3] and len(after) == 251
    assert set(third).isdisjoint(before)


def test_command_line_server_prints_where_it_listens() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor.testing.server", "--accounts", "7", "--api-key", KEY],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/api/v1", first)
        assert match, first
        rest = process.stdout.readline() + process.stdout.readline()
        assert KEY not in first + rest
        assert len(get(match.group(0)).json()) == 7
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_command_line_server_serves_an_inventory_file(tmp_path: Path) -> None:
    records = generate_accounts(3, seed=5, first_id=500)
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps(records))
    command = [sys.executable, "-m", "auditor.testing.server", "--inventory", str(inventory)]
    process = subprocess.Popen([*command, "--api-key", KEY], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/api/v1", first)
        assert match and "(3 accounts)" in first, first
        assert get(match.group(0), fetch_campaigns="true").json() == records
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("kind", ["sliding", "fixed", "multi"])
def test_window_limiters_refuse_the_request_past_the_limit(kind: str) -> None:
    with SmartLeadServer(5, api_key=KEY, rate=3, limiter=kind, per_minute=100) as running:
        answers = [get(running.base_url, limit=1) for _ in range(4)]
    codes = [a.status_code for a in answers]
    if kind == "fixed":  # three per wall-clock second: a boundary may fall between them
        assert codes.count(429) <= 1 and codes[:3].count(200) >= 2
        return
    assert codes == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert int(answers[3].headers["Retry-After"]) >= 1
    if kind == "multi":  # each window declared with a suffix naming its length
        assert answers[0].headers["X-RateLimit-Limit-1s"] == "3"
        assert answers[0].headers["X-RateLimit-Limit-60s"] == "100"
        assert answers[2].headers["X-RateLimit-Remaining-60s"] == "97"


def test_sliding_window_never_lets_more_than_the_limit_into_any_window() -> None:
    from auditor.testing.limiters import SlidingWindow

    window = SlidingWindow(3, 0.2)
    accepted: list[float] = []
    deadline = time.monotonic() + 0.7
    while time.monotonic() < deadline:
        if window.take().allowed:
            accepted.append(time.monotonic())
        time.sleep(0.005)
    assert len(accepted) >= 9
    for start in accepted:
        assert sum(1 for t in accepted if start <= t < start + 0.19) <= 3


def test_a_route_added_by_another_module_answers_its_method() -> None:
    def write(handler: Any, app: SmartLeadServer) -> bool:
        handler.rfile.read(int(handler.headers["Content-Length"]))
        handler.send_response(200)
        handler.send_header("Content-Length", "11")
        handler.end_headers()
        handler.wfile.write(b'{"ok":true}')
        return True

    with SmartLeadServer(1, api_key=KEY) as running:
        running.add_route("POST", write)
        answer = CLIENT.post(running.base_url + "/email-accounts/1", json={})
        still = get(running.base_url)
    assert answer.json() == {"ok": True}
    assert still.status_code == 200


def test_endless_server_serves_full_pages_at_any_offset() -> None:
    with SmartLeadServer(0, api_key=KEY, endless=True) as running:
        far = get(running.base_url, offset=10**7).json()
    assert len(far) == 100 and far[0]["id"] == 10_000_000 + 10**7


def test_body_faults_trickle_endless_and_bomb() -> None:
    with SmartLeadServer(10, api_key=KEY) as running:
        running.add_fault(
            Fault.TRICKLE, delay=1.0
        )  # a byte a second: slower than the 0.5 s read timeout
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(running.base_url + "/email-accounts/", params={"api_key": KEY}, timeout=0.5)
        running.add_fault(Fault.ENDLESS)
        with CLIENT.stream(
            "GET", running.base_url + "/email-accounts/", params={"api_key": KEY}
        ) as r:
            got = 0
            for chunk in r.iter_raw():
                got += len(chunk)
                if got > 2**22:
                    break
        assert got > 2**22 and r.headers["transfer-encoding"] == "chunked"
        running.add_fault(Fault.GZIP_BOMB)
        with CLIENT.stream(
            "GET", running.base_url + "/email-accounts/", params={"api_key": KEY}
        ) as r:
            raw = r.read()  # httpx inflates it whole: 256 MiB
        assert r.headers["content-encoding"] == "gzip"
        assert len(raw) == (1 << 28) + 2 and raw[:1] == b"[" and raw[-1:] == b"]"
