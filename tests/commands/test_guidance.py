"""What the CLI tells its user, through the real entry point (``python -m auditor`` in its own
process): the verdict on every run, the console report at scale, ``--output``, one-line usage
errors with a suggestion, exit codes on every help page, ``--no-color``, shell completion,
``init``'s working setup and the wording of common errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import COMMANDS as cli_commands
from auditor.testing.generator import generate_accounts
from tests.support.shared import DEMO_INVENTORY, REPO, SHIPPED_POLICIES, CliResult

COMMANDS = (*cli_commands, "completion")  # every subcommand the entry point knows
VERDICT = re.compile(r"^SmartLead audit: (PASS|FAIL)  \d+ accounts?, \d+ failing; open: ")


def cli(*args: str | Path, cwd: Path = REPO, **env: str) -> CliResult:
    """One run of ``python -m auditor`` with a clean color environment."""
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ,
        timeout=300,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


CHECK_DEMO = ("check", "--inventory", DEMO_INVENTORY, "--policy", SHIPPED_POLICIES)


# --- a verdict on every run -----------------------------------------------------------------


def test_file_formats_only_print_the_verdict_and_rule_table_on_stderr(tmp_path: Path) -> None:
    result = cli(*CHECK_DEMO, "--format", "json", "--format", "html", "--output-dir", tmp_path)
    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    assert lines[:2] == [f"wrote {tmp_path / 'audit.json'}", f"wrote {tmp_path / 'audit.html'}"]
    assert VERDICT.match(lines[2]) and lines[2].startswith("SmartLead audit: FAIL  30 accounts")
    assert re.split(r"\s+", lines[4].strip()) == ["rule", "severity", "open", "waived", "accounts"]
    report = json.loads((tmp_path / "audit.json").read_text())
    # every rule with a finding has its row, with the report's own counts
    rows = {line.split()[0]: line.split()[1:] for line in lines[5:]}
    for rule in report["rules"]:
        findings = [f for f in report["findings"] if f["id"] == rule["id"]]
        if not findings:
            assert rule["id"] not in rows
            continue
        opened = [f for f in findings if f["status"] == "open"]
        waived = [f for f in findings if f["status"] == "waived"]
        accounts = {f["account_id"] for f in opened}
        assert rows[rule["id"]] == [
            rule["severity"],
            str(len(opened)),
            str(len(waived)),
            str(len(accounts)),
        ]


def test_quiet_silences_the_verdict(tmp_path: Path) -> None:
    result = cli(*CHECK_DEMO, "--format", "json", "--output-dir", tmp_path, "--quiet")
    assert (result.code, result.out, result.err) == (1, "", "")
    assert (tmp_path / "audit.json").is_file()


def test_github_format_on_stdout_still_gets_the_verdict_on_stderr(tmp_path: Path) -> None:
    result = cli(*CHECK_DEMO, "--format", "github")
    assert result.code == 1
    assert result.out.startswith("::")
    assert VERDICT.match(result.err)


# --- the console report at scale ----------------------------------------------------------


@pytest.fixture(scope="module")
def big_inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "inventory.json"
    path.write_text(json.dumps(generate_accounts(3000, seed=16)))
    return path


def test_console_report_scales_rules_then_worst_accounts_then_a_spread_sample(
    big_inventory: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    result = cli(
        "check",
        "--inventory",
        big_inventory,
        "--policy",
        SHIPPED_POLICIES,
        "--format",
        "console",
        "--format",
        "html",
        "--output-dir",
        out,
    )
    assert result.code == 1
    text = result.out
    lines = text.splitlines()
    assert VERDICT.match(lines[0])
    rules_at = text.index("\nrule ")
    accounts_at = text.index("Accounts with the most open findings")
    sample_at = text.index("A sample of the open findings (20 of ")
    assert rules_at < accounts_at < sample_at
    report_rules = _table(text[rules_at:accounts_at])
    opened = {row[0]: int(row[2]) for row in report_rules[1:]}
    # worst accounts: most findings first
    counts = [int(row[-1]) for row in _table(text[accounts_at:sample_at])[1:]]
    assert len(counts) == 10 and counts == sorted(counts, reverse=True)
    # the sample is spread: every rule with open findings appears (there are fewer than 20)
    with_open = [rule for rule, n in opened.items() if n > 0]
    assert 1 < len(with_open) <= 20
    sample_rules = {row[1] for row in _table(text[sample_at:])[1:] if len(row) > 2}
    assert sample_rules == set(with_open)
    # names the report written, and no format that was not asked for
    assert f"see {out / 'audit.html'}" in text
    assert "json" not in text.split("A sample of the open findings")[1].split("\n... and")[1]


def _table(block: str) -> list[list[str]]:
    """Rows of a whitespace-separated table block (header first), wrapped lines skipped."""
    rows = []
    for line in block.splitlines():
        if line and not line.startswith(" ") and not line.startswith(("Accounts", "A sample")):
            rows.append(line.split())
    return [r for r in rows if r and r[0] != "..."]


def test_console_report_without_a_file_report_does_not_name_one() -> None:
    result = cli(*CHECK_DEMO)
    assert result.code == 1
    tail = result.out.rsplit("\n... and ", 1)[1]
    assert tail.startswith("12 more open findings: write them all with --format html")
    assert "see " not in tail and "reports/" not in result.out


# --- --output FMT=PATH --------------------------------------------------------------------


def test_output_json_to_stdout_is_pure_json_and_the_verdict_goes_to_stderr(tmp_path: Path) -> None:
    result = cli(*CHECK_DEMO, "--output", "json=-", cwd=tmp_path)
    assert result.code == 1
    report = json.loads(result.out)  # what `| jq` would read
    assert report["summary"]["result"] == "fail"
    assert VERDICT.match(result.err)
    assert list(tmp_path.iterdir()) == []  # no default reports folder


def test_output_writes_one_format_to_a_chosen_path(tmp_path: Path) -> None:
    target = tmp_path / "public" / "index.html"
    result = cli(*CHECK_DEMO, "--output", "HTML=" + str(target), "--format", "json", cwd=tmp_path)
    assert result.code == 1
    assert target.read_text().lower().startswith("<!doctype html>")
    assert (tmp_path / "reports" / "audit.json").is_file()  # --format keeps the default name
    assert result.out == ""
    assert sorted(result.err.splitlines()[:2]) == sorted(
        [f"wrote {target}", "wrote reports/audit.json"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--output", "htm=x.html"],
            "argument --output: 'htm' is not a valid file format; valid: json, markdown, html, "
            "sarif, junit, csv; did you mean 'html'?",
        ),
        (["--output", "json"], "argument --output: expected FMT=PATH"),
        (
            ["--output", "json=-", "--format", "console"],
            "standard output can carry one report, not console, --output json=-.",
        ),
        (["--output", "json=a.json", "--output", "json=b.json"], "--output names json twice"),
        (
            ["--output", "json=same", "--output", "csv=same"],
            "the json report and the csv report would both be written to same",
        ),
    ],
)
def test_output_mistakes_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = cli(*CHECK_DEMO, *args, cwd=tmp_path)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith(f"smartlead-audit: error: {message}")
    assert list(tmp_path.iterdir()) == []


# --- usage errors: one line, the valid values, a suggestion --------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["check", "--format", "htm"],
            "argument --format: 'htm' is not a valid format; valid: console, json, markdown, "
            "html, sarif, junit, csv, github; did you mean 'html'?",
        ),
        (
            ["check", "--fail-on", "critical"],
            "argument --fail-on: 'critical' is not a valid level; valid: error, warning, info, "
            "never.",
        ),
        (
            ["check", "--fail-on", "warnng"],
            "argument --fail-on: 'warnng' is not a valid level; valid: error, warning, info, "
            "never; did you mean 'warning'?",
        ),
        (
            ["diff", "a.json", "b.json", "--format", "MARKDWN"],
            "argument --format: 'MARKDWN' is not a valid format; valid: console, markdown, json; "
            "did you mean 'markdown'?",
        ),
        (
            ["chek"],
            "'chek' is not a valid command; valid: check, fetch, resolve, validate, rules, schema, "
            "test, diff, init, plan, apply, completion; did you mean 'check'?",
        ),
        (
            ["check", "--fial-on", "error"],
            "unknown option --fial-on for check; did you mean --fail-on?",
        ),
        (
            ["validate", "--with-sibilngs"],
            "unknown option --with-sibilngs for validate; did you mean --with-siblings?",
        ),
        (
            ["completion", "fsh"],
            "'fsh' is not a valid value for SHELL; valid: bash, zsh, fish; did you mean 'fish'?",
        ),
    ],
)
def test_a_bad_choice_or_flag_is_one_line_with_a_suggestion(args: list[str], line: str) -> None:
    result = cli(*args)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"smartlead-audit: error: {line}\n"
    assert "usage:" not in result.err


def test_choices_match_case_insensitively(tmp_path: Path) -> None:
    result = cli(*CHECK_DEMO, "--format", "JSON", "--fail-on", "Never", "--output-dir", tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "audit.json").is_file()


def test_an_unknown_option_with_nothing_close_points_to_help() -> None:
    result = cli("rules", "--zzzzzz")
    assert result.code == 2
    assert result.err == (
        "smartlead-audit: error: unknown option --zzzzzz for rules.\n"
        "Tip: run 'smartlead-audit rules --help' for the options.\n"
    )


# --- help pages, color, completion ---------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_page_lists_the_exit_codes(command: str) -> None:
    result = cli(command, "--help")
    assert result.code == 0
    codes = result.out.split("exit codes:\n", 1)[1]
    assert re.search(r"^  0  ", codes, re.MULTILINE)
    assert "  4  internal error" in codes
    assert "130  interrupted (Ctrl-C); 143  terminated (SIGTERM)" in codes
    assert "--no-color" in result.out


def test_fetch_help_does_not_mention_an_inventory_flag_it_lacks() -> None:
    text = cli("fetch", "--help").out
    assert "Without --inventory" not in text
    assert "Accounts are read from the SmartLead API" in text
    assert "Without --inventory, accounts are read" in cli("check", "--help").out


@pytest.mark.parametrize("where", [["--no-color", "check"], ["check", "--no-color"]])
def test_no_color_wins_over_force_color(where: list[str]) -> None:
    colored = cli(*CHECK_DEMO, FORCE_COLOR="1")
    assert "\x1b[" in colored.out
    plain = cli(*where, *CHECK_DEMO[1:], FORCE_COLOR="1")
    assert plain.code == 1
    assert "\x1b[" not in plain.out and plain.out.startswith("SmartLead audit: FAIL")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_generated_from_the_parser(shell: str) -> None:
    result = cli("completion", shell)
    assert result.code == 0, result.err
    for word in ("check", "validate", "completion", "fail-on", "output-dir", "with-siblings"):
        assert word in result.out, word  # fish names long options without their dashes
    if shell == "bash":  # bash is on every CI image: the script must at least parse
        subprocess.run(["bash", "-n"], input=result.out, text=True, check=True)


def test_bash_completion_completes_a_subcommand_flag(tmp_path: Path) -> None:
    script = tmp_path / "complete.sh"
    script.write_text(cli("completion", "bash").out)
    probe = (
        f"source {script}\n"
        "COMP_WORDS=(smartlead-audit check --fail); COMP_CWORD=2\n"
        "COMP_LINE='smartlead-audit check --fail'; COMP_POINT=${#COMP_LINE}\n"
        "_shtab_smartlead_audit smartlead-audit --fail check\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    assert "--fail-on" in done.stdout.split()


# --- init: a working setup ------------------------------------------------------------------


def test_init_writes_a_working_setup(tmp_path: Path) -> None:
    result = cli("init", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "wrote policies/tests/house.test.yaml" in result.out
    assert "smartlead-audit fetch -o snapshots/inventory.json" in result.out
    workflow = (tmp_path / ".github" / "workflows" / "smartlead-audit.yml").read_text()
    assert "smartlead-audit fetch -o snapshots/inventory.json" in workflow
    assert "snapshot: snapshots/inventory.json" in workflow
    valid = cli("validate", cwd=tmp_path)
    assert valid.code == 0
    assert valid.out.startswith("ok: 1 policy file (extends the baseline preset), ")
    assert valid.out.endswith(" rule entries, 0 waivers\n")
    tested = cli("test", cwd=tmp_path)
    assert tested.code == 0, tested.out
    assert tested.out.endswith("2 cases: 2 passed, 0 failed\n")
    # and the snapshot the hint names is what check then reads
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    (snapshots / "inventory.json").write_text(DEMO_INVENTORY.read_text())
    audited = cli("check", "--inventory", "snapshots/inventory.json", cwd=tmp_path)
    assert audited.code == 1 and VERDICT.match(audited.out)


# --- wording --------------------------------------------------------------------------------


def test_plurals_in_validate_and_the_verdict(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\nwaivers:\n"
        "  - accounts: [1]\n    rules: [daily-send-limit]\n    reason: pilot\n"
        "    expires: 2999-01-01\n"
    )
    assert cli("validate", policy).out == "ok: 1 policy file, 1 rule entry, 1 waiver\n"
    inventory = tmp_path / "one.json"
    inventory.write_text(json.dumps(generate_accounts(1, seed=1)))
    result = cli("check", "--inventory", inventory, "--policy", policy, "--fail-on", "never")
    assert result.out.startswith("SmartLead audit: PASS  1 account, ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>",
            "{path}: this looks like an HTML page, not JSON.\nTip: an inventory is the API's "
            "JSON answer or a `smartlead-audit fetch` snapshot",
        ),
        ('[{"id": 1,}]', "{path}:1:11: the file is not valid JSON: a property name in double "),
        ("[1, 2] [3]", "{path}:1:8: the file is not valid JSON: more text follows the end"),
        ("", "{path}: the file is empty, not JSON."),
    ],
)
def test_an_inventory_that_is_not_json_says_what_it_is(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "inventory.json"
    path.write_text(content)
    result = cli("check", "--inventory", path, "--policy", SHIPPED_POLICIES)
    assert (result.code, result.out) == (3, "")
    assert result.err.startswith("smartlead-audit: error: " + message.format(path=path))


def test_config_errors_are_titled_config_problems(tmp_path: Path) -> None:
    config = tmp_path / ".smartlead-audit.yaml"
    config.write_text("fail_on: critical\nformat: [htm]\n")
    result = cli("check", "--config", config, "--inventory", DEMO_INVENTORY)
    assert result.code == 2
    assert result.err.startswith("smartlead-audit: error: 1 config problem found:\n")
    config.write_text("format: [htm]\n")
    result = cli("check", "--config", config, "--inventory", DEMO_INVENTORY)
    assert result.err == (
        f"smartlead-audit: error: {config}: 'format': 'htm' is not a valid format; valid: "
        "console, json, markdown, html, sarif, junit, csv, github; did you mean 'html'?\n"
    )


@pytest.mark.parametrize("rule", ["bcc-required", "field", "daily-send-limit"])
def test_the_example_entry_of_rules_rule_is_a_valid_policy(rule: str, tmp_path: Path) -> None:
    """What `rules RULE` prints as an entry, pasted into a policy file, validates."""
    shown = cli("rules", rule)
    assert shown.code == 0, shown.err
    example = shown.out.split("An entry in a policy file:", 1)[1]
    (tmp_path / "house.yaml").write_text("version: 1\n" + example.strip() + "\n")
    validated = cli("validate", tmp_path / "house.yaml")
    assert validated.code == 0, validated.out + validated.err
    assert "1 rule entry" in validated.out


def test_an_unreachable_host_names_the_base_url_setting_not_a_page(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on, once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli(
        "fetch",
        "-o",
        tmp_path / "inventory.json",
        cwd=tmp_path,
        SMARTLEAD_API_KEY="key-0123456789",
        SMARTLEAD_BASE_URL=f"http://127.0.0.1:{port}/api/v1",
        SMARTLEAD_RETRIES="1",
        SMARTLEAD_BACKOFF="0.05",
    )
    assert result.code == 3, result.err
    assert f"cannot reach the SmartLead API at http://127.0.0.1:{port}" in result.err
    assert "Tip: check SMARTLEAD_BASE_URL" in result.err
    assert "offset" not in result.err and "key-0123456789" not in result.err
    assert not (tmp_path / "inventory.json").exists()
