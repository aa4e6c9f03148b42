"""Catalogs: frameworks, requirements, controls and the mappings between them."""

from .loader import load_catalog_files
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
