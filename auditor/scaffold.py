"""The files `smartlead-audit init` writes into a user's compliance repository. Generated from
the rule registry and shipped presets, so the scaffold never documents a rule that no longer
exists."""

from __future__ import annotations

import re
import textwrap

from auditor import __version__
from auditor.policy.jsonschema import render_schema
from auditor.rules import RULES

REPOSITORY = "https://github.com/smartlead-auditor/smartlead-auditor"


def _example(doc: str) -> list[str]:
    """The `Example:` block of a rule's docstring, as YAML lines."""
    match = re.search(r"^Example:\n((?:  .*\n?)+)", doc, re.MULTILINE)
    if match is None:
        return []
    return [line[2:] for line in match.group(1).rstrip().splitlines()]


def house_policy() -> str:
    lines = [
        "# yaml-language-server: $schema=policy-1.schema.json",
        "# House rules for our SmartLead mailboxes. `smartlead-audit rules RULE` documents a rule;",
        "# `smartlead-audit validate` checks this file; `smartlead-audit check` applies it.",
        "version: 1",
        "",
        "# Start from the shipped defaults (each with a comment saying why); override an entry by",
        "# its id, or switch it off with `enabled: false`.",
        "extends: [baseline]",
        "",
        "rules:",
    ]
    for spec in RULES.values():
        lines.append(f"  # {spec.id}: {spec.description}")
        why = textwrap.wrap(f"Why: {spec.rationale}", width=92, subsequent_indent="  ")
        lines += [f"  #   {line}" for line in why]
        lines += [f"  # {line}" for line in _example(spec.doc)]
        lines.append("")
    lines += [
        "  # Example override of a baseline entry:",
        "  # - id: daily-send-limit",
        "  #   max: 40",
        "",
        "waivers: []",
        '# - accounts: ["legacy@acme.example"]   # email globs or account ids',
        "#   rules: [daily-send-limit]            # entry ids; omitted = every rule",
        '#   reason: "COMP-123: migration until January"',
        "#   owner: you@acme.example",
        "#   expires: 2027-01-31",
    ]
    return "\n".join(lines) + "\n"


def pre_commit_config() -> str:
    return f"""\
# pre-commit hooks for the SmartLead policies (https://pre-commit.com): `pre-commit install`.
repos:
  - repo: {REPOSITORY}
    rev: v{__version__}
    hooks:
      - id: smartlead-audit-validate
      # Audit a committed snapshot on every commit (remove if you keep none):
      - id: smartlead-audit
        args: [--inventory, snapshots/inventory.json]
      # Live audit before pushing (needs SMARTLEAD_API_KEY):
      # - id: smartlead-audit-live
      #   stages: [pre-push, manual]
"""


def github_workflow() -> str:
    return """\
# Audit the committed snapshot on every push and pull request; reports land as an artifact,
# findings as annotations and in the job summary.
name: smartlead audit
on: [push, pull_request]

jobs:
  audit:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: actions/checkout@v4
      - uses: smartlead-auditor/smartlead-auditor@v0
        with:
          snapshot: snapshots/inventory.json
          formats: html sarif
          upload-sarif: "true"
"""


def files() -> dict[str, str]:
    """Relative path -> content."""
    return {
        "policies/house.yaml": house_policy(),
        "policies/policy-1.schema.json": render_schema(),
        ".pre-commit-config.yaml": pre_commit_config(),
        ".github/workflows/smartlead-audit.yml": github_workflow(),
    }
