"""`workbench mark CONTROL_ID... STATUS`: set the status of one or more controls at once."""

from __future__ import annotations

import argparse
from typing import Any

from .common import (
    CommandError,
    console,
    date_arg,
    open_workspace,
    print_json,
    reports_errors,
    status_text,
)


def register(sub: Any) -> None:
    from workbench.core.status import STATUS_DESCRIPTIONS, Status

    statuses = "\n".join(f"  {s.value:<15} {STATUS_DESCRIPTIONS[s]}" for s in Status)
    p = sub.add_parser(
        "mark",
        help="set the status of one or more controls",
        description="Set the status of one or more controls in one change (undo reverts all "
        "of it). Unknown IDs, an unknown status, not_applicable without --justification or a "
        "bad date change nothing and exit 2.",
        epilog=f"statuses:\n{statuses}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("control_ids", nargs="+", metavar="CONTROL_ID", help="one or more control IDs")
    p.add_argument("status", metavar="STATUS", help="the new status (listed below)")
    p.add_argument("--note", metavar="TEXT", help="set the control's notes ('' clears them)")
    p.add_argument("--owner", metavar="NAME", help="set the owner ('' clears it)")
    p.add_argument("--due", type=date_arg, metavar="YYYY-MM-DD", help="set the due date")
    p.add_argument(
        "--justification",
        metavar="TEXT",
        help="why the control is out of scope (required for not_applicable)",
    )
    p.add_argument("--json", action="store_true", help="print the events written as JSON")
    p.set_defaults(handler=run)


def _split(ids: list[str], status: str) -> tuple[list[str], str]:
    from workbench.core.status import UnknownStatusError, is_status, parse_status

    try:
        return ids, parse_status(status).value
    except UnknownStatusError as exc:
        if any(is_status(item) for item in ids):
            raise CommandError(
                f"{exc}; the status comes last: workbench mark CONTROL_ID... STATUS"
            ) from None
        raise CommandError(str(exc)) from None


@reports_errors
def run(args: argparse.Namespace) -> int:
    ids, status = _split(args.control_ids, args.status)
    justification = args.justification
    if status == "not_applicable" and justification is not None and not justification.strip():
        raise CommandError("not_applicable needs a justification: --justification is empty")
    with open_workspace(args, control_ids=ids) as ws:
        events = ws.mark(
            ids,
            status,
            note=args.note,
            owner=args.owner,
            due=args.due,
            justification=args.justification,
        )
        if args.json:
            print_json(
                {
                    "schema": "workbench.mark/1",
                    "status": status,
                    "controls": list(dict.fromkeys(ids)),
                    "events": [ev.to_dict() for ev in events],
                }
            )
            return 0
        _report(ids, status, events)
    return 0


def _report(ids: list[str], status: str, events: list[Any]) -> None:
    from rich.text import Text

    out = console()
    changed: dict[str, list[Any]] = {}
    for ev in events:
        changed.setdefault(ev.control_id, []).append(ev)
    for cid in dict.fromkeys(ids):
        line = Text(f"{cid}  ", style="bold")
        evs = changed.get(cid)
        if not evs:
            line.append_text(Text("unchanged (already "))
            line.append_text(status_text(status))
            line.append(")")
            out.print(line)
            continue
        status_ev = next((ev for ev in evs if ev.field == "status"), None)
        if status_ev is not None:
            line.append_text(status_text(status_ev.old_value or "not_started"))
            line.append(" -> ")
            line.append_text(status_text(status_ev.new_value or "not_started"))
        else:
            line.append_text(status_text(status))
        others = [ev.field for ev in evs if ev.field != "status"]
        if others:
            line.append(f"  ({', '.join(others)} updated)", style="dim")
        out.print(line)
    if events:
        out.print(
            Text(f"recorded as action {events[0].action}; `workbench undo` reverts it", "dim")
        )
