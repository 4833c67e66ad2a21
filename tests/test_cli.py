"""The CLI through its real entry point: exit code, stdout and stderr asserted together."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import wire
from tests.support.shared import DEMO_INVENTORY, REPO, SHIPPED_POLICIES, CliResult

Run = Callable[..., CliResult]
CLEAN_POLICY = "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n"


def test_demo_audit_fails_with_findings_on_stdout(run_cli: Run) -> None:
    result = run_cli("check", "--inventory", DEMO_INVENTORY, "--policy", SHIPPED_POLICIES)
    assert result.code == 1
    assert result.out.startswith("SmartLead audit: FAIL  30 accounts")
    assert "warmup" in result.out
    assert result.err == ""


def test_file_formats_are_written_to_the_output_dir(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "reports"
    result = run_cli(
        "check",
        "--inventory",
        DEMO_INVENTORY,
        "--policy",
        SHIPPED_POLICIES,
        "--format",
        "json",
        "--format",
        "markdown",
        "--format",
        "html",
        "--output-dir",
        out,
    )
    assert result.code == 1
    assert result.out == ""  # console only when asked for (or by default)
    assert sorted(p.name for p in out.iterdir()) == ["audit.html", "audit.json", "audit.md"]
    lines = result.err.splitlines()
    assert lines[:3] == [f"wrote {out / n}" for n in ("audit.json", "audit.md", "audit.html")]
    assert lines[3].startswith("SmartLead audit: FAIL  30 accounts")  # the verdict, on stderr
    report = json.loads((out / "audit.json").read_text())
    assert report["summary"]["result"] == "fail"


def test_clean_inventory_passes(
    run_cli: Run, write_json: Callable[..., Path], write_policy: Callable[..., Path]
) -> None:
    result = run_cli(
        "check", "--inventory", write_json([wire()]), "--policy", write_policy(CLEAN_POLICY)
    )
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("SmartLead audit: PASS  1 account, 0 failing")


@pytest.mark.parametrize(
    ("level", "code"), [("error", 0), ("warning", 1), ("info", 1), ("never", 0)]
)
def test_fail_on_levels(
    run_cli: Run,
    write_json: Callable[..., Path],
    write_policy: Callable[..., Path],
    level: str,
    code: int,
) -> None:
    policy = write_policy("version: 1\nrules:\n  - rule: warmup\n    severity: warning\n")
    result = run_cli(
        "check",
        "--inventory",
        write_json([wire(warmup_details=None)]),
        "--policy",
        policy,
        "--fail-on",
        level,
        "--quiet",
    )
    assert (result.code, result.out, result.err) == (code, "", "")


def test_policy_error_exits_2_before_reading_the_inventory(
    run_cli: Run, write_policy: Callable[..., Path], tmp_path: Path
) -> None:
    policy = write_policy("version: 1\nrules:\n  - rule: send-gap\n")
    result = run_cli(
        "check",
        "--inventory",
        tmp_path / "missing.json",
        "--policy",
        policy,
        "--format",
        "json",
        "--output-dir",
        tmp_path / "out",
    )
    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        f"smartlead-audit: error: 1 policy problem found:\n"
        f"{policy}:3:5: missing required key 'min_minutes'\n"
    )
    assert not (tmp_path / "out").exists()


def test_inventory_error_exits_3_and_writes_no_report(
    run_cli: Run, write_json: Callable[..., Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_cli(
        "check",
        "--inventory",
        write_json([wire(), {"id": "x"}]),
        "--policy",
        SHIPPED_POLICIES,
        "--format",
        "json",
        "--output-dir",
        out,
    )
    assert result.code == 3
    assert result.out == ""
    assert "record 1: field 'id': Input should be a valid integer" in result.err
    assert list(out.iterdir()) == []


def test_unwritable_output_dir_exits_2_naming_the_path(run_cli: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli(
        "check",
        "--inventory",
        DEMO_INVENTORY,
        "--policy",
        SHIPPED_POLICIES,
        "--format",
        "json",
        "--output-dir",
        blocker / "reports",
    )
    assert result.code == 2
    assert f"cannot create output folder {blocker / 'reports'}" in result.err


def test_missing_inventory_is_a_usage_error(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMARTLEAD_API_KEY", raising=False)
    monkeypatch.chdir(SHIPPED_POLICIES.parent / "tests")  # no .env file here
    result = run_cli("check", "--policy", SHIPPED_POLICIES)
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("smartlead-audit: error:")


@pytest.mark.parametrize(
    "argv", [["check", "--format", "pdf"], ["check", "--fail-on", "fatal"], ["nonsense"], []]
)
def test_bad_arguments_exit_2(run_cli: Run, argv: list[str]) -> None:
    result = run_cli(*argv)
    assert result.code == 2
    assert result.err.startswith("smartlead-audit: error: ")
    assert "usage:" not in result.err  # one line (and a tip), not argparse's usage block


@pytest.mark.parametrize("command", ["check", "validate", "rules"])
def test_help_is_complete(run_cli: Run, command: str) -> None:
    result = run_cli(command, "--help")
    assert result.code == 0
    assert "examples:" in result.out
    assert f"smartlead-audit {command}" in result.out


def test_top_level_help_documents_exit_codes(run_cli: Run) -> None:
    result = run_cli("--help")
    assert result.code == 0
    for line in (
        "0  no open finding",
        "1  open findings",
        "2  usage",
        "3  inventory",
        "4  internal",
    ):
        assert line in result.out


def test_validate(run_cli: Run, write_policy: Callable[..., Path]) -> None:
    good = run_cli("validate", SHIPPED_POLICIES)
    assert (good.code, good.err) == (0, "")
    assert good.out.startswith("ok: 2 policy files,")
    bad = run_cli("validate", write_policy("version: 1\nrules:\n  - rule: bcc\n"))
    assert bad.code == 2 and bad.out == ""
    assert ":3:11: unknown rule 'bcc'" in bad.err


def test_rules_list_and_docs(run_cli: Run) -> None:
    listing = run_cli("rules")
    assert listing.code == 0
    assert "daily-send-limit" in listing.out and "options: max: (required)" in listing.out
    assert "options: status: [ACTIVE]; min_reputation: null; allow_blocked: false" in listing.out
    assert "PydanticUndefined" not in listing.out
    doc = run_cli("rules", "warmup")
    assert doc.code == 0
    assert "min_reputation" in doc.out and "Remediation:" in doc.out
    assert "\n  status: [ACTIVE]\n" in doc.out  # defaults as YAML
    for key in ("title:", "rationale:", "remediation: |"):  # the example entry's guidance keys
        assert f"\n    {key}" in doc.out
    unknown = run_cli("rules", "warmp")
    assert unknown.code == 2
    assert "unknown rule 'warmp' (did you mean 'warmup'?)" in unknown.err


def test_internal_error_exits_4(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("auditor.commands.check.evaluate", boom)
    result = run_cli("check", "--inventory", DEMO_INVENTORY, "--policy", SHIPPED_POLICIES)
    assert result.code == 4
    assert "internal error: RuntimeError: kaboom" in result.err
    assert "Traceback" not in result.err
    verbose = run_cli("check", "-v", "--inventory", DEMO_INVENTORY, "--policy", SHIPPED_POLICIES)
    assert verbose.code == 4 and "Traceback" in verbose.err


def test_ctrl_c_exits_130(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("auditor.commands.check.evaluate", interrupt)
    result = run_cli("check", "--inventory", DEMO_INVENTORY, "--policy", SHIPPED_POLICIES)
    assert result.code == 130


def test_color_follows_no_color_and_force_color(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("check", "--inventory", DEMO_INVENTORY, "--policy", SHIPPED_POLICIES)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run_cli(*args).out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run_cli(*args).out


def _subprocess(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    return subprocess.run(
        argv, capture_output=True, text=True, cwd=REPO, env=env, timeout=60, check=False
    )


def test_python_dash_m_and_console_script_use_the_default_policy_folder() -> None:
    module = _subprocess(
        sys.executable, "-m", "auditor", "check", "--inventory", "examples/demo-inventory.json"
    )
    assert module.returncode == 1
    assert module.stdout.startswith("SmartLead audit: FAIL")
    script = shutil.which("smartlead-audit") or str(Path(sys.executable).parent / "smartlead-audit")
    installed = _subprocess(script, "--version")
    assert installed.returncode == 0
    assert installed.stdout.startswith("smartlead-audit ")


def test_validate_with_siblings_checks_a_file_in_its_policy_set(
    run_cli: Run, write_policy: Callable[..., Path]
) -> None:
    write_policy("version: 1\nrules:\n  - rule: warmup\n", "rules.yaml")
    waivers = write_policy(
        "version: 1\nwaivers:\n  - {accounts: [1], rules: [warmup], reason: r, "
        "expires: 2099-01-01}\n",
        "waivers.yaml",
    )
    alone = run_cli("validate", waivers)
    assert alone.code == 2
    assert "waiver names rule id 'warmup', which no policy defines" in alone.err
    together = run_cli("validate", "--with-siblings", waivers)
    assert (together.code, together.err) == (0, "")
    assert together.out.startswith("ok: 2 policy files, 1 rule entry, 1 waiver")


# Start-up is most of a small run (a pre-commit hook, a CI gate on one client's senders): a check
# of a saved inventory must not import what only a live fetch, another command or another format
# uses.
UNUSED_BY_A_JSON_CHECK = (
    "httpx",
    "pydantic_settings",
    "tenacity",
    "rich",
    "jinja2",
    "auditor.report.html_report",
    "auditor.report.junit_report",
)


@pytest.mark.parametrize(
    ("fmt", "imported"),
    [
        ("json", []),
        ("console", ["rich"]),  # the console report is drawn with rich (and the stderr summary)
        ("markdown", ["jinja2"]),  # templated
    ],
)
def test_a_saved_inventory_check_imports_only_what_it_uses(
    tmp_path: Path, fmt: str, imported: list[str]
) -> None:
    code = (
        "import sys\n"
        "from auditor.cli import main\n"
        f"code = main(['check', '--inventory', {str(DEMO_INVENTORY)!r}, '--policy',"
        f" {str(SHIPPED_POLICIES)!r}, '--output-dir', {str(tmp_path)!r}, '-q', '--format', {fmt!r}])\n"
        f"print(code, sorted(m for m in {UNUSED_BY_A_JSON_CHECK!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stdout.splitlines()[-1] == f"1 {imported}"


def test_an_empty_inventory_fails_closed_unless_allowed(run_cli: Any, write_json: Any) -> None:
    empty = write_json([], "empty.json")
    refused = run_cli("check", "--inventory", empty, "--policy", SHIPPED_POLICIES)
    assert refused.code == 3
    assert "holds no account" in refused.err and "--allow-empty" in refused.err
    allowed = run_cli("check", "--inventory", empty, "--policy", SHIPPED_POLICIES, "--allow-empty")
    assert allowed.code == 0, allowed.err


# --- output that cannot be delivered: exit 2 and one line, never a verdict or a crash ----------

CHECK_DEMO = ("check", "--inventory", str(DEMO_INVENTORY), "--policy", str(SHIPPED_POLICIES))


def _start(
    *argv: str, stdout: Any = subprocess.PIPE, unbuffered: bool = False
) -> subprocess.Popen[str]:
    unset = ("FORCE_COLOR", "NO_COLOR", "PYTHONUNBUFFERED")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "auditor", *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    assert process.stderr is not None
    stderr = process.stderr.read()
    return process.wait(timeout=60), stderr


BROKEN_PIPE = "smartlead-audit: error: cannot write to standard output: Broken pipe.\n"


@pytest.mark.parametrize(
    "argv",
    [
        [*CHECK_DEMO, "--format", "console"],  # a finding run: must not exit 1 either
        [*CHECK_DEMO, "--format", "github"],
        ["rules"],
        ["--help"],
    ],
)
def test_a_reader_gone_before_the_output_is_an_output_error(argv: list[str]) -> None:
    """`smartlead-audit ... | head -1` where head has its line and is gone before the (buffered)
    output is written: exit 2, one line on stderr, no traceback, no "Exception ignored"."""
    process = _start(*argv)
    assert process.stdout is not None
    process.stdout.close()
    assert _finish(process) == (2, BROKEN_PIPE)


@pytest.mark.parametrize("unbuffered", [False, True])
def test_a_reader_that_closes_after_a_few_bytes_is_an_output_error(
    write_json: Callable[..., Path], unbuffered: bool
) -> None:
    """A 2 MB drift listing, closed after its first bytes: the write in progress fails. Under
    PYTHONUNBUFFERED too, where Python's own text layer would drop the rest of a short write
    without an error."""
    from auditor.testing.generator import generate_accounts

    old = write_json(generate_accounts(3000, seed=1), "old.json")
    new = write_json(generate_accounts(3000, seed=2), "new.json")
    process = _start("diff", str(old), str(new), unbuffered=unbuffered)
    assert process.stdout is not None
    assert process.stdout.read(5) == "drift"
    process.stdout.close()
    assert _finish(process) == (2, BROKEN_PIPE)


def test_a_finding_run_whose_stdout_breaks_exits_2_not_1(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    result = run_cli(*CHECK_DEMO)
    assert (result.code, result.out, result.err) == (2, "", BROKEN_PIPE)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [[*CHECK_DEMO, "--format", "console"], ["schema"]])
def test_a_full_disk_on_stdout_is_an_output_error(argv: list[str]) -> None:
    with open("/dev/full", "w") as full:
        process = _start(*argv, stdout=full)
    message = "smartlead-audit: error: cannot write to standard output: No space left on device.\n"
    assert _finish(process) == (2, message)


def _with_stdout_closed(*argv: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "auditor", *argv]
    return subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *command],
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def test_a_closed_stdout_is_an_output_error_once_something_is_written(tmp_path: Path) -> None:
    closed = _with_stdout_closed(*CHECK_DEMO, "--format", "console")
    message = "smartlead-audit: error: cannot write to standard output: it is closed.\n"
    assert (closed.returncode, closed.stderr) == (2, message)
    # Nothing for stdout: the verdict stands.
    quiet = _with_stdout_closed(
        *CHECK_DEMO, "-q", "--format", "json", "--output-dir", str(tmp_path)
    )
    assert (quiet.returncode, quiet.stderr) == (1, "")
    assert [p.name for p in tmp_path.iterdir()] == ["audit.json"]


def test_a_command_imports_only_its_own_module() -> None:
    """`fetch --help` loads neither the policy engine, the DNS resolver nor remediation: its
    first request leaves sooner (issue: live fetch start-up)."""
    code = (
        "import sys\n"
        "from auditor.cli import main\n"
        "try:\n"
        "    main(['fetch', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('auditor.engine', 'auditor.policy.loader', 'auditor.dns.resolver',"
        " 'auditor.remediation.plan', 'auditor.commands.check')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"
