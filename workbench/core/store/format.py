"""Facts about the database format that light readers need without importing SQLAlchemy."""

from __future__ import annotations

APPLICATION_ID = int.from_bytes(b"WkBn", "big")  # 0x576B426E, stored at header offset 68
# The schema version this workbench writes (PRAGMA user_version). schema.py checks that its
# ordered upgrade steps end here: bump both together.
SCHEMA_VERSION = 1

# Fields of a control's state that history tracks, in display order.
CONTROL_FIELDS: tuple[str, ...] = ("status", "owner", "due", "notes", "justification")
EVIDENCE_FIELD = "evidence"
SETTING_PREFIX = "setting:"
