"""The careful loop: re-read, write, read back, journal. No blind overwrite.

For each account of the plan: its current values (list endpoint) must still be those the plan
was made from, else it is skipped with a line saying which value moved; a value already at its
target is not written again. Each write sends every updatable field at its current value but the
ones changed (a full-replace endpoint then resets nothing). Every change is read back and ends
``verified``, ``not applied`` (the API said ok, the value did not move) or ``failed``; a write the
API reported as failed is read back too, since a 5xx does not prove nothing happened.

The same loop rolls back: the changes are then the journal's verified ones, reversed.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from auditor.model.account import EmailAccount
from auditor.redact import REDACTED
from auditor.remediation.fields import Endpoint, Value, current, update_body
from auditor.remediation.journal import Entry, Journal, Status
from auditor.remediation.plan import Change
from auditor.remediation.wire import Wire, read_plan

_IN_FLIGHT = 16  # writes waiting on the pacer at once; the pacer, not this, sets the pace


@dataclass(frozen=True)
class Write:
    """One request: the changes of one account on one endpoint."""

    account_id: int
    email: str
    endpoint: Endpoint
    changes: tuple[Change, ...]

    def body(self, account: EmailAccount) -> dict[str, Value | int]:
        if self.endpoint is Endpoint.WARMUP:
            (change,) = self.changes
            return {change.field: change.new, **dict(change.settings)}
        return dict(update_body(account, {c.field: c.new for c in self.changes}))


def group_writes(changes: Sequence[Change]) -> list[Write]:
    groups: dict[tuple[int, Endpoint], list[Change]] = defaultdict(list)
    for change in changes:
        groups[(change.account_id, change.endpoint)].append(change)
    return [
        Write(account_id, group[0].email, endpoint, tuple(group))
        for (account_id, endpoint), group in sorted(groups.items())
    ]


@dataclass
class Progress:
    """Counts for a progress line; ``eta_seconds`` from the requests left at the sustained rate."""

    changes: int
    sent: int = 0  # writes sent, waiting to be read back
    verified: int = 0
    skipped: int = 0
    not_applied: int = 0
    failed: int = 0
    eta_seconds: float = 0.0

    @property
    def done(self) -> int:
        return self.verified + self.skipped + self.not_applied + self.failed


@dataclass
class Outcome:
    entries: list[Entry] = field(default_factory=list)
    requests: int = 0
    elapsed_seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(e.status is status for e in self.entries)


ProgressCallback = Callable[[Progress], None]


class Applier:
    """Runs changes against the API through ``wire``, journaling every step."""

    def __init__(
        self,
        wire: Wire,
        journal: Journal,
        *,
        inventory_accounts: int,
        sustained_rate: float,
        progress: ProgressCallback | None = None,
    ) -> None:
        self._wire = wire
        self._journal = journal
        self._inventory = inventory_accounts
        self._rate = sustained_rate
        self._progress = progress
        # writes sent, waiting for read-back, with the error the API gave (if any)
        self._pending: dict[tuple[int, Endpoint], tuple[Write, str]] = {}

    async def run(self, changes: Sequence[Change]) -> Outcome:
        started = time.monotonic()
        outcome = Outcome()
        tally = Progress(len(changes))
        done_before = self._journal.last()
        todo: list[Change] = []
        for change in changes:
            previous = done_before.get((change.account_id, change.field))
            if previous is not None and previous.status in (Status.VERIFIED, Status.ALREADY):
                outcome.entries.append(previous)  # resumed: verified by an earlier run
                tally.verified += 1
            else:
                todo.append(change)
        writes = group_writes(todo)
        wanted = {w.account_id: w.email for w in writes}
        self._eta(tally, len(writes), 2 * read_plan(len(wanted), self._inventory)[1])
        before = await self._wire.read(wanted, self._inventory) if wanted else {}
        sent: list[Write] = []
        gate = asyncio.Semaphore(_IN_FLIGHT)
        done = [0]  # writes dealt with (sent, skipped or already set)

        async def one(write: Write) -> None:
            async with gate:
                if await self._write(write, before.get(write.account_id), outcome, tally):
                    sent.append(write)
                    tally.sent += len(write.changes)
                done[0] += 1
                self._eta(tally, len(writes) - done[0], read_plan(len(sent), self._inventory)[1])
                self._report(tally)

        await asyncio.gather(*(one(w) for w in writes))
        after = (
            await self._wire.read({w.account_id: w.email for w in sent}, self._inventory)
            if sent
            else {}
        )
        tally.sent = 0
        for write in sorted(sent, key=lambda w: (w.account_id, w.endpoint)):
            self._read_back(write, after.get(write.account_id), outcome, tally)
        tally.eta_seconds = 0.0
        self._report(tally)
        outcome.requests = self._wire.counters.requests
        outcome.elapsed_seconds = time.monotonic() - started
        return outcome

    async def _write(
        self, write: Write, account: EmailAccount | None, outcome: Outcome, tally: Progress
    ) -> bool:
        """Checks and sends one write; True when it went out (then it is read back)."""
        if account is None:
            self._end(
                write.changes,
                Status.SKIPPED,
                "the account is no longer in the list",
                outcome,
                tally,
            )
            return False
        moved = [c for c in write.changes if current(account, c.field) not in (c.current, c.new)]
        if moved:
            detail = "; ".join(_moved(c, current(account, c.field)) for c in moved)
            self._end(
                write.changes, Status.SKIPPED, f"changed since the plan: {detail}", outcome, tally
            )
            return False
        scrubbed = _scrubbed_carry_over(write, account)
        if scrubbed:
            detail = (
                f"{', '.join(scrubbed)} held a secret, which the tool scrubbed when reading; "
                "writing the scrubbed text back would change it: fix this account by hand"
            )
            self._end(write.changes, Status.SKIPPED, detail, outcome, tally)
            return False
        pending = tuple(c for c in write.changes if current(account, c.field) != c.new)
        self._end(
            [c for c in write.changes if c not in pending],
            Status.ALREADY,
            "already set: nothing sent",
            outcome,
            tally,
        )
        if not pending:
            return False
        write = Write(write.account_id, write.email, write.endpoint, pending)
        for change in pending:
            self._journal.record(_entry(change, Status.SENT, ""))
        answer = await self._wire.post(write.endpoint.path(write.account_id), write.body(account))
        if not answer.ok:
            for change in pending:
                self._journal.record(_entry(change, Status.FAILED, answer.detail))
        # read back either way: a 5xx may still have changed the value
        self._pending[write.account_id, write.endpoint] = (
            write,
            answer.detail if not answer.ok else "",
        )
        return True

    def _read_back(
        self, write: Write, account: EmailAccount | None, outcome: Outcome, tally: Progress
    ) -> None:
        key = (write.account_id, write.endpoint)
        write, error = self._pending.pop(key, (write, ""))
        for change in write.changes:
            value = None if account is None else current(account, change.field)
            if account is not None and value == change.new:
                status, detail = Status.VERIFIED, (f"read back after: {error}" if error else "")
            elif error:
                status, detail = Status.FAILED, error
            else:
                status = Status.NOT_APPLIED
                shown = "something else" if isinstance(value, str) else repr(value)  # see _moved
                detail = (
                    "the account is gone from the list"
                    if account is None
                    else f"the API answered ok but {change.read_field} reads {shown}"
                )
            self._end([change], status, detail, outcome, tally)

    def _end(
        self,
        changes: Sequence[Change],
        status: Status,
        detail: str,
        outcome: Outcome,
        tally: Progress,
    ) -> None:
        for change in changes:
            entry = _entry(change, status, detail)
            self._journal.record(entry)
            outcome.entries.append(entry)
            if status in (Status.VERIFIED, Status.ALREADY):
                tally.verified += 1
            elif status is Status.SKIPPED:
                tally.skipped += 1
            elif status is Status.NOT_APPLIED:
                tally.not_applied += 1
            elif status is Status.FAILED:
                tally.failed += 1
        if changes:
            self._report(tally)

    def _eta(self, tally: Progress, writes_left: int, reads_left: int) -> None:
        tally.eta_seconds = (writes_left + reads_left) / self._rate

    def _report(self, tally: Progress) -> None:
        if self._progress is not None:
            self._progress(tally)


def _moved(change: Change, now: Value) -> str:
    """Which value moved. Text is not quoted: read again through a filter, it may hold a secret
    of an account this run did not read, which no scrub here can know."""
    if isinstance(now, str) or isinstance(change.current, str):
        return f"{change.read_field} has changed since the plan"
    return f"{change.read_field} is now {now!r}, the plan was made from {change.current!r}"


def _scrubbed_carry_over(write: Write, account: EmailAccount) -> list[str]:
    """Fields a full-body write would carry over whose text was scrubbed of a secret when the
    account was read (``auditor.model.account``): the read value is not the real one."""
    if write.endpoint is not Endpoint.UPDATE:
        return []
    changed = {c.field for c in write.changes}
    return [
        name
        for name, value in update_body(account, {}).items()
        if name not in changed and isinstance(value, str) and REDACTED in value
    ]


def _entry(change: Change, status: Status, detail: str) -> Entry:
    return Entry(
        change.account_id, change.email, change.field, change.current, change.new, status, detail
    )
