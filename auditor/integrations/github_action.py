"""The script behind `action.yml` (a composite GitHub Action).

Inputs arrive as `INPUT_*` environment variables (the action maps them with `env:`, never by
pasting `${{ }}` into a shell line). It runs `smartlead-audit check` in-process, then publishes:
step outputs to `$GITHUB_OUTPUT`, the Markdown report to `$GITHUB_STEP_SUMMARY` (cut to fit
GitHub's 1 MiB cap, with a count of what is left out), and an exit code that honours
`allow-findings` (findings pass, errors still fail).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from auditor.cli import main as cli_main
from auditor.errors import ExitCode

# GitHub rejects a step summary over 1 MiB; keep a margin for the closing note.
SUMMARY_LIMIT = 1024 * 1024 - 4096
ALWAYS = ("json", "markdown")  # the outputs and the summary are read from these


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def build_argv(env: Mapping[str, str]) -> list[str]:
    """The `smartlead-audit check` command line for these inputs."""
    argv = [
        "check",
        "--output-dir",
        env.get("INPUT_OUTPUT_DIR") or "reports",
        "--fail-on",
        env.get("INPUT_FAIL_ON") or "error",
    ]
    for policy in shlex.split(env.get("INPUT_POLICIES") or "policies"):
        argv += ["--policy", policy]
    formats = shlex.split((env.get("INPUT_FORMATS") or "").replace(",", " "))
    if _truthy(env.get("INPUT_UPLOAD_SARIF", "")):
        formats.append("sarif")
    for fmt in dict.fromkeys([*ALWAYS, *formats, "github"]):
        argv += ["--format", fmt]
    snapshot = (env.get("INPUT_SNAPSHOT") or "").strip()
    if snapshot:
        argv += ["--inventory", snapshot]
    return argv


def summary_markdown(
    markdown: str, total_findings: int, artifact: str, limit: int = SUMMARY_LIMIT
) -> str:
    """The report, cut at a line boundary to fit `limit` bytes, saying how much is left out."""
    if len(markdown.encode()) <= limit:
        return markdown
    kept: list[str] = []
    size = 0
    for line in markdown.splitlines(keepends=True):
        size += len(line.encode())
        if size > limit:
            break
        kept.append(line)
    shown = sum(1 for line in kept if line.startswith("| ") and line[2:3].isdigit())
    more = max(total_findings - shown, 0)
    return "".join(kept) + f"\n\n… {more} more findings in the artifact ({artifact}).\n"


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(text)


def publish(env: Mapping[str, str], code: int) -> None:
    output_dir = Path(env.get("INPUT_OUTPUT_DIR") or "reports")
    outputs = {"exit-code": str(code)}
    report_path = output_dir / "audit.json"
    if report_path.exists() and code in (ExitCode.OK, ExitCode.FINDINGS):
        report = json.loads(report_path.read_text(encoding="utf-8"))
        summary = report["summary"]
        outputs |= {
            "result": summary["result"],
            "accounts": str(summary["accounts"]),
            "accounts-failing": str(summary["accounts_failing"]),
            "errors": str(summary["open"]["error"]),
            "warnings": str(summary["open"]["warning"]),
            "infos": str(summary["open"]["info"]),
            "waived": str(summary["waived"]),
            "report-dir": str(output_dir),
        }
        markdown = (output_dir / "audit.md").read_text(encoding="utf-8")
        _append(
            env.get("GITHUB_STEP_SUMMARY"),
            summary_markdown(markdown, len(report["findings"]), str(output_dir / "audit.md")),
        )
    else:
        outputs["result"] = "error"
        _append(
            env.get("GITHUB_STEP_SUMMARY"),
            f"# SmartLead audit: error\n\nThe audit could not run (exit code {code}); "
            "see the step log.\n",
        )
    _append(env.get("GITHUB_OUTPUT"), "".join(f"{k}={v}\n" for k, v in outputs.items()))


def run(env: Mapping[str, str]) -> int:
    code = cli_main(build_argv(env))
    publish(env, code)
    if code == ExitCode.FINDINGS and _truthy(env.get("INPUT_ALLOW_FINDINGS", "")):
        print(
            "smartlead-audit: findings allowed by allow-findings; not failing the job",
            file=sys.stderr,
        )
        return 0
    return code


if __name__ == "__main__":
    raise SystemExit(run(os.environ))
