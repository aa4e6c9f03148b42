"""Text that is safe to show: control characters neutralised, length bounded.

Stored values (notes, owners, actors, evidence titles, findings, period names) and catalog
text come from people and files we do not control. Written raw to a terminal, an ESC or C1
character starts a control sequence: set the window title, write the clipboard (OSC 52),
clear the screen. `neutralise` is the one function every output path uses (the CLI's
streams and rich consoles, the app's line filter, the Markdown, CSV, HTML and xlsx renderers,
error messages): it replaces each C0 control character (but the ones kept, newline and tab
where a text is multi-line), DEL and each C1 control character with a visible stand-in, so
the text is shown as written, never executed. JSON stays data: `json_safe` escapes what
`json.dumps(ensure_ascii=False)` leaves raw (DEL and C1), which decodes to the same string.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# C0, DEL and C1 controls, and lone surrogates (undecodable bytes kept by surrogateescape:
# they cannot be encoded for output and would raise).
_CONTROLS = "\x00-\x1f\x7f-\x9f\ud800-\udfff"
_ANY_RE = re.compile(f"[{_CONTROLS}]")
_RAW_JSON_RE = re.compile("[\x7f-\x9f\ud800-\udfff]")
_PATTERNS: dict[str, re.Pattern[str]] = {}

DISPLAY_MAX = 4_096  # characters of one stored text shown in a list, pane or terminal line


def has_controls(text: str) -> bool:
    return _ANY_RE.search(text) is not None


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # C1 controls have no picture


def _pattern(keep: str) -> re.Pattern[str]:
    found = _PATTERNS.get(keep)
    if found is None:
        kept = "".join(re.escape(c) for c in keep)
        found = re.compile(f"(?![{kept}])[{_CONTROLS}]") if keep else _ANY_RE
        _PATTERNS[keep] = found
    return found


def neutralise(text: str, keep: str = "\n\t", *, pictures: bool = False) -> str:
    """`text` with every C0/C1 control character (DEL too) but those in `keep` made visible:
    as `\\x1b` (default), or with `pictures` as one-cell Unicode control pictures (␛), for
    displays laid out by width. Text without control characters is returned as is."""
    if not _ANY_RE.search(text):
        return text
    replace: Callable[[re.Match[str]], str] = _picture if pictures else _escape
    return _pattern(keep).sub(replace, text)


def one_line(text: str) -> str:
    """For a single-line display: newlines and tabs too are shown as escapes."""
    return neutralise(text, keep="")


def json_safe(text: str) -> str:
    """JSON text from json.dumps(ensure_ascii=False) with DEL and C1 characters escaped as
    \\u00XX (json already escapes C0): the same data, nothing a terminal would act on."""
    if not _RAW_JSON_RE.search(text):
        return text
    return _RAW_JSON_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def clip(text: str, limit: int = DISPLAY_MAX) -> str:
    """At most `limit` characters, saying how much was left out: drawing a 10 MB note
    would stall a screen or a terminal for minutes."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters not shown]"


def shown(text: str, keep: str = "\n\t", limit: int = DISPLAY_MAX) -> str:
    """What a display shows of a stored text: clipped, then neutralised."""
    return neutralise(clip(text, limit), keep)
