"""Catalog load time: prints min / median / max over N runs.

    python benchmarks/bench_catalog.py [N]

For the bundled catalogs and for a generated catalog of 10,000 controls (5,000 requirements,
50,000 mappings, written by yaml.dump): a full parse and validation of the YAML files (what
`workbench validate` and the first start after a catalog change do), and a start that finds
the validated catalogs in the cache (every later start). For the big catalog it also times
the YAML reading alone, with the fast reader and with PyYAML's C loader.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from workbench.core.catalog import CatalogSet, cache, load_catalogs
from workbench.core.catalog.fastyaml import fast_load
from workbench.core.catalog.gcpause import gc_paused
from workbench.core.catalog.synthetic import synthetic_data
from workbench.core.catalog.yamlsrc import load_yaml


def _time(runs: int, load: Callable[[], Any]) -> tuple[list[float], Any]:
    times = []
    result = load()
    for _ in range(runs):
        result = None  # free the previous result outside the timed part
        gc.collect()
        start = time.perf_counter()
        result = load()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def _paused(read: Callable[[str], Any]) -> Callable[[str], Any]:
    """Read as the loader does: with the cyclic collector paused (gcpause.py)."""

    def run(text: str) -> Any:
        with gc_paused():
            return read(text)

    return run


def _report(label: str, times: list[float]) -> None:
    print(
        f"  {label} over {len(times)} runs: min {min(times):.1f} ms, "
        f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms"
    )


def _describe(name: str, cat: CatalogSet) -> None:
    print(
        f"{name}: {len(cat.catalogs)} catalogs, {cat.requirement_count} requirements, "
        f"{len(cat.controls)} controls, {len(cat.mappings)} mappings"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WORKBENCH_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ["WORKBENCH_CONFIG_DIR"] = str(Path(tmp) / "config")  # the cache's MAC key
        parsed, cat = _time(runs, lambda: load_catalogs(use_cache=False))
        cached, _ = _time(runs, load_catalogs)
        _describe("bundled catalogs", cat)
        _report("parse + validate", parsed)
        _report("from the cache", cached)

        big = Path(tmp) / "big"
        big.mkdir()
        data = synthetic_data(10_000, 5_000, 50_000, frameworks=3, seed=1)
        text = yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False)
        (big / "big.yaml").write_text(text, encoding="utf-8")
        big_runs = max(3, runs // 4)
        # A big catalog's cache is written at process exit; here every load is in one
        # process, so write it at once.
        cache.DEFER_MIN_CONTROLS = 10**9
        parsed, cat = _time(big_runs, lambda: load_catalogs([big], use_cache=False))
        cached, _ = _time(big_runs, lambda: load_catalogs([big]))
        fast, _ = _time(big_runs, lambda: _paused(fast_load)(text))
        slow, _ = _time(3, lambda: _paused(load_yaml)(text))
        _describe(f"bundled + generated ({len(text) / 1e6:.1f} MB of YAML)", cat)
        _report("parse + validate", parsed)
        _report("from the cache", cached)
        _report("YAML reading alone, fast reader", fast)
        _report("YAML reading alone, PyYAML C loader (for comparison)", slow)


if __name__ == "__main__":
    main()
