"""workbench.core must stay importable without the UI libraries."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import workbench.core


def test_core_imports_neither_textual_nor_rich() -> None:
    modules = [
        m.name for m in pkgutil.walk_packages(workbench.core.__path__, prefix="workbench.core.")
    ]
    assert "workbench.core.catalog.loader" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"core pulled in UI modules: {result.stdout}"
