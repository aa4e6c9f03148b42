"""Small text helpers shared by the renderers (no formatting library needed)."""

from __future__ import annotations

from urllib.parse import urlsplit

from workbench.core.text import neutralise

LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})


def one_line(text: str) -> str:
    """Newlines and tabs to single spaces; other control characters shown as escapes."""
    return " ".join(neutralise(text).split())


def lines(text: str) -> list[str]:
    """A multi-line user text, split into lines, control characters shown as escapes."""
    return [neutralise(line).rstrip() for line in text.replace("\r\n", "\n").split("\n")]


def linkable(url: str) -> bool:
    """Only plain web and mail links are made clickable; anything else is shown as text."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return False
    return scheme in LINK_SCHEMES and not any(c.isspace() for c in url)


def bar(pct: float, width: int = 20) -> str:
    """A text bar of full and light blocks for plain-text formats."""
    full = round(max(0.0, min(100.0, pct)) / 100 * width)
    return "█" * full + "░" * (width - full)
