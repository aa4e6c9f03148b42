"""`workbench undo`: revert the last change by recording new events (history is kept)."""

from __future__ import annotations

import argparse
from typing import Any

from .common import console, fmt_at, history_table, open_workspace, print_json, reports_errors


def register(sub: Any) -> None:
    p = sub.add_parser(
        "undo",
        help="revert your last change (all of it); undo again to redo",
        description="Revert your most recent change to the database (every control it "
        "touched) by recording new events that restore the previous values. 'Your' is the "
        "actor (--actor, WORKBENCH_ACTOR, else the OS user); a change by someone else is not "
        "touched unless you pass --anyone. If what the change set has been changed again "
        "since, nothing is written and the later change is named. Nothing is erased from "
        "history. Running undo twice restores the change (redo).",
    )
    p.add_argument(
        "--anyone",
        action="store_true",
        help="undo the most recent change whoever made it",
    )
    p.add_argument("--json", action="store_true", help="print the events written as JSON")
    p.set_defaults(handler=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    with open_workspace(args, create=False) as ws:
        reverted = ws.undo_preview(anyone=args.anyone)
        events = ws.undo(anyone=args.anyone)
    if args.json:
        print_json(
            {
                "schema": "workbench.undo/1",
                "undid_action": events[0].undoes,
                "events": [ev.to_dict() for ev in events],
            }
        )
        return 0
    from rich.text import Text

    out = console()
    first = reverted[0] if reverted else None
    by = f" by {first.actor} at {fmt_at(first.at)}" if first else ""
    out.print(Text(f"Undid action {events[0].undoes}{by}; recorded as:", style="bold"))
    out.print(history_table(events))
    return 0
