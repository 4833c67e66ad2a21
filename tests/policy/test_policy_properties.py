"""Hostile policies (hypothesis): mutated valid policies give exit 0 or a clean exit 2 with
file:line:column for every problem; never a traceback, never exit 4, never a hang."""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.cli import main
from tests.support.shared import SHIPPED_POLICIES

BASE = (SHIPPED_POLICIES / "house.yaml").read_text().splitlines()
PROBLEM_LINE = re.compile(r"^.+:\d+:\d+: \S")

tokens = st.sampled_from(
    [
        "",
        "-",
        ":",
        "[",
        "]",
        "{",
        "}",
        "&a",
        "*a",
        "!!python/object:os.system",
        "~",
        "null",
        "yes",
        "1e999",
        "-1",
        "0x10",
        "2027-02-30",
        "'",
        '"',
        "|",
        ">",
        "?",
        "%YAML 1.1",
        "---",
        "...",
        "rule: nope",
        "max: [1, 2]",
        "pattern: '(a+)+$'",
        "pattern: '(?=x)'",
        "only: {tpye: x}",
        "extends: [../../etc/passwd]",
        "extends: [strict, baseline, strict]",
        "\t",
        "\x00",
        "\ufeff",
        "é",
        "version: 2",
        "waivers: {}",
        "- accounts: []",
        "expires: never",
        "a" * 10_000,
    ]
)


@st.composite
def mutated_policy(draw: st.DrawFn) -> str:
    lines = list(BASE)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["replace-value", "insert", "delete", "indent", "garble"]))
        line = lines[index]
        if kind == "replace-value" and ":" in line:
            lines[index] = line.split(":", 1)[0] + ": " + draw(tokens)
        elif kind == "insert":
            lines.insert(index, " " * draw(st.integers(0, 6)) + draw(tokens))
        elif kind == "delete":
            del lines[index]
        elif kind == "indent":
            lines[index] = " " * draw(st.integers(0, 5)) + line.lstrip()
        else:
            position = draw(st.integers(0, len(line)))
            lines[index] = line[:position] + draw(st.text(max_size=5)) + line[position:]
    return "\n".join(lines) + "\n"


def _validate(text: str) -> tuple[int, str, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(path)])
        return code, err.getvalue(), str(path)


EXTENDED_FILE_PROBLEM = re.compile(r"^[^:\n]+:\d+:\d+: ")


@given(text=mutated_policy())
@settings(max_examples=250, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_policies_give_a_clean_verdict(text: str) -> None:
    code, err, path = _validate(text)
    assert code in (0, 2), err
    if code == 2:
        lines = err.splitlines()
        assert lines[0].startswith("smartlead-audit: error:")
        assert "Traceback" not in err
        if "policy problem" in lines[0]:
            for line in lines[1:]:
                # a mutated `extends:` may name another file: its problems are located there
                assert line.startswith(path + ":") or EXTENDED_FILE_PROBLEM.match(line), line
                assert PROBLEM_LINE.match(line), line


@given(data=st.binary(max_size=300))
@settings(max_examples=150, deadline=5000)
def test_arbitrary_bytes_are_a_clean_policy_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.yaml"
        path.write_bytes(data)
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main(["validate", str(path)])
    assert code == 2, err.getvalue()
    assert PROBLEM_LINE.match(err.getvalue().splitlines()[1])
