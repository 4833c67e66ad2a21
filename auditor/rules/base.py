"""The typed contract every rule implements (shaped after yamllint's rule modules).

A rule module exports one `RULE = AccountRule(ID, Options, check, REMEDIATION, __doc__)`, whose
`check(account, options)` sees one account at a time, or a `FleetRule` of the same shape, whose
`check(accounts, options)` sees every account the entry selects, or a `DnsRule`, whose
`check(accounts, options, evidence)` also reads DNS evidence and reports per domain. All are
generic in the rule's `Options` (an `EntryBase` with the rule's keys and their defaults), so
mypy rejects a `check` that does not take that rule's options. An `AccountRule` may add
`screen(accounts, options)`: a cheap first pass returning the accounts `check` could flag; it
may keep accounts that pass, never drop one that fails (a property test holds it to that). The
module's docstring is the user documentation: its first line is the description, the first
paragraph after it the rationale.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, NamedTuple, TypeVar

from pydantic import field_validator, model_validator

from auditor.dns.evidence import Evidence
from auditor.model.account import WIRE_PATHS, EmailAccount
from auditor.model.entry import EntryBase
from auditor.safe_regex import SafePattern


class Violation(NamedTuple):
    """What a rule found wrong with one account; the engine turns it into a `Finding`.

    A named tuple, like `Finding`: there is one per finding, and a frozen dataclass's
    ``__init__`` costs an ``object.__setattr__`` per field."""

    field: str
    actual: str | None
    expected: str
    message: str


OptionsT = TypeVar("OptionsT", bound=EntryBase)


class Rule:
    """What the registry, the engine and the documentation read from any rule."""

    id: str
    options: type[EntryBase]
    remediation: str
    doc: str
    # Entries of a scoped rule compete: for each account only the most specific matching entry
    # applies (default < tag < client < account). Custom `field` entries are independent checks.
    scoped: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "doc", inspect.cleandoc(self.doc))

    @property
    def description(self) -> str:
        return self.doc.splitlines()[0].strip()

    @property
    def rationale(self) -> str:
        paragraphs = self.doc.split("\n\n")
        return " ".join(paragraphs[1].split()) if len(paragraphs) > 1 else ""

    def option_defaults(self) -> dict[str, str]:
        """Rule-specific options and their defaults as YAML (``status: [ACTIVE]``), for
        `smartlead-audit rules`; a required option shows as ``(required)``."""
        shown = {}
        for name, info in self.options.model_fields.items():
            if name in EntryBase.model_fields:
                continue
            shown[info.alias or name] = (
                "(required)"
                if info.is_required()
                else yaml_flow(_plain(info.get_default(call_default_factory=True)))
            )
        return shown

    def violations(
        self, accounts: Sequence[EmailAccount], options: EntryBase
    ) -> Iterable[tuple[EmailAccount, Violation]]:
        """What one entry (`options`, validated by this rule's model) finds in `accounts`."""
        raise NotImplementedError


def _typed(model: type[OptionsT], options: EntryBase) -> OptionsT:
    if not isinstance(options, model):
        raise TypeError(f"expected {model.__name__}, got {type(options).__name__}")
    return options


@dataclass(frozen=True)
class AccountRule(Rule, Generic[OptionsT]):
    """A rule that judges one account at a time."""

    id: str
    options: type[OptionsT]
    check: Callable[[EmailAccount, OptionsT], Iterable[Violation]]
    remediation: str
    doc: str
    screen: Callable[[Sequence[EmailAccount], OptionsT], Sequence[EmailAccount]] | None = None
    scoped: bool = True

    def violations(
        self, accounts: Sequence[EmailAccount], options: EntryBase
    ) -> Iterator[tuple[EmailAccount, Violation]]:
        typed, check = _typed(self.options, options), self.check
        for account in accounts if self.screen is None else self.screen(accounts, typed):
            for violation in check(account, typed):
                yield account, violation


@dataclass(frozen=True)
class FleetRule(Rule, Generic[OptionsT]):
    """A rule across the accounts an entry selects (per domain, per login, ...)."""

    id: str
    options: type[OptionsT]
    check: Callable[[Sequence[EmailAccount], OptionsT], Iterable[tuple[EmailAccount, Violation]]]
    remediation: str
    doc: str
    scoped: bool = False

    def violations(
        self, accounts: Sequence[EmailAccount], options: EntryBase
    ) -> Iterable[tuple[EmailAccount, Violation]]:
        return self.check(accounts, _typed(self.options, options))


class DomainViolation(NamedTuple):
    account: EmailAccount
    violation: Violation
    inconclusive: bool
    domain: str


@dataclass(frozen=True)
class DnsRule(Rule, Generic[OptionsT]):
    id: str
    options: type[OptionsT]
    check: Callable[[Sequence[EmailAccount], OptionsT, Evidence], Iterable[DomainViolation]]
    remediation: str
    doc: str
    scoped: bool = False

    def violations(
        self, accounts: Sequence[EmailAccount], options: EntryBase
    ) -> Iterable[tuple[EmailAccount, Violation]]:
        raise TypeError(f"{self.id} reads DNS evidence: call judge()")

    def judge(
        self, accounts: Sequence[EmailAccount], options: EntryBase, evidence: Evidence
    ) -> Iterable[DomainViolation]:
        return self.check(accounts, _typed(self.options, options), evidence)


def wire_path(attribute: str) -> str:
    """How findings name an account attribute (dotted when nested: `warmup_details.status`):
    its wire path, from the account model's one map, so that no rule spells a wire name."""
    (path,) = [p for p, attrs in WIRE_PATHS.items() if attrs == tuple(attribute.split("."))]
    return path


_PLAIN_SCALAR = re.compile(r"[A-Za-z0-9_@*][A-Za-z0-9_.@*/-]*")
_YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "~"}


def yaml_flow(value: object) -> str:
    """A default as a policy author would write it: ``null``, ``false``, ``[ACTIVE]``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | frozenset | set):
        return "[" + ", ".join(yaml_flow(v) for v in value) + "]"
    text = str(value)
    if isinstance(value, int | float):
        return text
    if _PLAIN_SCALAR.fullmatch(text) and text.lower() not in _YAML_WORDS and not text[0].isdigit():
        return text
    return json.dumps(text)  # a JSON string is a YAML string


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

    @property
    def pinned(self) -> bool:
        """Whether the entry says which address; if not, any address passes."""
        return self.address is not None or self.domain is not None or self.pattern is not None

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
        message = f"{field} is {value}, expected {options.address}"
        return [Violation(field, value, options.address, message)]
    if options.domain is not None and domain_of(value) != options.domain.lower():
        expected = f"an address at {options.domain}"
        return [Violation(field, value, expected, f"{field} {value} is not at {options.domain}")]
    if not options.matches_pattern(value):
        message = f"{field} {value} does not match {options.pattern}"
        return [Violation(field, value, f"matches {options.pattern}", message)]
    return []
