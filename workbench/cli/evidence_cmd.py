"""`workbench evidence add|list|check|remove`: references to files, URLs and notes."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from .common import console, date_arg, fail, fmt_at, open_workspace, print_json, reports_errors

if TYPE_CHECKING:
    from workbench.core.store import Evidence


def register(sub: Any) -> None:
    p = sub.add_parser(
        "evidence",
        help="attach, list and check evidence (files, URLs, notes)",
        description="Evidence is referenced, never copied or opened: a file is recorded with "
        "its absolute path, SHA-256 and size so `evidence check` can tell when it changed.",
    )
    p.set_defaults(handler=_usage(p))
    ev = p.add_subparsers(dest="evidence_command", metavar="SUBCOMMAND", parser_class=type(p))

    add = ev.add_parser(
        "add",
        help="attach a file, URL or note to a control",
        description="Attach evidence to a control. PATH_OR_URL is a URL (https://...), an "
        "existing file (recorded by absolute path with its SHA-256 and size), or free text "
        "(a note). Text that looks like a path but names no file is refused; use --kind note.",
    )
    add.add_argument("control_id", metavar="CONTROL_ID")
    add.add_argument("ref", metavar="PATH_OR_URL")
    add.add_argument("--title", metavar="T", help="a short title")
    add.add_argument(
        "--from", dest="effective_from", type=date_arg, metavar="DATE", help="period start"
    )
    add.add_argument("--to", dest="effective_to", type=date_arg, metavar="DATE", help="period end")
    add.add_argument(
        "--kind", choices=("file", "url", "note"), help="force the kind instead of detecting it"
    )
    add.add_argument("--json", action="store_true", help="print the evidence record as JSON")
    add.set_defaults(handler=run_add)

    ls = ev.add_parser("list", help="list evidence (of one control, or all)")
    ls.add_argument("control_id", nargs="?", metavar="CONTROL_ID")
    ls.add_argument("--all", action="store_true", help="include removed evidence")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(handler=run_list)

    check = ev.add_parser(
        "check",
        help="find attached files that are missing or changed since attached",
        description="Re-hash every attached file. Exit 0 when all are unchanged, 1 when any is "
        "missing, changed or unreadable. URLs and notes are not checked.",
    )
    check.add_argument("control_id", nargs="?", metavar="CONTROL_ID")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=run_check)

    rm = ev.add_parser("remove", help="detach evidence by its number (undo restores it)")
    rm.add_argument("evidence_id", type=int, metavar="ID")
    rm.set_defaults(handler=run_remove)


def _usage(parser: argparse.ArgumentParser) -> Any:
    def show(_args: argparse.Namespace) -> int:
        parser.print_usage(sys.stderr)
        return fail("choose add, list, check or remove")

    return show


@reports_errors
def run_add(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        item = ws.add_evidence(
            args.control_id,
            args.ref,
            title=args.title,
            effective_from=args.effective_from,
            effective_to=args.effective_to,
            kind=args.kind,
        )
    if args.json:
        print_json({"schema": "workbench.evidence/1", "evidence": [item.to_dict()]})
        return 0
    from rich.text import Text

    line = Text.assemble(
        "attached ", (f"#{item.id}", "bold"), " to ", (item.control_id, "bold"), ": "
    )
    line.append(item.kind, style="cyan")
    line.append(f" {item.ref}")
    console().print(line)
    if item.sha256 is not None:
        console().print(Text(f"  sha256 {item.sha256}  {item.size} bytes", style="dim"))
    return 0


@reports_errors
def run_list(args: argparse.Namespace) -> int:
    with open_workspace(args, create=False) as ws:
        items = ws.evidence(args.control_id, include_removed=args.all)
    if args.json:
        print_json({"schema": "workbench.evidence/1", "evidence": [i.to_dict() for i in items]})
        return 0
    if not items:
        where = f" for {args.control_id}" if args.control_id else ""
        console().print(f"No evidence attached{where}.", markup=False)
        return 0
    console().print(_table(items, show_removed=args.all))
    return 0


def _table(items: list[Evidence], *, show_removed: bool) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("#", "control", "kind", "title / reference", "period", "added"):
        table.add_column(name, justify="right" if name == "#" else "left")
    if show_removed:
        table.add_column("removed")
    for item in items:
        ref = Text(item.title or item.ref)
        if item.title:
            ref.append(f"\n{item.ref}", style="dim")
        start = item.effective_from.isoformat() if item.effective_from else ""
        end = item.effective_to.isoformat() if item.effective_to else ""
        period = f"{start} to {end}" if start or end else ""
        row = [
            Text(str(item.id)),
            Text(item.control_id),
            Text(item.kind, style="cyan"),
            ref,
            Text(period),
            Text(f"{fmt_at(item.added_at)[:10]} {item.added_by}"),
        ]
        if show_removed:
            removed = f"{fmt_at(item.removed_at)[:10]} {item.removed_by}" if item.removed_at else ""
            row.append(Text(removed, style="red"))
        table.add_row(*row)
    return table


@reports_errors
def run_check(args: argparse.Namespace) -> int:
    with open_workspace(args, create=False) as ws:
        results = ws.check_evidence(args.control_id)
    problems = [r for r in results if r.problem]
    if args.json:
        print_json(
            {
                "schema": "workbench.evidence-check/1",
                "ok": not problems,
                "results": [r.to_dict() for r in results],
            }
        )
        return 1 if problems else 0
    from rich.table import Table
    from rich.text import Text

    from workbench.presentation import EVIDENCE_STATE_STYLES

    out = console()
    if not results:
        out.print("No evidence attached.", markup=False)
        return 0
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("#", "control", "state", "reference", "detail"):
        table.add_column(name, justify="right" if name == "#" else "left")
    for r in results:
        table.add_row(
            Text(str(r.evidence.id)),
            Text(r.evidence.control_id),
            Text(r.state, style=EVIDENCE_STATE_STYLES.get(r.state, "")),
            Text(r.evidence.ref if r.evidence.kind == "file" else r.evidence.label),
            Text(r.detail, style="dim" if r.state in ("ok", "not_checked") else ""),
        )
    out.print(table)
    files = sum(1 for r in results if r.state != "not_checked")
    if problems:
        out.print(
            Text(f"{len(problems)} of {files} file(s) missing, changed or unreadable", "bold red")
        )
        return 1
    out.print(Text(f"all {files} file(s) unchanged since attached", style="green"))
    return 0


@reports_errors
def run_remove(args: argparse.Namespace) -> int:
    with open_workspace(args, create=False) as ws:
        events = ws.remove_evidence(args.evidence_id)
    from rich.text import Text

    console().print(
        Text.assemble(
            "removed ",
            (f"#{args.evidence_id}", "bold"),
            f" from {events[0].control_id}; `workbench undo` restores it",
        )
    )
    return 0
