"""Readiness: per-framework figures with a bar per group, shared controls, gaps, next steps."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from workbench.core.evidence_status import EvidenceStatus
from workbench.core.readiness.coverage import sox_coverage
from workbench.core.testing.words import GLOSSARY
from workbench.core.text import clip
from workbench.core.workspace import Workspace
from workbench.presentation import SHARED_STYLE, STATE_STYLES, STATUS_LABELS, STATUS_STYLES

from ..commands import READINESS_COMMANDS, bindings
from ..widgets.coverage_view import coverage_summary
from ..widgets.footer import KeyFooter
from ..widgets.readiness_view import backing_summary, figures_table, shared_summary, strip
from .base import WorkbenchScreen


class ReadinessScreen(WorkbenchScreen):
    CSS_PATH = "readiness.tcss"
    COMMAND_LIST = READINESS_COMMANDS
    BINDINGS: ClassVar[list[BindingType]] = bindings(*READINESS_COMMANDS)

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.evidence_status = EvidenceStatus(workspace.store.path)
        self._evidence_problems: list[tuple[str, str]] = []  # (control, line)

    def compose(self) -> ComposeResult:
        yield Static(id="strip", markup=False)
        with Horizontal(id="body"):
            with VerticalScroll(id="figures"):
                yield Static(id="figures-body", markup=False)
            with Vertical(id="lists"):
                yield Label("", id="gaps-title")
                yield OptionList(id="gaps")
                yield Label(
                    "Work on next (controls that move the most requirements)", id="next-title"
                )
                yield OptionList(id="next")
                yield Label("", id="unsupported-title")
                yield OptionList(id="unsupported")
                yield Label("", id="evidence-title")
                yield OptionList(id="evidence")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#strip", Static).tooltip = "\n".join(
            f"{term}: {GLOSSARY[term]}" for term in ("lens", "sox via soc2")
        )
        self.query_one("#unsupported-title", Label).tooltip = "\n".join(
            f"{term}: {GLOSSARY[term]}" for term in ("effective, unsupported", "contradicted")
        )
        self.refresh_all()
        self.query_one("#gaps", OptionList).focus()
        # Every attached file is hashed again to find those changed or missing: in the
        # background, so the figures come at once.
        self.run_worker(self._check_evidence, thread=True, group="evidence-check")

    def _check_evidence(self) -> None:
        items = self.ws.store.evidence()
        found = [
            (ev.control_id, f"{word:<9} #{ev.id} {clip(ev.title or ev.ref, 200)}")
            for ev, word in self.evidence_status.problems(items)
        ]
        self.app.call_from_thread(self._show_evidence, found)

    def _show_evidence(self, found: list[tuple[str, str]]) -> None:
        self._evidence_problems = found
        self._fill_evidence()

    def on_resize(self) -> None:
        # Figures are laid out for the pane's width, known only after this layout pass.
        self.call_after_refresh(self.refresh_all)

    def refresh_all(self, changed: object = None) -> None:
        r = self.ws.readiness
        width = self.query_one("#figures").size.width or 60
        self.query_one("#strip", Static).update(strip(r, self.size.width or 120))
        parts = []
        for fw_id, fw in self.ws.catalog.frameworks.items():
            backed = self.ws.backed(fw_id)
            parts += [backing_summary(backed, fw.name), figures_table(r, fw_id, width), Text("")]
        coverage = sox_coverage(self.ws.catalog, r)
        if not coverage.empty:  # the catalogs define significant accounts
            parts += [coverage_summary(coverage, width), Text("")]
        parts.append(shared_summary(r))
        excluded = r.out_of_scope_nodes()
        if excluded:
            parts.append(
                Text("Out of scope: " + ", ".join(f"{f} {g}" for f, g, _ in excluded), style="dim")
            )
        self.query_one("#figures-body", Static).update(Group(*parts))
        self._fill_gaps()
        self._fill_next()
        self._fill_unsupported()
        self._fill_evidence()

    def _fill_evidence(self) -> None:
        lst = self.query_one("#evidence", OptionList)
        lst.clear_options()
        for i, (cid, line) in enumerate(self._evidence_problems):
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append(f"{cid:<10}", style="bold red")
            label.append(line)
            lst.add_option(Option(label, id=f"ev|{cid}|{i}"))
        n = len(self._evidence_problems)
        self.query_one("#evidence-title", Label).update(
            f"Evidence changed or missing since attached ({n})"
        )
        lst.display = bool(n)
        self.query_one("#evidence-title", Label).display = bool(n)
        if n and lst.highlighted is None:
            lst.highlighted = 0

    def _fill_gaps(self) -> None:
        gaps = self.ws.readiness.gaps()
        lst = self.query_one("#gaps", OptionList)
        keep = lst.highlighted
        lst.clear_options()
        for g in gaps:
            fw = self.ws.catalog.frameworks[g.framework_id]
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append(f"{g.state.replace('_', ' '):<10}", style=STATE_STYLES.get(g.state, ""))
            label.append(f"{fw.name} {g.requirement_id} ", style="bold")
            # The count before the title: a long title wraps, and the count stays whole.
            label.append(f"{g.ready_count}/{g.in_scope_count} ready  ", style="dim")
            label.append(g.title)
            lst.add_option(Option(label, id=f"req|{g.framework_id}|{g.requirement_id}"))
        self.query_one("#gaps-title", Label).update(f"Gaps ({len(gaps)}), hardest blockers first")
        if gaps:  # enter acts on the first row at once: no Down needed to highlight it
            lst.highlighted = min(keep or 0, len(gaps) - 1)

    def _fill_next(self) -> None:
        ranking = self.ws.readiness.leverage(30)
        lst = self.query_one("#next", OptionList)
        keep = lst.highlighted
        lst.clear_options()
        for lv in ranking:
            ctl = self.ws.catalog.controls[lv.control_id]
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append("◆ " if lv.shared else "  ", style=SHARED_STYLE)
            label.append(f"{lv.control_id:<10}", style="bold")
            moves = " ".join(f"{fw}+{n}" for fw, n in lv.to_met.items())
            label.append(f"{moves or '—':<16}", style="green")
            label.append(f"{STATUS_LABELS[lv.status]:<12}", style=STATUS_STYLES[lv.status])
            label.append(ctl.title)
            lst.add_option(Option(label, id=f"ctl|{lv.control_id}"))
        if ranking:
            lst.highlighted = min(keep or 0, len(ranking) - 1)

    def _fill_unsupported(self) -> None:
        """Effective claims the tests contradict, then those they do not back, per framework:
        listed, never counted ready."""
        lst = self.query_one("#unsupported", OptionList)
        lst.clear_options()
        seen: set[str] = set()
        contradicted = 0
        backed = [self.ws.backed(fw_id) for fw_id in self.ws.catalog.frameworks]
        for kind in ("contradicted", "unsupported"):
            for fb in backed:
                for note in fb.contradicted if kind == "contradicted" else fb.unsupported:
                    if note.control_id in seen:
                        continue
                    seen.add(note.control_id)
                    contradicted += kind == "contradicted"
                    label = Text(no_wrap=True, overflow="ellipsis")
                    style = "bold red" if kind == "contradicted" else "bold yellow"
                    label.append(f"{note.control_id:<10}", style=style)
                    label.append("; ".join(note.reasons))
                    lst.add_option(Option(label, id=f"test|{note.control_id}"))
        if seen:
            lst.highlighted = 0
        unsupported = len(seen) - contradicted
        title = f"Effective, unsupported ({unsupported})"
        if contradicted:
            title = f"Effective, contradicted ({contradicted}) or unsupported ({unsupported})"
        self.query_one("#unsupported-title", Label).update(f"{title}: enter opens the test")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._jump(event.option.id)

    def action_jump(self) -> None:
        focused = self.focused
        if isinstance(focused, OptionList) and focused.highlighted is not None:
            self._jump(focused.get_option_at_index(focused.highlighted).id)

    def _jump(self, option_id: str | None) -> None:
        if not option_id:
            return
        kind, *rest = option_id.split("|")
        if kind == "test":
            from .testing import TestScreen

            self.app.push_screen(TestScreen(self.ws, rest[0]))
            return
        browse = self.wb.browse_screen
        self.app.pop_screen()
        if kind == "req":
            browse.go_to_requirement(rest[0], rest[1])
        else:
            browse.go_to_control(rest[0])
