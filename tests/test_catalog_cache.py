"""The validated-catalog cache: used when the files are unchanged, never when they changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from workbench.core.catalog import CatalogError, cache, load_catalogs
from workbench.core.catalog import sources as sources_mod

CATALOG = """\
catalog: {id: acme, title: Acme, version: "1"}
frameworks:
  - id: acme
    name: Acme policy
    requirements:
      - {id: G, kind: group, title: Group}
      - {id: R1, parent: G, title: One, description: The first rule.}
controls:
  - id: ACME-01
    title: TITLE
    description: A control of our own.
    domain: Governance
    frequency: annual
    type: preventive
    nature: manual
    satisfies:
      acme: [R1]
"""


def _pickles() -> list[Path]:
    return sorted(cache.cache_dir().glob("*.pickle"))


def _wait_for_pickles(count: int) -> list[Path]:
    found = _pickles()
    assert len(found) == count, found
    return found


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("parsed although the cache should have answered")

    monkeypatch.setattr(sources_mod, "load_catalog_files", refuse)


def test_unchanged_files_come_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme.yaml").write_text(CATALOG.replace("TITLE", "First"), encoding="utf-8")
    parsed = load_catalogs([tmp_path])
    assert len(_wait_for_pickles(1)) == 1
    _no_parsing(monkeypatch)
    cached = load_catalogs([tmp_path])
    assert cached.controls["ACME-01"].title == "First"
    assert set(cached.controls) == set(parsed.controls)
    assert cached.by_requirement[("acme", "R1")] == parsed.by_requirement[("acme", "R1")]


def test_an_edited_file_is_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(CATALOG.replace("TITLE", "First"), encoding="utf-8")
    load_catalogs([tmp_path])
    _wait_for_pickles(1)
    path.write_text(CATALOG.replace("TITLE", "Second, longer"), encoding="utf-8")
    assert load_catalogs([tmp_path]).controls["ACME-01"].title == "Second, longer"
    # same size, new modification time: still a fresh parse
    path.write_text(CATALOG.replace("TITLE", "Second, LONGER"), encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    assert load_catalogs([tmp_path]).controls["ACME-01"].title == "Second, LONGER"


def test_a_damaged_cache_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(CATALOG.replace("TITLE", "First"), encoding="utf-8")
    load_catalogs([tmp_path])
    (pickle_file,) = _wait_for_pickles(1)
    pickle_file.write_bytes(b"\x80\x05not a pickle")
    assert load_catalogs([tmp_path]).controls["ACME-01"].title == "First"


def test_a_catalog_that_fails_validation_is_not_cached(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(CATALOG.replace("annual", "yearly"), encoding="utf-8")
    with pytest.raises(CatalogError):
        load_catalogs([tmp_path])
    time.sleep(0.3)
    assert _pickles() == []


def test_a_big_catalog_is_cached_at_exit_not_before_the_first_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme.yaml").write_text(CATALOG.replace("TITLE", "First"), encoding="utf-8")
    at_exit: list[tuple[object, tuple[object, ...]]] = []
    monkeypatch.setattr(cache, "DEFER_MIN_CONTROLS", 1)
    monkeypatch.setattr("atexit.register", lambda fn, *args: at_exit.append((fn, args)))
    load_catalogs([tmp_path])
    assert _pickles() == [] and len(at_exit) == 1
    fn, args = at_exit[0]
    fn(*args)  # what the interpreter does at exit
    assert len(_pickles()) == 1
    _no_parsing(monkeypatch)
    assert load_catalogs([tmp_path]).controls["ACME-01"].title == "First"


def test_only_a_few_catalog_sets_are_kept(tmp_path: Path) -> None:
    for k in range(cache.KEEP + 2):
        folder = tmp_path / f"set{k}"
        folder.mkdir()
        (folder / "acme.yaml").write_text(CATALOG.replace("TITLE", f"Set {k}"), encoding="utf-8")
        load_catalogs([folder])
        _wait_for_pickles(min(k + 1, cache.KEEP))
        time.sleep(0.02)  # distinct modification times order the files
    time.sleep(0.5)
    assert len(_pickles()) == cache.KEEP
