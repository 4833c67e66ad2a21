"""Find policy files, validate each against the rule registry, and merge them into a ``Policy``.

Every problem in every file is collected before raising, so an author fixes them in one round;
nothing here touches the inventory or the network.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import PolicyError, PolicyProblem, Position, UsageError
from auditor.models import PolicyFileInfo, Severity
from auditor.policy.schema import EntryBase, PolicyFileModel, Waiver
from auditor.policy.yaml_tree import (
    PolicyProblemRaised,
    YamlDocument,
    did_you_mean,
    parse_yaml,
    validation_problems,
)
from auditor.rules import RULES

POLICY_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class PolicyEntry:
    """One validated rule entry and where it was written."""

    options: EntryBase
    position: Position

    @property
    def id(self) -> str:
        return self.options.entry_id

    @property
    def rule(self) -> str:
        return self.options.rule

    @property
    def severity(self) -> Severity:
        return self.options.severity

    @property
    def where(self) -> str:
        return f"{self.position.path}:{self.position.line}"


@dataclass(frozen=True)
class WaiverEntry:
    waiver: Waiver
    position: Position

    @property
    def where(self) -> str:
        return f"{self.position.path}:{self.position.line}"


@dataclass(frozen=True)
class Policy:
    entries: tuple[PolicyEntry, ...]
    waivers: tuple[WaiverEntry, ...]
    files: tuple[PolicyFileInfo, ...]


def discover(paths: Sequence[Path]) -> list[Path]:
    """Files as given; folders expand to their ``*.yaml``/``*.yml``, sorted for determinism."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.suffix in POLICY_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(
                f"policy path {path} does not exist.",
                tip="pass a policy file or folder with --policy (default: ./policies).",
            )
    if not found:
        shown = ", ".join(str(p) for p in paths)
        raise UsageError(
            f"no policy files (*.yaml, *.yml) found in {shown}.",
            tip="create policies/house.yaml or pass --policy.",
        )
    return found


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it: stable across machines in reports."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def load_policy(paths: Sequence[Path]) -> Policy:
    entries: list[PolicyEntry] = []
    waivers: list[WaiverEntry] = []
    infos: list[PolicyFileInfo] = []
    problems: list[PolicyProblem] = []
    for path in discover(paths):
        shown = display_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read policy file {shown}: {exc.strerror or exc}.") from None
        infos.append(PolicyFileInfo(path=shown, sha256=hashlib.sha256(raw).hexdigest()))
        file_entries, file_waivers, file_problems = _load_file(shown, raw)
        entries.extend(file_entries)
        waivers.extend(file_waivers)
        problems.extend(file_problems)
    problems.extend(_duplicate_ids(entries))
    problems.extend(_unknown_waiver_rules(waivers, entries))
    if problems:
        raise PolicyError(problems)
    return Policy(tuple(entries), tuple(waivers), tuple(infos))


def _load_file(
    shown: str, raw: bytes
) -> tuple[list[PolicyEntry], list[WaiverEntry], list[PolicyProblem]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [], [PolicyProblem(Position(shown, 1, 1), f"not UTF-8 text (byte {exc.start})")]
    try:
        doc = parse_yaml(shown, text)
    except PolicyProblemRaised as raised:
        return [], [], [raised.problem]
    if doc.data is None:
        return [], [], [doc.problem([], "empty policy file: expected 'version: 1' and 'rules:'")]
    if not isinstance(doc.data, dict):
        return (
            [],
            [],
            [doc.problem([], "a policy file must be a mapping with 'version' and 'rules'")],
        )
    try:
        top = PolicyFileModel.model_validate(doc.data)
    except ValidationError as exc:
        return [], [], validation_problems(doc, [], PolicyFileModel, exc)
    entries, problems = [], []
    for index, raw_entry in enumerate(top.rules):
        entry_or_problems = _load_entry(doc, index, raw_entry)
        if isinstance(entry_or_problems, PolicyEntry):
            entries.append(entry_or_problems)
        else:
            problems.extend(entry_or_problems)
    waivers = []
    for index, raw_waiver in enumerate(top.waivers):
        loc: list[int | str] = ["waivers", index]
        if not isinstance(raw_waiver, dict):
            problems.append(
                doc.problem(loc, "a waiver must be a mapping with accounts, reason and expires")
            )
            continue
        try:
            waiver = Waiver.model_validate(raw_waiver)
        except ValidationError as exc:
            problems.extend(validation_problems(doc, loc, Waiver, exc))
            continue
        waivers.append(WaiverEntry(waiver, doc.position(loc)))
    return entries, waivers, problems


def _load_entry(doc: YamlDocument, index: int, raw: object) -> PolicyEntry | list[PolicyProblem]:
    loc: list[int | str] = ["rules", index]
    if not isinstance(raw, dict):
        return [doc.problem(loc, "a rule entry must be a mapping like '- rule: daily-send-limit'")]
    name = raw.get("rule")
    if name is None:
        return [doc.problem(loc, "missing required key 'rule' (which rule this entry configures)")]
    if not isinstance(name, str) or name not in RULES:
        hint = did_you_mean(str(name), RULES)
        return [
            doc.problem(
                [*loc, "rule"],
                f"unknown rule '{name}'{hint}; run 'smartlead-audit rules' for the list",
            )
        ]
    model = RULES[name].options
    try:
        options = model.model_validate(raw)
    except ValidationError as exc:
        return validation_problems(doc, loc, model, exc)
    return PolicyEntry(options, doc.position(loc))


def _duplicate_ids(entries: Iterable[PolicyEntry]) -> list[PolicyProblem]:
    first: dict[str, PolicyEntry] = {}
    problems = []
    for entry in entries:
        earlier = first.setdefault(entry.id, entry)
        if earlier is not entry:
            problems.append(
                PolicyProblem(
                    entry.position,
                    f"duplicate id '{entry.id}' (first defined at {earlier.position}); "
                    "give each use of a rule its own 'id:'",
                )
            )
    return problems


def _unknown_waiver_rules(
    waivers: Iterable[WaiverEntry], entries: Sequence[PolicyEntry]
) -> list[PolicyProblem]:
    known = {entry.id for entry in entries}
    problems = []
    for item in waivers:
        for rule_id in item.waiver.rules or ():
            if rule_id not in known:
                problems.append(
                    PolicyProblem(
                        item.position,
                        f"waiver names rule id '{rule_id}', which no policy defines"
                        f"{did_you_mean(rule_id, known)}",
                    )
                )
    return problems
