"""The journal: one JSON line per step of an ``apply``, written (and flushed to disk) as it
happens, beside the plan. A run that stops halfway leaves a true record: run again, it skips what
is verified and retries the rest; ``--rollback`` reads it to restore what was changed.

It names accounts by id and email and settings by value, as the plan does: no secret.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from auditor.errors import UsageError
from auditor.remediation.fields import Value


class Status(StrEnum):
    SENT = "sent"  # the write went out; nothing known yet
    VERIFIED = "verified"  # read back with the new value
    ALREADY = "already"  # the account had the new value before we wrote: nothing sent
    NOT_APPLIED = "not applied"  # the API said ok, the value did not change
    FAILED = "failed"  # the API refused or kept failing
    SKIPPED = "skipped"  # changed by someone else since the plan (or gone): not written


@dataclass(frozen=True)
class Entry:
    account_id: int
    email: str
    field: str
    old: Value
    new: Value
    status: Status
    detail: str = ""

    @property
    def key(self) -> tuple[int, str]:
        return (self.account_id, self.field)


def journal_path(plan: Path) -> Path:
    return plan.with_name(plan.name + ".journal.jsonl")


class Journal:
    """Appends entries to ``path``; a journal made for another plan (or run kind) is refused."""

    def __init__(self, path: Path, *, source_sha256: str, kind: str, accounts: int) -> None:
        self.path = path
        self.entries: list[Entry] = []
        if path.exists():
            header, self.entries = read_journal(path)
            if header.get("source_sha256") != source_sha256 or header.get("kind") != kind:
                raise UsageError(
                    f"{path}: this journal belongs to another plan or run; refusing to mix them.",
                    tip="move it away, or apply the plan it was written for.",
                )
        try:
            self._stream: TextIO = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot write the journal: {exc.strerror or exc}.") from None
        if not self.entries and path.stat().st_size == 0:
            self._write(
                {
                    "event": "start",
                    "kind": kind,
                    "source_sha256": source_sha256,
                    "inventory_accounts": accounts,
                    "at": _now(),
                }
            )

    def last(self) -> dict[tuple[int, str], Entry]:
        """The latest entry of each change."""
        return {entry.key: entry for entry in self.entries}

    def record(self, entry: Entry) -> None:
        self.entries.append(entry)
        self._write({"event": "change", **_entry_json(entry), "at": _now()})

    def close(self) -> None:
        self._stream.close()

    def _write(self, data: dict[str, Any]) -> None:
        self._stream.write(json.dumps(data, sort_keys=True, ensure_ascii=False) + "\n")
        self._stream.flush()
        os.fsync(self._stream.fileno())


def read_journal(path: Path) -> tuple[dict[str, Any], list[Entry]]:
    """The header and entries of a journal; a torn last line (a crash mid-write) is ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the journal: {exc}.") from None
    records = list(_records(path, lines))
    if not records or records[0].get("event") != "start":
        raise UsageError(f"{path}: not a journal of smartlead-audit apply.")
    try:
        entries = [
            Entry(
                int(r["account_id"]),
                str(r["email"]),
                str(r["field"]),
                r["old"],
                r["new"],
                Status(r["status"]),
                str(r.get("detail", "")),
            )
            for r in records[1:]
            if r.get("event") == "change"
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path}: malformed journal entry ({exc}).") from None
    return records[0], entries


def _records(path: Path, lines: list[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError:
            if number == len(lines):
                return  # torn by a crash while writing: the step it describes did not finish
            raise UsageError(f"{path}:{number}: not a journal line.") from None
        if isinstance(record, dict):
            yield record


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "account_id": entry.account_id,
        "email": entry.email,
        "field": entry.field,
        "old": entry.old,
        "new": entry.new,
        "status": entry.status.value,
        "detail": entry.detail,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
