"""`workbench period add|edit|list|use|show`: named audit periods per framework."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from .common import (
    CommandError,
    console,
    date_arg,
    fail,
    open_workspace,
    print_json,
    reports_errors,
)

if TYPE_CHECKING:
    from workbench.core.store import Period
    from workbench.core.workspace import Workspace


def register(sub: Any) -> None:
    p = sub.add_parser(
        "period",
        help="audit periods: add, list, choose the current one, show progress",
        description="A named audit period per framework (a SOC 2 Type II window, a SOX fiscal "
        "year with its as-of date). Tests and samples belong to a period; the current period "
        "of each framework is what readiness is backed by.",
    )
    p.set_defaults(handler=_usage(p))
    sp = p.add_subparsers(dest="period_command", metavar="SUBCOMMAND", parser_class=type(p))

    add = sp.add_parser(
        "add",
        help="add a period (it becomes current for frameworks that have none)",
        description="Add a named audit period. It becomes the current period of each of its "
        "frameworks that has none yet (--use: even if they have one; --no-use: never).",
    )
    add.add_argument("name", metavar="NAME", help='e.g. "SOC 2 Type II 2027" or FY2027')
    add.add_argument(
        "--framework",
        dest="frameworks",
        action="append",
        required=True,
        metavar="ID",
        help="a framework id (soc2, sox...); repeat for a period serving several",
    )
    add.add_argument("--start", type=date_arg, required=True, metavar="YYYY-MM-DD")
    add.add_argument("--end", type=date_arg, required=True, metavar="YYYY-MM-DD")
    add.add_argument(
        "--as-of",
        type=date_arg,
        metavar="YYYY-MM-DD",
        help="the as-of date (a sox period is concluded as of its end: --end, the default)",
    )
    use = add.add_mutually_exclusive_group()
    use.add_argument("--use", dest="use", action="store_true", default=None)
    use.add_argument("--no-use", dest="use", action="store_false")
    add.add_argument("--json", action="store_true", help="print the period as JSON")
    add.set_defaults(handler=run_add)

    edit = sp.add_parser(
        "edit",
        help="move a period's start, end or as-of date",
        description="Move a period's dates (its name and frameworks stay). A change that would "
        "leave recorded samples outside the period is refused and names them. The change is a "
        "history event; `workbench undo` reverts it.",
    )
    edit.add_argument("name", metavar="NAME")
    edit.add_argument("--start", type=date_arg, metavar="YYYY-MM-DD")
    edit.add_argument("--end", type=date_arg, metavar="YYYY-MM-DD")
    as_of = edit.add_mutually_exclusive_group()
    as_of.add_argument("--as-of", type=date_arg, metavar="YYYY-MM-DD")
    as_of.add_argument("--no-as-of", action="store_true", help="clear the as-of date")
    edit.add_argument("--json", action="store_true", help="print the period as JSON")
    edit.set_defaults(handler=run_edit)

    ls = sp.add_parser("list", help="every period, and which is current for each framework")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=run_list)

    u = sp.add_parser("use", help="make a period the current one for its frameworks")
    u.add_argument("name", metavar="NAME")
    u.set_defaults(handler=run_use)

    show = sp.add_parser(
        "show",
        help="a period: every tested control, required vs done, backing, coverage",
    )
    show.add_argument("name", nargs="?", metavar="NAME", help="default: the current period(s)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)


def _usage(parser: argparse.ArgumentParser) -> Any:
    def show(_args: argparse.Namespace) -> int:
        parser.print_usage(sys.stderr)
        return fail("choose add, edit, list, use or show")

    return show


def current_for(ws: Workspace, period: Period) -> list[str]:
    return [fw for fw in period.frameworks if ws.backing.records.current.get(fw) == period.name]


@reports_errors
def run_add(args: argparse.Namespace) -> int:
    from rich.text import Text

    with open_workspace(args) as ws:
        fws = list(dict.fromkeys(fw.strip() for fw in args.frameworks))
        unknown = [fw for fw in fws if fw not in ws.catalog.frameworks]
        if unknown:
            raise CommandError(
                f"unknown framework {', '.join(unknown)} (expected: "
                f"{', '.join(ws.catalog.frameworks)}); nothing was changed"
            )
        as_of = args.as_of
        if as_of is None and "sox" in fws:
            as_of = args.end
        period = ws.add_period(args.name, fws, args.start, args.end, as_of=as_of, use=args.use)
        now_current = current_for(ws, period)
        if args.json:
            print_json(
                {
                    "schema": "workbench.period/1",
                    "period": period.to_dict(),
                    "current_for": now_current,
                    **period_checks(period),
                }
            )
            return 0
        out = console()
        out.print(Text.assemble("added period ", (period.label, "bold")))
        _print_notes(out, ws, period)
        if now_current:
            out.print(f"now the current period for {', '.join(now_current)}", markup=False)
        others = [fw for fw in period.frameworks if fw not in now_current]
        if others:
            out.print(
                Text(
                    f"{', '.join(others)} keep(s) their current period: "
                    f"`workbench period use {period.name!r}` to switch",
                    style="dim",
                )
            )
    return 0


@reports_errors
def run_edit(args: argparse.Namespace) -> int:
    from rich.text import Text

    from workbench.core.store import UNCHANGED

    if args.start is None and args.end is None and args.as_of is None and not args.no_as_of:
        raise CommandError("nothing to change: give --start, --end, --as-of or --no-as-of")
    with open_workspace(args) as ws:
        period, events = ws.update_period(
            args.name.strip(),
            start=UNCHANGED if args.start is None else args.start,
            end=UNCHANGED if args.end is None else args.end,
            as_of=None if args.no_as_of else (UNCHANGED if args.as_of is None else args.as_of),
        )
        if args.json:
            print_json(
                {
                    "schema": "workbench.period/1",
                    "period": period.to_dict(),
                    "changed": bool(events),
                    **period_checks(period),
                }
            )
            return 0
        verb = "changed period " if events else "no change to period "
        out = console()
        out.print(Text.assemble(verb, (period.label, "bold")))
        _print_notes(out, ws, period)
    return 0


def period_checks(period: Period) -> dict[str, Any]:
    """The `warnings` and `joint_problems` of a period (docs/json.md)."""
    from workbench.core.testing import joint_problems, period_warnings

    return {"warnings": period_warnings(period), "joint_problems": joint_problems(period)}


def _print_notes(out: Any, ws: Workspace, period: Period) -> None:
    from rich.text import Text

    from .testing_view import period_notes

    for text, style in period_notes(ws, period):
        out.print(Text(f"  {text}", style=style))


@reports_errors
def run_list(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    with open_workspace(args, create=False) as ws:
        records = ws.backing.records
        if args.json:
            print_json(
                {
                    "schema": "workbench.periods/1",
                    "periods": [
                        {**p.to_dict(), "current_for": current_for(ws, p), **period_checks(p)}
                        for p in records.periods
                    ],
                    "current": dict(sorted(records.current.items())),
                }
            )
            return 0
        out = console()
        if not records.periods:
            out.print("No audit periods yet: add one with `workbench period add`.", markup=False)
            return 0
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        for name in ("period", "frameworks", "start", "end", "as of", "current for", "tests"):
            table.add_column(name)
        for p in records.periods:
            tests = sum(1 for t in records.tests if t.period == p.name)
            cur = current_for(ws, p)
            table.add_row(
                Text(p.name, style="bold" if cur else ""),
                Text(", ".join(p.frameworks)),
                p.start.isoformat(),
                p.end.isoformat(),
                p.as_of.isoformat() if p.as_of else "",
                Text(", ".join(cur), style="green"),
                str(tests),
            )
        out.print(table)
        for p in records.periods:
            from .testing_view import period_notes

            for text, style in period_notes(ws, p):
                if style != "dim":
                    out.print(Text(f"{p.name}: {text}", style=style))
    return 0


@reports_errors
def run_use(args: argparse.Namespace) -> int:
    with open_workspace(args, create=False) as ws:  # a new database has no period to use
        events = ws.use_period(args.name)
        period = ws.backing.period(args.name.strip())
        assert period is not None
        fws = ", ".join(period.frameworks)
        if events:
            console().print(f"{period.name} is now the current period for {fws}", markup=False)
        else:
            console().print(f"{period.name} was already the current period for {fws}", markup=False)
    return 0


@reports_errors
def run_show(args: argparse.Namespace) -> int:
    from .testing_view import period_overview, period_rows

    with open_workspace(args, create=False) as ws:
        records = ws.backing.records
        if args.name:
            period = ws.backing.period(args.name.strip())
            if period is None:
                known = ", ".join(p.name for p in records.periods) or "none yet"
                raise CommandError(f"no audit period named {args.name.strip()!r} (known: {known})")
            periods = [period]
        else:
            names = dict.fromkeys(records.current.values())
            periods = [p for p in records.periods if p.name in names]
            if not periods:
                raise CommandError(
                    "no current audit period: name one, or add one with `workbench period add`"
                )
        if args.json:
            print_json(
                {
                    "schema": "workbench.period-show/1",
                    "periods": [
                        {
                            **p.to_dict(),
                            "current_for": current_for(ws, p),
                            **period_checks(p),
                            "controls": [row.to_dict() for row in period_rows(ws, p)],
                        }
                        for p in periods
                    ],
                }
            )
            return 0
        out = console()
        for i, p in enumerate(periods):
            if i:
                out.print()
            period_overview(out, ws, p)
    return 0
