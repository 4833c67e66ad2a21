"""Project configuration for `check`: `.smartlead-audit.yaml` or `[tool.smartlead-audit]` in
`pyproject.toml`, found from the working directory up to the repository root. Flags override it;
paths in it are relative to the file that sets them, so the audit behaves the same from any
subfolder.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationError

from auditor.errors import PolicyError, PolicyProblem, Position, UsageError
from auditor.model.entry import StrictModel
from auditor.model.result import FailOn
from auditor.policy.yaml_tree import PolicyProblemRaised, locator, parse_yaml, validation_problems

YAML_NAMES = (".smartlead-audit.yaml", ".smartlead-audit.yml")
PYPROJECT = "pyproject.toml"
TOOL_KEY = "smartlead-audit"


class ProjectConfig(StrictModel):
    """The keys a config file may set; spelled like the `check` flags."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    policy: list[str] | None = None
    format: list[str] | None = None
    fail_on: Annotated[FailOn | None, Field(alias="fail-on", strict=False)] = None
    output_dir: Annotated[str | None, Field(alias="output-dir")] = None
    baseline: str | None = None


@dataclass(frozen=True)
class LoadedConfig:
    path: Path | None  # None: no config file found
    values: ProjectConfig

    def resolve(self, value: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        base = self.path.parent if self.path is not None else Path()
        return base / value


def find_config(start: Path) -> Path | None:
    """The nearest `.smartlead-audit.yaml`, or `pyproject.toml` with our table, from ``start``
    up to the repository's root (the folder holding `.git`) and no further: a config two folders
    above the repository belongs to someone else. Outside a repository, ``start`` only.

    A candidate that exists but cannot be read (a dangling link, broken TOML) is chosen, so that
    reading it fails loudly, rather than passed over in favour of one further up."""
    start = start.absolute()
    inside = _inside_repository(start)
    for folder in (start, *start.parents):
        for name in YAML_NAMES:
            if _present(folder / name):
                return folder / name
        pyproject = folder / PYPROJECT
        if _present(pyproject) and _has_tool_table(pyproject):
            return pyproject
        if not inside or _present(folder / ".git"):
            return None
    return None


def _present(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _inside_repository(start: Path) -> bool:
    return any(_present(folder / ".git") for folder in (start, *start.parents))


def _has_tool_table(path: Path) -> bool:
    """Whether a pyproject.toml has our table; one that cannot be read counts as having it."""
    try:
        return TOOL_KEY in tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True


def load_config(start: Path | None = None, *, explicit: Path | None = None) -> LoadedConfig:
    path = explicit or find_config(start or Path.cwd())
    if path is None:
        return LoadedConfig(None, ProjectConfig())
    if path.name == PYPROJECT:
        return LoadedConfig(path, _from_pyproject(path))
    return LoadedConfig(path, _from_yaml(path))


def _from_pyproject(path: Path) -> ProjectConfig:
    try:
        table: Any = tomllib.loads(path.read_text(encoding="utf-8"))["tool"][TOOL_KEY]
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}.") from None
    try:
        return ProjectConfig.model_validate(table)
    except ValidationError as exc:
        # tomllib keeps no positions: name the table and key instead.
        where = Position(str(path), 1, 1)
        problems = [
            PolicyProblem(where, f"[tool.{TOOL_KEY}] {'.'.join(map(str, e['loc']))}: {e['msg']}")
            for e in exc.errors(include_url=False)
        ]
        raise PolicyError(problems, kind="config") from None


def _from_yaml(path: Path) -> ProjectConfig:
    shown = str(path)
    try:
        doc = parse_yaml(shown, path.read_text(encoding="utf-8"))
    except PolicyProblemRaised as raised:
        raise PolicyError([raised.problem], kind="config") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}.") from None
    try:
        return ProjectConfig.model_validate(doc.data or {})
    except ValidationError as exc:
        problems = validation_problems(locator(doc, []), ProjectConfig, exc)
        raise PolicyError(problems, kind="config") from None
