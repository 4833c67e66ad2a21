"""The one-pass inventory path (JSON text validated in Rust, repeated keys looked for in a forked
child) must give exactly what the exact path gives, or step aside for it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import inventory as inventory_module
from auditor.errors import InventoryError
from auditor.forking import can_fork
from auditor.inventory import SNAPSHOT_SCHEMA, inventory_from_document, loads_json
from auditor.models import Inventory, WarmupDetails, fields_of
from auditor.sources.snapshot import SnapshotSource
from auditor.testing.generator import generate_accounts
from tests.accounts import wire
from tests.test_properties import KNOWN_FIELDS, _set, hostile_inventory_bytes
from tests.test_wiretypes import json_values as wire_values

# Numbers that JSON text and Python objects might spell differently, often enough to be tried in
# every field.
values = wire_values | st.sampled_from([0.0, -0.0, 1.0, 1e20, 2.5, 2**53 + 1, 2**64, -(2**63),
                                        10**30, "1.0", "0", [], {}])
# Every field the model reads, nested ones included.
FIELDS = sorted({*KNOWN_FIELDS, *(f"warmup_details.{name}" for name in fields_of(WarmupDetails)),
                 "tags.0.tag_id", "tags.0.tag_color", "campaign_ids"})

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the one-pass path forks, on Linux only, by design")


def exact(raw: bytes) -> Inventory | str:
    try:
        return inventory_from_document(loads_json(raw, where="f"), source="f")
    except InventoryError as error:
        return f"error: {error}"


def one_pass(raw: bytes) -> Inventory | None:
    assert can_fork()  # or this test would prove nothing
    return inventory_module._in_one_pass(raw, "f")


def _same(raw: bytes) -> None:
    fast, expected = one_pass(raw), exact(raw)
    if fast is not None:  # None: the exact path decides, which is always right
        assert fast == expected


def snapshot(records: object, **extra: Any) -> bytes:
    document = {"schema": SNAPSHOT_SCHEMA, "fetched_at": "2026-11-26T10:00:00+00:00",
                "source": {"url": "https://server.smartlead.ai/api/v1/email-accounts/"},
                "accounts": records, **extra}
    return json.dumps(document).encode()


@given(data=hostile_inventory_bytes(), as_snapshot=st.booleans())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
def test_hostile_bytes_give_what_the_exact_path_gives(data: bytes, as_snapshot: bool) -> None:
    if as_snapshot:
        data = b'{"schema": "%s", "accounts": %s}' % (SNAPSHOT_SCHEMA.encode(), data)
    _same(data)


@pytest.mark.parametrize("field", FIELDS)
@given(value=values)
@settings(max_examples=30, deadline=None)
def test_any_value_in_any_field_gives_what_the_exact_path_gives(field: str, value: Any) -> None:
    record = json.loads(json.dumps(wire()))
    _set(record, field, value)
    raw = json.dumps([record, wire(id=2)]).encode()
    _same(raw)
    _same(snapshot([record]))


@given(seed=st.integers(0, 1000))
@settings(max_examples=10, deadline=None)
def test_valid_inventories_take_the_one_pass_path(seed: int) -> None:
    records = generate_accounts(30, seed=seed)
    for raw in (json.dumps(records).encode(), snapshot(records)):
        fast = one_pass(raw)
        assert fast is not None
        assert fast == exact(raw)


@pytest.mark.parametrize("raw", [
    b'[{"id": 1, "id": 2}]',  # a repeated key: only the child sees it
    b'[{"id": 1, "warmup_details": {"status": "A", "status": "B"}}]',
    b'[{"id": 1}, {"id": 1}]',  # a repeated id
    snapshot([{"id": 1}], schema="something/else@1"),
    snapshot([{"id": 1}], fetched_at="yesterday"),
    b'{"accounts": [{"id": 1}]}',
    b'[{"id": 1}] trailing',
    b'"\xff"',
])
def test_anything_short_of_a_valid_inventory_goes_the_exact_way(raw: bytes) -> None:
    assert one_pass(raw) is None
    assert str(exact(raw)).startswith("error: f")


def test_a_large_file_is_read_in_one_pass_with_the_same_result(
    tmp_path: Path, forked_children: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(generate_accounts(4000, seed=3)))
    assert path.stat().st_size >= inventory_module.ONE_PASS_MIN_BYTES
    fast = SnapshotSource(path).load()
    assert len(forked_children) == 1
    monkeypatch.setattr(inventory_module, "ONE_PASS_MIN_BYTES", 1 << 40)
    assert SnapshotSource(path).load() == fast
    assert len(forked_children) == 1
    assert len(fast.accounts) == 4000


def test_a_repeated_key_in_a_large_file_is_the_exact_error(
    tmp_path: Path, forked_children: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inventory_module, "ONE_PASS_MIN_BYTES", 0)
    records = generate_accounts(50, seed=4)
    text = json.dumps(records)
    text = text.replace(f'"id": {records[7]["id"]},', f'"id": {records[7]["id"]}, "id": 5,', 1)
    path = tmp_path / "inventory.json"
    path.write_text(text)
    with pytest.raises(InventoryError, match=r"record 7 \(id \d+\): key 'id' appears more"):
        SnapshotSource(path).load()
    assert len(forked_children) == 1  # and it was reaped
