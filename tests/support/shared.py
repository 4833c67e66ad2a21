"""Paths to shipped data, and what a CLI run returns: shared by every test folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO_INVENTORY = REPO / "examples" / "demo-inventory.json"
SHIPPED_POLICIES = REPO / "policies"
SAMPLE_RESPONSE = REPO / "tests" / "data" / "sample-response.json"


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str
