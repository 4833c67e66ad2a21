"""``smartlead-audit fetch -o FILE``: save the live inventory as a snapshot, for audits and git.

The snapshot (``smartlead-auditor/inventory@1``) is sorted by id with a stable key order, so a
committed snapshot diffs readably; it holds no password and nothing derived from one (only whether
one is set). It is written atomically: a failed fetch leaves any previous snapshot untouched.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from auditor.options.common import add_command
from auditor.options.live import LIVE_HELP, add_fetch_arguments, fetch_inventory
from auditor.report.output import refuse_inputs, refuse_policy_file, write_atomic
from auditor.sources.inventory import dumps_snapshot, snapshot_document

DESCRIPTION = """\
Fetch every email account from the SmartLead API and save it as a snapshot file.

Pages are fetched concurrently under one shared rate limit, retried on 429/5xx/timeouts, and
checked for accounts added or removed while paging. Either every account is saved, or nothing is.
"""

EPILOG = (
    LIVE_HELP
    + """
examples:
  export SMARTLEAD_API_KEY=...          # or put it in ./.env
  smartlead-audit fetch -o inventory.json
  smartlead-audit fetch -o eu.json --client-id 5120 --esp SMTP --rate 2
  smartlead-audit fetch -o - --in-use --quiet | jq '.accounts | length'
  smartlead-audit check --inventory inventory.json

  try it without an account, against the bundled test server:
  python -m auditor.testing.server --accounts 5000 &   # prints the two exports to use

exit codes:
  0  snapshot written
  2  usage or settings error (a missing SMARTLEAD_API_KEY too), or the file cannot be written
  3  API error: a page could not be fetched, the key was rejected (401/403), a parameter was
     rejected (422), an answer was not a list of accounts, or the list kept changing
  4  internal error (a bug: please report it)
"""
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "fetch",
        help="save the live inventory as a snapshot file",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        required=True,
        help="snapshot file to write ('-' for stdout)",
    )
    add_fetch_arguments(parser)
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no summary line"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.output != "-":  # refused before any request is made
        output = Path(args.output)
        refuse_inputs([("the snapshot", output)], [("the settings file", Path(".env"))])
        refuse_policy_file("the snapshot", output)
    inventory = fetch_inventory(args, quiet=args.quiet)
    info = inventory.info
    document = snapshot_document(
        inventory.accounts,
        fetched_at=info.fetched_at or datetime.now(UTC),
        source={"url": info.source},
    )
    text = dumps_snapshot(document)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        write_atomic(Path(args.output), text)
    if not args.quiet:
        stats = info.stats
        how = (
            f" ({stats.pages} pages, {stats.requests} requests, {stats.retries} retries, "
            f"{stats.elapsed_seconds:.1f}s)"
            if stats
            else ""
        )
        target = "stdout" if args.output == "-" else args.output
        print(f"wrote {len(inventory.accounts)} accounts to {target}{how}", file=sys.stderr)
    return 0
