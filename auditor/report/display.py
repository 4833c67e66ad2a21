"""How account text is shown in reports: it is untrusted, so it stays inert text.

Names, signatures, tags, connection errors and everything built from them come from the SmartLead
API, and anyone who configures a mailbox or sends to it can write them. Every report that people
read shows such a value through ``display``:

- **shortened** to ``MAX_CHARS`` characters, then ``… (50,000 characters, shortened)``, so one
  huge error text cannot blow up a report (the JSON and SARIF reports keep the full text);
- **escaped**: characters a terminal, a log viewer or a browser would act on instead of showing
  are written as Python-style escapes (``\\n``, ``\\x1b``, ``\\u202e``, ``\\U000e0041``): C0 and C1
  controls and DEL (escape sequences, carriage returns that overwrite a line), format characters
  (bidi embeddings, overrides, isolates and marks that reorder text, zero-width spaces, word
  joiners, BOMs, tag characters), line and paragraph separators, lone surrogates and the
  noncharacters U+FFFE/U+FFFF. Zero-width joiners and non-joiners (U+200C, U+200D) stay: emoji
  sequences and several scripts need them. A format that shows tabs or line ends keeps those
  (``keep``). Backslashes are not escaped, so ordinary text reads exactly as it was written.

``one_line`` also breaks every ``::`` with a zero-width joiner, for text that a layout may wrap
onto a line of its own (the console table): GitHub's runner takes any output line that starts
with ``::`` (after spaces) as a workflow command (``::error``, ``::add-mask::``,
``::stop-commands::``). ``json_safe`` writes the same characters as JSON escapes: the value is
unchanged, the file shows no raw control.

Checks run at C speed (``str.isprintable``) before any regular expression: most text needs
nothing done, and reports carry millions of values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from itertools import chain
from operator import attrgetter
from typing import Any

from auditor.model.result import Finding

# The most characters of one value a report shows (JSON and SARIF keep everything).
MAX_CHARS = 2_000

# Inserted where text must not be read as something else (``::``, links, mentions): invisible,
# and not a control (see above).
JOINER = "\u200d"

# (first, last) code points never written raw. A test holds this to the Unicode database: every
# Cc, Cf (but U+200C, U+200D), Zl, Zp and Cs character.
UNSAFE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F),  # C0 controls (ESC, BEL, BS, CR, LF, ...)
    (0x007F, 0x009F),  # DEL and C1 controls (CSI, OSC, NEL, ...)
    (0x00AD, 0x00AD),  # soft hyphen
    (0x0600, 0x0605),  # Arabic number signs
    (0x061C, 0x061C),  # Arabic letter mark
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0x200B, 0x200B),  # zero-width space
    (0x200E, 0x200F),  # left-to-right and right-to-left marks
    (0x2028, 0x202E),  # line and paragraph separators; bidi embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x206F),  # bidi isolates; deprecated format characters
    (0xD800, 0xDFFF),  # lone surrogates (UTF-8 cannot encode them)
    (0xFEFF, 0xFEFF),  # byte order mark / zero-width no-break space
    (0xFFF9, 0xFFFB),  # interlinear annotations
    (0xFFFE, 0xFFFF),  # noncharacters
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),  # Egyptian hieroglyph format controls
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0001, 0xE0001),  # language tag
    (0xE0020, 0xE007F),  # tag characters (invisible ASCII)
)

# What a format keeps of the characters above: none (one line: console cells, CSV, JUnit), or
# tabs and line ends (multi-line values: the HTML report, Markdown before it folds whitespace).
KEEP_BLOCK = "\t\n\r"


@cache
def _unsafe(keep: str) -> re.Pattern[str]:
    kept = {ord(char) for char in keep}
    parts = [
        re.escape(chr(start)) + ("" if start == end else "-" + re.escape(chr(end)))
        for first, last in UNSAFE_RANGES
        for start, end in _without(first, last, kept)
    ]
    return re.compile(f"[{''.join(parts)}]")


def _without(first: int, last: int, kept: set[int]) -> list[tuple[int, int]]:
    """The range ``first..last`` minus the code points in ``kept``, as ranges."""
    ranges, start = [], first
    for code in sorted(c for c in kept if first <= c <= last):
        if start < code:
            ranges.append((start, code - 1))
        start = code + 1
    if start <= last:
        ranges.append((start, last))
    return ranges


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# Printable ASCII: what is left of ASCII text once these are deleted needs escaping.
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


# Safe but not printable to ``str.isprintable``, and common: the joiners, the no-break space.
_SAFE_BLANKS = "\u200c\u200d\xa0"


def is_plain(text: str, keep: str = "") -> bool:
    """Whether ``escape(text, keep)`` is ``text`` itself (``keep``: ASCII controls)."""
    if text.isascii():  # a flag Python keeps; deleting bytes beats isprintable() twice over
        return not text.encode("ascii").translate(None, _PRINTABLE_ASCII + keep.encode("ascii"))
    for char in keep + _SAFE_BLANKS:
        if char in text:
            text = text.replace(char, " ")
    # isprintable() is False for every unsafe character (and for a few rare safe ones: other
    # spaces, private use), so only those texts pay for the regular expression.
    return text.isprintable() or _unsafe("").search(text) is None


def escape(text: str, keep: str = "") -> str:
    """``text`` with every unsafe character but those in ``keep`` written as an escape."""
    if is_plain(text, keep):
        return text
    if is_plain(text, KEEP_BLOCK + keep):  # the common case, multi-line text: replace() is faster
        for char, escaped in _NAMED.items():
            if char not in keep:
                text = text.replace(char, escaped)
        return text
    return _unsafe(keep).sub(_escape, text)


def shorten(text: str) -> str:
    """At most ``MAX_CHARS`` characters of ``text``, then how long it was."""
    if len(text) <= MAX_CHARS:
        return text
    return f"{text[:MAX_CHARS]}… ({len(text):,} characters, shortened)"


def display(value: object, keep: str = "") -> str:
    """Untrusted ``value`` as a report shows it: shortened, then escaped ("" for None)."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if len(text) <= MAX_CHARS and is_plain(text, keep):
        return text
    return escape(shorten(text), keep)


_COMMAND_START = re.compile(":(?=:)")


def one_line(value: object) -> str:
    """``display`` for text a layout may wrap anywhere: no line end, and no ``::`` that could
    begin a line (a joiner goes between the colons)."""
    text = display(value)
    return _COMMAND_START.sub(":" + JOINER, text) if "::" in text else text


# Values looked at together: a column of 50,000 long signatures joined at once would be a string
# of hundreds of megabytes.
_PART = 2048


def display_column(values: Sequence[Any], keep: str = "") -> Sequence[Any]:
    """``display`` for every string of a column (other values as they are); the column itself
    when nothing changes. Done `_PART` values at a time (see `_display_part`)."""
    parts: list[Sequence[Any]] = []
    changed = False
    for start in range(0, len(values), _PART):
        part = values[start : start + _PART]
        shown = _display_part(part, keep)
        changed = changed or shown is not part
        parts.append(shown)
    return list(chain.from_iterable(parts)) if changed else values


def _display_part(values: Sequence[Any], keep: str) -> Sequence[Any]:
    """``display`` for every string of ``values``; ``values`` itself when nothing changes.

    The column's texts are looked at joined (by NUL, which none of them may then hold), at C
    speed: most columns need nothing done, and most of the rest only their tabs and line ends
    escaped, which ``str.replace`` does on the joined text. Only a column with a long value or
    another character to escape is shown value by value."""
    try:
        # filter(None) drops None and "" (which need nothing done); a number has no len().
        texts = list(filter(None, values))
        longest = max(map(len, texts), default=0)
        joined = "\x00".join(texts)
    except TypeError:  # numbers, lists of names: a column of other values, or a mixed one
        if str not in set(map(type, values)):
            return values
        texts = [value for value in values if type(value) is str and value]
        longest = max(map(len, texts), default=0)
        joined = "\x00".join(texts)
    if not texts:
        return values
    if (
        longest <= MAX_CHARS
        and joined.count("\x00") == len(texts) - 1
        and is_plain(joined, KEEP_BLOCK + "\x00")
    ):
        escaped = [(char, text) for char, text in _NAMED.items() if char not in keep]
        if not any(char in joined for char, _ in escaped):
            return values
        for char, text in escaped:
            joined = joined.replace(char, text)
        shown = iter(joined.split("\x00"))
        return [next(shown) if type(value) is str and value else value for value in values]
    return [display(value, keep) if type(value) is str else value for value in values]


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_safe(text: str) -> str:
    """JSON text with every unsafe character written as a JSON escape: the same value.

    Tabs and line ends outside strings are the text's own layout, and an encoder has escaped
    every other C0 control already, so ASCII text (a flag Python keeps) needs only a look for DEL.
    """
    if (text.isascii() and "\x7f" not in text) or is_plain(text, KEEP_BLOCK):
        return text
    return _unsafe(KEEP_BLOCK).sub(_json_escape, text)


# The fields of a finding that carry inventory text (the rest are the tool's or the policy's).
FINDING_TEXT = ("email", "actual", "expected", "message")


def display_findings(findings: Sequence[Finding], keep: str = "") -> Sequence[Finding]:
    """Findings with their inventory text as ``display`` shows it; ``findings`` itself when none
    changes (one ``display_column`` per field finds out)."""
    changed: dict[str, tuple[list[Any], Sequence[Any]]] = {}
    for name in FINDING_TEXT:
        values = list(map(attrgetter(name), findings))
        shown = display_column(values, keep)
        if shown is not values:
            changed[name] = (values, shown)
    if not changed:
        return findings
    result = list(findings)
    for name, (values, shown) in changed.items():
        for index in [i for i, (a, b) in enumerate(zip(values, shown, strict=True)) if a != b]:
            result[index] = result[index]._replace(**{name: shown[index]})
    return result
