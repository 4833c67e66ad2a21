"""The executive summary at the top of the HTML report: what is broken, where, and what to fix
first. Every figure links to the findings it counts (a filter in the page's hash).

The findings-by-rule chart is inline SVG (sizes as attributes: the Content-Security-Policy allows
no inline style), one stacked bar per rule: open findings in the rule's severity colour, then
waived, then baseline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, is_
from urllib.parse import urlencode

from auditor.model.account import EmailAccount
from auditor.model.result import Finding, FindingStatus
from auditor.report.view import NO_CLIENT, NO_DOMAIN, RuleGroup

CHART_WIDTH = 640
LABEL_WIDTH = 210
BAR_SPACE = 340
ROW_HEIGHT = 24
BAR_HEIGHT = 16
MAX_RULE_BARS = 15
TOP_ROWS = 10


def filter_link(**filters: str) -> str:
    """The page's hash for a filtered findings view (``report.js`` reads the same keys)."""
    return "#" + urlencode(filters)


@dataclass(frozen=True)
class Piece:
    """One part of a stacked bar: a status's findings of one rule."""

    status: str
    value: int
    x: int
    width: int


@dataclass(frozen=True)
class RuleBar:
    rule: str
    severity: str
    y: int
    pieces: tuple[Piece, ...]
    total: int
    href: str

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 4

    @property
    def value_x(self) -> int:
        return LABEL_WIDTH + sum(p.width for p in self.pieces) + 6


@dataclass(frozen=True)
class RuleChart:
    bars: tuple[RuleBar, ...]
    hidden: int  # rules with findings beyond MAX_RULE_BARS (in the rules table)

    width = CHART_WIDTH
    label_width = LABEL_WIDTH
    bar_height = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT + 4


def rule_chart(groups: Sequence[RuleGroup]) -> RuleChart:
    """The rules with findings, in the rules table's order (worst first)."""
    shown = [g for g in groups if g.findings]
    largest = max((len(g.findings) for g in shown), default=0)
    bars = []
    for index, group in enumerate(shown[:MAX_RULE_BARS]):
        counts = Counter(map(attrgetter("status"), group.findings))
        x, pieces = LABEL_WIDTH, []
        for status in FindingStatus:
            value = counts[status]
            if value:
                width = max(1, round(BAR_SPACE * value / largest))
                pieces.append(Piece(status.value, value, x, width))
                x += width
        bars.append(
            RuleBar(
                rule=group.info.id,
                severity=group.info.severity.value,
                y=2 + index * ROW_HEIGHT,
                pieces=tuple(pieces),
                total=len(group.findings),
                href=filter_link(rule=group.info.id),
            )
        )
    return RuleChart(tuple(bars), max(0, len(shown) - MAX_RULE_BARS))


@dataclass(frozen=True)
class Place:
    """A row of a "where" table: an account, client or domain and its open findings."""

    label: str
    open: int
    waived: int
    accounts: int
    href: str


@dataclass(frozen=True)
class Hotspots:
    accounts: tuple[Place, ...]
    clients: tuple[Place, ...]
    domains: tuple[Place, ...]


Key = int | str | None  # an account id, a client id (None: no client) or a sender domain


def _top(open_: Counter[Key], waived: Counter[Key]) -> list[Key]:
    keys = set(open_) | set(waived)
    return sorted(keys, key=lambda k: (-open_[k], -waived[k], str(k)))[:TOP_ROWS]


_SKIP = object()  # the key of a finding no account made (waiver-*): counted, then dropped


class _Keys(dict[int | None, object]):
    """Account id -> its key (client id, domain); policy-level findings map to ``_SKIP``."""

    def __missing__(self, key: int | None) -> object:
        return _SKIP


class _Tally:
    """Open and waived findings, and accounts with an open one, per key of one kind."""

    def __init__(self, key_of: _Keys, open_ids: list[int], waived_ids: list[int]) -> None:
        # Counted with C-level maps: 200,000 findings, no Python loop per finding.
        self.open: Counter[Key] = Counter(map(key_of.__getitem__, open_ids))  # type: ignore[arg-type]
        self.waived: Counter[Key] = Counter(map(key_of.__getitem__, waived_ids))  # type: ignore[arg-type]
        self.failing: Counter[Key] = Counter(map(key_of.__getitem__, set(open_ids)))  # type: ignore[arg-type]
        for counter in (self.open, self.waived, self.failing):
            counter.pop(_SKIP, None)  # type: ignore[call-overload]

    def places(self, label: Callable[[Key], str], href: Callable[[Key], str]) -> tuple[Place, ...]:
        """The top rows; labels and links are made for those only."""
        return tuple(
            Place(label(key), self.open[key], self.waived[key], self.failing[key], href(key))
            for key in _top(self.open, self.waived)
        )


def hotspots(findings: Sequence[Finding], accounts: Sequence[EmailAccount]) -> Hotspots:
    """The accounts, clients and sender domains with the most open findings (waived next);
    baseline findings are known, not news, and count in none of them."""
    ids = list(map(attrgetter("account_id"), findings))
    statuses = list(map(attrgetter("status"), findings))
    open_ids = list(compress(ids, map(is_, statuses, repeat(FindingStatus.OPEN))))
    waived_ids = list(compress(ids, map(is_, statuses, repeat(FindingStatus.WAIVED))))
    account_ids = list(map(attrgetter("id"), accounts))
    by_id = dict(zip(account_ids, accounts, strict=True))
    tallies = [
        _Tally(_Keys(zip(account_ids, values, strict=True)), open_ids, waived_ids)
        for values in (
            account_ids,
            map(attrgetter("client_id"), accounts),
            map(attrgetter("sender_domain"), accounts),
        )
    ]

    def account_label(key: Key) -> str:
        account = by_id.get(key) if isinstance(key, int) else None
        return (account.email if account else "") or f"account {key}"

    return Hotspots(
        accounts=tallies[0].places(account_label, lambda key: filter_link(account=str(key))),
        clients=tallies[1].places(
            lambda key: NO_CLIENT if key is None else f"client {key}",
            lambda key: filter_link(client="none" if key is None else str(key)),
        ),
        domains=tallies[2].places(
            lambda key: str(key) or NO_DOMAIN, lambda key: filter_link(domain=str(key))
        ),
    )
