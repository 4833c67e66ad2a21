"""Rule cases as data: tests/rules/cases/<rule-id>.yaml, one file per rule.

A case is a policy `entry` (the rule's options), the `accounts` as wire JSON (each is the
compliant account of tests/support/accounts.py with the keys given changed; a mapping changes
keys of the nested mapping), and the `violations` expected, in order: `field`, `actual`,
`expected`, `message`, and `account` (the id) when the case has more than one account.
Accounts are parsed as an inventory is, so a rule sees (and quotes) texts already scrubbed.
DNS rules also read `dns`, a zone (`{name: {TYPE: [records] | servfail | timeout}}`; a name
not in it does not exist), and a violation whose lookup failed says `inconclusive: true`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from auditor.dns.evidence import Evidence
from auditor.rules import RULES, DnsRule
from auditor.sources.inventory import parse_accounts
from tests.support.accounts import BASE_WIRE

CASES: dict[str, list[dict[str, Any]]] = {
    path.stem: YAML(typ="safe").load(path)
    for path in sorted((Path(__file__).parent / "cases").glob("*.yaml"))
}


def _wire(changes: dict[str, Any]) -> dict[str, Any]:
    record = dict(BASE_WIRE)
    for key, value in changes.items():
        base = record.get(key)
        nested = isinstance(value, dict) and isinstance(base, dict)
        record[key] = {**base, **value} if nested else value
    return record


def test_every_rule_has_cases_that_pass_and_cases_that_fail() -> None:
    assert set(CASES) == set(RULES)
    for rule_id, cases in CASES.items():
        assert {bool(case["violations"]) for case in cases} == {False, True}, rule_id


@pytest.mark.parametrize(
    ("rule_id", "case"),
    [
        pytest.param(rule_id, case, id=f"{rule_id}-{number}")
        for rule_id, cases in CASES.items()
        for number, case in enumerate(cases, 1)
    ],
)
def test_rule_case(rule_id: str, case: dict[str, Any]) -> None:
    rule = RULES[rule_id]
    options = rule.options.model_validate({"rule": rule_id, **case["entry"]})
    accounts = parse_accounts([_wire(changes) for changes in case["accounts"]])
    if isinstance(rule, DnsRule):
        evidence = Evidence.from_zone(case.get("dns") or {})
        found = [
            {
                "account": f.account.id,
                **f.violation._asdict(),
                **({"inconclusive": True} if f.inconclusive else {}),
            }
            for f in rule.judge(accounts, options, evidence)
        ]
    else:
        assert "dns" not in case
        found = [
            {"account": account.id, **violation._asdict()}
            for account, violation in rule.violations(accounts, options)
        ]
    assert found == [{"account": accounts[0].id, **want} for want in case["violations"]]
