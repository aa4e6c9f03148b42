"""Is attached evidence still what was attached? Words for each item, for every screen and
export: "unchanged", "changed", "missing" or "unreadable" for files, "" for URLs and notes
(nothing to compare).

A file is hashed again only when its size or modification time moved since it was last
checked here, so the app can show the state of a control's evidence on every key press."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from workbench.core.store import Evidence
from workbench.core.store.evidence import Fingerprint, check_file

EVIDENCE_WORDS: dict[str, str] = {
    "ok": "unchanged",
    "changed": "changed",
    "missing": "missing",
    "unreadable": "unreadable",
}
PROBLEMS = frozenset({"changed", "missing", "unreadable"})


class EvidenceStatus:
    """Checks attached files, remembering each answer for as long as the file's size and
    modification time stay the same."""

    def __init__(self, database: Path | None = None) -> None:
        self.database = database
        self._seen: dict[int, tuple[tuple[int, int, int] | None, str]] = {}

    def word(self, item: Evidence) -> str:
        if item.kind != "file" or item.sha256 is None or item.size is None:
            return ""
        path = Path(item.ref)
        try:
            st = os.stat(path)
            key: tuple[int, int, int] | None = (st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            key = None
        cached = self._seen.get(item.id)
        if cached is not None and cached[0] == key and key is not None:
            return cached[1]
        result = check_file(path, Fingerprint(item.sha256, item.size), database=self.database)
        word = EVIDENCE_WORDS.get(result.state, "unreadable")
        self._seen[item.id] = (key, word)
        return word

    def quick(self, item: Evidence) -> str | None:
        """The word without reading the file: remembered, or told by its size or absence;
        None when only hashing it can tell (call `word`, off a UI thread)."""
        if item.kind != "file" or item.sha256 is None or item.size is None:
            return ""
        try:
            st = os.stat(item.ref)
        except OSError:
            return "missing"
        if st.st_size != item.size:
            return "changed"
        cached = self._seen.get(item.id)
        if cached is not None and cached[0] == (st.st_size, st.st_mtime_ns, st.st_ino):
            return cached[1]
        return None

    def words(self, items: Iterable[Evidence]) -> dict[int, str]:
        return {item.id: self.word(item) for item in items}

    def problems(self, items: Iterable[Evidence]) -> list[tuple[Evidence, str]]:
        """The items whose file changed, went missing or cannot be read."""
        return [(item, w) for item in items if (w := self.word(item)) in PROBLEMS]
