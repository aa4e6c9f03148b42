"""A cache of validated catalogs, so a big catalog is parsed once, not at every start.

Even with the fast reader (fastyaml.py), parsing and validating a 10,000-control catalog
takes about 0.6 s; an unchanged set of files is instead read back (about 0.2 s) from a
pickle written after it last validated (for a big catalog, when the process exits).
The key covers every file's resolved path, size and modification time, the names messages
use for them and the workbench version, so an edited, added or removed file always means a
fresh parse and validation. Only catalogs that validated are cached; the cache lives in the
user's cache directory.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .gcpause import gc_paused
from .model import CatalogSet

CACHE_FORMAT = 1
KEEP = 4  # cache files kept (several catalog sets, e.g. the demo and a real review)
DEFER_MIN_CONTROLS = 2_000  # from this size on, the cache is written at exit


def cache_dir() -> Path:
    override = os.environ.get("WORKBENCH_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_path

    return user_cache_path("workbench", appauthor=False) / "catalogs"


def cache_key(files: Sequence[Path], names: Sequence[str]) -> str:
    """Changes with any file's path, size or modification time, with the names messages use
    for the files (they are relative to the working directory when below it), and with the
    workbench version."""
    from workbench import __version__

    h = hashlib.sha256(f"{CACHE_FORMAT}|{__version__}".encode())
    for f, name in zip(files, names, strict=True):
        st = f.stat()
        h.update(f"|{f.resolve()}|{st.st_size}|{st.st_mtime_ns}|{f}|{name}".encode())
    return h.hexdigest()[:32]


def read(key: str) -> CatalogSet | None:
    path = cache_dir() / f"{key}.pickle"
    try:
        with path.open("rb") as fh, gc_paused():
            loaded = pickle.load(fh)  # our own file in the user's cache directory
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
        return None
    return loaded if isinstance(loaded, CatalogSet) else None


def write_soon(key: str, catalog: CatalogSet) -> None:
    """Write the cache without holding up the caller's first screen or first output.

    Pickling a 10,000-control catalog takes about 0.35 s, so a big catalog is written when
    the process exits (after the app has given the terminal back, or after a command has
    printed); a small one (the bundled catalogs pickle in a few milliseconds) at once. A
    process that is killed writes nothing: the next start parses again and caches then.
    """
    if len(catalog.controls) < DEFER_MIN_CONTROLS:
        write(key, catalog)
        return
    import atexit

    atexit.register(write, key, catalog)


def write(key: str, catalog: CatalogSet) -> None:
    """Best effort: a cache that cannot be written only costs speed."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(catalog, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"{key}.pickle")
        old = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        return
