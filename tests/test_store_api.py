"""The Store API: state, marks, updates, evidence, settings, history, undo, orphans."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from workbench.core.catalog import CatalogSet
from workbench.core.status import (
    STATUS_LABELS,
    STATUSES,
    Status,
    UnknownStatusError,
    is_status,
    parse_status,
    requires_justification,
)
from workbench.core.store import (
    APPLICATION_ID,
    GENESIS_HASH,
    SCHEMA_VERSION,
    UNCHANGED,
    ControlState,
    NothingToUndo,
    StaleVersionError,
    Store,
    StoreError,
    UndoConflict,
    UnknownControlError,
    ValidationError,
    parse_date,
    resolve_actor,
)
from workbench.core.store.schema import TABLES


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wb.db"


@pytest.fixture
def store(db: Path):  # type: ignore[no-untyped-def]
    with Store.open(db) as s:
        yield s


def _raw(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db)


def _history_count(db: Path) -> int:
    with _raw(db) as conn:
        return int(conn.execute("SELECT count(*) FROM history").fetchone()[0])


# -- status vocabulary ------------------------------------------------------------------------


def test_status_vocabulary() -> None:
    assert STATUSES == (
        "not_started",
        "in_progress",
        "implemented",
        "effective",
        "deficient",
        "not_applicable",
    )
    assert tuple(s.value for s in Status) == STATUSES
    assert set(STATUS_LABELS) == set(Status)
    assert Status.EFFECTIVE == "effective"
    assert parse_status("Not-Applicable") is Status.NOT_APPLICABLE
    assert parse_status(" in progress ") is Status.IN_PROGRESS
    assert is_status("effective") and not is_status("done")
    assert requires_justification("not_applicable") and not requires_justification("effective")
    with pytest.raises(UnknownStatusError) as info:
        parse_status("done")
    assert all(s in str(info.value) for s in STATUSES)


# -- opening ----------------------------------------------------------------------------------


def test_new_database_is_private_versioned_and_wal(db: Path) -> None:
    with Store.open(db) as store:
        assert store.path == db
        assert (db.stat().st_mode & 0o777) == 0o600
        store.mark(["C1"], "in_progress", actor="a")
        for side in (Path(f"{db}-wal"), Path(f"{db}-shm")):
            if side.exists():
                assert (side.stat().st_mode & 0o777) == 0o600
    with _raw(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_open_creates_missing_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "wb.db"
    with Store.open(target):
        pass
    assert target.is_file()


def test_create_false_refuses_a_missing_file(db: Path) -> None:
    with pytest.raises(StoreError, match="no database at"):
        Store.open(db, create=False)
    assert not db.exists()


def test_reopen_keeps_data(db: Path) -> None:
    with Store.open(db) as store:
        store.mark(["C1"], "effective", actor="a")
    with Store.open(db, create=False) as store:
        assert store.state("C1").status is Status.EFFECTIVE


def test_urls(tmp_path: Path) -> None:
    with Store.open("sqlite://") as mem:
        assert mem.path is None
        mem.mark(["C1"], "implemented", actor="a")
        assert mem.state("C1").status is Status.IMPLEMENTED
        assert mem.verify().ok
        before = mem.data_version()
        mem.mark(["C1"], "effective", actor="a")
        assert mem.data_version() != before
    path = tmp_path / "url.db"
    with Store.open(f"sqlite:///{path}") as store:
        assert store.path == path
    assert path.is_file()
    with pytest.raises(StoreError, match="unsupported database"):
        Store.open("postgresql://localhost/x")


def test_closed_store_refuses_use(db: Path) -> None:
    store = Store.open(db)
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        store.states()


def test_models_match_the_upgrade_ddl(store: Store, db: Path) -> None:
    with _raw(db) as conn:
        for table in TABLES:
            cols = [row[1] for row in conn.execute(f"PRAGMA table_info({table.name})")]
            assert cols == list(table.c.keys()), table.name


def test_upgrade_steps_run_in_order_and_atomically(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.core.store import engine as eng
    from workbench.core.store import schema

    with Store.open(db) as store:
        store.mark(["C1"], "effective", actor="a")

    def broken(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("CREATE TABLE extra (x INTEGER)")
        raise RuntimeError("step failed")

    def good(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("CREATE TABLE extra (x INTEGER)")

    current = SCHEMA_VERSION  # a step after the current one, whatever the current one is
    for module in (schema, eng):
        monkeypatch.setattr(module, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(schema, "UPGRADES", (*schema.UPGRADES[:current], broken))
    import workbench.core.store.store as store_mod

    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", current + 1)
    with pytest.raises(RuntimeError):
        Store.open(db)
    with _raw(db) as conn:  # rolled back: still the current version, no half-made table
        assert conn.execute("PRAGMA user_version").fetchone()[0] == current
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'extra'").fetchall()

    monkeypatch.setattr(schema, "UPGRADES", (*schema.UPGRADES[:current], good))
    with Store.open(db) as store:
        assert store.state("C1").status is Status.EFFECTIVE
    with _raw(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == current + 1
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'extra'").fetchall()


# -- state and marks --------------------------------------------------------------------------


def test_default_state(store: Store) -> None:
    st = store.state("C1")
    assert st == ControlState("C1")
    assert st.status is Status.NOT_STARTED and st.version == 0 and not st.recorded
    assert store.states() == {}


def test_mark_several_controls_is_one_action(store: Store) -> None:
    events = store.mark(["C1", "C2"], "effective", actor="alice", note="tested")
    assert [(e.control_id, e.field, e.old_value, e.new_value) for e in events] == [
        ("C1", "status", "not_started", "effective"),
        ("C1", "notes", None, "tested"),
        ("C2", "status", "not_started", "effective"),
        ("C2", "notes", None, "tested"),
    ]
    assert {e.action for e in events} == {1}
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert all(e.actor == "alice" and e.undoes is None for e in events)
    assert events[0].prev_hash == GENESIS_HASH
    assert all(a.hash == b.prev_hash for a, b in itertools.pairwise(events))
    assert events[0].at.tzinfo is not None
    states = store.states()
    assert set(states) == {"C1", "C2"}
    c1 = states["C1"]
    assert (c1.status, c1.notes, c1.version, c1.updated_by) == (
        Status.EFFECTIVE,
        "tested",
        1,
        "alice",
    )
    assert store.history() == events


def test_mark_sets_owner_due_and_clears_with_empty_string(store: Store) -> None:
    store.mark(["C1"], "in_progress", actor="a", owner="Bob", due=date(2025, 3, 31))
    st = store.state("C1")
    assert (st.owner, st.due, st.version) == ("Bob", date(2025, 3, 31), 1)
    store.mark(["C1"], "in_progress", actor="a", owner="")
    st = store.state("C1")
    assert st.owner is None and st.due == date(2025, 3, 31) and st.version == 2


def test_mark_without_change_writes_nothing(store: Store) -> None:
    store.mark(["C1"], "effective", actor="a")
    assert store.mark(["C1"], "effective", actor="a") == []
    assert store.state("C1").version == 1
    assert len(store.history()) == 1


def test_mark_dedupes_ids(store: Store) -> None:
    events = store.mark(["C1", "C1", " C1 "], "implemented", actor="a")
    assert len(events) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "done"}, "unknown status 'done' (valid: not_started, in_progress"),
        ({"status": "not_applicable"}, "not_applicable needs a justification"),
        ({"status": "not_applicable", "justification": "  "}, "needs a justification"),
        ({"status": "effective", "actor": " "}, "actor"),
        ({"status": "effective", "ids": []}, "no control ID"),
        ({"status": "effective", "ids": ["C1", ""]}, "empty"),
    ],
)
def test_invalid_marks_write_nothing(db: Path, store: Store, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    ids = kwargs.pop("ids", ["C1", "C2"])
    actor = kwargs.pop("actor", "a")
    status = kwargs.pop("status")
    with pytest.raises(ValidationError) as info:
        store.mark(ids, status, actor=actor, **kwargs)
    assert message in str(info.value)
    assert _history_count(db) == 0
    assert store.states() == {}


def test_unknown_ids_refused_when_known_given(store: Store, mini: CatalogSet) -> None:
    with pytest.raises(UnknownControlError) as info:
        store.mark(["C1", "NOPE", "ZZ"], "effective", actor="a", known=mini.controls)
    assert info.value.control_ids == ("NOPE", "ZZ")
    assert "NOPE, ZZ" in str(info.value)
    assert store.history() == []


def test_not_applicable_justification_rules(store: Store) -> None:
    store.mark(["C1"], "not_applicable", actor="a", justification="No cloud hosting")
    st = store.state("C1")
    assert st.status is Status.NOT_APPLICABLE and st.justification == "No cloud hosting"
    store.mark(["C1"], "effective", actor="a")
    # Back to N/A: the recorded justification still stands.
    store.mark(["C1"], "not_applicable", actor="a")
    # Clearing the justification of an N/A control is refused.
    with pytest.raises(ValidationError, match="justification"):
        store.update("C1", actor="a", justification=None)
    # One control without a justification fails the whole multi-control mark.
    with pytest.raises(ValidationError, match=r"\(C2\)"):
        store.mark(["C1", "C2"], "not_applicable", actor="a")
    assert store.state("C2").version == 0


def test_stale_version_detected_not_overwritten(store: Store) -> None:
    store.mark(["C1"], "in_progress", actor="a")
    seen = store.state("C1").version
    store.mark(["C1"], "implemented", actor="b")  # someone else, meanwhile
    with pytest.raises(StaleVersionError) as info:
        store.mark(["C1", "C2"], "effective", actor="a", expected_versions={"C1": seen, "C2": 0})
    assert info.value.conflicts == {"C1": (1, 2)}
    assert "reload" in str(info.value)
    assert store.state("C1").status is Status.IMPLEMENTED
    assert store.state("C2").version == 0
    events = store.mark(["C1"], "effective", actor="a", expected_versions={"C1": 2})
    assert events and store.state("C1").version == 3
    with pytest.raises(StaleVersionError):
        store.update("C1", actor="a", notes="x", expected_version=1)


def test_update_edits_fields_without_status(store: Store) -> None:
    assert store.update("C1", actor="a") == []
    events = store.update("C1", actor="a", owner="Ann", notes="n", due=date(2025, 1, 2))
    assert {e.field for e in events} == {"owner", "notes", "due"}
    st = store.state("C1")
    assert (st.status, st.owner, st.notes, st.due, st.version) == (
        Status.NOT_STARTED,
        "Ann",
        "n",
        date(2025, 1, 2),
        1,
    )
    events = store.update("C1", actor="a", owner=None, due=None, notes=UNCHANGED)
    assert {(e.field, e.new_value) for e in events} == {("owner", None), ("due", None)}
    assert store.state("C1").notes == "n"


def test_results_are_frozen(store: Store) -> None:
    store.mark(["C1"], "effective", actor="a")
    st = store.state("C1")
    ev = store.history()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        st.status = Status.DEFICIENT  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.new_value = "x"  # type: ignore[misc]


def test_unicode_round_trips(store: Store) -> None:
    store.mark(["C1"], "effective", actor="Zoë", note="Prüfung ✓ [bold]literal[/]")
    assert store.state("C1").notes == "Prüfung ✓ [bold]literal[/]"
    assert store.history()[0].actor == "Zoë"
    assert store.verify().ok


def test_threads_share_a_store(store: Store) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                store.mark([f"T{n}"], "in_progress" if i % 2 else "implemented", actor=f"t{n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(store.history()) == 80
    assert store.verify().ok


# -- evidence ---------------------------------------------------------------------------------


def test_evidence_kinds(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "policy.pdf"
    doc.write_bytes(b"%PDF-1.4 policy")
    monkeypatch.chdir(tmp_path)
    item = store.add_evidence(
        "C1",
        "policy.pdf",
        actor="a",
        title="Policy",
        effective_from=date(2025, 1, 1),
        effective_to=date(2025, 12, 31),
    )
    assert item.kind == "file" and item.ref == str(doc.resolve())
    assert item.sha256 == hashlib.sha256(b"%PDF-1.4 policy").hexdigest()
    assert item.size == len(b"%PDF-1.4 policy")
    assert (item.effective_from, item.effective_to) == (date(2025, 1, 1), date(2025, 12, 31))
    url = store.add_evidence("C1", "https://wiki.example.com/runbook#x", actor="a")
    assert (url.kind, url.ref, url.sha256) == ("url", "https://wiki.example.com/runbook#x", None)
    note = store.add_evidence("C1", "Walkthrough with the CFO on 3 May", actor="a")
    assert note.kind == "note"
    forced = store.add_evidence("C1", "policy.pdf", actor="a", kind="note")
    assert forced.kind == "note" and forced.ref == "policy.pdf"
    file_url = store.add_evidence("C2", doc.as_uri(), actor="a")
    assert file_url.kind == "file" and file_url.ref == str(doc.resolve())
    assert [e.id for e in store.evidence("C1")] == [item.id, url.id, note.id, forced.id]
    assert len(store.evidence()) == 5
    assert store.evidence_item(item.id) == item
    events = [e for e in store.history() if e.field == "evidence"]
    assert len(events) == 5 and all(e.old_value is None for e in events)
    assert store.state("C1").version == 0  # evidence does not touch the control's state
    assert doc.read_bytes() == b"%PDF-1.4 policy"  # referenced, never modified


def test_relative_path_with_base(store: Store, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("a")
    item = store.add_evidence("C1", "sub/a.txt", actor="a", base=tmp_path)
    assert item.ref == str((tmp_path / "sub" / "a.txt").resolve())


@pytest.mark.parametrize(
    ("ref", "kwargs", "message"),
    [
        ("missing/report.pdf", {}, "no such file"),
        ("report.xlsx", {}, "no such file"),
        ("", {}, "empty"),
        ("not a url", {"kind": "url"}, "not a URL"),
        ("x", {"kind": "blob"}, "unknown evidence kind"),
        (
            "https://x.example",
            {"effective_from": date(2025, 2, 1), "effective_to": date(2025, 1, 1)},
            "before it starts",
        ),
    ],
)
def test_bad_evidence_is_refused(
    store: Store,
    tmp_path: Path,
    ref: str,
    kwargs: dict,
    message: str,  # type: ignore[type-arg]
) -> None:
    with pytest.raises(ValidationError, match=message):
        store.add_evidence("C1", ref, actor="a", base=tmp_path, **kwargs)
    assert store.evidence() == [] and store.history() == []


def test_folder_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is a folder"):
        store.add_evidence("C1", str(tmp_path), actor="a")


def test_remove_evidence(store: Store) -> None:
    item = store.add_evidence("C1", "https://a.example", actor="a")
    events = store.remove_evidence(item.id, actor="b")
    assert len(events) == 1 and events[0].new_value is None and events[0].old_value
    assert store.evidence() == []
    (removed,) = store.evidence(include_removed=True)
    assert removed.removed_by == "b" and not removed.active
    with pytest.raises(ValidationError, match="already removed"):
        store.remove_evidence(item.id, actor="b")
    with pytest.raises(ValidationError, match="no evidence #99"):
        store.remove_evidence(99, actor="b")


def test_check_evidence(store: Store, tmp_path: Path) -> None:
    same = tmp_path / "same.txt"
    edited = tmp_path / "edited.txt"
    grown = tmp_path / "grown.txt"
    gone = tmp_path / "gone.txt"
    folder = tmp_path / "folder.txt"
    for path in (same, edited, grown, gone, folder):
        path.write_text("original")
    ids = {
        p.name: store.add_evidence("C1", str(p), actor="a").id
        for p in (same, edited, grown, gone, folder)
    }
    store.add_evidence("C2", "https://x.example", actor="a")
    store.add_evidence("C2", "a note", actor="a")
    edited.write_text("ORIGINAL")  # same size, other bytes
    grown.write_text("original, longer")
    gone.unlink()
    folder.unlink()
    folder.mkdir()
    by_id = {c.evidence.id: c for c in store.check_evidence()}
    assert by_id[ids["same.txt"]].state == "ok"
    assert by_id[ids["edited.txt"]].state == "changed"
    assert by_id[ids["edited.txt"]].sha256_now == hashlib.sha256(b"ORIGINAL").hexdigest()
    assert by_id[ids["grown.txt"]].state == "changed"
    assert "size" in by_id[ids["grown.txt"]].detail
    assert by_id[ids["gone.txt"]].state == "missing"
    assert by_id[ids["folder.txt"]].state == "unreadable"
    others = [c for c in by_id.values() if c.evidence.control_id == "C2"]
    assert [c.state for c in others] == ["not_checked", "not_checked"]
    assert sum(c.problem for c in by_id.values()) == 4
    assert [c.state for c in store.check_evidence("C2")] == ["not_checked", "not_checked"]


# -- settings ---------------------------------------------------------------------------------


def test_settings(store: Store) -> None:
    assert store.settings() == {}
    (ev,) = store.set_setting("audit.period", "2025", actor="a")
    assert (ev.control_id, ev.field, ev.old_value, ev.new_value) == (
        None,
        "setting:audit.period",
        None,
        "2025",
    )
    assert ev.setting_key == "audit.period"
    assert store.set_setting("audit.period", "2025", actor="a") == []
    store.set_setting("audit.period", "2026", actor="a")
    store.set_setting("scope.soc2.P", "out", actor="a")
    assert store.settings() == {"audit.period": "2026", "scope.soc2.P": "out"}
    store.set_setting("scope.soc2.P", None, actor="a")
    assert store.settings() == {"audit.period": "2026"}
    with pytest.raises(ValidationError, match="invalid setting name"):
        store.set_setting("bad key", "x", actor="a")
    assert store.verify().ok


# -- history ----------------------------------------------------------------------------------


def test_history_filters(store: Store) -> None:
    store.mark(["C1"], "in_progress", actor="a")
    store.mark(["C2"], "in_progress", actor="a")
    store.mark(["C1"], "effective", actor="a")
    store.set_setting("k", "v", actor="a")
    assert [e.seq for e in store.history("C1")] == [1, 3]
    assert [e.seq for e in store.history(limit=2)] == [3, 4]
    assert [e.seq for e in store.history("C1", limit=1)] == [3]
    assert [e.seq for e in store.history(action=2)] == [2]
    future = datetime.now(UTC) + timedelta(days=1)
    assert store.history(since=future) == []
    assert len(store.history(since=date(2000, 1, 1))) == 4
    naive_past = datetime(2000, 1, 1)
    assert len(store.history(since=naive_past)) == 4
    assert store.history(limit=0) == []
    assert store.head_hash() == store.history()[-1].hash


def test_empty_history(store: Store) -> None:
    assert store.history() == []
    assert store.head_hash() == GENESIS_HASH
    assert store.undo_preview() == []
    result = store.verify()
    assert result.ok and result.events_total == 0 and result.head_hash == GENESIS_HASH


# -- undo -------------------------------------------------------------------------------------


def test_undo_reverts_a_whole_action_and_redo(store: Store) -> None:
    store.mark(["C1"], "in_progress", actor="a", owner="Ann")
    mark = store.mark(["C1", "C2"], "effective", actor="a", note="done")
    assert [e.seq for e in store.undo_preview()] == [e.seq for e in mark]
    assert [e.seq for e in store.undo_preview("a")] == [e.seq for e in mark]
    assert store.undo_preview("b") == []
    with pytest.raises(NothingToUndo, match="b has made no changes"):
        store.undo(actor="b")
    undo = store.undo(actor="b", anyone=True)
    assert {e.action for e in undo} == {3} and {e.undoes for e in undo} == {2}
    assert all(e.actor == "b" for e in undo)
    assert [(e.control_id, e.field, e.old_value, e.new_value) for e in undo] == [
        ("C2", "notes", "done", None),
        ("C2", "status", "effective", "not_started"),
        ("C1", "notes", "done", None),
        ("C1", "status", "effective", "in_progress"),
    ]
    c1, c2 = store.state("C1"), store.state("C2")
    assert (c1.status, c1.notes, c1.owner, c1.version) == (Status.IN_PROGRESS, None, "Ann", 3)
    assert (c2.status, c2.version) == (Status.NOT_STARTED, 2)
    # b's undo of a's change is b's own change: b's undo reverts it.
    redo = store.undo(actor="b")
    assert {e.undoes for e in redo} == {3}
    assert store.state("C1").status is Status.EFFECTIVE
    assert store.state("C2").notes == "done"
    # History only grew.
    assert len(store.history()) == len(mark) * 3 + 2
    assert store.verify().ok


def test_undo_evidence_and_settings(store: Store) -> None:
    item = store.add_evidence("C1", "https://a.example", actor="a")
    store.undo(actor="a")
    assert store.evidence() == []
    store.redo(actor="a")  # the same evidence row comes back
    assert [e.id for e in store.evidence()] == [item.id]
    store.remove_evidence(item.id, actor="a")
    store.undo(actor="a")
    assert store.evidence() == [item]
    store.set_setting("k", "1", actor="a")
    store.set_setting("k", "2", actor="a")
    store.undo(actor="a")
    assert store.settings() == {"k": "1"}
    store.redo(actor="a")
    assert store.settings() == {"k": "2"}
    store.set_setting("new", "x", actor="a")
    store.undo(actor="a")
    assert "new" not in store.settings()
    assert store.verify().ok


def test_undo_takes_back_only_your_own_last_change(store: Store) -> None:
    store.mark(["C1"], "in_progress", actor="ann")
    store.mark(["C2"], "implemented", actor="bob")  # another session, later
    undo = store.undo(actor="ann")
    assert [(e.control_id, e.new_value) for e in undo] == [("C1", "not_started")]
    assert store.state("C2").status is Status.IMPLEMENTED  # bob's change stands
    store.redo(actor="ann")
    assert store.state("C1").status is Status.IN_PROGRESS
    assert store.verify().ok


def test_undo_that_would_overwrite_a_later_change_is_refused(store: Store) -> None:
    store.mark(["C1", "C2"], "in_progress", actor="ann", note="started")
    store.update("C2", actor="bob", notes="bob's note")
    store.add_evidence("C1", "https://a.example", actor="bob")  # not what ann changed
    before = len(store.history())
    with pytest.raises(UndoConflict) as caught:
        store.undo(actor="ann")
    message = str(caught.value)
    assert "C2 notes" in message and "bob" in message and "Nothing was written" in message
    assert len(store.history()) == before
    assert store.state("C1").status is Status.IN_PROGRESS
    assert store.state("C2").notes == "bob's note"
    # bob undoes his evidence, then his note (in order): C2's notes are as ann left them, so
    # her undo no longer overwrites anything and goes through.
    store.undo(actor="bob")
    store.undo(actor="bob")
    assert store.state("C2").notes == "started"
    store.undo(actor="ann")
    assert store.state("C2").notes is None and store.state("C1").status is Status.NOT_STARTED
    assert store.verify().ok


def test_evidence_added_by_others_does_not_block_undo(store: Store) -> None:
    mine = store.add_evidence("C1", "https://mine.example", actor="ann")
    theirs = store.add_evidence("C1", "https://theirs.example", actor="bob")
    store.undo(actor="ann")
    assert [e.id for e in store.evidence()] == [theirs.id]
    assert mine.id != theirs.id


def test_nothing_to_undo(store: Store) -> None:
    with pytest.raises(NothingToUndo, match="nothing to undo"):
        store.undo(actor="a")
    assert isinstance(NothingToUndo("x"), StoreError)


# -- data_version, orphans, actor ---------------------------------------------------------------


def test_data_version_sees_other_connections(db: Path) -> None:
    with Store.open(db) as ui, Store.open(db) as other:
        before = ui.data_version()
        assert ui.data_version() == before
        other.mark(["C1"], "effective", actor="x")
        after = ui.data_version()
        assert after != before
        ui.mark(["C2"], "effective", actor="x")  # own pool, other connection: also seen
        assert ui.data_version() != after


def test_writer_busy_probes_without_waiting_or_writing(db: Path) -> None:
    import sqlite3
    import time

    with Store.open(db, busy_timeout=5) as store:
        store.mark(["C1"], "effective", actor="a")
        version, events = store.data_version(), len(store.history())
        assert store.writer_busy() is False
        locker = sqlite3.connect(db, timeout=0)
        locker.execute("BEGIN IMMEDIATE")
        try:
            start = time.perf_counter()
            assert store.writer_busy() is True
            assert time.perf_counter() - start < 1  # never waits for the 5 s timeout
        finally:
            locker.rollback()
            locker.close()
        assert store.writer_busy() is False
        assert (store.data_version(), len(store.history())) == (version, events)
        store.mark(["C2"], "effective", actor="a")  # the busy timeout is back in force
        assert store.busy_timeout == 5


def test_orphans_are_kept_and_reported(store: Store, mini: CatalogSet) -> None:
    store.mark(["C1", "OLD-1"], "effective", actor="a")
    store.add_evidence("OLD-2", "https://x.example", actor="a")
    orphans = store.orphans(mini)
    assert [o.control_id for o in orphans] == ["OLD-1", "OLD-2"]
    assert orphans[0].status is Status.EFFECTIVE and orphans[1].version == 0
    assert "OLD-1" in store.states()  # never deleted


def test_resolve_actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_ACTOR", "env-user")
    assert resolve_actor("  cli-user ") == "cli-user"
    assert resolve_actor(None) == "env-user"
    assert resolve_actor("") == "env-user"
    monkeypatch.delenv("WORKBENCH_ACTOR")
    monkeypatch.setattr("getpass.getuser", lambda: "os-user")
    assert resolve_actor(None) == "os-user"

    def fail() -> str:
        raise OSError("no user")

    monkeypatch.setattr("getpass.getuser", fail)
    assert resolve_actor(None) == f"uid-{os.getuid()}"


def test_parse_date() -> None:
    assert parse_date("2025-03-31") == date(2025, 3, 31)
    for bad in ("2025-13-01", "31/03/2025", "2025-3-1", "tomorrow", ""):
        with pytest.raises(ValidationError, match="expected YYYY-MM-DD"):
            parse_date(bad)
