"""A large array decoded a slice at a time gives exactly what decoding it whole gives: the same
records in the same order, and the same error, told in the file's terms, for text that is broken
anywhere. Slices are made small here so that a few records cross many cuts."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import InventoryError
from auditor.sources import json_decode
from auditor.sources.json_decode import array_slices, loads_json, starts_an_array
from auditor.sources.snapshot import SnapshotSource
from auditor.testing.generator import generate_accounts

# Texts full of what a cut looks for: braces and commas inside strings and nested values.
CUT_LIKE = st.sampled_from(["}, {", '},{"id": 1, "created_at": 2}', "\\", '"', "}", "{", ","])
TEXTS = st.lists(st.one_of(CUT_LIKE, st.text(max_size=5)), max_size=6).map("".join)
VALUES = st.recursive(
    st.none() | st.integers() | TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
    max_leaves=8,
)
RECORDS = st.lists(
    st.fixed_dictionaries(
        {"id": st.integers(), "created_at": TEXTS}, optional={"tags": VALUES, "note": VALUES}
    ),
    max_size=25,
)


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_decode, "SLICE_BYTES", 64)


def sliced(text: bytes) -> list[list[Any]]:
    stream = io.BytesIO(text)
    assert starts_an_array(stream)
    return list(array_slices(stream, where="inv.json"))


@pytest.mark.usefixtures("small_slices")
@settings(max_examples=300, deadline=None)
@given(records=RECORDS, indent=st.sampled_from([None, 2]), bom=st.booleans())
def test_slices_join_to_the_whole_array(records: list[Any], indent: int | None, bom: bool) -> None:
    text = (b"\xef\xbb\xbf" if bom else b"") + json.dumps(records, indent=indent).encode()
    slices = sliced(text)
    assert [record for piece in slices for record in piece] == records


def test_a_large_array_is_given_in_many_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_decode, "SLICE_BYTES", 1024)  # an account is about 1.5 KB
    records = generate_accounts(200, seed=3)
    slices = sliced(json.dumps(records).encode())
    assert len(slices) > 20  # each slice holds a few accounts, never the whole inventory
    assert max(map(len, slices)) < 20
    assert [record for piece in slices for record in piece] == records


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        # broken text far past the first slices: the error names the line and column in the file
        (b'\n  {"id": 2,,}\n]', "not valid JSON"),
        (b'\n  {"id": 2, "id": 3}\n]', "key 'id' appears more than once"),
        (b'\n  {"id": NaN}\n]', "NaN is not a JSON number"),
        (b'\n  {"id": 2}\n] trailing', "more text follows the end"),
    ],
)
def test_errors_past_the_first_slices_are_those_of_the_whole_text(
    tail: bytes, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_decode, "SLICE_BYTES", 1024)
    head = json.dumps(generate_accounts(30, seed=5), indent=2).encode()[:-2] + b","
    text = head + tail
    with pytest.raises(InventoryError) as whole:
        loads_json(text, where="inv.json")
    with pytest.raises(InventoryError) as in_slices:
        sliced(text)
    assert str(in_slices.value) == str(whole.value)
    assert expected in str(whole.value)


@pytest.mark.usefixtures("small_slices")
def test_records_unlike_the_first_are_decoded_whole() -> None:
    """No cut is ever followed by the first record's keys: the text is decoded at once."""
    records = [{"id": 1, "created_at": "x"}] + [{"name": str(i) * 40} for i in range(20)]
    assert sliced(json.dumps(records).encode()) == [records]


def test_a_saved_inventory_reads_the_same_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_decode, "SLICE_BYTES", 1024)
    path = tmp_path / "inv.json"
    records = generate_accounts(60, seed=9)
    path.write_text(json.dumps(records, indent=2))
    slices = list(array_slices(path.open("rb"), where="inv.json"))
    assert len(slices) > 10
    accounts = SnapshotSource(path).load().accounts
    assert [a.id for a in accounts] == [r["id"] for r in records]
    assert accounts[-1].from_email == records[-1]["from_email"]


PLAIN = "Zq8-late-slice/secret"
SENT = base64.b64encode(PLAIN.encode()).decode()  # passwords arrive base64-encoded


def _leak_smtp_error(record: dict[str, Any], leaked: str) -> None:
    record["smtp_failure_error"] = f"login failed for {leaked}"


def _leak_warmup_reason(record: dict[str, Any], leaked: str) -> None:
    record["warmup_details"] = {"status": "BLOCKED", "blocked_reason": f"auth {leaked} refused"}


def _leak_tag_name(record: dict[str, Any], leaked: str) -> None:
    record["tags"] = [{"id": 1, "name": f"pw {leaked}", "color": "#fff"}]


def _text(account: Any, where: str) -> str:
    if where == "_leak_warmup_reason":
        return account.warmup_details.blocked_reason or ""
    if where == "_leak_tag_name":
        return account.tags[0].name
    return account.smtp_failure_error or ""


@pytest.mark.parametrize("leak", [_leak_smtp_error, _leak_warmup_reason, _leak_tag_name])
@pytest.mark.parametrize(
    "leaked",
    [SENT, PLAIN, PLAIN.upper(), quote(PLAIN, safe="")],
    ids=["sent", "plain", "upper", "url"],
)
def test_a_password_in_a_later_slice_is_scrubbed_from_an_earlier_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, leak: Any, leaked: str
) -> None:
    """Accounts are scrubbed once all are read: a password met late still counts everywhere,
    nested texts and every spelling included."""
    monkeypatch.setattr(json_decode, "SLICE_BYTES", 1024)
    records = generate_accounts(40, seed=4)
    records[-1]["password"] = SENT
    leak(records[0], leaked)
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(records))
    assert len(list(array_slices(path.open("rb"), where="inv.json"))) > 10  # really in slices
    accounts = SnapshotSource(path).load().accounts
    text = _text(accounts[0], leak.__name__)
    assert leaked.lower() not in text.lower()
    assert "[REDACTED]" in text


@pytest.mark.usefixtures("small_slices")
def test_a_record_larger_than_several_slices_is_decoded_whole() -> None:
    records = [{"id": 1, "created_at": "x"}, {"id": 2, "created_at": "y" * 2000}]
    assert sliced(json.dumps(records).encode()) == [records]
