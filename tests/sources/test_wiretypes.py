"""The wire's loose types, held to a plain reference: blank means none, anything else is the type,
taken strictly (no `true` for 1, no "5" for 5, no NaN), with percentages from 0 to 100.

The types are unions built for speed inside pydantic-core (``auditor.sources.wiretypes``); these tests
say what they must mean, for any JSON value.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import StrictBool, StrictInt, TypeAdapter, ValidationError

from auditor.sources.wiretypes import (
    BlankIs,
    OptBool,
    OptDatetime,
    OptInt,
    OptPercent,
    OptStr,
    OptTextOrInteger,
)

# Unicode's White_Space characters: what pydantic-core (Rust) strips. Python's str.isspace also
# counts U+001C..U+001F, which are not blank here.
WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
NOT_A_VALUE = object()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and all(c in WHITE_SPACE for c in value))


def _percent(value: object) -> object:
    number: object = value
    if isinstance(value, str):
        text = value.strip("".join(WHITE_SPACE))
        try:
            number = float(text.removesuffix("%").strip("".join(WHITE_SPACE)))
        except ValueError:
            return NOT_A_VALUE
        if not math.isfinite(number):  # "nan", "inf": not the pattern of a percentage
            return NOT_A_VALUE
    if isinstance(number, bool) or not isinstance(number, int | float):
        return NOT_A_VALUE
    return float(number) if math.isfinite(number) and 0 <= number <= 100 else NOT_A_VALUE


def _text_or_integer(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return TypeAdapter(str).validate_python(value)


# Each type: (annotation, what a blank becomes, the reference for anything else)
TYPES: dict[str, tuple[Any, object, Any]] = {
    "OptStr": (OptStr, None, TypeAdapter(str).validate_python),
    "OptInt": (OptInt, None, TypeAdapter(StrictInt).validate_python),
    "OptBool": (OptBool, None, TypeAdapter(StrictBool).validate_python),
    "OptDatetime": (OptDatetime, None, TypeAdapter(datetime).validate_python),
    "OptPercent": (OptPercent, None, _percent),
    "OptTextOrInteger": (OptTextOrInteger, None, _text_or_integer),
    "tag name": (Annotated[str, BlankIs("string", "")], "", TypeAdapter(str).validate_python),
}


def _outcome(validate: Any, value: object) -> object:
    try:
        result = validate(value)
    except (ValidationError, ValueError):
        return NOT_A_VALUE
    return "nan" if isinstance(result, float) and math.isnan(result) else result


def _reference(name: str, value: object) -> object:
    _, replacement, validate = TYPES[name]
    return replacement if _blank(value) else _outcome(validate, value)


blank_text = st.text(alphabet=sorted(WHITE_SPACE | {"\x1c", "\x1f", "a"}), max_size=4)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | blank_text
    | st.sampled_from(
        [
            "95%",
            " 95 % ",
            "-1.5%",
            "%",
            "2024-07-26T16:15:31Z",
            "0",
            "1",
            "true",
            "no",
            "1e3",
            " 42 ",
            "\u3000",
            "\x1c",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=3), children, max_size=2)
    ),
    max_leaves=4,
)


@pytest.mark.parametrize("name", sorted(TYPES))
@given(value=json_values)
@settings(max_examples=150, deadline=None)
def test_blank_is_none_and_anything_else_is_the_type(name: str, value: object) -> None:
    adapter = TypeAdapter(TYPES[name][0])
    assert _outcome(adapter.validate_python, value) == _reference(name, value)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("OptStr", "  ", None),
        ("OptStr", "\x1c", "\x1c"),  # not Unicode white space: a value
        ("OptStr", " x ", " x "),  # kept as sent, not stripped
        ("OptInt", "", None),
        ("OptInt", 993, 993),
        ("OptPercent", "95%", 95.0),
        ("OptPercent", " 97.5 % ", 97.5),
        ("OptTextOrInteger", 5417, "5417"),
        ("tag name", None, ""),
    ],
)
def test_examples(name: str, value: object, expected: object) -> None:
    assert TypeAdapter(TYPES[name][0]).validate_python(value) == expected


@pytest.mark.parametrize("value", [1.0, True, [1]])
def test_a_key_id_is_text_or_a_whole_number_not_a_float_or_boolean(value: object) -> None:
    with pytest.raises(ValidationError, match="valid string or integer"):
        TypeAdapter(OptTextOrInteger).validate_python(value)
