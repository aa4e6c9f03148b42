"""`workbench status`, `gaps` and `next`: readiness at the command line."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.presentation import (
    SHARED_STYLE,
    STATE_STYLES,
    STATUS_LABELS,
    STATUS_STYLES,
    node_name,
)

from .common import bar, console, fail, open_workspace, print_json

JSON_SCHEMA = "workbench.status/1"


def _pct(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a percentage from 0 to 100, got {text!r}"
        ) from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {text!r}")
    return value


def _framework_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--framework",
        default="all",
        metavar="ID",
        help="a framework id (soc2, sox, or one from your catalogs) or 'all' (default)",
    )


def register(sub: Any) -> None:
    p = sub.add_parser(
        "status",
        help="readiness per framework (and per category with --by)",
        description="Readiness per framework under a lens; exit 1 with --fail-under when a "
        "selected framework is below the given percentage.",
    )
    _framework_option(p)
    p.add_argument(
        "--lens",
        choices=("design", "operating"),
        help="default: the lens you last chose in the app, else design",
    )
    p.add_argument(
        "--by",
        choices=("category", "group"),
        help="break down by top-level groups (category) or by every group",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output (docs/json.md)")
    p.add_argument("--fail-under", type=_pct, metavar="PCT", help="exit 1 if readiness < PCT")
    p.set_defaults(handler=run_status)

    g = sub.add_parser("gaps", help="requirements not met, hardest blockers first")
    _framework_option(g)
    g.add_argument("--lens", choices=("design", "operating"))
    g.add_argument("--json", action="store_true")
    g.set_defaults(handler=run_gaps)

    n = sub.add_parser("next", help="which controls to work on next (leverage ranking)")
    n.add_argument("--limit", type=_positive, default=10, metavar="N", help="default 10")
    n.add_argument("--lens", choices=("design", "operating"))
    n.add_argument("--json", action="store_true")
    n.set_defaults(handler=run_next)


def _frameworks(ws: Any, wanted: str) -> list[str]:
    ids = list(ws.catalog.frameworks)
    if wanted == "all":
        return ids
    if wanted not in ids:
        from .common import CommandError

        raise CommandError(f"unknown framework {wanted!r} (expected one of: all, {', '.join(ids)})")
    return [wanted]


def _with_lens(ws: Any, lens: str | None) -> None:
    if lens and lens != ws.readiness.lens:
        ws.set_lens(lens)  # this run only: nothing is written


def _groups(ws: Any, fw_id: str, by: str | None) -> list[Any]:
    if by is None:
        return []
    figures: list[Any] = ws.readiness.group_figures(fw_id)
    if by == "category":
        roots = set(ws.catalog.frameworks[fw_id].roots)
        figures = [f for f in figures if f.node_id in roots]
    return figures


def run_status(args: argparse.Namespace) -> int:
    from .common import CommandError
    from .testing_view import status_testing_dict

    try:
        with open_workspace(args, create=False) as ws:
            fws = _frameworks(ws, args.framework)
            _with_lens(ws, args.lens)
            r = ws.readiness
            figures = {fw: r.figures(fw) for fw in fws}
            shared = r.shared()
            orphans = ws.orphans()
            if args.json:
                print_json(
                    {
                        "schema": JSON_SCHEMA,
                        "lens": r.lens,
                        "database": str(ws.store.path or ""),
                        "head_hash": ws.store.head_hash(),
                        "scope": r.scope_dict(),
                        "frameworks": [
                            {
                                **figures[fw].to_dict(),
                                "groups": [g.to_dict() for g in _groups(ws, fw, args.by)],
                            }
                            for fw in fws
                        ],
                        "shared": shared.to_dict() if shared else None,
                        "orphans": [{"control": o.control_id, "status": o.status} for o in orphans],
                        "testing": status_testing_dict(ws, fws),
                    }
                )
            else:
                _print_status(ws, fws, figures, shared, orphans, args.by)
    except CommandError as exc:
        return fail(exc, exc.code)
    if args.fail_under is not None:
        below = [fw for fw, f in figures.items() if f.readiness_pct < args.fail_under]
        if below:
            if not args.json:
                names = ", ".join(f"{fw} {figures[fw].readiness_pct:.1f}%" for fw in below)
                console(stderr=True).print(
                    f"below {args.fail_under:g}%: {names}", markup=False, style="bold red"
                )
            return 1
    return 0


def _print_status(
    ws: Any,
    fws: list[str],
    figures: dict[str, Any],
    shared: Any,
    orphans: list[Any],
    by: str | None,
) -> None:
    from rich.table import Table
    from rich.text import Text

    from .testing_view import print_status_testing

    out = console()
    r = ws.readiness
    print_status_testing(out, ws, fws, top=True)  # an open material weakness comes first
    out.print(Text(f"Readiness, {r.lens} lens", style="bold"))
    # One space between columns: with two the "ctl ready" column fell off 80 columns.
    table = Table(
        show_edge=False, pad_edge=False, box=None, header_style="bold", collapse_padding=True
    )
    table.add_column("framework / group", no_wrap=True, overflow="ellipsis", max_width=26)
    table.add_column("readiness", no_wrap=True, min_width=10)
    table.add_column("%", justify="right", min_width=5)
    for name in ("met", "part", "gap", "def", "unmap"):
        table.add_column(name, justify="right", min_width=3)
    table.add_column("ctl ready", justify="right", no_wrap=True)
    width = out.width
    bar_w = 10 if width < 100 else 20
    for fw in fws:
        for f in [figures[fw], *_groups(ws, fw, by)]:
            label = Text(f.title if f.node_id is None else "  " + node_name(f.node_id, f.title))
            if f.node_id is None:
                label.stylize("bold")
            if not f.in_scope:
                table.add_row(label, Text("out of scope", style="dim"), *[""] * 7)
                continue
            c = f.counts
            table.add_row(
                label,
                Text(
                    bar(f.readiness_pct, bar_w), style="green" if f.readiness_pct >= 100 else "cyan"
                ),
                f"{f.readiness_pct:.1f}",
                str(c.get("met", 0)),
                str(c.get("partial", 0)),
                str(c.get("gap", 0)),
                Text(
                    str(c.get("deficient", 0)),
                    style=STATE_STYLES["deficient"] if c.get("deficient") else "",
                ),
                str(c.get("unmapped", 0)),
                f"{f.controls_ready}/{f.controls_in_scope}",
            )
    out.print(table)
    print_status_testing(out, ws, fws, top=False)
    if shared is not None:
        a, b = shared.frameworks
        out.print(
            Text.assemble(
                ("Shared controls ", SHARED_STYLE),
                f"({a} + {b}): {len(shared.ready)}/{len(shared.controls)} ready; "
                f"{shared.earned_pct:.1f}% of {b} requirements met through controls that also "
                f"serve {a} ({shared.earned_met}/{shared.target_applicable})",
            )
        )
    warned = [req for fw in fws for req in r.requirements(fw) if req.warnings]
    for req in warned:
        out.print(
            Text(
                f"{req.framework_id} {req.requirement_id} ({req.state}): "
                + "; ".join(req.warnings),
                style="yellow",
            )
        )
    excluded = [(f, g, why) for f, g, why in r.out_of_scope_nodes() if f in fws]
    if excluded:
        out.print(
            Text(
                "Out of scope: " + ", ".join(f"{f} {g} ({why})" for f, g, why in excluded),
                style="dim",
            )
        )
    retired = ws.catalog.retired
    if [o for o in orphans if o.control_id in retired]:
        out.print(
            Text(
                "retired control(s) with recorded state (kept, not counted): "
                + ", ".join(
                    f"{o.control_id} ({o.status}; {retired[o.control_id].reason})"
                    for o in orphans
                    if o.control_id in retired
                ),
                style="yellow",
            )
        )
    orphans = [o for o in orphans if o.control_id not in retired]
    if orphans:
        out.print(
            Text(
                f"{len(orphans)} orphaned state(s) (control no longer in any catalog; kept): "
                + ", ".join(f"{o.control_id} ({o.status})" for o in orphans),
                style="yellow",
            )
        )


def run_gaps(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    from .common import CommandError

    try:
        with open_workspace(args, create=False) as ws:
            fws = _frameworks(ws, args.framework)
            _with_lens(ws, args.lens)
            gaps = [g for fw in fws for g in ws.readiness.gaps(fw)]
            if args.json:
                print_json(
                    {
                        "schema": "workbench.gaps/1",
                        "lens": ws.readiness.lens,
                        "gaps": [g.to_dict() for g in gaps],
                    }
                )
                return 0
            out = console()
            if not gaps:
                out.print("No gaps: every applicable requirement in scope is met.")
                return 0
            table = Table(
                show_edge=False,
                pad_edge=False,
                box=None,
                header_style="bold",
                title=f"Gaps, {ws.readiness.lens} lens",
            )
            table.add_column("fw", no_wrap=True, width=5)
            table.add_column("requirement", no_wrap=True, width=11)
            table.add_column("state", no_wrap=True, width=9)
            table.add_column(
                "title", no_wrap=True, overflow="ellipsis", width=max(16, out.width - 55)
            )
            table.add_column("controls (status)", ratio=1)
            for g in gaps:
                controls = Text()
                for i, c in enumerate(g.controls):
                    if i:
                        controls.append(", ")
                    controls.append(c.control_id)
                    controls.append(f" {STATUS_LABELS[c.status]}", style=STATUS_STYLES[c.status])
                    if not c.primary:
                        controls.append(" (supporting)", style="dim")
                table.add_row(
                    g.framework_id,
                    g.requirement_id,
                    Text(g.state, style=STATE_STYLES[g.state]),
                    Text(g.title),
                    controls or Text("no control mapped", style="dim"),
                )
            out.print(table)
            out.print(f"{len(gaps)} requirement(s) not met")
    except CommandError as exc:
        return fail(exc, exc.code)
    return 0


def run_next(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    with open_workspace(args, create=False) as ws:
        _with_lens(ws, args.lens)
        ranking = ws.readiness.leverage(args.limit)
        if args.json:
            print_json(
                {
                    "schema": "workbench.next/1",
                    "lens": ws.readiness.lens,
                    "next": [lv.to_dict() for lv in ranking],
                }
            )
            return 0
        out = console()
        if not ranking:
            out.print("Nothing to do: no control would move a requirement.")
            return 0
        table = Table(
            show_edge=False,
            pad_edge=False,
            box=None,
            header_style="bold",
            title="Work on these next",
        )
        # Every column sized to what it holds, the title taking the rest, so the table fits
        # the terminal (120 columns: nothing wraps or is cut but long titles).
        id_w = max(len(lv.control_id) for lv in ranking) + 2
        status_w = max(len(label) for label in STATUS_LABELS.values())
        moves_w = 24
        fixed = 3 + id_w + status_w + moves_w + 2 * 4  # four gaps of two cells
        table.add_column("#", justify="right", width=3)
        table.add_column("control", no_wrap=True, width=id_w)
        table.add_column("status", no_wrap=True, width=status_w)
        table.add_column("→ met (→ partial)", no_wrap=True, width=moves_w)
        table.add_column(
            "title", no_wrap=True, overflow="ellipsis", width=max(16, out.width - fixed)
        )
        for i, lv in enumerate(ranking, 1):
            ctl = ws.catalog.controls[lv.control_id]
            moves = Text()
            for fw in ws.catalog.frameworks:
                met, partial = lv.to_met.get(fw, 0), lv.to_partial.get(fw, 0)
                if met or partial:
                    moves.append(f"{fw} ")
                    moves.append(f"+{met}" if met else "", style="bold green")
                    moves.append(f" (+{partial})" if partial else "", style="yellow")
                    moves.append("  ")
            table.add_row(
                str(i),
                Text(
                    ("◆ " if lv.shared else "  ") + lv.control_id,
                    style=SHARED_STYLE if lv.shared else "",
                ),
                Text(STATUS_LABELS[lv.status], style=STATUS_STYLES[lv.status]),
                moves,
                Text(ctl.title),
            )
        out.print(table)
    return 0
