"""Hostile account text through the real CLI: workflow-command injection (by a line end, and by the
console's word wrap), terminal escape sequences, bidi overrides, Markdown autolinks and mentions,
and a 5 MB error text, each asserted on what the user's terminal, CI log and report files get."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.report.test_hostile_text import command_lines, raw_controls
from tests.support.accounts import wire
from tests.support.shared import SHIPPED_POLICIES, CliResult

Run = Callable[..., CliResult]
WriteJson = Callable[..., Path]
TEXT_REPORTS = (
    "audit.md",
    "audit.html",
    "audit.junit.xml",
    "audit.csv",
    "audit.json",
    "audit.sarif",
)


def _check(run_cli: Run, inventory: Path, out: Path, *formats: str) -> CliResult:
    args: list[str | Path] = ["check", "--inventory", inventory, "--policy", SHIPPED_POLICIES]
    for fmt in formats:
        args += ["--format", fmt]
    return run_cli(*args, "--output-dir", out)


def _all_formats(run_cli: Run, inventory: Path, out: Path) -> tuple[CliResult, dict[str, str]]:
    """A check writing every format; stdout has the console report and the GitHub commands."""
    formats = ("console", "github", "markdown", "html", "junit", "csv", "json", "sarif")
    result = _check(run_cli, inventory, out, *formats)
    assert result.code == 1, result.err
    return result, {name: (out / name).read_text(encoding="utf-8") for name in TEXT_REPORTS}


def _unwrapped(out: str) -> str:
    """The console's text without its layout (rich wraps long cells onto padded lines)."""
    return "".join(out.split())


def _github_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("::")]


def test_a_line_end_in_an_error_text_starts_no_workflow_command(
    run_cli: Run, write_json: WriteJson, tmp_path: Path
) -> None:
    error = "535 auth failed\n::error::pwned\r\n::add-mask::x\r::stop-commands::token"
    inventory = write_json([wire(is_smtp_success=False, smtp_failure_error=error)])
    result, reports = _all_formats(run_cli, inventory, tmp_path / "reports")
    injected = [line for line in command_lines(result.out) if "pwned" in line.split("::", 2)[1]]
    assert injected == []
    # The console shows the text on one line, escaped; the GitHub command carries it as data.
    assert "535authfailed\\n:\u200d:error:\u200d:pwned\\r\\n" in _unwrapped(result.out)
    (smtp,) = [line for line in _github_lines(result.out) if "title=smtp-connected" in line]
    assert smtp.endswith(
        "the SMTP connection failed: 535 auth failed%0A::error::pwned%0D%0A::add-mask::x%0D"
        "::stop-commands::token"
    )
    for name, text in reports.items():
        assert command_lines(text) == [], name
    assert "535 auth failed\\n::error::pwned" in reports["audit.csv"]
    assert json.loads(reports["audit.json"])["findings"][0]["message"].endswith(error)


def test_word_wrap_in_a_narrow_console_starts_no_workflow_command(
    run_cli: Run, write_json: WriteJson, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rich wraps the message column at spaces and folds long words anywhere: without the
    joiner, ``::error`` would begin a continuation line (after the padding of the columns)."""
    monkeypatch.setenv("COLUMNS", "40")
    error = "connection refused " * 12 + "::error::pwned " + "x" * 70 + "::warning::again"
    inventory = write_json([wire(is_smtp_success=False, smtp_failure_error=error)])
    result = _check(run_cli, inventory, tmp_path, "console")
    assert result.code == 1
    assert command_lines(result.out) == []
    assert ":\u200d:error:\u200d:pwned" in _unwrapped(result.out)


def test_terminal_escape_sequences_are_shown_escaped(
    run_cli: Run, write_json: WriteJson, tmp_path: Path
) -> None:
    osc8 = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
    error = f"\x1b[2J\x1b[1;1H{osc8} \x1b]0;pwned\x07 \x9b31m red"
    inventory = write_json(
        [wire(is_smtp_success=False, smtp_failure_error=error, from_name=f"Ada{osc8}")]
    )
    result, reports = _all_formats(run_cli, inventory, tmp_path / "reports")
    assert raw_controls(result.out) == set()
    shown = _unwrapped(result.out)
    assert "\\x1b[2J\\x1b[1;1H\\x1b]8;;https://evil.example\\x1b\\click" in shown
    assert "\\x1b]0;pwned\\x07\\x9b31mred" in shown
    for name, text in reports.items():
        assert raw_controls(text) == set(), name
    assert "\\\\x1b\\[2J" in reports["audit.md"] and "\\x1b[2J" in reports["audit.junit.xml"]
    # JSON keeps the exact text, as escapes.
    assert json.loads(reports["audit.json"])["findings"][0]["message"].endswith(error)


def test_bidi_overrides_cannot_reorder_what_a_reader_sees(
    run_cli: Run, write_json: WriteJson, tmp_path: Path
) -> None:
    # Shown raw, "\u202e" makes "moc.elpmaxe@ada" read as ada@example.com.
    spoof = "ada@\u202emoc.elpmaxe\u202c"
    inventory = write_json(
        [wire(from_email=spoof, is_smtp_success=False, smtp_failure_error="\u2066x\u2069")]
    )
    result, reports = _all_formats(run_cli, inventory, tmp_path / "reports")
    assert raw_controls(result.out) == set()
    assert "ada@\\u202emoc.elpmaxe\\u202c" in result.out
    for name, text in reports.items():
        assert raw_controls(text) == set(), name
        assert "\\u202e" in text, name  # as text in each, as a JSON escape in JSON and SARIF
    finding = json.loads(reports["audit.json"])["findings"][0]
    assert finding["email"] == spoof


def test_markdown_makes_no_autolink_mention_or_issue_reference(
    run_cli: Run, write_json: WriteJson, tmp_path: Path
) -> None:
    error = "see https://evil.example/x and www.evil.example, cc @octocat @org/team, fixes #123"
    inventory = write_json([wire(is_smtp_success=False, smtp_failure_error=error)])
    out = tmp_path / "reports"
    assert _check(run_cli, inventory, out, "markdown").code == 1
    (markdown,) = [
        line
        for line in (out / "audit.md").read_text(encoding="utf-8").splitlines()
        if "SMTP connection failed" in line
    ]
    for linked in (r"https?://", r"www\.", r"(?<![\w])@\w", r"#\d"):
        assert re.search(linked, markdown) is None, linked
    # Still readable: only invisible joiners were added.
    assert error in markdown.replace("\u200d", "").replace("\\_", "_")
    assert "ada@acme.example" in markdown  # an address is no mention: left alone


def test_a_5_mb_error_text_makes_a_small_html_report(
    run_cli: Run, write_json: WriteJson, tmp_path: Path
) -> None:
    error = "535 " + "A" * 5_000_000
    inventory = write_json(
        [
            wire(
                id=n,
                from_email=f"u{n}@acme.example",
                is_smtp_success=False,
                smtp_failure_error=error,
            )
            for n in (1, 2)
        ]
    )
    out = tmp_path / "reports"
    assert _check(run_cli, inventory, out, "html", "markdown", "junit", "csv", "json").code == 1
    html = (out / "audit.html").read_text(encoding="utf-8")
    assert len(html) < 200_000  # was 15 MB: the text in the accounts, findings and overview
    assert "… (5,000,004 characters, shortened)" in html
    for name in ("audit.md", "audit.junit.xml", "audit.csv"):
        assert (out / name).stat().st_size < 100_000, name
    findings = json.loads((out / "audit.json").read_text())["findings"]
    assert [f["message"] for f in findings if f["id"] == "smtp-connected"] == [
        f"the SMTP connection failed: {error}"
    ] * 2  # the JSON report keeps the whole text


def test_diff_shows_changed_text_on_one_line(
    run_cli: Run, write_json: WriteJson, tmp_path: Path
) -> None:
    old = write_json([wire(id=1)], "old.json")
    new = write_json([wire(id=1, from_email="x\n::error::pwned\x1b[2J@acme.example")], "new.json")
    for fmt in ("console", "markdown", "json"):
        result = run_cli("diff", old, new, "--format", fmt)
        assert result.code == 1
        assert command_lines(result.out) == [], fmt
        assert raw_controls(result.out) == set(), fmt
    console = run_cli("diff", old, new).out
    assert "~ 1 x\\n::error::pwned\\x1b[2J@acme.example" in console
