"""Load catalog files into a CatalogSet, reporting every problem with file, line and field.

Reading one file is reading.py (against the field specs of specs.py); checking the files
together and building the set is merging.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .gcpause import gc_paused
from .merging import merge_files
from .model import CatalogSet
from .reading import read_file


def load_catalog_files(
    paths: Sequence[Path],
    display: Callable[[Path], str] = str,
    *,
    replace_library: bool = False,
) -> CatalogSet:
    """Load and merge catalog files, in order. Raises CatalogError with every problem found.

    Files in the bundled catalog folder that define no framework are the bundled control
    library: `replace_library` (or a user catalog with `replaces_bundled_controls: true`)
    leaves their content out and reports their controls as retired."""
    from ..paths import bundled_catalog_dir

    bundled_dir = bundled_catalog_dir().resolve()
    with gc_paused():
        files = []
        for p in paths:
            f = read_file(p, display(p))
            f.bundled = p.resolve().parent == bundled_dir
            files.append(f)
        return merge_files(files, replace_library)
