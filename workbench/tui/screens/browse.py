"""Browse: the framework tree, the controls of the selected node, and the highlighted control."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static, Tree

from workbench.core.browse import (
    SORT_KEYS,
    Filters,
    SearchIndex,
    apply_filters,
    controls_under,
    is_overdue,
    sort_controls,
)
from workbench.core.prefs import save_pref
from workbench.core.store.describe import describe_change
from workbench.core.testing.words import GLOSSARY
from workbench.core.text import clip
from workbench.core.workspace import Workspace
from workbench.presentation import STATUS_LABELS

from ..commands import BROWSE_COMMANDS, bindings
from ..widgets.control_list import ControlList, Row
from ..widgets.detail import DetailPane
from ..widgets.footer import KeyFooter
from ..widgets.framework_tree import FrameworkTree, NodeRef
from ..widgets.readiness_view import strip
from .base import WorkbenchScreen
from .prompts import EvidencePrompt, FilterPrompt, TextPrompt, date_error, parse_date

PROGRESS_MIN_BYTES = 32 << 20  # files from this size on report hashing progress


class BrowseScreen(WorkbenchScreen):
    CSS_PATH = "browse.tcss"
    COMMAND_LIST = BROWSE_COMMANDS
    BINDINGS: ClassVar[list[BindingType]] = bindings(*BROWSE_COMMANDS)

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.node: NodeRef | None = None
        self.all_controls = False
        self.query_text = ""
        self.filters = Filters()
        self.sort = load_sort()
        self._index: SearchIndex | None = None

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="strip", markup=False)
        with Horizontal(id="main"):
            yield FrameworkTree(self.ws.readiness, id="tree")
            with Vertical(id="right"):
                with Vertical(id="middle"):
                    yield Input(placeholder="search IDs, titles, descriptions…", id="search")
                    yield Static(id="list-title", markup=False)
                    yield Static(id="list-header", markup=False)
                    yield ControlList(self._row, id="controls")
                yield DetailPane(self.ws, id="detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#strip", Static).tooltip = "\n".join(
            f"{term}: {GLOSSARY[term]}" for term in ("lens", "sox via soc2")
        )
        # Index the text for search in the background, so the first keystroke doesn't pay;
        # only once the first screen is up: the thread would compete with it for the GIL.
        self.call_after_refresh(self.set_timer, 0.3, self._start_index)
        self.query_one("#search", Input).display = False
        first = next(iter(self.ws.catalog.frameworks), None)
        self.node = (first, None) if first else None
        self.refresh_rows()
        self.refresh_strip()
        self.query_one(ControlList).focus()

    def on_resize(self) -> None:
        self.call_after_refresh(self._relayout)

    def _relayout(self) -> None:
        width = self.query_one(ControlList).scrollable_content_region.width
        self.query_one("#list-header", Static).update(
            Text(ControlList.header(width), style="bold", no_wrap=True)
        )
        self.refresh_strip()

    # -- data for the widgets --------------------------------------------------------------
    def _row(self, cid: str) -> Row:
        ctl = self.ws.catalog.controls[cid]
        state = self.ws.state(cid)
        status = str(state.status)
        return Row(
            control_id=cid,
            title=ctl.title,
            status=status,
            owner=state.owner or "",
            shared=self.ws.readiness.is_shared(cid),
            key=ctl.key,
            due=state.due.isoformat() if state.due else "",
            overdue=is_overdue(state, status, date.today()),
        )

    def _start_index(self) -> None:
        if self._index is None:
            self.run_worker(self._build_index, thread=True, exclusive=True, group="search-index")

    def _build_index(self) -> None:
        self._index = SearchIndex(self.ws.catalog)

    @property
    def index(self) -> SearchIndex:
        if self._index is None:  # typed before the background build finished
            self._index = SearchIndex(self.ws.catalog)
        return self._index

    def visible_ids(self) -> list[str]:
        if self.query_text:
            base = self.index.search(self.query_text)
        elif self.all_controls or self.node is None:
            base = list(self.ws.catalog.controls)
        else:
            base = controls_under(self.ws.catalog, *self.node)
        states = self.ws.states()
        shown = apply_filters(base, self.filters, self.ws.readiness, states, actor=self.ws.actor)
        if self.query_text:  # the best match stays on top, whatever the order chosen
            return shown
        return sort_controls(shown, self.sort, self.ws.readiness, states)

    def refresh_rows(self, keep: str | None = None, *, top: bool = False) -> None:
        rows = self.visible_ids()
        lst = self.query_one(ControlList)
        lst.set_rows(rows, keep=keep, top=top)
        lst.invalidate()
        self.query_one("#list-title", Static).update(self._list_title(len(rows)), layout=False)
        if not rows:
            self.show_node_detail()

    def _list_title(self, count: int) -> Text:
        cat = self.ws.catalog
        if self.query_text:
            where = f"search “{self.query_text}”"
        elif self.all_controls or self.node is None:
            where = "all controls"
        else:
            fw_id, node_id = self.node
            fw = cat.frameworks[fw_id]
            where = fw.name if node_id is None else f"{fw.name} {node_id} {fw.nodes[node_id].title}"
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(where, style="bold")
        text.append(f" · {count} control{'s' if count != 1 else ''}")
        selected = len(self.query_one(ControlList).selected)
        if selected:
            text.append(f" · {selected} selected", style="bold yellow")
        parts = self.filters.describe()
        if self.sort != SORT_KEYS[0] and not self.query_text:
            parts.append(f"by {self.sort}")
        if parts:
            text.append(" · " + "; ".join(parts), style="italic")
        return text

    def refresh_strip(self) -> None:
        width = self.size.width or 120
        self.query_one("#strip", Static).update(strip(self.ws.readiness, width), layout=False)

    def refresh_detail(self) -> None:
        cid = self.query_one(ControlList).current
        if cid is not None:
            self.query_one(DetailPane).show_control(cid)

    def show_node_detail(self) -> None:
        if self.node is not None:
            self.query_one(DetailPane).show_node(*self.node)

    def reloaded(self) -> None:
        """The workspace re-read the database (another program changed it)."""
        self.query_one(FrameworkTree).readiness = self.ws.readiness

    def refresh_all(self, changed: Sequence[str] | None = None) -> None:
        """After any change: figures, tree colours, rows (filters may move them), detail."""
        lst = self.query_one(ControlList)
        keep = lst.current
        self.refresh_strip()
        self.query_one(FrameworkTree).refresh_labels()
        self.refresh_rows(keep=keep)
        lst.invalidate(list(changed) if changed is not None else None)
        self.refresh_detail()

    # -- events ----------------------------------------------------------------------------
    @on(Tree.NodeHighlighted, "#tree")
    def _tree_moved(self, event: Tree.NodeHighlighted[NodeRef]) -> None:
        if event.node.data is None:
            return
        self.node = event.node.data
        if not self.all_controls and not self.query_text:
            self.refresh_rows()
        self.show_node_detail()

    @on(Tree.NodeSelected, "#tree")
    def _tree_selected(self, event: Tree.NodeSelected[NodeRef]) -> None:
        if event.node.data is not None and event.node.data[1] is not None:
            node = self.ws.catalog.frameworks[event.node.data[0]].nodes[event.node.data[1]]
            if not node.is_group:
                self.query_one(ControlList).focus()

    @on(ControlList.Highlighted)
    def _row_moved(self, event: ControlList.Highlighted) -> None:
        # While the tree has focus the detail explains the tree node; the list owns it otherwise.
        if event.control_id is not None and not isinstance(self.focused, FrameworkTree):
            self.query_one(DetailPane).show_control(event.control_id)

    def on_descendant_focus(self, event: object) -> None:
        if isinstance(self.focused, ControlList):
            self.refresh_detail()
        elif isinstance(self.focused, FrameworkTree):
            self.show_node_detail()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        self.refresh_rows(top=True)

    @on(Input.Submitted, "#search")
    def _search_done(self, event: Input.Submitted) -> None:
        self.query_one(ControlList).focus()

    # -- actions ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Typing in the search box must not mark controls.
        return not (isinstance(self.focused, Input) and action != "clear")

    def _targets(self) -> list[str]:
        return self.query_one(ControlList).targets()

    def action_mark(self, status: str) -> None:
        targets = self._targets()
        if not targets:
            self.notify("No control highlighted", severity="warning")
            return
        if status == "not_applicable":
            label = targets[0] if len(targets) == 1 else f"{len(targets)} controls"

            def done(text: str | None) -> None:
                if text:
                    self._mark(targets, status, justification=text)

            self.app.push_screen(
                TextPrompt(
                    f"Not applicable: {label}. Why is it out of scope?",
                    required=True,
                    placeholder="justification (required)",
                ),
                done,
            )
            return
        self._mark(targets, status)

    def _mark(self, targets: list[str], status: str, justification: str | None = None) -> None:
        def after() -> None:
            lst = self.query_one(ControlList)
            lst.selected.clear()
            self.refresh_all(targets)
            if len(targets) > 1:  # one row's change is visible in place; many deserve a word
                self.notify(f"{len(targets)} controls: {STATUS_LABELS[status]}", timeout=2)

        self.wb.run_write(
            "Mark", lambda: self.ws.mark(targets, status, justification=justification), after
        )

    def action_toggle_select(self) -> None:
        self.query_one(ControlList).toggle_selected()
        self.query_one(ControlList).action_cursor(1)
        self.query_one("#list-title", Static).update(
            self._list_title(len(self.query_one(ControlList).rows))
        )

    def action_select_all(self) -> None:
        self.query_one(ControlList).select_all()
        self.query_one("#list-title", Static).update(
            self._list_title(len(self.query_one(ControlList).rows))
        )

    def action_edit(self, field: str) -> None:
        targets = self._targets()
        if not targets:
            return
        state = self.ws.state(targets[0])
        many = f" ({len(targets)} controls)" if len(targets) > 1 else f" ({targets[0]})"
        if field == "owner":
            prompt = TextPrompt("Owner" + many, value=state.owner or "", placeholder="name or role")
        elif field == "due":
            value = state.due.isoformat() if state.due else ""
            prompt = TextPrompt(
                "Due date" + many,
                value=value,
                placeholder="YYYY-MM-DD (empty: none)",
                validate=date_error,
            )
        else:
            prompt = TextPrompt("Notes" + many, value=state.notes or "", placeholder="notes")

        def done(text: str | None) -> None:
            if text is None:
                return
            value: Any = parse_date(text) if field == "due" else (text or None)

            def change() -> None:  # every selected control in one action: one z restores all
                self.ws.update(targets, **{field: value})

            self.wb.run_write(f"Edit {field}", change, lambda: self.refresh_all(targets))

        self.app.push_screen(prompt, done)

    def action_evidence(self) -> None:
        cid = self.query_one(ControlList).current
        if cid is None:
            return

        def done(result: dict[str, Any] | None) -> None:
            if result is not None:
                self.run_worker(
                    lambda: self._hash_then_attach(cid, result),
                    thread=True,
                    group="evidence-hash",
                )

        self.app.push_screen(EvidencePrompt(cid), done)

    def _hash_then_attach(self, cid: str, result: dict[str, Any]) -> None:
        """In a worker thread: resolve and hash the reference as the kind chosen (a big file
        takes a while; the UI stays responsive and shows progress), then attach it on the UI
        thread. Never turns an input into another kind silently."""
        from workbench.core.store import StoreError

        shown: list[int] = []

        def progress(done: int, total: int) -> None:
            step = done * 4 // total if total >= PROGRESS_MIN_BYTES else 0
            if step and step < 4 and step not in shown:
                shown.append(step)
                self.app.call_from_thread(
                    self.notify, f"Hashing evidence for {cid}: {step * 25}%", timeout=2
                )

        try:
            resolved = self.ws.resolve_evidence(result["ref"], progress, kind=result["kind"])
        except StoreError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            return

        def after() -> None:
            self.refresh_detail()
            self.notify(f"Evidence ({resolved.kind}) attached to {cid}", timeout=2)

        def attach() -> None:
            self.wb.run_write(
                "Attach evidence",
                lambda: self.ws.add_evidence(cid, **result, resolved=resolved),
                after,
            )

        self.app.call_from_thread(attach)

    def action_undo(self) -> None:
        self._revert("Undo", self.ws.undo, "Undone")

    def action_redo(self) -> None:
        self._revert("Redo", self.ws.redo, "Redone")

    def _revert(self, title: str, write: Callable[[], list[Any]], done: str) -> None:
        """Undo or redo: one write through the workspace, then say which controls it
        touched (undo after undo walks back through this user's changes in order)."""
        events: list[Any] = []

        def change() -> None:
            events.extend(write())

        def after() -> None:
            ids = sorted({e.control_id for e in events if e.control_id})
            self.refresh_all(None)
            # No control: a period, a setting or a scope decision, said in the history's words.
            main = next((e for e in events if e.setting_key is None), events[0])
            what = ", ".join(ids) if ids else clip(describe_change(main), 80)
            # An undo names the action it took back; a redo's `undoes` is an undo's number,
            # which would only confuse.
            which = f" (action {events[0].undoes})" if done == "Undone" else ""
            self.notify(f"{done}: {what}{which}", timeout=3)

        self.wb.run_write(title, change, after)

    def action_toggle_all(self) -> None:
        self.all_controls = not self.all_controls
        self.refresh_rows()

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        box.focus()

    def action_filters(self) -> None:
        fws = [(fw.id, fw.name) for fw in self.ws.catalog.frameworks.values()]

        def done(result: tuple[Filters, str] | None) -> None:
            if result is not None:
                self.filters, self.sort = result
                save_pref("sort", self.sort)
                self.refresh_rows()

        self.app.push_screen(FilterPrompt(self.filters, fws, self.sort), done)

    def action_toggle_filter(self, name: str) -> None:
        changes: dict[str, Any] = {name: not getattr(self.filters, name)}
        self.filters = replace(self.filters, **changes)
        self.refresh_rows()

    def action_sort(self) -> None:
        self.sort = SORT_KEYS[(SORT_KEYS.index(self.sort) + 1) % len(SORT_KEYS)]
        save_pref("sort", self.sort)
        self.refresh_rows()
        self.notify(f"Sorted by {self.sort}", timeout=2)

    def action_clear(self) -> None:
        box = self.query_one("#search", Input)
        box.value = ""
        box.display = False
        self.query_text = ""
        self.filters = Filters()
        lst = self.query_one(ControlList)
        lst.selected.clear()
        self.refresh_rows()
        lst.focus()

    def action_readiness(self) -> None:
        self.wb.show_readiness()

    def action_open_test(self) -> None:
        from .testing import TestScreen

        cid = self.query_one(ControlList).current
        if cid is not None:
            self.app.push_screen(TestScreen(self.ws, cid))

    def action_findings(self) -> None:
        from .testing import FindingsScreen

        self.app.push_screen(FindingsScreen(self.ws))

    # -- navigation from elsewhere ---------------------------------------------------------
    def go_to_control(self, cid: str) -> None:
        lst = self.query_one(ControlList)
        if not lst.move_to(cid):
            self.action_clear()
            self.all_controls = True
            self.refresh_rows(keep=cid)
        lst.focus()
        self.refresh_detail()

    def go_to_requirement(self, fw_id: str, node_id: str) -> None:
        self.all_controls = False
        self.query_text = ""
        self.query_one("#search", Input).display = False
        tree = self.query_one(FrameworkTree)
        tree.reveal(fw_id, node_id)
        self.node = (fw_id, node_id)
        self.refresh_rows()
        tree.focus()
        self.show_node_detail()


def load_sort() -> str:
    """The list order this user chose last (a view preference, like the lens)."""
    from workbench.core.prefs import load_prefs

    value = load_prefs().get("sort")
    return value if isinstance(value, str) and value in SORT_KEYS else SORT_KEYS[0]
