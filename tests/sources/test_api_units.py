"""Pure unit tests of the live-fetch pieces: response parsing (httpx.MockTransport), the pacer,
and the page-chain logic. Behaviour over sockets is in test_api_source.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from auditor.api_settings import Settings
from auditor.errors import ApiError
from auditor.model.account import EmailAccount
from auditor.sources.answers import error_message, retry_after_seconds
from auditor.sources.api import ApiSource
from auditor.sources.pagination import STEP, Page, assemble, find_break, page_offset
from tests.support.api import KEY

pytestmark = pytest.mark.usefixtures("isolated")


def mock_source(handler: Any, **settings: Any) -> ApiSource:
    values: dict[str, Any] = {
        "api_key": KEY,
        "base_url": "http://127.0.0.1:9/api/v1",
        "retries": 1,
        "backoff": 0.0,
        "rate": 1000.0,
    }
    values.update(settings)
    return ApiSource(
        Settings(_env_file=None, **values),  # type: ignore[call-arg]
        transport=httpx.MockTransport(handler),
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "Invalid API Key"}, "Invalid API Key"),
        (
            {"error": "limit must be less than or equal to 100"},
            "limit must be less than or equal to 100",
        ),
        ({"success": False, "error": {"code": "UNAUTHORIZED", "message": "nope"}}, "nope"),
        ({"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "slow", "retry_after": 30}}, "slow"),
        ({"message": "", "error": "fallback"}, "fallback"),
        ({"success": False}, None),
        ([1, 2], None),
        ("text", None),
    ],
)
def test_error_message_reads_the_three_documented_shapes(body: object, message: str | None) -> None:
    assert error_message(body) == message


def test_retry_after_from_header_seconds_date_or_body() -> None:
    assert retry_after_seconds({"retry-after": "3"}, None) == 3.0
    assert retry_after_seconds({"retry-after": "0.5"}, None) == 0.5
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28 <= (retry_after_seconds({"retry-after": later}, None) or 0) <= 31
    body = {"error": {"code": "RATE_LIMIT_EXCEEDED", "retry_after": 7}}
    assert retry_after_seconds({}, body) == 7.0
    assert retry_after_seconds({}, {"retry_after": 2}) == 2.0
    assert retry_after_seconds({"retry-after": "soon"}, {"retry_after": True}) is None
    assert retry_after_seconds({}, None) is None


def test_every_request_has_the_documented_query() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json=[])

    inventory = mock_source(handler, concurrency=1).load()
    assert inventory.accounts == ()
    assert len(seen) == 1
    url = seen[0]
    assert url.path == "/api/v1/email-accounts/"
    assert dict(url.params) == {
        "api_key": KEY,
        "fetch_campaigns": "true",
        "offset": "0",
        "limit": "100",
    }


def test_more_records_than_the_limit_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"id": i} for i in range(101)])

    with pytest.raises(ApiError, match="page at offset 0: 101 records for limit=100"):
        mock_source(handler).load()


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(200, text='[{"id": 1}, {"id'), "not JSON (text/plain, 16 bytes"),
        (httpx.Response(200, json={"success": False}), "a JSON object, not an array of accounts"),
        (httpx.Response(200, json="ok"), "a JSON string, not an array of accounts"),
        (httpx.Response(200, content=b"null"), "null, not an array of accounts"),
        (httpx.Response(200, content=b""), "not JSON"),
        (httpx.Response(418, text="short and stout"), "HTTP 418: short and stout"),
    ],
)
def test_a_body_that_is_not_an_array_is_never_an_empty_page(
    response: httpx.Response, message: str
) -> None:
    # a 200 that is not a page is retried (retries=1 here), then fails naming the page
    with pytest.raises(ApiError, match="page at offset 0.*" + message.replace("(", r"\(")):
        mock_source(lambda request: response).load()


def test_error_bodies_echoing_the_url_are_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"message": f"Cannot GET {request.url}"})

    with pytest.raises(ApiError) as caught:
        mock_source(handler).load()
    assert KEY not in str(caught.value)
    assert "api_key=[REDACTED]" in str(caught.value)


def _page(index: int, ids: list[int]) -> Page:
    return Page(index, tuple(EmailAccount(id=i) for i in ids))


def test_consistent_overlapping_chain_has_no_break_and_assembles_deduplicated() -> None:
    pages = {
        0: _page(0, list(range(0, 100))),
        1: _page(1, list(range(99, 199))),
        2: _page(2, list(range(198, 250))),
        3: _page(3, []),
    }
    assert page_offset(2) == 2 * STEP == 198
    assert find_break(pages) is None
    assert [a.id for a in assemble(pages)] == list(range(250))


def test_shifted_overlap_is_a_break() -> None:
    pages = {0: _page(0, list(range(0, 100))), 1: _page(1, list(range(100, 200))), 2: _page(2, [])}
    problem = find_break(pages)
    assert problem is not None and problem.index == 0
    assert "starts with account 100, not 99" in problem.reason


def test_empty_page_after_a_full_one_is_a_break() -> None:
    problem = find_break({0: _page(0, list(range(100))), 1: _page(1, [])})
    assert problem is not None and "is empty" in problem.reason


def test_records_beyond_the_short_page_are_a_break() -> None:
    problem = find_break(
        {0: _page(0, list(range(100))), 1: _page(1, [99, 100]), 2: _page(2, [300])}
    )
    assert problem is not None and problem.index == 1 and "has accounts" in problem.reason


def test_accounts_are_slotted_and_frozen() -> None:
    """Slots, not a __dict__ per account: what keeps 50,000 fetched accounts small."""
    import dataclasses

    from auditor.sources.inventory import parse_accounts
    from auditor.testing.generator import generate_accounts

    account = parse_accounts(generate_accounts(1))[0]
    assert not hasattr(account, "__dict__")
    assert account.warmup_details is None or not hasattr(account.warmup_details, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        account.signature = "x"  # type: ignore[misc]


def test_an_api_that_ignores_offset_fails_instead_of_paging_forever() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"id": i} for i in range(100)])

    with pytest.raises(ApiError, match="the API seems to ignore the offset parameter"):
        mock_source(handler, concurrency=4).load()
