"""A policy entry as rules see it: the keys every entry takes (`EntryBase`, which each rule's
`Options` extends) and the selectors that pick its accounts. It lives in model/, beside the
account it selects, because rules/ and policy/ (which imports the rule registry) both need it:
from here, the dependency runs one way, policy -> rules -> model."""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from functools import cached_property
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from auditor.model.account import EmailAccount
from auditor.model.result import Severity

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
K = TypeVar("K", bound=Hashable)


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


class AccountIndex:
    """An inventory's accounts grouped by the values selectors compare, so each key a selector
    sets is a few set lookups instead of a pass over every account. A policy can have a hundred
    selectors over the same accounts; each grouping is built once, when a selector first needs it.

    Accounts are known by their position in the inventory: selectors combine sets of positions,
    and `accounts_at` gives them back in inventory order.
    """

    def __init__(self, accounts: Sequence[EmailAccount]) -> None:
        self.accounts = accounts
        self.everyone = frozenset(range(len(accounts)))

    def accounts_at(self, positions: Set[int]) -> list[EmailAccount]:
        if len(positions) == len(self.accounts):  # all of them (an entry without selectors)
            return list(self.accounts)
        return [self.accounts[p] for p in sorted(positions)]

    @staticmethod
    def having(groups: Mapping[K, Set[int]], values: Iterable[K]) -> set[int]:
        """Positions of the accounts whose value is any of `values`."""
        return set().union(*(groups.get(value, ()) for value in values))

    @cached_property
    def by_type(self) -> dict[str, set[int]]:
        return _group((a.type or "").upper() for a in self.accounts)

    @cached_property
    def by_tag(self) -> dict[str, set[int]]:
        groups: dict[str, set[int]] = defaultdict(set)
        for position, account in enumerate(self.accounts):
            for tag in account.tags:
                groups[tag.name.casefold()].add(position)
        return groups

    @cached_property
    def by_client(self) -> dict[int | None, set[int]]:
        return _group(a.client_id for a in self.accounts)

    @cached_property
    def by_domain(self) -> dict[str, set[int]]:
        return _group(a.sender_domain for a in self.accounts)

    @cached_property
    def in_use(self) -> set[int]:
        return {p for p, account in enumerate(self.accounts) if account.in_use}

    def with_ids(self, ids: Iterable[int]) -> set[int]:
        """Positions of the accounts with these ids."""
        wanted = set(ids)
        if self._position_of_id is None:
            return {p for p, account in enumerate(self.accounts) if account.id in wanted}
        return {self._position_of_id[i] for i in wanted if i in self._position_of_id}

    @cached_property
    def _position_of_id(self) -> dict[int, int] | None:
        """Ids are unique in a parsed inventory (the parser rejects repeats): then each maps to
        one position, and no set per account is made (thousands of small sets cost more than the
        lookups save). None when an id repeats, as a hand-made one may: `with_ids` then scans."""
        positions = {account.id: p for p, account in enumerate(self.accounts)}
        return positions if len(positions) == len(self.accounts) else None


def _group(values: Iterable[K]) -> dict[K, set[int]]:
    """Positions by value: `values` holds one value per account, in inventory order."""
    groups: dict[K, set[int]] = defaultdict(set)
    for position, value in enumerate(values):
        groups[value].add(position)
    return groups


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

    def positions(self, index: AccountIndex) -> Set[int]:
        """Positions of the accounts the selector matches: those every key it sets selects."""
        found: list[Set[int]] = []  # one set per key it sets
        if self.type is not None:
            found.append(index.having(index.by_type, {t.upper() for t in self.type}))
        if self.tags is not None:
            found.append(index.having(index.by_tag, {t.casefold() for t in self.tags}))
        if self.client_id is not None:
            found.append(index.having(index.by_client, self.client_id))
        if self.domain is not None:
            found.append(index.having(index.by_domain, {d.lower() for d in self.domain}))
        if self.in_use is not None:
            found.append(index.in_use if self.in_use else index.everyone - index.in_use)
        if self.ids is not None:
            found.append(index.with_ids(self.ids))
        chosen = found[0] if found else index.everyone
        for other in found[1:]:
            chosen = chosen & other
        if self._email_glob is not None:
            # Globs are not values to look up: test the accounts the other keys left.
            match, accounts = self._email_glob.match, index.accounts
            chosen = {p for p in chosen if match(accounts[p].email)}
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


class Fix(StrictModel):
    """How ``smartlead-audit plan`` repairs what the entry finds, when the rule alone does not
    say: the value to set (``daily-send-limit``, ``send-gap``, ``bcc-required``,
    ``tracking-domain``), or the settings warmup is turned on with (ranges as the API checks)."""

    value: int | str | None = None
    total_warmup_per_day: Annotated[int, Field(ge=1, le=50)] | None = None
    daily_rampup: Annotated[int, Field(ge=5, le=20)] | None = None
    reply_rate_percentage: Annotated[int, Field(ge=20, le=100)] | None = None


class EntryBase(StrictModel):
    """Keys every rule entry takes; each rule's ``Options`` adds its own."""

    rule: str
    id: Annotated[str, Field(pattern=ID_PATTERN)] | None = None
    # Lax: YAML gives text, not a Severity.
    severity: Annotated[Severity, Field(strict=False)] = Severity.ERROR
    only: Selector | None = None
    except_: Selector | None = Field(default=None, alias="except")
    enabled: bool = True
    # The house's own words for reports (Markdown: `code`, [links](https://...)); each overrides
    # the rule's built-in text (`Guidance`).
    title: Annotated[str, Field(min_length=1)] | None = None
    rationale: Annotated[str, Field(min_length=1)] | None = None
    remediation: Annotated[str, Field(min_length=1)] | None = None
    fix: Fix | None = None  # read only by auditor.remediation (plan)

    @property
    def entry_id(self) -> str:
        return self.id or self.rule

    @property
    def summary(self) -> str | None:
        """What this entry checks, when the rule's own description is too generic."""
        return None

    @property
    def generated_rationale(self) -> str | None:
        """Why the entry exists, when the rule's own rationale does not fit it (custom checks)."""
        return None

    @property
    def generated_remediation(self) -> str | None:
        """How to fix a finding, when the rule's own remediation is too generic."""
        return None

    @property
    def specificity(self) -> int:
        """0 for a default entry (no `only`); see `Selector.specificity`."""
        return 0 if self.only is None else self.only.specificity

    def positions(self, index: AccountIndex) -> Set[int]:
        """Positions of the accounts this entry checks: those its `only` selects, less those
        its `except` selects."""
        chosen = index.everyone if self.only is None else self.only.positions(index)
        if self.except_ is not None:
            chosen = chosen - self.except_.positions(index)
        return chosen
