"""Import speed, and the app with an imported 1,000-control framework.

    python benchmarks/bench_import.py [--runs 5] [--skip-app]

Prints:
- importing a generated 2,000-row risk-control matrix (xlsx, ten process sheets, header on
  row 3): read, check, YAML and validation among every catalog (`plan_import`), and the
  whole `workbench import rcm --dry-run` command;
- importing a generated OSCAL catalog shaped like NIST SP 800-53 rev 5 (20 families, 320
  controls, 880 enhancements, 180 withdrawn: about 1,020 requirements, as the real one has
  1,007 active): the same two figures;
- the app with that framework imported beside the bundled catalogs and 500 stored states:
  cold start in tmux (floor 0.6 s) and status key -> figures redrawn (floor p95 50 ms), the
  floors of bench_tui.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_tui import SIZE, _pcts, key_latency, seed_states, tmux_cold_start

from workbench.core.catalog import load_catalogs
from workbench.core.importers import FrameworkOptions, Options, plan_import, write_catalog
from workbench.core.importers.synthetic import oscal_catalog, rcm_workbook
from workbench.core.store import Store
from workbench.core.workspace import Workspace


def _median_ms(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples) * 1000:.0f} ms "
        f"(min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f})"
    )


def time_plan(
    kind: str, data: bytes, name: str, target: Path, options: object, runs: int
) -> tuple[list[float], object]:
    times = []
    outcome = None
    for _ in range(runs):
        start = time.perf_counter()
        outcome = plan_import(kind, data, name, target, options=options)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    assert outcome is not None and not outcome.errors, outcome.errors[:5]  # type: ignore[attr-defined]
    return times, outcome


def time_cli(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-app", action="store_true")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        env = {
            "WORKBENCH_DATA_DIR": str(tmp / "data"),
            "WORKBENCH_CONFIG_DIR": str(tmp / "config"),
            "WORKBENCH_CACHE_DIR": str(tmp / "cache"),
        }
        os.environ.update(env)

        rcm = tmp / "rcm-2000.xlsx"
        rcm.write_bytes(rcm_workbook(2000))
        times, outcome = time_plan(
            "rcm",
            rcm.read_bytes(),
            rcm.name,
            tmp / "out" / "rcm.yaml",
            Options(catalog_id="bench-rcm", title="Bench RCM", replace_bundled=True),
            opts.runs,
        )
        counts = dict(outcome.result.preview.counts)  # type: ignore[attr-defined]
        print(
            f"RCM import, 2,000 rows ({counts['controls']:,} controls, {counts['risks']:,} risks, "
            f"{rcm.stat().st_size // 1024} KiB xlsx): read + check + validate {_median_ms(times)}"
        )
        args = ["import", "rcm", str(rcm), "--replace-bundled", "--dry-run", "-o", str(tmp / "x")]
        cli = time_cli(args, opts.runs)
        print(f"  `workbench import rcm --dry-run` (whole command): {_median_ms(cli)}")

        oscal = tmp / "sp800-53-like.json"
        oscal.write_text(json.dumps(oscal_catalog()), encoding="utf-8")
        target = tmp / "frameworks" / "sp800-53.yaml"
        times, outcome = time_plan(
            "oscal",
            oscal.read_bytes(),
            oscal.name,
            target,
            FrameworkOptions(framework_id="sp800-53", name="800-53"),
            opts.runs,
        )
        counts = dict(outcome.result.preview.counts)  # type: ignore[attr-defined]
        requirements = counts["controls"] + counts["enhancements (sub-controls)"]
        print(
            f"OSCAL import, {requirements:,} controls and enhancements "
            f"({counts['withdrawn, left out']} withdrawn left out, "
            f"{oscal.stat().st_size / 1e6:.1f} MB JSON): parse + check + validate "
            f"{_median_ms(times)}"
        )
        args = ["import", "oscal", str(oscal), "--dry-run", "-o", str(tmp / "y.yaml")]
        cli = time_cli(args, opts.runs)
        print(f"  `workbench import oscal --dry-run` (whole command): {_median_ms(cli)}")
        write_catalog(target, outcome.text)  # type: ignore[attr-defined]

        if opts.skip_app:
            return
        # The app with and without the imported framework, run after run: this machine is
        # shared, and its load moves every timing; the two columns stay comparable.
        catalog = load_catalogs([target.parent])
        bundled = load_catalogs()
        db = tmp / "bench.db"
        seed_states(db, list(catalog.controls))
        with_fw = ["--catalogs", str(target.parent), "--db", str(db)]
        without = ["--db", str(db)]
        if shutil.which("tmux"):
            load_catalogs([target.parent])  # the cache as a second start finds it
            plain: list[float] = []
            imported: list[float] = []
            for _ in range(opts.runs):
                plain += tmux_cold_start(without, env, "ELC-01", 1)
                imported += tmux_cold_start(with_fw, env, "ELC-01", 1)
            print(
                f"app cold start, tmux {SIZE[0]}x{SIZE[1]}, 500 states (floor 600 ms): "
                f"bundled + the imported {requirements:,}-requirement framework "
                f"{_median_ms(imported)}; bundled only, same runs {_median_ms(plain)}"
            )
            first = []
            for run in range(opts.runs):
                fresh = {**env, "WORKBENCH_CACHE_DIR": str(tmp / f"cache-first-{run}")}
                first += tmux_cold_start(with_fw, fresh, "ELC-01", 1)
            print(f"  first start after the import (parse + validate): {_median_ms(first)}")
        else:
            print("app cold start: skipped (tmux not installed)")
        lat: dict[str, list[float]] = {"imported": [], "bundled": []}
        for _ in range(2):
            for label, cat in (("imported", catalog), ("bundled", bundled)):
                with Store.open(db) as store:
                    lat[label] += asyncio.run(key_latency(Workspace(cat, store, "bench"), 100))
        print(
            "status key -> figures redrawn (floor p95 50 ms): with the imported framework "
            f"{_pcts(lat['imported'])}; bundled only {_pcts(lat['bundled'])}"
        )


if __name__ == "__main__":
    main()
