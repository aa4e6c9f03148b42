"""The SQLite store: control state, evidence, settings, control testing and the hash-chained
history in one database file.

Every public method is one transaction. Writes start with BEGIN IMMEDIATE, read the current
values inside the write lock, validate, change the tables and append the history events for the
action, then commit; anything invalid raises before a byte is written. Results are frozen
dataclasses, never rows, so callers never hold connections.

The methods live by concern in their own modules (state, attachments, settings, history, undo,
testing, verify), each reading and writing through the explicit transaction objects of tx.py;
this class opens and closes the database and holds the one clock. What the rest of workbench
may call is protocol.StoreProtocol.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from . import dbfile
from . import engine as eng
from .attachments import Attachments
from .errors import NotAWorkbenchDatabase
from .format import APPLICATION_ID, SCHEMA_VERSION
from .history import History
from .protocol import StoreProtocol
from .records import format_at
from .settings import Settings
from .state import ControlStates
from .testing import Testing
from .tx import Database
from .undo import Undo
from .verify import Verify


class _DDL:
    """An upgrade step's view of our connection (schema.DDLConnection)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def exec_driver_sql(self, statement: str, /) -> sqlite3.Cursor:
        return self._conn.execute(statement)


class Store(ControlStates, Attachments, Settings, History, Undo, Testing, Verify):
    """One workbench database. Open with Store.open(path_or_url); close when done."""

    def __init__(
        self,
        db: Database,
        dv_conn: sqlite3.Connection | None,
        held: dbfile.DatabaseFile | None = None,
    ) -> None:
        self._db = db
        self._held = held  # the hold on the database file: released after every connection
        self.created = False  # whether open() created the file
        self._dv_conn = dv_conn
        self._dv_lock = threading.Lock()
        self._closed = False
        self.path: Path | None = db.target.path

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
        db = Database(resolved, timeout, cls._now)
        dv_conn = None
        try:
            if held is not None:
                assert resolved.path is not None
                eng.inspect_file(held, resolved.display, create=create)
                eng.check_writable(resolved.path, resolved.display)
            with eng.translate_errors(resolved.display, timeout):
                cls._prepare(db, create=create)
                if resolved.path is not None:
                    with db.connection() as conn:
                        eng.enable_wal(conn)
                dv_conn = eng.data_version_connection(resolved, timeout)
        except BaseException:
            if dv_conn is not None:
                dv_conn.close()
            db.close()
            if held is not None:
                held.release()  # only now: every connection of ours to it is closed
            raise
        store = cls(db, dv_conn, held)
        store.created = created
        return store

    @staticmethod
    def _prepare(db: Database, *, create: bool = True) -> None:
        """Check the markers through SQLite and create or upgrade the schema if needed.

        A current database is only read (no write lock taken, and schema.py, with SQLModel and
        SQLAlchemy, is not imported). Creating or upgrading happens inside one BEGIN IMMEDIATE
        transaction that checks the markers again under the write lock, so two processes
        opening a new file at once create it once.
        """
        with db.connection() as conn:
            app_id, found, _objects = Store._markers(conn)
        if app_id == APPLICATION_ID and found == SCHEMA_VERSION:
            return
        from .schema import upgrade

        with db.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                app_id, found, objects = Store._markers(conn)
                if app_id == APPLICATION_ID:
                    if found > SCHEMA_VERSION:
                        raise eng.newer_schema(db.display, found)
                    if found < SCHEMA_VERSION:
                        upgrade(_DDL(conn), found)
                elif app_id == 0 and objects == 0 and found == 0 and create:
                    upgrade(_DDL(conn), 0)
                else:
                    raise NotAWorkbenchDatabase(
                        f"{db.display} is not a workbench database; it was left unchanged"
                    )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _markers(conn: sqlite3.Connection) -> tuple[int, int, int]:
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        found = int(conn.execute("PRAGMA user_version").fetchone()[0])
        objects = int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
        return app_id, found, objects

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._dv_lock:
            if self._dv_conn is not None:
                self._dv_conn.close()
                self._dv_conn = None
        self._db.close()
        if self._held is not None:
            self._held.release()  # after the connections: see dbfile.py
            self._held = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._db.display!r})"

    @property
    def display_name(self) -> str:
        return self._db.display

    @property
    def busy_timeout(self) -> float:
        """Seconds a write waits for another writer's lock before it gives up."""
        return self._db.busy_timeout

    @staticmethod
    def _now() -> str:
        """The time of a change, as stored: the one clock of the store (every row and event an
        action writes carries it, via its Tx), in one place so tests can freeze it."""
        return format_at(datetime.now(UTC))

    # -- watching other processes --------------------------------------------------------------

    def data_version(self) -> int:
        """Changes whenever another connection or process commits: poll it cheaply."""
        with self._dv_lock:
            if self._dv_conn is None:
                return self._db.local_writes
            with eng.translate_errors(self._db.display, self._db.busy_timeout):
                value: int = self._dv_conn.execute("PRAGMA data_version").fetchone()[0]
            return value

    def writer_busy(self) -> bool:
        """Whether another connection holds the write lock at this moment. A probe that never
        waits (it takes the lock and gives it back at once), so that the app can wait for a
        long-held lock without freezing, instead of blocking in a write."""
        with self._dv_lock:
            conn = self._dv_conn
            if conn is None:
                return False
            with eng.translate_errors(self._db.display, self._db.busy_timeout):
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
                    conn.execute(f"PRAGMA busy_timeout = {int(self._db.busy_timeout * 1000)}")
        return False


def _conforms(store: Store) -> StoreProtocol:
    """Never called: mypy proves here that the SQLite store implements the protocol."""
    return store
