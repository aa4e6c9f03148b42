"""The seams of the split store: the Protocol, the one canonical JSON, the one clock, the
transactions, and the runtime store without SQLAlchemy."""

from __future__ import annotations

import ast
import inspect
import json
import sqlite3
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from workbench.core.store import Store, StoreProtocol, canonical_json
from workbench.core.store import protocol as protocol_module
from workbench.core.store.engine import resolve_target
from workbench.core.store.testing_records import OperatingPlan

STORE_DIR = Path(protocol_module.__file__).parent
NO_DATABASE = {"sqlite3", "sqlalchemy", "sqlmodel"}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wb.db"


@pytest.fixture
def store(db: Path):  # type: ignore[no-untyped-def]
    with Store.open(db) as opened:
        yield opened


def _protocol_members() -> dict[str, object]:
    members: dict[str, object] = {}
    for cls in reversed(StoreProtocol.__mro__):
        if cls.__module__ == protocol_module.__name__:
            members.update({k: v for k, v in vars(cls).items() if not k.startswith("_")})
            members.update({k: None for k in getattr(cls, "__annotations__", {})})
    return members


def test_the_sqlite_store_has_every_protocol_member_with_the_same_parameters(db: Path) -> None:
    members = _protocol_members()
    assert {"mark", "verify", "undo", "add_sample", "data_version", "path"} <= set(members)
    with Store.open(db) as store:
        for name, declared in members.items():
            assert hasattr(store, name), name
            if inspect.isfunction(declared):
                want = inspect.signature(declared)
                have = inspect.signature(getattr(Store, name))
                assert list(have.parameters) == list(want.parameters), name
                for param in want.parameters.values():
                    other = have.parameters[param.name]
                    assert (other.kind, other.default) == (param.kind, param.default), (
                        f"{name}({param.name})"
                    )
            elif isinstance(declared, property):
                assert isinstance(inspect.getattr_static(Store, name), property), name


def test_what_the_protocol_depends_on_knows_no_database() -> None:
    """protocol.py and the modules its types come from import neither SQLite nor a toolkit."""
    seen: set[str] = set()
    todo = ["protocol"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse((STORE_DIR / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found = {alias.name.split(".")[0] for alias in node.names}
                assert not found & NO_DATABASE, (name, found)
            elif isinstance(node, ast.ImportFrom):
                top = (node.module or "").split(".")[0]
                assert node.level or top not in NO_DATABASE, (name, node.module)
                if node.level == 1 and node.module:
                    todo.append(node.module.split(".")[0])
    assert {"protocol", "records", "testing_records", "evidence"} <= seen
    assert not seen & {"store", "tx", "engine", "schema", "state", "history"}


def test_commands_on_an_existing_database_never_import_sqlalchemy(db: Path) -> None:
    with Store.open(db) as store:  # created here: creating may use the schema models
        store.mark(["C1"], "effective", actor="a")
    code = (
        "import sys\n"
        "from workbench.core.store import Store\n"
        f"with Store.open({str(db)!r}) as s:\n"
        "    s.mark(['C2'], 'implemented', actor='b')\n"
        "    s.undo(actor='b')\n"
        "    assert s.verify().ok\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- one canonical JSON ------------------------------------------------------------------------


def test_one_canonical_json_encodes_records_and_the_chain(store: Store, tmp_path: Path) -> None:
    item = store.add_evidence("C1", "a note, ünïcode", actor="a", title="T", kind="note")
    period = store.add_period("FY", ["alpha"], date(2027, 1, 1), date(2027, 12, 31), actor="a")
    sample, test = store.add_sample(
        "C1", "FY", actor="a", result="pass", ref="S-1", plan=OperatingPlan(2, "test")
    )
    by_field = {ev.field: ev.new_value for ev in store.history()}
    assert by_field["evidence"] == canonical_json(item.record())
    assert by_field["period:FY"] == canonical_json(period.record())
    assert by_field[f"test:{test.id}"] == canonical_json(test.record())
    assert by_field[f"sample:{sample.id}"] == canonical_json(sample.record())
    assert "ü" in canonical_json({"x": "ü"})  # UTF-8, not ASCII-escaped
    assert canonical_json({"b": 1, "a": None}) == '{"a":null,"b":1}'


def test_no_other_json_encoding_in_the_store() -> None:
    """Only canonical.py encodes JSON for the store's data (the ack log writes test lines)."""
    for path in sorted(STORE_DIR.glob("*.py")):
        if path.name in ("canonical.py", "acklog.py", "anchors.py"):
            continue
        assert "json.dumps" not in path.read_text(), path.name


# -- one clock ----------------------------------------------------------------------------------


def test_every_stamp_comes_from_the_store_clock(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = "2031-07-04T12:00:00.000000Z"
    monkeypatch.setattr(Store, "_now", staticmethod(lambda: frozen))
    with Store.open(db) as store:
        store.mark(["C1"], "effective", actor="a", owner="o")
        item = store.add_evidence("C1", "note", actor="a", kind="note")
        store.remove_evidence(item.id, actor="a")
        store.set_setting("scope.x", "out", actor="a")
        store.add_period("FY", ["alpha"], date(2027, 1, 1), date(2027, 12, 31), actor="a")
        store.plan_operating_test("C1", "FY", OperatingPlan(1, "test"), actor="a")
        store.add_sample("C1", "FY", actor="a", result="exception", ref="S")
        store.add_finding("C1", "FY", actor="a", severity="deficiency", summary="s")
        store.undo(actor="a")
        assert store.verify().ok
    stamps: set[str] = set()
    with sqlite3.connect(db) as conn:
        for table, columns in {
            "history": ("at",),
            "control_state": ("updated_at",),
            "evidence": ("added_at", "removed_at"),
            "setting": ("updated_at",),
            "audit_period": ("created_at",),
            "control_test": ("created_at", "updated_at"),
            "test_sample": ("created_at",),
        }.items():
            for column in columns:
                stamps |= {r[0] for r in conn.execute(f"SELECT {column} FROM {table}")}
    assert stamps - {None} == {frozen}


def test_only_the_store_reads_the_system_clock() -> None:
    for path in sorted(STORE_DIR.glob("*.py")):
        if path.name in ("store.py", "anchors.py", "acklog.py"):
            continue  # the clock; a per-user file of heads seen; test-hook lines
        text = path.read_text()
        assert "datetime.now(" not in text and "time.time(" not in text, path.name


# -- transactions and connections ---------------------------------------------------------------


def test_a_write_that_fails_midway_leaves_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.core.store.history as history_module

    store.mark(["C1"], "implemented", actor="a")
    head = store.head_hash()

    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(history_module, "append", fail)
    with pytest.raises(RuntimeError):
        store.mark(["C1", "C2"], "effective", actor="a")  # rows written, then the append fails
    monkeypatch.undo()
    assert store.state("C1").status == "implemented" and store.state("C2").version == 0
    assert store.head_hash() == head and store.verify().ok


def test_threads_share_one_store(store: Store) -> None:
    """The app reads on its UI thread while workers write: each gets its own connection."""
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(15):
                store.mark([f"C{n}"], ("implemented", "effective")[i % 2], actor=f"t{n}")
                store.states()
                store.history(limit=3)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.history()) == 60 and store.verify().ok


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///x.db?mode=memory", None),
        ("sqlite:///rel/x.db", Path("rel/x.db").absolute()),
        ("sqlite:////abs/x%20y.db", Path("/abs/x y.db")),
        ("sqlite+pysqlite:////abs/x.db", Path("/abs/x.db")),
    ],
)
def test_database_urls(url: str, path: Path | None) -> None:
    assert resolve_target(url).path == path


def test_other_databases_are_refused_by_name() -> None:
    from workbench.core.store import StoreError

    with pytest.raises(StoreError, match="unsupported database 'postgresql'"):
        Store.open("postgresql+psycopg://localhost/x")


def test_history_hashes_are_the_canonical_encoding(store: Store) -> None:
    from workbench.core.store.chain import HASHED_FIELDS, canonical

    (event,) = store.mark(["C1"], "effective", actor="a")
    row = event.to_dict()
    body = {name: row[name] for name in HASHED_FIELDS}
    assert canonical(row) == canonical_json(body).encode()
    assert json.loads(canonical(row)) == body
