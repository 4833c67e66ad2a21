"""The result types: findings, the summary and everything a report is rendered from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from auditor.dns.summary import DnsReport
from auditor.model.account import EmailAccount, InventoryInfo


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for sorting and for ``--fail-on``."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


class FailOn(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NEVER = "never"

    def fails(self, severity: Severity) -> bool:
        """Whether an open finding of this severity fails the run."""
        if self is FailOn.NEVER:
            return False
        return severity.rank >= Severity(self.value).rank


class FindingStatus(StrEnum):
    OPEN = "open"
    WAIVED = "waived"
    BASELINE = "baseline"  # present in the --baseline report: known, not new; does not fail
    # A DNS lookup timed out or failed: no fact either way. Fails like an open finding unless
    # --dns-inconclusive=warn; never a pass.
    INCONCLUSIVE = "inconclusive"


# The findings that count against the verdict: open ones, and DNS answers that never came.
UNSETTLED = frozenset((FindingStatus.OPEN, FindingStatus.INCONCLUSIVE))


class Waived(NamedTuple):
    """The waiver that covers a finding: its reason, expiry and place in the policy."""

    reason: str
    expires: date
    policy: str

    def __str__(self) -> str:
        return f"{self.reason} (until {self.expires}, {self.policy})"


class Finding(NamedTuple):
    """One broken expectation; ``account_id`` is None for policy-level findings (waivers).

    A named tuple: immutable like a frozen dataclass, but made by one C call instead of an
    ``object.__setattr__`` per field, and there is one per finding."""

    id: str
    rule: str
    severity: Severity
    status: FindingStatus
    account_id: int | None
    email: str | None
    field: str | None
    actual: str | None
    expected: str | None
    message: str
    policy: str
    waiver: Waived | None = None
    domain: str | None = None  # DNS findings: the domain judged (SARIF's logical location)


def finding_order(finding: Finding) -> tuple[int, str, int, str]:
    """How reports list findings: worst first, then by entry id, account and field."""
    return (
        -_SEVERITY_RANK[finding.severity],
        finding.id,
        finding.account_id or -1,
        finding.field or "",
    )


@dataclass(frozen=True)
class PolicyFileInfo:
    path: str
    sha256: str


@dataclass(frozen=True)
class Summary:
    accounts: int
    accounts_failing: int
    passed: bool
    fail_on: FailOn
    open: dict[Severity, int]
    waived: int
    baseline: int = 0
    inconclusive: int = 0

    @property
    def result(self) -> str:
        return "pass" if self.passed else "fail"


@dataclass(frozen=True)
class RuleInfo:
    """What reports say about an entry of the policy."""

    id: str
    rule: str
    severity: Severity
    description: str
    rationale: str
    remediation: str
    policy: str


class WaiverState(StrEnum):
    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"


@dataclass(frozen=True)
class WaiverRecord:
    """A waiver as the register in reports shows it: who, why, until when, covering what."""

    accounts: tuple[int | str, ...]
    rules: tuple[str, ...] | None
    reason: str
    expires: date
    created: date | None
    owner: str | None
    ticket: str | None
    approved_by: str | None
    policy: str
    state: WaiverState
    used: int


@dataclass(frozen=True)
class AuditResult:
    """Everything a reporter needs; reporters are pure functions of this."""

    tool_version: str
    generated_at: datetime
    today: date
    inventory: InventoryInfo
    accounts: tuple[EmailAccount, ...]
    policy_files: tuple[PolicyFileInfo, ...]
    rules: tuple[RuleInfo, ...]
    findings: tuple[Finding, ...]
    summary: Summary
    waivers: tuple[WaiverRecord, ...] = ()
    # Entry id -> the accounts it checked (after only/except and scoping), for formats that
    # report passes too (JUnit).
    checked: dict[str, tuple[EmailAccount, ...]] = field(default_factory=dict)
    # The project config file the run used, if any.
    config: str | None = None
    # DNS evidence: where it came from, when, and the per-domain status (None: no DNS rules).
    dns: DnsReport | None = None
