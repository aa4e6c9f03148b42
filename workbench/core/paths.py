"""Where workbench keeps its files: platformdirs defaults with environment overrides."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "workbench"


def data_dir() -> Path:
    """User data directory (the default database lives here). WORKBENCH_DATA_DIR overrides."""
    override = os.environ.get("WORKBENCH_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    """User config directory (user catalogs, settings). WORKBENCH_CONFIG_DIR overrides."""
    override = os.environ.get("WORKBENCH_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def state_dir() -> Path:
    """User state directory (what workbench remembers between runs, e.g. the history heads
    seen). WORKBENCH_STATE_DIR overrides."""
    override = os.environ.get("WORKBENCH_STATE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_state_path

    return user_state_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    """WORKBENCH_DB, else workbench.db in the user data directory."""
    override = os.environ.get("WORKBENCH_DB")
    if override:
        return Path(override)
    return data_dir() / "workbench.db"


def bundled_catalog_dir() -> Path:
    """Bundled catalogs: inside the package when installed, else the checkout's."""
    here = Path(__file__).resolve().parent.parent
    installed = here / "catalogs"
    if installed.is_dir():
        return installed
    return here.parent / "catalogs"
