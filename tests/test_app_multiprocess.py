"""The app and other processes on one database, the way people use it: nothing acknowledged
is ever lost.

The real `workbench` app runs in a pseudo-terminal while CLI commands read and write the same
file; the app is killed with SIGKILL at random moments. Every change any process
acknowledged (WORKBENCH_ACK_LOG: the seq and hash of each event a committed write returned)
must be on disk afterwards, with the same hash, and `verify` must pass.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from apphost import AppUnderPty, acked_events, base_env, cli, read_log

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pty and signals")

DOWN = "\x1b[B"


def on_disk(db: Path) -> dict[int, str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT seq, hash FROM history").fetchall())
    finally:
        conn.close()


def read_write_connection(db: Path) -> None:
    """What any other workbench process does: open read-write, read, close."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("SELECT count(*) FROM history").fetchone()
    finally:
        conn.close()


def assert_nothing_lost(db: Path, log: Path) -> dict[int, str]:
    acked = acked_events(log)
    disk = on_disk(db)
    lost = {seq: h for seq, h in acked.items() if disk.get(seq) != h}
    assert not lost, f"{len(lost)} acknowledged event(s) not on disk: {sorted(lost)[:20]}"
    return acked


def cli_seq(env: dict[str, str], log: Path, *args: str) -> int:
    """Run a write command; the highest seq it acknowledged."""
    before = len(read_log(log))
    cli(env, *args)
    mine = [e for e in read_log(log)[before:] if e["kind"] == "ack"]
    assert mine, f"workbench {' '.join(args)} acknowledged nothing"
    return max(seq for e in mine for seq, _ in e["events"])


def test_app_sees_and_keeps_every_change_of_other_processes(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    log = tmp_path / "ack.log"
    env = base_env(tmp_path, log)
    g = ["--db", str(db)]
    cli(env, *g, "mark", "ELC-03", "in_progress")
    cli(
        env, *g, "period", "add", "FY2026", "--framework", "soc2", "--framework", "sox",
        "--start", "2026-01-01", "--end", "2026-12-31",
    )  # fmt: skip
    readers = [
        ["status"],
        ["show", "AC-01"],
        ["history"],
        ["gaps"],
        ["next"],
        ["verify"],
        ["export", "--format", "md", "-o", str(tmp_path / "out.md")],
        ["export", "--format", "json", "-o", str(tmp_path / "out.json")],
        ["findings"],
        ["test", "show", "AC-01"],
        ["period", "list"],
        ["evidence", "list"],
    ]
    writers = [
        ["mark", "AC-01", "implemented"],
        ["evidence", "add", "AC-02", "https://wiki.example/ac-02", "--title", "policy"],
        ["mark", "AC-03", "effective", "--owner", "Ravi"],
        ["undo"],  # the CLI's own last change (it writes as "cli")
        ["test", "design", "AC-01", "--date", "2026-03-01", "--by", "Ana", "--conclusion",
         "effective"],
        ["sample", "add", "AC-01", "--date", "2026-04-01", "--result", "pass"],
        ["mark", "CM-01", "in_progress", "--due", "2026-06-30"],
        ["mark", "JE-01", "deficient"],
    ]  # fmt: skip
    app = AppUnderPty(g, env, log)
    delays: list[float] = []
    try:
        app.wait_ready()
        app.press_and_wait_ack("e")  # the first write also waits for the full store to load
        for n, reader in enumerate(readers):
            cli(env, *g, *reader)
            assert Path(f"{db}-wal").exists(), f"`{' '.join(reader)}` removed the app's WAL"
            # Another process writes: the app shows it within a second.
            writer = writers[n % len(writers)]
            if writer[0] == "mark":  # a new note each time: never a no-op on a second round
                writer = [*writer, "--note", f"from the CLI, round {n}"]
            seq = cli_seq(env, log, *g, "--actor", "cli", *writer)
            written = time.time()
            seen = app.wait_for(
                lambda s=seq: [e for e in app.entries("seen") if e["head"] >= s],
                timeout=10,
                what=f"the app to show seq {seq}",
            )
            delays.append(seen[0]["t"] - written)
            # ... and the app's own next change lands after it, in the same chain.
            app.press_and_wait_ack(DOWN + "ep")  # two statuses: at least one is a change
        assert app.quit() == 0
    finally:
        app.close()
    acked = assert_nothing_lost(db, log)
    assert len(acked) >= 2 * len(readers) + 3
    assert cli(env, *g, "verify", check=False).returncode == 0
    assert max(delays) <= 1.0, f"external changes shown after {max(delays):.2f} s"


def test_the_app_says_when_it_created_a_database(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "new.db"
    log = tmp_path / "ack.log"
    app = AppUnderPty(["--db", str(db)], base_env(tmp_path, log), log)
    try:
        app.wait_ready()
        app.wait_for(lambda: "Created a new database" in app.text(), 10, "the notice")
        assert db.exists() and oct(db.stat().st_mode & 0o777) == "0o600"
        assert app.quit() == 0
    finally:
        app.close()


def test_sigkill_of_the_app_loses_no_acknowledged_change(tmp_path: Path) -> None:
    """100 rounds: start the app on the database the killed one left, mark a few controls
    while another process reads the database now and then (as `workbench status` in a
    second terminal does), SIGKILL the app at a random moment (between or during writes),
    then compare what is on disk with what was acknowledged."""
    db = tmp_path / "r.db"
    log = tmp_path / "ack.log"
    env = base_env(tmp_path, log)
    g = ["--db", str(db)]
    cli(env, *g, "mark", "ELC-03", "in_progress")
    rng = random.Random(20261201)
    rounds = 100
    for _ in range(rounds):
        app = AppUnderPty(g, env, log)
        try:
            app.wait_ready()
            # Two different statuses: at least one is a change, and is acknowledged.
            app.press_and_wait_ack(DOWN * rng.randint(0, 3) + "ep")
            for _ in range(rng.randint(1, 4)):
                read_write_connection(db)  # another process reads the database
                app.press(DOWN * rng.randint(0, 3) + rng.choice("eipdn"))
                time.sleep(rng.uniform(0.0, 0.1))
            time.sleep(rng.uniform(0.0, 0.3))
        finally:
            app.kill()
        assert_nothing_lost(db, log)
    acked = acked_events(log)
    assert len(acked) > 2 * rounds, len(acked)  # the app did write between kills
    assert cli(env, *g, "verify", check=False).returncode == 0
