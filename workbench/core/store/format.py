"""Facts about the database format, shared by the store, schema.py and ddl.py."""

from __future__ import annotations

APPLICATION_ID = int.from_bytes(b"WkBn", "big")  # 0x576B426E, stored at header offset 68
# The schema version this workbench writes (PRAGMA user_version). schema.py checks that its
# ordered upgrade steps end here: bump both together.
SCHEMA_VERSION = 2

# Fields of a control's state that history tracks, in display order.
CONTROL_FIELDS: tuple[str, ...] = ("status", "owner", "due", "notes", "justification")
EVIDENCE_FIELD = "evidence"
SETTING_PREFIX = "setting:"
# Control testing (schema 2): one history field per record, "<kind>:<key>", whose old and new
# values are the record's canonical JSON (null when the record does not exist).
TESTING_KINDS: tuple[str, ...] = ("period", "test", "sample", "finding")
# Settings naming the current audit period of a framework: "period.<framework id>".
PERIOD_SETTING_PREFIX = "period."
