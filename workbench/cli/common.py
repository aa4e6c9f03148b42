"""Helpers shared by the commands: catalog loading with a clean error, consoles."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from workbench.core.catalog import CatalogSet
    from workbench.core.workspace import Workspace


class CommandError(Exception):
    """A user error with a message; the command exits with `code` and no traceback."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def console(stderr: bool = False) -> Console:
    from .safe_output import SafeConsole, raw_stream

    # highlight=False: catalog text is shown literally, not re-coloured. The console writes
    # styling to the real stream and neutralises the text itself (safe_output.py).
    stream = raw_stream(sys.stderr if stderr else sys.stdout)
    return SafeConsole(file=stream, highlight=False, soft_wrap=False)


def load_catalogs_or_exit(args: argparse.Namespace) -> CatalogSet:
    """Catalogs for this run; on problems print the full report and exit 2."""
    from workbench.core.catalog import CatalogError, load_catalogs

    try:
        return load_catalogs(
            args.catalogs, bundled_controls=not getattr(args, "no_bundled_controls", False)
        )
    except CatalogError as exc:
        sys.stderr.write(exc.report() + "\n")
        raise SystemExit(2) from None


def db_target(args: argparse.Namespace) -> Path:
    from workbench.core.paths import default_db_path

    return Path(args.db) if args.db else default_db_path()


@contextmanager
def open_workspace(args: argparse.Namespace, *, create: bool = True) -> Iterator[Workspace]:
    """Catalogs + store + readiness for one command; database problems exit 2 cleanly.

    Commands that only read pass create=False: a missing database is an error (exit 2) and
    nothing is created."""
    from workbench.core.prefs import preferred_lens
    from workbench.core.store import Store, StoreError, resolve_actor
    from workbench.core.workspace import Workspace

    catalogs = load_catalogs_or_exit(args)
    try:
        store = Store.open(db_target(args), create=create)
    except StoreError as exc:
        sys.stderr.write(f"workbench: {exc}\n")
        raise SystemExit(2) from None
    try:
        yield Workspace(catalogs, store, resolve_actor(args.actor), lens=preferred_lens())
    except StoreError as exc:
        sys.stderr.write(f"workbench: {exc}\n")
        raise SystemExit(2) from None
    finally:
        store.close()


def print_json(data: object) -> None:
    import json

    from workbench.core.text import json_safe

    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(json_safe(text) + "\n")


def bar(pct: float, width: int = 20) -> str:
    """A text bar: eighths of a cell, so small differences still show."""
    cells = max(0.0, min(100.0, pct)) / 100 * width
    full = int(cells)
    part = int((cells - full) * 8)
    partial = " ▏▎▍▌▋▊▉"[part] if full < width else ""
    return ("█" * full + partial).ljust(width, "·")
