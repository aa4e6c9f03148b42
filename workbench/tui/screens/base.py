"""What every workbench screen shares: the typed app, the workspace, the command list its keys
come from, a refresh after any change, and the view keys (lens, scope) acted on once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from textual.screen import Screen

from ..commands import Command

if TYPE_CHECKING:
    from workbench.core.workspace import Workspace

    from ..app import WorkbenchApp


class WorkbenchScreen(Screen[None]):
    """A screen of the app (modal prompts are not: they only return a value)."""

    COMMAND_LIST: ClassVar[tuple[Command, ...]] = ()

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.ws = workspace

    @property
    def wb(self) -> WorkbenchApp:
        return cast("WorkbenchApp", self.app)

    def refresh_all(self, changed: Sequence[str] | None = None) -> None:
        """Show the data again after a change (`changed`: the controls it touched, or None
        when anything may have moved)."""

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_toggle_lens(self) -> None:
        self.wb.toggle_lens()

    def action_scope(self) -> None:
        self.wb.edit_scope()
