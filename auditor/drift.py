"""Drift between two inventories: accounts added and removed, and each audited setting that
changed, described the way a reviewer reads it (`message_per_day 30 -> 100`, `bcc_email removed`);
and between two DNS evidence files, each answer that changed (a DMARC record removed, an SPF
include added). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace

from auditor.dns.evidence import Answer, Evidence
from auditor.model.account import EmailAccount, read_wire_path, wire_name
from auditor.model.result import UNSETTLED, Finding

# The settings the house rules look at, as the account model's wire paths (so drift names them
# the way the API and the policies do).
AUDITED = (
    *map(
        wire_name,
        (
            "from_email",
            "type",
            "client_id",
            "message_per_day",
            "min_time_to_wait_mins",
            "bcc_email",
            "different_reply_to_address",
            "custom_tracking_domain",
            "is_different_imap_account",
            "imap_host",
            "imap_port",
            "imap_username",
            "smtp_host",
            "smtp_port",
            "username",
            "is_smtp_success",
            "is_imap_success",
        ),
    ),
    "warmup_details.status",
    "warmup_details.warmup_reputation",
    "warmup_details.blocked_reason",
    "tags",
    "campaign_ids",
)


def _read(account: EmailAccount, path: str) -> object:
    """The setting's value; lists in a stable order, so a reordering is not a change."""
    value = read_wire_path(account, path)
    return tuple(sorted(value)) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Change:
    field: str
    old: object
    new: object

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"

    def describe(self) -> str:
        if self.kind == "added":
            return f"{self.field} set to {_show(self.new)}"
        if self.kind == "removed":
            return f"{self.field} removed (was {_show(self.old)})"
        return f"{self.field} {_show(self.old)} -> {_show(self.new)}"


@dataclass(frozen=True)
class AccountDrift:
    id: int
    email: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class FindingKey:
    id: str
    account_id: int | None
    field: str | None
    message: str


@dataclass(frozen=True)
class DnsChange:
    """One DNS question whose answer changed: its facts (outcome and records), not when or
    from which resolver it was asked. ``old``/``new`` is None where a file lacks the question."""

    name: str
    type: str
    old: Answer | None
    new: Answer | None

    @property
    def records_added(self) -> tuple[str, ...]:
        before = _records(self.old)
        return tuple(r for r in _records(self.new) if r not in before)

    @property
    def records_removed(self) -> tuple[str, ...]:
        after = _records(self.new)
        return tuple(r for r in _records(self.old) if r not in after)

    def describe(self) -> str:
        return f"{self.type} {self.name}: {self.what()}"

    def what(self) -> str:
        """The change alone, as a reviewer reads it."""
        if self.old is None:
            return f"now asked, {_answer(self.new)}"
        if self.new is None:
            return f"no longer asked (was {_answer(self.old)})"
        parts = [f'record added "{r}"' for r in self.records_added]
        parts += [f'record removed "{r}"' for r in self.records_removed]
        if self.old.outcome is not self.new.outcome:
            parts.append(f"{self.old.outcome.value} -> {self.new.outcome.value}")
        return ", ".join(parts)


def _records(answer: Answer | None) -> tuple[str, ...]:
    return () if answer is None else answer.records


def _answer(answer: Answer | None) -> str:
    if answer is None or not answer.records:
        return "no answer" if answer is None else answer.outcome.value
    return ", ".join(f'"{r}"' for r in answer.records)


@dataclass(frozen=True)
class Drift:
    added: tuple[EmailAccount, ...]
    removed: tuple[EmailAccount, ...]
    changed: tuple[AccountDrift, ...]
    findings_new: tuple[FindingKey, ...] = ()
    findings_resolved: tuple[FindingKey, ...] = ()
    findings_unchanged: int = 0
    dns_changed: tuple[DnsChange, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.dns_changed)


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def compare(old: tuple[EmailAccount, ...], new: tuple[EmailAccount, ...]) -> Drift:
    before = {a.id: a for a in old}
    after = {a.id: a for a in new}
    changed = []
    for account_id in sorted(before.keys() & after.keys()):
        was, now = before[account_id], after[account_id]
        changes = tuple(
            Change(path, _read(was, path), _read(now, path))
            for path in AUDITED
            if _read(was, path) != _read(now, path)
        )
        if changes:
            changed.append(AccountDrift(account_id, now.email, changes))
    return Drift(
        added=tuple(after[i] for i in sorted(after.keys() - before.keys())),
        removed=tuple(before[i] for i in sorted(before.keys() - after.keys())),
        changed=tuple(changed),
    )


def compare_dns(old: Evidence, new: Evidence) -> tuple[DnsChange, ...]:
    """Each question whose outcome or records differ, sorted by name then type. Record order is
    no change (resolvers rotate it); when and where a question was asked is none either."""

    def facts(answer: Answer | None) -> tuple[str, frozenset[str]] | None:
        return None if answer is None else (answer.outcome.value, frozenset(answer.records))

    pairs = (
        (key, old.answers.get(key), new.answers.get(key))
        for key in sorted(old.answers.keys() | new.answers.keys())
    )
    return tuple(
        DnsChange(name, rtype, was, now)
        for (name, rtype), was, now in pairs
        if facts(was) != facts(now)
    )


def compare_findings(drift: Drift, old: tuple[Finding, ...], new: tuple[Finding, ...]) -> Drift:
    """Which open findings appeared and which went away between two audits."""

    def keys(findings: tuple[Finding, ...]) -> dict[tuple[str, int | None, str | None], FindingKey]:
        return {
            (f.id, f.account_id, f.field): FindingKey(f.id, f.account_id, f.field, f.message)
            for f in findings
            if f.status in UNSETTLED  # an inconclusive one that appears is news too
        }

    before, after = keys(old), keys(new)
    return replace(
        drift,
        findings_new=tuple(after[k] for k in sorted(after.keys() - before.keys(), key=_key_order)),
        findings_resolved=tuple(
            before[k] for k in sorted(before.keys() - after.keys(), key=_key_order)
        ),
        findings_unchanged=len(before.keys() & after.keys()),
    )


def _key_order(key: tuple[str, int | None, str | None]) -> tuple[str, int, str]:
    return (key[0], -1 if key[1] is None else key[1], key[2] or "")
