"""The wheel ships every package of the source tree.

CI installs the project without ``-e``; a package missing from pyproject's
explicit list imports fine from a checkout and fails only after install.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "workbench").rglob("__init__.py")
    }
    missing = sorted(on_disk - listed)
    assert not missing, f"packages not shipped by pyproject.toml: {missing}"


def test_every_tcss_folder_ships_its_styles() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = config["tool"]["setuptools"]["package-data"]
    folders = {
        ".".join(css.parent.relative_to(ROOT).parts) for css in (ROOT / "workbench").rglob("*.tcss")
    }
    missing = sorted(f for f in folders if "*.tcss" not in data.get(f, []))
    assert not missing, f"tcss files not shipped: {missing}"
