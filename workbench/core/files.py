"""Safe handling of paths the user names: regular files only, never the database itself.

Exports and evidence take a path from the user. A path can name a device (`/dev/zero`,
`/dev/stdout`), a FIFO or a socket, which hang a reader or are destroyed by a writer, or the
workbench database and its side files, which a writer would wipe and which an evidence reader
would open and close, dropping SQLite's POSIX locks held by this process. These helpers are
the one place that decides.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH
OTHERS_ANY = stat.S_IRWXG | stat.S_IRWXO
SIDE_SUFFIXES: tuple[str, ...] = ("", "-wal", "-shm", "-journal")


class UnsafePath(Exception):
    """A path that must not be read or written; the message says why in plain words."""


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def probe(path: Path) -> str | None:
    """What is at `path` without following it into trouble: "file", "dir", "other" or None
    (nothing there). A name no file system could hold (a component over 255 bytes, as a
    pasted paragraph is) is "nothing there", not an OSError: Path.exists() raises for it."""
    try:
        st = path.stat()
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(st.st_mode):
        return "file"
    return "dir" if stat.S_ISDIR(st.st_mode) else "other"


def name_problem(path: Path) -> str | None:
    """Why no file can have this name (too long), or None."""
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return "the name is too long for a file (a part over 255 bytes)"
    except ValueError:
        return "the name holds a NUL character"
    return None


def database_files(database: Path | None) -> list[Path]:
    """The database file and the side files SQLite keeps next to it."""
    if database is None:
        return []
    return [Path(f"{database}{suffix}") for suffix in SIDE_SUFFIXES]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def is_database_file(path: Path, database: Path | None) -> bool:
    """True when `path` is the database or one of its side files: the same file (device and
    inode, so hard and symbolic links count) or, for a side file that does not exist yet, the
    same resolved name. Any database this process holds open counts too (store/dbfile.py)."""
    from workbench.core.store import dbfile

    if dbfile.is_database_file(path):
        return True
    if database is None:
        return False
    here = _identity(path)
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        resolved = path.absolute()
    for side in database_files(database):
        if here is not None and here == _identity(side):
            return True
        try:
            if resolved == side.resolve():
                return True
        except (OSError, RuntimeError):
            continue
    return False


def check_database(path: Path, database: Path | None, shown: str) -> None:
    if is_database_file(path, database):
        raise UnsafePath(
            f"{shown} is the open workbench database (or one of its -wal/-shm/-journal files)"
        )


def check_write_target(path: Path, database: Path | None = None) -> Path:
    """Where to write an export: `path` itself, or the file a symlink at `path` points to.
    Raises UnsafePath for anything but a regular file (or a new name in an existing
    folder) and for the database's own files."""
    shown = str(path)
    try:
        st = os.stat(path)  # follows symlinks: /dev/stdout -> /proc/self/fd/1 -> a tty/pipe
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UnsafePath(f"cannot write {shown}: {exc.strerror or exc}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise UnsafePath(f"cannot write {shown}: it is {kind_of(st.st_mode)}; exports are files")
    special = _special_link(path)
    if special is not None or (st is not None and _is_std_stream(st)):
        # /dev/stdout -> /proc/self/fd/1 -> a redirected file: renaming over it would pull
        # the file from under the shell that opened it
        raise UnsafePath(
            f"cannot write {shown}: it is this process's standard stream or a "
            f"{special or 'special'} file; use -o - for standard output"
        )
    target = path.resolve() if path.is_symlink() else path
    if not target.parent.is_dir():
        raise UnsafePath(f"cannot write {shown}: folder {target.parent} does not exist")
    check_database(target, database, f"cannot write {shown}:")
    return target


_SPECIAL_ROOTS = ("/proc/", "/dev/")


def _special_link(path: Path) -> str | None:
    """The /proc or /dev path a chain of symlinks at `path` goes through, if any."""
    current = str(path)
    for _ in range(40):  # the kernel's own limit on links followed
        if current.startswith(_SPECIAL_ROOTS):
            return current
        try:
            link = os.readlink(current)
        except OSError:
            return None
        current = os.path.join(os.path.dirname(current), link)
    return None


def _is_std_stream(st: os.stat_result) -> bool:
    """True when the file is open as this process's standard input, output or error."""
    for fd in (0, 1, 2):
        try:
            other = os.fstat(fd)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
            return True
    return False


def open_regular(path: Path, shown: str, database: Path | None = None) -> int:
    """A read-only descriptor for a regular file. Opened without blocking (a FIFO opened for
    reading would wait for a writer forever) and checked with fstat on the open descriptor,
    so a path swapped for a FIFO or device after any earlier check is still refused."""
    check_database(path, database, f"{shown}:")
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK)
    except OSError as exc:
        raise UnsafePath(f"cannot read {shown}: {exc.strerror or exc}") from None
    from workbench.core.store import dbfile

    if dbfile.park_if_held(fd):
        # The path became an open database after the check above: this descriptor must never
        # be closed while SQLite has connections to the file (dbfile.py), so it was parked.
        raise UnsafePath(
            f"{shown} is the open workbench database (or one of its -wal/-shm/-journal files)"
        )
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(
                f"{shown} is {kind_of(st.st_mode)}: only regular files can be evidence"
            )
        if _NONBLOCK:
            os.set_blocking(fd, True)  # regular files never block; plain reads from here
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_chunks(fd: int, size: int = 1 << 20) -> Iterator[bytes]:
    """The descriptor's contents in chunks (it is closed at the end)."""
    with os.fdopen(fd, "rb", closefd=True) as handle:
        while chunk := handle.read(size):
            yield chunk


def uid() -> int:
    return os.geteuid() if hasattr(os, "geteuid") else 0


def read_private(
    path: Path, forbidden: int = OTHERS_WRITE, limit: int | None = None
) -> bytes | None:
    """The contents of `path` if it is a regular file of this user without any of the
    `forbidden` permission bits, else None. Checked with fstat on the open descriptor (a
    swap between check and read is caught); never follows a symlink or blocks."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != uid() or st.st_mode & forbidden:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read() if limit is None else fh.read(limit)
    except OSError:
        return None
    finally:
        os.close(fd)


def write_private(path: Path, data: bytes) -> None:
    """Write `path` atomically, mode 0600, its folder created 0700. Raises OSError."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
