"""Embed JSON in an HTML ``<script type="application/json">`` block so that no value can end it.

Inside a script element the HTML parser looks only for ``</script`` (and ``<!--`` changes its
state), so every ``<``, ``>`` and ``&`` is written as a JSON ``\\u`` escape. The output is ASCII,
so U+2028/U+2029, which older JavaScript parsers take for line ends, and lone surrogates, which
UTF-8 cannot encode, are escapes too. The result is still exactly the same JSON value.

The text comes from ``jsontext.compact`` (several MB of numbers, about three times faster than
``json.dumps``); non-ASCII characters can only be inside strings, where a ``\\u`` escape means the
same character, so they are escaped afterwards, exactly as ``ensure_ascii`` would.
"""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup

from auditor.report.jsontext import compact

_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))
_NON_ASCII = re.compile("[^\x00-\x7e]")  # and DEL, as ensure_ascii escapes it


def _escape(match: re.Match[str]) -> str:
    """``\\uXXXX`` as ``json.dumps(ensure_ascii=True)`` writes it (a pair beyond the BMP)."""
    code = ord(match[0])
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}"


def _ascii_json(data: Any) -> str:
    text = compact(data)
    if "NaN" in text or "Infinity" in text:  # a bare token, or (rarely) text that contains it
        # allow_nan=False: NaN/Infinity are not JSON and would make JSON.parse throw.
        return json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    if text.isascii() and "\x7f" not in text:
        return text
    return _NON_ASCII.sub(_escape, text)


def script_json(data: Any) -> Markup:
    """Compact JSON that is safe as the text of a ``<script type="application/json">`` element."""
    text = _ascii_json(data)
    for raw, escaped in _ESCAPES:
        if raw in text:
            text = text.replace(raw, escaped)
    return Markup(text)  # noqa: S704 - escaped above; no "<" can remain
