"""Policy tests as data (like `conftest verify`): small inventories with the findings a policy
must produce, so a policy change is reviewed like a code change.

A test file (`*.yaml` in the tests folder):

    policy: ../house.yaml          # files or folders, relative to this file (default: ..)
    now: 2026-11-26                # optional: fixes "today" for waiver expiry
    base_account: {...}            # optional: wire fields merged under every account
    cases:
      - name: GMAIL over the daily limit
        rules: [daily-send-limit]  # optional: compare only these entry ids
        accounts:
          - {id: 1, type: GMAIL, message_per_day: 80}
        expect:
          - {id: daily-send-limit, account: 1}            # status defaults to open
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError

from auditor.engine import evaluate
from auditor.errors import InventoryError, PolicyError, PolicyProblem, Position
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.entry import StrictModel
from auditor.model.result import FailOn
from auditor.policy.files import (
    Candidate,
    Unreadable,
    discover,
    display_path,
    max_policy_bytes,
    read_policy_bytes,
)
from auditor.policy.loader import load_policy
from auditor.policy.schema import LaxDate
from auditor.policy.yaml_tree import PolicyProblemRaised, locator, parse_yaml, validation_problems
from auditor.sources.inventory import parse_accounts

Key = tuple[str, int | None, str]  # (entry id, account id, status)


class Expectation(StrictModel):
    id: str
    account: int | None = None
    status: Literal["open", "waived"] = "open"

    @property
    def key(self) -> Key:
        return (self.id, self.account, self.status)


class Case(StrictModel):
    name: Annotated[str, Field(min_length=1)]
    rules: list[str] | None = None
    accounts: list[dict[str, object]]
    expect: list[Expectation] = Field(default_factory=list)


class TestFile(StrictModel):
    policy: list[str] = Field(default_factory=lambda: [".."])
    now: LaxDate | None = None
    base_account: dict[str, object] = Field(default_factory=dict)
    cases: Annotated[list[Case], Field(min_length=1)]


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    position: Position
    missing: tuple[Key, ...]
    unexpected: tuple[Key, ...]

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected


def discover_tests(paths: Sequence[Path]) -> list[Candidate]:
    """Test files as given; folders expand to every `*.yaml`/`*.yml` entry (one that cannot be
    read fails the run, never skipped); raises `PolicyError` for a folder that cannot be listed."""
    found, problems = discover(paths, "policy test")
    if problems:
        raise PolicyError(problems)
    return found


def run_file(candidate: Candidate) -> list[CaseResult]:
    """Run every case of one test file; a broken file or policy raises `PolicyError`."""
    path = candidate.path
    shown = display_path(path)
    start = Position(shown, 1, 1)
    refusal = candidate.outside()
    if refusal is not None:
        raise PolicyError([PolicyProblem(start, refusal)])
    try:
        text = read_policy_bytes(path, max_policy_bytes()).decode("utf-8")
        doc = parse_yaml(shown, text)
    except Unreadable as exc:
        raise PolicyError([PolicyProblem(start, exc.describe("test file"))]) from None
    except UnicodeDecodeError as exc:
        raise PolicyError([PolicyProblem(start, f"not UTF-8 text (byte {exc.start})")]) from None
    except PolicyProblemRaised as raised:
        raise PolicyError([raised.problem]) from None
    try:
        spec = TestFile.model_validate(doc.data)
    except ValidationError as exc:
        raise PolicyError(validation_problems(locator(doc, []), TestFile, exc)) from None
    today = spec.now or date.today()
    policy = load_policy([path.parent / p for p in spec.policy], today=today)
    now = datetime.combine(today, time(12), tzinfo=UTC)
    results = []
    for index, case in enumerate(spec.cases):
        where = doc.position(["cases", index])
        records = [{**spec.base_account, **account} for account in case.accounts]
        try:
            accounts = parse_accounts(records, where="accounts")
        except InventoryError as error:
            raise PolicyError([PolicyProblem(where, str(error))]) from None
        result = evaluate(
            policy,
            Inventory(accounts, InventoryInfo(source=shown)),
            fail_on=FailOn.ERROR,
            now=now,
            skip_dns=True,  # DNS rules judge DNS evidence, not test accounts
        )
        actual = {
            (f.id, f.account_id, f.status.value)
            for f in result.findings
            if case.rules is None or f.id in case.rules
        }
        expected = {e.key for e in case.expect}
        results.append(
            CaseResult(
                shown,
                case.name,
                where,
                missing=tuple(sorted(expected - actual, key=_order)),
                unexpected=tuple(sorted(actual - expected, key=_order)),
            )
        )
    return results


def _order(key: Key) -> tuple[str, int, str]:
    return (key[0], -1 if key[1] is None else key[1], key[2])


def describe(key: Key) -> str:
    account = "(policy)" if key[1] is None else f"account {key[1]}"
    return f"{key[0]} @ {account} ({key[2]})"
