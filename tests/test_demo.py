"""`workbench demo --reset` deletes only a demo database made by workbench, never --db."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.core.store import Store


def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WORKBENCH_DATA_DIR": str(tmp_path / "data"),
        "WORKBENCH_CONFIG_DIR": str(tmp_path / "config"),
        "WORKBENCH_CACHE_DIR": str(tmp_path / "cache"),
        "WORKBENCH_ACTOR": "tester",
    }
    env.pop("WORKBENCH_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _real_review(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    with Store.open(path) as store:
        store.mark(["AC-01"], "effective", actor="me", note="my real review")
    return path.read_bytes()


def test_reset_never_acts_on_db(tmp_path: Path) -> None:
    mine = tmp_path / "review.db"
    before = _real_review(mine)
    r = _demo(tmp_path, "--db", str(mine), "demo", "--reset", "--seed-only")
    assert r.returncode == 2 and "never uses --db" in r.stderr
    assert mine.read_bytes() == before
    r = _demo(tmp_path, "demo", "--reset", "--seed-only", "--db", str(mine))
    assert r.returncode == 2 and mine.read_bytes() == before


@pytest.mark.parametrize("kind", ["workbench database", "other file", "symlink"])
def test_reset_refuses_what_is_not_a_demo_database(tmp_path: Path, kind: str) -> None:
    demo = tmp_path / "data" / "demo.db"
    if kind == "workbench database":
        target, before = demo, _real_review(demo)
    elif kind == "other file":
        demo.parent.mkdir(parents=True)
        demo.write_bytes(b"thesis draft, not a database")
        target, before = demo, demo.read_bytes()
    else:
        target = tmp_path / "review.db"
        before = _real_review(target)
        demo.parent.mkdir(parents=True, exist_ok=True)
        demo.symlink_to(target)
    r = _demo(tmp_path, "demo", "--reset", "--seed-only")
    assert r.returncode == 2, r.stderr
    assert "not a demo database made by workbench" in r.stderr and "Traceback" not in r.stderr
    assert target.read_bytes() == before


def test_reset_reseeds_a_demo_database(tmp_path: Path) -> None:
    demo = tmp_path / "data" / "demo.db"
    assert _demo(tmp_path, "demo", "--seed-only").returncode == 0
    with Store.open(demo) as store:
        store.mark(["AC-01"], "deficient", actor="tester", note="scribble")
        scribbled = len(store.history())
    r = _demo(tmp_path, "demo", "--reset", "--seed-only")
    assert r.returncode == 0, r.stderr
    with Store.open(demo) as store:
        assert len(store.history()) < scribbled
        assert all(e.new_value != "scribble" for e in store.history())


def test_help_names_the_file_it_resets(tmp_path: Path) -> None:
    r = _demo(tmp_path, "demo", "--help")
    assert str(tmp_path / "data" / "demo.db") in "".join(r.stdout.split())  # wrapped
