"""Properties that must hold for any input (hypothesis)."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import random
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.cli import main
from auditor.engine import evaluate
from auditor.errors import InventoryError
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.result import FailOn
from auditor.policy.loader import load_policy
from auditor.report import FILE_FORMATS, console_report
from auditor.sources.inventory import dumps_snapshot, parse_accounts, snapshot_document
from auditor.testing.generator import generate_accounts
from tests.support.accounts import BASE_WIRE, wire
from tests.support.shared import SHIPPED_POLICIES

NOW = datetime(2026, 11, 26, tzinfo=UTC)
POLICY = load_policy([SHIPPED_POLICIES])
KNOWN_FIELDS = [
    *sorted(BASE_WIRE),
    "warmup_details.status",
    "warmup_details.warmup_reputation",
    "warmup_details.blocked_reason",
    "tags.0",
    "tags.0.tag_name",
]

# JSON has no NaN or Infinity (text holding them is refused: test_non_json_numbers_...).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)


def audit(records: list[dict[str, Any]]) -> list[tuple[str, int | None, str | None, str]]:
    inventory = Inventory(parse_accounts(records), InventoryInfo(source="p"))
    result = evaluate(POLICY, inventory, fail_on=FailOn.ERROR, now=NOW)
    return [(f.id, f.account_id, f.field, f.status.value) for f in result.findings]


@given(seed=st.integers(0, 10_000), shuffle_seed=st.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_findings_do_not_depend_on_account_order(seed: int, shuffle_seed: int) -> None:
    records = generate_accounts(40, seed=seed)
    shuffled = list(records)
    random.Random(shuffle_seed).shuffle(shuffled)
    assert audit(records) == audit(shuffled)


def _set(record: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node: Any = record
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


@given(field=st.sampled_from(KNOWN_FIELDS), value=json_values)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_json_value_in_a_known_field_is_a_verdict_or_exit_3(field: str, value: Any) -> None:
    record = json.loads(json.dumps(wire()))
    _set(record, field, value)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "inventory.json"
        path.write_text(json.dumps([record]))
        code = main(
            ["check", "--inventory", str(path), "--policy", str(SHIPPED_POLICIES), "--quiet"]
        )
    assert code in (0, 1, 3)
    try:
        audit([record])
    except InventoryError as error:
        assert code == 3
        assert "record 0" in str(error)
    else:
        assert code in (0, 1)


canary_text = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=24
).map(lambda s: "CANARY" + s)


@given(smtp=canary_text, imap=canary_text, seed=st.integers(0, 1000))
@settings(max_examples=40, deadline=None)
def test_canary_passwords_never_appear_in_any_output(smtp: str, imap: str, seed: int) -> None:
    smtp_b64 = base64.b64encode(smtp.encode()).decode()
    imap_b64 = base64.b64encode(imap.encode()).decode()
    records = generate_accounts(5, seed=seed)
    for record in records:
        record["password"], record["imap_password"] = smtp_b64, imap_b64
        record["is_smtp_success"] = record["is_imap_success"] = False
        record["smtp_failure_error"] = f"535 login failed: password {smtp} ({smtp_b64})"
        record["imap_failure_error"] = f"NO [AUTH] {imap} rejected / {imap_b64}"
        record["signature"] = f"<p>{smtp}</p>"
    accounts = parse_accounts(records)
    result = evaluate(
        POLICY, Inventory(accounts, InventoryInfo(source="p")), fail_on=FailOn.ERROR, now=NOW
    )
    outputs = [fmt.render(result) for fmt in FILE_FORMATS.values()]
    outputs.append(console_report.render(result, color=True))
    outputs.append(dumps_snapshot(snapshot_document(accounts, fetched_at=NOW, source={})))
    outputs.append(repr(accounts))
    for text in outputs:
        for secret in (smtp, imap, smtp_b64, imap_b64):
            assert secret not in text


@st.composite
def hostile_inventory_bytes(draw: st.DrawFn) -> bytes:
    """A real inventory, then: fields dropped, huge strings, deep nesting, repeated keys, and
    raw bytes that may not be UTF-8 or JSON at all."""
    records = [json.loads(json.dumps(wire(id=i))) for i in range(1, draw(st.integers(1, 4)) + 1)]
    for record in records:
        for key in draw(st.lists(st.sampled_from(sorted(record)), max_size=5)):
            record.pop(key, None)
        if draw(st.booleans()):
            record[draw(st.sampled_from(KNOWN_FIELDS[:12]))] = "x" * draw(st.integers(0, 200_000))
        if draw(st.booleans()):
            nested: Any = draw(json_values)
            for _ in range(draw(st.integers(0, 3000))):
                nested = [nested]
            record[draw(st.sampled_from(KNOWN_FIELDS))] = nested
    try:
        text = json.dumps(records)
    except RecursionError:
        text = "[]"
    if draw(st.booleans()):  # a repeated key inside one record
        text = text.replace('"id": 1,', '"id": 1, "id": 2,', 1)
    data = text.encode()
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        data = data[:position] + draw(st.binary(min_size=1, max_size=4)) + data[position + 1 :]
    return data


@given(data=hostile_inventory_bytes())
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_hostile_inventory_files_give_a_verdict_or_a_clean_exit_3(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "inventory.json"
        path.write_bytes(data)
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main(
                ["check", "--inventory", str(path), "--policy", str(SHIPPED_POLICIES), "--quiet"]
            )
    assert code in (0, 1, 3), err.getvalue()
    if code == 3:
        message = err.getvalue()
        assert message.startswith(f"smartlead-audit: error: {path}")
        assert "Traceback" not in message
