"""Regular expressions from policy files run on RE2: linear time whatever the pattern, so a
careless `(a+)+$` cannot hang an audit of 100,000 accounts. RE2 has no backreferences or
lookarounds; a pattern that needs them is a policy error, reported at load time."""

from __future__ import annotations

from typing import Any

import re2

_OPTIONS: Any = re2.Options()
_OPTIONS.log_errors = False  # errors come back as exceptions; keep stderr clean


class SafePattern:
    def __init__(self, pattern: str) -> None:
        try:
            self._compiled: Any = re2.compile(pattern, _OPTIONS)
        except re2.error as exc:
            detail = exc.args[0] if exc.args else exc
            if isinstance(detail, bytes):
                detail = detail.decode("utf-8", "replace")
            raise ValueError(
                f"not a valid regular expression for the safe (RE2) engine: {detail}"
            ) from None
        self.pattern = pattern
        # Fleets repeat their values (names, hosts, types): each is matched once per audit.
        self._results: dict[str, bool] = {}

    def fullmatch(self, text: str) -> bool:
        result = self._results.get(text)
        if result is None:
            result = self._results[text] = self._compiled.fullmatch(text) is not None
        return result
