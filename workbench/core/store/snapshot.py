"""Start fast: read what the first screen needs with the stdlib sqlite3 driver, read-only,
while the full store (SQLAlchemy, ~0.4 s to import) loads in a background thread.

`read_snapshot` only ever opens the file with `mode=ro`, and returns None for anything that is
not a current workbench database in a plain file; the caller then opens the full Store, which
creates, upgrades or refuses with its usual clear messages.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .dbfile import DatabaseFile, hold
from .format import APPLICATION_ID, PERIOD_SETTING_PREFIX, SCHEMA_VERSION
from .records import (
    UNCHANGED,
    ControlState,
    Event,
    Evidence,
    EvidenceCheck,
    Unchanged,
    VerifyResult,
    _event_from,
    _evidence_from,
    _state_from,
)
from .testing_records import (
    AuditRecords,
    control_test_from,
    finding_from,
    period_from,
    sample_from,
)

if TYPE_CHECKING:
    from ..catalog import CatalogSet
    from .store import Store


class Snapshot:
    """States and settings as they were at start, plus a read-only connection for details."""

    def __init__(self, path: Path, conn: sqlite3.Connection, held: DatabaseFile) -> None:
        self.path = path
        self._conn = conn
        self._held: DatabaseFile | None = held
        self._lock = threading.Lock()
        self.states = {
            r["control_id"]: _state_from(r) for r in conn.execute("SELECT * FROM control_state")
        }
        self.settings = {
            r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM setting")
        }

    def evidence(self, control_id: str | None = None) -> list[Evidence]:
        sql = "SELECT * FROM evidence WHERE removed_at IS NULL"
        args: tuple[Any, ...] = ()
        if control_id is not None:
            sql += " AND control_id = ?"
            args = (control_id,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        return [_evidence_from(r) for r in rows]

    def history(self, control_id: str | None = None, limit: int | None = None) -> list[Event]:
        sql = "SELECT * FROM history"
        args: list[Any] = []
        if control_id is not None:
            sql += " WHERE control_id = ?"
            args.append(control_id)
        sql += " ORDER BY seq DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [_event_from(r) for r in reversed(rows)]

    def audit_records(self) -> AuditRecords:
        with self._lock:
            q = self._conn.execute
            periods = tuple(
                period_from(r) for r in q("SELECT * FROM audit_period ORDER BY starts_on, name")
            )
            tests = tuple(control_test_from(r) for r in q("SELECT * FROM control_test ORDER BY id"))
            samples = tuple(sample_from(r) for r in q("SELECT * FROM test_sample ORDER BY id"))
            findings = tuple(finding_from(r) for r in q("SELECT * FROM finding ORDER BY id"))
        current = {
            key[len(PERIOD_SETTING_PREFIX) :]: value
            for key, value in self.settings.items()
            if key.startswith(PERIOD_SETTING_PREFIX)
        }
        return AuditRecords(periods, tests, samples, findings, current)

    def close(self) -> None:
        with self._lock:
            if self._held is None:
                return
            self._conn.close()
            self._held.release()  # after the connection: see dbfile.py
            self._held = None


def read_snapshot(path: Path) -> Snapshot | None:
    """A read-only snapshot of a current workbench database, or None (let Store.open decide).

    The file is held (dbfile.py) for as long as the snapshot's connection is open, and its
    header is checked through that hold before SQLite touches it."""
    try:
        held = hold(path)
    except OSError:
        return None
    conn: sqlite3.Connection | None = None
    try:
        header = held.parsed_header()
        if header is None or header.application_id != APPLICATION_ID:
            raise ValueError("not a workbench database")
        if header.user_version != SCHEMA_VERSION:
            raise ValueError("another schema version")
        conn = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=2.0, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id != APPLICATION_ID or version != SCHEMA_VERSION:
            raise ValueError("not a current workbench database")
        return Snapshot(path, conn, held)
    except (OSError, sqlite3.Error, ValueError, KeyError):
        if conn is not None:
            conn.close()
        held.release()
        return None


class LazyStore:
    """The Store API, served from a snapshot until the real Store has loaded in the background.

    Reads come from the snapshot while loading; the first write (or any other call) waits for
    the real store. Once it is there, everything goes to it.
    """

    def __init__(self, snapshot: Snapshot, open_store: Callable[[], Store]) -> None:
        self.path: Path | None = snapshot.path
        self._snapshot: Snapshot | None = snapshot
        self._open_store = open_store
        self._store: Store | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Begin loading the full store in a background thread (idempotent)."""
        with self._lock:
            if self._thread is None and self._store is None:
                self._thread = threading.Thread(target=self._load, name="store-open", daemon=True)
                self._thread.start()

    def _load(self) -> None:
        try:
            self._store = self._open_store()
        except BaseException as exc:  # surfaced to the caller of the first real operation
            self._error = exc

    @property
    def created(self) -> bool:
        return False  # a snapshot is only ever read from an existing database

    @property
    def loaded(self) -> bool:
        return self._store is not None

    def real(self) -> Store:
        """The full store, waiting for (or doing) the load."""
        if self._store is None:
            self.start()
            assert self._thread is not None
            self._thread.join()
            if self._error is not None:
                raise self._error
            assert self._store is not None
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None
        return self._store

    def _fast(self) -> Snapshot | None:
        """The snapshot while the full store is still loading, else None."""
        if self._store is not None:
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None
            return None
        return self._snapshot

    # -- reads: snapshot first ---------------------------------------------------------------
    def states(self) -> dict[str, ControlState]:
        snap = self._fast()
        return dict(snap.states) if snap is not None else self.real().states()

    def state(self, control_id: str) -> ControlState:
        snap = self._fast()
        if snap is not None:
            return snap.states.get(control_id) or ControlState(control_id)
        return self.real().state(control_id)

    def settings(self) -> dict[str, str]:
        snap = self._fast()
        return dict(snap.settings) if snap is not None else self.real().settings()

    def evidence(self, control_id: str | None = None) -> list[Evidence]:
        snap = self._fast()
        return snap.evidence(control_id) if snap is not None else self.real().evidence(control_id)

    def history(
        self, control_id: str | None = None, since: datetime | None = None, limit: int | None = None
    ) -> list[Event]:
        snap = self._fast()
        if snap is not None and since is None:
            return snap.history(control_id, limit)
        return self.real().history(control_id, since=since, limit=limit)

    def audit_records(self) -> AuditRecords:
        snap = self._fast()
        return snap.audit_records() if snap is not None else self.real().audit_records()

    def data_version(self) -> int:
        # While loading nothing can have been written by us; -1 makes the first real value
        # count as a change, so the app re-reads once the full store is there.
        return -1 if self._fast() is not None else self.real().data_version()

    # -- everything else: the real store -------------------------------------------------------
    @property
    def busy_timeout(self) -> float:
        return self.real().busy_timeout

    def writer_busy(self) -> bool:
        return self.real().writer_busy()

    def mark(
        self,
        control_ids: Sequence[str],
        status: str,
        *,
        actor: str,
        note: str | None = None,
        owner: str | None = None,
        due: date | None = None,
        justification: str | None = None,
        expected_versions: Mapping[str, int] | None = None,
        known: Collection[str] | None = None,
    ) -> list[Event]:
        return self.real().mark(
            control_ids,
            status,
            actor=actor,
            note=note,
            owner=owner,
            due=due,
            justification=justification,
            expected_versions=expected_versions,
            known=known,
        )

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
    ) -> list[Event]:
        return self.real().update(
            control_ids,
            actor=actor,
            owner=owner,
            due=due,
            notes=notes,
            justification=justification,
            expected_version=expected_version,
        )

    def add_evidence(
        self,
        control_id: str,
        ref: str,
        *,
        actor: str,
        title: str | None = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
        resolved: Any = None,
    ) -> Evidence:
        return self.real().add_evidence(
            control_id,
            ref,
            actor=actor,
            title=title,
            effective_from=effective_from,
            effective_to=effective_to,
            resolved=resolved,
        )

    def set_setting(self, key: str, value: str | None, *, actor: str) -> list[Event]:
        return self.real().set_setting(key, value, actor=actor)

    def undo(self, *, actor: str, anyone: bool = False) -> list[Event]:
        return self.real().undo(actor=actor, anyone=anyone)

    def check_evidence(self, control_id: str | None = None) -> list[EvidenceCheck]:
        return self.real().check_evidence(control_id)

    def verify(self) -> VerifyResult:
        return self.real().verify()

    def head_hash(self) -> str:
        return self.real().head_hash()

    def orphans(self, catalog: CatalogSet) -> list[ControlState]:
        return self.real().orphans(catalog)

    @property
    def display_name(self) -> str:
        return self.real().display_name

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._store is not None:
            self._store.close()
        if self._snapshot is not None:
            self._snapshot.close()
            self._snapshot = None
