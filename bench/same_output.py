"""Proves that this tree's reports are byte-identical to a baseline's, timestamps aside.

Both trees' CLIs (``python -m auditor check`` with PYTHONPATH=<tree>, NO_COLOR=1, the same
working-directory layout and the same input files) audit:

- ``demo``: examples/demo-inventory.json with the repository's ``policies/``;
- ``default-10k`` and ``wild-10k``: 10,000 generated accounts (`bench/shapes.py`,
  seed 10000) of the default and the wild shape, with the ``baseline`` preset;
- ``scoped-10k``: the scoped shape with bench/policies/scoped (waivers, scoped entries).

Each writes json, markdown, html, sarif, junit and csv, prints the console report (stdout of the
same run) and, in a second run, the github report (stdout). Exit codes are compared too. Before
comparing, what depends on the moment of the run is replaced by a placeholder: every ISO-8601
date-time that falls within the run's own time window (JSON ``generated_at``, the Markdown
"Generated" row, the HTML "Ran at" time, a JUnit ``timestamp``, SARIF invocation times; the
inventory's own dates are years old, so they stay), and JUnit ``time="..."`` durations and
``elapsed_seconds``. Running one tree twice shows that nothing else varies (``--new-tree`` set
to the baseline). Prints SAME or DIFFERENT per file (with the first lines of a unified diff
around the first difference); exits 1 on any difference, 2 when a CLI failed outright.

    python bench/same_output.py --baseline-tree /work/old              # this repo vs /work/old
    python bench/same_output.py --baseline-rev HEAD~1 --cases demo wild-10k
    python bench/same_output.py --baseline-tree /work/old --new-tree /work/old   # self-check
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trees

FILES = {
    "json": "audit.json",
    "markdown": "audit.md",
    "html": "audit.html",
    "sarif": "audit.sarif",
    "junit": "audit.junit.xml",
    "csv": "audit.csv",
}
CASES = ("demo", "default-10k", "wild-10k", "scoped-10k")
SIZE = 10_000
ISO = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
DURATIONS = (
    (re.compile(rb'(<test(?:suites?|case)\b[^>]*?\btime=")[0-9.]+"'), rb'\1<DURATION>"'),
    (re.compile(rb'("elapsed_seconds":\s*)[0-9.eE+-]+'), rb"\1<DURATION>"),
)
SLACK = timedelta(seconds=5)


def normalise(data: bytes, start: datetime, end: datetime) -> bytes:
    def now_or_keep(match: re.Match[bytes]) -> bytes:
        text = match.group().decode().replace("Z", "+00:00")
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return match.group()
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        return b"<NOW>" if start - SLACK <= when <= end + SLACK else match.group()

    data = ISO.sub(now_or_keep, data)
    for pattern, replacement in DURATIONS:
        data = pattern.sub(replacement, data)
    return data


def run(
    tree: Path, workdir: Path, inventory: Path, policy: Path, formats: list[str]
) -> tuple[int, bytes, str]:
    argv = trees.cli_argv("check", "--inventory", str(inventory), "--policy", str(policy))
    for fmt in formats:
        argv += ["--format", fmt]
    workdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [*argv, "--output-dir", "reports"],
        cwd=workdir,
        env=trees.cli_env(tree),
        capture_output=True,
    )
    return done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")


def audit(
    tree: Path, workdir: Path, inventory: Path, policy: Path
) -> tuple[dict[str, bytes], list[str]]:
    """Every output of ``tree`` on one case, by name, normalised; and its failures."""
    start = datetime.now(UTC)
    code, console, err = run(tree, workdir, inventory, policy, [*FILES, "console"])
    code2, github, err2 = run(tree, workdir / "github", inventory, policy, ["github"])
    end = datetime.now(UTC)
    failures = [
        f"exit {c}: {e[-2000:]}" for c, e in ((code, err), (code2, err2)) if c not in (0, 1)
    ]
    outputs = {"exit code": f"{code} {code2}\n".encode(), "console": console, "github": github}
    for name in FILES.values():
        path = workdir / "reports" / name
        outputs[name] = path.read_bytes() if path.is_file() else b"<missing>\n"
    return {k: normalise(v, start, end) for k, v in outputs.items()}, failures


def first_difference(old: bytes, new: bytes, width: int = 240) -> list[str]:
    """A unified diff (at most 20 lines) around the first differing line; long lines are cut
    around their first differing character."""
    a = old.decode("utf-8", "replace").splitlines()
    b = new.decode("utf-8", "replace").splitlines()
    line = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    col = 0
    if line < min(len(a), len(b)):
        x, y = a[line], b[line]
        col = next(
            (i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), min(len(x), len(y))
        )
    lo, cut = max(0, line - 3), max(0, col - width // 2)
    diff = difflib.unified_diff(
        [s[cut : cut + width] for s in a[lo : line + 30]],
        [s[cut : cut + width] for s in b[lo : line + 30]],
        "baseline",
        "new",
        lineterm="",
        n=3,
    )
    head = (
        f"first difference: line {line + 1}, column {col + 1} (lines shown from column {cut + 1})"
    )
    return [head, *list(diff)[:20]]


def prepare(case: str, tmp: Path) -> tuple[Path, Path]:
    if case == "demo":
        return trees.REPO / "examples" / "demo-inventory.json", trees.REPO / "policies"
    shape = case.removesuffix("-10k")
    inventory = trees.write_inventory(tmp / f"{case}.json", SIZE, shape)
    if shape == "scoped":
        return inventory, trees.REPO / "bench" / "policies" / "scoped"
    policy = tmp / "baseline.yaml"
    policy.write_text("version: 1\nextends: [baseline]\n")
    return inventory, policy


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    trees.add_tree_options(parser)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    args = parser.parse_args()
    different = failed = 0
    with trees.baseline_tree(args) as old, tempfile.TemporaryDirectory(prefix="same-") as name:
        tmp, new = Path(name), args.new_tree.resolve()
        print(f"baseline: {trees.describe(old)}\nnew:      {trees.describe(new)}")
        for case in args.cases:
            inventory, policy = prepare(case, tmp)
            print(f"\n{case}: {inventory.name}, policy {policy.name}")
            base, base_failures = audit(old, tmp / case / "baseline", inventory, policy)
            ours, our_failures = audit(new, tmp / case / "new", inventory, policy)
            for side, failures in (("baseline", base_failures), ("new", our_failures)):
                for failure in failures:
                    failed += 1
                    print(f"  ERROR ({side}): {failure}")
            for output, old_bytes in base.items():
                same = old_bytes == ours[output]
                different += not same
                print(
                    f"  {'SAME     ' if same else 'DIFFERENT'} {output} ({len(old_bytes):,} bytes)"
                )
                if not same:
                    print(
                        "\n".join("      " + s for s in first_difference(old_bytes, ours[output]))
                    )
    verdict = "all outputs are the same" if not different else f"{different} outputs differ"
    print(f"\n{verdict}" + (f"; {failed} CLI runs failed" if failed else ""))
    return 2 if failed else 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
