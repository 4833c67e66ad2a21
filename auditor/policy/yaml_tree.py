"""Parse YAML keeping positions, and map validation errors back to ``file:line:column``.

ruamel.yaml's round-trip loader remembers where every key, value and item stands; pydantic reports
errors as a path of keys and indexes. Walking that path through the round-trip tree gives the
position to quote, so one validator (pydantic) serves and every message still points at the text.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from auditor.errors import PolicyProblem, Position
from auditor.model.entry import did_you_mean

Loc = Sequence[int | str]


class YamlDocument:
    """One parsed file: the plain data for validation, the round-trip tree for positions."""

    def __init__(self, path: str, tree: Any) -> None:
        self.path = path
        self.tree = tree
        self.data = to_plain(tree)

    def position(self, loc: Loc, *, key: bool = False) -> Position:
        """Where the node at ``loc`` stands; ``key=True`` points at a mapping key, not its value."""
        node: Any = self.tree
        line, col = 0, 0
        for depth, part in enumerate(loc):
            last = depth == len(loc) - 1
            if isinstance(node, CommentedMap) and part in node:
                found = node.lc.key(part) if (last and key) else node.lc.value(part)
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                found = node.lc.item(part)
            elif isinstance(node, CommentedMap | CommentedSeq) and depth == 0:
                line, col = node.lc.line, node.lc.col
                break
            else:
                break
            if found is None:  # ruamel keeps no position under a node with an unknown `!!tag`
                line, col = node.lc.line, node.lc.col  # its container is the nearest place
                break
            line, col = found
            node = node[part]
        else:
            if not loc and isinstance(node, CommentedMap | CommentedSeq):
                line, col = node.lc.line, node.lc.col
        return Position(self.path, line + 1, col + 1)

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> PolicyProblem:
        return PolicyProblem(self.position(loc, key=key), message)


# Aliases make a small text expand to a huge tree ("billion laughs"); no real policy comes near.
MAX_VALUES = 100_000


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise OverflowError


def to_plain(node: Any, budget: _Budget | None = None) -> Any:
    """Strip ruamel's subclasses (HexInt, ScalarFloat...) so strict validation sees plain types;
    raises OverflowError past `MAX_VALUES` values (counting each alias expansion)."""
    budget = budget or _Budget(MAX_VALUES)
    budget.spend()
    if isinstance(node, dict):
        return {to_plain(k, budget): to_plain(v, budget) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v, budget) for v in node]
    for plain in (bool, int, float, str):  # bool first: it is an int
        if isinstance(node, plain):
            return plain(node)
    if isinstance(node, dt.datetime):
        return dt.datetime.fromisoformat(node.isoformat())
    return node


# A text that does not parse may be anything (a key file, /etc/passwd): parser messages keep
# what they say about it, never what it says. A quoted single character or token name stays.
_QUOTED = re.compile("'[^'\\n]*'|\"[^\"\\n]*\"")
_HARMLESS = re.compile(
    r"<[a-z ]+>|[^\\]|\\(?:[^xuU]|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})", re.IGNORECASE
)


def content_free(message: str) -> str:
    """`message` with every quoted piece of the text replaced by an ellipsis."""

    def keep(match: re.Match[str]) -> str:
        return match[0] if _HARMLESS.fullmatch(match[0][1:-1]) else "…"

    return _QUOTED.sub(keep, " ".join(message.split()))


def parse_yaml(path: str, text: str) -> YamlDocument:
    """Parse one document; a syntax error becomes a ``PolicyProblem`` at the parser's mark that
    quotes nothing of the text but single characters."""
    try:
        with warnings.catch_warnings():  # ruamel warns (a reused anchor) quoting the lines
            warnings.simplefilter("ignore")
            return YamlDocument(path, YAML(typ="rt").load(text))
    except DuplicateKeyError as exc:  # ruamel's message quotes the key and both values
        mark, start = exc.problem_mark, exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = "invalid YAML: this key is already set earlier in the same mapping"
        if start is not None:
            message += f" (the mapping starts at line {start.line + 1}, column {start.column + 1})"
        raise PolicyProblemRaised(PolicyProblem(Position(path, line, col), message)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        detail = content_free(" ".join(part for part in (exc.context, exc.problem) if part))
        context = exc.context_mark
        if context is not None and mark is not None and context.line != mark.line:
            detail += (
                f" (the construct started at line {context.line + 1}, column {context.column + 1})"
            )
        raise PolicyProblemRaised(
            PolicyProblem(Position(path, line, col), f"invalid YAML: {detail or 'not parsable'}")
        ) from None
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        message = f"invalid YAML: character {exc.character!r} is not allowed in YAML text"
        raise PolicyProblemRaised(PolicyProblem(Position(path, line, column), message)) from None
    except (YAMLError, ValueError, TypeError) as exc:
        message = "invalid YAML: " + (content_free(str(exc)) or type(exc).__name__)
        raise PolicyProblemRaised(PolicyProblem(Position(path, 1, 1), message)) from None
    except OverflowError:
        message = (
            f"the document expands to more than {MAX_VALUES} values through anchors "
            "and aliases (a YAML alias bomb?)"
        )
        raise PolicyProblemRaised(PolicyProblem(Position(path, 1, 1), message)) from None
    except RecursionError:
        raise PolicyProblemRaised(
            PolicyProblem(Position(path, 1, 1), "invalid YAML: nested too deeply")
        ) from None


class PolicyProblemRaised(Exception):
    """Internal: carries a single problem out of a helper."""

    def __init__(self, problem: PolicyProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names (wire aliases) accepted at ``loc`` inside ``model``, for suggestions."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        match = next((f for name, f in fields.items() if (f.alias or name) == part), None)
        if match is None:
            return []
        current = _model_in(match.annotation)
        if current is None:
            return []
    return [f.alias or name for name, f in getattr(current, "model_fields", {}).items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


class Locator(Protocol):
    """Where a key or value of a validated mapping stands in the YAML text."""

    def __call__(self, loc: Loc, *, key: bool = False) -> Position: ...


def locator(doc: YamlDocument, base: Loc) -> Locator:
    """Positions inside the node at `base` of one document."""

    def locate(loc: Loc, *, key: bool = False) -> Position:
        return doc.position([*base, *loc], key=key)

    return locate


def validation_problems(
    locate: Locator, model: type[BaseModel], exc: ValidationError
) -> list[PolicyProblem]:
    """One ``PolicyProblem`` per pydantic error, positioned in the YAML text."""
    problems = []
    for error in exc.errors(include_url=False, include_context=True):
        loc = [part for part in error["loc"] if _is_data_part(part)]
        kind = error["type"]
        if kind == "extra_forbidden":
            # The last part is the user's key, whatever it holds: never a union tag.
            loc = [*(p for p in error["loc"][:-1] if _is_data_part(p)), error["loc"][-1]]
            name = str(loc[-1])
            hint = did_you_mean(name, _allowed_keys(model, loc[:-1]))
            message = f"unknown key '{name}'{hint}"
            problems.append(PolicyProblem(locate(loc, key=True), message))
            continue
        where = ".".join(str(p) for p in loc)
        if kind == "missing":
            message = f"missing required key '{loc[-1]}'"
            problems.append(PolicyProblem(locate(loc[:-1]), message))
            continue
        text = error["msg"].removeprefix("Value error, ")
        message = f"{where}: {text}" if where else text
        problems.append(PolicyProblem(locate(loc), message))
    return problems


_UNION_TAGS = frozenset(
    ("str", "int", "bool", "float", "date", "datetime", "function-after", "function-before")
)


def _is_data_part(part: int | str) -> bool:
    """Pydantic adds union-member tags ('str', 'list[int]', ...) to locs; they are not keys."""
    return isinstance(part, int) or not (any(c in part for c in "[]()") or part in _UNION_TAGS)
