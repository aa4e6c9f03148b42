"""History events in words, for the CLI's history tables and the app's detail pane."""

from __future__ import annotations

import json

from ..text import clip
from .records import Event
from .testing_records import describe_testing_event

HISTORY_VALUE_MAX = 500  # characters of a value in one history line; --json has the whole


def _value(value: str | None) -> str:
    return "(none)" if value is None else clip(value, HISTORY_VALUE_MAX)


def _evidence_phrase(record_json: str | None) -> str:
    try:
        record = json.loads(record_json or "{}")
        label = record.get("title") or record.get("ref") or ""
        return f"#{record['id']} {record['kind']}: {label}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return "(unreadable record)"


def describe_change(ev: Event) -> str:
    """One line for a history event, in words."""
    if ev.field == "evidence":
        if ev.new_value is not None:
            return f"evidence added {_evidence_phrase(ev.new_value)}"
        return f"evidence removed {_evidence_phrase(ev.old_value)}"
    testing = describe_testing_event(ev.field, ev.old_value, ev.new_value)
    if testing is not None:
        return testing
    key = ev.setting_key
    if key is not None:
        return f"setting {key}: {_value(ev.old_value)} -> {_value(ev.new_value)}"
    return f"{ev.field}: {_value(ev.old_value)} -> {_value(ev.new_value)}"
