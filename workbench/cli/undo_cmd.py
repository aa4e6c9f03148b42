"""`workbench undo` and `workbench redo`: revert a change, or an undo, by recording new events
(history is kept)."""

from __future__ import annotations

import argparse
from typing import Any

from .common import console, fmt_at, history_table, open_workspace, print_json, reports_errors


def register(sub: Any) -> None:
    p = sub.add_parser(
        "undo",
        help="revert your last change (all of it); again: the change before it",
        description="Revert your most recent change to the database (every control it "
        "touched) by recording new events that restore the previous values. Run it again to "
        "revert the change before that, and so on; `workbench redo` restores what undo "
        "reverted. 'Your' is the actor (--actor, WORKBENCH_ACTOR, else the OS user); a change "
        "by someone else is not touched unless you pass --anyone. If what the change set has "
        "been changed again since, nothing is written and the later change is named. Nothing "
        "is erased from history.",
    )
    p.add_argument(
        "--anyone",
        action="store_true",
        help="undo the most recent change whoever made it",
    )
    p.add_argument("--json", action="store_true", help="print the events written as JSON")
    p.set_defaults(handler=run_undo)
    r = sub.add_parser(
        "redo",
        help="restore what your last undo reverted",
        description="Restore what your most recent undo reverted, by recording new events. "
        "Run it again to restore the undo before that. A new change empties what there is to "
        "redo, as in an editor.",
    )
    r.add_argument("--json", action="store_true", help="print the events written as JSON")
    r.set_defaults(handler=run_redo)


@reports_errors
def run_undo(args: argparse.Namespace) -> int:
    with open_workspace(args, create=False) as ws:
        reverted = ws.undo_preview(anyone=args.anyone)
        events = ws.undo(anyone=args.anyone)
    first = reverted[0] if reverted else None
    by = f" by {first.actor} at {fmt_at(first.at)}" if first else ""
    return _report("undo", f"Undid action {events[0].undoes}{by}", events, args.json)


@reports_errors
def run_redo(args: argparse.Namespace) -> int:
    with open_workspace(args, create=False) as ws:
        reverted = ws.redo_preview()
        events = ws.redo()
    first = reverted[0] if reverted else None
    what = f"action {first.undoes}" if first and first.undoes is not None else "the change"
    headline = f"Redid {what} (reverting undo action {events[0].undoes})"
    return _report("redo", headline, events, args.json)


def _report(kind: str, headline: str, events: list[Any], as_json: bool) -> int:
    if as_json:
        print_json(
            {
                "schema": f"workbench.{kind}/1",
                "undid_action": events[0].undoes,
                "events": [ev.to_dict() for ev in events],
            }
        )
        return 0
    from rich.text import Text

    out = console()
    out.print(Text(f"{headline}; recorded as:", style="bold"))
    out.print(history_table(events))
    return 0
