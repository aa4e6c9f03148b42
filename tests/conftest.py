"""Shared fixtures: every test runs with its own data and config directories."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINI_CATALOG = FIXTURES / "catalogs" / "mini.yaml"


@pytest.fixture(autouse=True)
def _isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never read or write the real user's database, catalogs or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(home / "config"))
    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    monkeypatch.delenv("WORKBENCH_CATALOGS", raising=False)
    monkeypatch.setenv("WORKBENCH_ACTOR", "tester")


@pytest.fixture(scope="session")
def bundled():  # type: ignore[no-untyped-def]
    from workbench.core.catalog import load_catalogs

    return load_catalogs(include_bundled=True)


@pytest.fixture(scope="session")
def mini():  # type: ignore[no-untyped-def]
    from workbench.core.catalog import load_catalog_files

    return load_catalog_files([MINI_CATALOG])
