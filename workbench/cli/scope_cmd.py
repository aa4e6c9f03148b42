"""`workbench scope`: what is in scope (optional SOC 2 categories, SOX requirements usually
outside ICFR) and the SEC filer status (SOX 404(b) applies to accelerated filers only)."""

from __future__ import annotations

import argparse
from typing import Any

from .common import CommandError, console, open_workspace, print_json, reports_errors

FILER_CHOICES = ("large_accelerated", "accelerated", "non_accelerated", "emerging_growth")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "scope",
        help="SOC 2 categories and optional SOX requirements in or out of scope; filer status",
        description="With no option: the SOC 2 categories in scope (Availability, "
        "Confidentiality, Processing Integrity, Privacy; Security always is), every other "
        "optional group or requirement, and the filer status. --in / --out switch one, e.g. "
        "`--out soc2 PRIVACY` (a recorded setting, like `s` in the app); --filer records the "
        "SEC filer status (SOX 404(b) is not applicable to non-accelerated filers and emerging "
        "growth companies).",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--in", dest="switch_in", nargs=2, metavar=("FRAMEWORK", "ID"))
    which.add_argument("--out", dest="switch_out", nargs=2, metavar=("FRAMEWORK", "ID"))
    which.add_argument(
        "--filer",
        choices=(*FILER_CHOICES, "none"),
        metavar="STATUS",
        help=f"one of {', '.join(FILER_CHOICES)}, or none to clear it",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    # Showing the scope reads; only a switch or the filer status writes (and may create the
    # database).
    changing = any(v is not None for v in (args.switch_in, args.switch_out, args.filer))
    with open_workspace(args, create=changing) as ws:
        for pair, wanted in ((args.switch_in, True), (args.switch_out, False)):
            if pair is None:
                continue
            fw, node_id = pair
            node = (
                ws.catalog.frameworks[fw].nodes.get(node_id)
                if fw in ws.catalog.frameworks
                else None
            )
            if node is None or not node.optional:
                raise CommandError(
                    f"{fw} {node_id} is not an optional group or requirement (see `workbench "
                    "scope`); nothing was changed"
                )
            ws.set_scope(fw, node_id, wanted)
        if args.filer is not None:
            ws.set_filer_status(None if args.filer == "none" else args.filer)
        rows = _rows(ws)
        if args.json:
            print_json(
                {
                    "schema": "workbench.scope/1",
                    "filer_status": ws.readiness.scope.filer_status,
                    "optional": rows,
                    "excluded": ws.readiness.scope_dict()["excluded"],
                }
            )
            return 0
        _print(ws, rows)
    return 0


def _rows(ws: Any) -> list[dict[str, Any]]:
    return [
        {
            "framework": fw.id,
            "id": node.id,
            "title": node.title,
            "in_scope": ws.node_in_scope(fw.id, node.id),
            "starts": "in" if node.default_in else "out",
        }
        for fw in ws.catalog.frameworks.values()
        for node in fw.walk()
        if node.optional
    ]


def _print(ws: Any, rows: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    from workbench.core.readiness import FILER_LABELS

    out = console()
    status = ws.readiness.scope.filer_status
    line = Text("Filer status: ", style="bold")
    line.append(
        FILER_LABELS[status] if status else "not recorded (every requirement applies)",
        style="" if status else "dim",
    )
    out.print(line)
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("framework", "id", "title", "scope", "starts"):
        table.add_column(name)
    for r in rows:
        table.add_row(
            r["framework"],
            Text(r["id"]),
            Text(r["title"]),
            Text("in", style="green") if r["in_scope"] else Text("out", style="yellow"),
            Text(r["starts"], style="dim"),
        )
    out.print(table)
    for fw, node_id, why in ws.readiness.out_of_scope_nodes():
        node = ws.catalog.frameworks[fw].nodes[node_id]
        if not node.optional:
            out.print(Text(f"{fw} {node_id}: {why}", style="yellow"))
