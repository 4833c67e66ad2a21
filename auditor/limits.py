"""Size caps on the files the tool reads: a documented default, raisable through the environment."""

from __future__ import annotations

import os

from auditor.errors import UsageError


def byte_cap(variable: str, default: int) -> int:
    """The cap in bytes: ``variable`` when set (a positive whole number), else ``default``."""
    value = os.environ.get(variable)
    if value is None or not value.strip():
        return default
    try:
        limit = int(value.strip())
    except ValueError:
        limit = 0
    if limit <= 0:
        raise UsageError(
            f"{variable} must be a positive whole number of bytes, not {value!r}.",
            tip=f"unset it for the default ({default:,} bytes).",
        )
    return limit
