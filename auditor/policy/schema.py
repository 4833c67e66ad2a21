"""The shape of a policy file, as pydantic models (entries: `auditor.model.entry.EntryBase`,
extended by each rule's options).

Models are strict (a string is not a number) and forbid unknown keys, so a typo is an error with a
position rather than a silently ignored setting.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, field_validator

from auditor.model.entry import StrictModel, compile_globs

# A lax field: YAML gives ``date`` for 2027-01-31 and ``str`` when quoted; both are fine.
LaxDate = Annotated[date, Field(strict=False)]


class Waiver(StrictModel):
    """An accepted exception: it must say why and until when."""

    accounts: Annotated[list[int | str], Field(min_length=1)]
    rules: Annotated[list[str], Field(min_length=1)] | None = None
    reason: Annotated[str, Field(min_length=1)]
    expires: LaxDate
    created: LaxDate | None = None
    owner: str | None = None
    ticket: str | None = None
    approved_by: str | None = None

    @property
    def account_ids(self) -> list[int]:
        """The accounts it names by id."""
        return [a for a in self.accounts if isinstance(a, int)]

    @property
    def email_globs(self) -> list[str]:
        """The accounts it names by email: shell globs, case-insensitive."""
        return [a for a in self.accounts if isinstance(a, str)]

    @cached_property
    def account_glob(self) -> re.Pattern[str]:
        return compile_globs(self.email_globs)

    @field_validator("reason")
    @classmethod
    def _reason_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("reason must say why the exception is accepted")
        return value


class WaiverPolicy(StrictModel):
    """Governance for waivers, so an auditor can trust them: who, which ticket, how long."""

    require: list[Literal["owner", "ticket", "approved_by", "created"]] = Field(
        default_factory=list
    )
    max_days: Annotated[int, Field(ge=1)] | None = None
    warn_days: Annotated[int, Field(ge=0)] = 14


class PolicyFileModel(StrictModel):
    """Top level of a policy file; entries are validated one by one against their rule."""

    version: Literal[1]
    extends: list[str] = Field(default_factory=list)
    rules: list[object] = Field(default_factory=list)
    waivers: list[object] = Field(default_factory=list)
    waiver_policy: WaiverPolicy | None = None

    @field_validator("extends", "rules", "waivers", mode="before")
    @classmethod
    def _empty_key_means_none(cls, value: object) -> object:
        """`rules:` with every entry commented out is YAML null; read it as an empty list."""
        return [] if value is None else value
