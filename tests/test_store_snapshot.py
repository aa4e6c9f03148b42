"""The fast start: a read-only sqlite3 snapshot serves the first screen; the store loads later."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from workbench.core.store import Store
from workbench.core.store.snapshot import LazyStore, read_snapshot
from workbench.tui.app import WorkbenchApp


def _seeded(tmp_path: Path) -> Path:
    db = tmp_path / "wb.db"
    with Store.open(db) as store:
        store.mark(["C1", "C2"], "effective", actor="a", owner="Dana")
        store.mark(["C3"], "not_applicable", actor="a", justification="out")
        store.set_setting("lens", "operating", actor="a")
        store.add_evidence("C1", "https://example.com/e", actor="a", title="Proof")
    return db


def test_snapshot_matches_the_store(tmp_path: Path) -> None:
    db = _seeded(tmp_path)
    snap = read_snapshot(db)
    assert snap is not None
    with Store.open(db) as store:
        assert snap.states == store.states()
        assert snap.settings == store.settings()
        assert snap.evidence("C1") == store.evidence("C1")
        assert snap.history("C1", limit=5) == store.history("C1", limit=5)
        assert snap.history() == store.history()
    snap.close()


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00" * 4096, b"SQLite format 3\x00" + b"\xff" * 200, b"hello, not a database"],
)
def test_snapshot_declines_and_never_writes(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "odd.db"
    db.write_bytes(content)
    assert read_snapshot(db) is None
    assert db.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.db"]


def test_snapshot_declines_other_apps_and_other_versions(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    assert read_snapshot(other) is None
    assert read_snapshot(tmp_path / "missing.db") is None
    db = _seeded(tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    assert read_snapshot(db) is None


def test_lazy_store_reads_from_snapshot_then_writes_through(tmp_path: Path) -> None:
    db = _seeded(tmp_path)
    snap = read_snapshot(db)
    assert snap is not None
    opened: list[Store] = []

    def open_store() -> Store:
        opened.append(Store.open(db))
        return opened[0]

    lazy = LazyStore(snap, open_store)
    assert lazy.state("C1").status == "effective" and lazy.settings()["lens"] == "operating"
    assert lazy.data_version() == -1 and not opened  # nothing loaded for the first screen
    events = lazy.mark(["C4"], "implemented", actor="b")  # a write waits for the real store
    assert opened and lazy.loaded and events[0].control_id == "C4"
    assert lazy.state("C4").status == "implemented"
    assert lazy.data_version() >= 0
    lazy.close()
    with Store.open(db) as store:
        assert store.state("C4").status == "implemented" and store.verify().ok


def test_lazy_store_reports_a_failed_load(tmp_path: Path) -> None:
    db = _seeded(tmp_path)
    snap = read_snapshot(db)
    assert snap is not None

    def broken() -> Store:
        raise OSError("disk gone")

    lazy = LazyStore(snap, broken)
    assert lazy.state("C1").status == "effective"
    with pytest.raises(OSError, match="disk gone"):
        lazy.mark(["C1"], "deficient", actor="b")
    lazy.close()


async def test_app_on_a_lazy_store(tmp_path: Path, bundled) -> None:  # type: ignore[no-untyped-def]
    from workbench.core.workspace import Workspace

    db = tmp_path / "wb.db"
    with Store.open(db) as store:
        store.mark(["AC-04"], "effective", actor="a")
    snap = read_snapshot(db)
    assert snap is not None
    lazy = LazyStore(snap, lambda: Store.open(db))
    ws = Workspace(bundled, lazy, "tester")
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        assert lazy.loaded  # loaded in the background after the first screen
        first = app.browse_screen.query_one("ControlList").current
        await pilot.press("e")
        assert ws.state(first).status == "effective"
        assert ws.readiness.status("AC-04") == "effective"
    lazy.close()
