"""ApiSource against the test server over real sockets: complete, polite, and never partial."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from auditor.errors import ApiError, ExitCode, InventoryError
from auditor.model.account import Inventory
from auditor.sources.api import ApiSource
from auditor.sources.filters import ApiFilters, Esp, WarmupStatus
from auditor.sources.pagination import STEP
from auditor.testing.faults import Fault
from auditor.testing.server import SmartLeadServer
from tests.support.api import KEY, assert_same_inventory, expected_accounts, fast_settings

pytestmark = pytest.mark.usefixtures("isolated")


def fetch(server: SmartLeadServer, filters: ApiFilters | None = None, **settings: Any) -> Inventory:
    return ApiSource(fast_settings(server, **settings), filters).load()


def fail(server: SmartLeadServer, **settings: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        fetch(server, **settings)
    assert caught.value.exit_code == ExitCode.INVENTORY
    return caught.value


def test_full_fetch_equals_the_server_inventory() -> None:
    with SmartLeadServer(1234, api_key=KEY) as server:
        inventory = fetch(server)
        log = server.requests
    assert_same_inventory(inventory, server)
    assert len(inventory.accounts) == 1234
    stats = inventory.info.stats
    assert stats is not None
    assert stats.pages == 13 and stats.retries == 0
    assert 14 <= len(log) <= stats.requests  # sent, minus speculative ones cancelled early
    assert stats.elapsed_seconds > 0
    assert inventory.info.fetched_at is not None
    assert inventory.info.source == (
        f"{server.base_url}/email-accounts/?api_key=[REDACTED]&fetch_campaigns=true&limit=100"
    )
    assert all(a.campaign_ids is not None for a in inventory.accounts)


def test_requests_carry_the_documented_parameters() -> None:
    with SmartLeadServer(450, api_key=KEY) as server:
        fetch(server, concurrency=1)
        log = server.requests
    offsets = [entry.offset for entry in log]
    # overlapping pages (step 99), each read once: the overlaps are the whole check
    assert offsets == [0, 99, 198, 297, 396]
    assert all(entry.limit == 100 for entry in log)


@pytest.mark.parametrize("count", [0, 1, 99, 100, 101, 198, 199, 200, 298])
def test_page_boundaries(count: int) -> None:
    with SmartLeadServer(count, api_key=KEY) as server:
        inventory = fetch(server)
    assert_same_inventory(inventory, server)


def test_a_single_page_needs_a_single_request() -> None:
    with SmartLeadServer(42, api_key=KEY) as server:
        fetch(server, concurrency=1)
        assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("filters", "params"),
    [
        (ApiFilters(in_use=True), {"isInUse": "true"}),
        (ApiFilters(in_use=False, smtp_ok=False), {"isInUse": "false", "isSmtpSuccess": "false"}),
        (ApiFilters(warmup_status=WarmupStatus.ACTIVE), {"emailWarmupStatus": "ACTIVE"}),
        (ApiFilters(warmup_blocked=True), {"isWarmupBlocked": "true"}),
        (ApiFilters(esp=Esp.SMTP, client_id=5120), {"esp": "SMTP", "client_id": "5120"}),
        (ApiFilters(username="ava"), {"username": "ava"}),
    ],
)
def test_filters_become_api_parameters_and_are_applied_by_the_server(
    filters: ApiFilters, params: dict[str, str]
) -> None:
    assert filters.params() == params
    with SmartLeadServer(700, api_key=KEY) as server:
        inventory = fetch(server, filters)
        everything = fetch(server)
    got = {a.id for a in inventory.accounts}
    assert 0 < len(got) < len(everything.accounts)
    from auditor.testing.server import _matches  # the server's own reading of the filters

    want = {r["id"] for r in server.accounts if _matches(r, {**params, "fetch_campaigns": "true"})}
    assert got == want
    for name, value in params.items():
        assert f"{name}={value}" in inventory.info.source


@pytest.mark.parametrize("shape", ["message", "error"])
def test_rejected_key_is_an_api_error_naming_the_page_and_not_retried(shape: str) -> None:
    with SmartLeadServer(300, api_key="the-right-key-123", unauthorized_shape=shape) as server:
        error = fail(server)
        assert len(server.requests) <= 8  # the first wave only: nothing is retried
        # -1: still being answered when the client, told 401, stopped waiting for it
        statuses = [entry.status for entry in server.requests]
        assert 401 in statuses and set(statuses) <= {401, -1}
    text = str(error)
    assert re.search(r"page at offset \d+: HTTP 401", text)
    assert ("Invalid API Key" if shape == "message" else "Invalid or missing API key") in text
    assert "SMARTLEAD_API_KEY" in text


@pytest.mark.parametrize(
    ("fault", "status"),
    [(Fault.HTTP_422, 422), (Fault.HTTP_400, 400), (Fault.HTTP_403, 403), (Fault.HTTP_404, 404)],
)
def test_client_errors_are_never_retried(fault: Fault, status: int) -> None:
    with SmartLeadServer(300, api_key=KEY) as server:
        server.add_fault(fault, offset=2 * STEP)
        error = fail(server, concurrency=1)
        at_offset = [e for e in server.requests if e.offset == 2 * STEP]
    assert len(at_offset) == 1
    assert f"page at offset {2 * STEP}: HTTP {status}" in str(error)


def test_429_retry_after_is_honoured_by_every_worker() -> None:
    with SmartLeadServer(500, api_key=KEY) as server:
        server.add_fault(Fault.RATE_LIMITED, offset=STEP, retry_after=1)
        started = time.monotonic()
        inventory = fetch(server, concurrency=4)
        elapsed = time.monotonic() - started
        log = server.requests
    assert_same_inventory(inventory, server)
    assert elapsed >= 1.0
    limited_at = next(i for i, e in enumerate(log) if e.status == 429)
    assert inventory.info.stats is not None and inventory.info.stats.retries == 1
    assert len(log) - limited_at >= 2


def test_server_rate_limit_is_survived_and_respected() -> None:
    # the client is told 1000/s, the server allows 20/s with bursts of 5: 429s and
    # X-RateLimit-Remaining: 0 must slow it down, and the inventory must still be complete
    with SmartLeadServer(1500, api_key=KEY, rate=20, burst=5) as server:
        inventory = fetch(server, concurrency=4, retries=8)
    assert_same_inventory(inventory, server)


def test_pacing_keeps_under_the_configured_rate() -> None:
    with SmartLeadServer(1000, api_key=KEY, rate=10, burst=10) as server:
        started = time.monotonic()
        inventory = fetch(server, rate=10.0, concurrency=4)
        elapsed = time.monotonic() - started
        statuses = {e.status for e in server.requests}
    assert_same_inventory(inventory, server)
    assert statuses == {200}  # never rate limited: the client paced itself
    assert inventory.info.stats is not None
    requests = inventory.info.stats.requests
    assert elapsed >= (requests - 5) / 10 - 0.1  # burst of 5 (rate // 2), then 10/s


@pytest.mark.parametrize(
    "fault",
    [
        Fault.HTTP_500,
        Fault.HTTP_502,
        Fault.HTTP_503,
        Fault.HTTP_504,
        Fault.DROP,
        Fault.CUT,
        Fault.SLOW,
    ],
)
def test_transient_failures_are_retried(fault: Fault) -> None:
    with SmartLeadServer(500, api_key=KEY) as server:
        server.add_fault(fault, offset=2 * STEP, times=3, delay=1.5)
        inventory = fetch(server, retries=3, timeout=0.5)
        at_page = [e.fault for e in server.requests if e.offset == 2 * STEP]
    assert_same_inventory(inventory, server)
    assert at_page[:4] == [fault.value] * 3 + [None]
    # at least those three (a loaded machine may time out another page's whole answer too)
    assert inventory.info.stats is not None and inventory.info.stats.retries >= 3


def test_a_5xx_burst_hitting_many_pages_is_retried() -> None:
    with SmartLeadServer(1000, api_key=KEY) as server:
        server.add_fault(Fault.HTTP_503, times=12)
        inventory = fetch(server, retries=12)
    assert_same_inventory(inventory, server)


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (Fault.HTTP_503, "HTTP 503: Service Unavailable"),
        (Fault.HTTP_500, "HTTP 500: Internal server error occurred"),
        (Fault.HTTP_502, "HTTP 502: no error message (text/html"),
        (Fault.DROP, "connection failed or dropped (RemoteProtocolError"),
        (Fault.SLOW, "no complete answer within 0.2s (timeout)"),
    ],
)
def test_retries_exhausted_fail_closed_naming_page_status_and_cause(
    fault: Fault, cause: str
) -> None:
    with SmartLeadServer(500, api_key=KEY) as server:
        server.add_fault(fault, offset=3 * STEP, times=10, delay=0.5)
        error = fail(server, retries=2, timeout=0.2)
    assert f"page at offset {3 * STEP} could not be fetched after 3 attempts: {cause}" in str(error)
    assert error.tip is not None and "nothing was audited" in error.tip


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault.HTML, "HTTP 200 but the body is not JSON (text/html"),
        (Fault.TRUNCATED, "HTTP 200 but the body is not JSON (application/json"),
        (Fault.EMPTY, "HTTP 200 but the body is not JSON (application/json, 0 bytes"),
        (
            Fault.SUCCESS_FALSE,
            "HTTP 200 but the body is a JSON object, not an array of accounts: "
            "Something went wrong",
        ),
    ],
)
def test_a_200_that_is_not_a_page_is_retried_then_fails_closed(fault: Fault, message: str) -> None:
    with SmartLeadServer(500, api_key=KEY) as server:
        server.add_fault(fault, offset=4 * STEP, times=2)
        inventory = fetch(server, retries=2)  # a glitch: retried like a 503
        assert_same_inventory(inventory, server)
        server.add_fault(fault, offset=4 * STEP, times=3)
        error = fail(server, retries=2)  # the budget spent: never an empty or partial page
        at_page = [e.fault for e in server.requests if e.offset == 4 * STEP]
    assert at_page[-3:] == [fault.value] * 3
    assert f"page at offset {4 * STEP} could not be fetched after 3 attempts: {message}" in str(
        error
    )


def test_an_invalid_record_fails_naming_the_page() -> None:
    records = [{"id": i} for i in range(1, 151)]
    records[120]["id"] = "not a number"
    with (
        SmartLeadServer(records, api_key=KEY) as server,
        pytest.raises(InventoryError, match=r"page at offset 99: record 21"),
    ):
        fetch(server)


def test_connection_refused_is_an_api_error() -> None:
    with SmartLeadServer(1, api_key=KEY) as server:
        settings = fast_settings(server, retries=1)
    with pytest.raises(ApiError) as raised:
        ApiSource(settings).load()
    # The host, not a page, is at fault: the message says so and points at the setting.
    assert str(raised.value).startswith(
        f"cannot reach the SmartLead API at {settings.base_url.removesuffix('/api/v1')} "
        "(2 attempts): no connection (ConnectError"
    )
    assert "SMARTLEAD_BASE_URL" in (raised.value.tip or "")


# --- accounts added or removed while paging -------------------------------------------------


def _mutating(count: int, action: Any, **when: Any) -> tuple[Inventory, SmartLeadServer]:
    server = SmartLeadServer(count, api_key=KEY)
    with server:
        server.on_request(action, **when)
        inventory = fetch(server, concurrency=3)
    return inventory, server


@pytest.mark.parametrize(
    ("action", "when"),
    [
        (lambda s: s.delete_accounts(positions=[5]), {"offset": 4 * STEP}),
        (lambda s: s.delete_accounts(positions=[10, 150, 250]), {"offset": 5 * STEP}),
        (lambda s: s.delete_accounts(positions=[2 * STEP]), {"offset": 3 * STEP}),  # the overlap
        (lambda s: s.insert_accounts(1, position=3), {"offset": 4 * STEP}),
        (lambda s: s.insert_accounts(4, position=0), {"offset": 6 * STEP}),
        (lambda s: s.insert_accounts(2, position=150), {"offset": 2 * STEP}),
        (lambda s: s.insert_accounts(2), {"offset": 3 * STEP}),  # appended at the end
        (lambda s: s.delete_accounts(positions=[699]), {"offset": 2 * STEP}),  # the last one
        (lambda s: s.delete_accounts(positions=list(range(100, 400))), {"offset": 5 * STEP}),
        (lambda s: s.insert_accounts(250, position=20), {"offset": 5 * STEP}),
    ],
)
def test_changes_while_paging_give_exactly_the_final_inventory(
    action: Any, when: dict[str, int]
) -> None:
    inventory, server = _mutating(700, action, **when)
    assert_same_inventory(inventory, server)
    assert len(inventory.accounts) != 700 or server.ids() != list(range(100001, 100701))


def test_a_deletion_that_would_slip_an_account_past_a_boundary_is_caught() -> None:
    # Without the overlap check, deleting account 0 right before page 2 is read shifts the first
    # account of page 2 into page 1's range, already read: that account would silently vanish.
    inventory, server = _mutating(400, lambda s: s.delete_accounts(positions=[0]), offset=2 * STEP)
    assert_same_inventory(inventory, server)
    assert len(inventory.accounts) == 399
    assert inventory.info.stats is not None
    assert inventory.info.stats.requests > 5  # re-fetched what moved


def test_a_change_just_before_the_last_page_is_read_is_caught() -> None:
    with SmartLeadServer(500, api_key=KEY) as server:
        # pages 0-4 are read as they were, the last (short) page after a deletion on page 0
        server.on_request(lambda s: s.delete_accounts(positions=[3]), request=6)
        inventory = fetch(server, concurrency=1)
        offsets = [entry.offset for entry in server.requests]
    assert_same_inventory(inventory, server)
    assert len(inventory.accounts) == 499
    assert offsets[:6] == [0, 99, 198, 297, 396, 495] and len(offsets) > 6  # re-synced


def test_a_list_that_never_stops_changing_fails_within_the_budget() -> None:
    with SmartLeadServer(600, api_key=KEY, insert_every=2, delete_every=3) as server:
        error = fail(server, retries=2, concurrency=2)
    assert "the account list kept changing while it was read" in str(error)
    assert "no consistent view after 2 re-sync(s)" in str(error)


def test_expected_accounts_helper_matches_parse() -> None:
    with SmartLeadServer(3, api_key=KEY) as server:
        assert [a.id for a in expected_accounts(server)] == server.ids()
