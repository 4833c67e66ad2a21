"""The engine: selectors, waivers, ordering and the verdict, through real policy files."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine import evaluate
from auditor.errors import Position
from auditor.model.account import EmailAccount, Inventory, InventoryInfo
from auditor.model.entry import AccountIndex, EntryBase
from auditor.model.result import (
    AuditResult,
    FailOn,
    Finding,
    FindingStatus,
    Severity,
    Waived,
    finding_order,
)
from auditor.policy.loader import Policy, PolicyEntry, WaiverEntry, load_policy
from auditor.policy.schema import Waiver
from auditor.rules import RULES
from auditor.sources.inventory import parse_accounts
from auditor.testing.generator import generate_accounts
from tests.support.accounts import account

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WritePolicy = Callable[..., Path]


def audit(policy_path: Path, *accounts_: Any, fail_on: FailOn = FailOn.ERROR) -> AuditResult:
    inventory = Inventory(tuple(accounts_), InventoryInfo(source="test"))
    return evaluate(load_policy([policy_path]), inventory, fail_on=fail_on, now=NOW)


def ids(result: AuditResult, status: FindingStatus | None = None) -> list[tuple[str, int | None]]:
    return [(f.id, f.account_id) for f in result.findings if status is None or f.status is status]


GMAIL = {"type": "GMAIL"}
SMTP = {"type": "SMTP"}


@pytest.mark.parametrize(
    ("selector", "matching"),
    [
        ("only: {type: [gmail]}", [1]),
        ("only: {tags: [eu]}", [2]),
        ("only: {client_id: [7]}", [2]),
        ("only: {email: ['*@ACME.example']}", [1, 3]),
        ("only: {domain: [other.example]}", [2]),
        ("only: {in_use: false}", [3]),
        ("only: {ids: [3]}", [3]),
        ("only: {type: [SMTP], tags: [EU]}", [2]),
        ("except: {type: [SMTP]}", [1]),
        ("except: {type: [SMTP], tags: [EU]}", [1, 3]),
        ("only: {type: [SMTP]}\n    except: {ids: [2]}", [3]),
    ],
)
def test_selectors(write_policy: WritePolicy, selector: str, matching: list[int]) -> None:
    path = write_policy(
        f"version: 1\nrules:\n  - rule: daily-send-limit\n    max: 1\n    {selector}\n"
    )
    result = audit(
        path,
        account(id=1, type="GMAIL", tags=[], client_id=5),
        account(
            id=2,
            type="SMTP",
            from_email="b@other.example",
            tags=[{"tag_id": 1, "tag_name": "EU", "tag_color": None}],
            client_id=7,
        ),
        account(id=3, type="SMTP", tags=[], campaign_ids=[], client_id=None),
    )
    assert sorted(f.account_id for f in result.findings) == matching


WAIVED_POLICY = """\
version: 1
rules:
  - rule: daily-send-limit
    max: 10
  - rule: send-gap
    min_minutes: 60
waivers:
  - accounts: ["legacy-*@acme.example", 3]
    rules: [daily-send-limit]
    reason: "COMP-1: migration"
    expires: 2026-06-01
  - accounts: [99]
    reason: "COMP-2: account gone"
    expires: 2027-01-01
  - accounts: [1]
    reason: "COMP-3: old"
    expires: 2026-05-31
"""


def test_waivers(write_policy: WritePolicy) -> None:
    result = audit(
        write_policy(WAIVED_POLICY),
        account(id=1, from_email="ada@acme.example"),
        account(id=2, from_email="Legacy-2@ACME.example"),
        account(id=3, from_email="c@acme.example"),
    )
    assert ids(result, FindingStatus.WAIVED) == [("daily-send-limit", 2), ("daily-send-limit", 3)]
    assert ids(result, FindingStatus.OPEN) == [
        ("daily-send-limit", 1),
        ("send-gap", 1),
        ("send-gap", 2),
        ("send-gap", 3),
        ("waiver-expired", None),
        ("waiver-expiring", None),  # COMP-1 expires today: within the default warn_days
        ("waiver-unused", None),
    ]
    waived = next(f for f in result.findings if f.status is FindingStatus.WAIVED)
    assert waived.waiver is not None and "COMP-1: migration" in waived.waiver.reason
    expired = next(f for f in result.findings if f.id == "waiver-expired")
    assert expired.severity is Severity.WARNING and "COMP-3" in expired.message
    assert expired.policy.endswith(":15")
    unused = next(f for f in result.findings if f.id == "waiver-unused")
    assert unused.severity is Severity.INFO and "COMP-2" in unused.message
    assert result.summary.waived == 2
    assert result.summary.open == {Severity.ERROR: 4, Severity.WARNING: 1, Severity.INFO: 2}
    assert [(w.state.value, w.used) for w in result.waivers] == [
        ("expiring", 2),
        ("active", 0),
        ("expired", 0),
    ]


@pytest.mark.parametrize(
    ("fail_on", "passed", "failing"),
    [
        (FailOn.ERROR, True, 0),
        (FailOn.WARNING, False, 1),
        (FailOn.INFO, False, 1),
        (FailOn.NEVER, True, 0),
    ],
)
def test_fail_on(write_policy: WritePolicy, fail_on: FailOn, passed: bool, failing: int) -> None:
    path = write_policy("version: 1\nrules:\n  - rule: warmup\n    severity: warning\n")
    result = audit(path, account(id=1, warmup_details=None), account(id=2), fail_on=fail_on)
    assert result.summary.passed is passed
    assert result.summary.accounts_failing == failing
    assert result.summary.result == ("pass" if passed else "fail")


def test_waived_findings_do_not_fail_the_run(write_policy: WritePolicy) -> None:
    path = write_policy(
        "version: 1\nrules:\n  - rule: warmup\nwaivers:\n  - accounts: [1]\n"
        "    reason: ok\n    expires: 2030-01-01\n"
    )
    result = audit(path, account(id=1, warmup_details=None))
    assert result.summary.passed
    assert [f.status for f in result.findings] == [FindingStatus.WAIVED]


def test_findings_are_sorted_by_severity_id_account(write_policy: WritePolicy) -> None:
    path = write_policy(
        "version: 1\nrules:\n  - rule: warmup\n    severity: info\n"
        "  - rule: send-gap\n    min_minutes: 99\n  - rule: bcc-required\n"
        "  - rule: smtp-connected\n    severity: warning\n"
    )
    result = audit(
        path,
        *(
            account(id=i, warmup_details=None, bcc_email=None, is_smtp_success=False)
            for i in (3, 1, 2)
        ),
    )
    keys = [(f.severity.rank, f.id, f.account_id) for f in result.findings]
    assert keys == sorted(keys, key=lambda k: (-k[0], k[1], k[2]))
    assert [f.id for f in result.findings][:6] == ["bcc-required"] * 3 + ["send-gap"] * 3


def test_fleet_rules_group_only_the_selected_accounts(write_policy: WritePolicy) -> None:
    path = write_policy(
        "version: 1\nrules:\n  - rule: accounts-per-domain\n    max: 1\n"
        "    only: {type: [SMTP]}\n    except: {ids: [4]}\n"
    )
    result = audit(
        path,
        account(id=1, type="SMTP"),
        account(id=2, type="SMTP"),
        account(id=3, type="GMAIL"),  # same domain, not selected: not counted
        account(id=4, type="SMTP"),  # excepted: not counted
    )
    assert ids(result) == [("accounts-per-domain", 2)]
    (finding,) = result.findings
    assert finding.message == "acme.example has 2 sending accounts, above the maximum of 1"


# --- selectors, scope and waivers over whole inventories: indexes held to a plain reference ---


def _reference_matches(keys: dict[str, Any], account: EmailAccount) -> bool:
    """What a selector means, one account at a time: every key it sets must hold."""
    checks = {
        "type": lambda v: (account.type or "").upper() in {t.upper() for t in v},
        "tags": lambda v: any(n.casefold() in {t.casefold() for t in v} for n in account.tag_names),
        "client_id": lambda v: account.client_id in v,
        "email": lambda v: any(fnmatch.fnmatchcase(account.email.lower(), p.lower()) for p in v),
        "domain": lambda v: account.sender_domain in {d.lower() for d in v},
        "in_use": lambda v: account.in_use == v,
        "ids": lambda v: account.id in v,
    }
    return all(checks[key](value) for key, value in keys.items())


SELECTOR_KEYS = st.fixed_dictionaries(
    {},
    optional={
        "type": st.lists(st.sampled_from(["gmail", "SMTP", "Outlook", "zoho"]), min_size=1),
        "tags": st.lists(st.sampled_from(["eu", "Primary Senders", "US", "none"]), min_size=1),
        "client_id": st.lists(st.sampled_from([5120, 5121, 5122, 1]), min_size=1),
        "email": st.lists(
            st.sampled_from(["*@getacme.example", "a*", "*", "nobody@x"]), min_size=1
        ),
        "domain": st.lists(st.sampled_from(["getacme.example", "Other.example"]), min_size=1),
        "in_use": st.booleans(),
        # Often 100005, which two accounts of DUP_POOL share.
        "ids": st.lists(st.integers(100004, 100006) | st.integers(100001, 100062), min_size=1),
    },
)
POOL = parse_accounts(generate_accounts(60, seed=11))


@given(only=SELECTOR_KEYS, except_=st.none() | SELECTOR_KEYS)
@settings(max_examples=200, deadline=None)
def test_selectors_select_what_they_match_one_by_one(
    only: dict[str, Any], except_: dict[str, Any] | None
) -> None:
    entry = EntryBase.model_validate({"rule": "x", "only": only, "except": except_})
    expected = [
        a
        for a in POOL
        if _reference_matches(only, a)
        and not (except_ is not None and _reference_matches(except_, a))
    ]
    index = AccountIndex(POOL)
    assert index.accounts_at(entry.positions(index)) == expected


# The parser rejects repeated ids, but the engine takes any inventory: here two accounts share one.
_WIRES = generate_accounts(60, seed=11)
DUP_POOL = parse_accounts(_WIRES) + parse_accounts([{**_WIRES[7], "id": _WIRES[4]["id"]}])
TODAY = NOW.date()
WAIVER_ACCOUNTS = st.lists(
    st.integers(100004, 100006)
    | st.integers(100001, 100062)
    | st.sampled_from(["*@getacme.example", "o*", "*diaz*", "NORA*", "nobody@x"]),
    min_size=1,
    max_size=4,
)


def _entries(draw: st.DrawFn) -> list[PolicyEntry]:
    """Competing `daily-send-limit` entries and independent `field` entries, any selectors."""
    entries = []
    for index, rule in enumerate(draw(st.lists(st.sampled_from(["limit", "field"]), max_size=6))):
        keys: dict[str, Any] = {
            "only": draw(st.none() | SELECTOR_KEYS),
            "except": draw(st.none() | SELECTOR_KEYS),
        }
        if rule == "limit":
            keys |= {"rule": "daily-send-limit", "max": draw(st.sampled_from([20, 30, 40]))}
        else:
            keys |= {"rule": "field", "field": "smtp_port", "op": "in", "value": [465]}
        options = RULES[keys["rule"]].options.model_validate({**keys, "id": f"e{index}"})
        entries.append(PolicyEntry(options, Position("p.yaml", index + 1, 5)))
    return entries


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    entries = _entries(draw)
    waivers = []
    for index in range(draw(st.integers(0, 8))):
        rules = draw(st.none() | st.lists(st.sampled_from([e.id for e in entries] or ["x"])))
        waiver = Waiver.model_validate(
            {
                "accounts": draw(WAIVER_ACCOUNTS),
                "rules": rules or None,
                "reason": f"W{index}",
                "expires": TODAY + timedelta(days=draw(st.sampled_from([-1, 0, 30]))),
            }
        )
        waivers.append(WaiverEntry(waiver, Position("p.yaml", 100 + index, 5)))
    return Policy(tuple(entries), tuple(waivers), ())


def _reference_scope(policy: Policy, accounts: Sequence[EmailAccount]) -> dict[str, list[Any]]:
    """Entry by entry, account by account; scoped rules' entries compete per account."""

    def selects(entry: PolicyEntry, account: EmailAccount) -> bool:
        only, except_ = entry.options.only, entry.options.except_
        return (
            only is None or _reference_matches(only.model_dump(exclude_unset=True), account)
        ) and not (
            except_ is not None
            and _reference_matches(except_.model_dump(exclude_unset=True), account)
        )

    scope: dict[str, list[Any]] = {entry.id: [] for entry in policy.entries}
    for mailbox in accounts:
        matching = [e for e in policy.entries if selects(e, mailbox)]
        for entry in matching:
            rivals = [e for e in matching if e.rule == entry.rule]
            if RULES[entry.rule].scoped and any(
                e.options.specificity > entry.options.specificity for e in rivals
            ):
                continue
            scope[entry.id].append(mailbox)
    return scope


def _reference_waiver(policy: Policy, account: EmailAccount, entry_id: str) -> int | None:
    """The first active waiver, in policy order, naming the account and the entry."""
    for index, item in enumerate(policy.waivers):
        waiver = item.waiver
        if waiver.expires < TODAY or (waiver.rules is not None and entry_id not in waiver.rules):
            continue
        named = [a for a in waiver.accounts if isinstance(a, int)]
        globs = [a.lower() for a in waiver.accounts if isinstance(a, str)]
        if account.id in named or any(fnmatch.fnmatchcase(account.email.lower(), g) for g in globs):
            return index
    return None


@given(policy=policies())
@settings(max_examples=150, deadline=None)
def test_scope_and_waivers_match_a_brute_force_reference(policy: Policy) -> None:
    inventory = Inventory(DUP_POOL, InventoryInfo(source="test"))
    result = evaluate(policy, inventory, fail_on=FailOn.ERROR, now=NOW)
    scope = _reference_scope(policy, DUP_POOL)
    assert result.checked == {entry_id: tuple(accounts) for entry_id, accounts in scope.items()}
    expected, used = [], [0] * len(policy.waivers)
    for entry in policy.entries:
        for mailbox, violation in RULES[entry.rule].violations(scope[entry.id], entry.options):
            index = _reference_waiver(policy, mailbox, entry.id)
            waiver = None if index is None else policy.waivers[index]
            if index is not None:
                used[index] += 1
            expected.append(
                Finding(
                    entry.id,
                    entry.rule,
                    entry.severity,
                    FindingStatus.OPEN if waiver is None else FindingStatus.WAIVED,
                    mailbox.id,
                    mailbox.from_email,
                    *violation,
                    entry.where,
                    None
                    if waiver is None
                    else Waived(waiver.waiver.reason, waiver.waiver.expires, waiver.where),
                )
            )
    expected.sort(key=finding_order)
    assert [f for f in result.findings if not f.id.startswith("waiver-")] == expected
    assert [record.used for record in result.waivers] == used
