"""Compact JSON text for the findings of the JSON and SARIF reports, written by
``pydantic_core.to_json`` (Rust), which serialises their tens of thousands of small objects
markedly faster than ``json.dumps``. The text is the same JSON value: keys in insertion order,
non-ASCII as UTF-8 (as ``ensure_ascii=False``), NaN and infinities as the bare tokens
``json.dumps`` writes by default. Only the spacing differs, and how a float is spelt (``1e-05``
vs ``0.00001``): the same number.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import PydanticSerializationError, to_json


def compact(data: Any) -> str:
    """``data`` as JSON without whitespace; dicts, lists, tuples, str, int, float, bool, None."""
    try:
        return to_json(data).decode("utf-8")
    except PydanticSerializationError:
        # A lone surrogate, which UTF-8 cannot encode: the standard encoder keeps it in the text,
        # as it always did (writing it as UTF-8 then fails, or the caller escapes it).
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
