"""Collects the evidence the DNS rules need, by running them until they ask for nothing new.

The rules walk records (SPF includes lead to more TXT lookups), so what to ask is discovered:
each round runs every DNS check over the answers so far, records the lookups they missed,
and asks them all at once. Checks are pure, so the same code decides what is asked and what is
judged; the rounds are as many as the longest include chain.

The Domains table (auditor.dns.summary) reads answers too, mostly the rules' own. It joins the
rounds once the rules miss nothing, so each of the earlier rounds costs about half the CPU (the
rounds run between the network's, not during it); collection still ends only when rules and
table together miss nothing."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.dns import summary
from auditor.dns.evidence import Answer, Evidence, Outcome, now_text
from auditor.dns.names import normalize
from auditor.dns.resolver import Resolver
from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules import RULES, DnsRule

MAX_ROUNDS = 40  # a bound only: include chains stop at the lookup limit long before

# (rule, its options, the accounts it checks)
Check = tuple[DnsRule[EntryBase], EntryBase, Sequence[EmailAccount]]


class _Recording(Evidence):
    """Evidence that notes each lookup it lacks and answers it as not known yet."""

    def __init__(self, known: Evidence) -> None:
        super().__init__(known.answers, source="collecting")
        self.missing: dict[tuple[str, str], None] = {}

    def get(self, name: str, rtype: str) -> Answer:
        key = (normalize(name), rtype.upper())
        found = self.answers.get(key)
        if found is None:
            self.missing[key] = None
            return Answer(key[0], key[1], Outcome.TIMEOUT, detail="pending")
        return found


def default_checks(accounts: Sequence[EmailAccount]) -> list[Check]:
    """Every DNS rule with its default options over all accounts: what `resolve` collects
    for when the policy says nothing more."""
    checks: list[Check] = []
    for rule in RULES.values():
        if isinstance(rule, DnsRule):
            checks.append((rule, rule.options.model_validate({"rule": rule.id}), accounts))
    return checks


def missing(
    checks: Sequence[Check],
    accounts: Sequence[EmailAccount],
    known: Evidence,
    *,
    rules: bool = True,
    table: bool = True,
) -> list[tuple[str, str]]:
    """The lookups the checks' rules and the reports' Domains table read and lack (each can be
    left out: `rules`, `table`)."""
    recording = _Recording(known)
    for rule, options, scope in checks if rules else ():
        for _ in rule.judge(scope, options, recording):
            pass
    if table:
        selectors = [s for _, o, _ in checks for s in getattr(o, "selectors", None) or []]
        summary.build(accounts, recording, selectors=list(dict.fromkeys(selectors)))
    return list(recording.missing)


async def collect(
    checks: Sequence[Check], accounts: Sequence[EmailAccount], resolver: Resolver
) -> Evidence:
    evidence = Evidence(source="live", collected_at=now_text(), resolvers=resolver.names)
    table = False
    for _ in range(MAX_ROUNDS):
        wanted = missing(checks, accounts, evidence, table=table)
        if not wanted and not table:
            table = True  # the rules miss nothing more: now the table's lookups too
            wanted = missing(checks, accounts, evidence, rules=False)
        if not wanted:
            break
        evidence.add(await resolver.query_all(wanted))
    return evidence
