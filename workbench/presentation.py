"""Labels and colours shared by the CLI and the TUI (Rich style strings; no imports)."""

from __future__ import annotations

STATUS_LABELS: dict[str, str] = {
    "not_started": "not started",
    "in_progress": "in progress",
    "implemented": "implemented",
    "effective": "effective",
    "deficient": "deficient",
    "not_applicable": "N/A",
}
STATUS_STYLES: dict[str, str] = {
    "not_started": "dim",
    "in_progress": "yellow",
    "implemented": "cyan",
    "effective": "bold green",
    "deficient": "bold red",
    "not_applicable": "italic dim",
}
STATE_STYLES: dict[str, str] = {
    "met": "bold green",
    "partial": "yellow",
    "gap": "red",
    "deficient": "bold red",
    "unmapped": "magenta",
    "not_applicable": "italic dim",
    "out_of_scope": "dim",
}
SHARED_STYLE = "bold magenta"
SHARED_BADGE = "◆ both"
