"""Several processes writing at once lose nothing; a SIGKILL loses no acknowledged change."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from workbench.core.store import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and fork")

MINI = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"

MARKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from workbench.core.store import Store
    db, worker, count, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    statuses = ["in_progress", "implemented", "effective", "deficient"]
    with Store.open(db) as store:
        while time.time() < go:
            time.sleep(0.001)
        for i in range(count):
            ids = [f"W{worker}-{i % 5}", "SHARED"]
            events = store.mark(ids, statuses[i % 4], actor=f"w{worker}", note=f"w{worker}-{i}")
            print(len(events), flush=True)
    """
)

INCREMENTER = textwrap.dedent(
    """
    import sys, time
    from workbench.core.store import Store, StaleVersionError
    db, count, go = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    retries = 0
    with Store.open(db) as store:
        while time.time() < go:
            time.sleep(0.001)
        done = 0
        while done < count:
            st = store.state("COUNTER")  # read ...
            value = int(st.notes or "0")
            try:  # ... then write against the version we read
                store.update("COUNTER", actor="inc", notes=str(value + 1),
                             expected_version=st.version)
            except StaleVersionError:
                retries += 1
                continue
            done += 1
    print(retries, flush=True)
    """
)

LOOPER = textwrap.dedent(
    """
    import sys
    from workbench.core.store import Store
    db, start = sys.argv[1], int(sys.argv[2])
    statuses = ["in_progress", "implemented", "effective", "deficient"]
    with Store.open(db) as store:
        print("ready", flush=True)
        i = start
        while True:
            store.mark([f"C{i % 6}"], statuses[i % 4], actor="looper", note=f"ack-{i}")
            print(i, flush=True)  # acknowledged: committed before this line
            i += 1
    """
)


def _spawn(script: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_processes_lose_nothing(tmp_path: Path, workers: int) -> None:
    db = tmp_path / "wb.db"
    with Store.open(db):
        pass
    per_worker = 30
    go = time.time() + 2.0
    procs = [_spawn(MARKER, db, n, per_worker, go) for n in range(workers)]
    acked = 0
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        lines = out.split()
        assert len(lines) == per_worker
        acked += sum(int(n) for n in lines)
    with Store.open(db) as store:
        events = store.history()
        assert len(events) == acked
        assert [e.seq for e in events] == list(range(1, acked + 1))
        assert len({e.action for e in events}) == workers * per_worker
        result = store.verify()
        assert result.ok, result
        states = store.states()
        for n in range(workers):
            last = per_worker - 1
            # The last mark of each worker's control C(last % 5) is that worker's final note.
            assert states[f"W{n}-{last % 5}"].notes == f"w{n}-{last}"
        # SHARED was changed by every action that changed it: its version counts them all.
        shared_actions = {e.action for e in events if e.control_id == "SHARED"}
        assert states["SHARED"].version == len(shared_actions)


def test_no_lost_update_under_contention(tmp_path: Path) -> None:
    db = tmp_path / "wb.db"
    with Store.open(db):
        pass
    workers, each = 4, 25
    go = time.time() + 2.0
    procs = [_spawn(INCREMENTER, db, each, go) for _ in range(workers)]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with Store.open(db) as store:
        st = store.state("COUNTER")
        assert st.notes == str(workers * each)  # every increment counted once
        assert st.version == workers * each
        assert store.verify().ok


def test_concurrent_cli_marks(tmp_path: Path) -> None:
    db = tmp_path / "wb.db"
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    runner = (
        "import sys, pathlib, workbench.core.catalog.sources as s\n"
        "empty = pathlib.Path(sys.argv.pop(1))\n"
        "s.bundled_catalog_dir = lambda: empty\n"
        "from workbench.__main__ import main\n"
        "sys.exit(main())\n"
    )
    env = {**os.environ, "WORKBENCH_CONFIG_DIR": str(tmp_path / "cfg"), "WORKBENCH_ACTOR": "cli"}
    env.pop("WORKBENCH_CATALOGS", None)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                runner,
                str(empty),
                "--catalogs",
                str(MINI),
                "--db",
                str(db),
                "mark",
                cid,
                "effective",
                "--note",
                f"by {cid}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for cid in ("C1", "C2", "C3", "C4")
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    with Store.open(db) as store:
        assert {cid: st.notes for cid, st in store.states().items()} == {
            cid: f"by {cid}" for cid in ("C1", "C2", "C3", "C4")
        }
        assert len({e.action for e in store.history()}) == 4
        assert store.verify().ok


def test_sigkill_loses_no_acknowledged_mark(tmp_path: Path) -> None:
    db = tmp_path / "wb.db"
    rng = random.Random(1234)
    acked: set[int] = set()
    start = 0
    for _ in range(4):
        proc = _spawn(LOOPER, db, start)
        # The timer starts when the child says it is ready, not at spawn: on a busy machine
        # the interpreter's start alone can take longer than the whole window.
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.6, 1.6))
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        got = [int(n) for n in out.split()]
        acked.update(got)
        start = (max(got) + 2) if got else start + 1000
        with Store.open(db) as store:
            notes = {e.new_value for e in store.history() if e.field == "notes"}
            missing = sorted(i for i in acked if f"ack-{i}" not in notes)
            assert not missing, f"acknowledged marks lost: {missing[:10]}"
            result = store.verify()
            assert result.ok, result
    assert len(acked) > 20, len(acked)  # the loop did run between kills
