"""Files that are not workbench databases, newer schemas, locks: refused cleanly, untouched."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.store import (
    SCHEMA_VERSION,
    DatabaseLocked,
    NewerSchemaError,
    NotAWorkbenchDatabase,
    Store,
    StoreError,
    dbfile,
)
from workbench.core.store.dbfile import parse_header

MINI = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"
# The CLI with the bundled catalogs replaced by nothing, so only the mini fixture loads.
RUNNER = (
    "import sys, pathlib, workbench.core.catalog.sources as s\n"
    "empty = pathlib.Path(sys.argv.pop(1))\n"
    "s.bundled_catalog_dir = lambda: empty\n"
    "from workbench.__main__ import main\n"
    "sys.exit(main())\n"
)


def _cli(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    empty = tmp_path / "no-bundled"
    empty.mkdir(exist_ok=True)
    full_env = {
        **os.environ,
        "WORKBENCH_CONFIG_DIR": str(tmp_path / "config"),
        "WORKBENCH_DATA_DIR": str(tmp_path / "data"),
        "WORKBENCH_ACTOR": "tester",
        **(env or {}),
    }
    full_env.pop("WORKBENCH_DB", None)
    full_env.pop("WORKBENCH_CATALOGS", None)
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(empty), "--catalogs", str(MINI), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def _snapshot(path: Path) -> tuple[bytes, list[str]]:
    return path.read_bytes(), sorted(os.listdir(path.parent))


# -- bad files --------------------------------------------------------------------------------


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _text_file(path: Path) -> None:
    path.write_text("name,status\nC1,effective\n")


def _other_app(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO contacts (name) VALUES ('Ann')")
    conn.commit()
    conn.close()


def _other_app_wal(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()


def _other_app_with_id(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("CREATE TABLE history (seq INTEGER)")  # a table name we use, too
    conn.commit()
    conn.close()


def _workbench(path: Path) -> None:
    with Store.open(path) as store:
        for i in range(40):
            store.mark([f"C{i}"], "effective", actor="a", note="x" * 200)


def _truncated_workbench(path: Path) -> None:
    _workbench(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _header_only_workbench(path: Path) -> None:
    _workbench(path)
    path.write_bytes(path.read_bytes()[:100])


def _short_sqlite(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 20)


BAD_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "random-bytes": (_random_bytes, "not a workbench database"),
    "text-file": (_text_file, "not a workbench database"),
    "other-app-sqlite": (_other_app, "tables of its own"),
    "other-app-wal": (_other_app_wal, "not a workbench database"),
    "other-app-id": (_other_app_with_id, "another application"),
    "truncated-workbench": (_truncated_workbench, "truncated or damaged"),
    "header-only-workbench": (_header_only_workbench, "truncated or damaged"),
    "short-sqlite-header": (_short_sqlite, "not a workbench database"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_not_a_workbench_database_is_refused_and_untouched(tmp_path: Path, case: str) -> None:
    make, message = BAD_FILES[case]
    path = tmp_path / "data.db"
    make(path)
    before = _snapshot(path)
    with pytest.raises(NotAWorkbenchDatabase) as info:
        Store.open(path)
    assert message in str(info.value)
    assert "left unchanged" in str(info.value) or "damaged" in str(info.value)
    assert str(path) in str(info.value)
    assert _snapshot(path) == before  # same bytes, no -wal/-shm/-journal left behind


@pytest.mark.parametrize("case", ["random-bytes", "other-app-sqlite", "truncated-workbench"])
def test_cli_refuses_bad_files_with_exit_2(tmp_path: Path, case: str) -> None:
    make, _ = BAD_FILES[case]
    (tmp_path / "dbs").mkdir()
    path = tmp_path / "dbs" / "data.db"
    make(path)
    before = _snapshot(path)
    for args in (["mark", "C1", "effective"], ["history"], ["verify"], ["show", "C1"]):
        result = _cli(tmp_path, "--db", str(path), *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("workbench: error: ")
        assert str(path) in result.stderr
    assert _snapshot(path) == before


def _newer(path: Path) -> None:
    _workbench(path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{path}{suffix}").exists()


def test_newer_schema_is_refused_and_untouched(tmp_path: Path) -> None:
    (tmp_path / "dbs").mkdir()
    path = tmp_path / "dbs" / "future.db"
    _newer(path)
    before = _snapshot(path)
    with pytest.raises(NewerSchemaError) as info:
        Store.open(path)
    assert info.value.found == SCHEMA_VERSION + 1 and info.value.supported == SCHEMA_VERSION
    assert "newer version of workbench" in str(info.value)
    assert "left unchanged" in str(info.value)
    assert _snapshot(path) == before
    result = _cli(tmp_path, "--db", str(path), "mark", "C1", "effective")
    assert result.returncode == 2 and "newer version of workbench" in result.stderr
    assert "Traceback" not in result.stderr
    assert _snapshot(path) == before


def test_empty_file_is_initialised(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with Store.open(path) as store:
        store.mark(["C1"], "effective", actor="a")
        assert store.verify().ok


def test_empty_sqlite_database_is_initialised(tmp_path: Path) -> None:
    path = tmp_path / "blank.db"
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")  # writes a valid, schema-less database file
    conn.close()
    assert path.stat().st_size > 0
    with Store.open(path) as store:
        store.mark(["C1"], "effective", actor="a")


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder"):
        Store.open(tmp_path)


def test_header_parser() -> None:
    assert parse_header(b"") is None
    assert parse_header(b"x" * 100) is None


# -- one owner of the database file (dbfile.py) ------------------------------------------------


def _locks_on(path: Path) -> list[str]:
    """This process's POSIX locks on the file (Linux /proc/locks)."""
    ino = os.stat(path).st_ino
    with open("/proc/locks") as fh:
        # Without the leading ordinal, which moves as other processes take and drop locks.
        return [
            line.split(":", 1)[1].strip()
            for line in fh
            if f":{ino} " in line and f" {os.getpid()} " in line
        ]


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="Linux /proc/locks")
def test_opening_a_second_store_keeps_the_first_ones_locks(tmp_path: Path) -> None:
    """The root cause of lost changes: reading the header with open()/close() while a
    connection was open released SQLite's locks in this process, so another process
    deleted the WAL under it."""
    path = tmp_path / "wb.db"
    Store.open(path).close()
    with Store.open(path) as first:
        first.states()  # a read: SQLite holds its shared lock on the file
        before = _locks_on(path)
        assert before, "SQLite holds no lock on the database"
        with Store.open(path) as second:  # inspects the header again
            second.states()
            assert _locks_on(path) == before
        assert _locks_on(path) == before  # closing the second keeps the first's locks
    assert dbfile.held_count() == 0


def test_hold_is_released_on_every_refusal(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 10)
    with pytest.raises(NotAWorkbenchDatabase):
        Store.open(bad)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(NotAWorkbenchDatabase, match="empty"):
        Store.open(empty, create=False)
    assert empty.read_bytes() == b"" and dbfile.held_count() == 0


def test_is_database_file_knows_the_file_and_its_side_files(tmp_path: Path) -> None:
    path = tmp_path / "wb.db"
    other = tmp_path / "other.txt"
    other.write_text("x")
    link = tmp_path / "link.db"
    with Store.open(path) as store:
        store.mark(["C1"], "effective", actor="a")
        link.symlink_to(path)
        assert dbfile.is_database_file(path) and dbfile.is_database_file(link)
        assert dbfile.is_database_file(Path(f"{path}-wal"))
        assert not dbfile.is_database_file(other)
    assert not dbfile.is_database_file(path)


def test_a_fifo_in_place_of_the_database_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.db"
    os.mkfifo(fifo)
    with pytest.raises(NotAWorkbenchDatabase, match="not a regular file"):
        Store.open(fifo)


def test_a_dangling_symlink_is_named_as_such(tmp_path: Path) -> None:
    link = tmp_path / "wb.db"
    link.symlink_to(tmp_path / "gone" / "real.db")
    with pytest.raises(StoreError, match=r"symbolic link to .*real\.db, which does not exist"):
        Store.open(link)
    assert link.is_symlink() and not (tmp_path / "gone").exists()
    r = _cli(tmp_path, "--db", str(link), "mark", "C1", "effective")
    assert r.returncode == 2 and "symbolic link" in r.stderr and "permission" not in r.stderr


READ_ONLY_COMMANDS = [
    ["status"],
    ["show", "C1"],
    ["gaps"],
    ["next"],
    ["history"],
    ["verify"],
    ["export", "--format", "json", "-o", "out.json"],
    ["findings"],
    ["test", "show", "C1"],
    ["evidence", "list"],
    ["evidence", "check"],
    ["period", "list"],
    ["undo"],
    ["redo"],
    # Nothing to act on in a new database (a review found these created one):
    ["scope"],
    ["sample", "remove", "1"],
    ["finding", "update", "1", "--status", "closed"],
    ["period", "use", "FY26"],
    ["test", "operating", "C1"],
]


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_read_only_commands_never_create_a_database(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "missing.db"
    r = _cli(tmp_path, "--db", str(db), *command)
    assert r.returncode == 2, r.stderr
    assert f"no database at {db}" in r.stderr and "Traceback" not in r.stderr
    assert not db.exists() and not list(tmp_path.glob("missing.db*"))


@pytest.mark.parametrize("command", [["verify"], ["status"], ["history"]])
def test_read_only_commands_leave_a_zero_byte_file_alone(
    tmp_path: Path, command: list[str]
) -> None:
    db = tmp_path / "zero.db"
    db.write_bytes(b"")
    r = _cli(tmp_path, "--db", str(db), *command)
    assert r.returncode == 2 and "empty (0 bytes)" in r.stderr
    assert db.read_bytes() == b"" and sorted(p.name for p in tmp_path.glob("zero.db*")) == [
        "zero.db"
    ]


def test_write_commands_create_the_database(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    r = _cli(tmp_path, "--db", str(db), "mark", "C1", "effective")
    assert r.returncode == 0 and db.exists()
    assert _cli(tmp_path, "--db", str(db), "verify").returncode == 0


# -- locks ------------------------------------------------------------------------------------


def _hold_write_lock(
    path: Path, seconds: float, ready: threading.Event, release: threading.Event | None = None
) -> None:
    """Hold the write lock for `seconds` (or until `release` is set, at most `seconds`)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO setting VALUES ('lock', 'held', 'x', 'x')")
    ready.set()
    if release is None:
        time.sleep(seconds)
    else:
        release.wait(seconds)
    conn.execute("ROLLBACK")
    conn.close()


def test_contention_waits_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "wb.db"
    with Store.open(path) as store:
        ready = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(path, 0.5, ready))
        holder.start()
        ready.wait()
        start = time.perf_counter()
        store.mark(["C1"], "effective", actor="a")  # waits for the lock, then succeeds
        waited = time.perf_counter() - start
        holder.join()
        assert waited >= 0.3
        assert store.state("C1").version == 1


def test_lock_timeout_raises_database_locked(tmp_path: Path) -> None:
    path = tmp_path / "wb.db"
    with Store.open(path, busy_timeout=0.2) as store:
        ready, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(path, 10, ready, release))
        holder.start()
        ready.wait()
        try:
            with pytest.raises(DatabaseLocked, match="locked by another workbench process"):
                store.mark(["C1"], "effective", actor="a")
        finally:
            release.set()
            holder.join()
        assert store.history() == []


def test_cli_lock_timeout_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "wb.db"
    with Store.open(path):
        pass
    ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 30, ready, release))
    holder.start()
    ready.wait()
    try:
        result = _cli(
            tmp_path,
            "--db",
            str(path),
            "mark",
            "C1",
            "effective",
            env={"WORKBENCH_BUSY_TIMEOUT": "0.3"},
        )
    finally:
        release.set()
        holder.join()
    assert result.returncode == 2
    assert "locked by another workbench process" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_infinite_busy_timeout_falls_back_to_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """WORKBENCH_BUSY_TIMEOUT=inf gave OverflowError (int(inf * 1000)) on connect."""
    from workbench.core.store.engine import DEFAULT_BUSY_TIMEOUT, busy_timeout_from_env

    for raw in ("inf", "nan", "1e300", "-1"):
        monkeypatch.setenv("WORKBENCH_BUSY_TIMEOUT", raw)
        assert busy_timeout_from_env() == DEFAULT_BUSY_TIMEOUT
    monkeypatch.setenv("WORKBENCH_BUSY_TIMEOUT", "2.5")
    assert busy_timeout_from_env() == 2.5


def test_db_takes_a_sqlite_url_and_refuses_other_databases_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--db went through Path(): sqlite:////abs.db became a folder "sqlite:" in the working
    directory and postgres://h/db a file there, silently."""
    from workbench.cli import run as cli_run

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "url.db"
    assert cli_run(["--catalogs", str(MINI), "--db", f"sqlite:///{db}", "mark", "C1",
                    "effective"]) == 0  # fmt: skip
    assert db.exists()
    capsys.readouterr()
    assert cli_run(["--catalogs", str(MINI), "--db", "postgres://h/db", "status"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("workbench: error: unsupported database 'postgres'")
    assert not [p.name for p in tmp_path.iterdir() if not p.name.startswith("url.db")]
