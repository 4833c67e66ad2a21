"""Server-side filters of ``GET /email-accounts/``: typed here, in the API's spelling on the wire.

The request's query spelling lives only in this module (the response's lives in ``models.py``);
note the API's mixed naming: camelCase filters, snake_case ``client_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum


class Esp(StrEnum):
    GMAIL = "GMAIL"
    OUTLOOK = "OUTLOOK"
    SMTP = "SMTP"


class WarmupStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


def wire_bool(value: bool) -> str:
    """Booleans travel as the strings ``true`` / ``false``."""
    return "true" if value else "false"


@dataclass(frozen=True)
class ApiFilters:
    """``None`` means "do not filter on this"."""

    client_id: int | None = None
    esp: Esp | None = None
    warmup_status: WarmupStatus | None = None
    in_use: bool | None = None
    smtp_ok: bool | None = None
    warmup_blocked: bool | None = None
    username: str | None = None

    def params(self) -> dict[str, str]:
        """The query parameters, in a fixed order so URLs (and snapshots) are stable."""
        params: dict[str, str] = {}
        if self.in_use is not None:
            params["isInUse"] = wire_bool(self.in_use)
        if self.warmup_status is not None:
            params["emailWarmupStatus"] = self.warmup_status.value
        if self.smtp_ok is not None:
            params["isSmtpSuccess"] = wire_bool(self.smtp_ok)
        if self.warmup_blocked is not None:
            params["isWarmupBlocked"] = wire_bool(self.warmup_blocked)
        if self.esp is not None:
            params["esp"] = self.esp.value
        if self.username:
            params["username"] = self.username
        if self.client_id is not None:
            params["client_id"] = str(self.client_id)
        return params

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))
