"""Control state in the SQLite store: status, owner, due date, notes, justification.

A control without a row is not_started. Each row carries a version (how many actions changed
it) for optimistic checks, and who changed it last and when: the actor and time of the history
events that wrote it (verify checks both).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from ..status import Status, UnknownStatusError, parse_status
from .chain import Change
from .checks import check_actor, check_ids
from .errors import StaleVersionError, ValidationError
from .format import CONTROL_FIELDS
from .records import UNCHANGED, ControlState, Event, Unchanged, _clean, _state_from, check_day

if TYPE_CHECKING:
    from ..catalog import CatalogSet
    from .tx import Database, Reader, Tx

_IN_CHUNK = 500  # IDs per IN (...) query: below SQLite's bound-parameter limit


def stored_fields(state: ControlState) -> dict[str, str | None]:
    return {name: state.field_value(name) for name in CONTROL_FIELDS}


def load_states(db: Reader, ids: Iterable[str]) -> dict[str, ControlState]:
    wanted = list(dict.fromkeys(ids))
    out: dict[str, ControlState] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = db.all(f"SELECT * FROM control_state WHERE control_id IN ({marks})", chunk)
        out.update((row["control_id"], _state_from(row)) for row in rows)
    return out


def write_state(
    tx: Tx, cid: str, before: ControlState | None, values: Mapping[str, str | None]
) -> None:
    """Store a control's fields as `tx`'s actor at `tx`'s time (a new row, or version + 1)."""
    row = {
        **{name: values[name] for name in CONTROL_FIELDS},
        "updated_at": tx.at,
        "updated_by": tx.actor,
    }
    if before is None:
        tx.insert("control_state", {"control_id": cid, "version": 1, **row})
        return
    done = tx.update(
        "control_state",
        {**row, "version": before.version + 1},
        {"control_id": cid, "version": before.version},
    )
    if done != 1:  # cannot happen under the write lock; never overwrite blindly
        raise StaleVersionError({cid: (before.version, -1)})


def apply_fields(tx: Tx, per_control: Mapping[str, Mapping[str, str | None]]) -> None:
    """Make each control's fields hold the given values (used by undo)."""
    current = load_states(tx, list(per_control))
    for cid, values in per_control.items():
        before = current.get(cid)
        write_state(tx, cid, before, {**stored_fields(before or ControlState(cid)), **values})


def _require_justification(value: str | None, ids: Sequence[str]) -> None:
    if not value:
        raise ValidationError(
            f"not_applicable needs a justification ({', '.join(ids)}): say why the "
            "control is out of scope"
        )


def change_controls(
    tx: Tx,
    ids: list[str],
    wanted: Mapping[str, str | None],
    expected_versions: Mapping[str, int] | None,
) -> list[Change]:
    """Write `wanted` over each control's fields; the changes made (none when equal)."""
    current = load_states(tx, ids)
    if expected_versions:
        conflicts = {
            cid: (exp, current[cid].version if cid in current else 0)
            for cid, exp in expected_versions.items()
            if cid in ids and exp != (current[cid].version if cid in current else 0)
        }
        if conflicts:
            raise StaleVersionError(conflicts)
    changes: list[Change] = []
    missing_justification: list[str] = []
    plans: list[tuple[str, ControlState | None, dict[str, str | None]]] = []
    for cid in ids:
        before = current.get(cid)
        old = stored_fields(before or ControlState(cid))
        new = {**old, **wanted}
        if new["status"] == Status.NOT_APPLICABLE.value and not new["justification"]:
            missing_justification.append(cid)
        diff = [Change(cid, f, old[f], new[f]) for f in CONTROL_FIELDS if old[f] != new[f]]
        if diff:
            changes.extend(diff)
            plans.append((cid, before, new))
    if missing_justification:
        _require_justification(None, missing_justification)
    for cid, before, new in plans:
        write_state(tx, cid, before, new)
    return changes


class ControlStates:
    """Reading and changing control state (the Store's part; see protocol.StateStore)."""

    _db: Database

    def states(self) -> dict[str, ControlState]:
        """Every control with a record (controls without one are not_started)."""
        with self._db.read() as db:
            rows = db.all("SELECT * FROM control_state ORDER BY control_id")
        return {row["control_id"]: _state_from(row) for row in rows}

    def state(self, control_id: str) -> ControlState:
        with self._db.read() as db:
            return load_states(db, [control_id]).get(control_id) or ControlState(control_id)

    def orphans(self, catalog: CatalogSet) -> list[ControlState]:
        """Records (state or evidence) for control IDs no longer in any catalog: kept, never
        deleted; reported so a user can see them."""
        known = catalog.controls
        with self._db.read() as db:
            states = {
                row["control_id"]: _state_from(row)
                for row in db.all("SELECT * FROM control_state")
                if row["control_id"] not in known
            }
            with_evidence = db.all(
                "SELECT DISTINCT control_id FROM evidence WHERE removed_at IS NULL"
            )
        for (cid,) in with_evidence:
            if cid not in known and cid not in states:
                states[cid] = ControlState(cid)
        return [states[cid] for cid in sorted(states)]

    def mark(
        self,
        control_ids: Sequence[str],
        status: str | Status,
        *,
        actor: str,
        note: str | None = None,
        owner: str | None = None,
        due: date | None = None,
        justification: str | None = None,
        expected_versions: Mapping[str, int] | None = None,
        known: Collection[str] | None = None,
    ) -> list[Event]:
        """Set the status (and optionally note, owner, due date, justification) of one or more
        controls in ONE transaction. None leaves a field as it is; an empty string clears it.
        `not_applicable` needs a justification (given now or already recorded). With `known`,
        IDs outside it are refused. Returns the events written ([] when nothing changed)."""
        try:
            new_status = parse_status(status)
        except UnknownStatusError as exc:
            raise ValidationError(str(exc)) from None
        ids = check_ids(control_ids, known)
        who = check_actor(actor)
        wanted: dict[str, str | None] = {"status": new_status.value}
        if note is not None:
            wanted["notes"] = _clean(note, "note")
        if owner is not None:
            wanted["owner"] = _clean(owner, "owner")
        if due is not None:
            wanted["due"] = check_day(due, "due date").isoformat()
        if justification is not None:
            wanted["justification"] = _clean(justification, "justification")
        if new_status is Status.NOT_APPLICABLE and justification is not None:
            _require_justification(wanted["justification"], ids)
        with self._db.write(who) as tx:
            return tx.append(change_controls(tx, ids, wanted, expected_versions))

    def update(
        self,
        control_ids: Sequence[str] | str,
        *,
        actor: str,
        owner: str | Unchanged | None = UNCHANGED,
        due: date | Unchanged | None = UNCHANGED,
        notes: str | Unchanged | None = UNCHANGED,
        justification: str | Unchanged | None = UNCHANGED,
        expected_version: int | None = None,
        known: Collection[str] | None = None,
    ) -> list[Event]:
        """Edit fields of one or more controls without changing their status, in ONE
        transaction (one action: one undo restores them all). UNCHANGED (the default) leaves
        a field; None or "" clears it. `expected_version` applies to a single control."""
        ids = check_ids(control_ids, known)
        who = check_actor(actor)
        wanted: dict[str, str | None] = {}
        if not isinstance(owner, Unchanged):
            wanted["owner"] = _clean(owner, "owner")
        if not isinstance(due, Unchanged):
            wanted["due"] = check_day(due, "due date").isoformat() if due else None
        if not isinstance(notes, Unchanged):
            wanted["notes"] = _clean(notes, "note")
        if not isinstance(justification, Unchanged):
            wanted["justification"] = _clean(justification, "justification")
        expected = None if expected_version is None else {ids[0]: expected_version}
        with self._db.write(who) as tx:
            return tx.append(change_controls(tx, ids, wanted, expected))
