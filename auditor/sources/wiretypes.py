"""Field types for the wire's loose values, validated inside pydantic-core.

SmartLead says "none" as null or as "" (``imap_port: ""`` included), and sends
``warmup_reputation`` as ``"95%"``. Mapping those in a Python validator costs a Python call per
field or a Python loop per record, which dominated validation of large inventories. Here
each is a branch of a union inside a nullable schema, so a plain value never leaves Rust: null is
matched first, by identity; an ordinary value by the first branch, so no failed branch builds an
error for it; a Python function runs only for a value that is blank (or a percentage), to return
its replacement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, Strict
from pydantic_core import CoreSchema, core_schema

_PERCENT_PATTERN = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*%?\s*$"
# A string with something besides whitespace: the rest is blank. A search for the first such
# character, which is nearly always the first character.
_NOT_BLANK = r"\S"


def _as(replacement: object, schema: CoreSchema) -> CoreSchema:
    """Whatever ``schema`` accepts, as ``replacement``."""

    def replace(_: object) -> object:
        return replacement

    return core_schema.no_info_after_validator_function(replace, schema)


def _blank(replacement: object) -> CoreSchema:
    """A blank string ("" or only whitespace once stripped) as ``replacement``."""
    return _as(replacement, core_schema.str_schema(strip_whitespace=True, max_length=0))


def _or_blank(main: CoreSchema, replacement: object, error_type: str, message: str) -> CoreSchema:
    """Null is ``replacement``, else ``main``, else a blank string is ``replacement``."""
    either = core_schema.union_schema(
        [main, _blank(replacement)],
        mode="left_to_right",
        custom_error_type=error_type,
        custom_error_message=message,
    )
    if replacement is None:
        return core_schema.nullable_schema(either)
    return core_schema.union_schema(
        [_as(replacement, core_schema.none_schema()), either],
        mode="left_to_right",
        custom_error_type=error_type,
        custom_error_message=message,
    )


def _strict(schema: Any) -> Any:
    """``schema`` taking numbers and booleans only as themselves: no ``true`` for 1, no ``"5"``
    for 5, no 30.0 for 30, and no NaN or infinity (JSON has none; a decoder may let them in)."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") in ("int", "bool"):
        return {**schema, "strict": True}
    if schema.get("type") == "float":
        return {**schema, "strict": True, "allow_inf_nan": False}
    inner = {
        key: _strict(schema[key]) for key in ("schema", "items_schema", "choices") if key in schema
    }
    return {**schema, **inner}


def _not_blank(schema: CoreSchema) -> CoreSchema:
    """``schema`` refusing blank strings, for string types (which would accept them)."""
    if schema["type"] == "nullable":
        return _not_blank(schema["schema"])
    if schema["type"] == "union":
        return {
            **schema,
            "choices": [
                _not_blank(choice) if isinstance(choice, dict) else choice
                for choice in schema["choices"]
            ],
        }
    if schema["type"] == "str" and "pattern" not in schema:
        return {**schema, "pattern": _NOT_BLANK}
    return schema


class BlankIs:
    """``Annotated`` marker: null and blank strings validate as ``replacement``; anything else
    goes to the annotated type, and a failure reads "Input should be a valid <kind>"."""

    def __init__(self, kind: str, replacement: object = None) -> None:
        self.kind = kind
        self.replacement = replacement

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return _or_blank(
            _not_blank(_strict(handler(source))),
            self.replacement,
            f"blank_or_{self.kind.replace(' ', '_')}",
            f'Input should be a valid {self.kind} (or null or "" for none)',
        )


class IntegerAsText:
    """``Annotated`` marker for text that may arrive as an integer, kept as its decimal text.
    Strict: a float or a boolean is refused, rather than spelt one way when decoded from JSON
    text and another when validated from Python objects."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        integer = core_schema.no_info_after_validator_function(
            str, core_schema.int_schema(strict=True)
        )
        return core_schema.union_schema([handler(source), integer], mode="left_to_right")


class Percent:
    """``Annotated`` marker for a percentage, 0 to 100, that may arrive as text like ``"95%"``."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        text = core_schema.no_info_after_validator_function(
            _percent_text, core_schema.str_schema(pattern=_PERCENT_PATTERN)
        )
        number = core_schema.float_schema(strict=True, allow_inf_nan=False, ge=0, le=100)
        return _or_blank(
            core_schema.union_schema([number, text], mode="left_to_right"),
            None,
            "percentage",
            "Input should be a percentage from 0 to 100, like 95 or '95%'",
        )


def _percent_text(text: str) -> float:
    value = float(text.strip().removesuffix("%").strip())
    if not 0 <= value <= 100:
        raise ValueError("out of range")
    return value


OptStr = Annotated[str | None, BlankIs("string")]
OptInt = Annotated[int | None, BlankIs("integer")]
OptBool = Annotated[bool | None, BlankIs("boolean")]
OptDatetime = Annotated[datetime | None, BlankIs("datetime")]
OptPercent = Annotated[float | None, Percent()]
WireInt = Annotated[int, Strict()]
OptTextOrInteger = Annotated[Annotated[str, IntegerAsText()] | None, BlankIs("string or integer")]
