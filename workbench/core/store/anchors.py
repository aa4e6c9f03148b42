"""Automatic anchoring: remember, per user, the last history head seen for each database.

The hash chain shows that events were not edited in place, but anyone who can write the file
can truncate its tail (roll back) or rebuild the whole chain with fresh hashes; the rebuilt
chain verifies. What such a rewrite cannot do is keep an event that was already seen with
the same hash. So `verify` and the app remember, for each database (by its resolved path),
the head they last saw: its seq, hash and when. Later they check that the event at that seq
still has that hash (and that its contents still hash to it); when not, the history was
rewritten or rolled back since then, and they say so loudly, naming when the head was seen.

The memory is `anchors.json` in the user state directory (WORKBENCH_STATE_DIR overrides),
mode 0600, ignored (and reported) when another user owns it or can write it. It protects
against changes made while this user was not looking, by someone without write access to
this user's state directory; see docs/tamper-evidence.md for what it does not protect.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from workbench.core.files import read_private, write_private
from workbench.core.paths import state_dir

from .chain import HASHED_FIELDS, event_hash

FILE_NAME = "anchors.json"
FORMAT = "workbench.anchors/1"


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str
    seen_at: str  # UTC, YYYY-MM-DDTHH:MM:SSZ

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "seen_at": self.seen_at}


@dataclass(frozen=True, slots=True)
class AnchorCheck:
    """`new`: nothing remembered for this database yet; `ok`: the remembered head is still in
    the chain; `lost`: it is not (rewritten or rolled back); `unavailable`: the memory could
    not be used (see `detail`)."""

    state: Literal["new", "ok", "lost", "unavailable"]
    anchor: Anchor | None
    head_seq: int
    head_hash: str
    detail: str

    @property
    def lost(self) -> bool:
        return self.state == "lost"

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "remembered": self.anchor.to_dict() if self.anchor else None,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "detail": self.detail,
        }


def anchors_file() -> Path:
    return state_dir() / FILE_NAME


def database_key(db: Path) -> str:
    try:
        return str(db.resolve())
    except (OSError, RuntimeError):
        return str(db.absolute())


def _load() -> tuple[dict[str, Any], str | None]:
    """The remembered heads, and a problem (None when fine or absent)."""
    path = anchors_file()
    if not path.exists() and not path.is_symlink():
        return {}, None
    data = read_private(path)
    if data is None:
        return {}, f"{path} is not a private file of this user: remembered heads ignored"
    try:
        doc = json.loads(data)
        heads = doc["databases"]
        if doc.get("format") != FORMAT or not isinstance(heads, dict):
            raise ValueError(doc.get("format"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}, f"{path} is damaged: remembered heads ignored"
    return heads, None


def recall(db: Path) -> Anchor | None:
    heads, _problem = _load()
    entry = heads.get(database_key(db))
    if not isinstance(entry, dict):
        return None
    try:
        return Anchor(int(entry["seq"]), str(entry["hash"]), str(entry["seen_at"]))
    except (TypeError, KeyError, ValueError):
        return None


def remember(db: Path, seq: int, head: str, now: datetime | None = None) -> None:
    """Record `seq`/`head` as the last head seen for `db`. Best effort: a state directory
    that cannot be written only loses the protection, never the user's work."""
    if seq <= 0:
        return
    heads, problem = _load()
    if problem is not None and anchors_file().exists():
        return  # never overwrite a file we do not trust or understand: it is reported
    moment = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    heads[database_key(db)] = Anchor(seq, head, moment).to_dict()
    doc = {"format": FORMAT, "databases": heads}
    try:
        write_private(anchors_file(), json.dumps(doc, indent=1, sort_keys=True).encode())
    except OSError:
        return


def _read_chain(db: Path, seq: int | None) -> tuple[int, str, dict[str, Any] | None]:
    """The head (seq, hash) and the event at `seq`, read-only."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5.0)
    try:
        conn.row_factory = sqlite3.Row
        head = conn.execute("SELECT seq, hash FROM history ORDER BY seq DESC LIMIT 1").fetchone()
        row = None
        if seq is not None:
            found = conn.execute("SELECT * FROM history WHERE seq = ?", (seq,)).fetchone()
            row = dict(found) if found is not None else None
    finally:
        conn.close()
    if head is None:
        return 0, "0" * 64, row
    return int(head["seq"]), str(head["hash"]), row


def check(db: Path) -> AnchorCheck:
    """Is the head this user last saw for `db` still in its history?"""
    _heads, problem = _load()
    anchor = recall(db)
    try:
        head_seq, head_hash, row = _read_chain(db, anchor.seq if anchor else None)
    except sqlite3.Error as exc:
        return AnchorCheck("unavailable", anchor, 0, "", f"cannot read the history: {exc}")
    if problem is not None:
        return AnchorCheck("unavailable", anchor, head_seq, head_hash, problem)
    if anchor is None:
        return AnchorCheck("new", None, head_seq, head_hash, "no head remembered yet")
    intact = (
        row is not None
        and row.get("hash") == anchor.hash
        and all(name in row for name in HASHED_FIELDS)
        and event_hash(row) == anchor.hash
    )
    if intact:
        return AnchorCheck("ok", anchor, head_seq, head_hash, "the remembered head is still there")
    how = (
        f"rolled back: the history now ends at event {head_seq}"
        if head_seq < anchor.seq
        else "rewritten: a different event now stands in its place"
    )
    detail = (
        f"history no longer contains the head seen on {anchor.seen_at} (event {anchor.seq}, "
        f"hash {anchor.hash[:16]}...): it was {how}"
    )
    return AnchorCheck("lost", anchor, head_seq, head_hash, detail)
