"""The app's last word on control characters: a line filter over everything it draws.

Whatever a widget shows (a tree label, a table cell, an input's value, a notification), each
rendered line passes here before it reaches the terminal. Control characters in its text are
replaced by one-cell Unicode control pictures (core/text.py: ␛ for ESC), so a hostile owner
or note is shown, never executed. A control character took no cell when the line was laid
out and its picture takes one, so the line is cut back to its laid-out width.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from workbench.core.text import has_controls, neutralise


class ControlPictures(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(s.control is None and has_controls(s.text) for s in segments):
            return segments
        width = Segment.get_line_length(segments)
        shown = [
            Segment(neutralise(s.text, keep="", pictures=True), s.style) if s.control is None else s
            for s in segments
        ]
        return list(Segment.adjust_line_length(shown, width))
