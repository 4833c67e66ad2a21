"""The accounts as columns: every audited setting under its wire name, one list per setting.

``warmup_details`` is flattened to ``warmup_details.<key>`` so that a finding's ``field`` names
the setting it is about. Passwords do not exist here: ``EmailAccount`` keeps only
``has_password``/``has_imap_password`` flags, and fields the model marks ``exclude`` (never
serialized) are left out as well.

Built once per report and shared: the HTML payload embeds them, and the inventory overview and
the filters count from them, since at 50,000 accounts every pass over the scattered model objects
costs far more than a pass over a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import accumulate, chain
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

from auditor.model.account import EmailAccount, WarmupDetails, fields_of, wire_name

AccountColumns = dict[str, list[Any]]

_NESTED = ("warmup_details", "tags", "campaign_ids")
_SETTINGS = tuple(
    name
    for name, info in fields_of(EmailAccount).items()
    if name not in _NESTED and not info.exclude
)
_WARMUP = tuple(name for name, info in fields_of(WarmupDetails).items() if not info.exclude)

# The columns the HTML report's script finds by their role (it holds no wire names of its own).
ROLES = {
    role: wire_name(name)
    for role, name in (
        ("id", "id"),
        ("provider", "type"),
        ("client", "client_id"),
        ("name", "from_name"),
        ("email", "from_email"),
        ("tags", "tags"),
        ("campaigns", "campaign_ids"),
    )
}
# Of each password the model keeps only a ``has_<secret>`` flag; the report shows the flag under
# the secret's own wire name, the setting it stands for.
SECRET_FLAGS = {
    wire_name(name): name.removeprefix("has_")
    for name in fields_of(EmailAccount)
    if name.startswith("has_")
}

# Rows are turned into columns a slice at a time: the slice's temporaries stay in the CPU cache
# and their memory is reused, which halves the time at 200,000 findings.
CHUNK = 1024


def extend_columns(columns: list[list[Any]], rows: Iterable[Iterable[Any]]) -> None:
    for column, values in zip(columns, zip(*rows, strict=True), strict=True):
        column.extend(values)


def _fields(objects: Sequence[Any], names: tuple[str, ...]) -> list[list[Any]]:
    """The named fields of accounts or warmup details, as columns; None reads as all None.

    ``attrgetter`` of all the names reads a row's slots in one C call."""
    columns: list[list[Any]] = [[] for _ in names]
    get, blank = attrgetter(*names), SimpleNamespace(**dict.fromkeys(names))
    for start in range(0, len(objects), CHUNK):
        chunk = [blank if item is None else item for item in objects[start : start + CHUNK]]
        extend_columns(columns, map(get, chunk))
    return columns


def _cut(flat: list[Any], lengths: Iterable[int]) -> list[list[Any]]:
    """``flat`` back into consecutive lists of the given lengths (slices: no Python loop)."""
    ends = list(accumulate(lengths))
    return list(map(flat.__getitem__, map(slice, [0, *ends[:-1]], ends)))


def account_columns(accounts: Sequence[EmailAccount]) -> AccountColumns:
    """One column per setting in model order, then warmup, tags (lists of names) and campaign
    ids (as the model holds them: tuples, which are JSON arrays too)."""
    *settings, details, tags, campaigns = _fields(accounts, (*_SETTINGS, *_NESTED))
    warmup = _fields(details, _WARMUP)
    columns = dict(zip(map(wire_name, _SETTINGS), settings, strict=True))
    columns.update(zip((f"warmup_details.{name}" for name in _WARMUP), warmup, strict=True))
    columns["tags"] = _cut(list(map(attrgetter("name"), chain.from_iterable(tags))), map(len, tags))
    columns["campaign_ids"] = campaigns
    return columns
