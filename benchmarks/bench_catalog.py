"""Catalog load time for the bundled catalogs: prints min / median / max over N runs.

python benchmarks/bench_catalog.py [N]
"""

from __future__ import annotations

import statistics
import sys
import time

from workbench.core.catalog import load_catalogs


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        cat = load_catalogs(include_bundled=True)
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"bundled catalogs: {len(cat.catalogs)} catalogs, {cat.requirement_count} requirements, "
        f"{len(cat.controls)} controls, {len(cat.mappings)} mappings"
    )
    print(
        f"load time over {runs} runs: min {min(times):.1f} ms, "
        f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms"
    )


if __name__ == "__main__":
    main()
