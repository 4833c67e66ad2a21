"""DNS evidence: every answer the rules read, with who answered and when; saved as JSON.

A lookup that is absent from the evidence is an error (`MissingEvidence`), never a pass: a
saved file that does not cover a domain cannot vouch for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from auditor.dns.names import normalize

FORMAT = "smartlead-auditor/dns-evidence@1"


class Outcome(StrEnum):
    ANSWER = "answer"
    NXDOMAIN = "nxdomain"  # a fact: the name does not exist
    NODATA = "nodata"  # a fact: the name exists, without records of this type
    TIMEOUT = "timeout"  # no fact: inconclusive
    SERVFAIL = "servfail"  # no fact: inconclusive
    ERROR = "error"  # no fact (refused, malformed answer, ...): inconclusive

    @property
    def conclusive(self) -> bool:
        return self in (Outcome.ANSWER, Outcome.NXDOMAIN, Outcome.NODATA)


@dataclass(frozen=True)
class Answer:
    """One query and what came back. `records` are presentation texts (TXT strings joined)."""

    name: str
    type: str
    outcome: Outcome
    records: tuple[str, ...] = ()
    resolver: str = ""
    time: str = ""
    detail: str = ""  # the error, or the CNAME chain followed to the answer

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.type)

    @property
    def exists(self) -> bool:
        return self.outcome is Outcome.ANSWER and bool(self.records)

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.name,
            "type": self.type,
            "outcome": self.outcome.value,
            "answer": list(self.records),
            "resolver": self.resolver,
            "time": self.time,
            "detail": self.detail,
        }


class MissingEvidence(LookupError):
    """A lookup the rules need is not in the evidence."""

    def __init__(self, name: str, rtype: str, source: str) -> None:
        super().__init__(f"{source}: no {rtype} answer for {name}")
        self.name, self.rtype, self.source = name, rtype, source


@dataclass
class Evidence:
    """Answers keyed by (name, type). `zone`: answers come from a complete zone, so a name not
    in it is NXDOMAIN (rule cases and the test server write records that way)."""

    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    source: str = "live"
    collected_at: str = ""
    resolvers: tuple[str, ...] = ()
    zone: bool = False
    _names: tuple[int, frozenset[str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def get(self, name: str, rtype: str) -> Answer:
        key = (normalize(name), rtype.upper())
        found = self.answers.get(key)
        if found is not None:
            return found
        if self.zone:
            outcome = Outcome.NODATA if key[0] in self._zone_names() else Outcome.NXDOMAIN
            return Answer(key[0], key[1], outcome, resolver="zone")
        raise MissingEvidence(key[0], key[1], self.source)

    def _zone_names(self) -> frozenset[str]:
        """The zone's names, worked out again only when answers were added (they are never
        removed): a miss must not cost a pass over every answer."""
        if self._names is None or self._names[0] != len(self.answers):
            self._names = (len(self.answers), frozenset(n for n, _ in self.answers))
        return self._names[1]

    def add(self, answers: Iterable[Answer]) -> None:
        for answer in answers:
            self.answers[answer.key] = answer

    @property
    def mode(self) -> str:
        """What reports say: where the answers come from and when."""
        return self.source if self.source == "live" else f"file {self.source}"

    def to_json(self) -> str:
        document = {
            "format": FORMAT,
            "collected_at": self.collected_at,
            "resolvers": list(self.resolvers),
            "answers": [a.as_dict() for _, a in sorted(self.answers.items())],
        }
        return json.dumps(document, indent=1) + "\n"

    def save(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_zone(cls, records: Mapping[str, Mapping[str, Any]]) -> Evidence:
        """`{name: {TYPE: [texts] | "servfail" | "timeout"}}` as an authoritative zone."""
        evidence = cls(source="zone", zone=True)
        for name, types in records.items():
            for rtype, value in types.items():
                if isinstance(value, str) and value in {o.value for o in Outcome}:
                    answer = Answer(normalize(name), rtype.upper(), Outcome(value))
                else:
                    texts = tuple(value if isinstance(value, list) else [value])
                    answer = Answer(normalize(name), rtype.upper(), Outcome.ANSWER, texts)
                evidence.answers[answer.key] = answer
        return evidence


class EvidenceFileError(ValueError):
    """A saved evidence file that cannot be read or is not evidence."""


def load_evidence(path: Path) -> Evidence:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise EvidenceFileError(f"{path}: cannot read DNS evidence ({error})") from None
    except json.JSONDecodeError as error:
        raise EvidenceFileError(
            f"{path}:{error.lineno}:{error.colno}: not JSON ({error.msg})"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise EvidenceFileError(f"{path}: not a DNS evidence file (format {FORMAT} expected)")
    evidence = Evidence(
        source=str(path),
        collected_at=str(document.get("collected_at", "")),
        resolvers=tuple(map(str, document.get("resolvers", []))),
    )
    for number, item in enumerate(document.get("answers", []), 1):
        try:
            answer = Answer(
                normalize(item["query"]),
                str(item["type"]).upper(),
                Outcome(item["outcome"]),
                tuple(map(str, item.get("answer", []))),
                str(item.get("resolver", "")),
                str(item.get("time", "")),
                str(item.get("detail", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise EvidenceFileError(f"{path}: answer {number} is malformed") from None
        evidence.answers[answer.key] = answer
    return evidence


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
