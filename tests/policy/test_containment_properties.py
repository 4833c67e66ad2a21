"""Property (hypothesis): a policy path outside the policy's repository is always refused: an
`extends` item that is absolute, climbs out with `..` (through any detour), or goes out through a
link to a file or a folder; and a link in a policy folder pointing out. Each run is exit 2 with
the problem at the item (or the link), and nothing of the outside file is ever shown.

The outside file is a valid YAML mapping with an unknown key: were it read, the message naming
that key would show it."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.cli import main

CANARY = "c4nary-outside-9d2b"
OUTSIDE = f"version: 1\n{CANARY}: 1\nrules: []\n"
POLICY = "version: 1\nrules:\n  - rule: daily-send-limit\n    max: 40\n"


def build(base: Path, with_git: bool) -> Path:
    """base/outside/{secret.yaml, deep/x.yaml} and base/repo/policies/{sub/, links out}."""
    (base / "outside" / "deep").mkdir(parents=True)
    (base / "outside" / "secret.yaml").write_text(OUTSIDE)
    (base / "outside" / "deep" / "x.yaml").write_text(OUTSIDE)
    policies = base / "repo" / "policies"
    (policies / "sub").mkdir(parents=True)
    if with_git:
        (base / "repo" / ".git").mkdir()
    (base / "repo" / "inside.yaml").write_text(POLICY)
    (policies / "sub" / "inside.yaml").write_text(POLICY)
    (policies / "link-out.yaml").symlink_to(base / "outside" / "secret.yaml")
    (policies / "dir-out").symlink_to("../../outside")
    (policies / "sub" / "up").symlink_to("../../..")  # base, above the repository
    return policies


@st.composite
def climbing(draw: st.DrawFn) -> str:
    """A relative path that leaves base/repo/policies by at least two levels (out of the
    repository with or without .git), after any detour inside."""
    detour = draw(st.lists(st.sampled_from(["sub", ".", "sub/..", "sub/./.."]), max_size=3))
    depth = sum(part == "sub" for part in detour)
    extra = draw(st.integers(0, 12))
    ups = [".."] * (depth + 2 + extra)
    tail = draw(
        st.sampled_from(
            ["outside/secret.yaml", "outside/deep/x.yaml", "outside/deep/../secret.yaml"]
            if extra == 0
            else ["etc/passwd", "proc/self/environ", "dev/zero", "outside/secret.yaml"]
        )
    )
    return "/".join([*detour, *ups, tail])


def through_links() -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            "link-out.yaml",
            "./link-out.yaml",
            "sub/../link-out.yaml",
            "dir-out/secret.yaml",
            "dir-out/deep/x.yaml",
            "dir-out/deep/../secret.yaml",
            "sub/up/outside/secret.yaml",
            "sub/up/repo/../outside/secret.yaml",
        ]
    )


def absolute(base: Path) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            str(base / "outside" / "secret.yaml"),
            str(base / "repo" / "inside.yaml"),  # absolute is refused even when inside
            "/etc/passwd",
            "//etc/passwd",
            "/./etc/../etc/passwd",
            "/proc/self/environ",
            "/dev/zero",
        ]
    )


def validate(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    return code, out.getvalue() + err.getvalue()


def assert_refused(code: int, output: str, where: str) -> None:
    assert code == 2, output
    lines = output.splitlines()
    assert lines[0].startswith("smartlead-audit: error: 1 policy problem found:"), output
    assert lines[1].startswith(where), output
    assert CANARY not in output
    assert "root:x:" not in output and "Traceback" not in output


@given(data=st.data(), with_git=st.booleans(), nested=st.booleans(), kind=st.integers(0, 2))
@settings(max_examples=200, deadline=None)
def test_extends_out_of_the_repository_is_always_refused(
    data: st.DataObject, with_git: bool, nested: bool, kind: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(os.path.realpath(folder))
        policies = build(base, with_git)
        strategy = [climbing(), through_links(), absolute(base)][kind]
        name = data.draw(strategy, label="extends")
        house = policies / "house.yaml"
        # nested: the item sits in a file that house.yaml extends (inside, one folder down)
        holder = policies / "sub" / "holder.yaml" if nested else house
        if nested:
            house.write_text("version: 1\nextends: [sub/holder.yaml]\n")
            name = name if kind == 2 else f"../{name}"  # the same target, named from sub/
        holder.write_text(f'version: 1\nextends: ["{name}"]\n')
        code, output = validate(house)
        assert_refused(code, output, f"{holder}:2:11: extends {name}: ")


@given(data=st.data(), with_git=st.booleans(), kind=st.integers(0, 2))
@settings(max_examples=100, deadline=None)
def test_a_policy_folder_entry_linking_out_is_always_refused(
    data: st.DataObject, with_git: bool, kind: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(os.path.realpath(folder))
        policies = build(base, with_git)
        (policies / "link-out.yaml").unlink()  # the one link to a *.yaml is made below
        outside = absolute(base).filter(lambda target: "repo" not in target)
        target = data.draw([climbing(), through_links(), outside][kind], label="target")
        link = policies / "shared.yaml"
        if target in ("link-out.yaml", "./link-out.yaml", "sub/../link-out.yaml"):
            target = str(base / "outside" / "secret.yaml")
        link.symlink_to(target)
        code, output = validate(policies)
        assert_refused(code, output, f"{link}:1:1: a link to ")
