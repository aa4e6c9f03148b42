"""Which catalog files to load, and in what order."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from ..paths import bundled_catalog_dir, config_dir
from . import cache
from .model import CatalogSet
from .problems import CatalogError, Problem

CATALOG_SUFFIXES = (".yaml", ".yml")


def load_catalog_files(
    paths: Sequence[Path],
    display: Callable[[Path], str] = str,
    *,
    replace_library: bool = False,
) -> CatalogSet:
    """loader.load_catalog_files, imported on a cache miss only: the loader brings PyYAML and
    the fast reader (~30 ms), which a command answered from the cache never needs."""
    from .loader import load_catalog_files as load

    return load(paths, display, replace_library=replace_library)


def user_catalog_dirs(extra: Sequence[Path] = ()) -> list[Path]:
    """--catalogs DIRs, then WORKBENCH_CATALOGS (a path list), then <config>/catalogs if present."""
    dirs = list(extra)
    env = os.environ.get("WORKBENCH_CATALOGS", "")
    dirs.extend(Path(p) for p in env.split(os.pathsep) if p.strip())
    cfg = config_dir() / "catalogs"
    if cfg.is_dir():
        dirs.append(cfg)
    return dirs


def expand(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """Files named directly, and the catalog files inside named folders (name order)."""
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.suffix in CATALOG_SUFFIXES and p.is_file()
            )
        elif path.is_file():
            found = [path]
        else:
            problems.append(Problem(str(path), 1, "", "no such file or folder"))
            continue
        for p in found:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                files.append(p)
    return files, problems


def display_path(path: Path) -> str:
    """Short names in messages: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def catalog_paths(extra_dirs: Sequence[Path] = (), include_bundled: bool = True) -> list[Path]:
    roots = [bundled_catalog_dir()] if include_bundled else []
    return roots + user_catalog_dirs(extra_dirs)


def load_catalogs(
    extra_dirs: Sequence[Path] = (),
    include_bundled: bool = True,
    use_cache: bool = True,
    *,
    bundled_controls: bool = True,
) -> CatalogSet:
    """Bundled catalogs plus every configured user catalog. Raises CatalogError.

    `bundled_controls=False` (--no-bundled-controls) keeps the bundled frameworks and leaves
    the bundled control library out (its controls are reported as retired). An unchanged set
    of files that validated before is read from the cache (cache.py).
    """
    files, problems = expand(catalog_paths(extra_dirs, include_bundled))
    if problems:
        raise CatalogError(problems)
    replace = not bundled_controls
    if not use_cache:
        return load_catalog_files(files, display_path, replace_library=replace)
    key = cache.cache_key(
        files, [display_path(f) for f in files], "no-bundled-controls" if replace else ""
    )
    cached = cache.read(key)
    if cached is not None:
        return cached
    loaded = load_catalog_files(files, display_path, replace_library=replace)
    cache.write_soon(key, loaded)
    return loaded
