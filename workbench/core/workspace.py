"""A working session: catalogs + store + the live readiness model, kept in step.

The CLI and the TUI both go through this object, so a change always takes the same path:
validate, commit through the store (one transaction), then update readiness incrementally.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from workbench.core.catalog import CatalogSet
from workbench.core.readiness import LENS_SETTING, LENSES, Readiness, Scope, lens_from_settings
from workbench.core.store import ControlState, Event, Evidence, UnknownControlError

if TYPE_CHECKING:
    from workbench.core.store import Store
    from workbench.core.store.snapshot import LazyStore


class Workspace:
    def __init__(self, catalog: CatalogSet, store: Store | LazyStore, actor: str) -> None:
        self.catalog = catalog
        self.store = store
        self.actor = actor
        self._states: dict[str, ControlState] | None = None
        self.readiness = self._build()

    def _build(self) -> Readiness:
        settings = self.store.settings()
        statuses = {cid: st.status for cid, st in self.states().items()}
        return Readiness(
            self.catalog,
            statuses,
            lens=lens_from_settings(settings),
            scope=Scope.from_settings(settings),
        )

    def reload(self) -> None:
        """Re-read everything from the store (another process changed it)."""
        self._states = None
        self.readiness = self._build()

    # -- reading -------------------------------------------------------------------------
    def states(self) -> Mapping[str, ControlState]:
        """Every recorded state, read once and kept until this workspace writes or reloads
        (a screen paints many rows; one query beats one per row)."""
        if self._states is None:
            self._states = self.store.states()
        return self._states

    def state(self, control_id: str) -> ControlState:
        found = self.states().get(control_id)
        return found if found is not None else ControlState(control_id)

    def _changed(self, control_ids: Sequence[str]) -> None:
        if self._states is not None:
            for cid in control_ids:
                self._states[cid] = self.store.state(cid)

    def check_controls(self, control_ids: Sequence[str]) -> None:
        unknown = tuple(cid for cid in control_ids if cid not in self.catalog.controls)
        if unknown:
            plural = "s" if len(unknown) > 1 else ""
            raise UnknownControlError(f"unknown control id{plural}: {', '.join(unknown)}", unknown)

    # -- changes -------------------------------------------------------------------------
    def mark(
        self,
        control_ids: Sequence[str],
        status: str,
        *,
        note: str | None = None,
        owner: str | None = None,
        due: date | None = None,
        justification: str | None = None,
        expected_versions: Mapping[str, int] | None = None,
    ) -> list[Event]:
        self.check_controls(control_ids)
        events = self.store.mark(
            control_ids,
            status,
            actor=self.actor,
            note=note,
            owner=owner,
            due=due,
            justification=justification,
            expected_versions=expected_versions,
        )
        self._changed(control_ids)
        for cid in control_ids:
            self.readiness.set_status(cid, status)
        return events

    def update(self, control_id: str, **fields: Any) -> list[Event]:
        self.check_controls([control_id])
        events = self.store.update(control_id, actor=self.actor, **fields)
        self._changed([control_id])
        return events

    def add_evidence(
        self,
        control_id: str,
        ref: str,
        *,
        title: str | None = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
    ) -> Evidence:
        self.check_controls([control_id])
        return self.store.add_evidence(
            control_id,
            ref,
            actor=self.actor,
            title=title,
            effective_from=effective_from,
            effective_to=effective_to,
        )

    def undo(self) -> list[Event]:
        events = self.store.undo(actor=self.actor)
        self._changed(sorted({e.control_id for e in events if e.control_id}))
        self._apply_events(events)
        return events

    def _apply_events(self, events: Sequence[Event]) -> None:
        for ev in events:
            if ev.field == "status" and ev.control_id:
                self.readiness.set_status(ev.control_id, ev.new_value or "not_started")
            elif ev.field.startswith("setting:"):
                self.reload()
                return

    def set_lens(self, lens: str) -> None:
        if lens not in LENSES:
            raise ValueError(f"unknown lens {lens!r} (expected one of: {', '.join(LENSES)})")
        self.store.set_setting(LENS_SETTING, lens, actor=self.actor)
        self.readiness.set_lens(lens)

    def set_scope(self, framework_id: str, group_id: str, in_scope: bool) -> None:
        node = self.catalog.frameworks[framework_id].nodes.get(group_id)
        if node is None or not node.optional:
            raise ValueError(f"{framework_id} {group_id} is not an optional group")
        key = Scope.setting_key(framework_id, group_id)
        self.store.set_setting(key, "in" if in_scope else "out", actor=self.actor)
        excluded = set(self.readiness.scope.excluded)
        excluded.discard((framework_id, group_id))
        if not in_scope:
            excluded.add((framework_id, group_id))
        self.readiness.set_scope(Scope(frozenset(excluded)))

    def orphans(self) -> list[ControlState]:
        return self.store.orphans(self.catalog)
