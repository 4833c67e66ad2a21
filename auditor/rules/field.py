"""A custom check on any account field, written in the policy instead of in code.

A house rule the built-in rules do not cover: the policy states a setting every selected account
must have, with no code to write.

An account passes when `FIELD OP VALUE` is true and violates otherwise. A missing (`null`/`""`)
field violates every operator but `empty`. Fields are wire names, dotted for nested ones
(`warmup_details.reply_rate`); `tags` and `tags.tag_name` read as the list of tag names, and
`in`/`not_in`/`equals` on a list compare all of its items.

Options:
  field: the wire name of the field, e.g. `smtp_port` or `warmup_details.reply_rate` (required).
  op: equals, not_equals, in, not_in, lt, lte, gt, gte, matches (regex, full match),
    not_empty or empty (required).
  value: what to compare with (required except for empty/not_empty; a list for in/not_in).
  message: what the finding says when the check fails (optional).
  title, rationale, remediation: the report's text for the entry, as for any entry (optional;
    without them the text is generated: "`smtp_port` must be one of 465, 587").
  id: required for this rule, since a policy usually has several field checks.

Example:
  - rule: field
    id: smtp-port-ssl
    field: smtp_port
    op: in
    value: [465, 587]
    only: {type: [SMTP]}
    message: SMTP must use port 465 or 587
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from auditor.model.account import WIRE_PATHS, EmailAccount, read_wire_path
from auditor.model.entry import ID_PATTERN, EntryBase, did_you_mean
from auditor.rules.base import AccountRule, Violation, show
from auditor.safe_regex import SafePattern

REMEDIATION = "Change the setting on the account so that the check holds."


class Op(StrEnum):
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    IN = "in"
    NOT_IN = "not_in"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    MATCHES = "matches"
    NOT_EMPTY = "not_empty"
    EMPTY = "empty"


_ORDERING: dict[Op, Callable[[Any, Any], bool]] = {
    Op.LT: operator.lt,
    Op.LTE: operator.le,
    Op.GT: operator.gt,
    Op.GTE: operator.ge,
}
_NO_VALUE = (Op.EMPTY, Op.NOT_EMPTY)
_SECRET_FIELDS = ("password", "imap_password")


class Options(EntryBase):
    id: Annotated[str, Field(pattern=ID_PATTERN)]
    field: str
    op: Annotated[Op, Field(strict=False)]
    value: Any = None
    message: str | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value in _SECRET_FIELDS:
            raise ValueError("passwords are never available to rules; use has_password")
        if value not in WIRE_PATHS:
            raise ValueError(f"unknown field '{value}'{did_you_mean(value, WIRE_PATHS)}")
        return value

    @model_validator(mode="after")
    def _value_fits_op(self) -> Options:
        given = "value" in self.model_fields_set
        if self.op in _NO_VALUE and given:
            raise ValueError(f"op {self.op.value} takes no value")
        if self.op not in _NO_VALUE and not given:
            raise ValueError(f"op {self.op.value} needs a value")
        if self.op in (Op.IN, Op.NOT_IN) and not isinstance(self.value, list):
            raise ValueError(f"op {self.op.value} needs a list value")
        if self.op is Op.MATCHES:
            if not isinstance(self.value, str):
                raise ValueError("op matches needs a regular expression (a string)")
            SafePattern(self.value)  # raises ValueError with the reason
        if self.op in _ORDERING and not isinstance(self.value, int | float | str):
            raise ValueError(f"op {self.op.value} needs a number or a string value")
        return self

    @cached_property
    def _pattern(self) -> SafePattern:
        return SafePattern(str(self.value))

    @property
    def summary(self) -> str:
        return self.message or f"`{self.field}` must {_MUST[self.op]}{self._value_text}"

    @property
    def generated_rationale(self) -> str:
        return f"A house rule of this policy for every account the entry selects: {self.summary}."

    @property
    def generated_remediation(self) -> str:
        return f"{_FIX[self.op].format(field=self.field)}{self._value_text} on the account."

    @property
    def _value_text(self) -> str:
        if self.op in _NO_VALUE:
            return ""
        if self.op is Op.MATCHES:
            return f" `{self.value}`"
        values = self.value if isinstance(self.value, list) else [self.value]
        return " " + ", ".join(_literal(v) for v in values)

    def holds(self, actual: object) -> bool:
        if self.op is Op.EMPTY:
            return _is_empty(actual)
        if _is_empty(actual):
            return False
        if self.op is Op.NOT_EMPTY:
            return True
        items = list(actual) if isinstance(actual, tuple) else None
        subject = items if items is not None else actual
        if self.op is Op.EQUALS:
            return bool(subject == self.value)
        if self.op is Op.NOT_EQUALS:
            return bool(subject != self.value)
        if self.op in (Op.IN, Op.NOT_IN):
            members = items if items is not None else [actual]
            inside = [member in self.value for member in members]
            return all(inside) if self.op is Op.IN else not any(inside)
        if self.op is Op.MATCHES:
            return self._pattern.fullmatch(str(actual))
        return _compare(_ORDERING[self.op], actual, self.value)


# Generated text for an entry without `title`/`remediation`: "`smtp_port` must be one of 465, 587".
_MUST = {
    Op.EQUALS: "be",
    Op.NOT_EQUALS: "not be",
    Op.IN: "be one of",
    Op.NOT_IN: "not be any of",
    Op.LT: "be below",
    Op.LTE: "be at most",
    Op.GT: "be above",
    Op.GTE: "be at least",
    Op.MATCHES: "match",
    Op.NOT_EMPTY: "be set",
    Op.EMPTY: "be empty",
}
_FIX = {
    Op.EQUALS: "Set `{field}` to",
    Op.NOT_EQUALS: "Change `{field}` to anything but",
    Op.IN: "Set `{field}` to one of",
    Op.NOT_IN: "Change `{field}` to a value other than",
    Op.LT: "Lower `{field}` below",
    Op.LTE: "Lower `{field}` to at most",
    Op.GT: "Raise `{field}` above",
    Op.GTE: "Raise `{field}` to at least",
    Op.MATCHES: "Change `{field}` so that it matches",
    Op.NOT_EMPTY: "Set `{field}`",
    Op.EMPTY: "Clear `{field}`",
}


def _literal(value: object) -> str:
    """A policy value as the generated text shows it (YAML spelling for booleans and null)."""
    return "null" if value is None else show(value) or ""


def _is_empty(value: object) -> bool:
    return value is None or value == "" or value == ()


def _compare(compare: Callable[[Any, Any], bool], actual: object, expected: object) -> bool:
    """Numbers with numbers, strings with strings; anything else cannot hold."""
    numbers = (int, float)
    if isinstance(actual, bool) or isinstance(expected, bool):
        return False
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        return compare(actual, expected)
    if isinstance(actual, str) and isinstance(expected, str):
        return compare(actual, expected)
    return False


def _describe(value: object) -> str | None:
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or None
    return show(value)


def check(account: EmailAccount, options: Options) -> list[Violation]:
    actual = read_wire_path(account, options.field)
    if options.holds(actual):
        return []
    expected = (
        options.op.value if options.op in _NO_VALUE else f"{options.op.value} {options.value}"
    )
    message = options.message or (
        f"{options.field} is not set"
        if _is_empty(actual)
        else f"{options.field} is {_describe(actual)}; expected {expected}"
    )
    return [Violation(options.field, _describe(actual), expected, message)]


RULE = AccountRule("field", Options, check, REMEDIATION, __doc__, scoped=False)
