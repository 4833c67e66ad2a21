"""The one Jinja environment every template-based format shares (autoescape on for HTML), and the
filters that show text in it: ``md`` (inventory text) and ``md_trusted`` (the user's own) for
Markdown, ``text`` for HTML."""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from auditor.report.display import JOINER, KEEP_BLOCK, display
from auditor.report.inline import segments

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
# "&amp;", "&#x202e;": a character reference would be decoded, so its "&" is escaped.
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
# What GitHub turns into a link or a notification: URLs (scheme or "www."), @mentions (an "@"
# after no ASCII word character, as GitHub matches them; "ada@acme.example" is no mention),
# issue references (#123, GH-123). A joiner after the first part stops it.
_AUTOLINK = re.compile(
    r"(?i)(?:https?(?=://)|ftp(?=://)|www(?=\.)|(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])|#(?=[0-9])"
    r"|GH-(?=[0-9]))"
)


def markdown_escape(value: object, *, links: bool = False) -> str:
    """Inventory text is untrusted: in a PR comment it makes no link, image, HTML, table break,
    character reference, autolink, mention or issue reference, and shows controls escaped.

    ``links=True`` (the ``md_trusted`` filter) is for text the user wrote (policy files, paths):
    the same, but a ticket reference or URL in a waiver's reason still links."""
    if value is None:
        return ""
    text = " ".join(display(value, KEEP_BLOCK).split())
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    if "&" in text:
        text = _ENTITY.sub(r"\\&", text)
    return text if links else _AUTOLINK.sub(lambda match: match.group() + JOINER, text)


def _markdown_trusted(value: object) -> str:
    return markdown_escape(value, links=True)


def html_text(value: object) -> Markup:
    """Inventory text for the HTML page: ``display`` (tabs and line ends kept, as in the report's
    data, where the filters find them), HTML-escaped, tabs and line ends as character references,
    so no text begins a line of the file."""
    text = str(escape(display(value, KEEP_BLOCK)))
    for char in KEEP_BLOCK:
        if char in text:
            text = text.replace(char, f"&#{ord(char)};")
    return Markup(text)  # noqa: S704 - escaped above


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("auditor.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_escape
    env.filters["md_trusted"] = _markdown_trusted
    env.filters["text"] = html_text
    env.filters["segments"] = segments
    return env
