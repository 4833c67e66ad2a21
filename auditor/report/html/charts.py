"""Geometry for the report's inline SVG bar charts, computed here so the template only draws.

Each chart is also rendered as a table from the same ``Count`` rows: the bars are a picture of the
table, never the only place a figure appears.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.report.view import Count, top

WIDTH = 520
LABEL_WIDTH = 200
BAR_SPACE = 250
ROW_HEIGHT = 22
BAR_HEIGHT = 14
MAX_LABEL_CHARS = 30
MAX_BARS = 12


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    value: int
    y: int
    width: int

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 3

    @property
    def value_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart and the rows its table shows."""

    id: str
    title: str
    category: str
    unit: str
    rows: tuple[Count, ...]
    bars: tuple[Bar, ...]

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT + 4

    @property
    def total(self) -> int:
        return sum(row.value for row in self.rows)

    width = WIDTH
    label_width = LABEL_WIDTH
    bar_height = BAR_HEIGHT


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _scaled(value: int, largest: int) -> int:
    """At least one pixel for any non-zero value, so a small bucket never looks empty."""
    if value <= 0 or largest <= 0:
        return 0
    return max(1, round(BAR_SPACE * value / largest))


def bar_chart(
    chart_id: str,
    title: str,
    category: str,
    counts: tuple[Count, ...],
    *,
    unit: str = "accounts",
    limit: int = MAX_BARS,
) -> BarChart:
    """Largest ``limit - 1`` rows and an "other" bucket, bars scaled to the largest value."""
    rows = top(counts, limit)
    largest = max((row.value for row in rows), default=0)
    bars = tuple(
        Bar(
            label=row.label,
            short_label=_shorten(row.label),
            value=row.value,
            y=2 + index * ROW_HEIGHT,
            width=_scaled(row.value, largest),
        )
        for index, row in enumerate(rows)
    )
    return BarChart(id=chart_id, title=title, category=category, unit=unit, rows=rows, bars=bars)
