"""`workbench coverage`: the SOX coverage view (significant accounts x relevant assertions)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from workbench.presentation import COVERAGE_STYLES, STATUS_LABELS

from .common import console, open_workspace, print_json

if TYPE_CHECKING:
    from workbench.core.readiness.coverage import CoverageView

JSON_SCHEMA = "workbench.coverage/1"
PLAIN_LABELS = frozenset({"ready", "not ready", "deficient", "not applicable"})


def register(sub: Any) -> None:
    p = sub.add_parser(
        "coverage",
        help="SOX coverage: each significant account x assertion, its key controls, the gaps",
        description="For every significant account and disclosure and each of its relevant "
        "assertions: the risks that threaten it and the key controls that address them, with "
        "their state under the lens. An assertion that no key control covers is a gap; gaps "
        "are listed hardest first (fraud risks, then likelihood x magnitude). Accounts, "
        "assertions and risks come from the catalogs (docs/catalog-format.md).",
    )
    p.add_argument(
        "--lens",
        choices=("design", "operating"),
        help="default: the lens you last chose in the app, else design",
    )
    p.add_argument("--gaps", action="store_true", help="list only the gaps")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.readiness.coverage import sox_coverage

    with open_workspace(args, create=False) as ws:
        if args.lens and args.lens != ws.readiness.lens:
            ws.set_lens(args.lens)  # this run only: nothing is written
        view = sox_coverage(ws.catalog, ws.readiness)
        retired = [
            (ws.catalog.retired[o.control_id], o.status)
            for o in ws.orphans()
            if o.control_id in ws.catalog.retired
        ]
        if args.json:
            data = {"schema": JSON_SCHEMA, **view.to_dict()}
            data["retired_with_state"] = [
                {"control": r.id, "title": r.title, "reason": r.reason, "status": str(status)}
                for r, status in retired
            ]
            print_json(data)
            return 0
        _print(view, args.gaps, retired)
    return 0


def _print(view: CoverageView, gaps_only: bool, retired: list[Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    from workbench.core.catalog.model import ASSERTION_CODES, ASSERTION_LABELS, ASSERTIONS
    from workbench.core.readiness.coverage import CELL_LABELS

    out = console()
    if view.empty:
        out.print(
            "No significant accounts in the catalogs: add `accounts:` and `risks:` "
            "(docs/catalog-format.md) to see SOX coverage."
        )
        return
    out.print(Text(f"SOX coverage, {view.lens} lens: {view.summary()}", style="bold"))
    if not gaps_only:
        table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
        table.add_column("account", no_wrap=True, overflow="ellipsis", max_width=26)
        table.add_column("asrt", no_wrap=True)
        table.add_column("state", no_wrap=True)
        table.add_column("key controls", ratio=1)
        previous = None
        for cell in view.cells:
            account = ""
            if cell.account_id != previous:
                account = f"{cell.account_id} {cell.account_name}"
                previous = cell.account_id
            controls = Text()
            for i, c in enumerate(cell.key_controls):
                if i:
                    controls.append(", ")
                controls.append(c.control_id)
                style = "green" if c.ready else "red" if c.deficient else "dim"
                controls.append(f" {STATUS_LABELS.get(c.status, c.status)}", style=style)
                if c.label not in PLAIN_LABELS:  # what the tests concluded, when it says more
                    controls.append(f" ({c.label})", style=style)
            table.add_row(
                Text(account),
                ASSERTION_CODES.get(cell.assertion, cell.assertion),
                Text(CELL_LABELS[cell.state], style=COVERAGE_STYLES[cell.state]),
                controls if cell.key_controls else Text("none", style="red"),
            )
        out.print(table)
        out.print(
            Text(
                "asrt: "
                + ", ".join(f"{ASSERTION_CODES[a]} {ASSERTION_LABELS[a]}" for a in ASSERTIONS),
                style="dim",
            )
        )
    gaps = view.gaps
    if not gaps:
        out.print("No gaps: every relevant assertion has a key control for each of its risks.")
    else:
        out.print(Text(f"Gaps ({len(gaps)}): assertions no key control covers, hardest first"))
        for i, cell in enumerate(gaps, 1):
            levels = [r.level_text for r in cell.risks if not r.covered and r.level_text]
            extra = f" [{'; '.join(levels)}]" if levels else ""
            out.print(
                Text.assemble(
                    f"{i:>3}. ",
                    (f"{cell.account_id} {cell.account_name}", "bold"),
                    f", {cell.assertion_label}: ",
                    ("; ".join(cell.reasons), "red"),
                    (extra, "dim"),
                )
            )
    if retired:
        out.print(
            Text(
                f"{len(retired)} retired control(s) with recorded state (kept, not counted): "
                + ", ".join(f"{r.id} ({status}; {r.reason})" for r, status in retired),
                style="yellow",
            )
        )
