"""The "Domains" table of the reports: per sender domain its accounts, volume, bulk-sender
status and SPF / DKIM / DMARC / MX records; per tracking domain its CNAME target.

Built from the same evidence the rules judge, with their default options; a lookup the evidence
does not hold reads "not collected" here (the rules, not this table, fail on it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from auditor.dns.checks import DEFAULT_SELECTORS, cname_target, find_dkim, find_dmarc, mx_problems
from auditor.dns.evidence import Evidence, MissingEvidence
from auditor.dns.names import normalize, org_domain
from auditor.dns.spf import evaluate_spf
from auditor.model.account import EmailAccount

BULK_THRESHOLD = 5000


@dataclass(frozen=True)
class Check:
    # ok, key (DKIM: a usable key, its size shown), cname (tracking: the target shown), missing,
    # invalid, inconclusive, not collected, not checked
    state: str
    text: str  # the record, or why not


@dataclass(frozen=True)
class DomainRow:
    domain: str
    org: str
    account_ids: tuple[int, ...]
    volume: int  # summed message_per_day of the domain's accounts
    org_volume: int  # ... of the organizational domain's
    bulk: bool
    spf: Check
    dkim: Check
    dmarc: Check
    mx: Check


@dataclass(frozen=True)
class TrackingRow:
    domain: str
    account_ids: tuple[int, ...]
    target: Check


@dataclass(frozen=True)
class DnsReport:
    mode: str  # "live" or "file <path>"
    collected_at: str
    resolvers: tuple[str, ...]
    domains: tuple[DomainRow, ...] = ()
    tracking: tuple[TrackingRow, ...] = ()


def _safe(judge: Callable[[], Check]) -> Check:
    try:
        return judge()
    except MissingEvidence:
        return Check("not collected", "")


def _spf(domain: str, evidence: Evidence) -> Check:
    result = evaluate_spf(domain, evidence)
    text = result.record.text if result.record else ""
    if result.unknown:
        return Check("inconclusive", "; ".join(result.unknown))
    if result.count == 0:
        return Check("missing", "")
    if not result.valid or result.all_qualifier in ("+", "?"):
        return Check("invalid", text or f"{result.count} records")
    return Check("ok", text)


def _dkim(domain: str, types: set[str], extra: Sequence[str], evidence: Evidence) -> Check:
    defaults = [s for t in sorted(types) for s in DEFAULT_SELECTORS.get(t, [])]
    selectors = list(dict.fromkeys([*defaults, *extra]))
    if not selectors:
        return Check("not checked", "no default selector for this account type")
    try:
        found = find_dkim(domain, selectors, evidence)
    except MissingEvidence:  # evidence collected for another policy: the defaults only
        selectors = defaults
        if not selectors:
            return Check("not collected", "")
        found = find_dkim(domain, selectors, evidence)
    if found.usable:
        selector = found.usable[0]
        key = found.keys[selector]
        return Check("key", f"{selector}: {key.bits}-bit {key.key_type}")
    if any(p.inconclusive for p in found.problems):
        return Check("inconclusive", "; ".join(p.message for p in found.problems))
    return Check(
        "missing" if not found.keys else "invalid", "; ".join(p.message for p in found.problems)
    )


def _dmarc(domain: str, evidence: Evidence) -> Check:
    found = find_dmarc(domain, evidence)
    if found.record is not None:
        state = "ok" if found.policy is not None else "invalid"
        return Check(state, f"_dmarc.{found.at}: {found.record.text}")
    problem = found.problems[0]
    state = "inconclusive" if problem.inconclusive else "missing"
    return Check(state, problem.message)


def _mx(domain: str, evidence: Evidence) -> Check:
    problems = mx_problems(domain, evidence)
    if not problems:
        return Check("ok", ", ".join(evidence.get(domain, "MX").records))
    state = "inconclusive" if problems[0].inconclusive else "invalid"
    return Check(state, "; ".join(p.message for p in problems))


def _target(domain: str, evidence: Evidence) -> Check:
    target, failed = cname_target(domain, evidence)
    if failed is not None:
        return Check("inconclusive", failed.message)
    return Check("missing", "") if target is None else Check("cname", target)


def build(
    accounts: Sequence[EmailAccount],
    evidence: Evidence,
    threshold: int = BULK_THRESHOLD,
    selectors: Sequence[str] = (),
) -> DnsReport:
    """`threshold` and `selectors` (DKIM, tried besides the account types' defaults) follow the
    policy's entries, so the table reads the answers the rules asked for."""
    senders: dict[str, list[EmailAccount]] = {}
    tracking: dict[str, list[int]] = {}
    for account in accounts:
        if account.sender_domain:
            senders.setdefault(account.sender_domain, []).append(account)
        if account.custom_tracking_domain:
            tracking.setdefault(normalize(account.custom_tracking_domain), []).append(account.id)
    org_volume: dict[str, int] = {}
    for domain, members in senders.items():
        org = org_domain(domain)
        org_volume[org] = org_volume.get(org, 0) + sum(m.message_per_day or 0 for m in members)
    rows = []
    for domain in sorted(senders):
        members, org = senders[domain], org_domain(domain)
        types = {(m.type or "").upper() for m in members}
        rows.append(
            DomainRow(
                domain=domain,
                org=org,
                account_ids=tuple(sorted(m.id for m in members)),
                volume=sum(m.message_per_day or 0 for m in members),
                org_volume=org_volume[org],
                bulk=org_volume[org] >= threshold,
                spf=_safe(lambda: _spf(domain, evidence)),  # noqa: B023 (called at once)
                dkim=_safe(lambda: _dkim(domain, types, selectors, evidence)),  # noqa: B023
                dmarc=_safe(lambda: _dmarc(domain, evidence)),  # noqa: B023
                mx=_safe(lambda: _mx(domain, evidence)),  # noqa: B023
            )
        )
    track_rows = tuple(
        TrackingRow(name, tuple(sorted(ids)), _safe(lambda: _target(name, evidence)))  # noqa: B023
        for name, ids in sorted(tracking.items())
    )
    return DnsReport(
        evidence.mode, evidence.collected_at, evidence.resolvers, tuple(rows), track_rows
    )
