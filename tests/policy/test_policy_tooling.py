"""Tooling for policy authors: the JSON Schema (kept in sync, used by editors) and policy tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from auditor.policy.jsonschema import render_schema
from tests.support.shared import REPO, SHIPPED_POLICIES, CliResult

Run = Callable[..., CliResult]
COMMITTED_SCHEMA = REPO / "auditor" / "policy" / "policy-1.schema.json"


def _yaml(path: Path) -> object:
    """As an editor's YAML language server sees it: dates are strings, as in JSON."""
    return json.loads(json.dumps(YAML(typ="safe").load(path.read_text()), default=str))


def test_committed_schema_is_in_sync(run_cli: Run) -> None:
    result = run_cli("schema")
    assert result.code == 0
    assert result.out == COMMITTED_SCHEMA.read_text() == render_schema(), (
        "run: smartlead-audit schema -o auditor/policy/policy-1.schema.json"
    )


def test_shipped_policies_point_editors_at_the_schema_and_satisfy_it() -> None:
    schema = json.loads(COMMITTED_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    presets = resources.files("auditor.policy").joinpath("presets")
    files = [*SHIPPED_POLICIES.glob("*.yaml"), *(Path(str(p)) for p in presets.iterdir())]
    assert len(files) >= 4
    for path in files:
        first_line = path.read_text().splitlines()[0]
        assert first_line.startswith("# yaml-language-server: $schema=")
        target = (path.parent / first_line.split("$schema=")[1]).resolve()
        assert target == COMMITTED_SCHEMA.resolve()
        jsonschema.validate(_yaml(path), schema)


@pytest.mark.parametrize(
    "document",
    [
        {"version": 1, "rules": [{"rule": "daily-send-limit"}]},  # max missing
        {"version": 1, "rules": [{"rule": "daily-send-limit", "max": "40"}]},
        {"version": 1, "rules": [{"rule": "warmup", "severty": "info"}]},
        {"version": 2},
        {"version": 1, "waivers": [{"accounts": [1], "expires": "2027-01-01"}]},
    ],
)
def test_schema_rejects_what_the_loader_rejects(document: object) -> None:
    schema = json.loads(COMMITTED_SCHEMA.read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_shipped_policy_tests_pass(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = run_cli("test")
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1].endswith("passed, 0 failed")
    assert result.err == ""


FAILING_TEST = """\
policy: [policy.yaml]
now: 2026-01-01
base_account: {from_email: a@acme.example}
cases:
  - name: limit holds
    accounts:
      - {id: 1, message_per_day: 50}
      - {id: 2, message_per_day: 10}
    expect:
      - {id: daily-send-limit, account: 2}
"""


def test_failing_case_prints_a_diff_and_exits_1(
    run_cli: Run, write_policy: Callable[..., Path]
) -> None:
    write_policy("version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n")
    test_file = write_policy(FAILING_TEST, "limits.test.yaml")
    result = run_cli("test", test_file)
    assert result.code == 1
    assert result.out.splitlines()[1:] == [
        "  FAIL limit holds",
        "    - expected, not found: daily-send-limit @ account 2 (open)",
        "    + found, not expected: daily-send-limit @ account 1 (open)",
        "1 cases: 0 passed, 1 failed",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cases: []\n", ":2:8: cases: List should have at least 1 item after validation, not 0"),
        (
            "cases:\n  - name: x\n    acounts: []\n",
            ":4:5: unknown key 'acounts' (did you mean 'accounts'?)",
        ),
        (
            "cases:\n  - name: x\n    accounts: [{id: nope}]\n",
            ":3:5: accounts: record 0: field 'id': Input should be a valid integer",
        ),
    ],
)
def test_broken_test_files_exit_2(
    run_cli: Run, write_policy: Callable[..., Path], text: str, expected: str
) -> None:
    write_policy("version: 1\nrules: []\n", "policy.yaml")
    test_file = write_policy("policy: [policy.yaml]\n" + text, "bad.test.yaml")
    result = run_cli("test", test_file)
    assert result.code == 2
    assert f"{test_file}{expected}" in result.err
