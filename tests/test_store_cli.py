"""The store commands: mark, show, evidence add|list|check|remove, history, undo, verify.

Run in-process against the mini catalog only (bundled catalogs replaced by an empty folder).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

import workbench.core.catalog.sources as sources
from workbench.cli import run as cli_run
from workbench.core.store import Store

MINI = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli(Protocol):
    def __call__(self, *args: str, db: Path | None = None) -> Result: ...


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wb.db"


@pytest.fixture
def cli(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    monkeypatch.setattr(sources, "bundled_catalog_dir", lambda: empty)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("WORKBENCH_ACTOR", "tester")

    def run(*args: str, db: Path | None = db) -> Result:
        argv = ["--catalogs", str(MINI)]
        if db is not None:
            argv += ["--db", str(db)]
        try:
            code = cli_run([*argv, *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    return run


def _history(db: Path) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT control_id, field, old_value, new_value FROM history"
        ).fetchall()


# -- mark -------------------------------------------------------------------------------------


def test_mark_several_controls(cli: Cli, db: Path) -> None:
    r = cli("mark", "C1", "C2", "effective", "--note", "tested Q3")
    assert r.code == 0, r.err
    assert "C1" in r.out and "C2" in r.out and "not started -> effective" in r.out
    assert "undo" in r.out
    assert _history(db) == [
        ("C1", "status", "not_started", "effective"),
        ("C1", "notes", None, "tested Q3"),
        ("C2", "status", "not_started", "effective"),
        ("C2", "notes", None, "tested Q3"),
    ]
    with Store.open(db) as store:
        assert {e.action for e in store.history()} == {1}
        assert store.history()[0].actor == "tester"


def test_mark_owner_due_justification_and_json(cli: Cli, db: Path) -> None:
    r = cli(
        "mark",
        "C3",
        "not_applicable",
        "--justification",
        "No such system",
        "--owner",
        "Ann",
        "--due",
        "2025-06-30",
        "--json",
    )
    assert r.code == 0, r.err
    data = r.json()
    assert data["schema"] == "workbench.mark/1" and data["controls"] == ["C3"]
    fields = {e["field"]: e["new_value"] for e in data["events"]}
    assert fields == {
        "status": "not_applicable",
        "owner": "Ann",
        "due": "2025-06-30",
        "justification": "No such system",
    }
    assert all(len(e["hash"]) == 64 for e in data["events"])


def test_mark_unchanged(cli: Cli) -> None:
    cli("mark", "C1", "effective")
    r = cli("mark", "C1", "effective")
    assert r.code == 0 and "unchanged (already effective)" in r.out


def test_mark_actor_option_and_env(cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("--actor", "alice", "mark", "C1", "in_progress")
    monkeypatch.setenv("WORKBENCH_ACTOR", "bob")
    cli("mark", "C1", "effective")
    with Store.open(db) as store:
        assert [e.actor for e in store.history()] == ["alice", "bob"]


def test_global_options_also_work_after_the_command(cli: Cli, db: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    r = cli("mark", "C1", "in_progress", "--actor", "alice", "--db", str(other), db=None)
    assert r.code == 0, r.err
    with Store.open(other) as store:
        assert [(e.control_id, e.actor) for e in store.history()] == [("C1", "alice")]
    assert not db.exists()
    # before and after the command: the one after wins for --db and --actor
    r = cli("--actor", "bob", "mark", "C2", "effective", "--actor", "carol")
    assert r.code == 0, r.err
    with Store.open(db) as store:
        assert store.history()[-1].actor == "carol"
    # --catalogs given both before and after the command: both folders are loaded
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "acme.yaml").write_text(
        'catalog: {id: acme, title: Acme, version: "1"}\n'
        "controls:\n"
        "  - {id: ACME-1, title: T, description: D, domain: X, frequency: annual,\n"
        "     type: preventive, nature: manual}\n",
        encoding="utf-8",
    )
    r = cli("mark", "ACME-1", "C1", "implemented", "--catalogs", str(extra))
    assert r.code == 0, r.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["C1", "C99", "effective"], "unknown control ID: C99"),
        (["C1", "X1", "Y2", "effective"], "unknown control IDs: X1, Y2"),
        (["c1", "effective"], "c1 (did you mean C1?)"),
        (
            ["C1", "done"],
            "unknown status 'done' (valid: not_started, in_progress, implemented, "
            "effective, deficient, not_applicable)",
        ),
        (["effective", "C1"], "the status comes last"),
        (["C1", "not_applicable"], "not_applicable needs a justification"),
        (["C1", "C2", "not_applicable", "--justification", " "], "needs a justification"),
        (["C1", "effective", "--due", "31/12/2025"], "expected YYYY-MM-DD"),
        (["C1", "effective", "--due", "2025-02-30"], "expected YYYY-MM-DD"),
        (["C1"], "required: STATUS"),
    ],
)
def test_mark_bad_input_writes_nothing(cli: Cli, db: Path, args: list[str], message: str) -> None:
    r = cli("mark", *args)
    assert r.code == 2
    assert message in r.err
    assert r.out == ""
    assert _history(db) == []


def test_mark_na_with_recorded_justification(cli: Cli) -> None:
    assert cli("mark", "C1", "not_applicable", "--justification", "Out of scope").code == 0
    assert cli("mark", "C1", "effective").code == 0
    assert cli("mark", "C1", "not_applicable").code == 0  # the recorded one still stands


# -- show -------------------------------------------------------------------------------------


def test_show_control(cli: Cli, db: Path) -> None:
    cli("mark", "C1", "effective", "--owner", "CFO office", "--note", "see [bold]memo[/]")
    cli("evidence", "add", "C1", "https://wiki.example/c1", "--title", "Runbook [red]v2[/]")
    r = cli("show", "C1")
    assert r.code == 0, r.err
    out = r.out
    assert "C1" in out and "Shared control" in out and "Serves both frameworks." in out
    # Mappings in both frameworks, catalog text printed literally.
    assert "Alpha:" in out and "Beta:" in out
    assert "First [bold]requirement[/]" in out and "(equal)" in out
    assert "B1" in out and "Beta one" in out
    assert "effective" in out and "CFO office" in out and "see [bold]memo[/]" in out
    assert "Runbook [red]v2[/]" in out and "https://wiki.example/c1" in out
    assert "Recent history" in out and "not started → effective" in out


def test_show_unmapped_framework_and_default_state(cli: Cli, db: Path) -> None:
    Store.open(db).close()
    r = cli("show", "C2")
    assert r.code == 0
    assert "Beta: not mapped" in r.out
    assert "not started" in r.out and "never recorded" in r.out
    assert "none attached" in r.out and "no changes recorded" in r.out


def test_show_json(cli: Cli) -> None:
    cli("mark", "C1", "implemented")
    data = cli("show", "C1", "--json").json()
    assert data["schema"] == "workbench.show/1"
    assert data["control"]["title"] == "Shared control" and data["orphaned"] is False
    assert {(m["framework"], m["requirement"]) for m in data["mappings"]} == {
        ("alpha", "A1"),
        ("beta", "B1"),
    }
    assert data["state"]["status"] == "implemented" and data["state"]["version"] == 1
    assert data["evidence"] == [] and len(data["history"]) == 1
    assert data["testing"] == {"tests": [], "findings": []}


def test_show_unknown_control(cli: Cli, db: Path) -> None:
    Store.open(db).close()
    r = cli("show", "C7")
    assert r.code == 2 and "unknown control ID: C7" in r.err
    r = cli("show", "C11")
    assert r.code == 2 and "unknown control ID: C11 (did you mean C1?)" in r.err
    assert "nothing was changed" not in r.err


def test_show_orphan(cli: Cli, db: Path) -> None:
    with Store.open(db) as store:
        store.mark(["GONE-1"], "effective", actor="x")
    r = cli("show", "GONE-1")
    assert r.code == 0, r.err
    assert "orphaned" in r.out and "kept" in r.out
    assert cli("show", "GONE-1", "--json").json()["orphaned"] is True


# -- evidence ---------------------------------------------------------------------------------


def test_evidence_add_list_check_remove(cli: Cli, db: Path, tmp_path: Path) -> None:
    doc = tmp_path / "access review.xlsx"
    doc.write_bytes(b"quarterly review")
    r = cli(
        "evidence",
        "add",
        "C1",
        str(doc),
        "--title",
        "Q1 review",
        "--from",
        "2025-01-01",
        "--to",
        "2025-03-31",
    )
    assert r.code == 0, r.err
    assert "attached #1 to C1" in r.out and "sha256" in r.out
    assert cli("evidence", "add", "C2", "https://tickets.example/42").code == 0
    assert cli("evidence", "add", "C2", "Walkthrough with IT on 3 May").code == 0

    r = cli("evidence", "list")
    assert r.code == 0 and "Q1 review" in r.out and "2025-01-01 to 2025-03-31" in r.out
    assert "https://tickets.example/42" in r.out and "Walkthrough" in r.out
    data = cli("evidence", "list", "C2", "--json").json()
    assert [e["kind"] for e in data["evidence"]] == ["url", "note"]

    r = cli("evidence", "check")
    assert r.code == 0 and "ok" in r.out and "not_checked" in r.out

    doc.write_bytes(b"quarterly review, edited")
    r = cli("evidence", "check")
    assert r.code == 1 and "changed" in r.out
    data = cli("evidence", "check", "--json")
    assert data.code == 1
    states = {x["evidence"]["id"]: x["state"] for x in data.json()["results"]}
    assert states == {1: "changed", 2: "not_checked", 3: "not_checked"}
    doc.unlink()
    r = cli("evidence", "check", "C1")
    assert r.code == 1 and "missing" in r.out

    r = cli("evidence", "remove", "1")
    assert r.code == 0 and "removed #1" in r.out
    assert "Q1 review" not in cli("evidence", "list").out
    assert "Q1 review" in cli("evidence", "list", "--all").out
    assert cli("evidence", "check").code == 0  # the removed file is no longer checked
    r = cli("evidence", "remove", "1")
    assert r.code == 2 and "already removed" in r.err


def test_evidence_relative_path_is_stored_absolute(
    cli: Cli, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "policy.pdf").write_bytes(b"pdf")
    monkeypatch.chdir(tmp_path)
    assert cli("evidence", "add", "C1", "docs/policy.pdf").code == 0
    with Store.open(db) as store:
        (item,) = store.evidence()
    assert item.ref == str((tmp_path / "docs" / "policy.pdf").resolve())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["C99", "https://x.example"], "unknown control ID: C99"),
        (["C1", "no/such/file.pdf"], "no such file"),
        (["C1", "https://x.example", "--from", "2025-1-1"], "expected YYYY-MM-DD"),
        (
            ["C1", "https://x.example", "--from", "2025-02-01", "--to", "2025-01-01"],
            "before it starts",
        ),
        (["C1", "plain text", "--kind", "url"], "not a URL"),
    ],
)
def test_evidence_add_bad_input(cli: Cli, db: Path, args: list[str], message: str) -> None:
    r = cli("evidence", "add", *args)
    assert r.code == 2 and message in r.err
    assert _history(db) == []


def test_evidence_empty_and_usage(cli: Cli, db: Path) -> None:
    Store.open(db).close()
    assert "No evidence attached." in cli("evidence", "list").out
    assert "No evidence attached." in cli("evidence", "check").out
    assert cli("evidence", "list", "--json").json()["evidence"] == []
    r = cli("evidence")
    assert r.code == 2 and "choose add, list, check or remove" in r.err
    assert cli("evidence", "remove", "5").code == 2  # no such evidence


# -- history ----------------------------------------------------------------------------------


def test_history(cli: Cli) -> None:
    cli("mark", "C1", "in_progress")
    cli("mark", "C2", "effective")
    cli("evidence", "add", "C1", "https://x.example/e", "--title", "Ticket")
    r = cli("history")
    assert r.code == 0
    assert "status: not started -> in progress" in r.out and "C2" in r.out
    assert "evidence added #1 url: Ticket" in r.out and "tester" in r.out
    r = cli("history", "C1")
    assert "C2" not in r.out.replace("C1", "")
    r = cli("history", "--limit", "1", "--json")
    data = r.json()
    assert data["schema"] == "workbench.history/1"
    (event,) = data["events"]
    assert event["field"] == "evidence" and event["seq"] == 3
    assert set(event) >= {
        "seq",
        "action",
        "at",
        "actor",
        "control_id",
        "field",
        "old_value",
        "new_value",
        "prev_hash",
        "hash",
    }
    all_events = cli("history", "--json").json()["events"]
    assert [e["seq"] for e in all_events] == [1, 2, 3]
    assert all_events[1]["prev_hash"] == all_events[0]["hash"]


def test_history_since(cli: Cli) -> None:
    cli("mark", "C1", "in_progress")
    assert len(cli("history", "--since", "2000-01-01", "--json").json()["events"]) == 1
    r = cli("history", "--since", "2999-01-01")
    assert r.code == 0 and "No changes recorded since 2999-01-01." in r.out
    assert cli("history", "--since", "2999-01-01T10:00", "--json").json()["events"] == []
    r = cli("history", "--since", "yesterday")
    assert r.code == 2 and "expected YYYY-MM-DD" in r.err


def test_history_empty(cli: Cli, db: Path) -> None:
    Store.open(db).close()
    r = cli("history")
    assert r.code == 0 and "No changes recorded." in r.out


# -- undo -------------------------------------------------------------------------------------


def test_undo_and_redo(cli: Cli, db: Path) -> None:
    cli("mark", "C1", "in_progress")
    cli("mark", "C1", "C2", "effective")
    r = cli("undo")
    assert r.code == 0, r.err
    assert "Undid action 2" in r.out and "undo of action 2" in r.out
    with Store.open(db) as store:
        assert store.state("C1").status == "in_progress"
        assert store.state("C2").status == "not_started"
    r = cli("undo")  # again: the change before it, not a redo
    assert r.code == 0 and "Undid action 1" in r.out
    r = cli("undo")
    assert r.code == 2 and "every change by tester is undone (redo restores them)" in r.err
    r = cli("redo")
    assert r.code == 0 and "Redid action 1 (reverting undo action 4)" in r.out
    data = cli("redo", "--json").json()
    assert data["schema"] == "workbench.redo/1" and data["undid_action"] == 3
    with Store.open(db) as store:
        assert store.state("C1").status == "effective"
        assert store.state("C2").status == "effective"
        assert len(store.history()) == 1 + 2 + 2 + 1 + 1 + 2
    r = cli("redo")
    assert r.code == 2 and "nothing to redo" in r.err
    assert cli("verify").code == 0


def test_undo_is_yours_unless_anyone(cli: Cli, db: Path) -> None:
    cli("--actor", "alice", "mark", "C1", "in_progress")
    cli("--actor", "bob", "mark", "C1", "implemented")
    r = cli("--actor", "carol", "undo")
    assert r.code == 2 and "carol has made no changes" in r.err
    r = cli("--actor", "alice", "undo")  # bob changed C1 status since
    assert r.code == 2 and "C1 status was changed again since, by bob" in r.err
    assert "Traceback" not in r.err
    r = cli("--actor", "carol", "undo", "--anyone")  # bob's change, the latest
    assert r.code == 0, r.err
    assert "by bob" in r.out
    with Store.open(db) as store:
        assert store.state("C1").status == "in_progress"
        assert store.history()[-1].actor == "carol"


def test_undo_with_nothing_to_undo(cli: Cli, db: Path) -> None:
    r = cli("undo")
    assert r.code == 2 and "no database at" in r.err
    with Store.open(db):
        pass
    r = cli("undo")
    assert r.code == 2 and "nothing to undo" in r.err


# -- verify -----------------------------------------------------------------------------------


def test_verify_intact_and_tampered(cli: Cli, db: Path) -> None:
    cli("mark", "C1", "in_progress")
    cli("mark", "C1", "effective")
    cli("mark", "C2", "deficient")
    r = cli("verify")
    assert r.code == 0 and "OK: 3 event(s) verified" in r.out and "head hash" in r.out
    data = cli("verify", "--json").json()
    assert data["ok"] is True and data["events_total"] == 3 and data["first_broken_seq"] is None
    head = data["head_hash"]
    assert cli("verify", "--expect-head", head).code == 0

    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER history_no_update")
        conn.execute("UPDATE history SET new_value = 'effective' WHERE seq = 3")
    r = cli("verify")
    assert r.code == 1
    assert "FAILED" in r.out and "first broken event: seq 3" in r.out and "edited" in r.out
    data = cli("verify", "--json")
    assert data.code == 1
    assert data.json()["ok"] is False and data.json()["first_broken_seq"] == 3


def test_verify_expect_head_mismatch(cli: Cli) -> None:
    cli("mark", "C1", "in_progress")
    r = cli("verify", "--expect-head", "ab" * 32)
    assert r.code == 1 and "not in the verified chain" in r.out


def test_verify_without_database(cli: Cli, db: Path) -> None:
    r = cli("verify")
    assert r.code == 2 and "no database at" in r.err
    assert not db.exists()


# -- database location --------------------------------------------------------------------------


def test_default_and_env_database(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data-dir"
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(data_dir))
    assert cli("mark", "C1", "effective", db=None).code == 0
    assert (data_dir / "workbench.db").is_file()
    assert ((data_dir / "workbench.db").stat().st_mode & 0o777) == 0o600
    env_db = tmp_path / "env.db"
    monkeypatch.setenv("WORKBENCH_DB", str(env_db))
    assert cli("mark", "C2", "effective", db=None).code == 0
    assert [row[0] for row in _history(env_db)] == ["C2"]


def test_database_problems_exit_2(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("just some text, not a database\n" * 10)
    before = bad.read_bytes()
    for args in (
        ["mark", "C1", "effective"],
        ["show", "C1"],
        ["history"],
        ["undo"],
        ["verify"],
        ["evidence", "list"],
        ["evidence", "check"],
        ["evidence", "add", "C1", "https://x.example"],
    ):
        r = cli(*args, db=bad)
        assert r.code == 2, args
        assert r.err.startswith("workbench: error: ") and "not a workbench database" in r.err
    assert bad.read_bytes() == before
