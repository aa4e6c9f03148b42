"""`workbench history [CONTROL_ID]`: the append-only change log, newest last."""

from __future__ import annotations

import argparse
from typing import Any

from .common import (
    console,
    history_table,
    open_workspace,
    positive_int,
    print_json,
    reports_errors,
    since_arg,
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "history",
        help="every recorded change (of one control, or all), oldest first",
        description="Every change is an event in an append-only, hash-chained log: status, "
        "owner, notes, due date, justification, evidence and settings. `workbench verify` "
        "checks the chain.",
    )
    p.add_argument("control_id", nargs="?", metavar="CONTROL_ID")
    p.add_argument(
        "--since",
        type=since_arg,
        metavar="DATE",
        help="only events from this date (YYYY-MM-DD, UTC) or date-time on",
    )
    p.add_argument("--limit", type=positive_int, metavar="N", help="only the N most recent")
    p.add_argument("--json", action="store_true", help="machine-readable output with hashes")
    p.set_defaults(handler=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    with open_workspace(args, create=False) as ws:
        events = ws.store.history(args.control_id, since=args.since, limit=args.limit)
    if args.json:
        print_json({"schema": "workbench.history/1", "events": [ev.to_dict() for ev in events]})
        return 0
    out = console()
    if not events:
        what = f" for {args.control_id}" if args.control_id else ""
        when = f" since {args.since.date().isoformat()}" if args.since else ""
        out.print(f"No changes recorded{what}{when}.", markup=False)
        return 0
    out.print(history_table(events, show_control=args.control_id is None))
    return 0
