"""Catalogs: frameworks, requirements, controls and the mappings between them."""

from typing import TYPE_CHECKING, Any

from .model import (
    CONTROL_TYPES,
    FREQUENCIES,
    NATURES,
    RELATIONSHIPS,
    CatalogInfo,
    CatalogSet,
    Control,
    Framework,
    MappingRef,
    Requirement,
    Source,
)
from .problems import CatalogError, Problem
from .sources import catalog_paths, expand, load_catalogs, user_catalog_dirs

if TYPE_CHECKING:
    from .loader import load_catalog_files


def __getattr__(name: str) -> Any:
    # The loader (PyYAML and the fast reader) is imported on a cache miss only: a command
    # that reads cached catalogs never pays the ~30 ms it takes.
    if name == "load_catalog_files":
        from .loader import load_catalog_files

        return load_catalog_files
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CONTROL_TYPES",
    "FREQUENCIES",
    "NATURES",
    "RELATIONSHIPS",
    "CatalogError",
    "CatalogInfo",
    "CatalogSet",
    "Control",
    "Framework",
    "MappingRef",
    "Problem",
    "Requirement",
    "Source",
    "catalog_paths",
    "expand",
    "load_catalog_files",
    "load_catalogs",
    "user_catalog_dirs",
]
