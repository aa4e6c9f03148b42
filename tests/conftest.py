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
    monkeypatch.setenv("WORKBENCH_STATE_DIR", str(home / "state"))
    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    monkeypatch.delenv("WORKBENCH_CATALOGS", raising=False)
    monkeypatch.setenv("WORKBENCH_ACTOR", "tester")


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The CLI in this process on `tmp_path / "wb.db"`: run("mark", "AC-01", "effective")
    returns (exit code, stdout, stderr); a SystemExit (argparse, --help) is its code."""
    from workbench.cli import run as cli_run

    monkeypatch.setenv("COLUMNS", "200")
    db = tmp_path / "wb.db"

    def call(*args: str) -> tuple[int, str, str]:
        try:
            code = cli_run(["--db", str(db), *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


@pytest.fixture(scope="session")
def bundled():  # type: ignore[no-untyped-def]
    from workbench.core.catalog import load_catalogs

    return load_catalogs(include_bundled=True)


@pytest.fixture(scope="session")
def mini():  # type: ignore[no-untyped-def]
    from workbench.core.catalog import load_catalog_files

    return load_catalog_files([MINI_CATALOG])


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Every store timestamp is 2027-03-15 09:30 UTC (stable snapshots and goldens)."""
    from datetime import UTC, datetime

    import workbench.core.store.store as store_module

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return datetime(2027, 3, 15, 9, 30, tzinfo=UTC)

    monkeypatch.setattr(store_module, "datetime", Frozen)
    return Frozen


@pytest.fixture
def workspace_factory(tmp_path: Path, bundled):  # type: ignore[no-untyped-def]
    """Build a Workspace on the bundled catalogs and a fresh database (optionally the demo)."""
    from workbench.core.demo import seed_demo
    from workbench.core.store import Store
    from workbench.core.workspace import Workspace

    stores = []

    def make(demo: bool = False, name: str = "wb.db", busy_timeout: float | None = None):  # type: ignore[no-untyped-def]
        store = Store.open(tmp_path / name, busy_timeout=busy_timeout)
        stores.append(store)
        if demo:
            seed_demo(store, bundled)
        return Workspace(bundled, store, "tester")

    yield make
    for s in stores:
        s.close()


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
