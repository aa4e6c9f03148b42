"""Catalog load time for the bundled catalogs: prints min / median / max over N runs.

    python benchmarks/bench_catalog.py [N]

Two figures: a full parse and validation of the YAML files (what `workbench validate` and the
first start after a catalog change do), and a start that finds the validated catalogs in the
cache (every later start).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

from workbench.core.catalog import CatalogSet, load_catalogs


def _time(runs: int, load: Callable[[], CatalogSet]) -> tuple[list[float], CatalogSet]:
    times = []
    cat = load()
    for _ in range(runs):
        start = time.perf_counter()
        cat = load()
        times.append((time.perf_counter() - start) * 1000)
    return times, cat


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as cache:
        os.environ["WORKBENCH_CACHE_DIR"] = cache
        parsed, cat = _time(runs, lambda: load_catalogs(use_cache=False))
        cached, _ = _time(runs, load_catalogs)
    print(
        f"bundled catalogs: {len(cat.catalogs)} catalogs, {cat.requirement_count} requirements, "
        f"{len(cat.controls)} controls, {len(cat.mappings)} mappings"
    )
    for label, times in (("parse + validate", parsed), ("from the cache", cached)):
        print(
            f"{label} over {runs} runs: min {min(times):.1f} ms, "
            f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms"
        )


if __name__ == "__main__":
    main()
