"""History in the SQLite store: appending hash-chained events, and reading them back.

The chain itself (what is hashed, how it is checked) is chain.py; this module stores it.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from .chain import GENESIS_HASH, HASHED_FIELDS, Change, event_hash
from .records import Event, _event_from, format_at, parse_at

if TYPE_CHECKING:
    from .tx import Database, Reader

_COLUMNS = (*HASHED_FIELDS, "hash")
_INSERT = f"INSERT INTO history ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


def head(conn: sqlite3.Connection) -> tuple[int, str, int]:
    """(seq, hash, action) of the newest event; (0, GENESIS_HASH, 0) for an empty history."""
    row = conn.execute("SELECT seq, hash, action FROM history ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        return 0, GENESIS_HASH, 0
    return int(row[0]), str(row[1]), int(row[2])


def append(
    conn: sqlite3.Connection,
    actor: str,
    at: str,
    changes: Sequence[Change],
    *,
    undoes: int | None = None,
) -> list[Event]:
    """Append `changes` as one action (inside the caller's write transaction)."""
    if not changes:
        return []
    seq, prev, action = head(conn)
    action += 1
    rows: list[dict[str, Any]] = []
    for ch in changes:
        seq += 1
        row: dict[str, Any] = {
            "seq": seq,
            "action": action,
            "undoes": undoes,
            "at": at,
            "actor": actor,
            "control_id": ch.control_id,
            "field": ch.field,
            "old_value": ch.old,
            "new_value": ch.new,
            "prev_hash": prev,
        }
        row["hash"] = prev = event_hash(row)
        rows.append(row)
    conn.executemany(_INSERT, [tuple(r[name] for name in _COLUMNS) for r in rows])
    moment = parse_at(at)
    return [
        Event(
            seq=r["seq"],
            action=action,
            undoes=undoes,
            at=moment,
            actor=actor,
            control_id=r["control_id"],
            field=r["field"],
            old_value=r["old_value"],
            new_value=r["new_value"],
            prev_hash=r["prev_hash"],
            hash=r["hash"],
        )
        for r in rows
    ]


def last_action(db: Reader, actor: str | None) -> list[Event]:
    """The events of the newest action (by `actor`, or by anyone when None), oldest first."""
    if actor is None:
        action = db.scalar("SELECT action FROM history ORDER BY seq DESC LIMIT 1")
    else:
        action = db.scalar(
            "SELECT action FROM history WHERE actor = ? ORDER BY seq DESC LIMIT 1", (actor,)
        )
    if action is None:
        return []
    rows = db.all("SELECT * FROM history WHERE action = ? ORDER BY seq", (action,))
    return [_event_from(row) for row in rows]


def action_events(db: Reader, action: int) -> list[Event]:
    """Every event of one action, oldest first."""
    rows = db.all("SELECT * FROM history WHERE action = ? ORDER BY seq", (action,))
    return [_event_from(row) for row in rows]


def undo_stacks(db: Reader, actor: str) -> tuple[list[int], list[int]]:
    """The actor's undo and redo stacks (action numbers, newest last), read from history.

    Nothing but the history holds them, so every session and process sees the same stacks.
    Each person has both; replaying every action in order:
    - an action that undoes nothing is a change: it goes on its author's undo stack and, as
      in every editor, empties the author's redo stack;
    - undoing an action on its author's own undo stack is an undo (it goes on the redo
      stack); undoing an action on the redo stack is a redo (back on the undo stack);
    - someone undoing another person's change (`undo --anyone`) takes it off that person's
      stack, and the undo is a change of their own; if that undo is itself undone later, the
      change is in effect again and goes back on its author's stack. Likewise someone undoing
      another person's undo puts that person's change back.
    """
    rows = db.all(
        "SELECT action, MAX(undoes) AS undoes, MIN(actor) AS actor "
        "FROM history GROUP BY action ORDER BY action"
    )
    owner: dict[int, str] = {}
    reverts: dict[int, int] = {}  # action -> the action it undoes
    done: dict[str, list[int]] = {}
    undone: dict[str, list[int]] = {}
    # What an action did to another person's undo stack: took their change off ("off") or
    # put it back ("on"); undoing the action does the opposite, redoing it the same again.
    side: dict[int, tuple[str, int]] = {}

    def stack(who: str) -> list[int]:
        return done.setdefault(who, [])

    def effect(action: int, inverse: bool = False) -> None:
        if action not in side:
            return
        how, change = side[action]
        mine = stack(owner[change])
        if (how == "off") != inverse:
            if change in mine:
                mine.remove(change)
        elif change not in mine:
            bisect.insort(mine, change)

    def new_change(action: int, who: str) -> None:
        stack(who).append(action)
        undone.setdefault(who, []).clear()

    for row in rows:
        action, undoes, who = int(row["action"]), row["undoes"], str(row["actor"])
        owner[action] = who
        if undoes is None or int(undoes) not in owner:
            new_change(action, who)
            continue
        target = int(undoes)
        reverts[action] = target
        author = owner[target]
        if target in stack(author):
            stack(author).remove(target)
            effect(target, inverse=True)
            if author == who:
                undone.setdefault(who, []).append(action)  # an undo
            else:
                side[action] = ("off", target)
                new_change(action, who)
        elif target in undone.get(author, []):
            undone[author].remove(target)
            first = reverts.get(target)  # what that undo reverted: in effect again now
            if author == who:  # a redo
                stack(who).append(action)
                if first is not None and first in side:
                    side[action] = side[first]
                    effect(action)
            else:
                if first is not None and owner.get(first) == author:
                    side[action] = ("on", first)
                    effect(action)
                new_change(action, who)
        else:
            new_change(action, who)
    return list(done.get(actor, [])), list(undone.get(actor, []))


def undo_target(db: Reader, actor: str | None, *, redo: bool = False) -> list[Event]:
    """The events `undo` (or `redo`) would revert, oldest first; [] when there are none.

    With an actor: the newest action on that actor's undo (redo) stack, so undo after undo
    walks back through the actor's changes in order. Without (`--anyone`): the newest action
    by anyone, whatever it was."""
    if actor is None:
        return last_action(db, None)
    done, undone = undo_stacks(db, actor)
    stack = undone if redo else done
    return action_events(db, stack[-1]) if stack else []


class History:
    """Reading history (the Store's part; see protocol.HistoryReads)."""

    _db: Database

    def history(
        self,
        control_id: str | None = None,
        since: datetime | date | None = None,
        limit: int | None = None,
        *,
        action: int | None = None,
    ) -> list[Event]:
        """Events in order (oldest first). `limit` keeps the most recent N. A naive datetime
        is taken as UTC; a date means from its start (UTC)."""
        where: list[str] = []
        params: list[Any] = []
        if control_id is not None:
            where.append("control_id = ?")
            params.append(control_id)
        if since is not None:
            if not isinstance(since, datetime):
                since = datetime(since.year, since.month, since.day, tzinfo=UTC)
            where.append("at >= ?")
            params.append(format_at(since))
        if action is not None:
            where.append("action = ?")
            params.append(action)
        sql = "SELECT * FROM history" + (" WHERE " + " AND ".join(where) if where else "")
        if limit is not None:
            sql += " ORDER BY seq DESC LIMIT ?"
            params.append(max(limit, 0))
        else:
            sql += " ORDER BY seq"
        with self._db.read() as db:
            events = [_event_from(row) for row in db.all(sql, params)]
        if limit is not None:
            events.reverse()
        return events

    def head_hash(self) -> str:
        """Hash of the newest event (GENESIS_HASH, 64 zeros, when the history is empty)."""
        with self._db.read() as db:
            return head(db.conn)[1]

    def undo_preview(self, actor: str | None = None) -> list[Event]:
        """The events `undo()` would revert, oldest first: the newest action on `actor`'s undo
        stack, or anyone's newest action when actor is None; [] if there is none."""
        with self._db.read() as db:
            return undo_target(db, actor)

    def redo_preview(self, actor: str) -> list[Event]:
        """The events `redo()` would revert, oldest first (the actor's newest undo); [] if
        there is nothing to redo."""
        with self._db.read() as db:
            return undo_target(db, actor, redo=True)
