"""Embed JSON in an HTML ``<script type="application/json">`` block so that no value can end it.

Inside a script element the HTML parser looks only for ``</script`` (and ``<!--`` changes its
state), so every ``<``, ``>`` and ``&`` is written as a JSON ``\\u`` escape. The output is ASCII,
so U+2028/U+2029, which older JavaScript parsers take for line ends, and lone surrogates, which
UTF-8 cannot encode, are escapes too. The result is still exactly the same JSON value.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))


def script_json(data: Any) -> Markup:
    """Compact JSON that is safe as the text of a ``<script type="application/json">`` element."""
    # allow_nan=False: NaN and Infinity are not JSON and would make JSON.parse throw.
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _ESCAPES:
        if raw in text:
            text = text.replace(raw, escaped)
    return Markup(text)  # noqa: S704 - escaped above; no "<" can remain
