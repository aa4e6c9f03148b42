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

    def __init__(self, title: str, sections: list[tuple[str, tuple[Command, ...]]]) -> None:
        super().__init__()
        self.help_title = title
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Label(f"Keys: {self.help_title}", id="help-title", markup=False)
            with VerticalScroll():
                yield Static(self._table(), markup=False, id="help-body")
            yield Label("ctrl+p: every command by name · escape: close", classes="hint")

    def _table(self) -> Table:
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold", expand=True)
        table.add_column("key", no_wrap=True, style="bold")
        table.add_column("command", no_wrap=True)
        table.add_column("what it does")
        for section, commands in self.sections:
            table.add_row(Text(section, style="bold underline"), "", "")
            for c in commands:
                table.add_row(key_label(c.key), c.palette, Text(c.help))
        return table

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
