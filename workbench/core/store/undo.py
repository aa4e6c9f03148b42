"""Undo and redo in the SQLite store: revert an action by writing new events that restore the
values it replaced. History is never rewritten: a redo is an action that undoes an undo.
Which action each reverts comes from the actor's stacks (history.undo_stacks)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .attachments import apply_evidence
from .chain import Change
from .checks import check_actor
from .errors import NothingToUndo, StoreError, UndoConflict, ValidationError
from .format import CONTROL_FIELDS, EVIDENCE_FIELD, SETTING_PREFIX
from .history import head, undo_target
from .integrity import broken_rules
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


def _conflicts(db: Reader, target: Sequence[Event]) -> list[Event]:
    """Later changes, by anyone, that the revert of `target` would overwrite: for each thing
    `target` set, the events after it when its value now is no longer the one `target` set.
    (A later change that was itself undone left the value as `target` set it: no conflict,
    which is what lets undo walk back through several changes of one control.)"""
    wrote = {_undo_key(ev): ev.new_value for ev in target}
    rows = db.all("SELECT * FROM history WHERE seq > ? ORDER BY seq", (target[-1].seq,))
    later: dict[tuple[str | None, str, int | None], list[Event]] = {}
    for ev in map(_event_from, rows):
        key = _undo_key(ev)
        if key in wrote:
            later.setdefault(key, []).append(ev)
    stale = [events for key, events in later.items() if events[-1].new_value != wrote[key]]
    return sorted((ev for events in stale for ev in events), key=lambda ev: ev.seq)


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
    """Undo and redo (the Store's part; see protocol.HistoryStore)."""

    _db: Database

    def undo(self, *, actor: str, anyone: bool = False) -> list[Event]:
        """Revert the newest action on the actor's undo stack (so undo after undo walks back
        through the actor's changes in order), or anyone's newest action with `anyone`: every
        event it wrote, by new events that restore the previous values. When something that
        action changed has been changed again since (by another session or person) and not
        undone, nothing is written: UndoConflict names it."""
        who = check_actor(actor)
        with self._db.write(who) as tx:
            target = undo_target(tx, None if anyone else who)
            if not target:
                if anyone or head(tx.conn)[0] == 0:
                    raise NothingToUndo("nothing to undo: no changes have been recorded yet")
                if tx.scalar("SELECT 1 FROM history WHERE actor = ? LIMIT 1", (who,)) is None:
                    raise NothingToUndo(f"nothing to undo: {who} has made no changes")
                if undo_target(tx, who, redo=True):
                    raise NothingToUndo(
                        f"nothing to undo: every change by {who} is undone (redo restores them)"
                    )
                raise NothingToUndo(
                    f"nothing to undo: no change by {who} is in effect (someone else undid them)"
                )
            return _revert(tx, target, "undo")

    def redo(self, *, actor: str) -> list[Event]:
        """Restore what the actor's newest undo reverted (redo after redo walks forward again).
        A new change by the actor empties what there is to redo, as in every editor."""
        who = check_actor(actor)
        with self._db.write(who) as tx:
            target = undo_target(tx, who, redo=True)
            if not target:
                raise NothingToUndo(
                    f"nothing to redo: {who} has undone nothing since the last change"
                )
            return _revert(tx, target, "redo")


def _revert(tx: Tx, target: Sequence[Event], verb: str) -> list[Event]:
    """Write one action that restores the values `target` replaced (inside the write lock).

    Refused, with nothing written, when a later change would be overwritten (UndoConflict) or
    when the restored values would break a rule that others' records rely on now (a period
    taken back under their samples: integrity.broken_rules), as the ordinary write would."""
    conflicts = _conflicts(tx, target)
    if conflicts:
        raise UndoConflict(target[0].action, conflicts)
    changes = [
        Change(ev.control_id, ev.field, ev.new_value, ev.old_value) for ev in reversed(target)
    ]
    before = set(broken_rules(tx))
    try:
        apply(tx, changes)
    except sqlite3.IntegrityError as exc:
        raise ValidationError(
            f"cannot {verb} action {target[0].action}: it would clash with a record made since "
            f"({exc}). Nothing was written."
        ) from None
    broken = [rule for rule in broken_rules(tx) if rule not in before]
    if broken:
        more = f" (and {len(broken) - 3} more)" if len(broken) > 3 else ""
        raise ValidationError(
            f"cannot {verb} action {target[0].action}: afterwards {'; '.join(broken[:3])}{more}. "
            "Undo or change those first. Nothing was written."
        )
    return tx.append(changes, undoes=target[0].action)
