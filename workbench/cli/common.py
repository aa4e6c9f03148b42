"""Helpers shared by the commands: catalog loading with a clean error, consoles."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from workbench.core.catalog import CatalogSet


class CommandError(Exception):
    """A user error with a message; the command exits with `code` and no traceback."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    # highlight=False: catalog text is shown literally, not re-coloured.
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def load_catalogs_or_exit(args: argparse.Namespace) -> CatalogSet:
    """Catalogs for this run; on problems print the full report and exit 2."""
    from workbench.core.catalog import CatalogError, load_catalogs

    try:
        return load_catalogs(args.catalogs)
    except CatalogError as exc:
        sys.stderr.write(exc.report() + "\n")
        raise SystemExit(2) from None
