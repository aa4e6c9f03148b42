"""Readiness as Rich renderables: the one-line strip and the full per-framework figures."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from workbench.core.readiness import Figures, Readiness
from workbench.presentation import SEVERITY_LABELS, SHARED_STYLE, STATE_STYLES, node_name


def bar(pct: float, width: int) -> Text:
    cells = max(0.0, min(100.0, pct)) / 100 * width
    full = int(cells)
    part = int((cells - full) * 8)
    text = Text("█" * full, style="green" if pct >= 100 else "cyan")
    if full < width:
        text.append(" ▏▎▍▌▋▊▉"[part], style="cyan")
        text.append("·" * (width - full - 1), style="dim")
    return text


def strip(readiness: Readiness, width: int) -> Text:
    """One line: every framework's readiness, the shared controls, the lens."""
    out = Text(no_wrap=True, overflow="ellipsis")
    # The lens first: at 80 columns the end of the line is cut, and the lens must stay seen.
    out.append(f"{readiness.lens} lens", style="bold reverse")
    out.append("  ")
    bar_w = 10 if width >= 110 else 6
    for fw_id, fw in readiness.catalog.frameworks.items():
        f = readiness.figures(fw_id)
        out.append(f"{fw.name} ", style="bold")
        out.append_text(bar(f.readiness_pct, bar_w))
        out.append(f" {f.readiness_pct:4.1f}%  ")
    shared = readiness.shared()
    if shared is not None:
        out.append("◆ shared ", style=SHARED_STYLE)
        out.append(f"{len(shared.ready)}/{len(shared.controls)} ready")
        out.append(
            f" · {shared.frameworks[1]} via {shared.frameworks[0]} {shared.earned_pct:.0f}%  "
        )
    return out


def figures_table(readiness: Readiness, framework_id: str, width: int) -> RenderableType:
    """A framework's headline and a bar per group (category / series / domain)."""
    fw = readiness.catalog.frameworks[framework_id]
    total = readiness.figures(framework_id)
    bar_w = max(6, min(24, width - 50))
    label_w = max(14, width - bar_w - 7 - 8 - 4)
    head = Text.assemble(
        (f"{fw.name} ", "bold"),
        (
            f"{total.readiness_pct:.1f}% ready",
            "bold green" if total.readiness_pct >= 100 else "bold",
        ),
        f"  ({total.met}/{total.applicable} requirements met; controls ready "
        f"{total.controls_ready}/{total.controls_in_scope}, {total.coverage_pct:.0f}%)",
    )
    counts = Text("  ")
    for state in (
        "met",
        "partial",
        "gap",
        "deficient",
        "unmapped",
        "not_applicable",
        "out_of_scope",
    ):
        n = total.counts.get(state, 0)
        if n:
            counts.append(f"{state.replace('_', ' ')} {n}  ", style=STATE_STYLES[state])
    table = Table(box=None, show_header=False, pad_edge=False, expand=False)
    table.add_column(no_wrap=True, width=label_w)
    table.add_column(no_wrap=True, width=bar_w)
    table.add_column(justify="right", no_wrap=True, width=7)
    table.add_column(justify="right", no_wrap=True, width=8)
    for g in readiness.group_figures(framework_id):
        depth = len(fw.ancestors(g.node_id or ""))
        name = node_name(g.node_id or "", g.title)
        label = Text("  " * depth + name, overflow="ellipsis", no_wrap=True)
        if not g.in_scope:
            table.add_row(label, Text("out", style="dim"), "", "")
            continue
        table.add_row(label, bar(g.readiness_pct, bar_w - 1), _pct(g), f"{g.met}/{g.applicable}")
    return Group(head, counts, table)


def _pct(f: Figures) -> Text:
    return Text(f"{f.readiness_pct:5.1f}%", style="green" if f.readiness_pct >= 100 else "")


def shared_summary(readiness: Readiness) -> RenderableType:
    shared = readiness.shared()
    if shared is None:
        return Text("")
    a, b = shared.frameworks
    return Group(
        Text.assemble(
            ("◆ Shared controls", f"bold {SHARED_STYLE}"),
            f"  serve {a} and {b}: test once, comply many",
        ),
        Text.assemble(
            f"  {len(shared.ready)}/{len(shared.controls)} ready · ",
            (f"{shared.earned_pct:.1f}%", "bold"),
            f" of {b} requirements met through controls that also serve {a} "
            f"({shared.earned_met}/{shared.target_applicable})",
        ),
    )


def backing_summary(backed: Any, name: str) -> RenderableType:
    """A framework's test backing: period, backed vs unsupported vs contradicted claims, and
    what was found in the framework's own words (SOX: findings by severity, a material weakness
    first; SOC 2: deviations and criteria at risk)."""
    lines: list[RenderableType] = []
    soc2_words = backed.vocabulary == "deviation"
    if not soc2_words and backed.material_weaknesses:
        ids = ", ".join(f"#{f.id} {f.control_id}" for f in backed.material_weaknesses)
        lines.append(
            Text(
                f"⚠ {name}: material weakness ({ids}): internal control is not effective",
                style="bold reverse red",
            )
        )
    if soc2_words and backed.criteria_at_risk:
        lines.append(
            Text(
                f"⚠ {name}: criteria at risk of a qualified opinion: "
                + ", ".join(backed.criteria_at_risk),
                style="bold reverse red",
            )
        )
    if backed.period is None:
        lines.append(
            Text(f"{name}: no audit period in use: effective claims are not checked", style="dim")
        )
        return Group(*lines)
    p = backed.period
    # The period on one line, the claims on the next: a period name is often long enough
    # to push the figures into an awkward wrap at 80 columns.
    lines.append(
        Text.assemble((f"{name} tests ", "bold"), (f"{p.name} {p.start} → {p.end}", "italic"))
    )
    claims = Text.assemble(
        f"  effective {backed.effective}: ",
        (f"backed {len(backed.backed)}", "green"),
        " · ",
        (f"unsupported {len(backed.unsupported)}", "bold yellow" if backed.unsupported else ""),
    )
    if backed.contradicted:
        claims.append(f" · contradicted {len(backed.contradicted)}", style="bold red")
    claims.append(f" · design untested {len(backed.design_untested)}")
    if backed.design_ineffective:
        claims.append(f" · design ineffective {len(backed.design_ineffective)}", style="bold red")
    lines.append(claims)
    if soc2_words:
        found = Text("  deviations: ")
        n = backed.deviation_count
        found.append(str(n), style="bold red" if n else "")
        if backed.deviations:
            found.append(" (" + ", ".join(d.control_id for d in backed.deviations) + ")")
        found.append(f"  open findings {backed.open_findings}  ")
    else:
        found = Text("  open findings: ")
        for sev in ("material_weakness", "significant_deficiency", "deficiency"):
            n = backed.findings_open.get(sev, 0)
            found.append(
                f"{SEVERITY_LABELS[sev]} {n}  ",
                style="bold red" if n and sev != "deficiency" else "",
            )
    if backed.unclassified:
        found.append(f"unclassified exceptions {len(backed.unclassified)}", style="yellow")
    lines.append(found)
    return Group(*lines)
