"""The rule registry is explicit and complete, and every rule documents itself."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest

import auditor.rules
from auditor.policy.loader import load_policy
from auditor.policy.schema import EntryBase
from auditor.rules import RULES
from auditor.scaffold import _example


def test_every_rule_module_is_registered() -> None:
    modules = {m.name for m in pkgutil.iter_modules(auditor.rules.__path__)} - {"base", "fleet"}
    assert {spec.module.rsplit(".", 1)[1] for spec in RULES.values()} == modules
    assert {spec.id.replace("-", "_") for spec in RULES.values()} == modules


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_documents_itself(rule_id: str) -> None:
    spec = RULES[rule_id]
    assert spec.description.endswith(".")
    assert "Example:" in spec.doc and f"rule: {rule_id}" in spec.doc
    assert spec.remediation
    assert len(spec.rationale) > 40, "the docstring's second paragraph says why the rule exists"
    for option in spec.option_defaults():
        assert f"{option}:" in spec.doc, f"option {option} of {rule_id} is undocumented"
    assert issubclass(spec.options, EntryBase)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_example_is_a_valid_policy(rule_id: str, tmp_path: Path) -> None:
    example = _example(RULES[rule_id].doc)
    assert example, f"{rule_id} has no Example block"
    path = tmp_path / "example.yaml"
    path.write_text("version: 1\nrules:\n" + "".join(f"  {line}\n" for line in example))
    policy = load_policy([path])
    assert [e.rule for e in policy.entries] == [rule_id]
