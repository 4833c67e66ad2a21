"""Collects the evidence the DNS rules need, by running them until they ask for nothing new.

The rules walk records (SPF includes lead to more TXT lookups), so what to ask is discovered:
each round runs every DNS check over the answers so far, records the lookups they missed,
and asks them all at once. Checks are pure, so the same code decides what is asked and what is
judged; the rounds are as many as the longest include chain.

The Domains table (auditor.dns.summary) reads answers too, mostly the rules' own. It joins the
rounds once the rules miss nothing, so each of the earlier rounds costs about half the CPU;
collection still ends only when rules and table together miss nothing.

The accounts are collected in groups of organizational domains, a few groups at once, each in
its own rounds: one group's checks run while the others' queries are in flight, where rounds
over every account ran their checks between the network's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from auditor.dns import summary
from auditor.dns.evidence import Answer, Evidence, Outcome, now_text
from auditor.dns.names import normalize, org_domain
from auditor.dns.resolver import Resolver
from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase
from auditor.rules import RULES, DnsRule

MAX_ROUNDS = 40  # a bound only: include chains stop at the lookup limit long before
# Collection goes a group of organizational domains at a time, ACTIVE groups at once: enough
# queries to keep every slot busy, and one group's checks run while the others' queries are out.
GROUP_DOMAINS = 40
ACTIVE = 4
SLOW = 0.25  # seconds: a group whose answers take longer lets the next one start

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
    selectors: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """The lookups the checks' rules and the reports' Domains table read and lack (each can be
    left out: `rules`, `table`). The table tries every DKIM selector of the policy on every
    domain: `selectors`, when the checks given are only part of the policy's."""
    recording = _Recording(known)
    for rule, options, scope in checks if rules else ():
        for _ in rule.judge(scope, options, recording):
            pass
    if table:
        tried = table_selectors(checks) if selectors is None else selectors
        summary.build(accounts, recording, selectors=list(tried))
    return list(recording.missing)


def table_selectors(checks: Sequence[Check]) -> list[str]:
    """The DKIM selectors the policy's entries name, which the Domains table tries too."""
    named = [s for _, o, _ in checks for s in getattr(o, "selectors", None) or []]
    return list(dict.fromkeys(named))


async def collect(
    checks: Sequence[Check], accounts: Sequence[EmailAccount], resolver: Resolver
) -> Evidence:
    """`ACTIVE` groups at a time. Every DNS rule and the Domains table read only the domains of
    the accounts they are given (sender, organizational and tracking domains, and the records
    those lead to), so a group's rounds ask what rounds over all accounts would ask of them."""
    evidence = Evidence(source="live", collected_at=now_text(), resolvers=resolver.names)
    selectors = table_selectors(checks)
    active = asyncio.Semaphore(ACTIVE)

    async def one(part: list[Check], members: list[EmailAccount]) -> None:
        await active.acquire()
        held = True

        def let_go() -> None:
            nonlocal held
            if held:
                held = False
                active.release()

        try:
            await _rounds(part, members, selectors, evidence, resolver, let_go)
        finally:
            let_go()

    await asyncio.gather(*(one(part, members) for part, members in _groups(checks, accounts)))
    return evidence


async def _rounds(
    checks: Sequence[Check],
    accounts: Sequence[EmailAccount],
    selectors: Sequence[str],
    evidence: Evidence,
    resolver: Resolver,
    let_go: Callable[[], None],
) -> None:
    """A group's rounds; ``let_go`` gives its place to the next group when an answer is slow
    to come (a silent domain waits out its deadline without holding the others up)."""
    table = False
    for _ in range(MAX_ROUNDS):
        wanted = missing(checks, accounts, evidence, table=table, selectors=selectors)
        if not wanted and not table:
            table = True  # the rules miss nothing more: now the table's lookups too
            wanted = missing(checks, accounts, evidence, rules=False, selectors=selectors)
        if not wanted:
            return
        answers = asyncio.ensure_future(resolver.query_all(wanted))
        if not (await asyncio.wait({answers}, timeout=SLOW))[0]:
            let_go()
        evidence.add(await answers)


def _groups(
    checks: Sequence[Check], accounts: Sequence[EmailAccount]
) -> list[tuple[list[Check], list[EmailAccount]]]:
    """Parts of `GROUP_DOMAINS` organizational domains each (bulk-sender sums over one, so a
    domain is never split), and each check's scope split the same way."""
    orgs: dict[str, int] = {}
    part_of = {
        account.id: orgs.setdefault(org_domain(account.sender_domain or ""), len(orgs))
        // GROUP_DOMAINS
        for account in accounts
    }
    groups: list[tuple[list[Check], list[EmailAccount]]] = [
        ([], []) for _ in range(len(orgs) // GROUP_DOMAINS + 1)
    ]
    for account in accounts:
        groups[part_of[account.id]][1].append(account)
    for rule, options, scope in checks:
        split: dict[int, list[EmailAccount]] = {}
        for account in scope:
            split.setdefault(part_of[account.id], []).append(account)
        for index, members in split.items():
            groups[index][0].append((rule, options, members))
    return [group for group in groups if group[1]]
