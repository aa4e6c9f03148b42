"""Store benchmark: latency of one committed mark (status change + history event).

    python benchmarks/bench_store.py [--marks 1000] [--db PATH]

Each mark is one BEGIN IMMEDIATE transaction (read state and chain head, write the state row and
the hash-chained history event, COMMIT with synchronous=FULL in WAL mode) on a file database
that already holds the history of the marks before it. Prints p50 / p95 / max; the floor is
p95 <= 5 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from workbench.core.status import STATUSES
from workbench.core.store import Store

FLOOR_P95_MS = 5.0


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def run(db: Path, marks: int, controls: int) -> list[float]:
    cycle = [s for s in STATUSES if s != "not_applicable"]
    with Store.open(db) as store:
        # Warm up: connection pool, statement caches, file creation.
        store.mark(["WARMUP"], "in_progress", actor="bench")
        timings: list[float] = []
        for i in range(marks):
            control = f"CTL-{i % controls:03d}"
            status = cycle[(i // controls) % len(cycle)]
            if status == "not_started":
                status = "in_progress"
            start = time.perf_counter()
            store.mark([control], status, actor="bench", note=f"mark {i}")
            timings.append((time.perf_counter() - start) * 1000)
        result = store.verify()
        if not result.ok:
            raise SystemExit(f"verify failed after the benchmark: {result}")
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marks", type=int, default=1000)
    parser.add_argument("--controls", type=int, default=50, help="distinct control IDs cycled")
    parser.add_argument("--db", type=Path, help="database file (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        timings = run(db, args.marks, args.controls)
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p95 = percentile(ordered, 95)
    print(f"store mark latency over {len(ordered)} committed marks (ms):")
    mean = statistics.mean(ordered)
    print(f"  p50 {p50:.3f}   p95 {p95:.3f}   max {ordered[-1]:.3f}   mean {mean:.3f}")
    verdict = "OK" if p95 <= FLOOR_P95_MS else "ABOVE FLOOR"
    print(f"  floor p95 <= {FLOOR_P95_MS:g} ms: {verdict}")
    return 0 if p95 <= FLOOR_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
