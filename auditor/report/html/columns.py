"""A compact columnar JSON encoding for large tables (200,000 findings must stay a few MB).

A table is ``{"n": rows, "columns": {name: [kind, encoding, data]}}``. Strings live once in a
table shared by all tables, each table's new strings most frequent first (index 0 is null), so a
value repeated on 50,000 rows costs a few digits each.

kinds: ``s`` string index, ``n`` number or null, ``b`` 1/0/null, ``t`` time as whole Unix
seconds (UTC), ``ls`` list of string indexes, ``ln`` list of numbers.
encodings: ``p`` plain, ``r`` runs (``[value, count, ...]``, for columns such as severity that
repeat along the sort order), ``d`` deltas (ascending ids).

The report's script decodes exactly this; ``decode_table`` is the Python reference the tests use.
Everything here is written for speed (``map`` over C-level callables), as 50,000 accounts times
45 settings is over two million values.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta, timezone
from itertools import accumulate, chain, compress, islice, repeat
from operator import add, attrgetter, le, mul, ne, sub
from typing import Any

from pydantic_core import TzInfo

Column = list[Any]

_SCALAR_KINDS: dict[type, str | None] = {
    str: "s",
    bool: "b",
    int: "n",
    float: "n",
    datetime: "t",
    type(None): None,
}
_BOOL = {True: 1, False: 0, None: None}


def _kind(values: Sequence[Any], types: set[type]) -> str:
    """The column's kind from the set of its values' types; anything unexpected is an error."""
    kinds: set[str] = set()
    for kind_type in types:
        if kind_type in (list, tuple):
            kinds.add("l")
        elif kind_type in _SCALAR_KINDS:
            kind = _SCALAR_KINDS[kind_type]
            if kind is not None:
                kinds.add(kind)
        else:
            raise TypeError(f"cannot encode a {kind_type.__name__} in a report column")
    if kinds == {"l"}:
        items = set(map(type, chain.from_iterable(filter(None, values))))
        if items <= {str}:
            return "ls"
        if items <= {int}:
            return "ln"
        raise TypeError(f"a list column holds {sorted(t.__name__ for t in items)}")
    if len(kinds) > 1:
        raise TypeError(f"a report column mixes kinds {sorted(kinds)}")
    return kinds.pop() if kinds else "s"


def _number(value: float | int | None) -> float | int | None:
    """Whole floats print as ints (95.0 -> 95); NaN and infinities are not JSON: null."""
    if type(value) is float:
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else value
    return value


def _numbers(values: Sequence[float | int | None]) -> list[float | int | None]:
    """``_number`` for a column; the common case (all whole and finite) stays in C."""
    present = [v for v in values if v is not None]
    if all(map(math.isfinite, present)) and all(map(float.is_integer, map(float, present))):
        return [None if v is None else int(v) for v in values]
    return list(map(_number, values))


class StringTable:
    """The strings of the report's tables, numbered once for all of them (index 0 is null).

    Tables are numbered in the order they are encoded: each adds the strings it is the first
    to use, most frequent first; a table encoded later never renumbers an earlier one.
    """

    def __init__(self) -> None:
        self.strings: list[str | None] = [None]
        self._index: dict[str | None, int] = {None: 0}
        self._counts: Counter[str | None] = Counter()

    def count(self, values: Iterable[str | None] | Mapping[str | None, int]) -> None:
        """Count values, or add a ``Counter`` of them."""
        self._counts.update(values)

    def number(self) -> None:
        """Number the strings counted since the last call that have no number yet."""
        counts, self._counts = self._counts, Counter()
        new = [value for value in counts if value not in self._index]  # None has index 0
        # sorted() is stable: equal counts keep first-seen order, so output is deterministic.
        for value in sorted(new, key=counts.__getitem__, reverse=True):
            self._index[value] = len(self.strings)
            self.strings.append(value)

    def indexes(self, values: Iterable[str | None]) -> list[int]:
        return list(map(self._index.__getitem__, values))


Runs = tuple[list[Any], list[int]]
_SAMPLE = 2048


def _runs(values: Sequence[Any]) -> Runs | None:
    """(values, lengths) when runs make the column at least four times shorter, else None.

    A sample decides first, so columns of unique values (emails, times) cost one short pass.
    """
    count = len(values)
    sample = values[:_SAMPLE]
    if count < 8 or 4 * sum(map(ne, sample[1:], sample)) > len(sample):
        return None
    starts = [0, *compress(range(1, count), map(ne, values[1:], values))]
    if 4 * len(starts) > count:
        return None
    return [values[i] for i in starts], list(map(sub, [*starts[1:], count], starts))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Zones whose offset never changes (what parsed times carry): within one of these, a difference
# is plain arithmetic.
_FIXED_ZONES = (timezone, TzInfo)


def _since_epoch(present: list[datetime]) -> list[timedelta]:
    """Each time minus the Unix epoch, exactly; a time without an offset is taken as UTC.

    The epoch is taken in the first value's zone: Python then subtracts values in that same
    zone object as plain arithmetic (right for a fixed offset), and values in any other zone
    through their offsets, as ``datetime.timestamp`` always does (a call into pydantic_core per
    value for parsed times, several times slower).
    """
    zone = present[0].tzinfo if present else None
    if zone is None or isinstance(zone, _FIXED_ZONES):
        epoch = _EPOCH.replace(tzinfo=None) if zone is None else _EPOCH.astimezone(zone)
        with suppress(TypeError):  # naive and aware times in one column
            return list(map(sub, present, repeat(epoch)))
    aware = [v if v.tzinfo else v.replace(tzinfo=UTC) for v in present]
    return list(map(sub, aware, repeat(_EPOCH)))


def _seconds(values: Sequence[datetime | None]) -> list[int | None]:
    """Whole Unix seconds (an audit needs no finer): the floor, as a timedelta keeps
    0 <= seconds < 86400 and the microseconds apart."""
    present: list[datetime] = list(filter(None, values))  # a datetime is always truthy
    deltas = _since_epoch(present)
    seconds: list[int | None] = list(
        map(
            add,
            map(mul, map(attrgetter("days"), deltas), repeat(86_400)),
            map(attrgetter("seconds"), deltas),
        )
    )
    if len(present) == len(values):
        return seconds
    found = iter(seconds)
    return [None if v is None else next(found) for v in values]


def _digits(values: Iterable[Any]) -> int:
    return sum(map(len, map(str, values)))


def _plain_or_delta(values: list[Any], kind: str, types: set[type]) -> Column:
    """Deltas for ascending integer columns (ids), when they print shorter."""
    head = values[:_SAMPLE]
    if kind == "n" and types == {int} and all(map(le, head, head[1:])):
        deltas = [values[0], *map(sub, values[1:], values)]
        if _digits(deltas[:_SAMPLE]) < _digits(head):  # judged on the sample, like runs
            return [kind, "d", deltas]
    return [kind, "p", values]


def _interleave(values: list[Any], lengths: list[int]) -> list[Any]:
    flat: list[Any] = [None] * (2 * len(values))
    flat[::2] = values
    flat[1::2] = lengths
    return flat


class _Prepared:
    """A column after the first pass: its kind, scalar values and runs (if worth it)."""

    __slots__ = ("counts", "kind", "runs", "types", "values")

    def __init__(self, values: Sequence[Any]) -> None:
        # Touching every value is the costly part (50,000 accounts are scattered in memory), so
        # a column is read as few times as possible: a string column tries runs first (cheap for
        # columns like severity, one object repeated) and counts its strings from them; without
        # runs, ``count_strings`` counts the values straight into the shared table (a Counter
        # per column, merged, would add a Python-level loop over every distinct value).
        self.counts: Counter[Any] | None = None
        self.runs: Runs | None = None
        if set(map(type, values[:_SAMPLE])) <= {str, type(None)}:
            self.runs = _runs(values)
        if self.runs is not None:
            self.counts = Counter()
            for value, length in zip(*self.runs, strict=True):
                self.counts[value] += length
            self.types = set(map(type, self.counts))
        else:
            self.types = set(map(type, values))
        self.kind = _kind(values, self.types)
        converted: Sequence[Any] | None = None
        if self.kind == "b":
            converted = list(map(_BOOL.__getitem__, values))
        elif self.kind == "n" and float in self.types:
            converted = _numbers(values)
        elif self.kind == "t":
            converted = _seconds(values)
        if converted is not None:
            values = converted
            self.runs = None  # found on the raw values (a column that starts all null)
            if self.kind == "n":  # only numbers use the types again (deltas need all ints)
                self.types = set(map(type, values))
        if self.runs is None and self.kind not in ("s", "ls", "ln"):
            self.runs = _runs(values)
        self.values = values

    def count_strings(self, strings: StringTable) -> None:
        if self.kind == "ls":
            strings.count(chain.from_iterable(filter(None, self.values)))
        elif self.kind == "s":
            strings.count(self.values if self.counts is None else self.counts)

    def encode(self, strings: StringTable) -> Column:
        kind, values = self.kind, self.values
        if kind == "ls":
            return [kind, "p", _string_lists(values, strings)]
        if kind == "ln":
            return [kind, "p", list(values)]  # a tuple is a JSON array too
        if self.runs is not None:
            run_values, lengths = self.runs
            if kind == "s":
                run_values = strings.indexes(run_values)
            return [kind, "r", _interleave(run_values, lengths)]
        if kind == "s":
            return [kind, "p", strings.indexes(values)]
        return _plain_or_delta(
            values if isinstance(values, list) else list(values), kind, self.types
        )


def _string_lists(values: Sequence[Any], strings: StringTable) -> list[Any]:
    """One lookup pass over all items, then slices of it back into the rows' lists."""
    flat = strings.indexes(chain.from_iterable(filter(None, values)))
    if None in values:
        items = iter(flat)
        return [None if v is None else list(islice(items, len(v))) for v in values]
    ends = list(accumulate(map(len, values)))
    return list(map(flat.__getitem__, map(slice, [0, *ends[:-1]], ends)))


def encode_table(
    columns: Mapping[str, Sequence[Any]], rows: int, strings: StringTable
) -> dict[str, Any]:
    """Encode a table of equally long columns, numbering its new strings in ``strings``.

    Column order is kept: the report shows an account's settings in that order.
    """
    prepared: dict[str, _Prepared] = {}
    for name, values in columns.items():
        if len(values) != rows:
            raise ValueError(f"{name} has {len(values)} values, expected {rows}")
        column = prepared[name] = _Prepared(values)
        column.count_strings(strings)
    strings.number()
    return {
        "n": rows,
        "columns": {name: column.encode(strings) for name, column in prepared.items()},
    }


def decode_column(column: Column, strings: Sequence[str | None]) -> list[Any]:
    kind, encoding, data = column
    if encoding == "r":
        values = [
            value for value, count in zip(data[::2], data[1::2], strict=True) for _ in range(count)
        ]
    elif encoding == "d":
        values = list(accumulate(data))
    else:
        values = list(data)
    if kind == "s":
        return [strings[v] for v in values]
    if kind == "b":
        return [None if v is None else bool(v) for v in values]
    if kind == "t":
        return [None if v is None else datetime.fromtimestamp(v, UTC) for v in values]
    if kind == "ls":
        return [None if v is None else [strings[x] for x in v] for v in values]
    return values


def decode_table(table: Mapping[str, Any], strings: Sequence[str | None]) -> list[dict[str, Any]]:
    """Rows back as dicts: the reference decoder the tests hold the script to."""
    decoded = {name: decode_column(col, strings) for name, col in table["columns"].items()}
    return [{name: values[i] for name, values in decoded.items()} for i in range(table["n"])]
