"""The detail of one control: what it is, what it satisfies, its state, evidence and history."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.core.browse import requirement_rows
from workbench.core.readiness import Readiness
from workbench.core.store import CONTROL_FIELDS, ControlState, Event, Evidence
from workbench.core.store.describe import describe_change
from workbench.core.text import clip
from workbench.presentation import (
    SHARED_BADGE,
    SHARED_STYLE,
    STATE_STYLES,
    STATUS_LABELS,
    STATUS_STYLES,
)

SHORT = 200  # characters of a one-line value (owner, evidence title, a history value)


def render_control(
    readiness: Readiness,
    control_id: str,
    state: ControlState,
    evidence: Sequence[Evidence],
    history: Sequence[Event],
) -> RenderableType:
    """Everything about one control as Rich renderables; catalog text is never markup."""
    cat = readiness.catalog
    ctl = cat.controls.get(control_id)
    parts: list[RenderableType] = []
    if ctl is None:
        parts.append(
            Text(f"{control_id} (not in any catalog: orphaned state, kept)", style="yellow")
        )
        return Group(*parts)
    head = Text.assemble((ctl.id, "bold"), "  ", (ctl.title, "bold"))
    parts.append(head)
    badges = Text()
    if readiness.is_shared(control_id):
        badges.append(f" {SHARED_BADGE} ", style=f"reverse {SHARED_STYLE}")
        badges.append(" ")
    if ctl.key:
        badges.append(" SOX key ", style="reverse bold")
        badges.append(" ")
    badges.append(f"{ctl.domain} · {ctl.frequency} · {ctl.type} · {ctl.nature}", style="dim")
    parts.append(badges)
    status = state.status
    line = Text.assemble(
        ("Status ", "dim"),
        (STATUS_LABELS[status], STATUS_STYLES[status]),
        ("  ready" if readiness.is_ready(control_id) else "", "green"),
        (
            "  deficient under the tests"
            if readiness.is_deficient(control_id) and status.value != "deficient"
            else "",
            "bold red",
        ),
    )
    line.append("   Owner ", style="dim")
    line.append(clip(state.owner, SHORT) if state.owner else f"— (suggested: {ctl.owner_role})")
    if state.due:
        line.append("   Due ", style="dim")
        line.append(state.due.isoformat())
    parts.append(line)
    if state.justification:
        parts.append(Text.assemble(("N/A because ", "dim"), clip(state.justification)))
    parts.append(Text(""))
    parts.append(Text(ctl.description))
    parts.append(Text(""))
    # Plain aligned lines: a Rich Table here cost more than everything else on a key press.
    parts.append(Text("Satisfies", style="bold"))
    for fw, rid, title, req_state in requirement_rows(readiness, control_id):
        row = Text(no_wrap=True, overflow="ellipsis")
        row.append(f"{cat.frameworks[fw].name:<6} ")
        row.append(f"{rid:<12}", style="bold")
        row.append(f"{req_state.replace('_', ' '):<9}", style=STATE_STYLES.get(req_state, ""))
        if cat.role_of(control_id, fw, rid) == "supporting":
            row.append("supports ", style="dim italic")
        row.append(title)
        parts.append(row)
    if state.notes:
        parts.append(Text(""))
        parts.append(Text("Notes", style="bold"))
        parts.append(Text(clip(state.notes)))
    parts.append(Text(""))
    parts.append(Text(f"Evidence ({len(evidence)})", style="bold"))
    for ev in evidence:
        period = ""
        if ev.effective_from or ev.effective_to:
            start = ev.effective_from.isoformat() if ev.effective_from else "…"
            end = ev.effective_to.isoformat() if ev.effective_to else "…"
            period = f"  [{start} → {end}]"
        parts.append(
            Text.assemble(
                "• ",
                (clip(ev.title or ev.ref, SHORT), ""),
                (period, "dim"),
                (f"  {ev.kind}", "dim"),
            )
        )
    if history:
        parts.append(Text(""))
        parts.append(Text("Last changes", style="bold"))
        for h in history:
            when = h.at.strftime("%Y-%m-%d %H:%M")
            line = Text.assemble((f"{when} ", "dim"), (f"{h.actor} ", "italic"))
            if h.field in CONTROL_FIELDS:
                line.append_text(
                    Text.assemble(
                        f"{h.field}: ",
                        (clip(str(h.old_value or "—"), SHORT), "dim"),
                        " → ",
                        clip(str(h.new_value or "—"), SHORT),
                    )
                )
            else:  # evidence, tests, samples, findings: in words, not their JSON records
                line.append(describe_change(h))
            parts.append(line)
    return Group(*parts)


class DetailPane(VerticalScroll, can_focus=False):
    """Scrolls the detail of the highlighted control."""

    DEFAULT_CSS = """
    DetailPane { padding: 0 1; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="detail-body", markup=False)

    def show(self, renderable: RenderableType) -> None:
        self.query_one("#detail-body", Static).update(renderable)
        self.scroll_home(animate=False)
