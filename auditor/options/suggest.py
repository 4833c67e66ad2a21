"""Command-line mistakes answered in one line: the valid values and the closest one.

argparse's own answers are a usage block followed by ``invalid ReportFormat value: 'htm'`` (an
internal class name) or ``unrecognized arguments`` with no hint; a CI log reader needs neither
the block nor the class, but the value to type instead.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

from auditor.errors import UsageError

E = TypeVar("E", bound=StrEnum)

_VALUE_ERROR = " is not a valid "  # what ``invalid_value`` says, so ``Parser.error`` knows it


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice nearest to ``word`` (case-insensitive), if any is near enough."""
    by_lower = {c.lower(): c for c in choices}
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def invalid_value(what: str, given: str, valid: Sequence[str]) -> str:
    """``'htm' is not a valid format; valid: console, json, ...; did you mean 'html'?``"""
    hint = closest(given, valid)
    tail = f"; did you mean '{hint}'?" if hint else "."
    return f"'{given}'{_VALUE_ERROR}{what}; valid: {', '.join(valid)}{tail}"


def choice(enum: type[E], what: str) -> Callable[[str], E]:
    """An argparse ``type`` for an enum, matched case-insensitively (``--format HTML``)."""
    by_lower = {member.value.lower(): member for member in enum}

    def parse(text: str) -> E:
        member = by_lower.get(text.strip().lower())
        if member is None:
            raise argparse.ArgumentTypeError(invalid_value(what, text, list(by_lower.values())))
        return member

    parse.__name__ = what  # argparse names the type in some of its own messages
    return parse


_INVALID_CHOICE = re.compile(
    r"argument (?P<arg>\S+): invalid choice: '(?P<given>.*)' \(choose from"
)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose mistakes are a ``UsageError`` (one line, exit 2) instead of a
    usage block; subcommand parsers inherit the class."""

    def error(self, message: str) -> NoReturn:
        found = _INVALID_CHOICE.match(message)
        if found is not None:  # a subcommand or a choices= list: reword with a suggestion
            action = self._choice_action(found["arg"])
            valid = [str(c) for c in action.choices] if action and action.choices else []
            what = "command" if found["arg"] == "COMMAND" else f"value for {found['arg']}"
            raise UsageError(invalid_value(what, found["given"], valid))
        if _VALUE_ERROR in message:  # from ``choice``: already says what to type
            raise UsageError(message)
        if not message.endswith((".", "?")):
            message += "."
        raise UsageError(message, tip=f"run '{self.prog} --help' for the options.")

    def _choice_action(self, name: str) -> argparse.Action | None:
        for action in self._actions:
            if name in action.option_strings or name in (action.metavar, action.dest):
                return action
        return None

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> argparse.Namespace:
        """As argparse's, but an unknown flag is named with the closest flag of the subcommand
        it was given to (``--fial-on``: did you mean ``--fail-on``?)."""
        parsed: argparse.Namespace
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            owner: argparse.ArgumentParser = getattr(parsed, "command_parser", self)
            command = owner.prog.removeprefix(self.prog).strip() or self.prog
            first = extras[0]
            if not first.startswith("-"):
                raise UsageError(
                    f"unexpected argument '{first}' for {command}.",
                    tip=f"run '{owner.prog} --help' for the arguments it takes.",
                )
            flags = [f for a in owner._actions for f in a.option_strings if f.startswith("--")]
            hint = closest(first.split("=", 1)[0], flags)
            tail = f"; did you mean {hint}?" if hint else "."
            raise UsageError(
                f"unknown option {first.split('=', 1)[0]} for {command}{tail}",
                tip=None if hint else f"run '{owner.prog} --help' for the options.",
            )
        return parsed
