"""TUI speed: cold start in a real terminal, key-to-redraw latency, and a 10,000-control catalog.

    python benchmarks/bench_tui.py [--runs 5] [--skip-big]

Needs tmux for the cold-start figures (`apt-get install tmux`). Prints:
- cold start to the first full screen, bundled catalogs + 500 stored states, tmux 120x40
  (time from launching the process until capture-pane shows the list and the footer);
- status key press -> readiness figures redrawn (p50 / p95 over 200 presses, headless Pilot);
- with a generated catalog of 10,000 controls: cold start (catalog cache warm, and the first
  parse after a catalog change), and the slowest of scroll / search keystroke / mark keys.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from workbench.core.catalog import load_catalogs
from workbench.core.catalog.synthetic import synthetic_data
from workbench.core.store import Store
from workbench.core.workspace import Workspace
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.browse import BrowseScreen
from workbench.tui.widgets.control_list import ControlList

SIZE = (120, 40)


def _pcts(samples: list[float]) -> str:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
    return f"p50 {statistics.median(s):.1f} ms, p95 {p95:.1f} ms, max {s[-1]:.1f} ms"


def seed_states(db: Path, control_ids: list[str], total: int = 500) -> None:
    """`total` state rows: every catalog control, topped up with orphaned IDs."""
    statuses = ["in_progress", "implemented", "effective", "deficient"]
    with Store.open(db) as store:
        ids = list(control_ids) + [f"OLD-{i:04d}" for i in range(max(0, total - len(control_ids)))]
        for i, cid in enumerate(ids[:total]):
            store.mark([cid], statuses[i % len(statuses)], actor="bench", owner=f"Owner {i % 7}")


def tmux_cold_start(args: list[str], env: dict[str, str], marker: str, runs: int) -> list[float]:
    """Seconds from launch to a screen that shows `marker` and the footer."""
    # A quiet session keeps the tmux server up between runs (a server that exits while the
    # next session starts makes new-session fail).
    keeper = f"wbkeep{os.getpid()}"
    subprocess.run(["tmux", "new-session", "-d", "-s", keeper, "sleep 600"], capture_output=True)
    times = []
    for i in range(runs):
        session = f"wbbench{os.getpid()}_{i}"
        cmd = " ".join([sys.executable, "-m", "workbench", *args])
        env_prefix = " ".join(f"{k}={v}" for k, v in env.items())
        start = time.perf_counter()
        subprocess.run(
            [
                "tmux",
                "new-session",
                "-d",
                "-s",
                session,
                "-x",
                str(SIZE[0]),
                "-y",
                str(SIZE[1]),
                f"env {env_prefix} {cmd}",
            ],
            check=True,
        )
        elapsed = None
        try:
            while time.perf_counter() - start < 30:
                screen = subprocess.run(
                    ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
                ).stdout
                if marker in screen and "Readiness" in screen and "SOC 2" in screen:
                    elapsed = time.perf_counter() - start
                    break
                time.sleep(0.01)
        finally:
            # Quit as a user does (the app writes a big catalog's cache at exit), then make
            # sure the session is gone.
            subprocess.run(["tmux", "send-keys", "-t", session, "q"], capture_output=True)
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline:
                alive = subprocess.run(["tmux", "has-session", "-t", session], capture_output=True)
                if alive.returncode != 0:
                    break
                time.sleep(0.05)
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        if elapsed is None:
            raise RuntimeError("the app did not show its first screen within 30 s")
        times.append(elapsed)
    subprocess.run(["tmux", "kill-session", "-t", keeper], capture_output=True)
    return times


def _instrument(app: WorkbenchApp) -> dict[str, float | None]:
    """Time from a key reaching the app to the first frame painted after its effect: the list
    rows were recomputed (mark, search) or the cursor moved (scroll), then the screen drawn."""
    mark: dict[str, float | None] = {"key": None, "handled": None, "painted": None}
    original_display = app._display

    def display(screen, update):  # type: ignore[no-untyped-def]
        original_display(screen, update)
        if mark["handled"] is not None and mark["painted"] is None:
            mark["painted"] = time.perf_counter()

    def handled() -> None:
        if mark["key"] is not None:
            mark["handled"] = time.perf_counter()

    app._display = display  # type: ignore[method-assign]
    targets = (
        (BrowseScreen, "refresh_rows"),
        (ControlList, "action_cursor"),
        (ControlList, "action_page"),
    )
    for cls, name in targets:
        original = getattr(cls, name)

        def wrapped(self, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            result = _original(self, *args, **kwargs)
            handled()
            return result

        setattr(cls, name, wrapped)
    return mark


async def _timed_keys(pilot, mark, keys: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for key in keys:
        mark["key"], mark["handled"], mark["painted"] = time.perf_counter(), None, None
        await pilot.press(key)
        while mark["painted"] is None:
            await pilot.pause()
        samples.append((mark["painted"] - mark["key"]) * 1000)
        mark["key"] = None
    return samples


async def key_latency(ws: Workspace, presses: int = 200) -> list[float]:
    """Status key -> readiness recomputed and the new figures painted (headless)."""
    app = WorkbenchApp(ws, watch_interval=3600)
    mark = _instrument(app)
    samples: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(presses // 10):
            samples += await _timed_keys(pilot, mark, ["e", "i"] * 5)
            await pilot.press("down")
            await pilot.pause()
    return samples


async def big_keys(ws: Workspace) -> dict[str, list[float]]:
    app = WorkbenchApp(ws, watch_interval=3600)
    mark = _instrument(app)
    out: dict[str, list[float]] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")  # all 10,000 controls
        await pilot.pause()
        out["scroll (down/pagedown)"] = await _timed_keys(pilot, mark, ["down", "pagedown"] * 20)
        out["mark"] = await _timed_keys(pilot, mark, ["e", "i"] * 10)
        await pilot.press("slash")
        await pilot.pause()
        keys = [c if c != " " else "space" for c in "control 12"]
        out["search keystroke"] = await _timed_keys(pilot, mark, keys)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-big", action="store_true")
    opts = parser.parse_args()
    have_tmux = shutil.which("tmux") is not None
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        env = {
            "WORKBENCH_DATA_DIR": str(tmp / "data"),
            "WORKBENCH_CONFIG_DIR": str(tmp / "config"),
            "WORKBENCH_CACHE_DIR": str(tmp / "cache"),
        }
        os.environ.update(env)
        catalog = load_catalogs()
        db = tmp / "bench.db"
        seed_states(db, list(catalog.controls))
        if have_tmux:
            load_catalogs()  # warm the catalog cache as a second start would find it
            t = tmux_cold_start(["--db", str(db)], env, "ELC-01", opts.runs)
            print(
                f"cold start, bundled catalogs + 500 states, tmux {SIZE[0]}x{SIZE[1]}: "
                f"median {statistics.median(t) * 1000:.0f} ms over {opts.runs} runs "
                f"(min {min(t) * 1000:.0f}, max {max(t) * 1000:.0f})"
            )
        else:
            print("cold start: skipped (tmux not installed)")
        with Store.open(db) as store:
            lat = asyncio.run(key_latency(Workspace(catalog, store, "bench")))
        print(f"status key -> figures redrawn, bundled catalogs: {_pcts(lat)}")

        if opts.skip_big:
            return
        big_dir = tmp / "big"
        big_dir.mkdir()
        data = synthetic_data(10_000, 5_000, 50_000, frameworks=3, seed=1)
        big_file = big_dir / "big.yaml"
        big_file.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False))
        big_db = tmp / "big.db"
        Store.open(big_db).close()
        if have_tmux:
            # A fresh cache directory per run: every run parses and validates the catalog.
            first: list[float] = []
            for run in range(opts.runs):
                fresh = {**env, "WORKBENCH_CACHE_DIR": str(tmp / f"cache-first-{run}")}
                first += tmux_cold_start(
                    ["--catalogs", str(big_dir), "--db", str(big_db)], fresh, "ELC-01", 1
                )
            warm = tmux_cold_start(
                ["--catalogs", str(big_dir), "--db", str(big_db)], env, "ELC-01", opts.runs
            )
            print(
                f"10,000 controls: first start after a catalog change (parse + validate) "
                f"median {statistics.median(first) * 1000:.0f} ms "
                f"(min {min(first) * 1000:.0f}, max {max(first) * 1000:.0f}); "
                f"cold start with the catalog cache median {statistics.median(warm) * 1000:.0f} ms "
                f"over {opts.runs} runs"
            )
        big_catalog = load_catalogs([big_dir])
        with Store.open(big_db) as store:
            keys = asyncio.run(big_keys(Workspace(big_catalog, store, "bench")))
        for bucket, samples in keys.items():
            print(f"10,000 controls, {bucket}: {_pcts(samples)}")


if __name__ == "__main__":
    main()
