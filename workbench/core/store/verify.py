"""Verify in the SQLite store: the hash chain, every table against what history says it must
hold (values and who/when columns), the append-only triggers by their full SQL, and an anchor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..status import Status
from .chain import GENESIS_HASH, check_chain
from .ddl import HISTORY_TRIGGERS, TRIGGER_SQL, normal_sql
from .format import CONTROL_FIELDS
from .integrity import broken_rules
from .records import VerifyResult, _evidence_from
from .testing_rows import KINDS, Kind

if TYPE_CHECKING:
    from .replay import Replay, TestingReplay
    from .tx import Database, Reader


def _sort_key(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (1 << 62, key)


def stamp_problem(
    label: str,
    what: str,
    stored: tuple[str | None, str | None],
    expected: tuple[str | None, str | None] | None,
) -> str:
    """A who/when column that history does not back (an edit made outside workbench)."""
    want = expected or (None, None)
    return (
        f"{label}: {what} at {stored[0]!r} by {stored[1]!r}, but history says "
        f"{want[0]!r} by {want[1]!r}"
    )


def compare_controls(db: Reader, replay: Replay) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for row in db.all("SELECT * FROM control_state ORDER BY control_id"):
        cid = row["control_id"]
        seen.add(cid)
        if cid not in replay.actions:
            problems.append(f"control {cid}: has a stored state but no history")
            continue
        for name in CONTROL_FIELDS:
            default = Status.NOT_STARTED.value if name == "status" else None
            expected = replay.fields.get((cid, name), default)
            if row[name] != expected:
                problems.append(
                    f"control {cid}: {name} is {row[name]!r} but history says {expected!r}"
                )
        stamp = (row["updated_at"], row["updated_by"])
        if stamp != replay.control_stamps.get(cid):
            problems.append(
                stamp_problem(f"control {cid}", "updated", stamp, replay.control_stamps.get(cid))
            )
        if row["version"] != len(replay.actions[cid]):
            problems.append(
                f"control {cid}: version {row['version']} but history has "
                f"{len(replay.actions[cid])} change(s)"
            )
    for cid in sorted(set(replay.actions) - seen):
        problems.append(f"control {cid}: history has changes but the stored state is missing")
    return problems


def compare_evidence(db: Reader, replay: Replay) -> list[str]:
    problems: list[str] = []
    rows = {row["id"]: row for row in db.all("SELECT * FROM evidence")}
    for evidence_id, record in sorted(replay.evidence.items()):
        if evidence_id not in rows:
            problems.append(f"evidence #{evidence_id}: in history but missing from the table")
            continue
        row = rows.pop(evidence_id)
        active = row["removed_at"] is None
        if active != (record is not None):
            state = "attached" if active else "removed"
            problems.append(f"evidence #{evidence_id}: {state}, which history does not say")
        elif record is not None and _evidence_from(row).record() != record:
            problems.append(f"evidence #{evidence_id}: differs from what history recorded")
        label = f"evidence #{evidence_id}"
        added = (row["added_at"], row["added_by"])
        if added != replay.evidence_added.get(evidence_id):
            problems.append(
                stamp_problem(label, "added", added, replay.evidence_added.get(evidence_id))
            )
        removed = (row["removed_at"], row["removed_by"])
        if active == (record is not None) and removed != replay.evidence_removed.get(
            evidence_id, (None, None)
        ):
            problems.append(
                stamp_problem(label, "removed", removed, replay.evidence_removed.get(evidence_id))
            )
    for evidence_id in sorted(rows):
        problems.append(f"evidence #{evidence_id}: has no history")
    return problems


def compare_settings(db: Reader, replay: Replay) -> list[str]:
    problems: list[str] = []
    stored_rows = {row["key"]: row for row in db.all("SELECT * FROM setting")}
    stored = {key: row["value"] for key, row in stored_rows.items()}
    for key in sorted(set(stored) | set(replay.settings)):
        if stored.get(key) != replay.settings.get(key):
            problems.append(
                f"setting {key}: is {stored.get(key)!r} but history says "
                f"{replay.settings.get(key)!r}"
            )
        elif key in stored_rows:
            stamp = (stored_rows[key]["updated_at"], stored_rows[key]["updated_by"])
            if stamp != replay.setting_stamps.get(key):
                problems.append(
                    stamp_problem(
                        f"setting {key}", "updated", stamp, replay.setting_stamps.get(key)
                    )
                )
    return problems


def _testing_stamps(replay: TestingReplay, kind: Kind, key: str, row: Any) -> list[str]:
    """created_* / updated_* must be the time and actor of the events that wrote it."""
    if (kind.name, key) not in replay.records:
        return []  # reported as "has no history"
    found: list[str] = []
    for column, expected in (
        ("created", replay.created.get((kind.name, key))),
        ("updated", replay.updated.get((kind.name, key))),
    ):
        if column not in kind.audited:
            continue
        stored = (row[f"{column}_at"], row[f"{column}_by"])
        if expected is not None and stored != expected:
            found.append(
                f"{kind.label(key)}: {column} at {stored[0]!r} by {stored[1]!r}, but history "
                f"says {expected[0]!r} by {expected[1]!r}"
            )
    return found


def compare_testing(db: Reader, replay: TestingReplay) -> list[str]:
    problems: list[str] = []
    for kind in KINDS.values():
        rows: dict[str, dict[str, Any] | None] = {}
        for row in db.all(f"SELECT * FROM {kind.table}"):
            key = str(row[kind.key])
            problems.extend(_testing_stamps(replay, kind, key, row))
            try:
                rows[key] = kind.record_of(row)
            except (ValueError, TypeError, KeyError):
                rows[key] = {"unreadable": True}  # never equal to a recorded record
        expected = {key: rec for (k, key), rec in replay.records.items() if k == kind.name}
        for key in sorted(set(rows) | set(expected), key=_sort_key):
            want, have = expected.get(key), rows.get(key)
            label = kind.label(key)
            if key not in expected:
                problems.append(f"{label}: has no history")
            elif have is None and want is not None:
                problems.append(f"{label}: in history but missing from the table")
            elif have is not None and want is None:
                problems.append(f"{label}: in the table, but history says it was removed")
            elif have != want:
                problems.append(f"{label}: differs from what history recorded")
    return problems


def trigger_problems(present: dict[str, str]) -> list[str]:
    """The append-only triggers must all be there, exactly as workbench wrote them."""
    problems: list[str] = []
    missing = [name for name in HISTORY_TRIGGERS if name not in present]
    if missing:
        problems.append(
            "the triggers that keep history append-only are missing: " + ", ".join(missing)
        )
    for name, sql in sorted(present.items()):
        if name not in TRIGGER_SQL:
            problems.append(f"unexpected trigger {name!r} (not workbench's): {sql[:200]}")
        elif sql != TRIGGER_SQL[name]:
            problems.append(
                f"trigger {name} has been altered: its SQL is {sql[:200]!r}, "
                f"expected {TRIGGER_SQL[name]!r}"
            )
    return problems


class Verify:
    """Verify (the Store's part; see protocol.VerifyStore)."""

    _db: Database

    def verify(self, anchor: str | None = None) -> VerifyResult:
        """Recompute the hash chain and name the first broken event; also check that the
        current tables match what history says, that the append-only triggers are in place and,
        given an `anchor` (a head hash recorded earlier), that it is still in the chain."""
        from .replay import Replay  # only verify replays history: keep it off the hot path

        with self._db.read() as db:
            replay = Replay()

            def rows() -> Iterator[dict[str, Any]]:
                for row in db.execute("SELECT * FROM history ORDER BY seq"):
                    event = dict(row)
                    replay.feed(event)
                    yield event

            report = check_chain(rows())
            problems = list(replay.problems)
            problems.extend(compare_controls(db, replay))
            problems.extend(compare_evidence(db, replay))
            problems.extend(compare_settings(db, replay))
            problems.extend(replay.testing.problems)
            problems.extend(compare_testing(db, replay.testing))
            problems.extend(broken_rules(db))
            present = {
                str(name): normal_sql(str(sql or ""))
                for name, sql in db.all(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                )
            }
        problems.extend(trigger_problems(present))
        anchor_found: bool | None = None
        if anchor is not None:
            anchor_found = anchor.strip().lower() in report.hashes or (
                anchor.strip() == GENESIS_HASH
            )
            if not anchor_found:
                problems.append(
                    f"the recorded head hash {anchor.strip()} is not in the verified chain: "
                    "history was rewritten or this is another database"
                )
        brk = report.first_break
        return VerifyResult(
            ok=brk is None and not problems,
            events_checked=report.checked,
            events_total=report.total,
            head_hash=report.head_hash,
            first_broken_seq=brk.seq if brk else None,
            reason=brk.reason if brk else None,
            problems=tuple(problems),
            anchor_found=anchor_found,
        )
