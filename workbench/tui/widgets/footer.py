"""The footer, fitted to the terminal: below 100 columns it drops its padding and the command
palette hint (ctrl+p still works and the help lists it), so every key it shows stays seen."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

NARROW = 100


class KeyFooter(Footer):
    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW
        self.compact = narrow
        self.show_command_palette = not narrow
