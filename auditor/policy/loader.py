"""Find policy files, compose them (extends, overrides), validate every entry against its rule,
and return one ``Policy``.

Every problem in every file is collected before raising, so an author fixes them in one round;
nothing here touches the inventory or the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import PolicyError, PolicyProblem, Position, UsageError
from auditor.model.entry import EntryBase, did_you_mean
from auditor.model.result import PolicyFileInfo, Severity
from auditor.policy.compose import Composer, RawEntry, SourceFile
from auditor.policy.files import (
    POLICY_SUFFIXES,
    Candidate,
    Unreadable,
    display_path,
    max_policy_bytes,
    read_policy_bytes,
    real_path,
)
from auditor.policy.files import discover as discover_files
from auditor.policy.schema import Waiver, WaiverPolicy
from auditor.policy.yaml_tree import locator, validation_problems
from auditor.rules import RULES


@dataclass(frozen=True)
class PolicyEntry:
    """One validated rule entry and where it was (last) written."""

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
    waiver_policy: WaiverPolicy = field(default_factory=WaiverPolicy)


def discover(paths: Sequence[Path]) -> tuple[list[Candidate], list[PolicyProblem]]:
    """Files as given; folders expand to every `*.yaml`/`*.yml` entry, sorted for determinism
    (one that cannot be read is a problem later, never skipped)."""
    found, problems = discover_files(
        paths, "policy", tip="pass a policy file or folder with --policy (default: ./policies)."
    )
    if not found and not problems:
        shown = ", ".join(str(p) for p in paths)
        raise UsageError(
            f"no policy files (*.yaml, *.yml) found in {shown}.",
            tip="create policies/house.yaml or pass --policy.",
        )
    return found, problems


def load_policy(
    paths: Sequence[Path], *, today: date | None = None, max_bytes: int | None = None
) -> Policy:
    """Load and check a policy set; `today` (default: the local date) bounds waiver lengths,
    `max_bytes` (default: `max_policy_bytes()`) each file's size. A path that cannot be read
    is a problem like any other, never skipped."""
    composer = Composer(max_policy_bytes() if max_bytes is None else max_bytes)
    candidates, problems = discover(paths)
    final: dict[str, RawEntry] = {}
    defined_by: dict[str, RawEntry] = {}
    for candidate in candidates:
        source = _load_top_level(composer, candidate, problems)
        if source is None:
            continue
        for entry_id, entry in composer.resolve(source).items():
            _merge_top_level(source, entry_id, entry, final, defined_by, problems)
    entries = [e for e in (_validate(raw, problems) for raw in final.values()) if e is not None]
    entries = [e for e in entries if e.options.enabled]
    waiver_policy, policy_position = _waiver_policy(composer.visited, problems)
    waivers = _waivers(composer.visited, problems)
    problems.extend(_unknown_waiver_rules(waivers, entries))
    problems.extend(_ungoverned(waivers, waiver_policy, policy_position, today or date.today()))
    problems.extend(composer.problems)
    if problems:
        raise PolicyError(problems)
    files = tuple(PolicyFileInfo(path=s.shown, sha256=s.sha256) for s in composer.visited)
    return Policy(tuple(entries), tuple(waivers), files, waiver_policy)


def _load_top_level(
    composer: Composer, candidate: Candidate, problems: list[PolicyProblem]
) -> SourceFile | None:
    shown = display_path(candidate.path)
    start = Position(shown, 1, 1)
    refusal = candidate.outside()
    if refusal is not None:
        problems.append(PolicyProblem(start, refusal))
        return None
    try:
        raw = read_policy_bytes(candidate.path, composer.max_bytes)
    except Unreadable as exc:
        problems.append(PolicyProblem(start, exc.describe("policy file")))
        return None
    real = real_path(candidate.path)
    return composer.load(str(real), shown, raw, real.parent, candidate.root)


def _merge_top_level(
    source: SourceFile,
    entry_id: str,
    entry: RawEntry,
    final: dict[str, RawEntry],
    defined_by: dict[str, RawEntry],
    problems: list[PolicyProblem],
) -> None:
    """Files given on the command line are siblings: each id may be defined by one of them;
    what they inherit is shared, and their own entries win over anything inherited."""
    if entry.source != source.key:  # inherited by this file
        if entry_id not in defined_by:
            final[entry_id] = entry
        return
    if entry_id in defined_by:
        problems.append(
            PolicyProblem(
                entry.position,
                f"duplicate id '{entry_id}' (first defined at {defined_by[entry_id].position}); "
                "give each use of a rule its own 'id:'",
            )
        )
        return
    defined_by[entry_id] = entry
    final[entry_id] = entry


def _validate(raw: RawEntry, problems: list[PolicyProblem]) -> PolicyEntry | None:
    name = raw.values.get("rule")
    if not isinstance(name, str) or name not in RULES:
        problems.append(
            PolicyProblem(
                raw.locate(["rule"]),
                f"unknown rule '{name}'{did_you_mean(str(name), RULES)}; "
                "run 'smartlead-audit rules' for the list",
            )
        )
        return None
    model = RULES[name].options
    try:
        options = model.model_validate(raw.values)
    except ValidationError as exc:
        problems.extend(validation_problems(raw.locate, model, exc))
        return None
    return PolicyEntry(options, raw.position)


def _waiver_policy(
    sources: Sequence[SourceFile], problems: list[PolicyProblem]
) -> tuple[WaiverPolicy, Position | None]:
    found: tuple[WaiverPolicy, Position] | None = None
    for source in sources:
        if source.model.waiver_policy is None:
            continue
        here = source.doc.position(["waiver_policy"])
        if found is not None:
            problems.append(
                PolicyProblem(
                    here, f"waiver_policy is already set at {found[1]}; set it in one file only"
                )
            )
            continue
        found = (source.model.waiver_policy, here)
    return (WaiverPolicy(), None) if found is None else found


def _waivers(sources: Sequence[SourceFile], problems: list[PolicyProblem]) -> list[WaiverEntry]:
    waivers = []
    for source in sources:
        for index, raw in enumerate(source.model.waivers):
            loc: list[int | str] = ["waivers", index]
            if not isinstance(raw, dict):
                problems.append(
                    source.doc.problem(
                        loc, "a waiver must be a mapping with accounts, reason and expires"
                    )
                )
                continue
            try:
                waiver = Waiver.model_validate(raw)
            except ValidationError as exc:
                problems.extend(validation_problems(locator(source.doc, loc), Waiver, exc))
                continue
            waivers.append(WaiverEntry(waiver, source.doc.position(loc)))
    return waivers


def _unknown_waiver_rules(
    waivers: Sequence[WaiverEntry], entries: Sequence[PolicyEntry]
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


def _ungoverned(
    waivers: Sequence[WaiverEntry], governance: WaiverPolicy, where: Position | None, today: date
) -> list[PolicyProblem]:
    """Waivers that break `waiver_policy`: missing required fields, or running too long."""
    problems = []
    for item in waivers:
        waiver = item.waiver
        missing = [name for name in governance.require if getattr(waiver, name) in (None, "")]
        if missing:
            problems.append(
                PolicyProblem(
                    item.position,
                    f"waiver is missing {', '.join(missing)} "
                    f"(required by waiver_policy at {where})",
                )
            )
        if governance.max_days is not None:
            start = waiver.created or today
            days = (waiver.expires - start).days
            if days > governance.max_days:
                since = f"from {waiver.created}" if waiver.created else "from today"
                problems.append(
                    PolicyProblem(
                        item.position,
                        f"waiver runs {days} days ({since} to {waiver.expires}), longer than "
                        f"max_days {governance.max_days} (waiver_policy at {where})",
                    )
                )
    return problems


__all__ = [
    "POLICY_SUFFIXES",
    "Policy",
    "PolicyEntry",
    "WaiverEntry",
    "discover",
    "display_path",
    "load_policy",
]
