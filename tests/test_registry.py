"""The rule registry is explicit and complete, and every rule documents itself."""

from __future__ import annotations

import pkgutil

import pytest

import auditor.rules
from auditor.policy.schema import EntryBase
from auditor.rules import RULES


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
