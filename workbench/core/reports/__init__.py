"""Exports for auditors and managers: one report model, rendered as md, csv, json, html, xlsx.

from workbench.core.reports import build_report, write_export

report = build_report(ws.catalog, ws.store, ws.readiness)
write_export("html", report, Path("binder.html"))

Renderers are pure functions of the model (`render_md(report) -> str` and so on);
`write_export` writes atomically: a temporary file in the target's folder, then os.replace,
so a failed export never leaves a partial file behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from workbench.core.files import UnsafePath, check_write_target
from workbench.core.text import neutralise

from .csv_export import render_csv
from .html import render_html
from .json_export import render_json, to_dict
from .markdown import render_md
from .model import (
    SCHEMA,
    CatalogRef,
    ControlReport,
    EvidenceItem,
    FrameworkReport,
    GroupRow,
    LastChange,
    MappingItem,
    OrphanRow,
    Report,
    ReportMeta,
    RequirementRow,
    build_report,
)
from .rcm import render_rcm
from .xlsx import render_xlsx

FORMATS: tuple[str, ...] = ("md", "csv", "json", "html", "xlsx", "rcm")
SUFFIXES: dict[str, str] = {
    ".md": "md",
    ".markdown": "md",
    ".csv": "csv",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
}


class ExportError(Exception):
    """An export that could not be written; the message says why (no partial file is left)."""


def _text(render: Callable[[Report], str], keep: str = "\n\t") -> Callable[[Report], bytes]:
    """A text renderer's output, with any control character left in it shown as an escape
    (core/text.py): the last word for Markdown, CSV and HTML, whatever path a value took."""
    return lambda report: neutralise(render(report), keep).encode("utf-8")


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

RENDERERS: dict[str, Callable[[Report], bytes]] = {
    "md": _text(render_md),
    "csv": _text(render_csv, "\r\n\t"),  # CRLF rows; cells have no raw CR (csv_export)
    "json": _text(render_json),
    "html": _text(render_html),
    "xlsx": render_xlsx,
    "rcm": render_rcm,  # the risk-control matrix, an xlsx workbook (rcm.py)
}


def format_for(path: Path) -> str | None:
    """The format a file name asks for (by suffix), or None."""
    return SUFFIXES.get(path.suffix.lower())


def render(fmt: str, report: Report) -> bytes:
    if fmt not in RENDERERS:
        raise ExportError(f"unknown export format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    return RENDERERS[fmt](report)


def write_export(fmt: str, report: Report, path: Path | str, database: Path | None = None) -> int:
    """Render and write atomically; return the number of bytes written. Raises ExportError.
    `database`: the open database file, which an export must never overwrite."""
    check_target(Path(path), database)  # before rendering: a refused target costs nothing
    data = render(fmt, report)
    atomic_write(Path(path), data, database)
    return len(data)


def check_target(path: Path, database: Path | None = None) -> Path:
    """The file an export to `path` writes (a symlink's target). ExportError for a device,
    FIFO, socket or folder, a missing folder, and the database or its side files."""
    try:
        return check_write_target(path, database)
    except UnsafePath as exc:
        raise ExportError(str(exc)) from None


def atomic_write(path: Path, data: bytes, database: Path | None = None) -> None:
    """Write to a new file next to `path`, flush it to disk, then rename it over `path`.

    Only regular files are written (check_target). A new file is created 0600: an export
    holds the same data as the database. A replaced file keeps its mode. On any failure the
    temporary file is removed and the target is untouched.
    """
    shown = str(path)
    target = check_target(path, database)
    folder = target.parent
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777
    except OSError:
        mode = None
    tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except OSError as exc:
        raise ExportError(f"cannot write {shown}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ExportError(f"cannot write {shown}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


__all__ = [
    "FORMATS",
    "RENDERERS",
    "SCHEMA",
    "SUFFIXES",
    "CatalogRef",
    "ControlReport",
    "EvidenceItem",
    "ExportError",
    "FrameworkReport",
    "GroupRow",
    "LastChange",
    "MappingItem",
    "OrphanRow",
    "Report",
    "ReportMeta",
    "RequirementRow",
    "atomic_write",
    "build_report",
    "check_target",
    "format_for",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_md",
    "render_rcm",
    "render_xlsx",
    "to_dict",
    "write_export",
]
