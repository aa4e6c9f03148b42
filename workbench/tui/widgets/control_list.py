"""A virtual list of controls: renders only the visible lines, so 10,000 rows cost nothing.

(A DataTable measures every cell before its first paint; this widget never does.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.presentation import STATUS_LABELS


@dataclass(frozen=True, slots=True)
class Row:
    """What one line shows; built by the screen from core data."""

    control_id: str
    title: str
    status: str
    owner: str
    shared: bool
    key: bool
    due: str = ""  # YYYY-MM-DD or ""
    overdue: bool = False


def columns(width: int) -> tuple[int, int]:
    """(owner, due) column widths for a list this wide: both once the title keeps room."""
    owner = 14 if width >= 64 else 0
    due = 11 if width >= 76 else 0
    return owner, due


RowSource = Callable[[str], Row]


class ControlList(ScrollView, can_focus=True):
    """Controls, one per line: selection mark, ID, shared badge, status, owner, title."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "control-list--cursor",
        "control-list--selected",
        "control-list--shared",
        "control-list--dim",
        "control-list--overdue",
        *(f"control-list--{s}" for s in STATUS_LABELS),
    }
    DEFAULT_CSS = """
    ControlList { background: $surface; overflow-x: hidden; }
    ControlList > .control-list--cursor { background: $accent 40%; text-style: bold; }
    ControlList:focus > .control-list--cursor { background: $accent; color: $text; }
    ControlList > .control-list--selected { color: $warning; text-style: bold; }
    ControlList > .control-list--shared { color: $secondary; text-style: bold; }
    ControlList > .control-list--dim { color: $text-muted; }
    ControlList > .control-list--overdue { color: $error; text-style: bold; }
    ControlList > .control-list--not_started { color: $text-muted; }
    ControlList > .control-list--in_progress { color: $warning; }
    ControlList > .control-list--implemented { color: $primary; }
    ControlList > .control-list--effective { color: $success; text-style: bold; }
    ControlList > .control-list--deficient { color: $error; text-style: bold; }
    ControlList > .control-list--not_applicable { color: $text-muted; text-style: italic; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, control_list: ControlList, control_id: str | None) -> None:
            super().__init__()
            self.control_list = control_list
            self.control_id = control_id

    def __init__(self, row_source: RowSource, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._row_source = row_source
        self.rows: list[str] = []
        self.selected: set[str] = set()
        self._cache: dict[str, Row] = {}
        self._announced: str | None = None

    # -- data ------------------------------------------------------------------------------
    def set_rows(
        self, control_ids: list[str], keep: str | None = None, *, top: bool = False
    ) -> None:
        """Show these controls; keep the cursor on `keep` (or the current control) if present,
        or put it on the first row (`top`: a new search lands on its best match)."""
        current = None if top else (keep or self.current)
        self.rows = control_ids
        self._cache.clear()
        self.virtual_size = Size(0, len(control_ids))
        index = 0
        if current is not None:
            try:
                index = control_ids.index(current)
            except ValueError:
                index = min(self.cursor, max(0, len(control_ids) - 1))
        if index != self.cursor:
            self.cursor = index
        else:
            self._announce()
        self.refresh()

    def _announce(self) -> None:
        """Tell the screen when the highlighted control changes (not on every repaint)."""
        if self.current != self._announced:
            self._announced = self.current
            self.post_message(self.Highlighted(self, self.current))

    def invalidate(self, control_ids: list[str] | None = None) -> None:
        """Row data changed (status, owner...): re-read those rows on the next paint."""
        if control_ids is None:
            self._cache.clear()
        else:
            for cid in control_ids:
                self._cache.pop(cid, None)
        self.refresh()

    @property
    def current(self) -> str | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    def targets(self) -> list[str]:
        """The selected rows that are visible, else the highlighted one."""
        if self.selected:
            visible = [cid for cid in self.rows if cid in self.selected]
            if visible:
                return visible
        return [self.current] if self.current else []

    def toggle_selected(self) -> None:
        cid = self.current
        if cid is None:
            return
        self.selected ^= {cid}
        self.invalidate([cid])

    def select_all(self) -> None:
        if self.rows and all(cid in self.selected for cid in self.rows):
            self.selected.clear()
        else:
            self.selected.update(self.rows)
        self.invalidate()

    def move_to(self, control_id: str) -> bool:
        try:
            self.cursor = self.rows.index(control_id)
        except ValueError:
            return False
        return True

    # -- cursor ----------------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        if self.rows:
            clamped = max(0, min(new, len(self.rows) - 1))
            if clamped != new:
                self.cursor = clamped
                return
            self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True)
        self.refresh()
        self._announce()

    def action_cursor(self, delta: int) -> None:
        self.cursor = max(0, min(self.cursor + delta, len(self.rows) - 1))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 1))

    def action_jump(self, index: int) -> None:
        self.cursor = len(self.rows) - 1 if index < 0 else index

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if isinstance(y, int):
            row = self.scroll_offset.y + y
            if 0 <= row < len(self.rows):
                self.cursor = row
        self.focus()

    def on_resize(self) -> None:
        self.virtual_size = Size(0, len(self.rows))

    # -- painting --------------------------------------------------------------------------
    def _row(self, cid: str) -> Row:
        row = self._cache.get(cid)
        if row is None:
            row = self._cache[cid] = self._row_source(cid)
        return row

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"control-list--{name}")

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self._row(self.rows[index])
        if index == self.cursor:
            # The cursor row is one colour: status colours would vanish on its background.
            base = base + self._style("cursor")
            cursor_style = base

            def plain(name: str) -> Style:
                return cursor_style

        else:
            row_base = base

            def plain(name: str) -> Style:
                return row_base + self._style(name)

        owner_w, due_w = columns(width)
        status_w = 15
        id_w = 11
        sel = "● " if row.control_id in self.selected else "  "
        segs = [
            Segment(sel, plain("selected")),
            Segment(row.control_id[: id_w - 1].ljust(id_w), base + Style(bold=row.key)),
            Segment("◆ " if row.shared else "  ", plain("shared")),
            Segment(STATUS_LABELS[row.status].ljust(status_w), plain(row.status)),
        ]
        if owner_w:
            owner = row.owner[: owner_w - 1] if row.owner else "—"
            segs.append(Segment(owner.ljust(owner_w), plain("dim")))
        if due_w:
            segs.append(
                Segment((row.due or "—").ljust(due_w), plain("overdue" if row.overdue else "dim"))
            )
        used = sum(s.cell_length for s in segs)
        segs.append(Segment(row.title[: max(0, width - used)], base))
        return Strip(segs).adjust_cell_length(width, base)

    @staticmethod
    def header(width: int) -> str:
        owner_w, due_w = columns(width)
        owner = "Owner".ljust(owner_w) if owner_w else ""
        due = "Due".ljust(due_w) if due_w else ""
        return "  " + "ID".ljust(11) + "  " + "Status".ljust(15) + owner + due + "Title"
