"""Hostile text stays text: whatever an account's texts hold (line ends, ``::`` anywhere, escape
sequences, C1 controls, bidi overrides, very long words), no report lets it start a line with
``::`` (a GitHub workflow command) or carries a raw control character; the shared helper
(``auditor.report.display``) is held to the Unicode database and to its own per-value reference.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.drift import compare, compare_findings
from auditor.engine import evaluate
from auditor.model.account import Inventory, InventoryInfo
from auditor.model.result import AuditResult, FailOn
from auditor.policy.loader import load_policy
from auditor.report import (
    console_report,
    csv_report,
    drift_report,
    github_report,
    html_report,
    json_report,
    junit_report,
    markdown_report,
    sarif_report,
)
from auditor.report.display import (
    JOINER,
    KEEP_BLOCK,
    MAX_CHARS,
    UNSAFE_RANGES,
    display,
    display_column,
    json_safe,
    one_line,
)
from auditor.report.templating import markdown_escape
from auditor.sources.inventory import parse_accounts
from tests.support.accounts import wire
from tests.support.shared import SHIPPED_POLICIES

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ZWNJ = "\u200c"
_CONTROL_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}


def raw_controls(text: str, allowed: str = "\n") -> set[str]:
    """Control and invisible format characters in ``text`` (CR only as part of CRLF is fine)."""
    text = text.replace("\r\n", "\n")
    return {
        char
        for char in set(text)
        if unicodedata.category(char) in _CONTROL_CATEGORIES
        and char not in allowed
        and char not in (JOINER, ZWNJ)
    }


def command_lines(text: str) -> list[str]:
    """Lines a GitHub runner would take for a workflow command (``::`` after leading spaces);
    ``splitlines`` breaks at more than the runner does (\\n, \\r), so this is the stricter view."""
    return [line for line in text.splitlines() if line.lstrip().startswith("::")]


# --- the helper -------------------------------------------------------------------------------


def test_unsafe_ranges_are_every_control_and_format_character() -> None:
    listed = {code for first, last in UNSAFE_RANGES for code in range(first, last + 1)}
    wanted = {
        code
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in _CONTROL_CATEGORIES
        and chr(code) not in (JOINER, ZWNJ)
    }
    assert wanted <= listed, sorted(map(hex, wanted - listed))
    # Beyond the database: only the noncharacters and format controls of later Unicode versions.
    assert listed - wanted <= {0xFFFE, 0xFFFF, *range(0x13439, 0x13440)}


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text, 名前 ✓", "plain text, 名前 ✓"),
        ("a\nb\r\tc", "a\\nb\\r\\tc"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        (
            "\x1b]8;;https://evil.example\x1b\\x\x1b]8;;\x1b\\",
            "\\x1b]8;;https://evil.example\\x1b\\x\\x1b]8;;\\x1b\\",
        ),
        ("\x9b2J\x85", "\\x9b2J\\x85"),
        ("abc\u202edef\u2066", "abc\\u202edef\\u2066"),
        ("\u200bzero\ufeff", "\\u200bzero\\ufeff"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("family 👨\u200d👩\u200d👧", "family 👨\u200d👩\u200d👧"),
        (None, ""),
        (42, "42"),
    ],
)
def test_display_escapes_what_a_terminal_would_act_on(raw: object, shown: str) -> None:
    assert display(raw) == shown


def test_display_keeps_tabs_and_line_ends_only_when_asked() -> None:
    assert display("a\nb\t\x1b", KEEP_BLOCK) == "a\nb\t\\x1b"


def test_long_text_is_shortened_with_its_length_noted() -> None:
    text = "x" * 50_000
    shown = display(text)
    assert shown == "x" * MAX_CHARS + "… (50,000 characters, shortened)"
    assert display("y" * MAX_CHARS) == "y" * MAX_CHARS


def test_one_line_breaks_every_command_start() -> None:
    shown = one_line("a:::b\n::error::x")
    assert "::" not in shown and "\n" not in shown
    assert shown.replace(JOINER, "") == "a:::b\\n::error::x"


@pytest.mark.parametrize(
    ("raw", "linked"),
    [
        ("see https://evil.example/x", r"https://"),
        ("HTTP://EVIL.example", r"HTTP://"),
        ("go to www.evil.example", r"www\."),
        ("cc @octocat please", r"@octocat"),
        ("fixes #123", r"#123"),
        ("see GH-42", r"GH-42"),
        ("&#x202e; &amp;", r"(?<!\\)&"),  # a character reference would be decoded
    ],
)
def test_markdown_makes_no_link_mention_or_reference(raw: str, linked: str) -> None:
    shown = markdown_escape(raw)
    assert re.search(linked, shown) is None
    assert shown.replace(JOINER, "").replace("\\&", "&") == raw  # and reads the same


def test_markdown_leaves_email_addresses_alone() -> None:
    assert markdown_escape("ada@acme.example") == "ada@acme.example"


# Text that reports must survive: attacks in pieces, arbitrary text, long words without a space.
ATTACKS = (
    "\n",
    "\r\n",
    "\r",
    "::",
    ":",
    "::error::pwned",
    "\n::error file=x::pwned",
    "::add-mask::secret",
    "::stop-commands::tok",
    "\x1b[2J",
    "\x1b]8;;https://evil.example\x1b\\",
    "\x1b]0;title\x07",
    "\x9b31m",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\U000e0041",
    "\t",
    "\x00",
    "\x7f",
    " ",
    "   ",
    "\u3000",
    "https://evil.example",
    "www.evil.example",
    "@octocat",
    "#123",
    "&#x202e;",
    "|",
    "<b>",
)
_LONG_WORD = st.text(st.sampled_from(":ab\u202e\x1b"), min_size=40, max_size=300)
hostile_text = st.lists(
    st.one_of(st.sampled_from(ATTACKS), st.text(max_size=20), _LONG_WORD), max_size=10
).map("".join)

_PAGE_DATA = re.compile(r'<script type="application/json" id="audit-data">(.*?)</script>', re.S)


@cache
def _policy() -> Any:
    return load_policy([SHIPPED_POLICIES])


def _records(texts: list[str]) -> list[dict[str, Any]]:
    """Two accounts with hostile text in every free-text field a report shows."""
    records = []
    for index in (0, 1):
        t = texts[index * 8 : index * 8 + 8]
        records.append(
            wire(
                id=index + 1,
                from_name=t[0],
                from_email=t[1],
                signature=t[2],
                is_smtp_success=False,
                smtp_failure_error=t[3],
                is_imap_success=False,
                imap_failure_error=t[4],
                tags=[{"tag_id": index, "tag_name": t[5], "tag_color": "#fff"}],
                bcc_email=t[6],
                custom_tracking_domain=t[7],
            )
        )
    return records


def _audit(records: list[dict[str, Any]]) -> AuditResult:
    inventory = Inventory(parse_accounts(records), InventoryInfo(source="inventory.json"))
    return evaluate(_policy(), inventory, fail_on=FailOn.ERROR, now=NOW)


_GITHUB_COMMAND = re.compile(r"::(error|warning|notice) (file=[^:,]*,line=\d+,)?title=[^:,]*::")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(hostile_text, min_size=16, max_size=16), width=st.integers(20, 160))
def test_no_format_lets_account_text_start_a_command_or_carry_a_control(
    texts: list[str], width: int
) -> None:
    result = _audit(_records(texts))
    outputs = {
        "console": console_report.render(result, width=width),
        "markdown": markdown_report.render(result),
        "html": html_report.render(result),
        "junit": junit_report.render(result),
        "csv": csv_report.render(result),
        "json": json_report.render(result),
        "sarif": sarif_report.render(result),
    }
    for name, text in outputs.items():
        assert command_lines(text) == [], name
        assert raw_controls(text) == set(), name
    github = github_report.render(result)
    assert raw_controls(github) == set()
    for line in command_lines(github):
        assert _GITHUB_COMMAND.match(line), line  # our own commands only, from column 0
    # The page's data (which its script shows as text) holds no control but tabs and line ends.
    match = _PAGE_DATA.search(outputs["html"])
    assert match is not None
    for string in json.loads(match[1])["strings"]:
        assert string is None or raw_controls(string, KEEP_BLOCK) == set(), string
    # JSON keeps the exact text.
    assert [f["message"] for f in json.loads(outputs["json"])["findings"]] == [
        f.message for f in result.findings
    ]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(hostile_text, min_size=16, max_size=16))
def test_drift_output_keeps_account_text_inert(texts: list[str]) -> None:
    old = _audit(_records(["plain"] * 16))
    new = _audit(_records(texts))
    drift = compare_findings(compare(old.accounts, new.accounts), old.findings, new.findings)
    for render in (drift_report.render_console, drift_report.render_markdown):
        text = render(drift, old="old.json", new="new.json", with_findings=True)
        assert command_lines(text) == [], render
        assert raw_controls(text) == set(), render
    text = drift_report.render_json(drift, old="old.json", new="new.json", with_findings=True)
    assert command_lines(text) == [] and raw_controls(text) == set()
    document = json.loads(text)
    assert document == drift_report.drift_dict(
        drift, old="old.json", new="new.json", with_findings=True
    )


_column_values = st.one_of(
    st.none(), st.integers(), hostile_text, st.text(min_size=1990, max_size=2010)
)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_column_values, max_size=8), keep=st.sampled_from(["", KEEP_BLOCK]))
def test_display_column_is_display_of_each_value(values: list[Any], keep: str) -> None:
    shown = display_column(values, keep)
    assert list(shown) == [display(v, keep) if type(v) is str else v for v in values]
    if shown == values:
        assert shown is values  # unchanged columns are not copied


@settings(max_examples=200, deadline=None)
@given(value=st.recursive(st.one_of(st.none(), st.integers(), hostile_text), st.lists))
def test_json_safe_keeps_the_value_and_shows_no_control(value: Any) -> None:
    text = json_safe(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert raw_controls(text) == set()
