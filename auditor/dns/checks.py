"""DMARC, DKIM, MX and CNAME judgments over evidence: what is wrong with one domain's records.

Each returns `Problem`s: a fact (`inconclusive` False) or a lookup that failed (True).
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.dns.evidence import Answer, Evidence
from auditor.dns.names import org_domain
from auditor.dns.records import (
    POLICIES,
    DkimKey,
    DmarcRecord,
    is_dmarc,
    looks_like_dmarc,
    parse_dkim,
    parse_dmarc,
)

# Selectors worth trying when the policy names none: the providers' documented defaults.
DEFAULT_SELECTORS = {"GMAIL": ["google"], "OUTLOOK": ["selector1", "selector2"]}


@dataclass(frozen=True)
class Problem:
    actual: str | None
    expected: str
    message: str
    inconclusive: bool = False

    def with_message(self, message: str) -> Problem:
        return Problem(self.actual, self.expected, message, self.inconclusive)


def unknown(answer: Answer, expected: str) -> Problem:
    """A timeout or SERVFAIL: no fact either way."""
    what = f"{answer.type} {answer.name}: {answer.outcome.value}"
    return Problem(what, expected, f"could not look up {what}", inconclusive=True)


@dataclass(frozen=True)
class DmarcLookup:
    """The DMARC record that applies to a domain (its own, else its organizational domain's)."""

    record: DmarcRecord | None
    at: str
    subdomain: bool
    problems: tuple[Problem, ...] = ()

    @property
    def policy(self) -> str | None:
        return None if self.record is None else self.record.policy_for(self.subdomain)


def find_dmarc(domain: str, evidence: Evidence) -> DmarcLookup:
    org = org_domain(domain)
    for at in dict.fromkeys((domain, org)):
        answer = evidence.get(f"_dmarc.{at}", "TXT")
        if not answer.outcome.conclusive:
            return DmarcLookup(None, at, at != domain, (unknown(answer, "a DMARC record"),))
        texts = [t for t in answer.records if is_dmarc(t)] if answer.exists else []
        stray = [t for t in answer.records if looks_like_dmarc(t)] if answer.exists else []
        if len(texts) > 1:
            problem = Problem(
                " | ".join(texts), "one DMARC record", f"_dmarc.{at} has {len(texts)} records"
            )
            return DmarcLookup(None, at, at != domain, (problem,))
        if texts:
            return DmarcLookup(parse_dmarc(texts[0]), at, at != domain)
        if stray:
            problem = Problem(
                stray[0], "a record starting v=DMARC1", f"_dmarc.{at} does not start v=DMARC1"
            )
            return DmarcLookup(None, at, at != domain, (problem,))
    where = f"_dmarc.{domain}" + (f" nor _dmarc.{org}" if org != domain else "")
    return DmarcLookup(None, domain, False, (Problem(None, "a DMARC record", f"no {where}"),))


def dmarc_problems(
    domain: str, evidence: Evidence, min_policy: str = "none", require_rua: bool = False
) -> list[Problem]:
    found = find_dmarc(domain, evidence)
    if found.record is None:
        return list(found.problems)
    record, problems = found.record, []
    for error in record.errors:
        problems.append(Problem(record.text, "a valid DMARC record", f"_dmarc.{found.at}: {error}"))
    policy = found.policy
    if policy is not None and POLICIES.index(policy) < POLICIES.index(min_policy):
        problems.append(
            Problem(
                f"p={policy}",
                f"p={min_policy} or stricter",
                f"_dmarc.{found.at} has p={policy}, weaker than {min_policy}",
            )
        )
    if require_rua and not record.tags.get("rua"):
        problems.append(Problem(record.text, "rua=", f"_dmarc.{found.at} has no rua="))
    return problems


@dataclass(frozen=True)
class DkimLookup:
    keys: dict[str, DkimKey]  # selector -> its key
    problems: tuple[Problem, ...]

    @property
    def usable(self) -> list[str]:
        return [s for s, k in self.keys.items() if k.bits is not None and not k.errors]


def find_dkim(
    domain: str, selectors: list[str], evidence: Evidence, min_bits: int = 1024
) -> DkimLookup:
    keys: dict[str, DkimKey] = {}
    problems: list[Problem] = []
    for selector in selectors:
        answer = evidence.get(f"{selector}._domainkey.{domain}", "TXT")
        if not answer.outcome.conclusive:
            problems.append(unknown(answer, "a DKIM key record"))
            continue
        texts = [t for t in answer.records if "p=" in t] if answer.exists else []
        if not texts:
            continue
        key = keys[selector] = parse_dkim(texts[0])
        where = f"{selector}._domainkey.{domain}"
        if key.revoked:
            problems.append(Problem("p=", "a public key", f"{where}: the key is revoked (p=)"))
        elif key.errors:
            problems.append(Problem(key.text, "a valid key", f"{where}: {'; '.join(key.errors)}"))
        elif key.key_type == "rsa" and key.bits is not None and key.bits < min_bits:
            problems.append(
                Problem(
                    f"{key.bits} bits",
                    f">= {min_bits} bits",
                    f"{where}: {key.bits}-bit key, shorter than {min_bits}",
                )
            )
    if not keys and not any(p.inconclusive for p in problems):
        names = ", ".join(f"{s}._domainkey.{domain}" for s in selectors)
        problems.append(Problem(None, "a DKIM key record", f"no DKIM key at {names}"))
    return DkimLookup(keys, tuple(problems))


def mx_problems(domain: str, evidence: Evidence) -> list[Problem]:
    answer = evidence.get(domain, "MX")
    if not answer.outcome.conclusive:
        return [unknown(answer, "an MX record")]
    if not answer.exists:
        return [
            Problem(
                None, "an MX record", f"{domain} has no MX: replies and bounces have nowhere to go"
            )
        ]
    targets = [r.split()[-1].rstrip(".").lower() for r in answer.records]
    if targets == [""] or all(t in ("", ".") for t in targets):
        return [Problem(answer.records[0], "a mail host", f"{domain} has a null MX (RFC 7505)")]
    problems = []
    for target in targets:
        cname = evidence.get(target, "CNAME")
        if not cname.outcome.conclusive:
            problems.append(unknown(cname, "an MX target that is no CNAME"))
        elif cname.exists:
            problems.append(
                Problem(
                    f"{target} CNAME {cname.records[0]}",
                    "an MX target that is no CNAME",
                    f"MX target {target} is a CNAME (RFC 2181 §10.3)",
                )
            )
    return problems


def cname_target(domain: str, evidence: Evidence) -> tuple[str | None, Problem | None]:
    answer = evidence.get(domain, "CNAME")
    if not answer.outcome.conclusive:
        return None, unknown(answer, "a CNAME")
    if not answer.exists:
        return None, None
    return answer.records[0].rstrip(".").lower(), None
