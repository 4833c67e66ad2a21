"""Policy composition: `extends` chains, built-in presets, overrides by entry id.

A file's entries are its parents' entries (in `extends` order, later parents winning), with its
own entries merged over them key by key when the ids match. Each key remembers the file and
entry it came from, so a validation error in a merged entry still points at the line that set
the offending value.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import PolicyProblem, Position
from auditor.model.entry import did_you_mean
from auditor.policy.files import Unreadable, read_policy_bytes, real_path
from auditor.policy.schema import PolicyFileModel
from auditor.policy.yaml_tree import (
    Loc,
    PolicyProblemRaised,
    YamlDocument,
    locator,
    parse_yaml,
    validation_problems,
)

PRESET_PREFIX = "preset:"
_PRESET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def preset_names() -> list[str]:
    folder = resources.files("auditor.policy").joinpath("presets")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


@dataclass
class SourceFile:
    """One parsed policy file (a user's file or a built-in preset)."""

    key: str  # identity: resolved path, or preset:NAME
    shown: str  # how messages name it
    sha256: str
    doc: YamlDocument
    model: PolicyFileModel
    folder: Path | None  # where its relative `extends` resolve; None for presets
    root: Path | None  # the repository its `extends` must stay inside; None for presets


@dataclass
class RawEntry:
    """A rule entry before validation, with the origin of every key."""

    id: str
    values: dict[str, object]
    origins: dict[str, tuple[YamlDocument, Loc]]
    doc: YamlDocument  # the most derived definition
    loc: Loc
    source: str  # key of the file that defined it last

    @property
    def position(self) -> Position:
        return self.doc.position(self.loc)

    def locate(self, loc: Loc, *, key: bool = False) -> Position:
        origin = self.origins.get(str(loc[0])) if loc else None
        doc, base = origin if origin is not None else (self.doc, self.loc)
        return doc.position([*base, *loc], key=key)


def parse_source(
    key: str, shown: str, raw: bytes, folder: Path | None, root: Path | None
) -> SourceFile | list[PolicyProblem]:
    """Read one file's top level; entries are kept raw for composition. Until the text has
    parsed as a mapping, no message quotes it: the file may be anything (a key, /etc/passwd)."""
    start = Position(shown, 1, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [PolicyProblem(start, f"not UTF-8 text (byte {exc.start})")]
    try:
        doc = parse_yaml(shown, text)
    except PolicyProblemRaised as raised:
        return [raised.problem]
    if doc.data is None:
        return [doc.problem([], "empty policy file: expected 'version: 1' and 'rules:'")]
    if not isinstance(doc.data, dict):
        return [doc.problem([], "a policy file must be a mapping with 'version' and 'rules'")]
    try:
        model = PolicyFileModel.model_validate(doc.data)
    except ValidationError as exc:
        return validation_problems(locator(doc, []), PolicyFileModel, exc)
    return SourceFile(key, shown, hashlib.sha256(raw).hexdigest(), doc, model, folder, root)


class Composer:
    """Resolves the `extends` graph of a set of files, once per file, detecting cycles."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.problems: list[PolicyProblem] = []
        self.visited: list[SourceFile] = []  # every file read, parents first
        self._resolved: dict[str, dict[str, RawEntry]] = {}
        self._loaded: dict[str, SourceFile | None] = {}
        self._stack: list[str] = []

    def load(
        self, key: str, shown: str, raw: bytes, folder: Path | None, root: Path | None
    ) -> SourceFile | None:
        """Parse a file once; a file reached again keeps the root it was first reached with."""
        if key not in self._loaded:
            parsed = parse_source(key, shown, raw, folder, root)
            if isinstance(parsed, list):
                self.problems.extend(parsed)
                self._loaded[key] = None
            else:
                self._loaded[key] = parsed
        return self._loaded[key]

    def resolve(self, source: SourceFile) -> dict[str, RawEntry]:
        if source.key in self._resolved:
            return self._resolved[source.key]
        self._stack.append(source.key)
        entries: dict[str, RawEntry] = {}
        for index, name in enumerate(source.model.extends):
            parent = self._open_parent(source, index, name)
            if parent is not None:
                entries.update(self.resolve(parent))
        own: dict[str, RawEntry] = {}
        for index, item in enumerate(source.model.rules):
            entry = self._raw_entry(source, index, item, inherited=entries)
            if entry is None:
                continue
            if entry.id in own:
                self.problems.append(
                    PolicyProblem(
                        entry.position,
                        f"duplicate id '{entry.id}' (first defined at {own[entry.id].position}); "
                        "give each use of a rule its own 'id:'",
                    )
                )
                continue
            own[entry.id] = entry
        entries.update(own)
        self._stack.pop()
        self._resolved[source.key] = entries
        self.visited.append(source)
        return entries

    def _open_parent(self, child: SourceFile, index: int, name: str) -> SourceFile | None:
        where = child.doc.position(["extends", index])
        if _PRESET_NAME.match(name) and not name.endswith((".yaml", ".yml")):
            if name not in preset_names():
                self.problems.append(
                    PolicyProblem(
                        where,
                        f"unknown preset '{name}'{did_you_mean(name, preset_names())}; "
                        f"built-in presets: {', '.join(preset_names())}",
                    )
                )
                return None
            key = shown = PRESET_PREFIX + name
            raw = resources.files("auditor.policy").joinpath(f"presets/{name}.yaml").read_bytes()
            folder = root = None
        else:
            if child.folder is None or child.root is None:
                self.problems.append(
                    PolicyProblem(where, "a built-in preset can only extend other presets")
                )
                return None
            found = self._read_parent(where, child.folder, child.root, name)
            if found is None:
                return None
            path, raw = found
            key, shown, folder, root = str(path), _shown(child, name), path.parent, child.root
        if key in self._stack:
            chain = " -> ".join([*self._stack[self._stack.index(key) :], key])
            self.problems.append(PolicyProblem(where, f"extends cycle: {chain}"))
            return None
        return self.load(key, shown, raw, folder, root)

    def _read_parent(
        self, where: Position, folder: Path, root: Path, name: str
    ) -> tuple[Path, bytes] | None:
        """The real path and bytes of an extended file, if it lies inside the repository."""
        if "\x00" in name:
            reason = f"extends {name!r}: not a valid file name"
        elif os.path.isabs(name):
            reason = (
                f"extends {name}: an absolute path; name a preset, or a file by its path "
                f"relative to this one inside the policy repository {root}"
            )
        else:
            path = real_path(folder / name)
            if not path.is_relative_to(root):
                reason = f"extends {name}: resolves to {path}, outside the policy repository {root}"
            else:
                try:  # read through the name given, so that a dangling link is called one
                    return path, read_policy_bytes(folder / name, self.max_bytes)
                except Unreadable as exc:
                    reason = exc.describe(f"extended policy {name}")
        self.problems.append(PolicyProblem(where, reason))
        return None

    def _raw_entry(
        self, source: SourceFile, index: int, item: object, inherited: dict[str, RawEntry]
    ) -> RawEntry | None:
        loc: Loc = ("rules", index)
        doc = source.doc
        if not isinstance(item, dict):
            self.problems.append(
                doc.problem(loc, "a rule entry must be a mapping like '- rule: daily-send-limit'")
            )
            return None
        entry_id, rule = item.get("id"), item.get("rule")
        name = entry_id if isinstance(entry_id, str) else rule if isinstance(rule, str) else None
        parent = inherited.get(name) if name is not None else None
        if parent is None and rule is None:
            self.problems.append(
                doc.problem(loc, "missing required key 'rule' (which rule this entry configures)")
            )
            return None
        if name is None:
            self.problems.append(doc.problem([*loc, "rule"], "rule must be a rule name"))
            return None
        origins = {str(k): (doc, loc) for k in item}
        if parent is None:
            return RawEntry(name, dict(item), origins, doc, loc, source.key)
        if rule is not None and rule != parent.values.get("rule"):
            self.problems.append(
                doc.problem(
                    [*loc, "rule"],
                    (
                        f"entry '{name}' overrides a '{parent.values.get('rule')}' entry "
                        f"(at {parent.position}) with rule '{rule}'; use another id"
                    ),
                )
            )
            return None
        return RawEntry(
            name, {**parent.values, **item}, {**parent.origins, **origins}, doc, loc, source.key
        )


def _shown(child: SourceFile, name: str) -> str:
    """Relative names stay relative to the extending file's display path."""
    if child.shown.startswith(PRESET_PREFIX):
        return name
    return os.path.normpath(Path(child.shown).parent / name)
