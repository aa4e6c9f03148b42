"""The Store: control state, evidence, settings and the hash-chained history in one database.

Every public method is one transaction. Writes start with BEGIN IMMEDIATE, read the current
values inside the write lock, validate, change the tables and append the history events for the
action, then commit; anything invalid raises before a byte is written. Results are frozen
dataclasses, never ORM objects, so callers never hold sessions or connections.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine

from ..status import Status, UnknownStatusError, parse_status
from ..text import neutralise
from . import acklog, dbfile
from . import engine as eng
from .errors import (
    NotAWorkbenchDatabase,
    NothingToUndo,
    StaleVersionError,
    StoreError,
    UndoConflict,
    UnknownControlError,
    ValidationError,
)
from .evidence import Fingerprint, Resolved, check_file, resolve_reference
from .history import GENESIS_HASH, check_chain, event_hash
from .history import Change as _Change
from .records import (
    UNCHANGED,
    CheckState,
    ControlState,
    Event,
    Evidence,
    EvidenceCheck,
    Unchanged,
    VerifyResult,
    _clean,
    _event_from,
    _evidence_from,
    _state_from,
    check_day,
    check_name,
    format_at,
    parse_at,
    well_formed_at,
)
from .schema import (
    APPLICATION_ID,
    CONTROL_FIELDS,
    EVIDENCE_FIELD,
    HISTORY_TRIGGERS,
    SCHEMA_VERSION,
    SETTING_PREFIX,
    TRIGGER_SQL,
    control_state,
    evidence,
    history,
    normal_sql,
    setting,
    upgrade,
)
from .testing import TestingMixin, TestingReplay, apply_testing, is_testing_field

if TYPE_CHECKING:
    from ..catalog import CatalogSet

_SETTING_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_IN_CHUNK = 500

# Statements on the hot path (a mark), built once so each call skips construction and cache-key
# generation.
_HEAD = (
    select(history.c.seq, history.c.hash, history.c.action).order_by(history.c.seq.desc()).limit(1)
)
_LOAD_STATES = select(control_state).where(
    control_state.c.control_id.in_(bindparam("ids", expanding=True))
)
_INSERT_STATE = insert(control_state)
_UPDATE_STATE = (
    update(control_state)
    .where(control_state.c.control_id == bindparam("b_id"))
    .where(control_state.c.version == bindparam("b_version"))
)
_INSERT_HISTORY = insert(history)


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _stored_fields(state: ControlState) -> dict[str, str | None]:
    return {name: state.field_value(name) for name in CONTROL_FIELDS}


@dataclass(slots=True)
class _Replay:
    """What the tables should hold according to history (used by verify)."""

    fields: dict[tuple[str, str], str | None] = field(default_factory=dict)
    actions: dict[str, set[int]] = field(default_factory=dict)
    evidence: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    settings: dict[str, str | None] = field(default_factory=dict)
    # Who and when, as history says: (at, actor) of the event that last changed a control,
    # first attached or last removed an evidence item, last set a setting.
    control_stamps: dict[str, tuple[str, str]] = field(default_factory=dict)
    evidence_added: dict[int, tuple[str, str]] = field(default_factory=dict)
    evidence_removed: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    setting_stamps: dict[str, tuple[str, str]] = field(default_factory=dict)
    testing: TestingReplay = field(default_factory=TestingReplay)
    problems: list[str] = field(default_factory=list)

    def feed(self, row: Mapping[str, Any]) -> None:
        name: str = row["field"]
        cid: str | None = row["control_id"]
        stamp = (row["at"], row["actor"])
        if not well_formed_at(row["at"]):
            self.problems.append(
                f"event {row['seq']}: unreadable time {neutralise(str(row['at'])[:64])!r}"
            )
        if name in CONTROL_FIELDS and cid is not None:
            self.fields[(cid, name)] = row["new_value"]
            self.actions.setdefault(cid, set()).add(row["action"])
            self.control_stamps[cid] = stamp
        elif name == EVIDENCE_FIELD:
            try:
                old = json.loads(row["old_value"]) if row["old_value"] else None
                new = json.loads(row["new_value"]) if row["new_value"] else None
                record = new or old
                if not isinstance(record, dict):
                    raise TypeError(record)
                evidence_id = int(record["id"])
            except (ValueError, TypeError, KeyError):
                self.problems.append(f"event {row['seq']}: unreadable evidence record")
                return
            if old is None and new is not None and evidence_id not in self.evidence_added:
                self.evidence_added[evidence_id] = stamp
            self.evidence_removed[evidence_id] = stamp if new is None else (None, None)
            self.evidence[evidence_id] = new
        elif name.startswith(SETTING_PREFIX):
            self.settings[name[len(SETTING_PREFIX) :]] = row["new_value"]
            self.setting_stamps[name[len(SETTING_PREFIX) :]] = stamp
        elif is_testing_field(name):
            self.testing.feed(row)
        else:
            self.problems.append(f"event {row['seq']}: unknown field {name!r}")


def _stamp_problem(
    label: str,
    what: str,
    stored: tuple[str | None, str | None],
    expected: tuple[str | None, str | None] | None,
) -> str:
    """A who/when column that history does not back (an edit made outside workbench)."""
    want = expected or (None, None)
    return (
        f"{label}: {what} at {stored[0]!r} by {stored[1]!r}, but history says "
        f"{want[0]!r} by {want[1]!r}"
    )


# ---------------------------------------------------------------------------------------------


class Store(TestingMixin):
    """One workbench database. Open with Store.open(path_or_url); close when done.

    Control testing (periods, tests, samples, findings) comes from TestingMixin (testing.py).
    """

    def __init__(
        self,
        engine: Engine,
        target: eng.Target,
        busy_timeout: float,
        dv_conn: Any,
        held: dbfile.DatabaseFile | None = None,
    ) -> None:
        self._engine = engine
        self._held = held  # the hold on the database file: released after every connection
        self.created = False  # whether open() created the file
        self._writer = eng.writer(engine)
        self._target = target
        self._busy_timeout = busy_timeout
        self._dv_conn = dv_conn
        self._dv_lock = threading.Lock()
        self._local_writes = 0
        self._closed = False
        self._appended: list[Event] = []  # events of the write transaction in progress
        self.path: Path | None = target.path

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        target: str | Path,
        *,
        create: bool = True,
        busy_timeout: float | None = None,
    ) -> Store:
        """Open (and create or upgrade) a workbench database.

        Refuses, leaving the file byte-for-byte unchanged: files that are not workbench
        databases (NotAWorkbenchDatabase) and databases from a newer workbench
        (NewerSchemaError). An empty (0-byte) file, or an SQLite file with no schema at all, is
        initialised. New files are created with mode 0600. With create=False (commands that
        only read) a missing file is MissingDatabase and an empty one is refused: nothing is
        created or initialised.
        """
        resolved = eng.resolve_target(target)
        timeout = eng.busy_timeout_from_env() if busy_timeout is None else busy_timeout
        held: dbfile.DatabaseFile | None = None
        created = False
        if resolved.path is not None:
            held, created = eng.acquire_file(resolved.path, resolved.display, create=create)
        engine = None
        dv_conn = None
        try:
            if held is not None:
                assert resolved.path is not None
                eng.inspect_file(held, resolved.display, create=create)
                eng.check_writable(resolved.path, resolved.display)
            engine = eng.make_engine(resolved, timeout)
            with eng.translate_errors(resolved.display, timeout):
                cls._prepare(engine, resolved, create=create)
                if resolved.path is not None:
                    eng.enable_wal(engine)
                dv_conn = eng.data_version_connection(resolved, timeout)
        except BaseException:
            if dv_conn is not None:
                dv_conn.close()
            if engine is not None:
                engine.dispose()
            if held is not None:
                held.release()  # only now: every connection of ours to it is closed
            raise
        assert engine is not None
        store = cls(engine, resolved, timeout, dv_conn, held)
        store.created = created
        return store

    @staticmethod
    def _prepare(engine: Engine, target: eng.Target, *, create: bool = True) -> None:
        """Check the markers through SQLite and create or upgrade the schema if needed.

        A current database is only read (no write lock taken). Creating or upgrading happens
        inside one BEGIN IMMEDIATE transaction that checks the markers again under the write
        lock, so two processes opening a new file at once create it once.
        """
        with engine.connect() as conn:
            app_id, found, _objects = Store._markers(conn)
        if app_id == APPLICATION_ID and found == SCHEMA_VERSION:
            return
        with eng.writer(engine).connect() as conn, conn.begin():
            app_id, found, objects = Store._markers(conn)
            if app_id == APPLICATION_ID:
                if found > SCHEMA_VERSION:
                    raise eng.newer_schema(target.display, found)
                if found < SCHEMA_VERSION:
                    upgrade(conn, found)
            elif app_id == 0 and objects == 0 and found == 0 and create:
                upgrade(conn, 0)
            else:
                raise NotAWorkbenchDatabase(
                    f"{target.display} is not a workbench database; it was left unchanged"
                )

    @staticmethod
    def _markers(conn: Connection) -> tuple[int, int, int]:
        app_id = int(conn.exec_driver_sql("PRAGMA application_id").scalar_one())
        found = int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
        objects = int(conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one())
        return app_id, found, objects

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._dv_lock:
            if self._dv_conn is not None:
                self._dv_conn.close()
                self._dv_conn = None
        self._engine.dispose()
        if self._held is not None:
            self._held.release()  # after the connections: see dbfile.py
            self._held = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._target.display!r})"

    @property
    def display_name(self) -> str:
        return self._target.display

    # -- transactions --------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        self._check_open()
        with (
            eng.translate_errors(self._target.display, self._busy_timeout),
            self._engine.connect() as conn,
        ):
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        self._check_open()
        with eng.translate_errors(self._target.display, self._busy_timeout):
            self._appended = []
            with self._writer.connect() as conn, conn.begin():
                yield conn
            self._local_writes += 1
        if self._appended and acklog.enabled():
            acklog.record("ack", events=[[e.seq, e.hash] for e in self._appended])

    @staticmethod
    def _now() -> str:
        """The time of a change, as stored (one place, so tests can freeze the clock)."""
        return format_at(datetime.now(UTC))

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    # -- reading -------------------------------------------------------------------------------

    def states(self) -> dict[str, ControlState]:
        """Every control with a record (controls without one are not_started)."""
        with self._read() as conn:
            rows = conn.execute(select(control_state).order_by(control_state.c.control_id))
            return {row["control_id"]: _state_from(row) for row in rows.mappings()}

    def state(self, control_id: str) -> ControlState:
        with self._read() as conn:
            return self._load_states(conn, [control_id]).get(control_id) or ControlState(control_id)

    def evidence(
        self, control_id: str | None = None, *, include_removed: bool = False
    ) -> list[Evidence]:
        query = select(evidence).order_by(evidence.c.control_id, evidence.c.id)
        if control_id is not None:
            query = query.where(evidence.c.control_id == control_id)
        if not include_removed:
            query = query.where(evidence.c.removed_at.is_(None))
        with self._read() as conn:
            return [_evidence_from(row) for row in conn.execute(query).mappings()]

    def evidence_item(self, evidence_id: int) -> Evidence | None:
        with self._read() as conn:
            row = conn.execute(select(evidence).where(evidence.c.id == evidence_id)).mappings()
            found = row.first()
            return _evidence_from(found) if found else None

    def settings(self) -> dict[str, str]:
        with self._read() as conn:
            rows = conn.execute(select(setting.c.key, setting.c.value).order_by(setting.c.key))
            return {row[0]: row[1] for row in rows}

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
        query = select(history)
        if control_id is not None:
            query = query.where(history.c.control_id == control_id)
        if since is not None:
            if not isinstance(since, datetime):
                since = datetime(since.year, since.month, since.day, tzinfo=UTC)
            query = query.where(history.c.at >= format_at(since))
        if action is not None:
            query = query.where(history.c.action == action)
        if limit is not None:
            query = query.order_by(history.c.seq.desc()).limit(max(limit, 0))
        else:
            query = query.order_by(history.c.seq)
        with self._read() as conn:
            events = [_event_from(row) for row in conn.execute(query).mappings()]
        if limit is not None:
            events.reverse()
        return events

    def head_hash(self) -> str:
        """Hash of the newest event (GENESIS_HASH, 64 zeros, when the history is empty)."""
        with self._read() as conn:
            head = self._head(conn)
        return head[1]

    def data_version(self) -> int:
        """Changes whenever another connection or process commits: poll it cheaply."""
        with self._dv_lock:
            if self._dv_conn is None:
                return self._local_writes
            with eng.translate_errors(self._target.display, self._busy_timeout):
                value: int = self._dv_conn.execute("PRAGMA data_version").fetchone()[0]
            return value

    @property
    def busy_timeout(self) -> float:
        """Seconds a write waits for another writer's lock before it gives up."""
        return self._busy_timeout

    def writer_busy(self) -> bool:
        """Whether another connection holds the write lock at this moment. A probe that never
        waits (it takes the lock and gives it back at once), so that the app can wait for a
        long-held lock without freezing, instead of blocking in a write."""
        with self._dv_lock:
            conn = self._dv_conn
            if conn is None:
                return False
            with eng.translate_errors(self._target.display, self._busy_timeout):
                conn.execute("PRAGMA busy_timeout = 0")
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if eng.is_locked(exc):
                        return True
                    raise
                else:
                    conn.execute("ROLLBACK")
                finally:
                    conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        return False

    def orphans(self, catalog: CatalogSet) -> list[ControlState]:
        """Records (state or evidence) for control IDs no longer in any catalog: kept, never
        deleted; reported so a user can see them."""
        known = catalog.controls
        with self._read() as conn:
            states = {
                row["control_id"]: _state_from(row)
                for row in conn.execute(select(control_state)).mappings()
                if row["control_id"] not in known
            }
            with_evidence = conn.execute(
                select(evidence.c.control_id).where(evidence.c.removed_at.is_(None)).distinct()
            ).scalars()
            for cid in with_evidence:
                if cid not in known and cid not in states:
                    states[cid] = ControlState(cid)
        return [states[cid] for cid in sorted(states)]

    def undo_preview(self, actor: str | None = None) -> list[Event]:
        """The events `undo()` would revert, oldest first: the last action by `actor`, or by
        anyone when actor is None; [] if there is none."""
        with self._read() as conn:
            return self._last_action(conn, actor)

    @staticmethod
    def _last_action(conn: Connection, actor: str | None) -> list[Event]:
        query = select(history.c.action).order_by(history.c.seq.desc()).limit(1)
        if actor is not None:
            query = query.where(history.c.actor == actor)
        action = conn.execute(query).scalar()
        if action is None:
            return []
        rows = conn.execute(
            select(history).where(history.c.action == action).order_by(history.c.seq)
        ).mappings()
        return [_event_from(row) for row in rows]

    @staticmethod
    def _undo_key(ev: Event) -> tuple[str | None, str, int | None]:
        """What an event changed: a control's field, a setting, a testing record, or one
        evidence item (two people may attach evidence to one control independently)."""
        if ev.field == EVIDENCE_FIELD:
            record = json.loads(ev.new_value or ev.old_value or "{}")
            return (ev.control_id, ev.field, int(record.get("id", 0)))
        return (ev.control_id, ev.field, None)

    def _undo_conflicts(self, conn: Connection, last: Sequence[Event]) -> list[Event]:
        """Later events, by anyone, that changed what `last` changed."""
        touched = {self._undo_key(ev) for ev in last}
        rows = conn.execute(
            select(history).where(history.c.seq > last[-1].seq).order_by(history.c.seq)
        ).mappings()
        return [ev for ev in map(_event_from, rows) if self._undo_key(ev) in touched]

    # -- writing: control state ----------------------------------------------------------------

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
        ids = self._check_ids(control_ids, known)
        who = self._check_actor(actor)
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
            self._require_justification(wanted["justification"], ids)
        return self._change_controls(ids, wanted, who, expected_versions)

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
        ids = self._check_ids(control_ids, known)
        who = self._check_actor(actor)
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
        return self._change_controls(ids, wanted, who, expected)

    def _change_controls(
        self,
        ids: list[str],
        wanted: Mapping[str, str | None],
        actor: str,
        expected_versions: Mapping[str, int] | None,
    ) -> list[Event]:
        with self._write() as conn:
            current = self._load_states(conn, ids)
            if expected_versions:
                conflicts = {
                    cid: (exp, current[cid].version if cid in current else 0)
                    for cid, exp in expected_versions.items()
                    if cid in ids and exp != (current[cid].version if cid in current else 0)
                }
                if conflicts:
                    raise StaleVersionError(conflicts)
            at = format_at(datetime.now(UTC))
            changes: list[_Change] = []
            missing_justification: list[str] = []
            plans: list[tuple[str, ControlState | None, dict[str, str | None]]] = []
            for cid in ids:
                before = current.get(cid)
                old = _stored_fields(before or ControlState(cid))
                new = {**old, **wanted}
                if new["status"] == Status.NOT_APPLICABLE.value and not new["justification"]:
                    missing_justification.append(cid)
                diff = [_Change(cid, f, old[f], new[f]) for f in CONTROL_FIELDS if old[f] != new[f]]
                if diff:
                    changes.extend(diff)
                    plans.append((cid, before, new))
            if missing_justification:
                self._require_justification(None, missing_justification)
            for cid, before, new in plans:
                self._write_state(conn, cid, before, new, actor, at)
            return self._append(conn, actor, at, changes)

    @staticmethod
    def _require_justification(value: str | None, ids: Sequence[str]) -> None:
        if not value:
            raise ValidationError(
                f"not_applicable needs a justification ({', '.join(ids)}): say why the "
                "control is out of scope"
            )

    @staticmethod
    def _write_state(
        conn: Connection,
        cid: str,
        before: ControlState | None,
        values: Mapping[str, str | None],
        actor: str,
        at: str,
    ) -> None:
        row = {
            **{name: values[name] for name in CONTROL_FIELDS},
            "updated_at": at,
            "updated_by": actor,
        }
        if before is None:
            conn.execute(_INSERT_STATE, {"control_id": cid, "version": 1, **row})
            return
        done = conn.execute(
            _UPDATE_STATE,
            {"b_id": cid, "b_version": before.version, "version": before.version + 1, **row},
        )
        if done.rowcount != 1:  # cannot happen under the write lock; never overwrite blindly
            raise StaleVersionError({cid: (before.version, -1)})

    # -- writing: evidence ---------------------------------------------------------------------

    def add_evidence(
        self,
        control_id: str,
        ref: str,
        *,
        actor: str,
        title: str | None = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
        kind: str | None = None,
        known: Collection[str] | None = None,
        base: Path | None = None,
        resolved: Resolved | None = None,
    ) -> Evidence:
        """Reference a file (absolute path, SHA-256 and size recorded; never copied), a URL or
        a free-text note. `kind` forces "file", "url" or "note"; otherwise it is detected.
        `resolved`: the reference already resolved and hashed (resolve_reference), e.g. by
        the app off its UI thread."""
        (cid,) = self._check_ids([control_id], known)
        who = self._check_actor(actor)
        for day in (effective_from, effective_to):
            if day is not None:
                check_day(day, "evidence period date")
        if effective_from and effective_to and effective_from > effective_to:
            raise ValidationError(
                f"the evidence period ends ({effective_to}) before it starts ({effective_from})"
            )
        if resolved is None:  # hashes outside the write lock
            resolved = resolve_reference(ref, kind, base=base, database=self.path)
        fp = resolved.fingerprint
        with self._write() as conn:
            at = format_at(datetime.now(UTC))
            result = conn.execute(
                insert(evidence).values(
                    control_id=cid,
                    kind=resolved.kind,
                    ref=resolved.ref,
                    title=_clean(title, "evidence title"),
                    sha256=fp.sha256 if fp else None,
                    size=fp.size if fp else None,
                    effective_from=effective_from.isoformat() if effective_from else None,
                    effective_to=effective_to.isoformat() if effective_to else None,
                    added_at=at,
                    added_by=who,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            new_id = int(key[0])
            row = conn.execute(select(evidence).where(evidence.c.id == new_id)).mappings().one()
            item = _evidence_from(row)
            self._append(conn, who, at, [_Change(cid, EVIDENCE_FIELD, None, _json(item.record()))])
            return item

    def remove_evidence(self, evidence_id: int, *, actor: str) -> list[Event]:
        """Detach evidence (the row is kept, marked removed; undo restores it)."""
        who = self._check_actor(actor)
        with self._write() as conn:
            row = (
                conn.execute(select(evidence).where(evidence.c.id == evidence_id))
                .mappings()
                .first()
            )
            if row is None:
                raise ValidationError(f"no evidence #{evidence_id}")
            item = _evidence_from(row)
            if not item.active:
                raise ValidationError(f"evidence #{evidence_id} was already removed")
            at = format_at(datetime.now(UTC))
            conn.execute(
                update(evidence)
                .where(evidence.c.id == evidence_id)
                .values(removed_at=at, removed_by=who)
            )
            change = _Change(item.control_id, EVIDENCE_FIELD, _json(item.record()), None)
            return self._append(conn, who, at, [change])

    def check_evidence(self, control_id: str | None = None) -> list[EvidenceCheck]:
        """Compare each attached file with its fingerprint: ok, missing, changed, unreadable.
        URLs and notes are not_checked."""
        out: list[EvidenceCheck] = []
        for item in self.evidence(control_id):
            if item.kind != "file" or item.sha256 is None or item.size is None:
                out.append(EvidenceCheck(item, "not_checked", f"{item.kind}: nothing to check"))
                continue
            result = check_file(
                Path(item.ref), Fingerprint(item.sha256, item.size), database=self.path
            )
            now = result.fingerprint
            state: CheckState
            if result.state == "ok":
                state = "ok"
            elif result.state == "missing":
                state = "missing"
            elif result.state == "changed":
                state = "changed"
            else:
                state = "unreadable"
            out.append(
                EvidenceCheck(
                    item,
                    state,
                    result.detail,
                    sha256_now=now.sha256 if now else None,
                    size_now=now.size if now else None,
                )
            )
        return out

    # -- writing: settings ---------------------------------------------------------------------

    def set_setting(self, key: str, value: str | None, *, actor: str) -> list[Event]:
        """Set (or, with None, remove) a setting. Recorded in history as "setting:<key>"."""
        if not _SETTING_KEY_RE.match(key):
            raise ValidationError(
                f"invalid setting name {key!r}: use letters, digits, '.', '-' or '_'"
            )
        who = self._check_actor(actor)
        with self._write() as conn:
            old = conn.execute(select(setting.c.value).where(setting.c.key == key)).scalar()
            if old == value:
                return []
            at = format_at(datetime.now(UTC))
            self._write_setting(conn, key, old, value, who, at)
            return self._append(conn, who, at, [_Change(None, SETTING_PREFIX + key, old, value)])

    @staticmethod
    def _write_setting(
        conn: Connection, key: str, old: str | None, value: str | None, actor: str, at: str
    ) -> None:
        if value is None:
            conn.execute(delete(setting).where(setting.c.key == key))
        elif old is None:
            conn.execute(
                insert(setting).values(key=key, value=value, updated_at=at, updated_by=actor)
            )
        else:
            conn.execute(
                update(setting)
                .where(setting.c.key == key)
                .values(value=value, updated_at=at, updated_by=actor)
            )

    # -- undo ----------------------------------------------------------------------------------

    def undo(self, *, actor: str, anyone: bool = False) -> list[Event]:
        """Revert the actor's last action (or anyone's, with `anyone`), every event it wrote,
        by writing new events that restore the previous values. History is never rewritten;
        undoing an undo is a redo. When something that action changed has been changed again
        since (by another session or person), nothing is written: UndoConflict names it."""
        who = self._check_actor(actor)
        with self._write() as conn:
            last = self._last_action(conn, None if anyone else who)
            if not last:
                if anyone or self._head(conn)[0] == 0:
                    raise NothingToUndo("nothing to undo: no changes have been recorded yet")
                raise NothingToUndo(f"nothing to undo: {who} has made no changes")
            conflicts = self._undo_conflicts(conn, last)
            if conflicts:
                raise UndoConflict(last[0].action, conflicts)
            at = format_at(datetime.now(UTC))
            changes = [
                _Change(ev.control_id, ev.field, ev.new_value, ev.old_value)
                for ev in reversed(last)
            ]
            self._apply(conn, changes, who, at)
            return self._append(conn, who, at, changes, undoes=last[0].action)

    def _apply(self, conn: Connection, changes: Sequence[_Change], actor: str, at: str) -> None:
        """Make the tables hold each change's `new` value (used by undo)."""
        per_control: dict[str, dict[str, str | None]] = {}
        for ch in changes:
            if ch.field in CONTROL_FIELDS and ch.control_id is not None:
                per_control.setdefault(ch.control_id, {})[ch.field] = ch.new
            elif ch.field == EVIDENCE_FIELD:
                self._apply_evidence(conn, ch, actor, at)
            elif ch.field.startswith(SETTING_PREFIX):
                key = ch.field[len(SETTING_PREFIX) :]
                old = conn.execute(select(setting.c.value).where(setting.c.key == key)).scalar()
                self._write_setting(conn, key, old, ch.new, actor, at)
            elif is_testing_field(ch.field):
                apply_testing(conn, ch.field, ch.new, actor, at)
            else:
                raise StoreError(f"cannot undo an event with unknown field {ch.field!r}")
        if per_control:
            current = self._load_states(conn, list(per_control))
            for cid, values in per_control.items():
                before = current.get(cid)
                new = {**_stored_fields(before or ControlState(cid)), **values}
                self._write_state(conn, cid, before, new, actor, at)

    @staticmethod
    def _apply_evidence(conn: Connection, ch: _Change, actor: str, at: str) -> None:
        record = json.loads(ch.new or ch.old or "{}")
        evidence_id = int(record["id"])
        if ch.new is None:
            conn.execute(
                update(evidence)
                .where(evidence.c.id == evidence_id)
                .values(removed_at=at, removed_by=actor)
            )
            return
        restored = conn.execute(
            update(evidence)
            .where(evidence.c.id == evidence_id)
            .values(removed_at=None, removed_by=None)
        )
        if restored.rowcount == 0:  # the row itself is gone: recreate it from history
            conn.execute(
                insert(evidence).values(
                    id=evidence_id,
                    control_id=ch.control_id,
                    kind=record["kind"],
                    ref=record["ref"],
                    title=record["title"],
                    sha256=record["sha256"],
                    size=record["size"],
                    effective_from=record["effective_from"],
                    effective_to=record["effective_to"],
                    added_at=at,
                    added_by=actor,
                )
            )

    # -- verify --------------------------------------------------------------------------------

    def verify(self, anchor: str | None = None) -> VerifyResult:
        """Recompute the hash chain and name the first broken event; also check that the
        current tables match what history says, that the append-only triggers are in place and,
        given an `anchor` (a head hash recorded earlier), that it is still in the chain."""
        with self._read() as conn:
            replay = _Replay()

            def rows() -> Iterator[Mapping[str, Any]]:
                for row in conn.execute(select(history).order_by(history.c.seq)).mappings():
                    event = dict(row)
                    replay.feed(event)
                    yield event

            report = check_chain(rows())
            problems = list(replay.problems)
            problems.extend(self._compare_tables(conn, replay))
            problems.extend(replay.testing.problems)
            problems.extend(replay.testing.compare(conn))
            present = {
                str(name): normal_sql(str(sql or ""))
                for name, sql in conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                )
            }
        missing = [name for name in HISTORY_TRIGGERS if name not in present]
        if missing:
            problems.append(
                "the triggers that keep history append-only are missing: " + ", ".join(missing)
            )
        for name, sql in sorted(present.items()):
            if name not in TRIGGER_SQL:
                problems.append(f"unexpected trigger {name!r} (not workbench's): {sql[:200]}")
            elif sql != TRIGGER_SQL[name]:
                problems.append(
                    f"trigger {name} has been altered: its SQL is {sql[:200]!r}, "
                    f"expected {TRIGGER_SQL[name]!r}"
                )
        anchor_found: bool | None = None
        if anchor is not None:
            anchor_found = anchor.strip().lower() in report.hashes or (
                anchor.strip() == GENESIS_HASH
            )
            if not anchor_found:
                problems.append(
                    f"the recorded head hash {anchor.strip()} is not in the verified chain: "
                    "history was rewritten or this is another database"
                )
        brk = report.first_break
        return VerifyResult(
            ok=brk is None and not problems,
            events_checked=report.checked,
            events_total=report.total,
            head_hash=report.head_hash,
            first_broken_seq=brk.seq if brk else None,
            reason=brk.reason if brk else None,
            problems=tuple(problems),
            anchor_found=anchor_found,
        )

    @staticmethod
    def _compare_tables(conn: Connection, replay: _Replay) -> list[str]:
        problems: list[str] = []
        seen: set[str] = set()
        for row in conn.execute(
            select(control_state).order_by(control_state.c.control_id)
        ).mappings():
            cid = row["control_id"]
            seen.add(cid)
            if cid not in replay.actions:
                problems.append(f"control {cid}: has a stored state but no history")
                continue
            for name in CONTROL_FIELDS:
                default = Status.NOT_STARTED.value if name == "status" else None
                expected = replay.fields.get((cid, name), default)
                if row[name] != expected:
                    problems.append(
                        f"control {cid}: {name} is {row[name]!r} but history says {expected!r}"
                    )
            stamp = (row["updated_at"], row["updated_by"])
            if stamp != replay.control_stamps.get(cid):
                problems.append(
                    _stamp_problem(
                        f"control {cid}", "updated", stamp, replay.control_stamps.get(cid)
                    )
                )
            if row["version"] != len(replay.actions[cid]):
                problems.append(
                    f"control {cid}: version {row['version']} but history has "
                    f"{len(replay.actions[cid])} change(s)"
                )
        for cid in sorted(set(replay.actions) - seen):
            problems.append(f"control {cid}: history has changes but the stored state is missing")
        rows = {row["id"]: row for row in conn.execute(select(evidence)).mappings()}
        for evidence_id, record in sorted(replay.evidence.items()):
            if evidence_id not in rows:
                problems.append(f"evidence #{evidence_id}: in history but missing from the table")
                continue
            row = rows.pop(evidence_id)
            active = row["removed_at"] is None
            if active != (record is not None):
                state = "attached" if active else "removed"
                problems.append(f"evidence #{evidence_id}: {state}, which history does not say")
            elif record is not None and _evidence_from(row).record() != record:
                problems.append(f"evidence #{evidence_id}: differs from what history recorded")
            label = f"evidence #{evidence_id}"
            added = (row["added_at"], row["added_by"])
            if added != replay.evidence_added.get(evidence_id):
                problems.append(
                    _stamp_problem(label, "added", added, replay.evidence_added.get(evidence_id))
                )
            removed = (row["removed_at"], row["removed_by"])
            if active == (record is not None) and removed != replay.evidence_removed.get(
                evidence_id, (None, None)
            ):
                problems.append(
                    _stamp_problem(
                        label, "removed", removed, replay.evidence_removed.get(evidence_id)
                    )
                )
        for evidence_id in sorted(rows):
            problems.append(f"evidence #{evidence_id}: has no history")
        stored_rows = {row["key"]: row for row in conn.execute(select(setting)).mappings()}
        stored = {key: row["value"] for key, row in stored_rows.items()}
        for key in sorted(set(stored) | set(replay.settings)):
            if stored.get(key) != replay.settings.get(key):
                problems.append(
                    f"setting {key}: is {stored.get(key)!r} but history says "
                    f"{replay.settings.get(key)!r}"
                )
            elif key in stored_rows:
                stamp = (stored_rows[key]["updated_at"], stored_rows[key]["updated_by"])
                if stamp != replay.setting_stamps.get(key):
                    problems.append(
                        _stamp_problem(
                            f"setting {key}", "updated", stamp, replay.setting_stamps.get(key)
                        )
                    )
        return problems

    # -- internals -----------------------------------------------------------------------------

    @staticmethod
    def _head(conn: Connection) -> tuple[int, str, int]:
        row = conn.execute(_HEAD).first()
        if row is None:
            return 0, GENESIS_HASH, 0
        return int(row[0]), str(row[1]), int(row[2])

    def _append(
        self,
        conn: Connection,
        actor: str,
        at: str,
        changes: Sequence[_Change],
        *,
        undoes: int | None = None,
    ) -> list[Event]:
        if not changes:
            return []
        seq, prev, action = self._head(conn)
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
        conn.execute(_INSERT_HISTORY, rows)
        moment = parse_at(at)
        events = [
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
        self._appended.extend(events)
        return events

    @staticmethod
    def _load_states(conn: Connection, ids: Iterable[str]) -> dict[str, ControlState]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, ControlState] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            rows = conn.execute(_LOAD_STATES, {"ids": chunk}).mappings()
            out.update((row["control_id"], _state_from(row)) for row in rows)
        return out

    @staticmethod
    def _check_ids(control_ids: Sequence[str] | str, known: Collection[str] | None) -> list[str]:
        if isinstance(control_ids, str):
            control_ids = [control_ids]
        ids = list(dict.fromkeys(cid.strip() for cid in control_ids))
        if not ids:
            raise ValidationError("no control ID given")
        if any(not cid for cid in ids):
            raise ValidationError("a control ID is empty")
        for cid in ids:
            check_name(cid, "control ID")
        if known is not None:
            unknown = tuple(cid for cid in ids if cid not in known)
            if unknown:
                raise UnknownControlError(
                    f"unknown control ID{'s' if len(unknown) > 1 else ''}: " + ", ".join(unknown),
                    unknown,
                )
        return ids

    @staticmethod
    def _check_actor(actor: str) -> str:
        who = actor.strip() if actor else ""
        if not who:
            raise ValidationError("an actor (who makes the change) is required")
        return check_name(who, "the actor name")
