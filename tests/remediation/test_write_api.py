"""The test server's write side on its own, over a real socket: validation and each switch."""

from __future__ import annotations

import httpx
import pytest

from auditor.testing.server import SmartLeadServer
from auditor.testing.write_api import meddle, write_side

KEY = "test-key-write-0001"


@pytest.fixture
def server():
    with SmartLeadServer(5, api_key=KEY) as running:
        yield running


def _post(server: SmartLeadServer, path: str, body: object) -> httpx.Response:
    return httpx.post(f"{server.base_url}{path}", params={"api_key": KEY}, json=body, timeout=5)


def _record(server: SmartLeadServer, account_id: int) -> dict:
    return next(r for r in server.accounts if r["id"] == account_id)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"total_warmup_per_day": 10}, "warmup_enabled is required"),
        (
            {"warmup_enabled": True, "total_warmup_per_day": 51},
            "total_warmup_per_day must be between 1 and 50",
        ),
        ({"warmup_enabled": True, "daily_rampup": 4}, "daily_rampup must be between 5 and 20"),
        (
            {"warmup_enabled": True, "reply_rate_percentage": 101},
            "reply_rate_percentage must be between 20 and 100",
        ),
    ],
)
def test_out_of_range_warmup_is_422(server, body, problem) -> None:
    account = server.ids()[0]
    before = _record(server, account)
    answer = _post(server, f"/email-accounts/{account}/warmup", body)
    assert answer.status_code == 422
    assert problem in answer.json()["error"]
    assert _record(server, account) == before


def test_warmup_turns_on(server) -> None:
    account = server.ids()[1]
    answer = _post(
        server, f"/email-accounts/{account}/warmup", {"warmup_enabled": True, "daily_rampup": 5}
    )
    assert answer.json() == {"ok": True}
    assert _record(server, account)["warmup_details"]["status"] == "ACTIVE"


def test_partial_update_keeps_what_is_left_out(server) -> None:
    account = server.ids()[0]
    before = _record(server, account)
    assert _post(server, f"/email-accounts/{account}", {"max_email_per_day": 7}).json() == {
        "ok": True
    }
    after = _record(server, account)
    assert after["message_per_day"] == 7
    assert after["minTimeToWaitInMins"] == before["minTimeToWaitInMins"]
    assert after["updated_at"] != before["updated_at"]


def test_full_replace_resets_what_is_left_out(server) -> None:
    write_side(server).mode = "full_replace"
    account = server.ids()[0]
    _post(server, f"/email-accounts/{account}", {"max_email_per_day": 7})
    after = _record(server, account)
    assert after["message_per_day"] == 7
    assert after["minTimeToWaitInMins"] is None and after["bcc_email"] is None


def test_ok_but_ignored(server) -> None:
    write_side(server).ignored = {"bcc"}
    account = server.ids()[0]
    before = _record(server, account)["bcc_email"]
    answer = _post(server, f"/email-accounts/{account}", {"bcc": "archive@x.example"})
    assert answer.json() == {"ok": True}
    assert _record(server, account)["bcc_email"] == before


def test_wrong_types_unknown_account_and_key(server) -> None:
    account = server.ids()[0]
    assert (
        _post(server, f"/email-accounts/{account}", {"max_email_per_day": "40"}).status_code == 422
    )
    assert _post(server, f"/email-accounts/{account}", {"max_email_per_day": -1}).status_code == 422
    assert _post(server, f"/email-accounts/{account}", [1]).status_code == 400
    assert _post(server, "/email-accounts/1", {"max_email_per_day": 1}).status_code == 404
    answer = httpx.post(
        f"{server.base_url}/email-accounts/{account}", params={"api_key": "nope"}, json={}
    )
    assert answer.status_code == 401


def test_errors_before_and_after_applying(server) -> None:
    side = write_side(server)
    account = server.ids()[0]
    side.fail_next = 1
    assert _post(server, f"/email-accounts/{account}", {"max_email_per_day": 3}).status_code == 500
    assert _record(server, account)["message_per_day"] != 3
    side.fail_after_apply = 1
    assert _post(server, f"/email-accounts/{account}", {"max_email_per_day": 3}).status_code == 500
    assert _record(server, account)["message_per_day"] == 3


def test_someone_else_changes_an_account(server) -> None:
    account = server.ids()[2]
    before = _record(server, account)
    meddle(server, account, message_per_day=123)
    after = _record(server, account)
    assert after["message_per_day"] == 123 and after["updated_at"] != before["updated_at"]
    with pytest.raises(KeyError):
        meddle(server, 1, message_per_day=1)


def test_writes_share_the_rate_limit(server) -> None:
    with SmartLeadServer(3, api_key=KEY, rate=1, burst=1) as limited:
        account = limited.ids()[0]
        first = _post(limited, f"/email-accounts/{account}", {"max_email_per_day": 5})
        second = _post(limited, f"/email-accounts/{account}", {"max_email_per_day": 6})
    assert first.status_code == 200
    assert second.status_code == 429 and "Retry-After" in second.headers
