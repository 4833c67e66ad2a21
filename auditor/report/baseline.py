"""Baselines: an earlier JSON report whose findings count as known, so only new ones fail."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.engine import BaselineKey
from auditor.errors import UsageError
from auditor.json_errors import not_json
from auditor.report.json_report import SCHEMA_ID


def load_baseline(path: Path) -> frozenset[BaselineKey]:
    """The (entry id, account id) of every finding in a `smartlead-auditor/report@1` file."""
    text = ""
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text)
    except OSError as exc:
        raise UsageError(
            f"cannot read baseline {path}: {exc.strerror or exc}.",
            tip="create one with --write-baseline FILE.",
        ) from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"baseline {not_json(exc, text, str(path))}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"baseline {path} is not UTF-8 text (byte {exc.start}).") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA_ID:
        raise UsageError(
            f"baseline {path} is not a smartlead-auditor JSON report ({SCHEMA_ID}).",
            tip="pass a report written by --format json or --write-baseline.",
        )
    keys = set()
    for index, finding in enumerate(document.get("findings") or []):
        entry_id = finding.get("id") if isinstance(finding, dict) else None
        account_id = finding.get("account_id") if isinstance(finding, dict) else None
        if not isinstance(entry_id, str) or not (account_id is None or isinstance(account_id, int)):
            raise UsageError(f"baseline {path}: finding {index} has no valid id/account_id.")
        keys.add((entry_id, account_id))
    return frozenset(keys)
