"""The hash-chained history: canonical encoding, append-only triggers, and tamper detection with
raw sqlite3 (an attacker drops the triggers first)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from workbench.core.store import GENESIS_HASH, Store, canonical, event_hash
from workbench.core.store.chain import HASHED_FIELDS, check_chain


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with 4 actions / 9 events: marks, an update, evidence and a setting."""
    path = tmp_path / "wb.db"
    with Store.open(path) as store:
        store.mark(["C1", "C2"], "in_progress", actor="alice", note="started")  # seq 1-4
        store.mark(["C1"], "effective", actor="bob")  # seq 5
        store.add_evidence("C1", "https://evidence.example/1", actor="bob")  # seq 6
        store.set_setting("audit.period", "2025", actor="alice")  # seq 7
        store.update("C2", actor="alice", owner="Ann", notes="more")  # seq 8-9
    return path


def _raw(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    return conn


def _drop_triggers(conn: sqlite3.Connection) -> None:
    conn.execute("DROP TRIGGER history_no_update")
    conn.execute("DROP TRIGGER history_no_delete")


def _verify(db: Path):  # type: ignore[no-untyped-def]
    with Store.open(db) as store:
        return store.verify()


# -- encoding ---------------------------------------------------------------------------------


def test_canonical_encoding_is_sorted_compact_utf8() -> None:
    event = {
        "seq": 1,
        "action": 1,
        "undoes": None,
        "at": "2025-01-01T00:00:00.000000Z",
        "actor": "Zoë",
        "control_id": "C1",
        "field": "status",
        "old_value": "not_started",
        "new_value": "effective",
        "prev_hash": GENESIS_HASH,
        "hash": "ignored",
        "extra": "ignored",
    }
    data = canonical(event)
    assert (
        data
        == (
            '{"action":1,"actor":"Zoë","at":"2025-01-01T00:00:00.000000Z","control_id":"C1",'
            '"field":"status","new_value":"effective","old_value":"not_started",'
            f'"prev_hash":"{GENESIS_HASH}","seq":1,"undoes":null}}'
        ).encode()
    )
    assert event_hash(event) == hashlib.sha256(data).hexdigest()
    assert set(json.loads(data)) == set(HASHED_FIELDS)
    assert "action" in HASHED_FIELDS and "prev_hash" in HASHED_FIELDS


def test_stored_chain_links_and_recomputes(db: Path) -> None:
    with _raw(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM history ORDER BY seq")]
    assert [r["seq"] for r in rows] == list(range(1, 10))
    assert rows[0]["prev_hash"] == GENESIS_HASH
    for prev, row in zip([None, *rows], rows, strict=False):
        if prev is not None:
            assert row["prev_hash"] == prev["hash"]
        assert row["hash"] == event_hash(row)
    assert [r["action"] for r in rows] == [1, 1, 1, 1, 2, 3, 4, 5, 5]
    assert rows[6]["control_id"] is None and rows[6]["field"] == "setting:audit.period"
    report = check_chain(rows)
    assert report.first_break is None and report.checked == 9
    assert report.head_hash == rows[-1]["hash"]


def test_verify_intact(db: Path) -> None:
    result = _verify(db)
    assert result.ok and result.chain_ok
    assert (result.events_checked, result.events_total) == (9, 9)
    assert result.first_broken_seq is None and result.problems == ()
    with Store.open(db) as store:
        assert result.head_hash == store.head_hash()


# -- triggers ---------------------------------------------------------------------------------


def test_triggers_reject_update_and_delete(db: Path) -> None:
    before = db.read_bytes()
    with _raw(db) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE history SET new_value = 'effective' WHERE seq = 1")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM history WHERE seq = 9")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM history")
        assert conn.execute("SELECT count(*) FROM history").fetchone()[0] == 9
    assert _verify(db).ok
    assert len(before) > 0


# -- tampering --------------------------------------------------------------------------------


def test_edited_event_is_named(db: Path) -> None:
    with _raw(db) as conn:
        _drop_triggers(conn)
        conn.execute("UPDATE history SET new_value = 'deficient' WHERE seq = 5")
    result = _verify(db)
    assert not result.ok
    assert result.first_broken_seq == 5
    assert "edited" in (result.reason or "")
    assert result.events_checked == 4 and result.events_total == 9


def test_edited_event_with_recomputed_hash_breaks_the_next_link(db: Path) -> None:
    with _raw(db) as conn:
        _drop_triggers(conn)
        conn.row_factory = sqlite3.Row
        row = dict(conn.execute("SELECT * FROM history WHERE seq = 5").fetchone())
        row["new_value"] = "deficient"
        conn.execute(
            "UPDATE history SET new_value = ?, hash = ? WHERE seq = 5",
            ("deficient", event_hash(row)),
        )
        conn.execute("UPDATE control_state SET status = 'deficient' WHERE control_id = 'C1'")
    result = _verify(db)
    assert not result.ok and result.first_broken_seq == 6
    assert "prev_hash" in (result.reason or "")


def test_deleted_event_is_named(db: Path) -> None:
    with _raw(db) as conn:
        _drop_triggers(conn)
        conn.execute("DELETE FROM history WHERE seq = 3")
    result = _verify(db)
    assert not result.ok and result.first_broken_seq == 4
    assert "missing or reordered" in (result.reason or "")


def test_deleted_first_event_is_named(db: Path) -> None:
    with _raw(db) as conn:
        _drop_triggers(conn)
        conn.execute("DELETE FROM history WHERE seq = 1")
    result = _verify(db)
    assert not result.ok and result.first_broken_seq == 2
    assert "missing" in (result.reason or "")


def test_reordered_events_are_named(db: Path) -> None:
    with _raw(db) as conn:
        _drop_triggers(conn)
        # Swap events 5 and 6 (keeping their hashes), as an attacker moving a change earlier.
        conn.execute("UPDATE history SET seq = -5 WHERE seq = 5")
        conn.execute("UPDATE history SET seq = 5 WHERE seq = 6")
        conn.execute("UPDATE history SET seq = 6 WHERE seq = -5")
    result = _verify(db)
    assert not result.ok and result.first_broken_seq == 5


def test_reordered_by_reinsertion_is_named(db: Path) -> None:
    with _raw(db) as conn:
        _drop_triggers(conn)
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM history WHERE seq IN (7, 8)")]
        conn.execute("DELETE FROM history WHERE seq IN (7, 8)")
        for row, seq in zip(rows, (8, 7), strict=True):
            row["seq"] = seq
            conn.execute(
                f"INSERT INTO history ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
    result = _verify(db)
    assert not result.ok and result.first_broken_seq == 7


def test_truncated_tail_is_caught_by_the_state_check(db: Path) -> None:
    with _raw(db) as conn:
        _drop_triggers(conn)
        conn.execute("DELETE FROM history WHERE seq IN (8, 9)")
        conn.execute(
            "CREATE TRIGGER history_no_update BEFORE UPDATE ON history "
            "BEGIN SELECT RAISE(ABORT, 'x'); END"
        )
        conn.execute(
            "CREATE TRIGGER history_no_delete BEFORE DELETE ON history "
            "BEGIN SELECT RAISE(ABORT, 'x'); END"
        )
    result = _verify(db)
    assert result.chain_ok  # a clean prefix ...
    assert not result.ok  # ... but the state says more happened
    assert any("C2" in p and "owner" in p for p in result.problems)


def test_state_edited_behind_history_is_caught(db: Path) -> None:
    with _raw(db) as conn:
        conn.execute("UPDATE control_state SET status = 'effective' WHERE control_id = 'C2'")
        conn.execute("UPDATE evidence SET ref = 'https://evil.example' WHERE id = 1")
        conn.execute("UPDATE setting SET value = '2030'")
        conn.execute(
            "INSERT INTO control_state VALUES "
            "('C9', 'effective', NULL, NULL, NULL, NULL, '2025-01-01T00:00:00.000000Z', 'x', 1)"
        )
    result = _verify(db)
    assert result.chain_ok and not result.ok
    text = "\n".join(result.problems)
    assert "control C2: status is 'effective' but history says 'in_progress'" in text
    assert "evidence #1: differs" in text
    assert "setting audit.period" in text
    assert "control C9: has a stored state but no history" in text


def test_missing_triggers_are_reported(db: Path) -> None:
    with _raw(db) as conn:
        _drop_triggers(conn)
    result = _verify(db)
    assert result.chain_ok and not result.ok
    assert any("triggers" in p for p in result.problems)


def test_anchor(db: Path) -> None:
    with Store.open(db) as store:
        anchor = store.head_hash()
        store.mark(["C3"], "implemented", actor="x")
        assert store.verify(anchor=anchor).ok
        assert store.verify(anchor=anchor).anchor_found is True
        bad = store.verify(anchor="f" * 64)
        assert not bad.ok and bad.anchor_found is False
        assert any("not in the verified chain" in p for p in bad.problems)
