"""Everything specific to SQLite lives here: URL handling, the file checks done before SQLite
ever opens a file, connections and their pragmas, WAL, and error translation.

Connections (stdlib sqlite3, no toolkit: opening one costs well under a millisecond):
busy_timeout (WORKBENCH_BUSY_TIMEOUT, default 10 s), foreign_keys = ON, synchronous = FULL,
and the database in WAL mode (persistent, set once).

Transactions: the sqlite3 driver's own (late, implicit) BEGIN is switched off
(isolation_level=None) and tx.py emits BEGIN itself. Reads use a deferred BEGIN (a consistent
snapshot); writes use BEGIN IMMEDIATE, which takes the write lock up front so two writers queue
on the busy timeout instead of failing part-way or deadlocking on a lock upgrade.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, unquote

from . import dbfile
from .dbfile import Header, parse_header
from .errors import (
    DatabaseLocked,
    MissingDatabase,
    NewerSchemaError,
    NotAWorkbenchDatabase,
    StoreError,
)
from .format import APPLICATION_ID, SCHEMA_VERSION

DEFAULT_BUSY_TIMEOUT = 10.0  # seconds: normal contention waits, it never fails


def busy_timeout_from_env(default: float = DEFAULT_BUSY_TIMEOUT) -> float:
    """WORKBENCH_BUSY_TIMEOUT (seconds) if set and valid, else the default."""
    raw = os.environ.get("WORKBENCH_BUSY_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    # inf and nan are no number of seconds sqlite3 can take (int(inf * 1000) raises).
    return value if 0 <= value < 1e9 else default


class Target(NamedTuple):
    path: Path | None  # the database file; None for an in-memory database
    display: str  # how to name it in messages


def resolve_target(target: str | Path) -> Target:
    """A filesystem path or a `sqlite:///...` URL (`sqlite://` for an in-memory database),
    read the way SQLAlchemy reads it: `sqlite:///rel.db`, `sqlite:////abs.db`."""
    if isinstance(target, str) and "://" in target:
        scheme, _, rest = target.partition("://")
        backend = scheme.split("+", 1)[0].lower()
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
            raise StoreError(f"not a database URL: {target}")
        if backend != "sqlite":
            raise StoreError(
                f"unsupported database {backend!r}: workbench stores its data "
                "in SQLite (give a file path or a sqlite:/// URL)"
            )
        rest, _, query = rest.partition("?")
        database = unquote(rest.partition("/")[2])
        if database in ("", ":memory:") or parse_qs(query).get("mode") == ["memory"]:
            return Target(None, "in-memory database")
        path = Path(database).expanduser().absolute()
        return Target(path, str(path))
    path = Path(target).expanduser().absolute()
    return Target(path, str(path))


# ---------------------------------------------------------------------------------------------
# Before SQLite opens anything: the file's 100-byte header tells us whether it is ours, from a
# newer workbench, someone else's, or damaged, without creating -wal/-shm/-journal files.
# The file is only ever read through dbfile's hold, never with open(): dbfile.py says why.


def acquire_file(path: Path, display: str, *, create: bool) -> tuple[dbfile.DatabaseFile, bool]:
    """Hold the database file (creating it, mode 0600, when `create`), and whether it was
    created. Every refusal is a StoreError naming the file; nothing is created on one."""
    if path.is_symlink() and not path.exists():
        raise StoreError(
            f"cannot open {display}: it is a symbolic link to {os.readlink(path)}, "
            "which does not exist"
        )
    created = False
    for _attempt in range(2):
        try:
            return dbfile.hold(path), created
        except FileNotFoundError:
            if not create:
                raise MissingDatabase(
                    f"no database at {display} (nothing was created: commands that only "
                    "read need an existing database; `workbench mark` or the app creates one)"
                ) from None
            create_file(path, display)
            created = True
        except dbfile.NotARegularFile as exc:
            if stat.S_ISDIR(exc.mode):
                raise StoreError(
                    f"cannot open {display}: it is a folder, not a database file"
                ) from None
            raise NotAWorkbenchDatabase(
                f"{display} is not a regular file, so not a database"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot open {display}: {exc.strerror or exc}") from None
    raise StoreError(f"cannot open {display}: it vanished while being created")


def inspect_file(db: dbfile.DatabaseFile, display: str, *, create: bool) -> Header | None:
    """Refuse anything that is not (or cannot be made) a workbench database.

    Returns None for an empty file (to be initialised when `create`), else the header of a
    workbench database this version can open. Only reads the file, through its hold.
    """
    try:
        size = db.size()
        data = db.header() if size else b""
    except OSError as exc:
        raise StoreError(f"cannot read {display}: {exc.strerror or exc}") from None
    if size == 0:
        if not create:
            raise NotAWorkbenchDatabase(
                f"{display} is empty (0 bytes), not a workbench database; it was left "
                "unchanged (a command that writes, or the app, initialises it)"
            )
        return None
    header = parse_header(data)
    if header is None:
        raise NotAWorkbenchDatabase(
            f"{display} is not a workbench database (not an SQLite file, or its header is "
            "damaged); it was left unchanged"
        )
    if header.application_id not in (0, APPLICATION_ID):
        raise NotAWorkbenchDatabase(
            f"{display} is an SQLite database of another application "
            f"(application_id {header.application_id}), not a workbench database; "
            "it was left unchanged"
        )
    if header.application_id == 0:
        if header.wal:
            # Opening a WAL database, even read-only, can leave -wal/-shm files behind.
            raise NotAWorkbenchDatabase(
                f"{display} is an SQLite database of another application (WAL mode, no "
                "workbench marker), not a workbench database; it was left unchanged"
            )
        if _schema_objects(db.path, display) or header.user_version != 0:
            raise NotAWorkbenchDatabase(
                f"{display} is an SQLite database with tables of its own, not a workbench "
                "database; it was left unchanged"
            )
    if header.application_id == APPLICATION_ID and header.user_version > SCHEMA_VERSION:
        raise newer_schema(display, header.user_version)
    _check_size(db.path, display, size, header)
    return header


def _schema_objects(path: Path, display: str) -> int:
    """Schema objects in a rollback-journal SQLite file, read through a read-only connection
    (which creates no side files in that mode)."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            count: int = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise NotAWorkbenchDatabase(
            f"{display} is damaged or not a workbench database ({exc}); it was left unchanged"
        ) from None
    return count


def _check_size(path: Path, display: str, size: int, header: Header) -> None:
    wal = Path(f"{path}-wal")
    try:
        pending_wal = wal.stat().st_size > 0
    except OSError:
        pending_wal = False
    if pending_wal:
        return  # the main file may legitimately lag the write-ahead log
    damaged = size % header.page_size != 0
    if header.page_count is not None and size < header.page_count * header.page_size:
        damaged = True
    if damaged:
        raise NotAWorkbenchDatabase(
            f"{display} is truncated or damaged (the file is {size} bytes, shorter than its "
            "header says); it was left unchanged. Restore it from a backup."
        )


def newer_schema(display: str, found: int) -> NewerSchemaError:
    return NewerSchemaError(
        f"{display} was written by a newer version of workbench (schema version {found}; this "
        f"version understands up to {SCHEMA_VERSION}). Upgrade workbench to open it; the file "
        "was left unchanged.",
        found,
        SCHEMA_VERSION,
    )


def create_file(path: Path, display: str) -> None:
    """Create an empty database file readable only by its owner (0600). A file that appeared
    meanwhile (another process creating it) is fine."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(f"cannot create the folder for {display}: {exc.strerror or exc}") from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreError(f"cannot create {display}: {exc.strerror or exc}") from None
    try:
        if hasattr(os, "fchmod"):  # POSIX; umask can only have narrowed 0600 further anyway
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def check_writable(path: Path, display: str) -> None:
    if not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(
            f"cannot open {display}: permission denied (it must be readable and writable by you)"
        )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise StoreError(
            f"cannot open {display}: its folder is not writable (SQLite needs to create "
            "-wal and -shm files next to it)"
        )


# ---------------------------------------------------------------------------------------------
# Connections


def connect(target: Target, busy_timeout: float) -> sqlite3.Connection:
    """A connection with workbench's pragmas; transactions are begun explicitly (tx.py).
    Usable from any thread (the store hands each connection to one thread at a time)."""
    conn = sqlite3.connect(
        str(target.path) if target.path is not None else ":memory:",
        timeout=busy_timeout,
        isolation_level=None,  # we emit BEGIN ourselves
        check_same_thread=False,
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        # FULL: a commit is on disk before mark() returns (WAL makes this one fsync).
        conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    conn.row_factory = sqlite3.Row
    return conn


def enable_wal(conn: sqlite3.Connection) -> None:
    """Switch a file database to WAL (persistent; a no-op when it already is)."""
    if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")


def data_version_connection(target: Target, busy_timeout: float) -> sqlite3.Connection | None:
    """A dedicated connection for `PRAGMA data_version` (changes when *other* connections
    commit). None for an in-memory database."""
    if target.path is None:
        return None
    conn = sqlite3.connect(
        f"{target.path.as_uri()}?mode=rw", uri=True, timeout=busy_timeout, check_same_thread=False
    )
    conn.isolation_level = None
    return conn


# ---------------------------------------------------------------------------------------------
# Error translation

_LOCKED_RE = re.compile(r"database (table )?is (locked|busy)|database schema is locked")


def is_locked(exc: BaseException) -> bool:
    return bool(_LOCKED_RE.search(str(exc)))


@contextmanager
def translate_errors(display: str, busy_timeout: float) -> Iterator[None]:
    """Turn sqlite3 errors into StoreErrors with messages for people."""
    try:
        yield
    except StoreError:
        raise
    except sqlite3.Error as exc:
        orig: BaseException = exc
        text = str(orig)
        if is_locked(orig):
            raise DatabaseLocked(
                f"{display} is locked by another workbench process (waited {busy_timeout:g} s). "
                "Close other workbench windows or commands that are writing, then try again."
            ) from None
        if "file is not a database" in text or "malformed" in text:
            raise NotAWorkbenchDatabase(
                f"{display} is damaged or not a workbench database ({text})"
            ) from None
        if "readonly" in text or "read-only" in text:
            raise StoreError(f"cannot write to {display}: it is read-only ({text})") from None
        if "disk" in text and "full" in text:
            raise StoreError(f"cannot write to {display}: the disk is full") from None
        if isinstance(orig, sqlite3.IntegrityError) and "append-only" in text:
            raise StoreError(f"refused: {text}") from None
        raise StoreError(f"database error on {display}: {text}") from None
