"""Why a text is not JSON, in a sentence a reader can act on.

The standard library says ``Expecting value``; what a user most often gave instead is a web page
(a login or error page saved in place of the API's answer), which is worth saying outright.
"""

from __future__ import annotations

import json

# json's terse messages (CPython's, stable for years), as sentences.
_SENTENCES = {
    "Expecting value": "a value was expected here",
    "Expecting property name enclosed in double quotes": (
        "a property name in double quotes was expected here (a trailing comma?)"
    ),
    "Expecting ',' delimiter": "a comma was expected here",
    "Expecting ':' delimiter": "a colon was expected here",
    "Extra data": "more text follows the end of the JSON document",
    "Unterminated string starting at": "a string starting here is never closed",
    "Invalid control character at": "a string holds a raw control character here",
    "Invalid \\escape": "a string holds an invalid escape sequence here",
}


def looks_like_markup(text: str | bytes) -> str | None:
    """``an HTML page`` or ``an XML document`` when the text starts like one, else ``None``."""
    head = text[:512].decode("utf-8", "replace") if isinstance(text, bytes) else text[:512]
    head = head.lstrip("\ufeff \t\r\n").lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<!--", "<meta", "<title")):
        return "an HTML page"
    if head.startswith("<"):
        return "an XML document" if head.startswith("<?xml") else "an HTML page"
    return None


def not_json(exc: json.JSONDecodeError, text: str | bytes, where: str) -> str:
    """``FILE:LINE:COL: the file is not valid JSON: a comma was expected here.``"""
    markup = looks_like_markup(text)
    if markup is not None:
        return f"{where}: this looks like {markup}, not JSON."
    if not text.strip():
        return f"{where}: the file is empty, not JSON."
    reason = _SENTENCES.get(exc.msg, exc.msg[:1].lower() + exc.msg[1:])
    return f"{where}:{exc.lineno}:{exc.colno}: the file is not valid JSON: {reason}."
