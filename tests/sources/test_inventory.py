"""The account model and inventory parsing: tolerant of every documented variant, strict about
what cannot be understood, and never keeping a password."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import InventoryError
from auditor.model.account import EmailAccount, account_to_wire, fields_of
from auditor.sources.inventory import (
    SNAPSHOT_SCHEMA,
    dumps_snapshot,
    inventory_from_document,
    parse_accounts,
    snapshot_document,
)
from auditor.sources.snapshot import SnapshotSource
from tests.support.accounts import wire
from tests.support.shared import DEMO_INVENTORY, SAMPLE_RESPONSE


def test_sample_response_parses_with_wire_names_mapped() -> None:
    accounts = parse_accounts(json.loads(SAMPLE_RESPONSE.read_text()))
    first, second, third = accounts
    assert first.min_time_to_wait_mins == 12
    assert first.warmup_details is not None and first.warmup_details.warmup_reputation == 98.0
    assert first.tags[0].name == "Primary Senders"
    assert first.campaign_ids == (7001, 7002)
    assert second.different_reply_to_address is None  # "" means none
    assert second.warmup_details is None
    assert third.warmup_details is not None
    assert third.warmup_details.blocked_reason == "Too many spam placements"
    assert [a.has_password for a in accounts] == [True, False, True]


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"warmup__warmup_reputation": 95}, lambda a: a.warmup_details.warmup_reputation == 95),
        ({"warmup__warmup_reputation": "95%"}, lambda a: a.warmup_details.warmup_reputation == 95),
        ({"warmup__warmup_key_id": 1234}, lambda a: a.warmup_details.warmup_key_id == "1234"),
        ({"tags": [{"id": 9, "name": "EU", "color": "#000"}]}, lambda a: a.tag_names == ("EU",)),
        ({"tags": None}, lambda a: a.tags == ()),
        ({"type": "ZOHO"}, lambda a: a.type == "ZOHO"),
        ({"type": "SOMETHING_NEW"}, lambda a: a.type == "SOMETHING_NEW"),
        (
            {"expires_at": "x", "is_connected_to_campaign": True, "brand_new": {"a": 1}},
            lambda a: a.id == 1,
        ),
        ({"imap_port": ""}, lambda a: a.imap_port is None),
        ({"created_at": "2022-05-26T03:47:31.448094+00:00"}, lambda a: a.created_at.year == 2022),
        ({"created_at": "2025-01-15T10:30:00.000Z"}, lambda a: a.created_at.tzinfo is not None),
        ({"campaign_ids": [], "campaign_count": 3}, lambda a: a.in_use is False),
        ({"campaign_ids": None, "campaign_count": 3}, lambda a: a.in_use is True),
        (
            {"password": None, "imap_password": ""},
            lambda a: not a.has_password and not a.has_imap_password,
        ),
    ],
)
def test_tolerated_variants(changes: dict[str, Any], check: Any) -> None:
    (account,) = parse_accounts([wire(**changes)])
    assert check(account)


def test_passwords_never_leave_the_model() -> None:
    secret = "c2VjcmV0LWh1bnRlcjI="  # base64 of secret-hunter2
    record = wire(password=secret, smtp_failure_error="bad login secret-hunter2 / " + secret)
    (account,) = parse_accounts([record])
    dumped = json.dumps(account_to_wire(account))
    assert "password" not in fields_of(EmailAccount)
    assert secret not in dumped and "secret-hunter2" not in dumped
    assert secret not in repr(account) and "secret-hunter2" not in repr(account)
    assert account.has_password
    # built directly from keyword arguments, the same boundary applies
    direct = EmailAccount(**record)
    assert direct == account and direct.credential_tag == account.credential_tag


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([wire(), {"from_email": "x@y"}], "record 1: field 'id': Field required"),
        ([wire(message_per_day="lots")], "record 0 (id 1): field 'message_per_day'"),
        ([wire(tags="EU")], "record 0 (id 1): field 'tags'"),
        ([wire(minTimeToWaitInMins=[1])], "field 'minTimeToWaitInMins'"),
        ([wire(warmup__warmup_reputation="high")], "field 'warmup_details.warmup_reputation'"),
        ([wire(), "not an object"], "record 1: the record itself"),
        ([wire(), wire()], "records 0 and 1 have the same id 1"),
    ],
)
def test_records_that_cannot_be_understood_name_index_and_field(
    records: list[Any], expected: str
) -> None:
    with pytest.raises(InventoryError) as raised:
        parse_accounts(records)
    assert expected in str(raised.value)


def test_error_never_echoes_a_rejected_value() -> None:
    with pytest.raises(InventoryError) as raised:
        parse_accounts([wire(message_per_day="c2VjcmV0LWh1bnRlcjI=")])
    assert "c2VjcmV0" not in str(raised.value)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"success": False, "message": "nope"}, "not an inventory"),
        ("hello", "got a string"),
        ({"schema": SNAPSHOT_SCHEMA, "accounts": {"a": 1}}, "expected a JSON array"),
        ({"schema": SNAPSHOT_SCHEMA, "fetched_at": 5, "accounts": []}, "fetched_at"),
    ],
)
def test_documents_that_are_not_inventories(document: Any, expected: str) -> None:
    with pytest.raises(InventoryError) as raised:
        inventory_from_document(document, source="x.json")
    assert expected in str(raised.value)


def test_snapshot_round_trip_keeps_everything_but_passwords(tmp_path: Path) -> None:
    raw = json.loads(DEMO_INVENTORY.read_text())
    original = parse_accounts(raw)
    from datetime import UTC, datetime

    document = snapshot_document(
        list(reversed(original)),
        fetched_at=datetime(2026, 1, 2, tzinfo=UTC),
        source={"url": "https://server.smartlead.ai/api/v1/email-accounts/"},
    )
    text = dumps_snapshot(document)
    assert 'password"' not in text.replace('has_password"', "").replace('has_imap_password"', "")
    for record in raw:
        if record["password"]:
            assert record["password"] not in text
    path = tmp_path / "snap.json"
    path.write_text(text)
    inventory = SnapshotSource(path).load()
    assert [a.id for a in inventory.accounts] == sorted(a.id for a in original)

    def dumps(accounts: Any) -> list[dict[str, Any]]:
        return [account_to_wire(a) for a in sorted(accounts, key=lambda a: a.id)]

    assert dumps(inventory.accounts) == dumps(original)
    # The credential tag (for shared-credentials) is never written, so it does not come back.
    assert all(a.credential_tag is None for a in inventory.accounts)
    assert any(a.credential_tag is not None for a in original)
    assert inventory.info.fetched_at == datetime(2026, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'[{"id": 1,', "bad.json:1:11: the file is not valid JSON: a property name in double"),
        (b"<!DOCTYPE html><html>", "bad.json: this looks like an HTML page, not JSON."),
        (b"  \n", "bad.json: the file is empty, not JSON."),
        (b"\xff\xfe[]", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        # a repeated key first, then broken text: the broken text is what gets reported
        (
            b'[{"id": 1, "id": 2}\x00',
            "bad.json:1:20: the file is not valid JSON: a comma was expected here.",
        ),
    ],
)
def test_unreadable_snapshot_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InventoryError) as raised:
        SnapshotSource(path).load()
    assert expected in str(raised.value)


def test_missing_snapshot_file(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="cannot read inventory"):
        SnapshotSource(tmp_path / "missing.json").load()


def test_repeated_keys_are_an_inventory_error_naming_the_record(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('[{"id": 1}, {"id": 2, "message_per_day": 30, "message_per_day": 900}]')
    with pytest.raises(InventoryError) as raised:
        SnapshotSource(path).load()
    assert str(raised.value) == (
        f"{path}: record 1 (id 2): key 'message_per_day' appears more than once; "
        "which value is meant is ambiguous."
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"warmup__warmup_reputation": "NaN"}, "warmup_details.warmup_reputation"),
        ({"warmup__warmup_reputation": 150}, "warmup_details.warmup_reputation"),
        ({"warmup__warmup_reputation": "-5%"}, "warmup_details.warmup_reputation"),
        ({"warmup__reply_rate": 101}, "warmup_details.reply_rate"),
        ({"message_per_day": True}, "message_per_day"),
        ({"message_per_day": "30"}, "message_per_day"),
        ({"message_per_day": 30.0}, "message_per_day"),
        ({"is_smtp_success": 1}, "is_smtp_success"),
        ({"is_smtp_success": "true"}, "is_smtp_success"),
        ({"id": "1"}, "id"),
        ({"client_id": "5120"}, "client_id"),
        ({"campaign_ids": [7, "8"]}, "campaign_ids[1]"),
    ],
)
def test_values_outside_the_documented_variants_stop_the_run(
    run_cli: Any, write_json: Any, changes: dict[str, Any], field: str
) -> None:
    """Exit 3 naming the record and the field, never a verdict on a value read loosely (a NaN
    reputation passed every minimum; `true` counted as 1)."""
    second = wire(**{"id": 2, **changes})
    result = run_cli("check", "--inventory", write_json([wire(), second], "i.json"))
    assert result.code == 3, result.err
    assert "record 1" in result.err and f"field '{field}'" in result.err


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_in_the_text_stop_the_run(
    run_cli: Any, tmp_path: Path, constant: str
) -> None:
    path = tmp_path / "i.json"
    path.write_text(
        json.dumps([wire()]).replace('"message_per_day": 30', f'"message_per_day": {constant}')
    )
    assert constant in path.read_text()
    result = run_cli("check", "--inventory", path)
    assert result.code == 3
    assert f"{constant} is not a JSON number" in result.err
