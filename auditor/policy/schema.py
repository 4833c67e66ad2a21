"""The shape of a policy file, as pydantic models: the one place that says what is valid.

Models are strict (a string is not a number) and forbid unknown keys, so a typo is an error with a
position rather than a silently ignored setting.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from datetime import date
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auditor.model.account import EmailAccount
from auditor.model.result import Severity


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def compile_globs(patterns: Sequence[str]) -> re.Pattern[str]:
    """Case-insensitive shell globs (``*@acme.example``) as one regex."""
    joined = "|".join(fnmatch.translate(p) for p in patterns) or "(?!)"
    return re.compile(joined, re.IGNORECASE)


class Selector(StrictModel):
    """Which accounts an entry applies to; every key given must match."""

    type: list[str] | None = None
    tags: list[str] | None = None
    client_id: list[int] | None = None
    email: list[str] | None = None
    domain: list[str] | None = None
    in_use: bool | None = None
    ids: list[int] | None = None

    # cached_property, not PrivateAttr: a plain __dict__ lookup on the hot path.
    @cached_property
    def _email_glob(self) -> re.Pattern[str] | None:
        return None if self.email is None else compile_globs(self.email)

    def select(self, accounts: Sequence[EmailAccount]) -> list[EmailAccount]:
        """The accounts the selector matches, in order: one comprehension per key it sets,
        since a call per account would cost more than the tests themselves."""
        chosen = list(accounts)
        if self.type is not None:
            types = {t.upper() for t in self.type}
            chosen = [a for a in chosen if (a.type or "").upper() in types]
        if self.tags is not None:
            wanted = {t.casefold() for t in self.tags}
            chosen = [a for a in chosen if any(t.name.casefold() in wanted for t in a.tags)]
        if self.client_id is not None:
            clients = set(self.client_id)
            chosen = [a for a in chosen if a.client_id in clients]
        if self._email_glob is not None:
            match = self._email_glob.match
            chosen = [a for a in chosen if match(a.email)]
        if self.domain is not None:
            domains = {d.lower() for d in self.domain}
            chosen = [a for a in chosen if a.sender_domain in domains]
        if self.in_use is not None:
            chosen = [a for a in chosen if a.in_use == self.in_use]
        if self.ids is not None:
            ids = set(self.ids)
            chosen = [a for a in chosen if a.id in ids]
        return chosen

    @property
    def specificity(self) -> int:
        """How narrow the selector is, for scoped thresholds: one account (4) > client (3) >
        tag (2) > any other key (1)."""
        single_email = self.email is not None and not any(
            c in pattern for pattern in self.email for c in "*?["
        )
        if self.ids is not None or single_email:
            return 4
        if self.client_id is not None:
            return 3
        if self.tags is not None:
            return 2
        return 1 if self.model_fields_set else 0


# A lax field: YAML gives ``date`` for 2027-01-31 and ``str`` when quoted; both are fine.
LaxSeverity = Annotated[Severity, Field(strict=False)]
LaxDate = Annotated[date, Field(strict=False)]

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class EntryBase(StrictModel):
    """Keys every rule entry takes; each rule's ``Options`` adds its own."""

    rule: str
    id: Annotated[str, Field(pattern=ID_PATTERN)] | None = None
    severity: LaxSeverity = Severity.ERROR
    only: Selector | None = None
    except_: Selector | None = Field(default=None, alias="except")
    enabled: bool = True

    @property
    def entry_id(self) -> str:
        return self.id or self.rule

    @property
    def summary(self) -> str | None:
        """What this entry checks, when the rule's own description is too generic."""
        return None

    @property
    def specificity(self) -> int:
        """0 for a default entry (no `only`); see `Selector.specificity`."""
        return 0 if self.only is None else self.only.specificity

    def applicable(self, accounts: Sequence[EmailAccount]) -> list[EmailAccount]:
        """The accounts this entry checks (those its `only` selects, less its `except`), in
        order."""
        chosen = list(accounts) if self.only is None else self.only.select(accounts)
        if self.except_ is not None:
            excepted = set(map(id, self.except_.select(chosen)))  # by identity: no field hashing
            chosen = [a for a in chosen if id(a) not in excepted]
        return chosen

    def applies_to(self, account: EmailAccount) -> bool:
        return bool(self.applicable((account,)))


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

    @cached_property
    def _account_glob(self) -> re.Pattern[str]:
        return compile_globs([a for a in self.accounts if isinstance(a, str)])

    @field_validator("reason")
    @classmethod
    def _reason_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("reason must say why the exception is accepted")
        return value

    def covers(self, account: EmailAccount, entry_id: str) -> bool:
        if self.rules is not None and entry_id not in self.rules:
            return False
        return account.id in self.accounts or bool(self._account_glob.match(account.email))


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
