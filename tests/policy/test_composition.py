"""Policy composition and governance: extends, presets, overrides, scoped thresholds, custom
field rules and governed waivers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor.engine import evaluate
from auditor.errors import PolicyError
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.result import FailOn, FindingStatus
from auditor.policy.compose import preset_names
from auditor.policy.loader import load_policy
from tests.support.accounts import account

WritePolicy = Callable[..., Path]
TODAY = date(2026, 6, 1)


def problems(*paths: Path) -> list[str]:
    with pytest.raises(PolicyError) as raised:
        load_policy(list(paths), today=TODAY)
    return [str(p) for p in raised.value.problems]


def test_presets_ship_inside_the_package() -> None:
    assert preset_names() == ["baseline", "strict"]


@pytest.mark.parametrize("preset", ["baseline", "strict"])
def test_extending_a_preset(write_policy: WritePolicy, preset: str) -> None:
    policy = load_policy([write_policy(f"version: 1\nextends: [{preset}]\n")], today=TODAY)
    assert len(policy.entries) >= 8
    assert policy.files[0].path == "preset:baseline"
    assert policy.files[-2].path == f"preset:{preset}"
    assert all(e.position.path.startswith("preset:") for e in policy.entries)


def test_child_overrides_parent_options_by_id_and_turns_rules_off(
    write_policy: WritePolicy,
) -> None:
    path = write_policy(
        "version: 1\nextends: [strict]\nrules:\n"
        "  - id: daily-send-limit\n    max: 25\n"
        "  - id: duplicate-sender\n    enabled: false\n"
    )
    policy = load_policy([path], today=TODAY)
    by_id = {e.id: e for e in policy.entries}
    assert "duplicate-sender" not in by_id
    limit = by_id["daily-send-limit"]
    assert limit.options.max == 25  # type: ignore[attr-defined]
    assert limit.position.path == str(path) and limit.position.line == 4
    # strict overrode baseline's warmup (min_reputation, only: null); we inherit both changes
    warmup = by_id["warmup"].options
    assert warmup.min_reputation == 90  # type: ignore[attr-defined]
    assert warmup.only is None
    assert [f.path for f in policy.files] == ["preset:baseline", "preset:strict", str(path)]


def test_error_in_a_merged_entry_points_at_the_line_that_set_the_value(
    write_policy: WritePolicy,
) -> None:
    parent = write_policy(
        "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 10\n", "parent.yaml"
    )
    child = write_policy(
        "version: 1\nextends: [parent.yaml]\nrules:\n  - id: daily-send-limit\n    max: lots\n",
        "child.yaml",
    )
    assert problems(child) == [f"{child}:5:10: max: Input should be a valid integer"]
    assert parent.exists()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "a.yaml": "version: 1\nextends: [b.yaml]\n",
                "b.yaml": "version: 1\nextends: [a.yaml]\n",
            },
            ["{d}/b.yaml:2:11: extends cycle: {d}/a.yaml -> {d}/b.yaml -> {d}/a.yaml"],
        ),
        (
            {"a.yaml": "version: 1\nextends: [basline]\n"},
            [
                "{d}/a.yaml:2:11: unknown preset 'basline' (did you mean 'baseline'?); "
                "built-in presets: baseline, strict"
            ],
        ),
        (
            {"a.yaml": "version: 1\nextends: [missing.yaml]\n"},
            [
                "{d}/a.yaml:2:11: cannot read extended policy missing.yaml: No such file or directory"
            ],
        ),
        (
            {
                "a.yaml": "version: 1\nextends: [baseline]\nrules:\n  - id: warmup\n    rule: send-gap\n"
                "    min_minutes: 3\n"
            },
            [
                "{d}/a.yaml:5:11: entry 'warmup' overrides a 'warmup' entry (at preset:baseline:29:5) "
                "with rule 'send-gap'; use another id"
            ],
        ),
        (
            {"a.yaml": "version: 1\nrules:\n  - id: lonely\n    max: 3\n"},
            ["{d}/a.yaml:3:5: missing required key 'rule' (which rule this entry configures)"],
        ),
    ],
)
def test_composition_problems(tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    got = problems(tmp_path / next(iter(files)))
    assert got == [e.format(d=tmp_path) for e in expected]


def test_sibling_files_share_what_they_inherit(write_policy: WritePolicy) -> None:
    write_policy("version: 1\nextends: [baseline]\n", "a.yaml")
    second = write_policy(
        "version: 1\nextends: [baseline]\nrules:\n  - id: send-gap\n    min_minutes: 20\n", "b.yaml"
    )
    policy = load_policy([second.parent], today=TODAY)
    gaps = [e for e in policy.entries if e.rule == "send-gap"]
    assert len(gaps) == 1
    assert gaps[0].options.min_minutes == 20  # type: ignore[attr-defined]


# --- scoped thresholds ---------------------------------------------------------------------

SCOPED = """\
version: 1
rules:
  - rule: daily-send-limit
    max: 30
  - rule: daily-send-limit
    id: limit-vip
    max: 60
    only: {tags: [VIP]}
  - rule: daily-send-limit
    id: limit-client-7
    max: 45
    only: {client_id: [7]}
  - rule: daily-send-limit
    id: limit-ceo
    max: 100
    only: {ids: [4]}
  - rule: daily-send-limit
    id: limit-hard-cap
    max: 50
    severity: warning
"""
VIP = [{"tag_id": 1, "tag_name": "VIP", "tag_color": None}]


def _audit(path: Path, *accounts: Any) -> list[tuple[str, int | None]]:
    inventory = Inventory(tuple(accounts), InventoryInfo(source="t"))
    result = evaluate(
        load_policy([path], today=TODAY),
        inventory,
        fail_on=FailOn.ERROR,
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )
    return sorted((f.id, f.account_id) for f in result.findings)


def test_most_specific_entry_wins(write_policy: WritePolicy) -> None:
    found = _audit(
        write_policy(SCOPED),
        account(id=1, message_per_day=40, client_id=1, tags=[]),  # default 30 and cap 50
        account(id=2, message_per_day=55, client_id=1, tags=VIP),  # VIP 60 beats default
        account(id=3, message_per_day=55, client_id=7, tags=VIP),  # client 45 beats tag
        account(id=4, message_per_day=90, client_id=7, tags=VIP),  # account 100 beats all
    )
    # Default entries tie (both have no `only`), so both apply to account 1; account-level
    # entries win over the defaults for the others.
    assert found == [("daily-send-limit", 1), ("limit-client-7", 3)]


# --- custom field rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "field: smtp_prot\n    op: equals\n    value: 465",
            "5:12: field: unknown field 'smtp_prot' (did you mean 'smtp_port'?)",
        ),
        (
            "field: password\n    op: empty",
            "5:12: field: passwords are never available to rules; use has_password",
        ),
        ("field: smtp_port\n    op: in\n    value: 465", "3:5: op in needs a list value"),
        ("field: smtp_port\n    op: equals", "3:5: op equals needs a value"),
        ("field: smtp_port\n    op: empty\n    value: 1", "3:5: op empty takes no value"),
        (
            "field: from_name\n    op: matches\n    value: '(x'",
            "3:5: not a valid regular expression for the safe (RE2) engine: missing ): (x",
        ),
        (
            "field: smtp_port\n    op: bigger\n    value: 1",
            "6:9: op: Input should be 'equals', 'not_equals', 'in', 'not_in', 'lt', 'lte', 'gt', "
            "'gte', 'matches', 'not_empty' or 'empty'",
        ),
    ],
)
def test_field_rule_problems(write_policy: WritePolicy, entry: str, expected: str) -> None:
    path = write_policy(f"version: 1\nrules:\n  - rule: field\n    id: custom\n    {entry}\n")
    assert problems(path) == [f"{path}:{expected}"]


def test_field_rule_needs_an_id(write_policy: WritePolicy) -> None:
    path = write_policy(
        "version: 1\nrules:\n  - rule: field\n    field: smtp_port\n    op: empty\n"
    )
    assert problems(path) == [f"{path}:3:5: missing required key 'id'"]


# --- governed waivers -------------------------------------------------------------------------

GOVERNED = """\
version: 1
rules:
  - rule: warmup
waiver_policy:
  require: [owner, ticket]
  max_days: 90
  warn_days: 30
waivers:
{waivers}
"""


@pytest.mark.parametrize(
    ("waiver", "expected"),
    [
        ("  - {accounts: [1], reason: r, expires: 2026-07-01, owner: ann, ticket: C-1}", []),
        (
            "  - {accounts: [1], reason: r, expires: 2026-07-01, owner: ann}",
            ["9:5: waiver is missing ticket (required by waiver_policy at {p}:5:3)"],
        ),
        (
            "  - {accounts: [1], reason: r, expires: 2026-12-01, owner: a, ticket: C}",
            [
                "9:5: waiver runs 183 days (from today to 2026-12-01), longer than max_days 90 "
                "(waiver_policy at {p}:5:3)"
            ],
        ),
        (
            "  - {accounts: [1], reason: r, expires: 2026-07-01, created: 2026-01-01, owner: a, "
            "ticket: C}",
            [
                "9:5: waiver runs 181 days (from 2026-01-01 to 2026-07-01), longer than max_days 90 "
                "(waiver_policy at {p}:5:3)"
            ],
        ),
    ],
)
def test_waiver_governance(write_policy: WritePolicy, waiver: str, expected: list[str]) -> None:
    path = write_policy(GOVERNED.format(waivers=waiver))
    if not expected:
        assert load_policy([path], today=TODAY).waiver_policy.max_days == 90
        return
    assert problems(path) == [f"{path}:{e.format(p=path)}" for e in expected]


def test_expiring_waiver_raises_info_and_register_records_use(write_policy: WritePolicy) -> None:
    path = write_policy(
        GOVERNED.format(
            waivers="  - {accounts: [1], reason: r, expires: 2026-06-20, owner: ann, ticket: C-1}"
        )
    )
    policy = load_policy([path], today=TODAY)
    inventory = Inventory((account(id=1, warmup_details=None),), InventoryInfo(source="t"))
    result = evaluate(policy, inventory, fail_on=FailOn.ERROR, now=datetime(2026, 6, 1, tzinfo=UTC))
    assert [(f.id, f.status) for f in result.findings] == [
        ("warmup", FindingStatus.WAIVED),
        ("waiver-expiring", FindingStatus.OPEN),
    ]
    expiring = result.findings[1]
    assert "expires in 19 days (2026-06-20)" in expiring.message
    (record,) = result.waivers
    assert (record.owner, record.ticket, record.state.value, record.used) == (
        "ann",
        "C-1",
        "expiring",
        1,
    )
