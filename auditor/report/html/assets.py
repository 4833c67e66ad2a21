"""The report's inline stylesheet and script, and the Content-Security-Policy that allows exactly
those two by hash (no ``'unsafe-inline'``, no nonce: hashes keep the output deterministic)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from markupsafe import Markup

_PACKAGE = "auditor.report.html"


@dataclass(frozen=True)
class Assets:
    style: Markup
    script: Markup
    csp: str


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _read(name: str, closing: str) -> Markup:
    text = resources.files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    lowered = text.lower()
    # Inlined verbatim: a closing tag or comment opener inside would end or confuse the element.
    if closing in lowered or "<!--" in lowered:
        raise ValueError(f"{name} must not contain {closing!r} or '<!--': it is inlined as is")
    return Markup(text)  # noqa: S704 - our own packaged file, checked above


def content_security_policy(style: str, script: str) -> str:
    """Nothing may load from anywhere; only our own inline style and script may apply or run."""
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {_hash(script)}",
            f"style-src {_hash(style)}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


@cache
def assets() -> Assets:
    style = _read("report.css", "</style")
    # domains.js (the Domains section) is its own file, appended: one inline script, one hash.
    script = _read("report.js", "</script") + "\n" + _read("domains.js", "</script")
    return Assets(style=style, script=script, csp=content_security_policy(style, script))
