"""Help: every key of the screen below, from the same declarations as footer and palette."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ..commands import Command


def key_label(keys: str) -> str:
    names = {"question_mark": "?", "slash": "/", "asterisk": "*", "space": "space", "escape": "esc"}
    return " ".join(names.get(k, k) for k in keys.split(","))


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close"),
    ]

    def __init__(
        self,
        title: str,
        sections: list[tuple[str, tuple[Command, ...]]],
        terms: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.help_title = title
        self.sections = sections
        self.terms = terms or {}  # the words of the figures, each in one line

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Label(f"Keys: {self.help_title}", id="help-title", markup=False)
            with VerticalScroll():
                yield Static(self._table(), markup=False, id="help-body")
            yield Label("ctrl+p: every command by name · escape: close", classes="hint")

    def _table(self) -> Table:
        # Two columns, the command and what it does sharing the second: three fixed columns
        # left the explanation a dozen characters wide at 80x24.
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold", expand=True)
        table.add_column("key", style="bold", max_width=16)
        table.add_column("command · what it does", ratio=1)
        for section, commands in self.sections:
            table.add_row(Text(section, style="bold underline"), "")
            for c in commands:
                table.add_row(key_label(c.key), Text.assemble(c.palette, (f"  {c.help}", "dim")))
        if self.terms:
            table.add_row(Text("Terms", style="bold underline"), "")
            for term, meaning in self.terms.items():
                table.add_row("", Text.assemble(term, (f"  {meaning}", "dim")))
        return table

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
