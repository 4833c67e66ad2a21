"""The GitHub Action's script logic, run locally with simulated runner files (`GITHUB_OUTPUT`,
`GITHUB_STEP_SUMMARY`), and the action definition's own hygiene."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from auditor.integrations import github_action
from tests.support.accounts import wire
from tests.support.shared import DEMO_INVENTORY, REPO, SHIPPED_POLICIES


def _env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    env = {
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary"),
        "INPUT_POLICIES": str(SHIPPED_POLICIES),
        "INPUT_OUTPUT_DIR": str(tmp_path / "reports"),
        "INPUT_FORMATS": "html",
    }
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    return env


def _outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "github_output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_findings_fail_the_step_and_fill_outputs_and_summary(tmp_path: Path) -> None:
    env = _env(tmp_path, snapshot=str(DEMO_INVENTORY), upload_sarif="true")
    completed = subprocess.run(
        [sys.executable, "-m", "auditor.integrations.github_action"],
        env={**env, "PATH": "/usr/bin:/bin"},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1
    report = json.loads((tmp_path / "reports" / "audit.json").read_text())
    outputs = _outputs(tmp_path)
    assert outputs == {
        "exit-code": "1",
        "result": "fail",
        "accounts": str(report["summary"]["accounts"]),
        "accounts-failing": str(report["summary"]["accounts_failing"]),
        "errors": str(report["summary"]["open"]["error"]),
        "warnings": str(report["summary"]["open"]["warning"]),
        "infos": str(report["summary"]["open"]["info"]),
        "waived": str(report["summary"]["waived"]),
        "report-dir": str(tmp_path / "reports"),
    }
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "audit.html",
        "audit.json",
        "audit.md",
        "audit.sarif",
    ]
    summary = (tmp_path / "step_summary").read_text()
    assert summary == (tmp_path / "reports" / "audit.md").read_text()
    assert "::error file=" in completed.stdout  # annotations for the run's log


def test_allow_findings_passes_the_job_but_errors_still_fail(
    tmp_path: Path, write_policy: object
) -> None:
    env = _env(tmp_path, snapshot=str(DEMO_INVENTORY), allow_findings="true")
    assert github_action.run(env) == 0
    assert _outputs(tmp_path)["exit-code"] == "1"
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nrules:\n  - rule: nope\n")
    (tmp_path / "github_output").unlink()
    env = _env(tmp_path, snapshot=str(DEMO_INVENTORY), allow_findings="true", policies=str(broken))
    assert github_action.run(env) == 2
    assert _outputs(tmp_path) == {"exit-code": "2", "result": "error"}
    assert "could not run (exit code 2)" in (tmp_path / "step_summary").read_text()


def test_clean_snapshot_passes(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n")
    snapshot = tmp_path / "inventory.json"
    snapshot.write_text(json.dumps([wire()]))
    env = _env(tmp_path, snapshot=str(snapshot), policies=str(policy), formats="")
    assert github_action.run(env) == 0
    assert _outputs(tmp_path)["result"] == "pass"


def test_summary_is_cut_to_the_limit_with_a_count_of_the_rest() -> None:
    rows = "".join(f"| {i} | a{i}@x.example | open | 1 | 2 | broken |\n" for i in range(1000))
    markdown = "# SmartLead audit: ❌ FAIL\n\n| Account |\n|---|\n" + rows
    cut = github_action.summary_markdown(markdown, 1000, "reports/audit.md", limit=2000)
    assert len(cut.encode()) < 2200
    kept = sum(1 for line in cut.splitlines() if re.match(r"\| \d", line))
    assert cut.endswith(f"… {1000 - kept} more findings in the artifact (reports/audit.md).\n")
    assert github_action.summary_markdown("short", 1, "x") == "short"


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            {},
            [
                "check",
                "--output-dir",
                "reports",
                "--fail-on",
                "error",
                "--policy",
                "policies",
                "--format",
                "json",
                "--format",
                "markdown",
                "--format",
                "github",
            ],
        ),
        (
            {
                "INPUT_POLICIES": "a.yaml 'my policies'",
                "INPUT_FORMATS": "html, junit",
                "INPUT_SNAPSHOT": "s.json",
                "INPUT_FAIL_ON": "warning",
            },
            [
                "check",
                "--output-dir",
                "reports",
                "--fail-on",
                "warning",
                "--policy",
                "a.yaml",
                "--policy",
                "my policies",
                "--format",
                "json",
                "--format",
                "markdown",
                "--format",
                "html",
                "--format",
                "junit",
                "--format",
                "github",
                "--inventory",
                "s.json",
            ],
        ),
    ],
)
def test_inputs_map_to_check_flags(inputs: dict[str, str], expected: list[str]) -> None:
    assert github_action.build_argv(inputs) == expected


def test_action_definition_passes_inputs_through_env_only() -> None:
    action = YAML(typ="safe").load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        assert "${{" not in step.get("run", ""), f"expression inside run: {step.get('name')}"
    audit = next(s for s in steps if s.get("id") == "audit")
    for name in action["inputs"]:
        if name != "python-version":
            assert f"${{{{ inputs.{name} }}}}" in audit["env"].values()
    assert set(action["outputs"]) >= {"exit-code", "errors", "warnings", "infos", "waived"}
    assert any("upload-artifact" in s.get("uses", "") for s in steps)
    assert any("upload-sarif" in s.get("uses", "") for s in steps)
