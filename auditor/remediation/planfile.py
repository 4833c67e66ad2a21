"""The plan on disk: JSON (schema ``smartlead-auditor/plan@1``, published beside the report's in
``auditor/report/schemas/plan-1.schema.json``), and Markdown for a pull request.

The document is canonical (sorted keys, stable order of changes) and carries its own SHA-256 over
everything else, so ``apply`` refuses a plan edited after it was made (a reviewed plan is the
contract). It holds no secret: accounts appear by id, email and the settings being changed; no
password is ever in an ``EmailAccount``, and the inventory source is the redacted URL or a path.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.errors import UsageError
from auditor.model.account import Inventory, account_to_wire
from auditor.model.result import PolicyFileInfo
from auditor.remediation.fields import BY_WRITE, Value
from auditor.remediation.plan import AccountState, Change, Manual, Plan, Selection

SCHEMA = "smartlead-auditor/plan@1"
HASH_KEY = "plan_sha256"
_MD_ROWS = 200  # per rule in plan.md: a pull request page stays readable; the JSON has them all


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def inventory_sha256(inventory: Inventory) -> str:
    """A hash of the accounts as parsed (no passwords: an account has none), in id order; the
    same for a saved file and a live fetch of the same accounts."""
    digest = hashlib.sha256()
    for account in sorted(inventory.accounts, key=lambda a: a.id):
        digest.update(canonical(account_to_wire(account)))
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class PlanHeader:
    created_at: datetime
    inventory_source: str
    inventory_sha256: str
    accounts: int
    policy_files: tuple[PolicyFileInfo, ...]
    selection: Selection


@dataclass(frozen=True)
class PlanFile:
    """A plan read back from disk, its hash checked."""

    document: dict[str, Any]
    plan: Plan
    sha256: str

    @property
    def policy_files(self) -> list[dict[str, str]]:
        files: list[dict[str, str]] = self.document["policy_files"]
        return files

    @property
    def inventory_accounts(self) -> int:
        return int(self.document["inventory"]["accounts"])


def to_document(plan: Plan, header: PlanHeader) -> dict[str, Any]:
    only = header.selection.only
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "smartlead-auditor", "version": __version__},
        "created_at": header.created_at.isoformat(),
        "inventory": {
            "source": header.inventory_source,
            "sha256": header.inventory_sha256,
            "accounts": header.accounts,
        },
        "policy_files": [{"path": f.path, "sha256": f.sha256} for f in header.policy_files],
        "selection": {
            "rules": sorted(header.selection.rules),
            "only": None if only is None else only.model_dump(mode="json", exclude_none=True),
            "max_changes": header.selection.max_changes,
        },
        "summary": _summary(plan),
        "accounts": [_state(s) for s in plan.accounts],
        "changes": [_change(c) for c in plan.changes],
        "manual": [_manual(m) for m in plan.manual],
    }
    document[HASH_KEY] = hashlib.sha256(canonical(document)).hexdigest()
    return document


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _summary(plan: Plan) -> dict[str, Any]:
    changes = Counter(c.rule for c in plan.changes)
    manual = Counter(m.rule for m in plan.manual)
    return {
        "changes": len(plan.changes),
        "accounts": len(plan.accounts),
        "manual": len(plan.manual),
        "left_out": plan.left_out,
        "by_rule": {
            rule: {"changes": changes[rule], "manual": manual[rule]}
            for rule in sorted(changes.keys() | manual.keys())
        },
    }


def _state(state: AccountState) -> dict[str, Any]:
    return {
        "id": state.id,
        "email": state.email,
        "updated_at": state.updated_at,
        "current": dict(state.current),
    }


def _change(change: Change) -> dict[str, Any]:
    return {
        "account_id": change.account_id,
        "email": change.email,
        "endpoint": f"POST {change.endpoint.path(change.account_id)}",
        "field": change.field,
        "read_field": change.read_field,
        "current": change.current,
        "new": change.new,
        "settings": dict(change.settings),
        "rule": change.rule,
        "entry": change.entry,
        "policy": change.policy,
        "finding": change.finding,
    }


def _manual(item: Manual) -> dict[str, Any]:
    return {
        "account_id": item.account_id,
        "email": item.email,
        "rule": item.rule,
        "entry": item.entry,
        "policy": item.policy,
        "field": item.field,
        "actual": item.actual,
        "expected": item.expected,
        "finding": item.finding,
        "remediation": item.remediation,
        "reason": item.reason,
    }


def load_plan(path: Path) -> PlanFile:
    """Read a plan, or raise ``UsageError`` (exit 2): unreadable, not a plan, or edited since it
    was made (its hash does not match)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the plan: {exc.strerror or exc}.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a plan: not JSON ({exc}).") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise UsageError(f'{path}: not a plan (no "schema": "{SCHEMA}").')
    recorded = document.pop(HASH_KEY, None)
    actual = hashlib.sha256(canonical(document)).hexdigest()
    if recorded != actual:
        raise UsageError(
            f"{path}: the plan was changed after it was made (its {HASH_KEY} does not match).",
            tip="make a new plan with 'smartlead-audit plan' and review that one.",
        )
    try:
        plan = Plan(
            changes=tuple(_read_change(c) for c in document["changes"]),
            manual=(),
            accounts=tuple(
                AccountState(
                    int(s["id"]),
                    str(s["email"]),
                    s["updated_at"],
                    tuple(sorted(s["current"].items())),
                )
                for s in document["accounts"]
            ),
            left_out=int(document["summary"]["left_out"]),
        )
        int(document["inventory"]["accounts"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"{path}: not a plan: missing or malformed {exc}.") from None
    return PlanFile(document, plan, actual)


def _read_change(data: dict[str, Any]) -> Change:
    field = str(data["field"])
    if field not in BY_WRITE:
        raise ValueError(f"field {field!r}")
    new: Value = data["new"]
    return Change(
        int(data["account_id"]),
        str(data["email"]),
        field,
        data["current"],
        new,
        str(data["rule"]),
        str(data["entry"]),
        str(data["policy"]),
        str(data["finding"]),
        tuple((str(k), int(v)) for k, v in dict(data["settings"]).items()),
    )


def render_markdown(document: dict[str, Any]) -> str:
    """``plan.md``: counts by rule, then each rule's changes and manual findings, for review."""
    summary = document["summary"]
    lines = [
        "# SmartLead remediation plan",
        "",
        f"{summary['changes']} change(s) on {summary['accounts']} account(s); "
        f"{summary['manual']} finding(s) need a person"
        + (
            f"; {summary['left_out']} change(s) left out by --max-changes."
            if summary["left_out"]
            else "."
        ),
        "",
        f"Inventory: `{_cell(document['inventory']['source'])}` "
        f"({document['inventory']['accounts']} accounts, sha256 "
        f"`{document['inventory']['sha256'][:12]}`). Plan sha256 `{document[HASH_KEY][:12]}`.",
        "",
        "| rule | changes | manual |",
        "|---|---:|---:|",
    ]
    for rule, counts in summary["by_rule"].items():
        lines.append(f"| {_cell(rule)} | {counts['changes']} | {counts['manual']} |")
    for rule in summary["by_rule"]:
        changes = [c for c in document["changes"] if c["rule"] == rule]
        manual = [m for m in document["manual"] if m["rule"] == rule]
        lines += ["", f"## {_cell(rule)}"]
        if changes:
            lines += [
                "",
                "| account | email | field | current | new | policy |",
                "|---|---|---|---|---|---|",
            ]
            for c in changes[:_MD_ROWS]:
                lines.append(
                    f"| {c['account_id']} | {_cell(c['email'])} | {c['field']} | "
                    f"{_cell(_show(c['current']))} | {_cell(_show(c['new']))} | "
                    f"{_cell(c['policy'])} |"
                )
            if len(changes) > _MD_ROWS:
                lines.append(f"\n... and {len(changes) - _MD_ROWS} more (see the JSON plan).")
        if manual:
            lines += ["", f"Manual ({len(manual)}): {_cell(manual[0]['remediation'])}", ""]
            lines += ["| account | email | finding | why not automatic |", "|---|---|---|---|"]
            for m in manual[:_MD_ROWS]:
                lines.append(
                    f"| {m['account_id'] if m['account_id'] is not None else '-'} | "
                    f"{_cell(m['email'] or '-')} | {_cell(m['finding'])} | {_cell(m['reason'])} |"
                )
            if len(manual) > _MD_ROWS:
                lines.append(f"\n... and {len(manual) - _MD_ROWS} more (see the JSON plan).")
    return "\n".join(lines) + "\n"


def _show(value: object) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


def _cell(text: str) -> str:
    """Table-safe: pipes escaped, line breaks flattened, markup characters neutralised."""
    flat = " ".join(str(text).split())
    for char in "\\|`*_<>[]":
        flat = flat.replace(char, "\\" + char)
    return flat
