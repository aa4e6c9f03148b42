"""The detail pane: the highlighted control (workbench/presentation, the same view as
`workbench show`), or the highlighted tree node (a requirement and the controls behind it,
or a group's figures)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.core.evidence_status import EvidenceStatus
from workbench.core.store import Evidence
from workbench.core.workspace import Workspace
from workbench.presentation import STATE_STYLES, STATUS_LABELS, STATUS_STYLES
from workbench.presentation.control import control_view


def render_node(ws: Workspace, fw_id: str, node_id: str | None) -> RenderableType:
    """A requirement's state and the controls behind it (the "why"), or a group's figures."""
    r = ws.readiness
    fw = ws.catalog.frameworks[fw_id]
    if node_id is None or fw.nodes[node_id].is_group:
        f = r.figures(fw_id, node_id)
        title = fw.title if node_id is None else f"{fw.nodes[node_id].title} ({node_id})"
        desc = fw.description if node_id is None else fw.nodes[node_id].description
        counts = Text()
        for state, n in sorted(f.counts.items()):
            counts.append(f"{state.replace('_', ' ')} {n}  ", style=STATE_STYLES.get(state, ""))
        return Group(
            Text(title, style="bold"),
            Text(
                f"{f.readiness_pct:.1f}% ready · {f.met}/{f.applicable} met · controls ready "
                f"{f.controls_ready}/{f.controls_in_scope}"
            ),
            counts,
            Text(""),
            Text(desc),
        )
    why = r.requirement(fw_id, node_id)
    node = fw.nodes[node_id]
    parts: list[RenderableType] = [
        Text.assemble((f"{fw.name} {node.id} ", "bold"), (node.title, "bold")),
        Text.assemble(
            ("State ", "dim"), (why.state.replace("_", " "), STATE_STYLES.get(why.state, ""))
        ),
    ]
    if node.coso:
        parts.append(Text(f"COSO principle {node.coso}", style="dim"))
    parts += [Text(""), Text(node.description), Text("")]
    if not why.controls:
        parts.append(Text("No control is mapped to this requirement.", style="magenta"))
    else:
        parts.append(Text("Controls", style="bold"))
    # One line per control (ID, status, title clipped): a table squeezed the titles into a
    # column a word wide on a narrow pane.
    for line in why.controls:
        row = Text(no_wrap=True, overflow="ellipsis")
        row.append(f"{line.control_id:<11}", style="bold")
        row.append(f"{STATUS_LABELS[line.status]:<15}", style=STATUS_STYLES[line.status])
        row.append(ws.catalog.controls[line.control_id].title)
        parts.append(row)
    return Group(*parts)


class DetailPane(VerticalScroll, can_focus=False):
    """Scrolls the detail of the highlighted control or tree node."""

    DEFAULT_CSS = """
    DetailPane { padding: 0 1; }
    """

    def __init__(self, workspace: Workspace, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ws = workspace
        # Files are hashed again only when they moved on disk: cheap on every key press.
        self.evidence_status = EvidenceStatus(workspace.store.path)
        self._shown: str | None = None  # the control shown

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body", markup=False)

    def show_control(self, control_id: str) -> None:
        ws = self.ws
        evidence = ws.store.evidence(control_id)
        quick = {ev.id: self.evidence_status.quick(ev) for ev in evidence}
        self._render_control(control_id, evidence, {k: v or "" for k, v in quick.items()})
        if None in quick.values():
            # A file not yet compared: hash it in a worker (never on a key press), then show.
            def check() -> None:
                words = self.evidence_status.words(evidence)
                self.app.call_from_thread(self._checked, control_id, evidence, words)

            self.run_worker(check, thread=True, exclusive=True, group="evidence-status")

    def _checked(self, control_id: str, evidence: list[Evidence], words: dict[int, str]) -> None:
        if self._shown == control_id:
            self._render_control(control_id, evidence, words, home=False)

    def _render_control(
        self,
        control_id: str,
        evidence: list[Evidence],
        words: dict[int, str],
        *,
        home: bool = True,
    ) -> None:
        ws = self.ws
        store = ws.store
        self._shown = control_id
        parts = control_view(
            ws.catalog,
            control_id,
            ws.state(control_id),
            evidence,
            store.history(control_id, limit=5),
            readiness=ws.readiness,
            backing=ws.backing,
            evidence_words=words,
        )
        self._show(Group(*parts), home=home)

    def show_node(self, fw_id: str, node_id: str | None) -> None:
        self._shown = None
        self._show(render_node(self.ws, fw_id, node_id))

    def _show(self, renderable: RenderableType, *, home: bool = True) -> None:
        self.query_one("#detail-body", Static).update(renderable)
        if home:
            self.scroll_home(animate=False)
