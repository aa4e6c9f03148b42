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
# A mapping is primary (the control answers the requirement: it decides "met") or supporting
# (it adds evidence, never blocks "met"; a deficient one is a warning on the requirement).
PRIMARY = "primary"
SUPPORTING = "supporting"
ROLES: tuple[str, ...] = (PRIMARY, SUPPORTING)
SYSTEM_KINDS: tuple[str, ...] = (
    "application",
    "database",
    "infrastructure",
    "spreadsheet",
    "report",
)
# Systems whose output a manual control relies on (information produced by the entity, or an
# end-user computing tool): such a control depends on the ITGCs over them, like an automated one.
INFORMATION_KINDS: frozenset[str] = frozenset({"report", "spreadsheet"})
# Financial statement assertions (PCAOB AS 1105 .11; AS 2201 .28): what a significant account
# or disclosure must get right. Cut-off is listed on its own where a firm uses it.
ASSERTIONS: tuple[str, ...] = (
    "existence",
    "completeness",
    "valuation",
    "rights",
    "presentation",
    "cutoff",
)
ASSERTION_LABELS: dict[str, str] = {
    "existence": "existence / occurrence",
    "completeness": "completeness",
    "valuation": "accuracy / valuation / allocation",
    "rights": "rights and obligations",
    "presentation": "presentation and disclosure",
    "cutoff": "cut-off",
}
ASSERTION_CODES: dict[str, str] = {
    "existence": "E/O",
    "completeness": "C",
    "valuation": "V/A",
    "rights": "R&O",
    "presentation": "P&D",
    "cutoff": "CO",
}
ACCOUNT_KINDS: tuple[str, ...] = ("account", "disclosure")
# Likelihood and magnitude of a risk of material misstatement (AS 2201 .62-.70 weigh both).
LEVELS: tuple[str, ...] = ("low", "medium", "high")
# SEC filer statuses (Exchange Act Rule 12b-2; emerging growth company: JOBS Act 2012).
FILER_STATUSES: tuple[str, ...] = (
    "large_accelerated",
    "accelerated",
    "non_accelerated",
    "emerging_growth",
)


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
    default_in: bool  # an optional node: in scope until switched out (False: the reverse)
    filers: tuple[str, ...]  # applies only to these filer statuses (empty: to every one)

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
    systems: tuple[str, ...]  # systems it runs on, or whose reports/spreadsheets it uses (and ipe)
    covers: tuple[str, ...]  # an IT general control: the systems it covers
    risks: tuple[str, ...] = ()  # risks of material misstatement it addresses
    process: str = ""  # SOX process and subprocess it belongs to (RCM grouping)
    subprocess: str = ""
    ipe: tuple[str, ...] = ()  # reports and spreadsheets it relies on (also in systems)

    @property
    def is_itgc(self) -> bool:
        return bool(self.covers)

    @property
    def group(self) -> str:
        """The process it belongs to, else its domain (an RCM's sheet)."""
        return self.process or self.domain


@dataclass(frozen=True, slots=True)
class Account(_FastPickle):
    """A significant account or disclosure, with its relevant assertions (SOX scoping)."""

    id: str
    name: str
    kind: str  # account | disclosure
    assertions: tuple[str, ...]  # relevant assertions, in ASSERTIONS order
    description: str
    catalog_id: str
    source: Source


@dataclass(frozen=True, slots=True)
class Risk(_FastPickle):
    """A risk of material misstatement: what could go wrong, and what it threatens."""

    id: str
    title: str
    description: str
    accounts: tuple[str, ...]
    assertions: tuple[str, ...]  # in ASSERTIONS order
    likelihood: str  # low | medium | high, or "" when not assessed
    magnitude: str
    fraud: bool
    catalog_id: str
    source: Source

    @property
    def severity(self) -> int:
        """0-4: likelihood and magnitude on one scale (unassessed counts as medium)."""
        rank = {"low": 0, "medium": 1, "high": 2}
        return rank.get(self.likelihood, 1) + rank.get(self.magnitude, 1)


@dataclass(frozen=True, slots=True)
class Retired(_FastPickle):
    """A control a user catalog took out of the set (`retire:`), or one of a replaced
    bundled library: gone from readiness, but any recorded state is reported, never hidden."""

    id: str
    title: str
    reason: str
    by: Source  # the retire entry (or the catalog that replaced the library)
    defined_at: Source


@dataclass(frozen=True, slots=True)
class CrosswalkLink(_FastPickle):
    """One requirement of a framework related to one of another (e.g. an imported mapping set)."""

    source_framework: str
    source_requirement: str
    target_framework: str
    target_requirement: str
    relationship: str | None
    source: Source


@dataclass(frozen=True, slots=True)
class System(_FastPickle):
    """An entry of the system inventory: an application, database, piece of infrastructure,
    spreadsheet or report that controls run on, use, or (ITGCs) cover."""

    id: str
    name: str
    kind: str
    description: str
    catalog_id: str
    source: Source


@dataclass(frozen=True, slots=True)
class MappingRef(_FastPickle):
    """One control satisfies (primary) or supports one requirement of one framework."""

    control_id: str
    framework_id: str
    requirement_id: str
    relationship: str | None
    rationale: str
    source: Source
    role: str  # primary | supporting

    @property
    def requirement_key(self) -> tuple[str, str]:
        return (self.framework_id, self.requirement_id)

    @property
    def primary(self) -> bool:
        return self.role == PRIMARY


def _freeze(d: dict[str, tuple[MappingRef, ...]]) -> Mapping[str, tuple[MappingRef, ...]]:
    return MappingProxyType(d)


@dataclass(frozen=True, slots=True)
class CatalogSet:
    """Every loaded catalog merged, with the indexes the rest of the app reads."""

    catalogs: tuple[CatalogInfo, ...]
    frameworks: Mapping[str, Framework]
    controls: Mapping[str, Control]
    mappings: tuple[MappingRef, ...]
    systems: Mapping[str, System]
    accounts: Mapping[str, Account]
    risks: Mapping[str, Risk]
    retired: Mapping[str, Retired]
    crosswalks: tuple[CrosswalkLink, ...]
    by_control: Mapping[str, tuple[MappingRef, ...]] = field(repr=False)
    by_requirement: Mapping[tuple[str, str], tuple[MappingRef, ...]] = field(repr=False)
    control_index: Mapping[str, int] = field(repr=False)  # catalog order, for sorting
    by_risk: Mapping[str, tuple[str, ...]] = field(repr=False)  # risk -> controls addressing it

    @classmethod
    def build(
        cls,
        catalogs: tuple[CatalogInfo, ...],
        frameworks: dict[str, Framework],
        controls: dict[str, Control],
        mappings: tuple[MappingRef, ...],
        systems: dict[str, System] | None = None,
        accounts: dict[str, Account] | None = None,
        risks: dict[str, Risk] | None = None,
        retired: dict[str, Retired] | None = None,
        crosswalks: tuple[CrosswalkLink, ...] = (),
    ) -> CatalogSet:
        by_control: dict[str, list[MappingRef]] = {cid: [] for cid in controls}
        by_req: dict[tuple[str, str], list[MappingRef]] = {}
        for fw in frameworks.values():
            for req in fw.requirements():
                by_req[req.key] = []
        for m in mappings:
            by_control.setdefault(m.control_id, []).append(m)
            by_req.setdefault(m.requirement_key, []).append(m)
        risks = risks or {}
        by_risk: dict[str, list[str]] = {rid: [] for rid in risks}
        for cid, ctl in controls.items():
            for rid in ctl.risks:
                by_risk.setdefault(rid, []).append(cid)
        return cls(
            catalogs=catalogs,
            frameworks=MappingProxyType(dict(frameworks)),
            controls=MappingProxyType(dict(controls)),
            mappings=mappings,
            systems=MappingProxyType(dict(systems or {})),
            accounts=MappingProxyType(dict(accounts or {})),
            risks=MappingProxyType(dict(risks)),
            retired=MappingProxyType(dict(retired or {})),
            crosswalks=crosswalks,
            by_control=_freeze({k: tuple(v) for k, v in by_control.items()}),
            by_requirement=MappingProxyType({k: tuple(v) for k, v in by_req.items()}),
            control_index=MappingProxyType({cid: i for i, cid in enumerate(controls)}),
            by_risk=MappingProxyType({k: tuple(v) for k, v in by_risk.items()}),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle only the content; the indexes are rebuilt on load (catalog cache).
        return (
            _catalog_set,
            (
                self.catalogs,
                dict(self.frameworks),
                dict(self.controls),
                self.mappings,
                dict(self.systems),
                dict(self.accounts),
                dict(self.risks),
                dict(self.retired),
                self.crosswalks,
            ),
        )

    def requirement(self, framework_id: str, requirement_id: str) -> Requirement:
        return self.frameworks[framework_id].nodes[requirement_id]

    def frameworks_of(self, control_id: str) -> frozenset[str]:
        return frozenset(m.framework_id for m in self.by_control.get(control_id, ()))

    def controls_for(
        self, framework_id: str, requirement_id: str, role: str | None = None
    ) -> tuple[str, ...]:
        """IDs of the controls mapped to a requirement (of one role, or any), in catalog
        order, without repeats."""
        seen: dict[str, None] = {}
        for m in self.by_requirement.get((framework_id, requirement_id), ()):
            if role is None or m.role == role:
                seen[m.control_id] = None
        return tuple(seen)

    def role_of(self, control_id: str, framework_id: str, requirement_id: str) -> str | None:
        for m in self.by_control.get(control_id, ()):
            if m.framework_id == framework_id and m.requirement_id == requirement_id:
                return m.role
        return None

    def itgcs_over(self, system_id: str) -> tuple[str, ...]:
        """The IT general controls that cover a system, in catalog order."""
        return tuple(cid for cid, c in self.controls.items() if system_id in c.covers)

    def relied_systems(self, control_id: str) -> tuple[str, ...]:
        """The systems whose ITGCs a control relies on: every system an automated control
        runs on; the reports and spreadsheets any other control uses (IPE, EUC). An IT general
        control relies only on the reports and spreadsheets it uses, not on the applications it
        runs on (the ITGCs over those are its peers)."""
        ctl = self.controls[control_id]
        if ctl.nature == "automated" and not ctl.is_itgc:
            return ctl.systems
        return tuple(
            s
            for s in ctl.systems
            if s in self.systems and self.systems[s].kind in INFORMATION_KINDS
        )

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
    systems: dict[str, System],
    accounts: dict[str, Account],
    risks: dict[str, Risk],
    retired: dict[str, Retired],
    crosswalks: tuple[CrosswalkLink, ...],
) -> CatalogSet:
    return CatalogSet.build(
        catalogs, frameworks, controls, mappings, systems, accounts, risks, retired, crosswalks
    )
