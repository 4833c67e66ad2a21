"""``smartlead-audit test``: run policy tests (small inventories with expected findings)."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditor.errors import UsageError
from auditor.options.common import add_command, exit_codes
from auditor.policy.policy_tests import describe, discover_tests, run_file

EPILOG = """\
A test file lists cases; each case is a small inventory (only the fields that matter, merged
over `base_account`) and the exact findings (entry id + account) the policy must produce:

  policy: ../house.yaml
  base_account: {from_email: ada@acme.example, message_per_day: 30}
  cases:
    - name: GMAIL over the daily limit
      rules: [daily-send-limit]
      accounts:
        - {id: 1, type: GMAIL, message_per_day: 80}
      expect:
        - {id: daily-send-limit, account: 1}

examples:
  smartlead-audit test                       # ./policies/tests
  smartlead-audit test policies/tests/house.test.yaml

""" + exit_codes(
    "0  every case passed",
    "1  at least one case failed (the diff is printed)",
    "2  a test file or the policy it loads is invalid",
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "test",
        help="run policy tests (expected findings for small inventories)",
        description="Run policy tests: small inventories with the findings a policy must produce.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "paths",
        metavar="PATH",
        type=Path,
        nargs="*",
        help="test files or folders (default ./policies/tests)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    paths = args.paths or [Path("policies/tests")]
    files = discover_tests(paths)  # a path that does not exist at all is a usage error
    if not files:
        raise UsageError(f"no policy tests (*.yaml) in {', '.join(map(str, paths))}.")
    passed = failed = 0
    for candidate in files:
        results = run_file(candidate)
        print(results[0].file)
        for case in results:
            print(f"  {'PASS' if case.passed else 'FAIL'} {case.name}")
            for key in case.missing:
                print(f"    - expected, not found: {describe(key)}")
            for key in case.unexpected:
                print(f"    + found, not expected: {describe(key)}")
            passed += case.passed
            failed += not case.passed
    print(f"{passed + failed} cases: {passed} passed, {failed} failed")
    return 1 if failed else 0
