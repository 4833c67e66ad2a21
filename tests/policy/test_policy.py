"""Policy loading: every problem reported as exact file:line:column, all of them at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.errors import PolicyError, UsageError
from auditor.policy.loader import load_policy
from auditor.rules import RULES
from auditor.sources.inventory import parse_accounts
from tests.support.accounts import wire
from tests.support.shared import SHIPPED_POLICIES

WritePolicy = Callable[..., Path]


def problems(path: Path, *more: Path) -> list[str]:
    with pytest.raises(PolicyError) as raised:
        load_policy([path, *more])
    return [f"{p.position.line}:{p.position.column}: {p.message}" for p in raised.value.problems]


def test_shipped_policies_are_valid() -> None:
    policy = load_policy([SHIPPED_POLICIES])
    assert {e.rule for e in policy.entries} >= {"daily-send-limit", "bcc-required", "warmup"}
    assert all(len(f.sha256) == 64 for f in policy.files)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\nrules:\n  - rule: daily-send-limt\n    max: 4\n",
            [
                "3:11: unknown rule 'daily-send-limt' (did you mean 'daily-send-limit'?); "
                "run 'smartlead-audit rules' for the list"
            ],
        ),
        (
            "version: 1\nrules:\n  - rule: daily-send-limit\n    max: '40'\n",
            ["4:10: max: Input should be a valid integer"],
        ),
        (
            "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 4\n    severty: info\n",
            ["5:5: unknown key 'severty' (did you mean 'severity'?)"],
        ),
        ("version: 1\nrules:\n  - rule: send-gap\n", ["3:5: missing required key 'min_minutes'"]),
        (
            "version: 1\nrules:\n  - rule: bcc-required\n    pattern: '(x'\n",
            [
                "4:14: pattern: not a valid regular expression for the safe (RE2) engine: "
                "missing ): (x"
            ],
        ),
        (
            "version: 1\nrules:\n  - rule: warmup\n    only: {tpye: [GMAIL]}\n",
            ["4:12: unknown key 'tpye' (did you mean 'type'?)"],
        ),
        (
            "version: 1\nrules:\n  - rule: warmup\n    except:\n      in_use: 'yes'\n",
            ["5:15: except.in_use: Input should be a valid boolean"],
        ),
        (
            "version: 1\nrules:\n  - rule: warmup\n    severity: fatal\n",
            ["4:15: severity: Input should be 'error', 'warning' or 'info'"],
        ),
        (
            "version: 1\nrules:\n  - rule: warmup\n  - rule: warmup\n",
            [
                "4:5: duplicate id 'warmup' (first defined at {path}:3:5); "
                "give each use of a rule its own 'id:'"
            ],
        ),
        (
            "version: 1\nrules:\n  - rule: warmup\n    id: Bad_Id\n",
            ["4:9: id: String should match pattern '^[a-z0-9][a-z0-9-]*$'"],
        ),
        (
            "version: 1\nrules: []\nwaivers:\n  - accounts: [1]\n    expires: 2027-01-01\n",
            ["4:5: missing required key 'reason'"],
        ),
        (
            "version: 1\nrules: []\nwaivers:\n  - accounts: [1]\n    reason: x\n"
            "    expires: 2027-01-01\n    rules: [warmup]\n",
            ["4:5: waiver names rule id 'warmup', which no policy defines"],
        ),
        (
            "version: 1\nrules: []\nwaivers:\n  - accounts: [1]\n    reason: ' '\n"
            "    expires: 2027-01-01\n",
            ["5:13: reason: reason must say why the exception is accepted"],
        ),
        ("version: 1\nrules: []\n)x: 1\n", ["3:1: unknown key ')x'"]),  # not a union tag
        (
            "version: 2\nrulez: []\n",
            [
                "1:10: version: Input should be 1",
                "2:1: unknown key 'rulez' (did you mean 'rules'?)",
            ],
        ),
        ("", ["1:1: empty policy file: expected 'version: 1' and 'rules:'"]),
        ("- a\n", ["1:1: a policy file must be a mapping with 'version' and 'rules'"]),
        (
            "version: 1\nversion: 1\n",
            [
                "2:1: invalid YAML: this key is already set earlier in the same mapping "
                "(the mapping starts at line 1, column 1)"
            ],
        ),
        (
            "version: 1\nrules:\n  - rule: x\n    max: [1\n",
            [
                "5:1: invalid YAML: while parsing a flow sequence expected ',' or ']', but got "
                "'<stream end>' (the construct started at line 4, column 10)"
            ],
        ),
        (
            "version: 1\nrules:\n  - just a string\n",
            ["3:5: a rule entry must be a mapping like '- rule: daily-send-limit'"],
        ),
        (  # ruamel keeps no positions under a node with an unknown tag: its parent's instead
            "version: 1\nrules:\n !!python/object:os.system\n  - rule: send-gap\n"
            "    min_minutes: -3\n",
            ["3:2: min_minutes: Input should be greater than or equal to 0"],
        ),
    ],
)
def test_problem_positions(write_policy: WritePolicy, text: str, expected: list[str]) -> None:
    path = write_policy(text)
    assert problems(path) == [e.format(path=path) for e in expected]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [(r"(a)\1", r"invalid escape sequence: \1"), ("(?=x)y", "invalid perl operator: (?=")],
)
def test_backtracking_only_regex_features_are_policy_errors(
    write_policy: WritePolicy, pattern: str, reason: str
) -> None:
    path = write_policy(f"version: 1\nrules:\n  - rule: bcc-required\n    pattern: '{pattern}'\n")
    assert problems(path) == [
        f"4:14: pattern: not a valid regular expression for the safe (RE2) engine: {reason}"
    ]


def test_catastrophic_pattern_runs_in_linear_time(write_policy: WritePolicy) -> None:
    path = write_policy("version: 1\nrules:\n  - rule: bcc-required\n    pattern: '(a+)+$'\n")
    (entry,) = load_policy([path]).entries
    # With a backtracking engine this input takes longer than the age of the universe.
    accounts = parse_accounts([wire(bcc_email="a" * 50_000 + "!")])
    found = RULES["bcc-required"].violations(accounts, entry.options)
    assert [v.field for _, v in found] == ["bcc_email"]


def test_every_problem_in_every_file_is_reported_at_once(write_policy: WritePolicy) -> None:
    first = write_policy(
        "version: 1\nrules:\n  - rule: warmup\n  - rule: send-gap\n"
        "    min_minutes: -1\n  - rule: nope\n",
        "a.yaml",
    )
    second = write_policy("version: 1\nrules:\n  - rule: warmup\n", "b.yaml")
    with pytest.raises(PolicyError) as raised:
        load_policy([first.parent])
    text = str(raised.value)
    assert text.startswith("3 policy problems found:")
    assert f"{first}:5:18: min_minutes: Input should be greater than or equal to 0" in text
    assert f"{first}:6:11: unknown rule 'nope'" in text
    assert f"{second}:3:5: duplicate id 'warmup' (first defined at {first}:3:5)" in text


def test_folder_takes_yaml_and_yml_sorted(write_policy: WritePolicy) -> None:
    write_policy("version: 1\nrules:\n  - rule: warmup\n", "b.yml")
    write_policy("version: 1\nrules:\n  - rule: send-gap\n    min_minutes: 5\n", "a.yaml")
    write_policy("not: policy", "notes.txt")
    first = write_policy("version: 1\nrules: []\n", "a.yaml")
    policy = load_policy([first.parent])
    assert [Path(f.path).name for f in policy.files] == ["a.yaml", "b.yml"]


def test_missing_path_and_empty_folder_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_policy([tmp_path / "nope"])
    with pytest.raises(UsageError, match="no policy files"):
        load_policy([tmp_path])
