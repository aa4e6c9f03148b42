"""The one owner, in this process, of a database file outside SQLite.

Why it exists: SQLite locks a database with POSIX advisory locks, and POSIX ties those locks
to the (process, file) pair, not to a descriptor. Closing ANY descriptor this process has on
the file (a Python `open()` to read the header, a hash of it, a copy) silently releases
every lock SQLite holds on it here ("How To Corrupt An SQLite Database File", section 2.2).
Another process then believes it is the database's last user when it closes: it checkpoints
and deletes the -wal and -shm files under our open connections. Our later commits go to an
unlinked WAL, other processes never see them, and they vanish when we exit. That is how the
app once lost changes whenever a CLI command ran beside it.

The rule, held here: while this process has an SQLite connection to a database file,
nothing in it opens, reads, copies, replaces or deletes that file or its -wal, -shm or
-journal except SQLite. The one raw read we need (the 100-byte header, to refuse files that
are not ours before SQLite creates side files next to them) goes through `hold()`, which
opens one descriptor per file and keeps it open until the last holder in this process has
released the file, which every holder does only after closing its SQLite connections. A
descriptor opened while the file is already held (a race, or another path to the same file)
is parked with the first, never closed early. Code that touches a path a user gave
(evidence, exports) asks `is_database_file()` first.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import NamedTuple

HEADER_SIZE = 100
SQLITE_MAGIC = b"SQLite format 3\x00"
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")

_Key = tuple[int, int]  # (st_dev, st_ino)


class _Entry:
    __slots__ = ("fd", "holders", "parked", "path")

    def __init__(self, path: Path, fd: int, holders: int = 0) -> None:
        self.path = path
        self.fd = fd
        self.holders = holders
        self.parked: list[int] = []  # later descriptors, closed with fd


_lock = threading.Lock()
_held: dict[_Key, _Entry] = {}


class NotARegularFile(OSError):
    """The path is a folder, device, FIFO or socket: never a database."""

    def __init__(self, path: Path, mode: int) -> None:
        super().__init__(f"{path} is not a regular file")
        self.mode = mode


class DatabaseFile(NamedTuple):
    """A hold on one database file: read its header and size without opening it again."""

    key: _Key
    path: Path

    def _fd(self) -> int:
        with _lock:
            return _held[self.key].fd

    def header(self) -> bytes:
        return os.pread(self._fd(), HEADER_SIZE, 0)

    def size(self) -> int:
        return os.fstat(self._fd()).st_size

    def parsed_header(self) -> Header | None:
        return parse_header(self.header())

    def release(self) -> None:
        """Give the hold back; the descriptor closes with the last holder. Call it only after
        this holder's SQLite connections to the file are closed."""
        with _lock:
            entry = _held.get(self.key)
            if entry is None:
                return
            entry.holders -= 1
            if entry.holders > 0:
                return
            del _held[self.key]
        for fd in (entry.fd, *entry.parked):
            os.close(fd)


class Header(NamedTuple):
    page_size: int
    wal: bool
    page_count: int | None  # None when the in-header size is not valid
    schema_cookie: int
    user_version: int
    application_id: int


def parse_header(data: bytes) -> Header | None:
    """The SQLite header fields we use, or None if `data` does not start like SQLite."""
    if len(data) < HEADER_SIZE or not data.startswith(SQLITE_MAGIC):
        return None

    def u32(offset: int) -> int:
        return int.from_bytes(data[offset : offset + 4], "big")

    raw_size = int.from_bytes(data[16:18], "big")
    page_size = 65536 if raw_size == 1 else raw_size
    if page_size < 512 or page_size & (page_size - 1):
        return None
    change_counter, valid_for = u32(24), u32(92)
    page_count = u32(28) if change_counter == valid_for and u32(28) > 0 else None
    return Header(
        page_size=page_size,
        wal=data[18] == 2 or data[19] == 2,
        page_count=page_count,
        schema_cookie=u32(40),
        user_version=u32(60),
        application_id=int.from_bytes(data[68:72], "big", signed=True),
    )


def hold(path: Path) -> DatabaseFile:
    """Hold the existing file at `path` (following symlinks). OSError as the system reports
    it (FileNotFoundError, PermissionError...), NotARegularFile for anything but a file.

    Opened with O_NONBLOCK so that a FIFO put where the database was cannot hang us; the
    kind of file is checked on the open descriptor, not on the path, so it cannot change
    between the check and the use."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    st = os.fstat(fd)
    key = (st.st_dev, st.st_ino)
    with _lock:
        entry = _held.get(key)
        if entry is not None:
            # Held already: this process may have connections on it, so this descriptor must
            # not be closed before they are. Park it with the first one.
            entry.parked.append(fd)
            entry.holders += 1
            return DatabaseFile(key, entry.path)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)  # not a file we hold (no connection of ours can be on it)
            raise NotARegularFile(path, st.st_mode)
        _held[key] = _Entry(path, fd, holders=1)
    return DatabaseFile(key, path)


def park_if_held(fd: int) -> bool:
    """If `fd` (opened by other code) is on a file this process holds, keep it open with the
    hold (closing it would drop SQLite's locks) and return True; else False."""
    st = os.fstat(fd)
    with _lock:
        entry = _held.get((st.st_dev, st.st_ino))
        if entry is None:
            return False
        entry.parked.append(fd)
        return True


def is_database_file(path: Path) -> bool:
    """Whether `path` is a database file this process holds, or one of its side files
    (compared by device and inode, so other names for the same file count too)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    key = (st.st_dev, st.st_ino)
    with _lock:
        if key in _held:
            return True
        entries = list(_held.values())
    for entry in entries:
        for suffix in SIDE_SUFFIXES:
            try:
                side = os.stat(f"{entry.path}{suffix}")
            except OSError:
                continue
            if (side.st_dev, side.st_ino) == key:
                return True
    return False


def held_count() -> int:
    """Files held in this process (for tests)."""
    with _lock:
        return len(_held)
