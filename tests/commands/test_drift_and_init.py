"""`smartlead-audit diff` (drift between snapshots) and `smartlead-audit init` (scaffolding)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import wire
from tests.support.shared import REPO, CliResult

Run = Callable[..., CliResult]
WriteJson = Callable[..., Path]


def test_no_change_exits_0(run_cli: Run, write_json: WriteJson) -> None:
    old = write_json([wire(id=1), wire(id=2)], "old.json")
    new = write_json([wire(id=2), wire(id=1)], "new.json")
    result = run_cli("diff", old, new)
    assert (result.code, result.err) == (0, "")
    assert result.out == f"drift {old} -> {new}: no change\n"


def _drifted(write_json: WriteJson) -> tuple[Path, Path]:
    old = write_json([wire(id=1, message_per_day=30), wire(id=2), wire(id=3)], "old.json")
    new = write_json(
        [
            wire(
                id=1, message_per_day=100, bcc_email=None, custom_tracking_domain="t.other.example"
            ),
            wire(id=3, warmup__status="PAUSED"),
            wire(id=4, from_email="new@acme.example"),
        ],
        "new.json",
    )
    return old, new


def test_changes_are_described_and_exit_1(run_cli: Run, write_json: WriteJson) -> None:
    old, new = _drifted(write_json)
    result = run_cli("diff", old, new)
    assert result.code == 1
    assert result.out.splitlines() == [
        f"drift {old} -> {new}: 1 added, 1 removed, 2 changed",
        "+ 4 new@acme.example",
        "- 2 ada@acme.example",
        "~ 1 ada@acme.example",
        "    message_per_day 30 -> 100",
        "    bcc_email removed (was archive@acme.example)",
        "    custom_tracking_domain track.acme.example -> t.other.example",
        "~ 3 ada@acme.example",
        "    warmup_details.status ACTIVE -> PAUSED",
    ]


def test_json_and_markdown_with_findings(
    run_cli: Run, write_json: WriteJson, write_policy: Callable[..., Path]
) -> None:
    old, new = _drifted(write_json)
    policy = write_policy(
        "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n  - rule: bcc-required\n"
    )
    result = run_cli("diff", old, new, "--policy", policy, "--format", "json")
    assert result.code == 1
    document: dict[str, Any] = json.loads(result.out)
    assert document["schema"] == "smartlead-auditor/drift@1"
    assert [a["id"] for a in document["accounts_added"]] == [4]
    assert [a["id"] for a in document["accounts_removed"]] == [2]
    changes = document["accounts_changed"][0]["changes"]
    assert changes[0] == {
        "field": "message_per_day",
        "kind": "changed",
        "old": 30,
        "new": 100,
        "text": "message_per_day 30 -> 100",
    }
    new_findings = {(f["id"], f["account_id"]) for f in document["findings"]["new"]}
    assert new_findings == {("daily-send-limit", 1), ("bcc-required", 1)}
    assert document["findings"]["resolved"] == []
    markdown = run_cli("diff", old, new, "--policy", policy, "--format", "markdown").out
    assert "| 1 | ada@acme.example | message\\_per\\_day 30 -\\> 100 |" in markdown
    assert "2 new, 0 resolved" in markdown


def test_unreadable_snapshot_exits_3(run_cli: Run, write_json: WriteJson, tmp_path: Path) -> None:
    result = run_cli("diff", write_json([wire()]), tmp_path / "missing.json")
    assert result.code == 3
    assert "cannot read inventory" in result.err


def test_init_scaffolds_a_valid_repository_and_never_overwrites(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cli("init", tmp_path)
    assert result.code == 0
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        ".github/workflows/smartlead-audit.yml",
        ".pre-commit-config.yaml",
        "policies/house.yaml",
        "policies/policy-1.schema.json",
        "policies/tests/house.test.yaml",
    ]
    monkeypatch.chdir(tmp_path)
    valid = run_cli("validate")
    assert valid.code == 0, valid.err
    # what init wrote: one file of the user's, over the preset it extends
    preset = (REPO / "auditor" / "policy" / "presets" / "baseline.yaml").read_text()
    entries = preset.count("\n  - rule: ")
    assert valid.out == (
        f"ok: 1 policy file (extends the baseline preset), {entries} rule entries, 0 waivers\n"
    )
    tested = run_cli("test")  # the example test passes against the policy init wrote
    assert tested.code == 0, tested.out
    assert tested.out.endswith("2 cases: 2 passed, 0 failed\n")
    house = (tmp_path / "policies" / "house.yaml").read_text()
    for rule in ("daily-send-limit", "shared-credentials", "field", "warmup"):
        assert f"# {rule}: " in house
    (tmp_path / "policies" / "house.yaml").write_text("version: 1\n# mine\n")
    again = run_cli("init", tmp_path)
    assert again.code == 2
    assert "refusing to overwrite" in again.err
    assert (tmp_path / "policies" / "house.yaml").read_text() == "version: 1\n# mine\n"
    forced = run_cli("init", tmp_path, "--force")
    assert forced.code == 0
    assert (tmp_path / "policies" / "house.yaml").read_text() == house
