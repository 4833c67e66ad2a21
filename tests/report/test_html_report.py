"""The HTML report as text: self-contained, escaped, CSP-locked, and carrying the exact data.

Browser behaviour (filters, deep links, XSS staying inert) is in ``test_html_browser.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from itertools import chain
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import TzInfo

from auditor.engine import evaluate
from auditor.model.account import (
    EmailAccount,
    Inventory,
    InventoryInfo,
    WarmupDetails,
    fields_of,
    wire_name,
)
from auditor.model.result import AuditResult, FailOn
from auditor.policy.loader import load_policy
from auditor.report.accounts import account_columns
from auditor.report.display import KEEP_BLOCK, display
from auditor.report.html import columns
from auditor.report.html.assets import assets
from auditor.report.html.embed import script_json
from auditor.report.html_report import render
from auditor.report.json_report import finding_dict
from auditor.report.view import NO_DOMAIN, NO_TYPE, NO_WARMUP, inventory_overview, rule_groups
from auditor.sources.inventory import parse_accounts
from auditor.testing.generator import generate_accounts
from tests.support import browser
from tests.support.accounts import wire
from tests.support.browser import STRICT_POLICY, XSS_PAYLOADS, audit, hostile_records

DATA_BLOCK = re.compile(
    r'<script type="application/json" id="audit-data">(?P<data>.*?)</script>', re.DOTALL
)
SCRIPT_BLOCK = re.compile(r"<script>(?P<code>.*?)</script>", re.DOTALL)
STYLE_BLOCK = re.compile(r"<style>(?P<css>.*?)</style>", re.DOTALL)


@pytest.fixture(scope="module")
def strict_result(tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    return audit(generate_accounts(300, seed=3), STRICT_POLICY, tmp_path_factory.mktemp("strict"))


@pytest.fixture(scope="module")
def hostile_result(tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    return audit(
        hostile_records(),
        STRICT_POLICY,
        tmp_path_factory.mktemp("hostile"),
        source="<b>inventory</b>.json",
    )


@pytest.fixture(scope="module")
def hostile_html(hostile_result: AuditResult) -> str:
    return render(hostile_result)


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def embedded(html: str) -> dict[str, Any]:
    match = DATA_BLOCK.search(html)
    assert match is not None, "no JSON data block"
    data: dict[str, Any] = json.loads(match["data"])
    return data


def csp_of(html: str) -> str:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert match is not None, "no Content-Security-Policy meta element"
    return match[1].replace("&#39;", "'")


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# --- self-contained and locked down ---------------------------------------------------------------


def test_csp_allows_only_the_inline_script_and_style_by_hash(hostile_html: str) -> None:
    csp = csp_of(hostile_html)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    script, style = SCRIPT_BLOCK.search(hostile_html), STYLE_BLOCK.search(hostile_html)
    assert script is not None and style is not None
    assert directives["script-src"] == sha256_source(script["code"])
    assert directives["style-src"] == sha256_source(style["css"])
    assert "unsafe" not in csp
    assert directives["img-src"] == "data:"
    assert directives["base-uri"] == "'none'" and directives["form-action"] == "'none'"


def test_exactly_one_executable_script_and_one_style(hostile_html: str) -> None:
    tags = Tags(hostile_html).tags
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts == [{"type": "application/json", "id": "audit-data"}, {}]
    assert [tag for tag, _ in tags].count("style") == 1
    for tag, attrs in tags:
        assert "style" not in attrs, tag  # the CSP would block inline style attributes
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
    assert {tag for tag, _ in tags}.isdisjoint({"img", "iframe", "object", "embed", "base"})


def test_references_nothing_outside_the_file(hostile_html: str) -> None:
    for tag, attrs in Tags(hostile_html).tags:
        for name in (
            "src",
            "href",
            "action",
            "formaction",
            "srcset",
            "poster",
            "data",
            "xlink:href",
        ):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("#", "data:")), f"<{tag} {name}={value!r}> leaves the file"
    # The only URL is the SVG namespace name, which is an identifier, never fetched.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", hostile_html))
    assert urls <= {"http://www.w3.org/2000/svg"}
    style = assets().style
    assert "url(" not in style and "@import" not in style and "@font-face" not in style


def test_script_never_parses_markup_or_fetches() -> None:
    code = str(assets().script)
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        'setAttribute("on',
        "fetch(",
        "XMLHttpRequest",
        "WebSocket",
        "import(",
        "srcdoc",
        "createContextualFragment",
        "DOMParser",
    ):
        assert sink not in code, sink


# --- escaping ------------------------------------------------------------------------------------


def test_payloads_are_escaped_in_the_markup(hostile_html: str) -> None:
    markup = DATA_BLOCK.sub("", hostile_html)
    for payload in XSS_PAYLOADS:
        if set(payload) & set("<>\"'&"):  # "javascript:alert(1)" as text is harmless text
            assert payload not in markup, payload
    assert "<img" not in markup and "<svg onload" not in markup and "<script>alert" not in markup
    # Shown as text: the overview's connection failures and the filters' options carry them.
    assert "535 &lt;img src=x onerror=alert(1)&gt;" in markup
    assert '<option value="&#34;&gt;&lt;svg onload=alert(1)&gt;">' in markup
    assert "&lt;b&gt;inventory&lt;/b&gt;.json" in markup


def test_json_block_cannot_end_early(hostile_html: str) -> None:
    match = DATA_BLOCK.search(hostile_html)
    assert match is not None
    text = match["data"]
    for character in "<>&\u2028\u2029":
        assert character not in text
    strings = embedded(hostile_html)["strings"]
    for payload in XSS_PAYLOADS:
        # The data itself is intact, as the report shows it: U+2028 and U+2029 escaped.
        shown = display(payload, KEEP_BLOCK)
        assert any(shown in s for s in strings if s), payload


@pytest.mark.parametrize(
    "value",
    [
        "</script><script>alert(1)</script>",
        "<!--",
        "</SCRIPT >",
        "a&amp;b",
        "\u2028\u2029",
        "\ud800 lone surrogate",
        "<![CDATA[",
        "]]>",
    ],
)
def test_script_json_round_trips_and_stays_inert(value: str) -> None:
    text = str(script_json({"k": [value, None, 1.5]}))
    assert re.search(r"[<>&\u2028\u2029]", text) is None
    assert text.isascii()
    assert json.loads(text) == {"k": [value, None, 1.5]}


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_script_json_round_trips_as_inert_ascii(value: Any) -> None:
    text = str(script_json(value))
    assert text.isascii() and re.search(r"[<>&]", text) is None
    assert json.loads(text) == value


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_script_json_refuses_non_finite_numbers(value: float) -> None:
    with pytest.raises(ValueError, match="JSON"):
        script_json({"x": ["NaN", [value]]})


# --- the data is the JSON report's data ----------------------------------------------------------


def test_embedded_findings_are_finding_dicts_with_the_waiver_in_parts(
    strict_result: AuditResult,
) -> None:
    data = embedded(render(strict_result))
    decoded = columns.decode_table(data["findings"], data["strings"])
    expected = []
    for finding in strict_result.findings:
        row = finding_dict(finding)
        del row["waiver"]
        waiver = finding.waiver
        row["waiver.reason"] = waiver and waiver.reason
        row["waiver.expires"] = waiver and waiver.expires.isoformat()
        row["waiver.policy"] = waiver and waiver.policy
        expected.append(row)
    assert decoded == expected
    assert len(decoded) > 2 * len(strict_result.accounts)  # the strict policy fails most
    assert any(row["waiver.reason"] for row in decoded)


def test_the_script_finds_account_columns_through_the_payload(strict_result: AuditResult) -> None:
    data = embedded(render(strict_result))
    names = data["accounts"]["columns"]
    assert set(data["roles"].values()) <= set(names)
    assert data["roles"]["client"] == wire_name("client_id")
    assert data["secret_flags"] == {
        "has_password": "password",
        "has_imap_password": "imap_password",
    }
    code = str(assets().script)
    # Names that are not also a role's ("id", "tags") must not be in the script at all.
    for name in {*data["roles"].values(), *data["secret_flags"]} - set(data["roles"]):
        assert re.search(rf"\b{name}\b", code) is None, name


def test_embedded_accounts_carry_every_setting_but_no_secret(strict_result: AuditResult) -> None:
    data = embedded(render(strict_result))
    rows = columns.decode_table(data["accounts"], data["strings"])
    assert [row["id"] for row in rows] == [a.id for a in strict_result.accounts]
    first, account = rows[0], strict_result.accounts[0]
    assert first["from_name"] == account.from_name
    assert first["minTimeToWaitInMins"] == account.min_time_to_wait_mins
    assert first["has_password"] is account.has_password
    assert first["tags"] == list(account.tag_names)
    assert first["warmup_details.status"] == account.warmup_status
    assert first["created_at"] == account.created_at.replace(microsecond=0)  # type: ignore[union-attr]
    for row in rows:
        assert not {"password", "imap_password", "credential_tag"} & set(row)


def test_no_password_reaches_the_file(tmp_path: Path) -> None:
    records = generate_accounts(40, seed=5)
    secrets = {r[k] for r in records for k in ("password", "imap_password") if r[k]}
    assert secrets
    html = render(audit(records, STRICT_POLICY, tmp_path))
    for secret in secrets:
        assert secret not in html
        assert base64.b64decode(secret).decode() not in html


def test_rule_table_counts_are_the_rule_groups(strict_result: AuditResult) -> None:
    html = render(strict_result)
    for group in rule_groups(strict_result):
        row = re.search(rf'<tr data-rule="{re.escape(group.info.id)}".*?</tr>', html, re.DOTALL)
        assert row is not None, group.info.id
        cells = dict(re.findall(r'data-col="([a-z-]+)">([\d,]+)<', row[0]))
        assert cells == {
            "open": f"{group.open:,}",
            "accounts-failing": f"{group.accounts_failing:,}",
            "waived": f"{group.waived:,}",
        }
        assert group.info.remediation.split("(")[0].strip().replace("'", "&#39;") in row[0]


def test_empty_inventory_renders(tmp_path: Path) -> None:
    result = audit([], STRICT_POLICY, tmp_path)
    html = render(result)
    data = embedded(html)
    assert data["accounts"]["n"] == 0
    # Only the policy-level finding: the waiver matched nothing.
    assert [f["id"] for f in columns.decode_table(data["findings"], data["strings"])] == [
        "waiver-unused"
    ]
    assert 'data-result="pass"' in html


def test_charts_are_drawn_inline_with_their_tables(strict_result: AuditResult) -> None:
    html = render(strict_result)
    for chart in (
        "chart-provider",
        "chart-warmup",
        "chart-client",
        "chart-capacity",
        "chart-connection",
    ):
        figure = re.search(rf'<figure class="chart" id="{chart}".*?</figure>', html, re.DOTALL)
        assert figure is not None, chart
        assert "<svg" in figure[0] and "<table" in figure[0]
    capacity = sum(a.message_per_day or 0 for a in strict_result.accounts)
    assert f"daily sending capacity of {capacity:,} emails" in html


# --- the columnar encoding -----------------------------------------------------------------------

SCALARS = st.one_of(
    st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=40),
    st.lists(st.one_of(st.none(), st.integers(-(10**12), 10**12)), max_size=40),
    st.lists(st.integers(0, 3), max_size=200),  # long runs
    st.lists(st.one_of(st.none(), st.booleans()), max_size=40),
    st.lists(st.one_of(st.none(), st.lists(st.text(max_size=4), max_size=3)), max_size=20),
    st.lists(st.lists(st.integers(0, 10**6), max_size=3), max_size=20),
)


def encode(values: dict[str, list[Any]], rows: int) -> tuple[list[str | None], dict[str, Any]]:
    """One table with a string table of its own: the strings and the encoded table."""
    strings = columns.StringTable()
    table = columns.encode_table(values, rows, strings)
    return strings.strings, table


@given(SCALARS)
def test_columns_round_trip(values: list[Any]) -> None:
    strings, table = encode({"c": values}, len(values))
    decoded = columns.decode_table(json.loads(json.dumps(table)), strings)
    assert [row["c"] for row in decoded] == values


def test_columns_starting_with_a_long_null_run_are_converted() -> None:
    # Runs found on the raw values must not carry them unconverted (a datetime is not JSON).
    head = [None] * 3000
    values = {
        "t": [*head, datetime(2024, 1, 1, tzinfo=UTC)] * 2,
        "b": [*head, True] * 2,
        "x": [*head, 95.0] * 2,
    }
    strings, table = encode(values, 6002)
    decoded = columns.decode_table(json.loads(str(script_json(table))), strings)
    assert [row["t"] for row in decoded] == values["t"]
    assert [row["b"] for row in decoded] == values["b"]
    assert [row["x"] for row in decoded] == [None if v is None else 95 for v in values["x"]]


ZONES = st.sampled_from(
    [
        None,
        UTC,
        timezone(timedelta(hours=5, minutes=30)),
        timezone(timedelta(hours=-8)),
        ZoneInfo("Europe/Berlin"),
        TzInfo(0),
        TzInfo(-3600),
    ]
)
TIMES = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1))


@given(st.lists(st.one_of(st.none(), st.tuples(TIMES, ZONES)), max_size=30), ZONES)
def test_seconds_are_the_floor_of_the_timestamp(
    values: list[tuple[datetime, Any] | None], shared: Any
) -> None:
    def expected(v: datetime | None) -> int | None:
        return (
            None
            if v is None
            else math.floor((v if v.tzinfo else v.replace(tzinfo=UTC)).timestamp())
        )

    mixed = [None if v is None else v[0].replace(tzinfo=v[1]) for v in values]
    one_zone = [None if v is None else v[0].replace(tzinfo=shared) for v in values]
    for times in (mixed, one_zone):
        assert columns._seconds(times) == list(map(expected, times))


def test_columns_compress_runs_and_ascending_ids() -> None:
    strings, table = encode(
        {"severity": ["error"] * 500 + ["warning"] * 500, "id": list(range(100000, 101000))}, 1000
    )
    encoded = table["columns"]
    assert encoded["severity"][1] == "r" and len(encoded["severity"][2]) == 4
    assert encoded["id"][1] == "d" and set(encoded["id"][2][1:]) == {1}
    assert strings[0] is None


def test_columns_number_whole_floats_and_drop_non_finite() -> None:
    _, table = encode({"x": [95.0, 97.5, float("nan"), None]}, 4)
    assert table["columns"]["x"][2] == [95, 97.5, None, None]


def test_columns_refuse_mixed_kinds() -> None:
    with pytest.raises(TypeError, match="mixes"):
        encode({"x": ["a", 1]}, 2)
    with pytest.raises(ValueError, match="expected 3"):
        encode({"x": ["a"]}, 3)


def _string_counts(table: dict[str, Any], strings: list[str | None]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for name, (kind, _, _) in table["columns"].items():
        values = columns.decode_column(table["columns"][name], strings)
        if kind == "s":
            counts.update(v for v in values if v is not None)
        elif kind == "ls":
            counts.update(chain.from_iterable(v for v in values if v))
    return counts


def test_strings_are_numbered_table_by_table_most_frequent_first(
    strict_result: AuditResult,
) -> None:
    payload = embedded(render(strict_result))
    strings = payload["strings"]
    assert strings[0] is None and len(set(strings)) == len(strings)
    in_accounts = _string_counts(payload["accounts"], strings)
    in_findings = _string_counts(payload["findings"], strings) - in_accounts
    new_in_findings = Counter({s: n for s, n in in_findings.items() if s not in in_accounts})
    assert in_accounts and new_in_findings
    numbered = len(in_accounts)
    for part, counts in (
        (strings[1 : numbered + 1], in_accounts),
        (strings[numbered + 1 :], new_in_findings),
    ):
        assert set(part) == set(counts)
        assert [counts[s] for s in part] == sorted((counts[s] for s in part), reverse=True)


def test_account_columns_hold_what_the_model_says(
    hostile_result: AuditResult, strict_result: AuditResult
) -> None:
    accounts = (*strict_result.accounts, *hostile_result.accounts)
    assert any(a.warmup_details is None for a in accounts) and any(not a.tags for a in accounts)
    columns_ = account_columns(accounts)
    for name, info in fields_of(EmailAccount).items():
        if info.exclude or name in ("warmup_details", "tags"):
            continue
        assert columns_[wire_name(name)] == [getattr(a, name) for a in accounts], name
    for name in fields_of(WarmupDetails):
        assert columns_[f"warmup_details.{name}"] == [
            a.warmup_details and getattr(a.warmup_details, name) for a in accounts
        ], name
    assert columns_["tags"] == [list(a.tag_names) for a in accounts]
    assert account_columns(())["tags"] == []


def test_inventory_overview_counts_every_account(
    hostile_result: AuditResult, strict_result: AuditResult
) -> None:
    for result in (strict_result, hostile_result):
        accounts = result.accounts
        overview = inventory_overview(accounts)

        def counted(values: list[Any]) -> dict[Any, int]:
            return {c: values.count(c) for c in set(values)}

        by = {c.label: c.value for c in overview.by_warmup}
        assert by == counted([a.warmup_status or NO_WARMUP for a in accounts])
        by = {c.label: c.value for c in overview.by_provider}
        assert by == counted([a.type or NO_TYPE for a in accounts])
        capacity: dict[str, int] = {}
        for a in accounts:
            domain = a.sender_domain or NO_DOMAIN
            capacity[domain] = capacity.get(domain, 0) + (a.message_per_day or 0)
        assert {c.label: c.value for c in overview.capacity_by_domain} == capacity
        failures = counted(
            [
                ("SMTP", a.smtp_failure_error or "(no error text)")
                for a in accounts
                if a.is_smtp_success is False
            ]
            + [
                ("IMAP", a.imap_failure_error or "(no error text)")
                for a in accounts
                if a.is_imap_success is False
            ]
        )
        assert {(f.protocol, f.error): f.accounts for f in overview.connection_failures} == failures
        assert overview == inventory_overview(accounts, account_columns(accounts))


def test_account_columns_follow_the_model_without_excluded_fields(
    strict_result: AuditResult,
) -> None:
    names = list(account_columns(strict_result.accounts))
    assert names[:3] == ["id", "created_at", "updated_at"]
    assert "minTimeToWaitInMins" in names and "warmup_details.warmup_reputation" in names
    assert names[-2:] == ["tags", "campaign_ids"]
    assert "credential_tag" not in names


# --- the browser tests' own contract ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_chromium_fails_under_ci_and_skips_locally(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(outcome, match="chromium"):
        next(browser.launch_chromium())


def test_waiver_register_lists_every_waiver_escaped(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "version: 1\nrules:\n  - rule: warmup\nwaivers:\n"
        "  - {accounts: [1], reason: '<b>COMP-9</b>', expires: 2030-01-01, owner: ann,"
        " ticket: T-1}\n"
        "  - {accounts: ['*@nowhere.example'], reason: spare, expires: 2030-01-01}\n"
    )
    inventory = Inventory(
        parse_accounts([wire(id=1, warmup_details=None)]), InventoryInfo(source="t")
    )
    result = evaluate(
        load_policy([policy]), inventory, fail_on=FailOn.ERROR, now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    page = render(result)
    register = page.split('<section id="waivers"', 1)[1].split("</section>", 1)[0]
    assert "&lt;b&gt;COMP-9&lt;/b&gt;" in register
    assert "<b>COMP-9" not in register
    assert register.count('data-waiver-state="active"') == 2
    assert "ann" in register and "T-1" in register
    assert "(unused)" in register
