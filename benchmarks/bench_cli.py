"""How fast the CLI answers: `mark`, `show`, `status` and `verify` on the bundled catalogs,
each as a ratio to `python -c pass` measured in the same run (the machine's speed drifts;
the ratio holds). The floor: each at most 15x.

    python benchmarks/bench_cli.py [--runs N]

Runs each command and `python -c pass` in turn, A B A B ..., after one warm-up that also
writes the catalog cache, and prints the median wall time of each and the median of the
pairwise ratios. The database is a temporary one with a few hundred events, so `verify` has
a chain to walk.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = 15.0


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.update(
            WORKBENCH_CONFIG_DIR=f"{tmp}/config",
            WORKBENCH_CACHE_DIR=f"{tmp}/cache",
            WORKBENCH_DATA_DIR=f"{tmp}/data",
            WORKBENCH_STATE_DIR=f"{tmp}/state",
            WORKBENCH_ACTOR="bench",
        )
        env.pop("WORKBENCH_DB", None)
        # Measure what an installed workbench does: with its modules' bytecode cached (pip
        # compiles them). Without it every run recompiles ~100 modules (~0.15 s).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        db = Path(tmp) / "bench.db"
        wb = [sys.executable, "-m", "workbench", "--db", str(db)]
        ids = ["AC-01", "AC-02", "AC-03", "CM-01", "CM-02", "JE-01", "ELC-01", "FR-04"]
        statuses = ["in_progress", "implemented", "effective"]
        for i in range(60):  # a few hundred events in the chain
            _time([*wb, "mark", *ids, statuses[i % 3], "--note", f"round {i}"], env)
        baseline = [sys.executable, "-c", "pass"]
        commands = {
            "mark": [*wb, "mark", "AC-04", "effective", "--note", "bench"],
            "show": [*wb, "show", "AC-01"],
            "status": [*wb, "status"],
            "verify": [*wb, "verify"],
        }
        print(f"CLI speed, bundled catalogs, {runs} runs each, medians (floor: {FLOOR:g}x)")
        print(f"{'command':<10}{'median s':>10}{'python -c pass':>16}{'ratio':>8}")
        worst = 0.0
        for name, cmd in commands.items():
            _time(cmd, env)  # warm-up
            times, bases, ratios = [], [], []
            for n in range(runs):
                if name == "mark":  # alternate, so every run writes
                    cmd[-3] = ("effective", "implemented")[n % 2]
                a = _time(cmd, env)
                b = _time(baseline, env)
                times.append(a)
                bases.append(b)
                ratios.append(a / b)
            ratio = statistics.median(ratios)
            worst = max(worst, ratio)
            print(
                f"{name:<10}{statistics.median(times):>10.3f}"
                f"{statistics.median(bases):>16.3f}{ratio:>7.1f}x"
            )
        print(f"slowest ratio {worst:.1f}x ({'within' if worst <= FLOOR else 'above'} the floor)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
