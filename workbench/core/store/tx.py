"""Transactions: the explicit objects the store's concern modules read and write through.

`Database` owns the connections of one store (a small pool: the app reads on its UI thread
while a worker writes) and begins every transaction. A read gets a `Reader` (a deferred BEGIN:
one consistent snapshot); a write gets a `Tx` (BEGIN IMMEDIATE: the write lock up front) that
knows who writes, the one time stamped on everything the action writes (from the store's
clock), and appends the action's history events. A write commits when its block ends and
rolls back on any exception, so a refused change writes nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import acklog, history
from . import engine as eng
from .errors import StoreError

if TYPE_CHECKING:
    from .chain import Change
    from .records import Event

    Params = Sequence[Any] | Mapping[str, Any]


class Reader:
    """A transaction that reads: plain SQL with bound parameters, rows by column name."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = self.conn.execute(sql, params).fetchall()
        return rows

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]


class Tx(Reader):
    """A write transaction of one action by `actor`, stamped `at`."""

    def __init__(self, conn: sqlite3.Connection, actor: str, at: str) -> None:
        super().__init__(conn)
        self.actor = actor
        self.at = at  # one time for every row and event this action writes
        self.appended: list[Event] = []

    def insert(self, table: str, values: Mapping[str, Any]) -> int:
        """Insert one row; its rowid. Table and column names come from code, never input."""
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        cursor = self.conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())
        )
        return int(cursor.lastrowid or 0)

    def update(self, table: str, values: Mapping[str, Any], where: Mapping[str, Any]) -> int:
        """Update the rows matching every `where` column; how many changed."""
        sets = ", ".join(f"{name} = ?" for name in values)
        conds = " AND ".join(f"{name} = ?" for name in where)
        cursor = self.conn.execute(
            f"UPDATE {table} SET {sets} WHERE {conds}", (*values.values(), *where.values())
        )
        return cursor.rowcount

    def append(self, changes: Sequence[Change], *, undoes: int | None = None) -> list[Event]:
        """Append the action's changes to the hash-chained history (one action number)."""
        events = history.append(self.conn, self.actor, self.at, changes, undoes=undoes)
        self.appended.extend(events)
        return events


class Database:
    """The connections of one store and the transactions on them."""

    def __init__(self, target: eng.Target, busy_timeout: float, now: Callable[[], str]) -> None:
        self.target = target
        self.busy_timeout = busy_timeout
        self._now = now  # the store's one clock
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._closed = False
        self.local_writes = 0  # commits by this store (data_version of an in-memory one)
        # An in-memory database lives in one connection: everyone shares it, in turn.
        self._memory_turn = threading.RLock() if target.path is None else None
        self._memory: sqlite3.Connection | None = None

    @property
    def display(self) -> str:
        return self.target.display

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for this thread until the block ends (opened on demand)."""
        self.check_open()
        if self._memory_turn is not None:
            with self._memory_turn:
                if self._memory is None:
                    self._memory = eng.connect(self.target, self.busy_timeout)
                yield self._memory
            return
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = eng.connect(self.target, self.busy_timeout)
        try:
            yield conn
        finally:
            with self._lock:
                if self._closed:
                    conn.close()
                else:
                    self._idle.append(conn)

    @contextmanager
    def read(self) -> Iterator[Reader]:
        with eng.translate_errors(self.display, self.busy_timeout), self.connection() as conn:
            conn.execute("BEGIN")
            try:
                yield Reader(conn)
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")

    @contextmanager
    def write(self, actor: str) -> Iterator[Tx]:
        """One action by `actor`: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""
        with eng.translate_errors(self.display, self.busy_timeout), self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                tx = Tx(conn, actor, self._now())
                yield tx
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self.local_writes += 1
        if tx.appended and acklog.enabled():
            acklog.record("ack", events=[[e.seq, e.hash] for e in tx.appended])

    def check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def close(self) -> None:
        """Close every connection (those in use close when their block ends)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        if self._memory is not None:
            assert self._memory_turn is not None
            with self._memory_turn:
                self._memory.close()
                self._memory = None
