"""A cache of validated catalogs, so a big catalog is parsed once, not at every start.

Even with the fast reader (fastyaml.py), parsing and validating a 10,000-control catalog
takes about 0.6 s; an unchanged set of files is instead read back (about 0.3 s) from a
pickle written after it last validated.
The key covers every file's resolved path, size and modification time and the workbench
version, so an edited, added or removed file always means a fresh parse and validation.
Only catalogs that validated are cached; the cache lives in the user's cache directory.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from .gcpause import gc_paused
from .model import CatalogSet

CACHE_FORMAT = 1
KEEP = 4  # cache files kept (several catalog sets, e.g. the demo and a real review)


def cache_dir() -> Path:
    override = os.environ.get("WORKBENCH_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_path

    return user_cache_path("workbench", appauthor=False) / "catalogs"


def cache_key(files: Sequence[Path]) -> str:
    from workbench import __version__

    h = hashlib.sha256(f"{CACHE_FORMAT}|{__version__}".encode())
    for f in files:
        st = f.stat()
        h.update(f"|{f.resolve()}|{st.st_size}|{st.st_mtime_ns}|{f}".encode())
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
    """Write the cache without holding up the caller's first screen.

    Pickling a 10,000-control catalog takes about 0.35 s. Where the platform forks and no
    other thread runs (forking then is safe), a detached grandchild process writes it and
    the caller goes on at once; elsewhere it is written here and now.
    """
    if not hasattr(os, "fork") or threading.active_count() > 1:
        write(key, catalog)
        return
    try:
        pid = os.fork()
    except OSError:
        write(key, catalog)
        return
    if pid == 0:  # child: fork again so that init, not the caller, reaps the writer
        try:
            if os.fork() == 0:
                write(key, catalog)
        except BaseException:  # never let the writer's errors reach the terminal
            pass
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


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
