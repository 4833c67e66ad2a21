"""The little Markdown that rule texts use (`code`, [label](https://...), **strong**, bare URLs),
as segments the HTML report builds nodes from: the template escapes each segment and the script
sets it as ``textContent``, so no text is ever parsed as markup. Links go to http(s) only.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_INLINE = re.compile(
    r"`(?P<code>[^`]+)`"
    r"|\[(?P<label>[^\]]+)\]\((?P<href>https?://[^\s)]+)\)"
    r"|\*\*(?P<strong>[^*]+)\*\*"
    r"|(?P<url>https?://[^\s<>()`]*[^\s<>()`.,;:!?'\"])"
)


class Segment(NamedTuple):
    """``kind`` is text, code, strong or link (``href`` set only for a link)."""

    kind: str
    text: str
    href: str | None = None


@lru_cache(maxsize=1024)
def segments(text: str) -> tuple[Segment, ...]:
    """``text`` cut into segments; what is not markup stays text (an unpaired backtick too)."""
    found: list[Segment] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            found.append(Segment("text", text[position : match.start()]))
        if match["code"] is not None:
            found.append(Segment("code", match["code"]))
        elif match["label"] is not None:
            found.append(Segment("link", match["label"], match["href"]))
        elif match["strong"] is not None:
            found.append(Segment("strong", match["strong"]))
        else:
            found.append(Segment("link", match["url"], match["url"]))
        position = match.end()
    if position < len(text):
        found.append(Segment("text", text[position:]))
    return tuple(found)


def first_link(text: str) -> str | None:
    """The first http(s) link in ``text`` (a runbook, for SARIF's ``helpUri``)."""
    return next((s.href for s in segments(text) if s.href is not None), None)
