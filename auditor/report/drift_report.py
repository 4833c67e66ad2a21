"""Drift between two snapshots as text for a terminal, Markdown for a pull request, or JSON.

Inventory text (addresses, changed values, finding messages) is shown through ``display`` on the
terminal (one line each: controls and line ends escaped, shortened), through the ``md`` filter in
Markdown; the JSON keeps it exact, with controls as JSON escapes."""

from __future__ import annotations

import json
from typing import Any

from auditor.dns.evidence import Answer
from auditor.drift import DnsChange, Drift, FindingKey
from auditor.report.display import display, json_safe
from auditor.report.templating import environment


def _finding(key: FindingKey) -> dict[str, Any]:
    return {"id": key.id, "account_id": key.account_id, "field": key.field, "message": key.message}


def _answer(answer: Answer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {"outcome": answer.outcome.value, "answer": list(answer.records)}


def _dns(change: DnsChange) -> dict[str, Any]:
    return {
        "query": change.name,
        "type": change.type,
        "old": _answer(change.old),
        "new": _answer(change.new),
        "records_added": list(change.records_added),
        "records_removed": list(change.records_removed),
        "text": change.describe(),
    }


def drift_dict(drift: Drift, *, old: str, new: str, with_findings: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": "smartlead-auditor/drift@1",
        "old": old,
        "new": new,
        "changed": drift.any,
        "accounts_added": [{"id": a.id, "email": a.from_email} for a in drift.added],
        "accounts_removed": [{"id": a.id, "email": a.from_email} for a in drift.removed],
        "accounts_changed": [
            {
                "id": item.id,
                "email": item.email,
                "changes": [
                    {
                        "field": c.field,
                        "kind": c.kind,
                        "old": _plain(c.old),
                        "new": _plain(c.new),
                        "text": c.describe(),
                    }
                    for c in item.changes
                ],
            }
            for item in drift.changed
        ],
        "dns_changed": [_dns(change) for change in drift.dns_changed],
    }
    if with_findings:
        document["findings"] = {
            "new": [_finding(k) for k in drift.findings_new],
            "resolved": [_finding(k) for k in drift.findings_resolved],
            "unchanged": drift.findings_unchanged,
        }
    return document


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def render_json(drift: Drift, *, old: str, new: str, with_findings: bool) -> str:
    document = drift_dict(drift, old=old, new=new, with_findings=with_findings)
    return json_safe(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def render_markdown(drift: Drift, *, old: str, new: str, with_findings: bool) -> str:
    return (
        environment()
        .get_template("drift.md.j2")
        .render(drift=drift, old=old, new=new, with_findings=with_findings)
    )


def render_console(drift: Drift, *, old: str, new: str, with_findings: bool) -> str:
    lines = [
        f"drift {old} -> {new}: "
        + (
            f"{len(drift.added)} added, {len(drift.removed)} removed, {len(drift.changed)} changed"
            + (f", {len(drift.dns_changed)} DNS answers changed" if drift.dns_changed else "")
            if drift.any
            else "no change"
        )
    ]
    lines += [f"+ {a.id} {display(a.email)}" for a in drift.added]
    lines += [f"- {a.id} {display(a.email)}" for a in drift.removed]
    for item in drift.changed:
        lines.append(f"~ {item.id} {display(item.email)}")
        lines += [f"    {display(c.describe())}" for c in item.changes]
    lines += [f"~ DNS {display(change.describe())}" for change in drift.dns_changed]
    if with_findings:
        lines.append(
            f"findings: {len(drift.findings_new)} new, "
            f"{len(drift.findings_resolved)} resolved, {drift.findings_unchanged} unchanged"
        )
        lines += [
            f"  new      {k.id} @ {k.account_id}: {display(k.message)}" for k in drift.findings_new
        ]
        lines += [
            f"  resolved {k.id} @ {k.account_id}: {display(k.message)}"
            for k in drift.findings_resolved
        ]
    return "\n".join(lines) + "\n"
