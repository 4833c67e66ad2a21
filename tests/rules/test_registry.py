"""The rule registry is explicit and complete, every rule documents itself, and rules sit below
policy: importing them loads no policy module."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import auditor.rules
from auditor.policy.loader import load_policy
from auditor.rules import RULES
from auditor.scaffold import _example


def test_every_rule_module_is_registered() -> None:
    modules = {m.name for m in pkgutil.iter_modules(auditor.rules.__path__)} - {"base", "fleet"}
    for name in modules:
        rule = importlib.import_module(f"auditor.rules.{name}").RULE
        assert rule.id.replace("-", "_") == name
        assert RULES[rule.id] is rule
    assert len(RULES) == len(modules)


def test_importing_the_rules_imports_no_policy_module() -> None:
    code = "import sys, auditor.rules; print([m for m in sys.modules if 'auditor.policy' in m])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_documents_itself(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.description.endswith(".")
    assert "Example:" in rule.doc and f"rule: {rule_id}" in rule.doc
    assert rule.remediation
    assert len(rule.rationale) > 40, "the docstring's second paragraph says why the rule exists"
    for option in rule.option_defaults():
        assert f"{option}:" in rule.doc, f"option {option} of {rule_id} is undocumented"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_example_is_a_valid_policy(rule_id: str, tmp_path: Path) -> None:
    example = _example(RULES[rule_id].doc)
    assert example, f"{rule_id} has no Example block"
    path = tmp_path / "example.yaml"
    path.write_text("version: 1\nrules:\n" + "".join(f"  {line}\n" for line in example))
    policy = load_policy([path])
    assert [e.rule for e in policy.entries] == [rule_id]
