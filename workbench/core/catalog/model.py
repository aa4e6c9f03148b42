"""Immutable domain objects for loaded catalogs, and the indexes built over them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

FREQUENCIES: tuple[str, ...] = (
    "annual",
    "semiannual",
    "quarterly",
    "monthly",
    "weekly",
    "daily",
    "multiple-daily",
    "per-event",
    "continuous",
)
CONTROL_TYPES: tuple[str, ...] = ("preventive", "detective", "corrective")
NATURES: tuple[str, ...] = ("manual", "automated", "it-dependent-manual")
RELATIONSHIPS: tuple[str, ...] = ("equal", "subset", "superset", "intersect")
NODE_KINDS: tuple[str, ...] = ("group", "requirement")


class _FastPickle:
    """Pickle a frozen slots dataclass as its constructor call: the default setstate is
    several times slower, and the catalog cache unpickles tens of thousands of these."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        names: tuple[str, ...] = self.__slots__
        return (type(self), tuple(getattr(self, name) for name in names))


@dataclass(frozen=True, slots=True)
class Source(_FastPickle):
    """Where an object was defined: used in messages and in `show`."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class CatalogInfo(_FastPickle):
    id: str
    title: str
    version: str
    description: str
    path: str


@dataclass(frozen=True, slots=True)
class Requirement(_FastPickle):
    """A node of a framework's tree: a group (category, series, domain...) or a requirement."""

    framework_id: str
    id: str
    title: str
    description: str
    kind: str
    level: str
    parent_id: str | None
    optional: bool
    coso: int | None
    children: tuple[str, ...]
    source: Source

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    @property
    def key(self) -> tuple[str, str]:
        return (self.framework_id, self.id)


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    name: str
    title: str
    version: str
    description: str
    catalog_id: str
    roots: tuple[str, ...]
    nodes: Mapping[str, Requirement]
    source: Source

    def __reduce__(self) -> tuple[Any, ...]:
        # MappingProxyType does not pickle: rebuild from a plain dict (catalog cache).
        return (
            _framework,
            (
                self.id,
                self.name,
                self.title,
                self.version,
                self.description,
                self.catalog_id,
                self.roots,
                dict(self.nodes),
                self.source,
            ),
        )

    def node(self, node_id: str) -> Requirement:
        return self.nodes[node_id]

    def requirements(self) -> Iterator[Requirement]:
        """Assessable requirements (not groups) in tree order."""
        for node in self.walk():
            if not node.is_group:
                yield node

    def walk(self, start: str | None = None) -> Iterator[Requirement]:
        """Depth-first, in file order."""
        stack = list(reversed(self.roots if start is None else (start,)))
        while stack:
            node = self.nodes[stack.pop()]
            yield node
            stack.extend(reversed(node.children))

    def ancestors(self, node_id: str) -> tuple[Requirement, ...]:
        """Groups above a node, nearest first."""
        out: list[Requirement] = []
        parent = self.nodes[node_id].parent_id
        while parent is not None:
            node = self.nodes[parent]
            out.append(node)
            parent = node.parent_id
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Control(_FastPickle):
    id: str
    title: str
    description: str
    domain: str
    frequency: str
    type: str
    nature: str
    key: bool
    owner_role: str
    catalog_id: str
    source: Source


@dataclass(frozen=True, slots=True)
class MappingRef(_FastPickle):
    """One control satisfies one requirement of one framework."""

    control_id: str
    framework_id: str
    requirement_id: str
    relationship: str | None
    rationale: str
    source: Source

    @property
    def requirement_key(self) -> tuple[str, str]:
        return (self.framework_id, self.requirement_id)


def _freeze(d: dict[str, tuple[MappingRef, ...]]) -> Mapping[str, tuple[MappingRef, ...]]:
    return MappingProxyType(d)


@dataclass(frozen=True, slots=True)
class CatalogSet:
    """Every loaded catalog merged, with the indexes the rest of the app reads."""

    catalogs: tuple[CatalogInfo, ...]
    frameworks: Mapping[str, Framework]
    controls: Mapping[str, Control]
    mappings: tuple[MappingRef, ...]
    by_control: Mapping[str, tuple[MappingRef, ...]] = field(repr=False)
    by_requirement: Mapping[tuple[str, str], tuple[MappingRef, ...]] = field(repr=False)
    control_index: Mapping[str, int] = field(repr=False)  # catalog order, for sorting

    @classmethod
    def build(
        cls,
        catalogs: tuple[CatalogInfo, ...],
        frameworks: dict[str, Framework],
        controls: dict[str, Control],
        mappings: tuple[MappingRef, ...],
    ) -> CatalogSet:
        by_control: dict[str, list[MappingRef]] = {cid: [] for cid in controls}
        by_req: dict[tuple[str, str], list[MappingRef]] = {}
        for fw in frameworks.values():
            for req in fw.requirements():
                by_req[req.key] = []
        for m in mappings:
            by_control.setdefault(m.control_id, []).append(m)
            by_req.setdefault(m.requirement_key, []).append(m)
        return cls(
            catalogs=catalogs,
            frameworks=MappingProxyType(dict(frameworks)),
            controls=MappingProxyType(dict(controls)),
            mappings=mappings,
            by_control=_freeze({k: tuple(v) for k, v in by_control.items()}),
            by_requirement=MappingProxyType({k: tuple(v) for k, v in by_req.items()}),
            control_index=MappingProxyType({cid: i for i, cid in enumerate(controls)}),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle only the content; the indexes are rebuilt on load (catalog cache).
        return (
            _catalog_set,
            (self.catalogs, dict(self.frameworks), dict(self.controls), self.mappings),
        )

    def requirement(self, framework_id: str, requirement_id: str) -> Requirement:
        return self.frameworks[framework_id].nodes[requirement_id]

    def frameworks_of(self, control_id: str) -> frozenset[str]:
        return frozenset(m.framework_id for m in self.by_control.get(control_id, ()))

    def controls_for(self, framework_id: str, requirement_id: str) -> tuple[str, ...]:
        """IDs of the controls mapped to a requirement, in catalog order, without repeats."""
        seen: dict[str, None] = {}
        for m in self.by_requirement.get((framework_id, requirement_id), ()):
            seen[m.control_id] = None
        return tuple(seen)

    def find_node(self, node_id: str) -> list[Requirement]:
        """Every node with this ID across frameworks (IDs are unique only per framework)."""
        return [fw.nodes[node_id] for fw in self.frameworks.values() if node_id in fw.nodes]

    @property
    def requirement_count(self) -> int:
        return len(self.by_requirement)


def _framework(
    id: str,
    name: str,
    title: str,
    version: str,
    description: str,
    catalog_id: str,
    roots: tuple[str, ...],
    nodes: dict[str, Requirement],
    source: Source,
) -> Framework:
    return Framework(
        id, name, title, version, description, catalog_id, roots, MappingProxyType(nodes), source
    )


def _catalog_set(
    catalogs: tuple[CatalogInfo, ...],
    frameworks: dict[str, Framework],
    controls: dict[str, Control],
    mappings: tuple[MappingRef, ...],
) -> CatalogSet:
    return CatalogSet.build(catalogs, frameworks, controls, mappings)
