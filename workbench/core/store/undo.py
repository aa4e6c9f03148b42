"""Undo in the SQLite store: revert an action by writing new events that restore the values
it replaced. History is never rewritten; undoing an undo is a redo."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .attachments import apply_evidence
from .chain import Change
from .checks import check_actor
from .errors import NothingToUndo, StoreError, UndoConflict
from .format import CONTROL_FIELDS, EVIDENCE_FIELD, SETTING_PREFIX
from .history import head, last_action
from .records import Event, _event_from
from .settings import read_setting, write_setting
from .state import apply_fields
from .testing_rows import apply_testing, is_testing_field

if TYPE_CHECKING:
    from .tx import Database, Reader, Tx


def _undo_key(ev: Event) -> tuple[str | None, str, int | None]:
    """What an event changed: a control's field, a setting, a testing record, or one
    evidence item (two people may attach evidence to one control independently)."""
    if ev.field == EVIDENCE_FIELD:
        record = json.loads(ev.new_value or ev.old_value or "{}")
        return (ev.control_id, ev.field, int(record.get("id", 0)))
    return (ev.control_id, ev.field, None)


def _conflicts(db: Reader, last: Sequence[Event]) -> list[Event]:
    """Later events, by anyone, that changed what `last` changed."""
    touched = {_undo_key(ev) for ev in last}
    rows = db.all("SELECT * FROM history WHERE seq > ? ORDER BY seq", (last[-1].seq,))
    return [ev for ev in map(_event_from, rows) if _undo_key(ev) in touched]


def apply(tx: Tx, changes: Sequence[Change]) -> None:
    """Make the tables hold each change's `new` value, each by the module that owns it."""
    per_control: dict[str, dict[str, str | None]] = {}
    for ch in changes:
        if ch.field in CONTROL_FIELDS and ch.control_id is not None:
            per_control.setdefault(ch.control_id, {})[ch.field] = ch.new
        elif ch.field == EVIDENCE_FIELD:
            apply_evidence(tx, ch)
        elif ch.field.startswith(SETTING_PREFIX):
            key = ch.field[len(SETTING_PREFIX) :]
            write_setting(tx, key, read_setting(tx, key), ch.new)
        elif is_testing_field(ch.field):
            apply_testing(tx, ch.field, ch.new)
        else:
            raise StoreError(f"cannot undo an event with unknown field {ch.field!r}")
    if per_control:
        apply_fields(tx, per_control)


class Undo:
    """Undo (the Store's part; see protocol.HistoryStore)."""

    _db: Database

    def undo(self, *, actor: str, anyone: bool = False) -> list[Event]:
        """Revert the actor's last action (or anyone's, with `anyone`), every event it wrote,
        by writing new events that restore the previous values. History is never rewritten;
        undoing an undo is a redo. When something that action changed has been changed again
        since (by another session or person), nothing is written: UndoConflict names it."""
        who = check_actor(actor)
        with self._db.write(who) as tx:
            last = last_action(tx, None if anyone else who)
            if not last:
                if anyone or head(tx.conn)[0] == 0:
                    raise NothingToUndo("nothing to undo: no changes have been recorded yet")
                raise NothingToUndo(f"nothing to undo: {who} has made no changes")
            conflicts = _conflicts(tx, last)
            if conflicts:
                raise UndoConflict(last[0].action, conflicts)
            changes = [
                Change(ev.control_id, ev.field, ev.new_value, ev.old_value) for ev in reversed(last)
            ]
            apply(tx, changes)
            return tx.append(changes, undoes=last[0].action)
