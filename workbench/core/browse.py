"""What the browse view lists: controls under a tree node, search, and filters.

Pure functions over the catalog and the readiness model, so the TUI only renders their
results and the CLI could use them too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from workbench.core.catalog import CatalogSet
from workbench.core.readiness import MET, NOT_APPLICABLE, OUT_OF_SCOPE, Readiness
from workbench.core.status import STATUSES
from workbench.core.store import ControlState

# How the control list can be ordered (the first is the catalog's order).
SORT_KEYS: tuple[str, ...] = ("id", "status", "owner", "due")
DONE_STATUSES = frozenset({"effective", "not_applicable"})  # never overdue


@dataclass(frozen=True, slots=True)
class Filters:
    """The browse filters; empty / False means "don't filter on this"."""

    statuses: frozenset[str] = frozenset()
    framework: str | None = None
    shared_only: bool = False
    owner: str | None = None
    gaps_only: bool = False  # controls behind a requirement that is not met
    key_only: bool = False
    mine: bool = False  # owner is the person using workbench (the actor)
    overdue: bool = False  # due before today and not yet effective or N/A

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
        if self.mine:
            parts.append("mine")
        if self.overdue:
            parts.append("overdue")
        return parts


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
        """Controls, best match first: the exact ID, IDs that start with the query, title
        matches, other text; then controls mapped to a matching requirement (each tier in
        catalog order)."""
        q = query.strip().lower()
        if not q:
            return list(self.catalog.controls)
        tiers: tuple[list[str], ...] = ([], [], [], [])
        for cid, text in self.control_text.items():
            if q not in text:
                continue
            low = cid.lower()
            if low == q:
                tiers[0].append(cid)
            elif low.startswith(q):
                tiers[1].append(cid)
            elif q in self.catalog.controls[cid].title.lower():
                tiers[2].append(cid)
            else:
                tiers[3].append(cid)
        direct = [cid for tier in tiers for cid in tier]
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
    states: Mapping[str, ControlState],
    *,
    actor: str = "",
    today: date | None = None,
) -> list[str]:
    """Keep the controls that pass every active filter, in the given order. `states`: the
    recorded states (owner, due); `actor`: who "mine" means; `today`: what "overdue" means."""
    if not filters.active:
        return list(control_ids)
    cat = readiness.catalog
    out = []
    owner_q = (filters.owner or "").strip().lower()
    me = _person(actor)
    day = today or date.today()
    for cid in control_ids:
        st = states.get(cid)
        owner = (st.owner or "") if st is not None else ""
        if filters.statuses and readiness.status(cid) not in filters.statuses:
            continue
        if filters.framework and filters.framework not in cat.frameworks_of(cid):
            continue
        if filters.shared_only and not readiness.is_shared(cid):
            continue
        if filters.key_only and not cat.controls[cid].key:
            continue
        if owner_q and owner_q not in owner.lower():
            continue
        if filters.mine and _person(owner) != me:
            continue
        if filters.overdue and not is_overdue(st, readiness.status(cid), day):
            continue
        if filters.gaps_only and not blocks_a_requirement(readiness, cid):
            continue
        out.append(cid)
    return out


def _person(name: str) -> str:
    """A name as "mine" compares it: the actor dana.lee owns what "Dana Lee" owns."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def is_overdue(state: ControlState | None, status: str, today: date) -> bool:
    """Due before today and not done (effective or not applicable)."""
    return (
        state is not None
        and state.due is not None
        and state.due < today
        and status not in DONE_STATUSES
    )


def sort_controls(
    control_ids: Iterable[str],
    key: str,
    readiness: Readiness,
    states: Mapping[str, ControlState],
) -> list[str]:
    """The controls ordered by `key` (SORT_KEYS), ties in the given order. Status follows the
    workflow (not started first); owner alphabetically with no owner last; due soonest first
    with no due date last."""
    ids = list(control_ids)
    if key == "id":
        return ids
    if key not in SORT_KEYS:
        raise ValueError(f"unknown sort {key!r} (expected one of: {', '.join(SORT_KEYS)})")
    rank = {s: i for i, s in enumerate(STATUSES)}

    def sort_key(cid: str) -> tuple[int, str]:
        st = states.get(cid)
        if key == "status":
            return (rank.get(readiness.status(cid), 99), "")
        if key == "owner":
            owner = (st.owner or "").strip().lower() if st is not None else ""
            return (0, owner) if owner else (1, "")
        due = st.due if st is not None else None
        return (0, due.isoformat()) if due is not None else (1, "")

    return sorted(ids, key=sort_key)


def blocks_a_requirement(readiness: Readiness, control_id: str) -> bool:
    """True when the control is not ready and maps to an in-scope requirement not met."""
    if readiness.is_ready(control_id) or readiness.status(control_id) == NOT_APPLICABLE:
        return False
    for m in readiness.catalog.by_control.get(control_id, ()):
        state = readiness.state(m.framework_id, m.requirement_id)
        if state not in (MET, NOT_APPLICABLE, OUT_OF_SCOPE):
            return True
    return False
