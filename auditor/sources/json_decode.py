"""Decode inventory JSON: strict (repeated keys, ``NaN`` and text that is not JSON are errors that
say where), and a large array a slice at a time, so a big file is never held as Python objects
all at once.
"""

from __future__ import annotations

import itertools
import json
import re
from codecs import BOM_UTF8
from collections.abc import Iterator
from typing import Any, BinaryIO, Literal, cast

import jiter

from auditor.errors import InventoryError
from auditor.json_errors import looks_like_markup, not_json


class DuplicateKeyError(ValueError):
    """A JSON object repeats a key: which value the API meant is unknowable."""


def unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise DuplicateKeyError
    return document


class NotANumberError(ValueError):
    """``NaN`` or ``Infinity`` in JSON text: no JSON value, though Python's decoder takes it."""


def not_a_number(constant: str) -> object:
    raise NotANumberError(f"{constant} is not a JSON number.")


class _Tagged(dict[str, Any]):
    duplicates: list[str]


def _tagging_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = _Tagged(pairs)
    document.duplicates = []
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            document.duplicates.append(key)
        seen.add(key)
    return document


def loads_json(text: str | bytes, *, where: str) -> object:
    """Decode JSON, rejecting repeated keys (naming the record that repeats one); text that is
    not JSON is an `InventoryError` naming `where` too.

    jiter (Rust, pydantic's own JSON parser) decodes and catches repeated keys in one pass, faster
    than `json.loads` with a pairs hook; it also shares repeated strings (hosts, ports
    types), which keeps large inventories smaller. Whatever it refuses goes through the standard
    library, which either accepts it (a few forms jiter does not, like lone surrogates) or says
    precisely what is wrong and where."""
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
        return jiter.from_json(data, catch_duplicate_keys=True, allow_inf_nan=False)
    except (ValueError, UnicodeError):
        return _loads_json_exactly(text, where)


def _loads_json_exactly(text: str | bytes, where: str) -> object:
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")  # not json.loads' guess, which would take UTF-16 too
        try:
            return json.loads(text, object_pairs_hook=unique_pairs, parse_constant=not_a_number)
        except DuplicateKeyError:
            # Parsed again to name the record; text that is broken further on fails here instead,
            # and that is reported first: a repeated key in a broken file is moot.
            document = json.loads(
                text, object_pairs_hook=_tagging_pairs, parse_constant=not_a_number
            )
            raise InventoryError(_duplicate_message(document, where)) from None
    except json.JSONDecodeError as exc:
        raise InventoryError(not_json(exc, text, where), tip=_markup_tip(text)) from None
    except UnicodeDecodeError as exc:
        raise InventoryError(f"{where}: not UTF-8 text (byte {exc.start}).") from None
    except RecursionError:
        raise InventoryError(f"{where}: JSON nested too deeply to be an inventory.") from None
    except NotANumberError as exc:
        raise InventoryError(f"{where}: invalid JSON: {exc}") from None


def _markup_tip(text: str | bytes) -> str | None:
    if looks_like_markup(text) is None:
        return None
    return (
        "an inventory is the API's JSON answer or a `smartlead-audit fetch` snapshot; a page "
        "saved from a browser (a login or error page) is neither."
    )


def _duplicate_message(document: object, where: str) -> str:
    records = document.get("accounts") if isinstance(document, dict) else document
    if isinstance(records, list):
        for index, record in enumerate(records):
            key = _first_duplicate(record)
            if key is not None:
                ident = (
                    f" (id {record['id']})"
                    if isinstance(record, dict) and isinstance(record.get("id"), int)
                    else ""
                )
                return (
                    f"{where}: record {index}{ident}: key '{key}' appears more than once; "
                    "which value is meant is ambiguous."
                )
    return f"{where}: key '{_first_duplicate(document)}' appears more than once in a JSON object."


def _first_duplicate(node: object) -> str | None:
    if isinstance(node, _Tagged) and node.duplicates:
        return node.duplicates[0]
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        found = _first_duplicate(child)
        if found is not None:
            return found
    return None


# A large array is decoded this many bytes at a time (about 5,000 accounts of the generator's).
SLICE_BYTES = 8 * 1024**2
# Cut points tried per slice before the whole text is decoded at once (see `array_slices`).
_CUTS_TRIED = 8
_ARRAY_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*\[")
_KEY = rb'"(?:[^"\\]|\\.)*"'
# A record's first two keys, when its first value is a plain one (SmartLead's: "id", "created_at").
_FIRST_KEYS = re.compile(
    rb"[ \t\r\n]*\{\s*(" + _KEY + rb")\s*:\s*[^\s,{}\[\]\"]+\s*,\s*(" + _KEY + rb")\s*:"
)


def starts_an_array(stream: BinaryIO) -> bool:
    """Whether the JSON text in ``stream`` is an array (judged by its first 4 KiB)."""
    head = stream.read(4096)
    stream.seek(0)
    return _ARRAY_START.match(head) is not None


def array_slices(stream: BinaryIO, *, where: str) -> Iterator[list[Any]]:
    """The records of the JSON array in ``stream`` (see `starts_an_array`), a list per slice of
    about `SLICE_BYTES`: neither the text nor its records are ever held whole.

    A slice ends after a record's closing brace, at a cut found by decoding the slice up to it: a
    slice that starts where a record starts decodes only if the cut is where a record ends, since
    a cut in a string or a nested value leaves that unclosed. When the first record starts with
    two plain values (SmartLead's "id" and "created_at"), only cuts followed by its two keys are
    tried, so nested objects (tags) seldom are. Text that no tried cut decodes (broken JSON, a
    repeated key, records unlike the first or huge) is decoded whole instead, so that an error
    names its line and column in the file, as `loads_json` does."""
    text = stream.read(2 * SLICE_BYTES)
    opening = _ARRAY_START.match(text)
    text = text[opening.end() if opening else 0 :]
    cuts = _cut_pattern(text)
    given = 0
    while True:
        found = _records_up_to_a_cut(text, cuts)
        if found == "read more":
            more = stream.read(SLICE_BYTES)
            if not more:
                break  # the rest is the last slice
            if len(text) < 4 * SLICE_BYTES:  # else a record is huge, or unlike the first
                text += more
                continue
            found = "decode whole"
        if found == "decode whole":
            yield _whole(stream, where)[given:]
            return
        start, records = found
        text = text[start:]
        given += len(records)
        yield records
        del records
    try:
        yield jiter.from_json(b"[" + text, catch_duplicate_keys=True, allow_inf_nan=False)
    except ValueError:
        yield _whole(stream, where)[given:]


def _cut_pattern(text: bytes) -> re.Pattern[bytes]:
    """Where one record may end and the next begin: a closing brace, a comma, an opening brace
    (and the first record's first two keys, when it has a plain first value)."""
    first = _FIRST_KEYS.match(text)
    keys = rb"\s*%s\s*:\s*[^\s,{}\[\]\"]+\s*,\s*%s\s*:" % first.groups() if first else b""
    return re.compile(rb"\}\s*,\s*\{" + keys)


def _records_up_to_a_cut(
    text: bytes, cuts: re.Pattern[bytes]
) -> tuple[int, list[Any]] | Literal["read more", "decode whole"]:
    """The records of ``text`` up to the first cut past a slice's length that decodes, and where
    the next record starts; "read more" when the text has no cut there yet, "decode whole" when
    no tried cut decodes."""
    cut = None
    for cut in itertools.islice(cuts.finditer(text, SLICE_BYTES), _CUTS_TRIED):
        try:
            records = jiter.from_json(
                b"[" + text[: cut.start() + 1] + b"]",
                catch_duplicate_keys=True,
                allow_inf_nan=False,
            )
        except ValueError:
            continue
        return text.index(b"{", cut.start()), records
    return "read more" if cut is None else "decode whole"


def _whole(stream: BinaryIO, where: str) -> list[Any]:
    """The array decoded at once (or its error, told in the file's terms)."""
    stream.seek(0)
    document = loads_json(stream.read().removeprefix(BOM_UTF8), where=where)
    return cast(list[Any], document)
