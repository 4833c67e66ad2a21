"""Report files are written atomically: an interrupted write leaves the previous file whole and
no temporary file behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.errors import OutputError
from auditor.report.output import prepare_dir, write_atomic


def test_interrupted_write_keeps_the_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "audit.json"
    target.write_text('{"summary": {"result": "fail"}}')

    def interrupted(source: str, destination: str) -> None:
        raise KeyboardInterrupt  # Ctrl-C between writing the temporary file and the rename

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, '{"summary": {"result": "pass"}, "findings": [')
    assert target.read_text() == '{"summary": {"result": "fail"}}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.json"]


def test_write_replaces_whole_and_is_readable(tmp_path: Path) -> None:
    target = tmp_path / "audit.md"
    write_atomic(target, "one\n")
    write_atomic(target, "two\n")
    assert target.read_text() == "two\n"
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_unwritable_folder_is_an_output_error_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match=f"cannot create output folder {blocker / 'out'}"):
        prepare_dir(blocker / "out")
    with pytest.raises(OutputError, match=f"cannot write {blocker / 'x.json'}"):
        write_atomic(blocker / "x.json", "{}")
