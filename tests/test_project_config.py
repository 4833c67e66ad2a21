"""`--baseline`/`--write-baseline` and the project config file (`.smartlead-audit.yaml`,
`[tool.smartlead-audit]`), through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import wire
from tests.support.shared import CliResult

Run = Callable[..., CliResult]
POLICY = "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "house.yaml").write_text(POLICY)
    (tmp_path / "inventory.json").write_text(json.dumps([wire(id=1, message_per_day=50)]))
    (tmp_path / ".git").mkdir()  # the repository's root: a config is looked for up to here
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_baseline_accepts_known_findings_and_fails_on_new_ones(run_cli: Run, project: Path) -> None:
    first = run_cli(
        "check", "--inventory", "inventory.json", "--quiet", "--write-baseline", "baseline.json"
    )
    assert first.code == 1
    assert json.loads((project / "baseline.json").read_text())["summary"]["result"] == "fail"
    again = run_cli(
        "check", "--inventory", "inventory.json", "--baseline", "baseline.json", "--format", "json"
    )
    assert again.code == 0, again.err
    report = json.loads((project / "reports" / "audit.json").read_text())
    assert [f["status"] for f in report["findings"]] == ["baseline"]
    assert report["summary"]["baseline"] == 1
    assert report["summary"]["result"] == "pass"
    (project / "inventory.json").write_text(
        json.dumps([wire(id=1, message_per_day=50), wire(id=2, message_per_day=99)])
    )
    new = run_cli(
        "check", "--inventory", "inventory.json", "--baseline", "baseline.json", "--format", "json"
    )
    assert new.code == 1
    report = json.loads((project / "reports" / "audit.json").read_text())
    assert sorted((f["account_id"], f["status"]) for f in report["findings"]) == [
        (1, "baseline"),
        (2, "open"),
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read baseline"),
        ("[1, 2]", "is not a smartlead-auditor JSON report"),
        ("{", "baseline.json:1:2: the file is not valid JSON: a property name in double quotes"),
    ],
)
def test_bad_baseline_is_a_usage_error(
    run_cli: Run, project: Path, content: str | None, expected: str
) -> None:
    if content is not None:
        (project / "baseline.json").write_text(content)
    result = run_cli("check", "--inventory", "inventory.json", "--baseline", "baseline.json")
    assert result.code == 2
    assert expected in result.err


def test_yaml_config_sets_defaults_relative_to_itself(
    run_cli: Run, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "strict").mkdir()
    (project / "strict" / "p.yaml").write_text(POLICY.replace("max: 40", "max: 10"))
    (project / ".smartlead-audit.yaml").write_text(
        "policy: [strict]\nformat: [json, markdown]\nfail-on: never\noutput-dir: out\n"
    )
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    result = run_cli("check", "--inventory", "../inventory.json")
    assert result.code == 0  # fail-on: never
    report = json.loads((project / "out" / "audit.json").read_text())
    assert report["rules"][0]["policy"].endswith("strict/p.yaml:3")
    assert (project / "out" / "audit.md").exists()
    flags_win = run_cli(
        "check", "--inventory", "../inventory.json", "--fail-on", "error", "--format", "console"
    )
    assert flags_win.code == 1
    assert flags_win.out.startswith("SmartLead audit: FAIL")


def test_pyproject_table_and_show_config_masks_the_key(
    run_cli: Run, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.smartlead-audit]\nfail-on = "warning"\n'
        'baseline = "known.json"\n'
    )
    monkeypatch.setenv("SMARTLEAD_API_KEY", "sk-show-config-canary")
    result = run_cli("check", "--show-config")
    assert result.code == 0
    shown = json.loads(result.out)
    assert shown["config_file"] == str(project / "pyproject.toml")
    assert shown["fail_on"] == "warning"
    assert shown["baseline"] == str(project / "known.json")
    assert shown["inventory"] == "live (SmartLead API)"
    assert shown["live"]["api_key"] == "********"
    assert "sk-show-config-canary" not in result.out + result.err


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (".smartlead-audit.yaml", "fail-on: sometimes\n", ":1:10: fail-on: Input should be"),
        (
            ".smartlead-audit.yaml",
            "polcy: [x]\n",
            ":1:1: unknown key 'polcy' (did you mean 'policy'?)",
        ),
        (
            "pyproject.toml",
            "[tool.smartlead-audit]\nformats = ['json']\n",
            "[tool.smartlead-audit] formats: Extra inputs are not permitted",
        ),
    ],
)
def test_bad_config_is_exit_2_naming_the_file(
    run_cli: Run, project: Path, name: str, text: str, expected: str
) -> None:
    (project / name).write_text(text)
    result = run_cli("check", "--inventory", "inventory.json")
    assert result.code == 2
    assert expected in result.err
    assert str(project / name) in result.err


def test_the_config_in_use_is_named_on_stderr(run_cli: Run, project: Path) -> None:
    (project / ".smartlead-audit.yaml").write_text("fail-on: never\n")
    result = run_cli("check", "--inventory", "inventory.json", "--format", "json")
    assert result.code == 0
    assert f"using config {project / '.smartlead-audit.yaml'}" in result.err
    report = json.loads((project / "reports" / "audit.json").read_text())
    assert report["config"] == str(project / ".smartlead-audit.yaml")


def test_a_config_above_the_repository_root_is_not_used(
    run_cli: Run, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".smartlead-audit.yaml").write_text("fail-on: never\n")  # someone else's
    repository = project / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "work").mkdir()
    monkeypatch.chdir(repository / "work")
    result = run_cli("check", "--inventory", "../../inventory.json", "--policy", "../../policies")
    assert result.code == 1  # the finding fails the run: fail-on: never was not read
    assert "using config" not in result.err


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        (".smartlead-audit.yaml", lambda p: p.symlink_to("missing.yaml"), "cannot read"),
        (".smartlead-audit.yaml", lambda p: p.write_text("fail-on: [\n"), "smartlead-audit.yaml"),
        ("pyproject.toml", lambda p: p.write_text("[tool.smartlead-audit\n"), "invalid TOML"),
    ],
)
def test_a_config_that_cannot_be_read_is_an_error_not_skipped(
    run_cli: Run,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    make: Any,
    expected: str,
) -> None:
    (project / "pyproject.toml").write_text("[tool.smartlead-audit]\nfail-on = 'never'\n")
    (project / "sub" / ".git").mkdir(parents=True)
    make(project / "sub" / name)
    monkeypatch.chdir(project / "sub")
    result = run_cli("check", "--inventory", "../inventory.json", "--policy", "../policies")
    assert result.code == 2, result.err
    assert expected in result.err
