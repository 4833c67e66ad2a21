"""Derived figures that several formats show, computed once (templates stay logic-free)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import compress, repeat
from operator import attrgetter, is_
from typing import Any

from auditor.model.account import EmailAccount
from auditor.model.result import AuditResult, Finding, FindingStatus, RuleInfo
from auditor.report.accounts import AccountColumns, account_columns


@dataclass(frozen=True)
class RuleGroup:
    """One policy entry with its findings, for per-rule sections and tables."""

    info: RuleInfo
    findings: tuple[Finding, ...]

    # Cached: templates and reports read each count several times over up to 200,000 findings,
    # and counted with C-level maps (a generator expression per finding is three times slower).
    @cached_property
    def _statuses(self) -> list[FindingStatus]:
        return list(map(attrgetter("status"), self.findings))

    def _is(self, status: FindingStatus) -> list[bool]:
        return list(map(is_, self._statuses, repeat(status)))

    @cached_property
    def open(self) -> int:
        return sum(self._is(FindingStatus.OPEN))

    @cached_property
    def waived(self) -> int:
        return sum(self._is(FindingStatus.WAIVED))

    @cached_property
    def inconclusive(self) -> int:
        return sum(self._is(FindingStatus.INCONCLUSIVE))

    @cached_property
    def accounts_failing(self) -> int:
        opened = compress(self.findings, self._is(FindingStatus.OPEN))
        return len(set(map(attrgetter("account_id"), opened)))


def rule_groups(result: AuditResult) -> list[RuleGroup]:
    """Entries in policy order, then policy-level groups (waiver-*) that have findings."""
    by_id: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_id[finding.id].append(finding)
    groups = [RuleGroup(info, tuple(by_id.pop(info.id, ()))) for info in result.rules]
    for _, findings in sorted(by_id.items()):
        groups.append(RuleGroup(policy_level_info(findings[0]), tuple(findings)))
    return groups


WAIVER_REMEDIATION = "Renew the waiver with a new date and reason, or remove it."


def policy_level_info(finding: Finding) -> RuleInfo:
    """What reports say about a finding no policy entry made (waiver-expired, ...)."""
    return RuleInfo(
        id=finding.id,
        rule=finding.rule,
        severity=finding.severity,
        description="Waivers that need attention.",
        rationale="An exception is only trustworthy while someone keeps it current.",
        remediation=WAIVER_REMEDIATION,
        policy=finding.policy,
    )


def remediations(result: AuditResult) -> dict[str, str]:
    """Entry id -> how to fix its findings; an id missing here is a policy-level (waiver) one."""
    return {info.id: info.remediation for info in result.rules}


# --- Inventory overview (HTML charts; plain figures any format can show) -----------------------

NO_CLIENT = "no client"
NO_TYPE = "(not set)"
NO_WARMUP = "never started"
NO_DOMAIN = "(no sender address)"


@dataclass(frozen=True)
class Count:
    """One labelled figure of a breakdown (a bar of a chart, a row of its table)."""

    label: str
    value: int


@dataclass(frozen=True)
class ConnectionFailure:
    """Accounts whose last SMTP or IMAP test failed with the same error text."""

    protocol: str
    error: str
    accounts: int


@dataclass(frozen=True)
class InventoryOverview:
    """What the fleet looks like, independent of the policy."""

    by_provider: tuple[Count, ...]
    by_warmup: tuple[Count, ...]
    by_client: tuple[Count, ...]
    capacity_by_domain: tuple[Count, ...]
    connection_status: tuple[Count, ...]
    connection_failures: tuple[ConnectionFailure, ...]

    @property
    def total_capacity(self) -> int:
        return sum(c.value for c in self.capacity_by_domain)


def _ranked(counter: Counter[str]) -> tuple[Count, ...]:
    """Largest first, ties by label, so output is deterministic."""
    return tuple(
        Count(label, value)
        for label, value in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    )


def top(counts: tuple[Count, ...], limit: int, other: str = "other") -> tuple[Count, ...]:
    """Keep a chart readable: the ``limit - 1`` largest, then one bucket for the rest."""
    if len(counts) <= limit:
        return counts
    head, rest = counts[: limit - 1], counts[limit - 1 :]
    return (*head, Count(f"{other} ({len(rest)})", sum(c.value for c in rest)))


_CONNECTION = {None: "never tested", True: "connected", False: "failed"}


def _relabel(counter: Counter[Any], label: Callable[[Any], str]) -> Counter[str]:
    relabelled: Counter[str] = Counter()
    for key, value in counter.items():
        relabelled[label(key)] += value
    return relabelled


def inventory_overview(
    accounts: Sequence[EmailAccount], columns: AccountColumns | None = None
) -> InventoryOverview:
    """Accounts by provider, warmup status and client; capacity by domain; connection health.

    Counted from ``account_columns`` (``columns`` when the caller has them already): a ``Counter``
    over a list runs in C, where each pass over 50,000 scattered model objects would cost several
    times more. The domain comes from the model's own ``sender_domain``.
    """
    if columns is None:
        columns = account_columns(accounts)
    provider = _relabel(Counter(columns["type"]), lambda t: t or NO_TYPE)
    warmup = _relabel(Counter(columns["warmup_details.status"]), lambda w: w or NO_WARMUP)
    client = _relabel(
        Counter(columns["client_id"]), lambda c: NO_CLIENT if c is None else f"client {c}"
    )
    capacity: Counter[str] = Counter()
    domains = map(attrgetter("sender_domain"), accounts)
    for domain, per_day in zip(domains, columns["message_per_day"], strict=True):
        capacity[domain or NO_DOMAIN] += per_day or 0
    status: Counter[str] = Counter()
    failures: Counter[tuple[str, str]] = Counter()
    for protocol in ("SMTP", "IMAP"):
        ok = columns[f"is_{protocol.lower()}_success"]
        for value, count in Counter(ok).items():
            status[f"{protocol} {_CONNECTION[value]}"] += count
        failed = compress(columns[f"{protocol.lower()}_failure_error"], map(is_, ok, repeat(False)))
        failures.update((protocol, error or "(no error text)") for error in failed)
    return InventoryOverview(
        by_provider=_ranked(provider),
        by_warmup=_ranked(warmup),
        by_client=_ranked(client),
        capacity_by_domain=_ranked(capacity),
        connection_status=tuple(Count(label, status[label]) for label in sorted(status)),
        connection_failures=tuple(
            ConnectionFailure(protocol, error, count)
            for (protocol, error), count in sorted(
                failures.items(), key=lambda item: (-item[1], item[0])
            )
        ),
    )
