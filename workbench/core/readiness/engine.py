"""The readiness computation: catalogs + control statuses + scope -> figures, gaps, leverage.

Definitions (README "Readiness" pins the same words):
- a control is in scope unless its status is not_applicable; it is *ready* when its status is
  implemented or effective (design lens) or effective (operating lens) (a rule such as the
  testing one can ask for more, and can find a control deficient: ready_fn, deficient_fn);
- each mapping is primary (the control answers the requirement) or supporting (it adds
  evidence); for a requirement, M = its in-scope *primary* controls: no primary control mapped
  -> unmapped; all primary controls not_applicable -> not_applicable (out of every
  denominator); any control of M deficient -> deficient; all of M ready -> met; some ->
  partial; none -> gap. A deficient supporting control is a warning on the requirement;
- optional requirements and groups can be switched out of scope (some start out); a
  requirement for other filer statuses is out of scope for the recorded one;
- readiness % = met / applicable requirements in scope; coverage % = ready in-scope controls
  mapped to in-scope requirements / in-scope controls mapped to them.

The model keeps per-requirement counters, so changing one control touches only the
requirements it maps to and the groups above them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from workbench.core.catalog import CatalogSet, Requirement
from workbench.core.catalog.model import FILER_STATUSES, SUPPORTING

from .types import (
    DEFICIENT,
    GAP,
    GAP_ORDER,
    LENSES,
    MET,
    NOT_APPLICABLE,
    OUT_OF_SCOPE,
    PARTIAL,
    UNMAPPED,
    ControlLine,
    Figures,
    Leverage,
    RequirementResult,
    SharedFigures,
)

NA_STATUS = "not_applicable"
DEFICIENT_STATUS = "deficient"
DEFAULT_STATUS = "not_started"
READY_STATUSES: dict[str, frozenset[str]] = {
    "design": frozenset({"implemented", "effective"}),
    "operating": frozenset({"effective"}),
}
SCOPE_PREFIX = "scope."
FILER_SETTING = "filer_status"
FILER_LABELS: dict[str, str] = {
    "large_accelerated": "a large accelerated filer",
    "accelerated": "an accelerated filer",
    "non_accelerated": "a non-accelerated filer",
    "emerging_growth": "an emerging growth company",
}

ReadyFn = Callable[[str, str, str], bool]
"""(control_id, status, lens) -> ready. The default looks at the status alone."""
DeficientFn = Callable[[str, str, str], bool]
"""(control_id, status, lens) -> deficient (asked only of controls that are not ready)."""


def status_ready(control_id: str, status: str, lens: str) -> bool:
    return status in READY_STATUSES[lens]


def status_deficient(control_id: str, status: str, lens: str) -> bool:
    return status == DEFICIENT_STATUS


@dataclass(frozen=True, slots=True)
class Scope:
    """What is in scope: optional nodes switched out (or, for those that start out, in), as
    (framework id, node id), and the filer status (requirements that list other filer statuses
    leave the scope)."""

    excluded: frozenset[tuple[str, str]] = frozenset()
    included: frozenset[tuple[str, str]] = frozenset()
    filer_status: str | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> Scope:
        """Settings `scope.<framework>.<node>` = `out` / `in`, and `filer_status`."""
        out: set[tuple[str, str]] = set()
        into: set[tuple[str, str]] = set()
        for key, value in settings.items():
            if key.startswith(SCOPE_PREFIX) and value in ("in", "out"):
                fw, _, node = key[len(SCOPE_PREFIX) :].partition(".")
                if fw and node:
                    (out if value == "out" else into).add((fw, node))
        filer = settings.get(FILER_SETTING)
        return cls(frozenset(out), frozenset(into), filer if filer in FILER_STATUSES else None)

    def with_setting(self, key: str, value: str | None) -> Scope:
        """This scope after one setting changed (None: removed), read as from_settings does."""
        if key == FILER_SETTING:
            return replace(self, filer_status=value if value in FILER_STATUSES else None)
        fw, _, node = key[len(SCOPE_PREFIX) :].partition(".")
        if not key.startswith(SCOPE_PREFIX) or not fw or not node:
            return self
        pair = {(fw, node)}
        excluded, included = self.excluded - pair, self.included - pair
        if value == "out":
            excluded |= pair
        elif value == "in":
            included |= pair
        return Scope(excluded, included, self.filer_status)

    @staticmethod
    def setting_key(framework_id: str, group_id: str) -> str:
        return f"{SCOPE_PREFIX}{framework_id}.{group_id}"

    def includes(self, framework_id: str, node_id: str, default: bool = True) -> bool:
        """Whether an optional node is in scope (`default`: where it starts)."""
        key = (framework_id, node_id)
        if key in self.excluded:
            return False
        return True if key in self.included else default

    def includes_node(self, node: Requirement) -> bool:
        return self.why_out(node) is None

    def why_out(self, node: Requirement) -> str | None:
        """Why a node (by itself, not through its parents) is out of scope; None when in."""
        if node.filers and self.filer_status and self.filer_status not in node.filers:
            return f"not applicable: {FILER_LABELS[self.filer_status]}"
        if node.optional and not self.includes(node.framework_id, node.id, node.default_in):
            return "switched out of scope" if node.default_in else "out of scope unless switched in"
        return None

    def with_node(self, framework_id: str, node_id: str, in_scope: bool) -> Scope:
        key = (framework_id, node_id)
        excluded, included = self.excluded - {key}, self.included - {key}
        if in_scope:
            included |= {key}
        else:
            excluded |= {key}
        return Scope(excluded, included, self.filer_status)

    def toggled(self, framework_id: str, node_id: str, default: bool = True) -> Scope:
        return self.with_node(
            framework_id, node_id, not self.includes(framework_id, node_id, default)
        )


def _state(mapped: int, in_scope: int, ready: int, deficient: int) -> str:
    if mapped == 0:
        return UNMAPPED
    if in_scope == 0:
        return NOT_APPLICABLE
    if deficient:
        return DEFICIENT
    if ready == in_scope:
        return MET
    return PARTIAL if ready else GAP


GroupKey = tuple[str, str | None]  # (framework id, group id or None for the framework)


class Readiness:
    """Readiness of every framework for one set of statuses, updated in place."""

    def __init__(
        self,
        catalog: CatalogSet,
        statuses: Mapping[str, str],
        *,
        lens: str = "design",
        scope: Scope | None = None,
        ready_fn: ReadyFn = status_ready,
        deficient_fn: DeficientFn | None = None,
        pair: tuple[str, str] = ("soc2", "sox"),
    ) -> None:
        if lens not in LENSES:
            raise ValueError(f"unknown lens {lens!r} (expected one of: {', '.join(LENSES)})")
        self.catalog = catalog
        self.lens = lens
        self.scope = scope or Scope()
        self.ready_fn = ready_fn
        # A rule object may carry its own deficiency test (the testing rule does).
        if deficient_fn is None:
            deficient_fn = getattr(ready_fn, "deficient", None) or status_deficient
        self.deficient_fn: DeficientFn = deficient_fn
        self.pair = pair
        self._index()
        self._status = {cid: statuses.get(cid, DEFAULT_STATUS) for cid in catalog.controls}
        # A rule that reads other controls' statuses (reliance on IT general controls) reads
        # these live ones, and names the controls to refresh when one changes.
        bind = getattr(ready_fn, "bind", None)
        if bind is not None:
            bind(self._status)
        self._dependents: Callable[[str], Iterable[str]] = getattr(
            ready_fn, "dependents", lambda _cid: ()
        )
        self._recompute()

    # -- static indexes (catalog + scope) ------------------------------------------------
    def _index(self) -> None:
        cat = self.catalog
        self._keys: list[tuple[str, str]] = []
        self._req_controls: list[tuple[str, ...]] = []  # primary controls
        self._req_support: list[tuple[str, ...]] = []  # supporting controls
        self._req_groups: list[tuple[GroupKey, ...]] = []
        self._req_pos: dict[tuple[str, str], int] = {}
        self._out_of_scope: list[tuple[str, str]] = []
        self._out_nodes: list[tuple[str, str, str]] = []  # (framework, node, why) switched out
        self._control_reqs: dict[str, list[int]] = {cid: [] for cid in cat.controls}
        self._control_sup: dict[str, list[int]] = {cid: [] for cid in cat.controls}
        control_groups: dict[str, set[GroupKey]] = {cid: set() for cid in cat.controls}
        self._group_keys: list[GroupKey] = []
        self._group_in_scope: dict[GroupKey, bool] = {}
        for fw in cat.frameworks.values():
            self._group_keys.append((fw.id, None))
            self._group_in_scope[(fw.id, None)] = True
            excluded_below: set[str] = set()
            for node in fw.walk():
                parent_out = node.parent_id in excluded_below
                why = None if parent_out else self.scope.why_out(node)
                if why is not None:
                    self._out_nodes.append((fw.id, node.id, why))
                out = parent_out or why is not None
                if out:
                    excluded_below.add(node.id)
                if node.is_group:
                    self._group_keys.append((fw.id, node.id))
                    self._group_in_scope[(fw.id, node.id)] = not out
                    continue
                if out:
                    self._out_of_scope.append(node.key)
                    continue
                groups: tuple[GroupKey, ...] = (
                    (fw.id, None),
                    *((fw.id, a.id) for a in fw.ancestors(node.id)),
                )
                controls = cat.controls_for(fw.id, node.id)
                supporting = cat.controls_for(fw.id, node.id, SUPPORTING)
                primary = tuple(c for c in controls if c not in supporting)
                pos = len(self._keys)
                self._req_pos[node.key] = pos
                self._keys.append(node.key)
                self._req_controls.append(primary)
                self._req_support.append(supporting)
                self._req_groups.append(groups)
                for cid in primary:
                    self._control_reqs[cid].append(pos)
                for cid in supporting:
                    self._control_sup[cid].append(pos)
                for cid in controls:
                    control_groups[cid].update(groups)
        self._control_groups = {cid: tuple(g) for cid, g in control_groups.items()}
        self._control_fws = {
            cid: frozenset(fw for fw, node in groups if node is None)
            for cid, groups in self._control_groups.items()
        }

    # -- full and incremental computation ------------------------------------------------
    def _deficient(self, control_id: str, status: str, ready: bool) -> bool:
        return (
            status != NA_STATUS and not ready and self.deficient_fn(control_id, status, self.lens)
        )

    def _recompute(self) -> None:
        status = self._status
        self._ready = {
            cid: s != NA_STATUS and self.ready_fn(cid, s, self.lens) for cid, s in status.items()
        }
        ready = self._ready
        self._def = {cid: self._deficient(cid, s, ready[cid]) for cid, s in status.items()}
        deficient = self._def
        n = len(self._keys)
        self._n_in = [0] * n
        self._n_ready = [0] * n
        self._n_def = [0] * n
        self._n_sup_def = [sum(1 for c in sup if deficient[c]) for sup in self._req_support]
        self._state: list[str] = [GAP] * n
        counts: dict[GroupKey, dict[str, int]] = {g: {} for g in self._group_keys}
        for i, controls in enumerate(self._req_controls):
            n_in = n_ready = n_def = 0
            for cid in controls:
                s = status[cid]
                if s == NA_STATUS:
                    continue
                n_in += 1
                if ready[cid]:
                    n_ready += 1
                elif deficient[cid]:
                    n_def += 1
            self._n_in[i], self._n_ready[i], self._n_def[i] = n_in, n_ready, n_def
            st = _state(len(controls), n_in, n_ready, n_def)
            self._state[i] = st
            for g in self._req_groups[i]:
                c = counts[g]
                c[st] = c.get(st, 0) + 1
        for fw, _rid in self._out_of_scope:
            c = counts[(fw, None)]
            c[OUT_OF_SCOPE] = c.get(OUT_OF_SCOPE, 0) + 1
        self._counts = counts
        self._ctl_in = dict.fromkeys(self._group_keys, 0)
        self._ctl_ready = dict.fromkeys(self._group_keys, 0)
        for cid, groups in self._control_groups.items():
            if status[cid] == NA_STATUS:
                continue
            r = ready[cid]
            for g in groups:
                self._ctl_in[g] += 1
                if r:
                    self._ctl_ready[g] += 1

    def set_status(self, control_id: str, status: str) -> list[tuple[str, str]]:
        """Apply one control's new status; return the requirements whose state changed."""
        if control_id not in self._status:
            return []  # an orphaned state: no catalog control, no figure to move
        return self.refresh(control_id, status)

    def refresh(self, control_id: str, status: str | None = None) -> list[tuple[str, str]]:
        """Recompute one control (its status, or its readiness under ready_fn) incrementally,
        then the controls whose readiness rests on it (the rule's dependents)."""
        changed = self._refresh_one(control_id, status)
        seen = {control_id}
        todo = list(self._dependents(control_id))
        while todo:  # dependents of dependents too (a report's ITGC -> an ITGC -> a control)
            cid = todo.pop(0)
            if cid in seen or cid not in self._status:
                continue
            seen.add(cid)
            changed += [k for k in self._refresh_one(cid, None) if k not in changed]
            todo.extend(self._dependents(cid))
        return changed

    def _refresh_one(self, control_id: str, status: str | None) -> list[tuple[str, str]]:
        old_status = self._status[control_id]
        new_status = old_status if status is None else status
        old_ready = self._ready[control_id]
        new_ready = new_status != NA_STATUS and self.ready_fn(control_id, new_status, self.lens)
        old_def = self._def[control_id]
        new_def = self._deficient(control_id, new_status, new_ready)
        if new_status == old_status and new_ready == old_ready and new_def == old_def:
            return []
        self._status[control_id] = new_status
        self._ready[control_id] = new_ready
        self._def[control_id] = new_def
        old_in, new_in = old_status != NA_STATUS, new_status != NA_STATUS
        d_in, d_ready, d_def = new_in - old_in, new_ready - old_ready, new_def - old_def
        for i in self._control_sup[control_id]:
            self._n_sup_def[i] += d_def
        changed: list[tuple[str, str]] = []
        for i in self._control_reqs[control_id]:
            self._n_in[i] += d_in
            self._n_ready[i] += d_ready
            self._n_def[i] += d_def
            before = self._state[i]
            after = _state(
                len(self._req_controls[i]), self._n_in[i], self._n_ready[i], self._n_def[i]
            )
            if after != before:
                self._state[i] = after
                changed.append(self._keys[i])
                for g in self._req_groups[i]:
                    c = self._counts[g]
                    c[before] -= 1
                    c[after] = c.get(after, 0) + 1
        if d_in or d_ready:
            for g in self._control_groups[control_id]:
                self._ctl_in[g] += d_in
                self._ctl_ready[g] += d_ready
        return changed

    def recompute(self) -> None:
        """Recompute every control from scratch (after the ready_fn's data changed broadly,
        e.g. another audit period came into use)."""
        self._recompute()

    def set_lens(self, lens: str) -> None:
        if lens not in LENSES:
            raise ValueError(f"unknown lens {lens!r} (expected one of: {', '.join(LENSES)})")
        self.lens = lens
        self._recompute()

    def set_scope(self, scope: Scope) -> None:
        self.scope = scope
        self._index()
        self._recompute()

    # -- reading ---------------------------------------------------------------------------
    def status(self, control_id: str) -> str:
        return self._status.get(control_id, DEFAULT_STATUS)

    def is_ready(self, control_id: str) -> bool:
        return self._ready.get(control_id, False)

    def is_deficient(self, control_id: str) -> bool:
        """Not ready and found failing under the lens (status deficient, or the rule's test)."""
        return self._def.get(control_id, False)

    def out_of_scope_nodes(self) -> list[tuple[str, str, str]]:
        """(framework, node, why) for each node that is out of scope by itself (its children
        follow it): switched out, starting out, or for other filer statuses."""
        return list(self._out_nodes)

    def statuses(self) -> Mapping[str, str]:
        return self._status

    def state(self, framework_id: str, requirement_id: str) -> str:
        pos = self._req_pos.get((framework_id, requirement_id))
        if pos is None:
            return OUT_OF_SCOPE
        return self._state[pos]

    def figures(self, framework_id: str, node_id: str | None = None) -> Figures:
        fw = self.catalog.frameworks[framework_id]
        key = (framework_id, node_id)
        node = fw.nodes[node_id] if node_id is not None else None
        return Figures(
            framework_id=framework_id,
            node_id=node_id,
            title=node.title if node else fw.name,
            level=node.level if node else "framework",
            in_scope=self._group_in_scope.get(key, True),
            counts={k: v for k, v in self._counts[key].items() if v},
            controls_in_scope=self._ctl_in[key],
            controls_ready=self._ctl_ready[key],
        )

    def group_figures(
        self, framework_id: str, levels: Iterable[str] | None = None
    ) -> list[Figures]:
        """Figures for each group of a framework, in tree order (optionally some levels only)."""
        wanted = set(levels) if levels is not None else None
        return [
            self.figures(framework_id, node.id)
            for node in self.catalog.frameworks[framework_id].walk()
            if node.is_group and (wanted is None or node.level in wanted)
        ]

    def requirement(self, framework_id: str, requirement_id: str) -> RequirementResult:
        """A requirement's state with every mapped control behind it: the "why" of a figure."""
        node = self.catalog.requirement(framework_id, requirement_id)
        supporting = set(self.catalog.controls_for(framework_id, requirement_id, SUPPORTING))
        controls = tuple(
            ControlLine(
                cid,
                self._status[cid],
                self._ready[cid],
                SUPPORTING if cid in supporting else "primary",
                self._def[cid],
            )
            for cid in self.catalog.controls_for(framework_id, requirement_id)
        )
        in_scope = (framework_id, requirement_id) in self._req_pos
        warnings = tuple(
            f"supporting control {c.control_id} is deficient"
            for c in controls
            if in_scope and c.role == SUPPORTING and c.deficient
        )
        return RequirementResult(
            framework_id,
            requirement_id,
            node.title,
            self.state(framework_id, requirement_id),
            controls,
            warnings,
        )

    def requirements(self, framework_id: str | None = None) -> list[RequirementResult]:
        out: list[RequirementResult] = []
        for fw in self.catalog.frameworks.values():
            if framework_id is None or fw.id == framework_id:
                out.extend(self.requirement(fw.id, r.id) for r in fw.requirements())
        return out

    def gaps(self, framework_id: str | None = None) -> list[RequirementResult]:
        """In-scope requirements not met, hardest blockers first, then in tree order."""
        rank = {s: i for i, s in enumerate(GAP_ORDER)}
        found = [
            (rank[self._state[i]], i)
            for i, (fw, _rid) in enumerate(self._keys)
            if self._state[i] in rank and (framework_id is None or fw == framework_id)
        ]
        found.sort()
        return [self.requirement(*self._keys[i]) for _, i in found]

    def control_frameworks(self, control_id: str) -> frozenset[str]:
        """Frameworks in which this control maps to at least one in-scope requirement."""
        return self._control_fws.get(control_id, frozenset())

    def is_shared(self, control_id: str) -> bool:
        a, b = self.pair
        fws = self._control_fws.get(control_id, frozenset())
        return a in fws and b in fws and self._status.get(control_id) != NA_STATUS

    def shared(self) -> SharedFigures | None:
        """Controls serving both frameworks of the pair; share of [1] earned through [0]."""
        a, b = self.pair
        if a not in self.catalog.frameworks or b not in self.catalog.frameworks:
            return None
        shared = tuple(cid for cid in self.catalog.controls if self.is_shared(cid))
        ready = tuple(cid for cid in shared if self._ready[cid])
        shared_set = set(shared)
        earned = 0
        applicable = 0
        for i, (fw, _rid) in enumerate(self._keys):
            if fw != b:
                continue
            st = self._state[i]
            if st == NOT_APPLICABLE:
                continue
            applicable += 1
            if st == MET and all(
                cid in shared_set for cid in self._req_controls[i] if self._status[cid] != NA_STATUS
            ):
                earned += 1
        return SharedFigures((a, b), shared, ready, earned, applicable)

    def leverage(self, limit: int | None = None) -> list[Leverage]:
        """Controls not yet ready, ranked by how many requirements they would move."""
        out: list[Leverage] = []
        for cid, reqs in self._control_reqs.items():
            status = self._status[cid]
            if self._ready[cid] or status == NA_STATUS or not reqs:
                continue
            was_def = self._def[cid]
            to_met: dict[str, int] = {}
            to_partial: dict[str, int] = {}
            for i in reqs:
                before = self._state[i]
                after = _state(
                    len(self._req_controls[i]),
                    self._n_in[i],
                    self._n_ready[i] + 1,
                    self._n_def[i] - was_def,
                )
                fw = self._keys[i][0]
                if after == MET and before != MET:
                    to_met[fw] = to_met.get(fw, 0) + 1
                elif after == PARTIAL and before in (GAP, DEFICIENT):
                    to_partial[fw] = to_partial.get(fw, 0) + 1
            if to_met or to_partial:
                out.append(Leverage(cid, status, to_met, to_partial, self.is_shared(cid)))
        key_of = self.catalog.controls
        out.sort(
            key=lambda lv: (
                -lv.score[0],
                -lv.score[1],
                not lv.shared,
                not key_of[lv.control_id].key,
                lv.control_id,
            )
        )
        return out if limit is None else out[:limit]

    def scope_dict(self) -> dict[str, Any]:
        """The scope in force (docs/json.md): every node out of scope by itself, and why."""
        return {
            "excluded": [
                {"framework": f, "group": g, "reason": why} for f, g, why in self._out_nodes
            ],
            "filer_status": self.scope.filer_status,
        }

    def to_dict(self) -> dict[str, Any]:
        """The full model (its shape is documented in docs/json.md)."""
        shared = self.shared()
        return {
            "lens": self.lens,
            "scope": self.scope_dict(),
            "frameworks": [
                {
                    **self.figures(fw.id).to_dict(),
                    "groups": [g.to_dict() for g in self.group_figures(fw.id)],
                }
                for fw in self.catalog.frameworks.values()
            ],
            "shared": shared.to_dict() if shared else None,
            "gaps": [g.to_dict() for g in self.gaps()],
            "next": [lv.to_dict() for lv in self.leverage()],
            "requirements": [r.to_dict() for r in self.requirements()],
            "controls": [
                {
                    "control": cid,
                    "status": self._status[cid],
                    "ready": self._ready[cid],
                    "deficient": self._def[cid],
                    "frameworks": sorted(self._control_fws[cid]),
                    "shared": self.is_shared(cid),
                }
                for cid in self.catalog.controls
            ],
        }
