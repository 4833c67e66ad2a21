"""The executive summary at the top of the HTML report: what is broken, where, and what to fix
first. Every figure links to the findings it counts (a filter in the page's hash).

The findings-by-rule chart is inline SVG (sizes as attributes: the Content-Security-Policy allows
no inline style), one stacked bar per rule: open findings in the rule's severity colour, then
waived, then baseline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
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


def _top(open_: Counter[str], waived: Counter[str]) -> list[str]:
    keys = set(open_) | set(waived)
    return sorted(keys, key=lambda k: (-open_[k], -waived[k], k))[:TOP_ROWS]


_KINDS = ("account", "client", "domain")


def hotspots(findings: Sequence[Finding], accounts: Sequence[EmailAccount]) -> Hotspots:
    """The accounts, clients and sender domains with the most open findings (waived next).

    Findings are counted per (account, status) first, in C: a Python loop then runs once per
    account with findings, not once per finding."""
    per_account = Counter(
        zip(
            map(attrgetter("account_id"), findings),
            map(attrgetter("status"), findings),
            strict=True,
        )
    )
    by_id = {account.id: account for account in accounts}
    open_: dict[str, Counter[str]] = {kind: Counter() for kind in _KINDS}
    waived: dict[str, Counter[str]] = {kind: Counter() for kind in _KINDS}
    failing: dict[str, Counter[str]] = {kind: Counter() for kind in _KINDS}
    labels: dict[tuple[str, str], str] = {}
    hrefs: dict[tuple[str, str], str] = {}
    for (account_id, status), count in per_account.items():
        account = None if account_id is None else by_id.get(account_id)
        if account is None or status is FindingStatus.BASELINE:
            continue
        client_id = account.client_id
        keys = {
            "account": str(account.id),
            "client": NO_CLIENT if client_id is None else f"client {client_id}",
            "domain": account.sender_domain or NO_DOMAIN,
        }
        for kind, key in keys.items():
            if status is FindingStatus.OPEN:
                open_[kind][key] += count
                failing[kind][key] += 1  # one (account, open) pair per account
            else:
                waived[kind][key] += count
        labels["account", keys["account"]] = account.email or f"account {account.id}"
        hrefs["account", keys["account"]] = filter_link(account=str(account.id))
        hrefs["client", keys["client"]] = filter_link(
            client="none" if client_id is None else str(client_id)
        )
        hrefs["domain", keys["domain"]] = filter_link(domain=account.sender_domain)

    def places(kind: str) -> tuple[Place, ...]:
        return tuple(
            Place(
                label=labels.get((kind, key), key),
                open=open_[kind][key],
                waived=waived[kind][key],
                accounts=failing[kind][key],
                href=hrefs[kind, key],
            )
            for key in _top(open_[kind], waived[kind])
        )

    return Hotspots(places("account"), places("client"), places("domain"))
