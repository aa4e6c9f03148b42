"""The workbench Textual application."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widgets import Footer, Header, Static

from workbench.core.catalog import CatalogSet


class WorkbenchApp(App[None]):
    TITLE = "workbench"
    SUB_TITLE = "SOC 2 and SOX, side by side"
    BINDINGS: ClassVar[list[BindingType]] = [("q", "quit", "Quit")]

    def __init__(self, catalogs: CatalogSet) -> None:
        super().__init__()
        self.catalogs = catalogs

    def compose(self) -> ComposeResult:
        yield Header()
        lines = [
            f"{fw.name}: {sum(1 for _ in fw.requirements())} requirements"
            for fw in self.catalogs.frameworks.values()
        ]
        lines.append(f"{len(self.catalogs.controls)} controls")
        yield Static("\n".join(lines), markup=False)
        yield Footer()
