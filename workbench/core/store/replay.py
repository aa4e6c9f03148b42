"""What the tables should hold according to history: verify replays every event into a
Replay and compares it with the rows. No SQL here: a backend feeds events and rows in."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..text import neutralise
from .format import CONTROL_FIELDS, EVIDENCE_FIELD, SETTING_PREFIX
from .records import well_formed_at
from .testing_records import split_testing_field

Stamp = tuple[str, str]  # (at, actor) of an event


@dataclass(slots=True)
class TestingReplay:
    """What the testing tables should hold according to history."""

    __test__ = False  # not a pytest test class

    records: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # (at, actor) of the event that created each record (or re-created it, by undo) and
    # of the last one that wrote it: what its created_* and updated_* columns must say.
    created: dict[tuple[str, str], Stamp] = field(default_factory=dict)
    updated: dict[tuple[str, str], Stamp] = field(default_factory=dict)

    def feed(self, row: Mapping[str, Any], split: tuple[str, str]) -> None:
        try:
            new = json.loads(row["new_value"]) if row["new_value"] else None
            if new is not None and not isinstance(new, dict):
                raise TypeError(new)
        except (ValueError, TypeError):
            self.problems.append(f"event {row['seq']}: unreadable {split[0]} record")
            return
        stamp = (row["at"], row["actor"])
        if new is not None:
            if self.records.get(split) is None:
                self.created[split] = stamp
            self.updated[split] = stamp
        self.records[split] = new


@dataclass(slots=True)
class Replay:
    """Every table's expected contents and who/when columns, from history."""

    fields: dict[tuple[str, str], str | None] = field(default_factory=dict)
    actions: dict[str, set[int]] = field(default_factory=dict)
    evidence: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    settings: dict[str, str | None] = field(default_factory=dict)
    # Who and when, as history says: (at, actor) of the event that last changed a control,
    # first attached or last removed an evidence item, last set a setting.
    control_stamps: dict[str, Stamp] = field(default_factory=dict)
    evidence_added: dict[int, Stamp] = field(default_factory=dict)
    evidence_removed: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    setting_stamps: dict[str, Stamp] = field(default_factory=dict)
    testing: TestingReplay = field(default_factory=TestingReplay)
    problems: list[str] = field(default_factory=list)

    def feed(self, row: Mapping[str, Any]) -> None:
        name: str = row["field"]
        cid: str | None = row["control_id"]
        stamp = (row["at"], row["actor"])
        if not well_formed_at(row["at"]):
            self.problems.append(
                f"event {row['seq']}: unreadable time {neutralise(str(row['at'])[:64])!r}"
            )
        split = split_testing_field(name)
        if name in CONTROL_FIELDS and cid is not None:
            self.fields[(cid, name)] = row["new_value"]
            self.actions.setdefault(cid, set()).add(row["action"])
            self.control_stamps[cid] = stamp
        elif name == EVIDENCE_FIELD:
            self._feed_evidence(row, stamp)
        elif name.startswith(SETTING_PREFIX):
            self.settings[name[len(SETTING_PREFIX) :]] = row["new_value"]
            self.setting_stamps[name[len(SETTING_PREFIX) :]] = stamp
        elif split is not None:
            self.testing.feed(row, split)
        else:
            self.problems.append(f"event {row['seq']}: unknown field {name!r}")

    def _feed_evidence(self, row: Mapping[str, Any], stamp: Stamp) -> None:
        try:
            old = json.loads(row["old_value"]) if row["old_value"] else None
            new = json.loads(row["new_value"]) if row["new_value"] else None
            record = new or old
            if not isinstance(record, dict):
                raise TypeError(record)
            evidence_id = int(record["id"])
        except (ValueError, TypeError, KeyError):
            self.problems.append(f"event {row['seq']}: unreadable evidence record")
            return
        if old is None and new is not None and evidence_id not in self.evidence_added:
            self.evidence_added[evidence_id] = stamp
        self.evidence_removed[evidence_id] = stamp if new is None else (None, None)
        self.evidence[evidence_id] = new
