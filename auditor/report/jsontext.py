"""Compact JSON text for the findings of the JSON and SARIF reports, written by
``pydantic_core.to_json`` (Rust), which serialises their tens of thousands of small objects
markedly faster than ``json.dumps``. The text is the same JSON value: keys in insertion order,
non-ASCII as UTF-8 (as ``ensure_ascii=False``), NaN and infinities as the bare tokens
``json.dumps`` writes by default. Only the spacing differs, and how a float is spelt (``1e-05``
vs ``0.00001``): the same number. Characters a terminal or viewer would act on (C1 controls, bidi
overrides, ...) are written as escapes (``display.json_safe``): the same value again.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from auditor.report.display import json_safe


def compact(data: Any) -> str:
    """``data`` as JSON without whitespace; dicts, lists, tuples, str, int, float, bool, None."""
    try:
        return json_safe(to_json(data).decode("utf-8"))
    except PydanticSerializationError:
        # A lone surrogate, which UTF-8 cannot encode: the standard encoder keeps it in the text
        # and json_safe writes it as an escape.
        return json_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
