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
      # ({FETCH_STEP}, then commit it)
      - id: smartlead-audit
        args: [--inventory, {SNAPSHOT}]
      # Live audit before pushing (needs SMARTLEAD_API_KEY):
      # - id: smartlead-audit-live
      #   stages: [pre-push, manual]
"""


SNAPSHOT = "snapshots/inventory.json"

# The one way to make the snapshot the hooks and the workflow audit.
FETCH_STEP = f"smartlead-audit fetch -o {SNAPSHOT}"


def policy_test() -> str:
    """One example test for ``policies/house.yaml`` as ``init`` writes it (extending the
    baseline): a compliant mailbox, and a mailbox over the baseline's daily limit."""
    return """\
# Policy tests: small inventories and the exact findings the policies must give them.
# `smartlead-audit test` runs every file in this folder; a failing case shows what differs.
# Add a case whenever you change a rule, so the next change cannot undo it unnoticed.
policy: [../house.yaml]
# A mailbox that follows every rule; each case changes only what it is about.
base_account:
  from_name: Ada Sender
  from_email: ada@acme.example
  type: SMTP
  smtp_host: smtp.acme.example
  message_per_day: 40
  minTimeToWaitInMins: 10
  different_reply_to_address: replies@acme.example
  custom_tracking_domain: track.acme.example
  is_smtp_success: true
  is_imap_success: true
  campaign_ids: [7001]
  warmup_details: {status: ACTIVE, warmup_reputation: "97%"}
cases:
  - name: a compliant mailbox has no findings
    accounts:
      - {id: 1}
    expect: []

  - name: a mailbox over the daily limit (50 in the baseline) is flagged, one at it is not
    rules: [daily-send-limit]
    accounts:
      - {id: 1, message_per_day: 51}
      - {id: 2, message_per_day: 50}
    expect:
      - {id: daily-send-limit, account: 1}
"""


def github_workflow() -> str:
    return f"""\
# Audit the committed snapshot on every push and pull request; reports land as an artifact,
# findings as annotations and in the job summary. Make (and refresh) the snapshot with
#   SMARTLEAD_API_KEY=... {FETCH_STEP}
# and commit it; or leave `snapshot` empty and set SMARTLEAD_API_KEY from a secret to audit live.
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
          snapshot: {SNAPSHOT}
          formats: html sarif
          upload-sarif: "true"
"""


def files() -> dict[str, str]:
    """Relative path -> content."""
    return {
        "policies/house.yaml": house_policy(),
        "policies/policy-1.schema.json": render_schema(),
        "policies/tests/house.test.yaml": policy_test(),
        ".pre-commit-config.yaml": pre_commit_config(),
        ".github/workflows/smartlead-audit.yml": github_workflow(),
    }
