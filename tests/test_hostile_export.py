"""`export -o` writes only regular files, never the database (issue 11).

The attacks: a device (/dev/full, /dev/null), a symlink to /dev/stdout, a FIFO and a socket
were replaced by regular files (as root); an export over the database file destroyed it.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

import workbench.core.catalog.sources as sources
from workbench.cli import run as cli_run
from workbench.core.store import Store

MINI = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    monkeypatch.setattr(sources, "bundled_catalog_dir", lambda: empty)
    path = tmp_path / "wb.db"
    with Store.open(path) as store:
        store.mark(["C1"], "effective", actor="ana", owner="Ana")
    return path


def _export(db: Path, out: str, *extra: str) -> int:
    return cli_run(["--catalogs", str(MINI), "--db", str(db), "export", *extra, "-o", out])


def _refused(capsys: pytest.CaptureFixture[str], *words: str) -> None:
    err = capsys.readouterr().err
    assert err.startswith("workbench: error: cannot write"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize("device", ["/dev/full", "/dev/null"])
def test_a_device_is_refused(
    db: Path, tmp_path: Path, device: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The target is a device node made in the test's folder (or, without the right to make
    one, a symlink to the real device): a build without the fix replaces only that, never
    the machine's own /dev/null."""
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    target = tmp_path / "device.md"
    try:
        os.mknod(target, stat.S_IFCHR | 0o666, os.stat(device).st_rdev)
    except PermissionError:
        target.symlink_to(device)
    assert _export(db, str(target), "--format", "md") == 2
    _refused(capsys, "is a device")
    assert stat.S_ISCHR(os.stat(target).st_mode)


def test_a_symlink_to_stdout_is_refused_and_kept(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "out.md"
    r, w = os.pipe()  # standard output as a pipe, as under `| less`
    link.symlink_to(f"/proc/self/fd/{w}")
    try:
        assert _export(db, str(link)) == 2
    finally:
        os.close(r)
        os.close(w)
    _refused(capsys, "FIFO")
    assert link.is_symlink()


def test_a_fifo_is_refused_and_kept(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "out.md"
    os.mkfifo(fifo)
    assert _export(db, str(fifo)) == 2
    _refused(capsys, "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_socket_is_refused_and_kept(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.md"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        assert _export(db, str(path)) == 2
    _refused(capsys, "socket")
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_the_database_and_its_side_files_are_refused(
    db: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = db.read_bytes()
    assert _export(db, f"{db}{suffix}", "--format", "json") == 2
    _refused(capsys, "open workbench database")
    assert db.read_bytes() == before
    with Store.open(db) as store:
        assert store.verify().ok


def test_a_hard_link_to_the_database_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alias = tmp_path / "innocent.json"
    os.link(db, alias)
    assert _export(db, str(alias)) == 2
    _refused(capsys, "open workbench database")
    with Store.open(db) as store:
        assert store.verify().ok


def test_a_new_export_is_private_and_an_existing_one_keeps_its_mode(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = os.umask(0o022)
    try:
        new = tmp_path / "new.md"
        assert _export(db, str(new)) == 0
        assert stat.S_IMODE(new.stat().st_mode) == 0o600
        kept = tmp_path / "kept.md"
        kept.write_text("old")
        os.chmod(kept, 0o640)
        assert _export(db, str(kept)) == 0
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
        assert kept.read_text() != "old"
    finally:
        os.umask(old)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_symlink_to_a_regular_file_writes_that_file(db: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert _export(db, str(link)) == 0
    assert link.is_symlink() and "C1" in real.read_text()


def test_stdout_is_still_allowed(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _export(db, "-", "--format", "csv") == 0
    assert "C1" in capsys.readouterr().out


async def test_the_app_refuses_the_same_targets(workspace_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input

    from workbench.tui.app import WorkbenchApp

    ws = workspace_factory()
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        for target in (str(fifo), str(ws.store.path)):
            app.action_export("md")
            await pilot.pause()
            app.screen.query_one(Input).value = target
            await pilot.press("enter")
            await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
    assert any("FIFO" in m for m in messages), messages
    assert any("open workbench database" in m for m in messages), messages
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert ws.store.verify().ok


def test_a_symlink_to_stdout_redirected_to_a_file_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`workbench ... > log` makes /dev/stdout a regular file; replacing it would pull the
    file from under the shell (later output would go to a deleted file)."""
    log = tmp_path / "log.txt"
    link = tmp_path / "out.md"
    with log.open("w") as handle:
        link.symlink_to(f"/proc/self/fd/{handle.fileno()}")
        assert _export(db, str(link)) == 2
        _refused(capsys, "standard stream or a /proc/")
        inode = os.fstat(handle.fileno()).st_ino
    assert log.stat().st_ino == inode and link.is_symlink()


def test_a_redirected_standard_output_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.md"
    saved = os.dup(1)
    try:
        with log.open("w") as handle:
            os.dup2(handle.fileno(), 1)
            code = _export(db, str(log))
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    assert code == 2
    _refused(capsys, "standard stream")
