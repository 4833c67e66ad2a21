"""Turn raw JSON (an API body or our snapshot document) into a checked ``Inventory``.

Every source funnels through ``parse_accounts``, so "what counts as a valid inventory" is decided
in one place: a record we cannot understand or a repeated id stops the run (exit 3), because an
audit of a partial or ambiguous inventory would be a false pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from auditor.errors import InventoryError
from auditor.model.account import (
    SCRUB_DEFERRED,
    EmailAccount,
    Inventory,
    InventoryInfo,
    account_to_wire,
    scrub_accounts,
    wire_name,
)
from auditor.redact import SecretSet

SNAPSHOT_SCHEMA = "smartlead-auditor/inventory@1"
_ACCOUNTS = TypeAdapter(list[EmailAccount])


def _describe_location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


# Records validated at a time: each batch's decoded JSON is dropped as soon as its accounts exist,
# so a large inventory is never held twice over (as JSON objects and as accounts).
BATCH = 1_000


def parse_accounts(
    records: object,
    *,
    where: str = "inventory",
    release: bool = False,
    secrets: SecretSet | None = None,
) -> tuple[EmailAccount, ...]:
    """Validate a JSON array of account records; raise naming the first bad record and field.

    ``release``, for a caller that owns the decoded JSON: each record is replaced by None once
    its account exists. ``secrets``, for a caller that reads an inventory in parts (a live
    fetch, page by page): the passwords are added to it and the accounts come back *unscrubbed*;
    the caller scrubs every account once, with `auditor.model.account.scrub_accounts`, when it
    has all the parts."""
    if not isinstance(records, list):
        raise InventoryError(
            f"{where}: expected a JSON array of accounts, got {_json_type(records)}."
        )
    return parse_account_slices((records,), where=where, release=release, secrets=secrets)


def parse_account_slices(
    slices: Iterable[list[Any]],
    *,
    where: str = "inventory",
    release: bool = False,
    secrets: SecretSet | None = None,
) -> tuple[EmailAccount, ...]:
    """`parse_accounts` of an array given in consecutive slices (see
    `auditor.sources.json_decode.array_slices`)."""
    accounts: list[EmailAccount] = []
    everything = SecretSet() if secrets is None else secrets
    deferred = SCRUB_DEFERRED.set(True)
    try:
        for records in slices:
            everything.add(password_values(records))
            _validate_in_batches(records, accounts, where, release, offset=len(accounts))
    finally:
        SCRUB_DEFERRED.reset(deferred)
    if secrets is None:
        scrub_accounts(accounts, everything)
    repeated = _repeated_id(accounts)
    if repeated is not None:
        first, index = repeated
        raise InventoryError(
            f"{where}: records {first} and {index} have the same id {accounts[index].id}; "
            "an inventory with repeated ids is ambiguous."
        )
    return tuple(accounts)


def _repeated_id(accounts: Sequence[EmailAccount]) -> tuple[int, int] | None:
    """The positions of the first two records that share an id, if any."""
    ids = [account.id for account in accounts]
    if len(set(ids)) == len(ids):
        return None
    seen: dict[int, int] = {}
    for index, account_id in enumerate(ids):
        first = seen.setdefault(account_id, index)
        if first != index:
            return first, index
    return None  # pragma: no cover - a repeat was counted above


def _validate_in_batches(
    records: list[Any], accounts: list[EmailAccount], where: str, release: bool, offset: int
) -> None:
    for start in range(0, len(records), BATCH):
        batch = records[start : start + BATCH]
        try:
            accounts.extend(_ACCOUNTS.validate_python(batch))
        except ValidationError as exc:
            raise InventoryError(_validation_message(exc, batch, offset + start, where)) from None
        if release:
            records[start : start + BATCH] = [None] * len(batch)
        del batch


def password_values(records: list[Any]) -> list[object]:
    """The passwords of raw account records, as sent."""
    return [
        record.get(key)
        for record in records
        if isinstance(record, dict)
        for key in ("password", "imap_password")
    ]


def _validation_message(exc: ValidationError, records: list[Any], offset: int, where: str) -> str:
    # include_input=False: a rejected value may be a secret, so it is never echoed.
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0]
    index, *field_path = first["loc"]
    record = records[index] if isinstance(index, int) and index < len(records) else None
    ident = ""
    if isinstance(record, dict) and isinstance(record.get("id"), int):
        ident = f" (id {record['id']})"
    if field_path:
        field_path = [wire_name(str(field_path[0])), *field_path[1:]]
        subject = f"field '{_describe_location(tuple(field_path))}'"
    else:
        subject = "the record itself"
    more = f" ({len(errors) - 1} more problem(s) not shown)" if len(errors) > 1 else ""
    position = offset + index if isinstance(index, int) else index
    return f"{where}: record {position}{ident}: {subject}: {first['msg']}.{more}"


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def inventory_from_document(document: object, *, source: str, release: bool = False) -> Inventory:
    """Accept the raw API body (a bare array) or our own snapshot document (``release``: see
    `parse_accounts`)."""
    if isinstance(document, list):
        accounts = parse_accounts(document, where=source, release=release)
        return Inventory(accounts, InventoryInfo(source=source))
    if isinstance(document, dict):
        info = _snapshot_info(
            document.get("schema"), document.get("fetched_at"), document.get("source"), source
        )
        accounts = parse_accounts(
            document.get("accounts"), where=f"{source}: accounts", release=release
        )
        return Inventory(accounts, info)
    raise InventoryError(
        f"{source}: expected a JSON array of accounts or a snapshot document, "
        f"got {_json_type(document)}."
    )


def _snapshot_info(
    schema: object, fetched_at: object, origin: object, source: str
) -> InventoryInfo:
    if schema != SNAPSHOT_SCHEMA:
        raise InventoryError(
            f"{source}: not an inventory: expected a JSON array of accounts or a document "
            f'with "schema": "{SNAPSHOT_SCHEMA}", found schema {schema!r}.'
        )
    described = source
    if isinstance(origin, dict) and isinstance(origin.get("url"), str):
        described = f"{source} (fetched from {origin['url']})"
    return InventoryInfo(source=described, fetched_at=_parse_time(fetched_at, source))


def _parse_time(value: object, source: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InventoryError(f"{source}: fetched_at must be an ISO-8601 string.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InventoryError(f"{source}: fetched_at {value!r} is not an ISO-8601 time.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def snapshot_document(
    accounts: Sequence[EmailAccount], *, fetched_at: datetime, source: dict[str, Any]
) -> dict[str, Any]:
    """Our snapshot: sorted by id, wire names, no passwords, so git diffs stay readable."""
    return {
        "schema": SNAPSHOT_SCHEMA,
        "fetched_at": fetched_at.isoformat(),
        "source": source,
        "accounts": [account_to_wire(account) for account in sorted(accounts, key=lambda a: a.id)],
    }


def dumps_snapshot(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
