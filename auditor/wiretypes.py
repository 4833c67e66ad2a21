"""Field types for the wire's loose values, validated inside pydantic-core.

SmartLead says "none" as null or as "" (``imap_port: ""`` included), and sends
``warmup_reputation`` as ``"95%"``. Mapping those in a Python validator costs a Python call per
field or a Python loop per record: at 50,000 accounts that was most of the validation time. Here
each is a branch of a left-to-right union, so a plain value never leaves Rust: a Python function
runs only for a value that is blank (or a percentage), to return its replacement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

_PERCENT_PATTERN = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*%?\s*$"


def _blank_branches(replacement: object) -> list[CoreSchema]:
    """Union branches that turn null and blank strings ("" or only whitespace once stripped:
    cheaper than a regex) into ``replacement``. A null meant as None stays in Rust; only a blank
    string (rare) calls back into Python."""

    def replace(_: object) -> object:
        return replacement

    blank = core_schema.str_schema(strip_whitespace=True, max_length=0)
    if replacement is None:
        return [core_schema.none_schema(),
                core_schema.no_info_after_validator_function(replace, blank)]
    return [core_schema.no_info_after_validator_function(
        replace, core_schema.nullable_schema(blank))]


class BlankIs:
    """``Annotated`` marker: null and blank strings validate as ``replacement``; anything else
    goes to the annotated type, and a failure reads "Input should be a valid <kind>"."""

    def __init__(self, kind: str, replacement: object = None) -> None:
        self.kind = kind
        self.replacement = replacement

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.union_schema(
            [*_blank_branches(self.replacement), handler(source)], mode="left_to_right",
            custom_error_type=f"blank_or_{self.kind.replace(' ', '_')}",
            custom_error_message=f'Input should be a valid {self.kind} (or null or "" for none)')


class Percent:
    """``Annotated`` marker for a number that may arrive as text like ``"95%"``."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        text = core_schema.no_info_after_validator_function(
            _percent_text, core_schema.str_schema(pattern=_PERCENT_PATTERN))
        return core_schema.union_schema(
            [*_blank_branches(None), text, handler(source)], mode="left_to_right",
            custom_error_type="percentage",
            custom_error_message="Input should be a percentage like 95 or '95%'")


def _percent_text(text: str) -> float:
    return float(text.strip().removesuffix("%").strip())


OptStr = Annotated[str | None, BlankIs("string")]
OptInt = Annotated[int | None, BlankIs("integer")]
OptBool = Annotated[bool | None, BlankIs("boolean")]
OptDatetime = Annotated[datetime | None, BlankIs("datetime")]
OptPercent = Annotated[float | None, Percent()]
