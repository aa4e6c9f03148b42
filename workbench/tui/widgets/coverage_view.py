"""The SOX coverage view as a Rich renderable: one line per significant account with its
relevant assertions coloured by state, then the gaps, hardest first."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from workbench.core.catalog.model import ASSERTION_CODES, ASSERTION_LABELS
from workbench.core.readiness.coverage import CELL_LABELS, CELL_STATES, CoverageView
from workbench.presentation import COVERAGE_STYLES

GAPS_SHOWN = 6


def coverage_summary(view: CoverageView, width: int) -> RenderableType:
    counts = view.counts
    head = Text.assemble(("SOX coverage ", "bold"), f"({view.accounts} accounts)  ")
    for state in CELL_STATES:
        if counts[state]:
            head.append(f"{CELL_LABELS[state]} {counts[state]}  ", style=COVERAGE_STYLES[state])
    lines: list[RenderableType] = [head]
    name_w = max(10, min(28, width - 30))
    by_account: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    for cell in view.cells:
        by_account.setdefault(cell.account_id, []).append((cell.assertion, cell.state))
        names[cell.account_id] = cell.account_name
    for aid, cells in by_account.items():
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"  {names[aid][:name_w]:<{name_w}} ")
        for assertion, state in cells:
            line.append(
                f" {ASSERTION_CODES.get(assertion, assertion)} ", style=COVERAGE_STYLES[state]
            )
        lines.append(line)
    gaps = view.gaps
    if gaps:
        lines.append(Text(f"  Gaps ({len(gaps)}), hardest first:", style="bold"))
        for cell in gaps[:GAPS_SHOWN]:
            lines.append(
                Text.assemble(
                    "   • ",
                    (f"{cell.account_name}, {ASSERTION_LABELS.get(cell.assertion)}: ", "bold"),
                    "; ".join(cell.reasons),
                )
            )
        if len(gaps) > GAPS_SHOWN:
            lines.append(
                Text(f"   … {len(gaps) - GAPS_SHOWN} more: workbench coverage", style="dim")
            )
    return Group(*lines)
