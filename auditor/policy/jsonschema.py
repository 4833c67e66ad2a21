"""A JSON Schema for policy files, generated from the same models that validate them, so editors
(via `# yaml-language-server: $schema=...`) complete and check policies as they are typed."""

from __future__ import annotations

import json
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from auditor.model.entry import ID_PATTERN
from auditor.policy.schema import PolicyFileModel, Waiver
from auditor.rules import RULES

SCHEMA_ID = "https://smartlead-auditor.invalid/schemas/policy-1.schema.json"


class OverrideEntry(BaseModel):
    """An entry that changes an inherited entry by id (from `extends`); any option may follow."""

    model_config = ConfigDict(extra="allow", title="Override of an inherited entry")
    id: str = Field(pattern=ID_PATTERN)
    enabled: bool = True


def _entry_model(rule_id: str) -> type[BaseModel]:
    spec = RULES[rule_id]
    name = "".join(part.title() for part in rule_id.split("-")) + "Entry"
    rule_type: Any = Literal[rule_id]  # a type built at run time, one per registered rule
    return create_model(
        name,
        __base__=spec.options,
        __doc__=spec.description,
        rule=(rule_type, Field(description=spec.description)),
    )


def policy_json_schema() -> dict[str, Any]:
    entries = (*(_entry_model(rule_id) for rule_id in RULES), OverrideEntry)
    document = create_model(
        "PolicyFile",
        __base__=PolicyFileModel,
        __doc__="A smartlead-auditor policy file.",
        rules=(list[Union[entries]], Field(default_factory=list)),  # type: ignore[valid-type]  # noqa: UP007
        waivers=(list[Waiver], Field(default_factory=list)),
    )
    schema = document.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def render_schema() -> str:
    return json.dumps(policy_json_schema(), indent=2, sort_keys=True) + "\n"
