"""The view preferences of the person at the keyboard (theme, lens), in `tui.json` in the
user config directory.

These are display choices, not review data: two people on one database each keep their own,
so they live beside the user's catalogs rather than in the database and its history (a lens
switch is not a change anyone can undo or audit). Reading or writing them is best effort: a
missing, damaged or unwritable file means defaults, never an error.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from workbench.core.paths import config_dir

FILE_NAME = "tui.json"


def prefs_path() -> Path:
    return config_dir() / FILE_NAME


def load_prefs() -> dict[str, Any]:
    try:
        data = json.loads(prefs_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def preferred_lens() -> str:
    """The lens this user last chose (the app's `l`), else "design"."""
    from workbench.core.readiness import LENSES

    lens = load_prefs().get("lens")
    return lens if isinstance(lens, str) and lens in LENSES else "design"


def save_pref(key: str, value: Any) -> None:
    path = prefs_path()
    data = load_prefs()
    if data.get(key) == value:
        return
    data[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        return
