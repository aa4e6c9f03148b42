"""Evidence paths that are not regular files never hang or harm (issue 11).

The attacks: a FIFO, /dev/zero or /dev/urandom as evidence hung `evidence add`, `evidence
check` and the app forever (a FIFO also when it became one after attaching); attaching the
database itself opened and closed it in the process that holds SQLite's locks.
Commands run in a subprocess with a timeout, so a hang fails the test instead of the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.core.store import Store

MINI = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"


def _cli(tmp_path: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    empty = tmp_path / "no-catalogs"
    empty.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "WORKBENCH_ACTOR": "tester",
        "WORKBENCH_CACHE_DIR": str(tmp_path / "cache"),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "workbench", "--catalogs", str(MINI), "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "wb.db"
    Store.open(path).close()
    return path


def _one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def test_a_fifo_is_refused_not_waited_on(tmp_path: Path, db: Path) -> None:
    fifo = tmp_path / "evidence.pdf"
    os.mkfifo(fifo)
    proc = _cli(tmp_path, db, "evidence", "add", "C1", str(fifo))
    _one_line_error(proc, "is a FIFO (named pipe): only regular files can be evidence")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused(tmp_path: Path, db: Path, device: str) -> None:
    proc = _cli(tmp_path, db, "evidence", "add", "C1", device, "--kind", "file")
    _one_line_error(proc, "is a device: only regular files can be evidence")


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_the_database_itself_is_refused(tmp_path: Path, db: Path, suffix: str) -> None:
    target = Path(f"{db}{suffix}")
    if not target.exists():
        target.write_bytes(b"")  # the side file as SQLite leaves it
    proc = _cli(tmp_path, db, "evidence", "add", "C1", str(target), "--kind", "file")
    _one_line_error(proc, "is the open workbench database")
    with Store.open(db) as store:
        assert store.evidence() == []


def test_a_file_that_becomes_a_fifo_is_reported_by_check(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF- evidence")
    assert _cli(tmp_path, db, "evidence", "add", "C1", str(path)).returncode == 0
    path.unlink()
    os.mkfifo(path)
    proc = _cli(tmp_path, db, "evidence", "check")
    assert proc.returncode == 1, proc.stderr
    assert "unreadable" in proc.stdout and "FIFO" in proc.stdout, proc.stdout


def test_a_sample_citing_a_fifo_is_refused(tmp_path: Path, db: Path) -> None:
    fifo = tmp_path / "ticket.txt"
    os.mkfifo(fifo)
    assert (
        _cli(
            tmp_path, db, "period", "add", "FY", "--framework", "alpha",
            "--start", "2027-01-01", "--end", "2027-12-31",
        ).returncode
        == 0
    )  # fmt: skip
    assert _cli(tmp_path, db, "test", "operating", "C1").returncode == 0
    proc = _cli(
        tmp_path, db, "sample", "add", "C1", "--date", "2027-02-01", "--result", "pass",
        "--evidence", str(fifo),
    )  # fmt: skip
    _one_line_error(proc, "FIFO")


def test_hashing_swapped_for_a_fifo_after_the_check_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision is made with fstat on the opened descriptor, not on an earlier stat."""
    from workbench.core import files
    from workbench.core.store.evidence import hash_file

    fifo = tmp_path / "late"
    os.mkfifo(fifo)
    monkeypatch.setattr(files, "check_database", lambda *_a: None)
    with pytest.raises(files.UnsafePath, match="FIFO"):
        hash_file(fifo)


async def test_the_app_hashes_off_the_ui_thread_with_progress(
    workspace_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import threading

    from textual.widgets import Input

    import workbench.core.store.evidence as evidence_mod
    import workbench.tui.screens.browse as browse_mod
    from workbench.tui.app import WorkbenchApp

    monkeypatch.setattr(browse_mod, "PROGRESS_MIN_BYTES", 1)
    monkeypatch.setattr(evidence_mod, "_CHUNK", 1024)
    threads: list[str] = []
    real = evidence_mod.hash_file
    monkeypatch.setattr(
        evidence_mod,
        "hash_file",
        lambda *a, **k: threads.append(threading.current_thread().name) or real(*a, **k),
    )
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 8192)
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    messages: list[str] = []  # every notice, kept (on a busy machine they expire before the end)
    notify = app.notify
    monkeypatch.setattr(
        app, "notify", lambda message, **kw: messages.append(str(message)) or notify(message, **kw)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        for ref in (str(big), str(fifo)):
            await pilot.press("v")
            await pilot.pause()
            app.screen.query_one("#ev-ref", Input).value = ref
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
    assert threads and threading.main_thread().name not in threads
    assert any("Hashing evidence" in m and "%" in m for m in messages), messages
    assert any("FIFO" in m for m in messages), messages
    assert [e.ref for e in ws.store.evidence()] == [str(big)]


LONG_NOTE = "Walkthrough with the controller confirmed the approval. " * 5  # 280 characters


def test_a_long_text_is_a_note_and_a_long_name_a_clear_error(
    tmp_path: Path,
    run,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    """A review found a four-line note raised OSError (File name too long) from
    Path.exists(): a traceback in the CLI, the app closed."""
    code, out, err = run("evidence", "add", "ELC-01", LONG_NOTE)
    assert code == 0 and "Traceback" not in err, err
    code, out, err = run("evidence", "list", "ELC-01", "--json")
    assert code == 0 and '"kind": "note"' in out
    code, _, err = run("evidence", "add", "ELC-01", "--kind", "file", "a" * 300)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "no such file" in err and "too long" in err
    code, _, err = run("sample", "add", "ELC-01", "--date", "2026-03-03", "--result", "pass",
                       "--evidence", LONG_NOTE)  # fmt: skip
    assert "Traceback" not in err
    long_db = tmp_path / ("d" * 300 + ".db")
    from workbench.cli import run as cli_run

    code = cli_run(["--db", str(long_db), "mark", "AC-01", "effective"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("workbench: error: ") and "too long" in err.lower()
    assert len(err.strip().splitlines()) == 1


async def test_the_evidence_dialog_takes_a_long_text_without_closing_the_app(
    workspace_factory,  # type: ignore[no-untyped-def]
) -> None:
    from textual.widgets import Input, Label

    from workbench.tui.app import WorkbenchApp

    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("v")
        dialog = app.screen
        dialog.query_one("#ev-ref", Input).value = LONG_NOTE  # kind: file path (the default)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog  # still open, saying why
        assert "no such file" in str(dialog.query_one("#prompt-error", Label).render())
