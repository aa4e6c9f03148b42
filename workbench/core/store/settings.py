"""Settings in the SQLite store: shared review decisions (scope, the current audit period),
each change a history event "setting:<key>"."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .chain import Change
from .checks import check_actor
from .errors import ValidationError
from .format import SETTING_PREFIX
from .records import Event

if TYPE_CHECKING:
    from .tx import Database, Reader, Tx

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def read_setting(db: Reader, key: str) -> str | None:
    value: str | None = db.scalar("SELECT value FROM setting WHERE key = ?", (key,))
    return value


def write_setting(tx: Tx, key: str, old: str | None, value: str | None) -> None:
    """Store `value` (None removes the setting) as `tx`'s actor at `tx`'s time."""
    if value is None:
        tx.execute("DELETE FROM setting WHERE key = ?", (key,))
    elif old is None:
        tx.insert(
            "setting", {"key": key, "value": value, "updated_at": tx.at, "updated_by": tx.actor}
        )
    else:
        tx.update(
            "setting",
            {"value": value, "updated_at": tx.at, "updated_by": tx.actor},
            {"key": key},
        )


class Settings:
    """Reading and changing settings (the Store's part; see protocol.SettingsStore)."""

    _db: Database

    def settings(self) -> dict[str, str]:
        with self._db.read() as db:
            rows = db.all("SELECT key, value FROM setting ORDER BY key")
        return {row[0]: row[1] for row in rows}

    def set_setting(self, key: str, value: str | None, *, actor: str) -> list[Event]:
        """Set (or, with None, remove) a setting. Recorded in history as "setting:<key>"."""
        if not _KEY_RE.match(key):
            raise ValidationError(
                f"invalid setting name {key!r}: use letters, digits, '.', '-' or '_'"
            )
        who = check_actor(actor)
        with self._db.write(who) as tx:
            old = read_setting(tx, key)
            if old == value:
                return []
            write_setting(tx, key, old, value)
            return tx.append([Change(None, SETTING_PREFIX + key, old, value)])
