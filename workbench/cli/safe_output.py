"""The command line's output, neutralised: nothing stored or read from a catalog reaches the
terminal as a control sequence (core/text.py decides how each character is shown).

`run()` puts `SafeStream` in front of standard output and error for the whole command, so
every plain write (messages, errors, JSON, argparse's usage) passes `neutralise`; rich
consoles write styled output to the real stream through `SafeConsole`, which neutralises the
text of each segment and leaves rich's own styling sequences alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from workbench.core.text import has_controls, neutralise


class SafeStream:
    """A text stream that neutralises what is written to it (newlines and tabs kept)."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(neutralise(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, buffer...
        return getattr(self.raw, name)


def raw_stream(stream: TextIO) -> TextIO:
    """The real stream behind a SafeStream (for consoles that style their output)."""
    return stream.raw if isinstance(stream, SafeStream) else stream


@contextmanager
def safe_streams() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout = SafeStream(sys.stdout)
    sys.stderr = SafeStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


class SafeConsole(Console):
    """A rich console whose text segments are neutralised before they are written."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control is None and has_controls(segment.text):
                yield Segment(neutralise(segment.text), segment.style)
            else:
                yield segment
