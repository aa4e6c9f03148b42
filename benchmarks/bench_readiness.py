"""Readiness computation speed.

    python benchmarks/bench_readiness.py

Prints: full computation on a generated catalog (10,000 controls, 5,000 requirements in 3
frameworks, 50,000 mappings), one incremental update (p50/p95 over 1,000 random status
changes), and full computation on the bundled catalogs.
"""

from __future__ import annotations

import random
import statistics
import time

from workbench.core.catalog import load_catalogs
from workbench.core.catalog.synthetic import synthetic_catalog
from workbench.core.readiness import Readiness

STATUSES = ["not_started", "in_progress", "implemented", "effective", "deficient", "not_applicable"]


def _ms(samples: list[float]) -> str:
    s = sorted(samples)
    p95 = s[int(0.95 * (len(s) - 1))]
    return f"min {s[0]:.2f} ms, median {statistics.median(s):.2f} ms, p95 {p95:.2f} ms"


def main() -> None:
    rng = random.Random(1)
    cat = synthetic_catalog(10_000, 5_000, 50_000, frameworks=3, seed=1)
    statuses = {cid: rng.choice(STATUSES) for cid in cat.controls}
    print(
        f"generated: {len(cat.controls)} controls, {cat.requirement_count} requirements, "
        f"{len(cat.frameworks)} frameworks, {len(cat.mappings)} mappings"
    )
    full = []
    for _ in range(7):
        t = time.perf_counter()
        model = Readiness(cat, statuses)
        full.append((time.perf_counter() - t) * 1000)
    print(f"full computation (index + figures): {_ms(full)}")
    ids = list(cat.controls)
    inc = []
    for _ in range(1000):
        cid = rng.choice(ids)
        t = time.perf_counter()
        model.set_status(cid, rng.choice(STATUSES))
        for fw in cat.frameworks:
            model.figures(fw)
        inc.append((time.perf_counter() - t) * 1000)
    print(f"one incremental update (+ framework figures) over 1,000 changes: {_ms(inc)}")
    lev = []
    for _ in range(5):
        t = time.perf_counter()
        model.leverage(20)
        lev.append((time.perf_counter() - t) * 1000)
    print(f"leverage ranking (on demand): {_ms(lev)}")

    bundled = load_catalogs()
    b_statuses = {cid: rng.choice(STATUSES) for cid in bundled.controls}
    small = []
    for _ in range(50):
        t = time.perf_counter()
        Readiness(bundled, b_statuses)
        small.append((time.perf_counter() - t) * 1000)
    print(
        f"bundled catalogs ({len(bundled.controls)} controls, {bundled.requirement_count} "
        f"requirements) full computation: {_ms(small)}"
    )


if __name__ == "__main__":
    main()
