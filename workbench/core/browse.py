"""What the browse view lists: controls under a tree node, search, and filters.

Pure functions over the catalog and the readiness model, so the TUI only renders their
results and the CLI could use them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from workbench.core.catalog import CatalogSet
from workbench.core.readiness import MET, NOT_APPLICABLE, OUT_OF_SCOPE, Readiness


@dataclass(frozen=True, slots=True)
class Filters:
    """The browse filters; empty / False means "don't filter on this"."""

    statuses: frozenset[str] = frozenset()
    framework: str | None = None
    shared_only: bool = False
    owner: str | None = None
    gaps_only: bool = False  # controls behind a requirement that is not met
    key_only: bool = False

    @property
    def active(self) -> bool:
        return self != Filters()

    def describe(self) -> list[str]:
        parts: list[str] = []
        if self.statuses:
            parts.append("status: " + ", ".join(sorted(self.statuses)))
        if self.framework:
            parts.append(f"framework: {self.framework}")
        if self.shared_only:
            parts.append("shared only")
        if self.owner:
            parts.append(f"owner: {self.owner}")
        if self.gaps_only:
            parts.append("gaps only")
        if self.key_only:
            parts.append("key controls")
        return parts

    def toggle_status(self, status: str) -> Filters:
        return replace(self, statuses=self.statuses ^ {status})


@dataclass(slots=True)
class SearchIndex:
    """Lower-cased text of every control and requirement, built once per catalog."""

    catalog: CatalogSet
    control_text: dict[str, str] = field(default_factory=dict)
    requirement_text: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for cid, c in self.catalog.controls.items():
            self.control_text[cid] = f"{cid}\n{c.title}\n{c.description}\n{c.domain}".lower()
        for fw in self.catalog.frameworks.values():
            for node in fw.nodes.values():
                # Groups match by ID only: a category's prose would pull in half the catalog.
                text = node.id if node.is_group else f"{node.id}\n{node.title}\n{node.description}"
                self.requirement_text[node.key] = text.lower()

    def matching_requirements(self, query: str) -> list[tuple[str, str]]:
        q = query.strip().lower()
        if not q:
            return []
        return [k for k, text in self.requirement_text.items() if q in text]

    def search(self, query: str) -> list[str]:
        """Controls whose own text matches, then controls mapped to a matching requirement
        (each part in catalog order)."""
        q = query.strip().lower()
        if not q:
            return list(self.catalog.controls)
        direct = [cid for cid, text in self.control_text.items() if q in text]
        seen = set(direct)
        via: set[str] = set()
        for fw_id, node_id in self.matching_requirements(q):
            node = self.catalog.frameworks[fw_id].nodes[node_id]
            found = (
                controls_under(self.catalog, fw_id, node_id)
                if node.is_group
                else self.catalog.controls_for(fw_id, node_id)
            )
            via.update(found)
        via -= seen
        return direct + sorted(via, key=self.catalog.control_index.__getitem__)


def controls_under(catalog: CatalogSet, framework_id: str, node_id: str | None) -> list[str]:
    """Controls mapped to a requirement, or to any requirement below a group (catalog order)."""
    fw = catalog.frameworks[framework_id]
    found: dict[str, None] = {}
    for node in fw.walk(node_id):
        if not node.is_group:
            for cid in catalog.controls_for(framework_id, node.id):
                found[cid] = None
    return sorted(found, key=catalog.control_index.__getitem__)


def apply_filters(
    control_ids: Iterable[str],
    filters: Filters,
    readiness: Readiness,
    owners: dict[str, str],
) -> list[str]:
    """Keep the controls that pass every active filter, in the given order."""
    if not filters.active:
        return list(control_ids)
    cat = readiness.catalog
    out = []
    owner_q = (filters.owner or "").strip().lower()
    for cid in control_ids:
        if filters.statuses and readiness.status(cid) not in filters.statuses:
            continue
        if filters.framework and filters.framework not in cat.frameworks_of(cid):
            continue
        if filters.shared_only and not readiness.is_shared(cid):
            continue
        if filters.key_only and not cat.controls[cid].key:
            continue
        if owner_q and owner_q not in owners.get(cid, "").lower():
            continue
        if filters.gaps_only and not blocks_a_requirement(readiness, cid):
            continue
        out.append(cid)
    return out


def blocks_a_requirement(readiness: Readiness, control_id: str) -> bool:
    """True when the control is not ready and maps to an in-scope requirement not met."""
    if readiness.is_ready(control_id) or readiness.status(control_id) == NOT_APPLICABLE:
        return False
    for m in readiness.catalog.by_control.get(control_id, ()):
        state = readiness.state(m.framework_id, m.requirement_id)
        if state not in (MET, NOT_APPLICABLE, OUT_OF_SCOPE):
            return True
    return False


def requirement_rows(readiness: Readiness, control_id: str) -> list[tuple[str, str, str, str]]:
    """(framework, requirement id, title, state) for each requirement a control satisfies."""
    cat = readiness.catalog
    return [
        (
            m.framework_id,
            m.requirement_id,
            cat.requirement(m.framework_id, m.requirement_id).title,
            readiness.state(m.framework_id, m.requirement_id),
        )
        for m in cat.by_control.get(control_id, ())
    ]
