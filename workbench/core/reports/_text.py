"""Small text helpers shared by the renderers (no formatting library needed)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def one_line(text: str) -> str:
    """Newlines and tabs to single spaces; other control characters dropped."""
    return " ".join(_CONTROL_RE.sub("", text).split())


def lines(text: str) -> list[str]:
    """A multi-line user text, split into lines without control characters."""
    return [_CONTROL_RE.sub("", line).rstrip() for line in text.replace("\r\n", "\n").split("\n")]


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
