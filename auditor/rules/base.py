"""The small interface every rule implements (shaped after yamllint's rule modules).

A rule module has `ID`, `REMEDIATION`, an `Options` model (its keys in a policy entry, with
defaults) and either `check(account, options)` (one account at a time) or
`check_fleet(accounts, options)` (across the selected accounts). A `check` rule may add
`screen(accounts, options)`: a cheap first pass (one comprehension, no call per account) that
returns the accounts `check` could flag; `check` then runs on those only. A screen may keep
accounts that pass, never drop one that fails (a property test holds every screen to that).
The module's docstring is the user documentation: the first line is the description, the first
paragraph after it the rationale.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from types import ModuleType
from typing import Any, NamedTuple

from pydantic import field_validator, model_validator

from auditor.model.account import EmailAccount
from auditor.policy.schema import EntryBase
from auditor.safe_regex import SafePattern


class Violation(NamedTuple):
    """What a rule found wrong with one account; the engine turns it into a `Finding`.

    A named tuple, like `Finding`: immutable, and made several times faster than a frozen
    dataclass (whose ``__init__`` calls ``object.__setattr__`` per field), as there is one per
    finding."""

    field: str
    actual: str | None
    expected: str
    message: str


AccountCheck = Callable[[EmailAccount, Any], Iterable[Violation]]
FleetCheck = Callable[[Sequence[EmailAccount], Any], Iterable[tuple[EmailAccount, Violation]]]
Screen = Callable[[Sequence[EmailAccount], Any], Sequence[EmailAccount]]


@dataclass(frozen=True)
class RuleSpec:
    id: str
    options: type[EntryBase]
    doc: str
    remediation: str
    check: AccountCheck | None = None
    check_fleet: FleetCheck | None = None
    screen: Screen | None = None
    # Entries of a scoped rule compete: for each account only the most specific matching entry
    # applies (default < tag < client < account). Custom `field` entries are independent checks.
    scoped: bool = True

    @property
    def description(self) -> str:
        return self.doc.strip().splitlines()[0].strip()

    @property
    def rationale(self) -> str:
        paragraphs = self.doc.split("\n\n")
        return " ".join(paragraphs[1].split()) if len(paragraphs) > 1 else ""

    @property
    def module(self) -> str:
        function = self.check or self.check_fleet
        assert function is not None
        return function.__module__

    @classmethod
    def from_module(cls, module: ModuleType) -> RuleSpec:
        check = getattr(module, "check", None)
        check_fleet = getattr(module, "check_fleet", None)
        if (check is None) == (check_fleet is None):
            raise TypeError(f"{module.__name__} must define exactly one of check, check_fleet")
        return cls(
            id=module.ID,
            options=module.Options,
            doc=inspect.cleandoc(module.__doc__ or ""),
            remediation=module.REMEDIATION,
            check=check,
            check_fleet=check_fleet,
            screen=getattr(module, "screen", None),
            scoped=getattr(module, "SCOPED", check is not None),
        )

    def option_defaults(self) -> dict[str, str]:
        """Rule-specific options and their defaults, for `smartlead-audit rules`."""
        shown = {}
        for name, info in self.options.model_fields.items():
            if name in EntryBase.model_fields:
                continue
            shown[info.alias or name] = (
                "(required)" if info.is_required() else repr(_plain(info.get_default()))
            )
        return shown


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return getattr(value, "value", value)


def show(value: object) -> str | None:
    """How an actual value reads in a finding; None stays None (JSON null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def is_within(domain: str, parent: str) -> bool:
    """`domain` is `parent` or one of its subdomains (case-insensitive)."""
    domain, parent = domain.lower().rstrip("."), parent.lower().rstrip(".")
    return domain == parent or domain.endswith("." + parent)


class AddressOptions(EntryBase):
    """Shared by rules that require an address: optionally pin it down one of three ways."""

    address: str | None = None
    domain: str | None = None
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            SafePattern(value)  # raises ValueError with the reason
        return value

    @cached_property
    def _pattern(self) -> SafePattern | None:
        return None if self.pattern is None else SafePattern(self.pattern)

    def matches_pattern(self, value: str) -> bool:
        return self._pattern is None or self._pattern.fullmatch(value)

    @model_validator(mode="after")
    def _at_most_one(self) -> AddressOptions:
        given = [k for k in ("address", "domain", "pattern") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(
                f"give at most one of address, domain, pattern (got {', '.join(given)})"
            )
        return self


def screen_address(
    field: str, accounts: Sequence[EmailAccount], options: AddressOptions
) -> Sequence[EmailAccount]:
    """`screen` for the `check_address` rules: without `domain` or `pattern`, only an account
    whose address is missing (or, with `address`, differs) can fail."""
    if options.domain is not None or options.pattern is not None:
        return accounts
    values = map(attrgetter(field), accounts)
    if options.address is None:
        return [a for a, v in zip(accounts, values, strict=True) if v is None]
    wanted = options.address.casefold()
    return [a for a, v in zip(accounts, values, strict=True) if v is None or v.casefold() != wanted]


def check_address(field: str, value: str | None, options: AddressOptions) -> list[Violation]:
    """The one matcher behind `bcc-required` and `reply-to-required`."""
    if value is None:
        expected = options.address or (
            f"an address at {options.domain}"
            if options.domain
            else f"an address matching {options.pattern}"
            if options.pattern
            else "an address"
        )
        return [Violation(field, None, expected, f"{field} is not set")]
    if options.address is not None and value.casefold() != options.address.casefold():
        return [
            Violation(
                field, value, options.address, f"{field} is {value}, expected {options.address}"
            )
        ]
    if options.domain is not None and domain_of(value) != options.domain.lower():
        return [
            Violation(
                field,
                value,
                f"an address at {options.domain}",
                f"{field} {value} is not at {options.domain}",
            )
        ]
    if not options.matches_pattern(value):
        return [
            Violation(
                field,
                value,
                f"matches {options.pattern}",
                f"{field} {value} does not match {options.pattern}",
            )
        ]
    return []
