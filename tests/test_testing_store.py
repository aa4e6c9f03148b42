"""Control testing in the store: periods, tests, samples, findings; one transaction and one
history action each; verify replays them; undo reverts them; schema 1 databases upgrade."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from workbench.core.store import (
    SCHEMA_VERSION,
    OperatingPlan,
    Store,
    ValidationError,
)

PLAN = OperatingPlan(2, "monthly control, low risk: 2 (built-in table)", "low")
P = "SOC2 2027"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wb.db"


@pytest.fixture
def store(db: Path):  # type: ignore[no-untyped-def]
    s = Store.open(db)
    yield s
    s.close()


def _period(store: Store) -> None:
    store.add_period(P, ["alpha"], date(2027, 1, 1), date(2027, 9, 30), actor="ana")


def _history(db: Path) -> list[tuple[int, str | None, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT action, control_id, field FROM history ORDER BY seq").fetchall()


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_schema_version_is_2() -> None:
    assert SCHEMA_VERSION == 2


def test_a_period_and_its_current_setting_are_one_action(store: Store, db: Path) -> None:
    period = store.add_period(
        P, ["alpha", "beta"], date(2027, 1, 1), date(2027, 9, 30), actor="ana", as_of=None
    )
    assert period.frameworks == ("alpha", "beta") and period.created_by == "ana"
    assert store.settings() == {"period.alpha": P, "period.beta": P}
    assert _history(db) == [
        (1, None, f"period:{P}"),
        (1, None, "setting:period.alpha"),
        (1, None, "setting:period.beta"),
    ]
    # A second period does not take over a framework that already has one ...
    store.add_period("Later", ["alpha"], date(2028, 1, 1), date(2028, 6, 30), actor="ana")
    assert store.settings()["period.alpha"] == P
    # ... until it is used.
    events = store.use_period("Later", actor="ana")
    assert [e.field for e in events] == ["setting:period.alpha"]
    assert store.use_period("Later", actor="ana") == []
    records = store.audit_records()
    assert [p.name for p in records.periods] == [P, "Later"]
    assert records.current == {"alpha": "Later", "beta": P}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": " "}, "invalid period name"),
        ({"name": "a/b"}, "invalid period name"),
        ({"frameworks": []}, "at least one framework"),
        ({"end": date(2026, 12, 31)}, "ends (2026-12-31) before it starts"),
        ({"as_of": date(2028, 1, 1)}, "as-of date 2028-01-01 is outside the period"),
    ],
)
def test_bad_periods_write_nothing(
    store: Store, db: Path, kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {
        "name": P,
        "frameworks": ["alpha"],
        "start": date(2027, 1, 1),
        "end": date(2027, 9, 30),
    }
    args.update(kwargs)
    with pytest.raises(ValidationError, match=re.escape(message)):
        store.add_period(actor="ana", **args)  # type: ignore[arg-type]
    assert _history(db) == []


def test_a_period_name_is_unique(store: Store) -> None:
    _period(store)
    with pytest.raises(ValidationError, match="already exists"):
        _period(store)


def test_tests_need_an_existing_period(store: Store) -> None:
    with pytest.raises(ValidationError, match="no audit period named 'nope'"):
        store.record_design_test(
            "C1",
            "nope",
            actor="ana",
            performed_on=date(2027, 1, 5),
            performer="Ana",
            conclusion="effective",
        )


def test_a_sample_outside_the_period_is_rejected(store: Store, db: Path) -> None:
    _period(store)
    before = _history(db)
    for day in (date(2026, 12, 31), date(2027, 10, 1)):
        with pytest.raises(ValidationError) as info:
            store.add_sample("C1", P, actor="ana", result="pass", occurred_on=day, plan=PLAN)
        assert str(info.value) == (
            f"sample date {day} is outside period {P} (2027-01-01 to 2027-09-30); "
            "nothing was recorded"
        )
    assert _history(db) == before
    assert _count(db, "test_sample") == 0 and _count(db, "control_test") == 0
    # The first and last day are inside.
    store.add_sample("C1", P, actor="ana", result="pass", occurred_on=date(2027, 1, 1), plan=PLAN)
    store.add_sample("C1", P, actor="ana", result="pass", occurred_on=date(2027, 9, 30))
    assert _count(db, "test_sample") == 2


def test_a_period_edit_is_one_event_and_undo_restores_it(store: Store, db: Path) -> None:
    _period(store)
    before = _history(db)
    period, events = store.update_period(P, actor="bo", end=date(2027, 12, 31))
    assert (period.start, period.end, period.as_of) == (date(2027, 1, 1), date(2027, 12, 31), None)
    assert period.created_by == "ana"  # who created it stays
    assert [(e.field, e.actor) for e in events] == [(f"period:{P}", "bo")]
    assert json.loads(events[0].old_value or "{}")["end"] == "2027-09-30"
    assert json.loads(events[0].new_value or "{}")["end"] == "2027-12-31"
    assert _history(db)[: len(before)] == before
    # a sample in the added months is now accepted
    store.add_sample("C1", P, actor="ana", result="pass", occurred_on=date(2027, 11, 2), plan=PLAN)
    # no change: no event
    assert store.update_period(P, actor="bo", end=date(2027, 12, 31))[1] == []
    store.undo(actor="ana")  # the sample
    store.undo(actor="bo")  # the edit
    restored = store.period(P)
    assert restored is not None and restored.end == date(2027, 9, 30)
    assert store.verify().ok


def test_a_period_edit_that_strands_samples_is_refused(store: Store, db: Path) -> None:
    _period(store)
    for day in (date(2027, 1, 5), date(2027, 2, 7), date(2027, 9, 1)):
        store.add_sample("C1", P, actor="ana", result="pass", occurred_on=day, plan=PLAN)
    before = _history(db)
    with pytest.raises(ValidationError) as info:
        store.update_period(P, actor="ana", start=date(2027, 3, 1))
    message = str(info.value)
    assert message.startswith("2 recorded sample(s) would fall outside 2027-03-01 to 2027-09-30:")
    assert "C1 2027-01-05" in message and "C1 2027-02-07" in message
    assert message.endswith("nothing was changed")
    with pytest.raises(ValidationError, match="before it starts"):
        store.update_period(P, actor="ana", end=date(2026, 12, 1))
    with pytest.raises(ValidationError, match="as-of date 2028-01-01 is outside"):
        store.update_period(P, actor="ana", as_of=date(2028, 1, 1))
    with pytest.raises(ValidationError, match="no audit period"):
        store.update_period("nope", actor="ana", end=date(2027, 12, 31))
    assert _history(db) == before
    period = store.period(P)
    assert period is not None and period.span == "2027-01-01 to 2027-09-30"


def test_sample_opens_the_operating_test_in_the_same_action(store: Store, db: Path) -> None:
    _period(store)
    with pytest.raises(ValidationError, match="no operating test"):
        store.add_sample("C1", P, actor="ana", result="pass", occurred_on=date(2027, 2, 1))
    sample, test = store.add_sample(
        "C1", P, actor="ana", result="pass", occurred_on=date(2027, 2, 1), plan=PLAN
    )
    assert test.kind == "operating" and test.required == 2 and sample.test_id == test.id
    assert _history(db)[-2:] == [(2, "C1", f"test:{test.id}"), (2, "C1", f"sample:{sample.id}")]
    # One operating test per control and period: the next sample joins it.
    again, same = store.add_sample(
        "C1", P, actor="ana", result="exception", ref="CHG-7", notes="no approval", plan=PLAN
    )
    assert same.id == test.id and again.ref == "CHG-7" and again.occurred_on is None
    with pytest.raises(ValidationError, match="needs its date or an identifier"):
        store.add_sample("C1", P, actor="ana", result="pass")
    with pytest.raises(ValidationError, match="unknown result"):
        store.add_sample("C1", P, actor="ana", result="ok", occurred_on=date(2027, 2, 2))


def test_replanning_an_operating_test_is_one_update_event(store: Store, db: Path) -> None:
    _period(store)
    test, events = store.plan_operating_test("C1", P, PLAN, actor="ana")
    assert len(events) == 1 and events[0].old_value is None
    same, none = store.plan_operating_test("C1", P, PLAN, actor="ana")
    assert none == [] and same.id == test.id
    bigger = OperatingPlan(3, "monthly control, moderate risk: 3", "moderate", 12)
    updated, events = store.plan_operating_test("C1", P, bigger, actor="bo")
    assert (updated.required, updated.risk, updated.population) == (3, "moderate", 12)
    assert updated.updated_by == "bo" and updated.created_by == "ana"
    old, new = json.loads(events[0].old_value or ""), json.loads(events[0].new_value or "")
    assert (old["required"], new["required"]) == (2, 3)


def test_evidence_cited_or_attached_with_a_test(store: Store, db: Path, tmp_path: Path) -> None:
    _period(store)
    memo = tmp_path / "walkthrough.txt"
    memo.write_text("walked one change end to end")
    test = store.record_design_test(
        "C1",
        P,
        actor="ana",
        performed_on=date(2027, 1, 20),
        performer="Ana",
        conclusion="effective",
        evidence=str(memo),
    )
    item = store.evidence_item(test.evidence_id or 0)
    assert item is not None and item.kind == "file" and item.sha256 is not None
    assert item.effective_from == item.effective_to == date(2027, 1, 20)
    assert [f for _, _, f in _history(db)][-2:] == ["evidence", f"test:{test.id}"]
    sample, _ = store.add_sample(
        "C1",
        P,
        actor="ana",
        result="pass",
        occurred_on=date(2027, 2, 1),
        plan=PLAN,
        evidence=f"#{item.id}",
    )
    assert sample.evidence_id == item.id
    other = store.add_evidence("C2", "a note for C2", actor="ana", kind="note")
    with pytest.raises(ValidationError, match=f"evidence #{other.id} is attached to C2"):
        store.add_sample(
            "C1",
            P,
            actor="ana",
            result="pass",
            occurred_on=date(2027, 2, 2),
            evidence=str(other.id),
        )
    with pytest.raises(ValidationError, match="no attached evidence #99"):
        store.add_sample(
            "C1", P, actor="ana", result="pass", occurred_on=date(2027, 2, 2), evidence="#99"
        )


def test_findings_classify_exceptions_and_track_remediation(store: Store) -> None:
    _period(store)
    bad, _ = store.add_sample(
        "C1",
        P,
        actor="ana",
        result="exception",
        occurred_on=date(2027, 3, 1),
        plan=PLAN,
        notes="approved after the change",
    )
    with pytest.raises(ValidationError, match="unknown severity"):
        store.add_finding("C1", P, actor="ana", severity="minor", summary="x")
    with pytest.raises(ValidationError, match="needs a summary"):
        store.add_finding("C1", P, actor="ana", severity="deficiency", summary=" ")
    with pytest.raises(ValidationError, match="no sample #42"):
        store.add_finding("C1", P, actor="ana", severity="deficiency", summary="x", samples=[42])
    with pytest.raises(ValidationError, match=f"sample #{bad.id} belongs to C1"):
        store.add_finding(
            "C2", P, actor="ana", severity="deficiency", summary="x", samples=[bad.id]
        )
    item = store.add_finding(
        "C1",
        P,
        actor="ana",
        severity="significant_deficiency",
        summary="changes approved after the fact",
        samples=[bad.id],
        owner="Bo",
        due=date(2027, 5, 31),
    )
    assert item.is_open and item.samples == (bad.id,)
    with pytest.raises(ValidationError, match="needs its remediation date"):
        store.update_finding(item.id, actor="ana", status="remediated")
    done, events = store.update_finding(
        item.id, actor="bo", status="remediated", remediated_on=date(2027, 4, 15)
    )
    assert not done.is_open and done.remediated_on == date(2027, 4, 15)
    assert len(events) == 1 and events[0].field == f"finding:{item.id}"
    assert store.update_finding(item.id, actor="bo", status="remediated")[1] == []
    with pytest.raises(ValidationError, match="no finding #9"):
        store.update_finding(9, actor="bo", status="closed")


def test_a_sample_cited_by_a_finding_cannot_be_removed(store: Store) -> None:
    _period(store)
    bad, _ = store.add_sample(
        "C1", P, actor="ana", result="exception", occurred_on=date(2027, 3, 1), plan=PLAN
    )
    store.add_finding("C1", P, actor="ana", severity="deficiency", summary="x", samples=[bad.id])
    with pytest.raises(ValidationError, match="cited by finding"):
        store.remove_sample(bad.id, actor="ana")
    ok, _ = store.add_sample("C1", P, actor="ana", result="pass", occurred_on=date(2027, 3, 2))
    events = store.remove_sample(ok.id, actor="ana")
    assert events[0].new_value is None
    assert [s.id for s in store.audit_records().samples] == [bad.id]


def _sequence(store: Store) -> None:
    _period(store)
    store.add_period(
        "FY27",
        ["beta"],
        date(2027, 1, 1),
        date(2027, 12, 31),
        actor="ana",
        as_of=date(2027, 12, 31),
    )
    store.record_design_test(
        "C1",
        P,
        actor="ana",
        performed_on=date(2027, 1, 10),
        performer="Ana",
        conclusion="effective",
        evidence="walkthrough notes",
    )
    store.plan_operating_test("C1", P, PLAN, actor="ana")
    bad, _ = store.add_sample(
        "C1", P, actor="ana", result="exception", occurred_on=date(2027, 2, 1)
    )
    f = store.add_finding(
        "C1", P, actor="ana", severity="deficiency", summary="late", samples=[bad.id]
    )
    store.update_finding(f.id, actor="bo", status="remediated", remediated_on=date(2027, 3, 1))
    store.add_sample("C1", P, actor="ana", result="pass", occurred_on=date(2027, 4, 1), ref="T-1")
    store.use_period("FY27", actor="ana")
    store.mark(["C1"], "effective", actor="ana")


def test_every_testing_change_is_in_the_verified_chain(store: Store, db: Path) -> None:
    _sequence(store)
    result = store.verify()
    assert result.ok, result.problems
    fields = [f for _, _, f in _history(db)]
    for prefix in ("period:", "test:", "sample:", "finding:", "setting:period."):
        assert any(f.startswith(prefix) for f in fields), prefix
    # each event's old/new values are the records' canonical JSON
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT new_value FROM history WHERE field LIKE 'finding:%' ORDER BY seq"
        ).fetchall()
    last = json.loads(rows[-1][0])
    assert last["status"] == "remediated" and last["remediated_on"] == "2027-03-01"
    assert rows[-1][0] == json.dumps(last, sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("UPDATE test_sample SET result = 'pass'", "sample #1: differs from what history"),
        ("DELETE FROM finding", "finding #1: in history but missing from the table"),
        (
            "INSERT INTO test_sample (test_id, control_id, period, occurred_on, result, "
            "created_at, created_by) VALUES (2, 'C1', 'SOC2 2027', '2027-05-01', 'pass', 'x', 'y')",
            "sample #3: has no history",
        ),
        ("UPDATE audit_period SET ends_on = '2027-12-31'", "period SOC2 2027: differs"),
        ("UPDATE control_test SET required = 1 WHERE kind = 'operating'", "test #2: differs"),
    ],
)
def test_verify_finds_testing_tables_changed_behind_its_back(
    store: Store, db: Path, sql: str, problem: str
) -> None:
    _sequence(store)
    with sqlite3.connect(db) as conn:
        conn.execute(sql)
    result = store.verify()
    assert not result.ok and result.chain_ok
    assert any(problem in p for p in result.problems), result.problems


def test_undo_reverts_testing_actions_and_verify_still_passes(store: Store) -> None:
    _period(store)
    sample, test = store.add_sample(
        "C1",
        P,
        actor="ana",
        result="pass",
        occurred_on=date(2027, 2, 1),
        plan=PLAN,
        evidence="signed review (note)",
    )
    assert len(store.evidence("C1")) == 1
    undone = store.undo(actor="ana")  # the sample, its evidence and the test it opened
    assert {e.field for e in undone} == {f"sample:{sample.id}", "evidence", f"test:{test.id}"}
    records = store.audit_records()
    assert records.samples == () and records.tests == () and store.evidence("C1") == []
    assert store.verify().ok
    store.redo(actor="ana")
    records = store.audit_records()
    assert [s.id for s in records.samples] == [sample.id] and len(records.tests) == 1
    assert len(store.evidence("C1")) == 1
    assert store.verify().ok
    f = store.add_finding("C1", P, actor="ana", severity="deficiency", summary="x")
    store.update_finding(f.id, actor="ana", status="closed", notes="not a deficiency after all")
    store.undo(actor="ana")
    assert store.audit_records().findings[0].status == "open"
    store.redo(actor="ana")
    assert store.audit_records().findings[0].status == "closed"
    assert store.verify().ok
    # Undo the period itself, after undoing everything that used it would be needed first;
    # undoing a fresh period removes it and its current setting.
    store.add_period("Next", ["beta"], date(2028, 1, 1), date(2028, 3, 31), actor="ana")
    store.undo(actor="ana")
    assert store.period("Next") is None and "period.beta" not in store.settings()
    assert store.verify().ok


def test_a_schema_1_database_is_upgraded_in_place(db: Path) -> None:
    from sqlalchemy import create_engine

    from workbench.core.store import schema

    # A version-1 database (what workbench 0.1 wrote: the frozen step 1), with data in it.

    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        schema.UPGRADES[0](conn)
        conn.exec_driver_sql("PRAGMA user_version = 1")
    engine.dispose()
    with Store.open(db) as store:
        store.mark(["C1"], "effective", actor="ana")
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 1")
        conn.execute("DROP TABLE audit_period")  # as if step 2 had never run
        conn.execute("DROP TABLE control_test")
        conn.execute("DROP TABLE test_sample")
        conn.execute("DROP TABLE finding")
    with Store.open(db) as store:
        assert store.state("C1").status == "effective"
        _period(store)
        assert store.verify().ok
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
