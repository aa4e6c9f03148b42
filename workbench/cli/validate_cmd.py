"""`workbench validate [PATH...]`: check catalogs and report every problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "validate",
        help="check catalogs (bundled, configured and the given paths)",
        description="Load the bundled catalogs, the configured user catalogs and PATHs; "
        "print every problem with file, line and field. Exit 0 when clean, 2 otherwise.",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="catalog file or folder")
    p.add_argument(
        "--no-bundled",
        action="store_true",
        help="check only the given paths (and configured user catalogs), not the bundled ones",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.catalog import CatalogError, expand, load_catalog_files
    from workbench.core.catalog.sources import catalog_paths, display_path

    files, problems = expand([*catalog_paths(args.catalogs, not args.no_bundled), *args.paths])
    try:
        if problems:
            raise CatalogError(problems)
        replace = getattr(args, "no_bundled_controls", False)
        cat = load_catalog_files(files, display_path, replace_library=replace)
    except CatalogError as exc:
        sys.stderr.write(exc.report() + "\n")
        return 2
    reqs = cat.requirement_count
    print(
        f"OK: {len(files)} file(s), {len(cat.catalogs)} catalog(s), "
        f"{len(cat.frameworks)} framework(s), {reqs} requirements, "
        f"{len(cat.controls)} controls, {len(cat.mappings)} mappings"
    )
    return 0
