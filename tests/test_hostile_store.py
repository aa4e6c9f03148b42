"""Tamper evidence, forged values and pathological input (issue 11).

Each test is an attack from the issue: the input, the expected exit code and message.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from datetime import date
from pathlib import Path

import pytest

import workbench.core.catalog.sources as sources
from workbench.cli import run as cli_run
from workbench.core.store import Store
from workbench.core.store.chain import GENESIS_HASH, event_hash
from workbench.core.store.testing_records import OperatingPlan

MINI = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"
HUGE = str(10**20)


@pytest.fixture(autouse=True)
def _mini_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    monkeypatch.setattr(sources, "bundled_catalog_dir", lambda: empty)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A review with a state, evidence, a period, tests, a sample and a finding."""
    path = tmp_path / "wb.db"
    with Store.open(path) as store:
        store.mark(["C1"], "effective", actor="ann", owner="Ann", note="checked")
        store.add_evidence("C1", "policy v2", actor="ann", title="Policy", kind="note")
        store.add_period("FY27", ["alpha"], date(2027, 1, 1), date(2027, 12, 31), actor="ann")
        store.record_design_test(
            "C1", "FY27", actor="ann", performed_on=date(2027, 2, 1), performer="Ann",
            conclusion="effective",
        )  # fmt: skip
        sample, _ = store.add_sample(
            "C1", "FY27", actor="ann", result="exception", occurred_on=date(2027, 3, 1),
            notes="late", plan=OperatingPlan(required=2, basis="table"),
        )  # fmt: skip
        store.add_finding(
            "C1", "FY27", actor="ann", severity="deficiency", summary="late review",
            samples=[sample.id],
        )  # fmt: skip
    return path


def cli(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = cli_run(["--catalogs", str(MINI), "--db", str(db), *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    return code, out.out, out.err


def _sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


# -- who and when: every shown attribute is checked against the chain --------------------------


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("UPDATE control_state SET updated_by = 'eve'", "control C1: updated at"),
        (
            "UPDATE control_state SET updated_at = '2020-01-01T00:00:00.000000Z'",
            "control C1: updated at '2020-01-01T00:00:00.000000Z'",
        ),
        ("UPDATE evidence SET added_by = 'eve'", "evidence #1: added at"),
        (
            "UPDATE evidence SET added_at = substr(added_at, 1, 19) || 'Z'",
            "evidence #1: added at",
        ),
        (
            "UPDATE evidence SET removed_at = added_at, removed_by = 'eve'",
            "evidence #1: removed, which history does not say",
        ),
        ("UPDATE finding SET created_by = 'eve'", "finding #1: created at"),
        ("UPDATE finding SET updated_by = 'eve'", "finding #1: updated at"),
        ("UPDATE test_sample SET created_by = 'eve'", "sample #1: created at"),
        ("UPDATE control_test SET created_by = 'eve'", "test #1: created at"),
        ("UPDATE control_test SET updated_at = 'x'", "test #1: updated at 'x'"),
        ("UPDATE audit_period SET created_by = 'eve'", "period FY27: created at"),
        ("UPDATE setting SET updated_by = 'eve'", "by 'eve', but history says"),
    ],
)
def test_verify_detects_edits_to_who_and_when(
    db: Path, capsys: pytest.CaptureFixture[str], edit: str, message: str
) -> None:
    assert cli(db, capsys, "verify")[0] == 0
    _sql(db, edit)
    code, out, _err = cli(db, capsys, "verify")
    assert code == 1, out
    assert message in out, out


def test_verify_checks_the_triggers_full_sql(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(
        db,
        "DROP TRIGGER history_no_update",
        "CREATE TRIGGER history_no_update BEFORE UPDATE ON history WHEN 0 "
        "BEGIN SELECT RAISE(ABORT, 'history is append-only: events cannot be changed'); END",
    )
    code, out, _ = cli(db, capsys, "verify")
    assert code == 1 and "trigger history_no_update has been altered" in out, out
    _sql(
        db,
        "CREATE TRIGGER sneaky AFTER INSERT ON history BEGIN "
        "UPDATE control_state SET owner = 'eve'; END",
    )
    code, out, _ = cli(db, capsys, "verify")
    assert code == 1 and "unexpected trigger 'sneaky'" in out, out


# -- forged values that parse badly: reading never crashes --------------------------------------


def _forge_event(db: Path, **values: object) -> int:
    """Append an event with a valid hash (as someone who recomputes the chain would)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        head = conn.execute("SELECT * FROM history ORDER BY seq DESC LIMIT 1").fetchone()
        row = {
            "seq": head["seq"] + 1 if head else 1,
            "action": head["action"] + 1 if head else 1,
            "undoes": None,
            "at": "2027-03-15T09:30:00.000000Z",
            "actor": "eve",
            "control_id": "C1",
            "field": "owner",
            "old_value": "Ann",
            "new_value": "Eve",
            "prev_hash": head["hash"] if head else GENESIS_HASH,
            **values,
        }
        row["hash"] = event_hash(row)
        conn.execute(
            f"INSERT INTO history ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        conn.commit()
        return int(row["seq"])
    finally:
        conn.close()


READERS = [
    ["history"],
    ["history", "C1"],
    ["history", "--json"],
    ["show", "C1"],
    ["show", "C1", "--json"],
    ["evidence", "list"],
    ["test", "show", "C1"],
    ["findings"],
    ["period", "show"],
    ["status"],
]


def test_a_forged_event_with_a_garbage_time(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seq = _forge_event(db, at="garbage")
    for args in READERS:
        code, out, err = cli(db, capsys, *args)
        assert code == 0, (args, err)
    code, out, _ = cli(db, capsys, "history")
    assert "unreadable time 'garbage'" in out
    for fmt in ("md", "csv", "json", "html", "xlsx"):
        code, _, err = cli(db, capsys, "export", "-o", str(tmp_path / f"x.{fmt}"))
        assert code == 0, (fmt, err)
    code, out, _ = cli(db, capsys, "verify")
    assert code == 1 and f"event {seq}: unreadable time 'garbage'" in out, out


def test_evidence_added_at_without_microseconds(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _sql(db, "UPDATE evidence SET added_at = '2027-03-15T09:30:00Z'")
    _sql(db, "UPDATE finding SET created_at = 'garbage', due = 'not a date'")
    for args in READERS:
        code, _out, err = cli(db, capsys, *args)
        assert code == 0, (args, err)
    for fmt in ("md", "json", "xlsx"):
        assert cli(db, capsys, "export", "-o", str(tmp_path / f"x.{fmt}"))[0] == 0
    code, out, _ = cli(db, capsys, "verify")
    assert code == 1 and "evidence #1: added at '2027-03-15T09:30:00Z'" in out, out


async def test_the_app_reads_forged_values(db: Path) -> None:
    from workbench.core.catalog import load_catalogs
    from workbench.core.workspace import Workspace
    from workbench.tui.app import WorkbenchApp

    _forge_event(db, at="garbage", control_id="C2", field="notes", old_value=None, new_value="x")
    _sql(db, "UPDATE evidence SET added_at = '2027-03-15T09:30:00Z'")
    store = Store.open(db)
    try:
        app = WorkbenchApp(Workspace(load_catalogs([MINI]), store, "tester"), watch_interval=0.1)
        async with app.run_test(size=(160, 50)) as pilot:
            for key in ("/", "C", "1", "enter", "enter", "escape", "F", "escape", "r"):
                await pilot.press(key)
            await pilot.pause(0.3)
    finally:
        store.close()


# -- rollback and rewrite: automatic anchoring -----------------------------------------------


def _anchors(tmp_path: Path) -> Path:
    return Path(os.environ["WORKBENCH_STATE_DIR"]) / "anchors.json"


def _rollback(db: Path, keep: int) -> None:
    _sql(
        db,
        "DROP TRIGGER history_no_delete",
        f"DELETE FROM history WHERE seq > {keep}",
        "CREATE TRIGGER history_no_delete BEFORE DELETE ON history\n    BEGIN\n"
        "        SELECT RAISE(ABORT, 'history is append-only: events cannot be deleted');\n"
        "    END",
    )


def test_verify_remembers_the_head_and_reports_a_rollback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "r.db"
    with Store.open(db) as store:
        store.mark(["C1"], "in_progress", actor="ann")
    assert cli(db, capsys, "verify")[0] == 0
    anchors = _anchors(tmp_path)
    assert stat.S_IMODE(anchors.stat().st_mode) == 0o600
    with Store.open(db) as store:
        store.mark(["C1"], "effective", actor="ann")
    assert cli(db, capsys, "verify")[0] == 0  # the head moved on: remembered again
    doc = json.loads(anchors.read_text())
    assert [v["seq"] for v in doc["databases"].values()] == [2]
    # someone rolls the chain back to before the effective mark and fixes the table to match
    _rollback(db, keep=1)
    _sql(
        db,
        "UPDATE control_state SET status = 'in_progress', version = 1, "
        "updated_at = (SELECT at FROM history WHERE seq = 1)",
    )
    with Store.open(db) as store:
        assert store.verify().ok  # a careful rollback: the chain and tables agree
    code, out, _ = cli(db, capsys, "verify")
    assert code == 1
    assert "HISTORY REWRITTEN OR ROLLED BACK" in out
    assert "(event 2, hash" in out and "rolled back: the history now ends at event 1" in out
    assert "seen on 20" in out  # names when the head was seen
    assert cli(db, capsys, "verify")[0] == 1  # still loud on the next run
    doc = json.loads(cli(db, capsys, "verify", "--json")[1])
    assert doc["ok"] is False and doc["anchor"]["state"] == "lost"
    assert cli(db, capsys, "verify", "--reanchor")[0] == 0
    assert cli(db, capsys, "verify")[0] == 0


def test_a_rebuilt_chain_is_reported_as_rewritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "w.db"
    with Store.open(db) as store:
        store.mark(["C1"], "effective", actor="ann", owner="Ann")
    assert cli(db, capsys, "verify")[0] == 0
    # rebuild the whole chain with a different owner and fresh hashes: it verifies
    _rollback(db, keep=0)
    _forge_event(db, actor="ann", field="status", old_value=None, new_value="effective")
    _forge_event(db, actor="ann", field="owner", old_value=None, new_value="Eve", action=1)
    _sql(db, "UPDATE control_state SET owner = 'Eve', updated_at = '2027-03-15T09:30:00.000000Z'")
    with Store.open(db) as store:
        result = store.verify()
        assert result.chain_ok
    code, out, _ = cli(db, capsys, "verify")
    assert code == 1 and "rewritten: a different event now stands in its place" in out, out


async def test_the_app_warns_when_the_remembered_head_is_gone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.core.catalog import load_catalogs
    from workbench.core.workspace import Workspace
    from workbench.tui.app import WorkbenchApp

    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.mark(["C1"], "in_progress", actor="ann")
        store.mark(["C1"], "effective", actor="ann")
    store = Store.open(db)
    app = WorkbenchApp(Workspace(load_catalogs([MINI]), store, "ann"), watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    store.close()
    assert _anchors(tmp_path).exists()  # the app remembered the head it saw
    _rollback(db, keep=1)
    store = Store.open(db)
    app = WorkbenchApp(Workspace(load_catalogs([MINI]), store, "ann"), watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
    store.close()
    assert any("HISTORY REWRITTEN OR ROLLED BACK" in m and "event 2" in m for m in messages)


# -- pathological input: one line, exit 2, never a traceback ---------------------------------


def _one_line(err: str, *words: str) -> None:
    """One message line (argparse's usage line may come before it)."""
    lines = [line for line in err.splitlines() if not line.startswith(("usage: ", " "))]
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], err


@pytest.mark.parametrize("option", ["--note", "--owner", "--actor", "--justification"])
def test_invalid_utf8_in_arguments(
    db: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    bad = b"caf\xe9 \xff".decode("utf-8", "surrogateescape")  # as Python decodes a bad argv
    extra = [] if option == "--justification" else ["--justification", "x"]
    code, _, err = cli(db, capsys, "mark", "C2", "not_applicable", *extra, option, bad)
    assert code == 2
    _one_line(err, "not valid UTF-8")


def test_invalid_utf8_in_workbench_actor(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_ACTOR", b"\xff\xfe".decode("utf-8", "surrogateescape"))
    code, _, err = cli(db, capsys, "mark", "C2", "effective")
    assert code == 2
    _one_line(err, "WORKBENCH_ACTOR", "invalid UTF-8")


@pytest.mark.parametrize(
    "args",
    [
        ["test", "operating", "C1", "--samples", HUGE],
        ["test", "operating", "C1", "--population", HUGE],
        ["sample", "remove", HUGE],
        ["finding", "update", HUGE, "--status", "closed"],
        ["evidence", "remove", HUGE],
        ["history", "--limit", HUGE],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_integers_beyond_sqlite(
    db: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, _, err = cli(db, capsys, *args)
    assert code == 2, err
    _one_line(err, "too large")


def test_an_evidence_number_beyond_sqlite(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(
        db, capsys, "sample", "add", "C1", "--date", "2027-04-01", "--result", "pass",
        "--evidence", f"#{HUGE}",
    )  # fmt: skip
    assert code == 2
    _one_line(err, f"no evidence #{HUGE}")


@pytest.mark.parametrize(
    ("option", "what"), [("--note", "note"), ("--justification", "justification")]
)
def test_notes_and_justifications_are_limited_to_64_kib(
    db: Path, capsys: pytest.CaptureFixture[str], option: str, what: str
) -> None:
    ok = "x" * 65_536
    assert (
        cli(db, capsys, "mark", "C2", "not_applicable", "--justification", "n/a", option, ok)[0]
        == 0
    )
    code, _, err = cli(
        db, capsys, "mark", "C3", "not_applicable", "--justification", "n/a", option, ok + "y"
    )
    assert code == 2
    _one_line(err, f"the {what} is 65,537 bytes: at most 65,536 (64 KiB)")


def test_history_lines_stay_bounded_whatever_is_stored(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`history` printed a stored value in full: a 64 KiB note made one line of 64 KiB (and a
    forged 10 MB one, minutes of terminal output). The line is clipped; --json has it all."""
    note = "n" * 65_536
    assert cli(db, capsys, "mark", "C2", "implemented", "--note", note)[0] == 0
    code, out, _ = cli(db, capsys, "history", "C2")
    assert code == 0 and "more characters not shown" in out
    assert len(out) < 5_000
    code, out, _ = cli(db, capsys, "history", "C2", "--json")
    assert code == 0 and note in out


async def test_a_10_mb_note_does_not_stall_the_first_frame(db: Path) -> None:
    import io

    from rich.console import Console

    from workbench.core.catalog import load_catalogs
    from workbench.core.workspace import Workspace
    from workbench.tui.app import WorkbenchApp

    _sql(db, "UPDATE control_state SET notes = '" + "word " * 2_000_000 + "'")
    store = Store.open(db)
    try:
        app = WorkbenchApp(Workspace(load_catalogs([MINI]), store, "t"), watch_interval=0.1)
        start = time.perf_counter()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            elapsed = time.perf_counter() - start
            body = app.browse_screen.query_one("#detail-body")
            console = Console(width=200, record=True, file=io.StringIO())
            console.print(body.content)  # type: ignore[attr-defined]
            shown = console.export_text()
    finally:
        store.close()
    assert "C1" in shown and "more characters not shown" in shown
    assert elapsed < 10, elapsed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "test",
                "design",
                "C1",
                "--date",
                "9999-12-31",
                "--by",
                "Ann",
                "--conclusion",
                "effective",
            ],
            "out of range",
        ),
        (
            [
                "test",
                "design",
                "C1",
                "--date",
                "2026-12-31",
                "--by",
                "Ann",
                "--conclusion",
                "effective",
            ],
            "outside period FY27",
        ),
        (["mark", "C2", "in_progress", "--due", "9999-12-31"], "out of range"),
        (["finding", "update", "1", "--due", "0001-01-01"], "out of range"),
        (
            [
                "period",
                "add",
                "Y",
                "--framework",
                "alpha",
                "--start",
                "2027-01-01",
                "--end",
                "9999-12-31",
            ],
            "out of range",
        ),
    ],
    ids=lambda a: a if isinstance(a, str) else " ".join(a[:2]),
)
def test_dates_out_of_range_or_period(
    db: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = cli(db, capsys, *args)
    assert code == 2
    _one_line(err, message)


def test_a_bad_workbench_actor_when_the_app_starts(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_ACTOR", "eve\x1b]0;x\x07")
    code, _, err = cli(db, capsys)  # no command: the app, refused before it starts
    assert code == 2
    _one_line(err, "WORKBENCH_ACTOR", "control character")
