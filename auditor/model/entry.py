"""A policy entry as rules see it: the keys every entry takes (`EntryBase`, which each rule's
`Options` extends) and the selectors that pick its accounts. It lives in model/, beside the
account it selects, because rules/ and policy/ (which imports the rule registry) both need it:
from here, the dependency runs one way, policy -> rules -> model."""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from auditor.model.account import EmailAccount
from auditor.model.result import Severity

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """The hint an "unknown name" message ends with (a field, key, rule or preset name)."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


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


class EntryBase(StrictModel):
    """Keys every rule entry takes; each rule's ``Options`` adds its own."""

    rule: str
    id: Annotated[str, Field(pattern=ID_PATTERN)] | None = None
    # Lax: YAML gives text, not a Severity.
    severity: Annotated[Severity, Field(strict=False)] = Severity.ERROR
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
