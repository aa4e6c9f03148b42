"""`workbench export`: the record as a binder or a data file for auditors and managers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .common import CommandError, db_target, fail, open_workspace

# Kept here (not imported from workbench.core.reports) so `workbench --help` stays fast;
# tests check that it matches workbench.core.reports.FORMATS.
FORMATS: tuple[str, ...] = ("md", "csv", "json", "html", "xlsx", "rcm")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="write a report: md, csv, json, html, xlsx or rcm",
        description="Write the whole record as a report: readiness per framework and group, "
        "shared controls, gaps, what to work on next, and every control with its status, "
        "owner, notes, evidence and last change. Each export names the catalog versions, the "
        "database, the time and the history head hash. An existing file is replaced "
        "atomically (never left half-written).",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="md (readable binder), csv (one row per control x requirement), json (the full "
        "model, docs/json.md), html (one self-contained page), xlsx (spreadsheet), rcm (the "
        "risk-control matrix, xlsx: one row per control x risk, a sheet per process; "
        "`workbench import rcm` reads it back); default: from the file extension",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="PATH",
        help="file to write ('-': standard output, with --format)",
    )
    p.add_argument(
        "--lens",
        choices=("design", "operating"),
        help="readiness lens for this export (default: the lens you last chose in the app, "
        "else design)",
    )
    p.set_defaults(handler=run_export)


def _fail(message: str, code: int = 2) -> int:
    return fail(message, code)


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.1f} KiB"


def run_export(args: argparse.Namespace) -> int:
    from workbench.core.reports import (
        ExportError,
        build_report,
        check_target,
        format_for,
        render,
        write_export,
    )

    out: Path = args.output
    to_stdout = str(out) == "-"
    db = db_target(args)
    if to_stdout:
        if args.format is None:
            return _fail("writing to standard output (-o -) needs --format")
    else:
        try:  # refused before any work: devices, FIFOs, sockets, folders, the database
            check_target(out, db)
        except ExportError as exc:
            return _fail(str(exc))
    fmt = args.format or format_for(out)
    if fmt is None:
        return _fail(
            f"cannot tell the format from {str(out)!r}: use --format "
            f"{'|'.join(FORMATS)} (or a .md, .csv, .json, .html or .xlsx file name)"
        )
    try:
        with open_workspace(args, create=False) as ws:
            if args.lens and args.lens != ws.readiness.lens:
                ws.set_lens(args.lens)  # this export only: nothing is written
            report = build_report(ws.catalog, ws.store, ws.readiness)
            if to_stdout:
                sys.stdout.flush()
                sys.stdout.buffer.write(render(fmt, report))
                sys.stdout.buffer.flush()
                return 0
            size = write_export(fmt, report, out, ws.store.path)
    except (ExportError, CommandError) as exc:
        return _fail(str(exc))
    m = report.meta
    sys.stdout.write(
        f"wrote {out} ({fmt}, {_size(size)}): {len(report.frameworks)} framework(s), "
        f"{len(report.controls)} control(s), {m.lens} lens, history head {m.head_hash[:12]}\n"
    )
    return 0
