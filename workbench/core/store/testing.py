"""Control testing in the store: audit periods, tests, samples and findings (schema 2).

`TestingMixin` gives the Store its testing methods. They follow the store's rules: one
transaction each (BEGIN IMMEDIATE through `_write`), validation before a byte is written, and
every change appended to the same hash-chained history as one action. A record's event is
`<kind>:<key>` (`period:FY27`, `test:3`, `sample:12`, `finding:2`) with the record's canonical
JSON as old and new value (null = the record does not exist), so undo restores the previous
record and verify replays history into what each table must hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from .errors import StoreError, ValidationError
from .evidence import Resolved, resolve_reference
from .format import EVIDENCE_FIELD, PERIOD_SETTING_PREFIX, SETTING_PREFIX
from .history import Change
from .records import (
    UNCHANGED,
    Event,
    Unchanged,
    _clean,
    _evidence_from,
    check_day,
    parse_at,
)
from .schema import audit_period, control_test, evidence, finding, setting, test_sample
from .testing_records import (
    CONCLUSIONS,
    FINDING_STATUSES,
    RESULTS,
    RISKS,
    SEVERITIES,
    AuditRecords,
    ControlTest,
    Finding,
    OperatingPlan,
    Period,
    Sample,
    canonical_json,
    check_period_name,
    control_test_from,
    finding_from,
    period_from,
    sample_from,
    split_testing_field,
    testing_field,
)

_FRAMEWORK_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EVIDENCE_NUMBER_RE = re.compile(r"^#?(\d{1,40})$")
_ID_MAX = 2**63 - 1  # SQLite's largest integer


# ---------------------------------------------------------------------------------------------
# Records <-> rows, per kind


def _join(values: Sequence[Any]) -> str | None:
    return ",".join(str(v) for v in values) or None


def _period_values(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": rec["name"],
        "frameworks": _join(rec["frameworks"]) or "",
        "starts_on": rec["start"],
        "ends_on": rec["end"],
        "as_of": rec["as_of"],
    }


def _test_values(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: rec[name]
        for name in (
            "id",
            "control_id",
            "period",
            "kind",
            "performed_on",
            "performer",
            "conclusion",
            "population",
            "risk",
            "required",
            "basis",
            "notes",
            "evidence_id",
        )
    }


def _sample_values(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: rec[name]
        for name in (
            "id",
            "test_id",
            "control_id",
            "period",
            "occurred_on",
            "ref",
            "result",
            "notes",
            "evidence_id",
        )
    }


def _finding_values(rec: Mapping[str, Any]) -> dict[str, Any]:
    values = {
        name: rec[name]
        for name in (
            "id",
            "control_id",
            "period",
            "severity",
            "summary",
            "owner",
            "due",
            "status",
            "remediated_on",
            "notes",
        )
    }
    values["samples"] = _join(rec["samples"])
    return values


@dataclass(frozen=True, slots=True)
class _Kind:
    name: str
    table: Table
    key: str  # the key column
    record_of: Any  # row -> record dict
    values_of: Any  # record dict -> column values
    audited: tuple[str, ...]  # audit columns: created_* (and updated_* when present)


def _rec(convert: Any) -> Any:
    return lambda row: convert(row).record()


KINDS: dict[str, _Kind] = {
    "period": _Kind(
        "period", audit_period, "name", _rec(period_from), _period_values, ("created",)
    ),
    "test": _Kind(
        "test", control_test, "id", _rec(control_test_from), _test_values, ("created", "updated")
    ),
    "sample": _Kind("sample", test_sample, "id", _rec(sample_from), _sample_values, ("created",)),
    "finding": _Kind(
        "finding", finding, "id", _rec(finding_from), _finding_values, ("created", "updated")
    ),
}


def _key_value(kind: _Kind, key: str) -> Any:
    return key if kind.key == "name" else int(key)


def is_testing_field(name: str) -> bool:
    return split_testing_field(name) is not None


def apply_testing(conn: Connection, name: str, new: str | None, actor: str, at: str) -> None:
    """Make the table hold `new` (a record's JSON; None removes the row). Used by undo."""
    split = split_testing_field(name)
    if split is None:  # pragma: no cover - callers check is_testing_field
        raise StoreError(f"not a testing field: {name!r}")
    kind = KINDS[split[0]]
    key_col = kind.table.c[kind.key]
    key = _key_value(kind, split[1])
    if new is None:
        conn.execute(delete(kind.table).where(key_col == key))
        return
    values = kind.values_of(json.loads(new))
    exists = conn.execute(select(key_col).where(key_col == key)).first() is not None
    stamp: dict[str, Any] = {}
    if "updated" in kind.audited:
        stamp = {"updated_at": at, "updated_by": actor}
    if exists:
        conn.execute(update(kind.table).where(key_col == key).values(**values, **stamp))
    else:
        conn.execute(insert(kind.table).values(**values, created_at=at, created_by=actor, **stamp))


@dataclass(slots=True)
class TestingReplay:
    """What the testing tables should hold according to history (used by verify)."""

    records: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # (at, actor) of the event that created each record (or re-created it, by undo) and
    # of the last one that wrote it: what its created_* and updated_* columns must say.
    created: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    updated: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def feed(self, row: Mapping[str, Any]) -> None:
        split = split_testing_field(row["field"])
        if split is None:  # pragma: no cover - callers check is_testing_field
            return
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

    def compare(self, conn: Connection) -> list[str]:
        problems: list[str] = []
        for kind in KINDS.values():
            rows: dict[str, dict[str, Any] | None] = {}
            for row in conn.execute(select(kind.table)).mappings():
                key = str(row[kind.key])
                problems.extend(self._check_stamps(kind, key, dict(row)))
                try:
                    rows[key] = kind.record_of(row)
                except (ValueError, TypeError, KeyError):
                    rows[key] = {"unreadable": True}  # never equal to a recorded record
            expected = {key: rec for (k, key), rec in self.records.items() if k == kind.name}
            for key in sorted(set(rows) | set(expected), key=_sort_key):
                want, have = expected.get(key), rows.get(key)
                label = f"{kind.name} {key}" if kind.key == "name" else f"{kind.name} #{key}"
                if key not in expected:
                    problems.append(f"{label}: has no history")
                elif have is None and want is not None:
                    problems.append(f"{label}: in history but missing from the table")
                elif have is not None and want is None:
                    problems.append(f"{label}: in the table, but history says it was removed")
                elif have != want:
                    problems.append(f"{label}: differs from what history recorded")
        return problems

    def _check_stamps(self, kind: _Kind, key: str, row: Mapping[str, Any]) -> list[str]:
        """created_* / updated_* must be the time and actor of the events that wrote it."""
        if (kind.name, key) not in self.records:
            return []  # reported as "has no history"
        label = f"{kind.name} {key}" if kind.key == "name" else f"{kind.name} #{key}"
        found: list[str] = []
        for column, expected in (
            ("created", self.created.get((kind.name, key))),
            ("updated", self.updated.get((kind.name, key))),
        ):
            if column not in kind.audited:
                continue
            stored = (row[f"{column}_at"], row[f"{column}_by"])
            if expected is not None and stored != expected:
                found.append(
                    f"{label}: {column} at {stored[0]!r} by {stored[1]!r}, but history says "
                    f"{expected[0]!r} by {expected[1]!r}"
                )
        return found


def _sort_key(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (1 << 62, key)


# ---------------------------------------------------------------------------------------------


class TestingMixin:
    """Testing methods of the Store (see the module docstring)."""

    __test__ = False  # not a pytest test class

    if TYPE_CHECKING:
        path: Path | None

        def _read(self) -> AbstractContextManager[Connection]: ...

        def _write(self) -> AbstractContextManager[Connection]: ...

        def _now(self) -> str: ...

        def _append(
            self,
            conn: Connection,
            actor: str,
            at: str,
            changes: Sequence[Change],
            *,
            undoes: int | None = None,
        ) -> list[Event]: ...

        @staticmethod
        def _check_actor(actor: str) -> str: ...

        @staticmethod
        def _check_ids(
            control_ids: Sequence[str] | str, known: Collection[str] | None
        ) -> list[str]: ...

        @staticmethod
        def _write_setting(
            conn: Connection, key: str, old: str | None, value: str | None, actor: str, at: str
        ) -> None: ...

    # -- reading -------------------------------------------------------------------------------

    def audit_records(self) -> AuditRecords:
        """Every period, test, sample and finding, and the current period per framework, read
        in one transaction."""
        with self._read() as conn:
            return read_audit_records(conn)

    def periods(self) -> list[Period]:
        return list(self.audit_records().periods)

    def period(self, name: str) -> Period | None:
        with self._read() as conn:
            return _load_period(conn, name)

    # -- periods -------------------------------------------------------------------------------

    def add_period(
        self,
        name: str,
        frameworks: Sequence[str],
        start: date,
        end: date,
        *,
        actor: str,
        as_of: date | None = None,
        use: bool | None = None,
    ) -> Period:
        """Add a named audit period. `use`: True makes it current for each of its frameworks;
        None (the default) only for frameworks that have no current period yet."""
        label = check_period_name(name)
        who = self._check_actor(actor)
        fws = tuple(dict.fromkeys(fw.strip() for fw in frameworks if fw.strip()))
        if not fws:
            raise ValidationError("a period needs at least one framework")
        bad = [fw for fw in fws if not _FRAMEWORK_RE.match(fw)]
        if bad:
            raise ValidationError(f"invalid framework id(s): {', '.join(bad)}")
        if as_of is None and "sox" in fws:  # SOX speaks as of the fiscal year end
            as_of = end
        _check_period_dates(start, end, as_of)
        _check_framework_rules(fws, start, end, as_of)
        with self._write() as conn:
            if _load_period(conn, label) is not None:
                raise ValidationError(f"a period named {label!r} already exists")
            at = self._now()
            period = Period(label, fws, start, end, as_of)
            conn.execute(
                insert(audit_period).values(
                    **_period_values(period.record()), created_at=at, created_by=who
                )
            )
            changes = [Change(None, testing_field("period", label), None, _json(period))]
            if use is not False:
                changes += self._use_changes(conn, period, who, at, only_unset=use is None)
            self._append(conn, who, at, changes)
            return Period(label, fws, start, end, as_of, parse_at(at), who)

    def update_period(
        self,
        name: str,
        *,
        actor: str,
        start: date | Unchanged = UNCHANGED,
        end: date | Unchanged = UNCHANGED,
        as_of: date | Unchanged | None = UNCHANGED,
    ) -> tuple[Period, list[Event]]:
        """Move a period's dates or as-of date (the name, its key, stays). A change that would
        leave recorded samples outside the period is refused, naming them: samples outside
        their period are refused when recorded, and an edit must not create them either."""
        who = self._check_actor(actor)
        with self._write() as conn:
            before = self._period_for_write(conn, name)
            new_start = before.start if isinstance(start, Unchanged) else start
            new_end = before.end if isinstance(end, Unchanged) else end
            new_as_of = before.as_of if isinstance(as_of, Unchanged) else as_of
            _check_period_dates(new_start, new_end, new_as_of, "; nothing was changed")
            _check_framework_rules(before.frameworks, new_start, new_end, new_as_of)
            outside = conn.execute(
                select(test_sample.c.id, test_sample.c.control_id, test_sample.c.occurred_on)
                .where(test_sample.c.period == before.name)
                .where(test_sample.c.occurred_on.is_not(None))
                .where(
                    (test_sample.c.occurred_on < new_start.isoformat())
                    | (test_sample.c.occurred_on > new_end.isoformat())
                )
                .order_by(test_sample.c.occurred_on, test_sample.c.id)
            ).all()
            if outside:
                listed = ", ".join(f"#{r.id} {r.control_id} {r.occurred_on}" for r in outside[:5])
                more = f" and {len(outside) - 5} more" if len(outside) > 5 else ""
                raise ValidationError(
                    f"{len(outside)} recorded sample(s) would fall outside {new_start} to "
                    f"{new_end}: {listed}{more}; remove them first (workbench sample remove) "
                    "or choose dates that keep them; nothing was changed"
                )
            after = replace(before, start=new_start, end=new_end, as_of=new_as_of)
            if after.record() == before.record():
                return before, []
            at = self._now()
            conn.execute(
                update(audit_period)
                .where(audit_period.c.name == before.name)
                .values(**_period_values(after.record()))
            )
            change = Change(None, testing_field("period", before.name), _json(before), _json(after))
            return after, self._append(conn, who, at, [change])

    def use_period(self, name: str, *, actor: str) -> list[Event]:
        """Make a period the current one for each of its frameworks (settings
        `period.<framework>`); [] when it already is."""
        who = self._check_actor(actor)
        with self._write() as conn:
            period = _load_period(conn, name.strip())
            if period is None:
                raise ValidationError(_no_period(conn, name))
            at = self._now()
            changes = self._use_changes(conn, period, who, at, only_unset=False)
            return self._append(conn, who, at, changes)

    def _use_changes(
        self, conn: Connection, period: Period, who: str, at: str, *, only_unset: bool
    ) -> list[Change]:
        changes: list[Change] = []
        for fw in period.frameworks:
            key = PERIOD_SETTING_PREFIX + fw
            old = conn.execute(select(setting.c.value).where(setting.c.key == key)).scalar()
            if old == period.name or (only_unset and old is not None):
                continue
            self._write_setting(conn, key, old, period.name, who, at)
            changes.append(Change(None, SETTING_PREFIX + key, old, period.name))
        return changes

    # -- tests ---------------------------------------------------------------------------------

    def record_design_test(
        self,
        control_id: str,
        period: str,
        *,
        actor: str,
        performed_on: date,
        performer: str,
        conclusion: str,
        notes: str | None = None,
        evidence: str | None = None,
        known: Collection[str] | None = None,
        base: Path | None = None,
    ) -> ControlTest:
        """Record a test of design (a walkthrough): date, performer, conclusion, notes and
        optionally evidence (`#N` cites attached evidence; a path, URL or note is attached
        in the same action). Each call records a new test; the latest one counts."""
        (cid,) = self._check_ids([control_id], known)
        who = self._check_actor(actor)
        if conclusion not in CONCLUSIONS:
            raise ValidationError(
                f"unknown conclusion {conclusion!r} (valid: {', '.join(CONCLUSIONS)})"
            )
        by = _clean(performer, "performer")
        if not by:
            raise ValidationError("a test of design needs the name of who performed it")
        check_day(performed_on, "test date")
        cited = _parse_evidence(evidence, base, self.path)
        with self._write() as conn:
            p = self._period_for_write(conn, period)
            if not p.contains(performed_on):
                raise ValidationError(
                    f"test date {performed_on} is outside period {p.name} ({p.span}); "
                    "nothing was recorded"
                )
            at = self._now()
            changes: list[Change] = []
            evidence_id = self._link_evidence(conn, cid, cited, performed_on, who, at, changes)
            values = {
                "control_id": cid,
                "period": p.name,
                "kind": "design",
                "performed_on": performed_on.isoformat(),
                "performer": by,
                "conclusion": conclusion,
                "notes": _clean(notes, "note"),
                "evidence_id": evidence_id,
            }
            test = self._insert_test(conn, values, who, at)
            changes.append(Change(cid, testing_field("test", test.id), None, _json(test)))
            self._append(conn, who, at, changes)
            return test

    def plan_operating_test(
        self,
        control_id: str,
        period: str,
        plan: OperatingPlan,
        *,
        actor: str,
        performer: str | None = None,
        notes: str | None = None,
        known: Collection[str] | None = None,
    ) -> tuple[ControlTest, list[Event]]:
        """Open the test of operating effectiveness of a control in a period, or update its
        plan (population, risk, required samples). One such test per control and period."""
        (cid,) = self._check_ids([control_id], known)
        who = self._check_actor(actor)
        _check_plan(plan)
        with self._write() as conn:
            p = self._period_for_write(conn, period)
            at = self._now()
            current = _operating_test(conn, cid, p.name)
            wanted: dict[str, Any] = {
                "population": plan.population,
                "risk": plan.risk,
                "required": plan.required,
                "basis": plan.basis,
            }
            if performer is not None:
                wanted["performer"] = _clean(performer, "performer")
            if notes is not None:
                wanted["notes"] = _clean(notes, "note")
            if current is None:
                values = {"control_id": cid, "period": p.name, "kind": "operating", **wanted}
                test = self._insert_test(conn, values, who, at)
                change = Change(cid, testing_field("test", test.id), None, _json(test))
                return test, self._append(conn, who, at, [change])
            old = current.record()
            new = {**old, **wanted}
            if new == old:
                return current, []
            conn.execute(
                update(control_test)
                .where(control_test.c.id == current.id)
                .values(**wanted, updated_at=at, updated_by=who)
            )
            test = _load_test(conn, current.id)
            change = Change(cid, testing_field("test", test.id), _json(current), _json(test))
            return test, self._append(conn, who, at, [change])

    def _insert_test(
        self, conn: Connection, values: Mapping[str, Any], who: str, at: str
    ) -> ControlTest:
        result = conn.execute(
            insert(control_test).values(
                **values, created_at=at, created_by=who, updated_at=at, updated_by=who
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return _load_test(conn, int(key[0]))

    # -- samples -------------------------------------------------------------------------------

    def add_sample(
        self,
        control_id: str,
        period: str,
        *,
        actor: str,
        result: str,
        occurred_on: date | None = None,
        ref: str | None = None,
        notes: str | None = None,
        evidence: str | None = None,
        plan: OperatingPlan | None = None,
        known: Collection[str] | None = None,
        base: Path | None = None,
    ) -> tuple[Sample, ControlTest]:
        """Add a sample to the control's operating test in the period (opened with `plan` in
        the same action when there is none yet). A sample dated outside the period is refused.
        An exception should record what went wrong in `notes`."""
        (cid,) = self._check_ids([control_id], known)
        who = self._check_actor(actor)
        if result not in RESULTS:
            raise ValidationError(f"unknown result {result!r} (valid: {', '.join(RESULTS)})")
        label = _clean(ref, "sample reference")
        if occurred_on is None and label is None:
            raise ValidationError("a sample needs its date or an identifier (or both)")
        if plan is not None:
            _check_plan(plan)
        cited = _parse_evidence(evidence, base, self.path)
        with self._write() as conn:
            p = self._period_for_write(conn, period)
            if occurred_on is not None and not p.contains(occurred_on):
                raise ValidationError(
                    f"sample date {occurred_on} is outside period {p.name} ({p.span}); "
                    "nothing was recorded"
                )
            at = self._now()
            changes: list[Change] = []
            test = _operating_test(conn, cid, p.name)
            if test is None:
                if plan is None:
                    raise ValidationError(
                        f"{cid} has no operating test in period {p.name}: open one first "
                        "(workbench test operating)"
                    )
                values = {
                    "control_id": cid,
                    "period": p.name,
                    "kind": "operating",
                    "population": plan.population,
                    "risk": plan.risk,
                    "required": plan.required,
                    "basis": plan.basis,
                }
                test = self._insert_test(conn, values, who, at)
                changes.append(Change(cid, testing_field("test", test.id), None, _json(test)))
            evidence_id = self._link_evidence(conn, cid, cited, occurred_on, who, at, changes)
            inserted = conn.execute(
                insert(test_sample).values(
                    test_id=test.id,
                    control_id=cid,
                    period=p.name,
                    occurred_on=occurred_on.isoformat() if occurred_on else None,
                    ref=label,
                    result=result,
                    notes=_clean(notes, "note"),
                    evidence_id=evidence_id,
                    created_at=at,
                    created_by=who,
                )
            )
            key = inserted.inserted_primary_key
            assert key is not None
            sample = _load_sample(conn, int(key[0]))
            changes.append(Change(cid, testing_field("sample", sample.id), None, _json(sample)))
            self._append(conn, who, at, changes)
            return sample, test

    def remove_sample(self, sample_id: int, *, actor: str) -> list[Event]:
        """Remove a sample recorded by mistake (history keeps it; undo restores it)."""
        who = self._check_actor(actor)
        with self._write() as conn:
            row = (
                conn.execute(select(test_sample).where(test_sample.c.id == sample_id))
                .mappings()
                .first()
            )
            if row is None:
                raise ValidationError(f"no sample #{sample_id}")
            sample = sample_from(row)
            cited = [f.id for f in _findings(conn, sample.control_id) if sample.id in f.samples]
            if cited:
                raise ValidationError(
                    f"sample #{sample_id} is cited by finding(s) "
                    f"{', '.join(f'#{i}' for i in cited)}: change their samples first "
                    "(workbench finding update N --sample ...)"
                )
            at = self._now()
            conn.execute(delete(test_sample).where(test_sample.c.id == sample_id))
            change = Change(
                sample.control_id, testing_field("sample", sample.id), _json(sample), None
            )
            return self._append(conn, who, at, [change])

    # -- findings ------------------------------------------------------------------------------

    def add_finding(
        self,
        control_id: str,
        period: str,
        *,
        actor: str,
        severity: str,
        summary: str,
        samples: Sequence[int] = (),
        owner: str | None = None,
        due: date | None = None,
        status: str = "open",
        remediated_on: date | None = None,
        notes: str | None = None,
        known: Collection[str] | None = None,
    ) -> Finding:
        """Classify a deficiency found by testing (usually from exception samples)."""
        (cid,) = self._check_ids([control_id], known)
        who = self._check_actor(actor)
        text = _clean(summary, "finding summary")
        if not text:
            raise ValidationError("a finding needs a summary: say what went wrong")
        _check_finding_fields(severity, status, remediated_on)
        with self._write() as conn:
            p = self._period_for_write(conn, period)
            ids = _check_samples(conn, cid, p.name, samples)
            at = self._now()
            result = conn.execute(
                insert(finding).values(
                    control_id=cid,
                    period=p.name,
                    severity=severity,
                    summary=text,
                    samples=_join(ids),
                    owner=_clean(owner, "owner"),
                    due=check_day(due, "due date").isoformat() if due else None,
                    status=status,
                    remediated_on=remediated_on.isoformat() if remediated_on else None,
                    notes=_clean(notes, "note"),
                    created_at=at,
                    created_by=who,
                    updated_at=at,
                    updated_by=who,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            item = _load_finding(conn, int(key[0]))
            self._append(
                conn, who, at, [Change(cid, testing_field("finding", item.id), None, _json(item))]
            )
            return item

    def update_finding(
        self,
        finding_id: int,
        *,
        actor: str,
        severity: str | Unchanged = UNCHANGED,
        summary: str | Unchanged = UNCHANGED,
        samples: Sequence[int] | Unchanged = UNCHANGED,
        owner: str | Unchanged | None = UNCHANGED,
        due: date | Unchanged | None = UNCHANGED,
        status: str | Unchanged = UNCHANGED,
        remediated_on: date | Unchanged | None = UNCHANGED,
        notes: str | Unchanged | None = UNCHANGED,
    ) -> tuple[Finding, list[Event]]:
        """Change a finding: severity, remediation owner, due date, status (open, remediating,
        remediated, closed), remediation date. `remediated` needs the remediation date."""
        who = self._check_actor(actor)
        with self._write() as conn:
            row = conn.execute(select(finding).where(finding.c.id == finding_id)).mappings().first()
            if row is None:
                raise ValidationError(f"no finding #{finding_id}")
            before = finding_from(row)
            wanted: dict[str, Any] = {}
            if not isinstance(severity, Unchanged):
                wanted["severity"] = severity
            if not isinstance(summary, Unchanged):
                text = _clean(summary, "finding summary")
                if not text:
                    raise ValidationError("a finding needs a summary: it cannot be emptied")
                wanted["summary"] = text
            if not isinstance(samples, Unchanged):
                ids = _check_samples(conn, before.control_id, before.period, samples)
                wanted["samples"] = _join(ids)
            if not isinstance(owner, Unchanged):
                wanted["owner"] = _clean(owner, "owner")
            if not isinstance(due, Unchanged):
                wanted["due"] = check_day(due, "due date").isoformat() if due else None
            if not isinstance(status, Unchanged):
                wanted["status"] = status
            if not isinstance(remediated_on, Unchanged):
                wanted["remediated_on"] = remediated_on.isoformat() if remediated_on else None
            if not isinstance(notes, Unchanged):  # the management response: was dropped
                wanted["notes"] = _clean(notes, "notes")
            merged = {**_finding_values(before.record()), **wanted}
            _check_finding_fields(
                merged["severity"],
                merged["status"],
                date.fromisoformat(merged["remediated_on"]) if merged["remediated_on"] else None,
            )
            if merged == _finding_values(before.record()):
                return before, []
            at = self._now()
            conn.execute(
                update(finding)
                .where(finding.c.id == finding_id)
                .values(**wanted, updated_at=at, updated_by=who)
            )
            after = _load_finding(conn, finding_id)
            change = Change(
                before.control_id,
                testing_field("finding", finding_id),
                _json(before),
                _json(after),
            )
            return after, self._append(conn, who, at, [change])

    # -- helpers -------------------------------------------------------------------------------

    def _period_for_write(self, conn: Connection, name: str) -> Period:
        period = _load_period(conn, name.strip())
        if period is None:
            raise ValidationError(_no_period(conn, name))
        return period

    def _link_evidence(
        self,
        conn: Connection,
        cid: str,
        cited: int | Resolved | None,
        day: date | None,
        who: str,
        at: str,
        changes: list[Change],
    ) -> int | None:
        """The evidence id for a test or sample: an attached item of the control (checked),
        or a new item attached now (its period: the day of the test or sample)."""
        if cited is None:
            return None
        if isinstance(cited, int):
            row = conn.execute(select(evidence).where(evidence.c.id == cited)).mappings().first()
            if row is None or row["removed_at"] is not None:
                raise ValidationError(f"no attached evidence #{cited}")
            if row["control_id"] != cid:
                raise ValidationError(
                    f"evidence #{cited} is attached to {row['control_id']}, not {cid}"
                )
            return cited
        fp = cited.fingerprint
        result = conn.execute(
            insert(evidence).values(
                control_id=cid,
                kind=cited.kind,
                ref=cited.ref,
                title=None,
                sha256=fp.sha256 if fp else None,
                size=fp.size if fp else None,
                effective_from=day.isoformat() if day else None,
                effective_to=day.isoformat() if day else None,
                added_at=at,
                added_by=who,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        new_id = int(key[0])
        row = conn.execute(select(evidence).where(evidence.c.id == new_id)).mappings().one()
        item = _evidence_from(row)
        changes.append(Change(cid, EVIDENCE_FIELD, None, canonical_json(item.record())))
        return new_id


# ---------------------------------------------------------------------------------------------


def read_audit_records(conn: Connection) -> AuditRecords:
    periods = tuple(
        period_from(r)
        for r in conn.execute(
            select(audit_period).order_by(audit_period.c.starts_on, audit_period.c.name)
        ).mappings()
    )
    tests = tuple(
        control_test_from(r)
        for r in conn.execute(select(control_test).order_by(control_test.c.id)).mappings()
    )
    samples = tuple(
        sample_from(r)
        for r in conn.execute(select(test_sample).order_by(test_sample.c.id)).mappings()
    )
    findings = tuple(
        finding_from(r) for r in conn.execute(select(finding).order_by(finding.c.id)).mappings()
    )
    rows = conn.execute(
        select(setting.c.key, setting.c.value).where(
            setting.c.key.startswith(PERIOD_SETTING_PREFIX)
        )
    )
    current = {str(row[0])[len(PERIOD_SETTING_PREFIX) :]: str(row[1]) for row in rows}
    return AuditRecords(periods, tests, samples, findings, current)


def _json(record: Period | ControlTest | Sample | Finding) -> str:
    return canonical_json(record.record())


def _load_period(conn: Connection, name: str) -> Period | None:
    row = conn.execute(select(audit_period).where(audit_period.c.name == name)).mappings().first()
    return period_from(row) if row else None


def _no_period(conn: Connection, name: str) -> str:
    names = [
        row[0] for row in conn.execute(select(audit_period.c.name).order_by(audit_period.c.name))
    ]
    known = f" (known: {', '.join(names)})" if names else " (none yet: workbench period add)"
    return f"no audit period named {name.strip()!r}{known}"


def _load_test(conn: Connection, test_id: int) -> ControlTest:
    row = conn.execute(select(control_test).where(control_test.c.id == test_id)).mappings().one()
    return control_test_from(row)


def _operating_test(conn: Connection, cid: str, period: str) -> ControlTest | None:
    row = (
        conn.execute(
            select(control_test)
            .where(control_test.c.control_id == cid)
            .where(control_test.c.period == period)
            .where(control_test.c.kind == "operating")
        )
        .mappings()
        .first()
    )
    return control_test_from(row) if row else None


def _load_sample(conn: Connection, sample_id: int) -> Sample:
    row = conn.execute(select(test_sample).where(test_sample.c.id == sample_id)).mappings().one()
    return sample_from(row)


def _load_finding(conn: Connection, finding_id: int) -> Finding:
    row = conn.execute(select(finding).where(finding.c.id == finding_id)).mappings().one()
    return finding_from(row)


def _findings(conn: Connection, cid: str) -> list[Finding]:
    rows = conn.execute(select(finding).where(finding.c.control_id == cid)).mappings()
    return [finding_from(r) for r in rows]


def _check_period_dates(start: date, end: date, as_of: date | None, suffix: str = "") -> None:
    check_day(start, "period start")
    check_day(end, "period end")
    if end < start:
        raise ValidationError(f"the period ends ({end}) before it starts ({start}){suffix}")
    if as_of is not None and not start <= as_of <= end:
        raise ValidationError(
            f"the as-of date {as_of} is outside the period ({start} to {end}){suffix}"
        )


def _check_framework_rules(
    frameworks: Sequence[str], start: date, end: date, as_of: date | None
) -> None:
    """Each framework's rules for its periods (workbench.core.testing.periods)."""
    from workbench.core.testing.periods import check_period

    check_period(frameworks, start, end, as_of)


def _check_plan(plan: OperatingPlan) -> None:
    if plan.required < 1:
        raise ValidationError(f"required samples must be at least 1, not {plan.required}")
    if plan.risk is not None and plan.risk not in RISKS:
        raise ValidationError(f"unknown risk {plan.risk!r} (valid: {', '.join(RISKS)})")
    if plan.population is not None and plan.population < 0:
        raise ValidationError(f"the population cannot be negative ({plan.population})")


def _check_finding_fields(severity: str, status: str, remediated_on: date | None) -> None:
    if remediated_on is not None:
        check_day(remediated_on, "remediation date")
    if severity not in SEVERITIES:
        raise ValidationError(f"unknown severity {severity!r} (valid: {', '.join(SEVERITIES)})")
    if status not in FINDING_STATUSES:
        raise ValidationError(
            f"unknown finding status {status!r} (valid: {', '.join(FINDING_STATUSES)})"
        )
    if status == "remediated" and remediated_on is None:
        raise ValidationError("a remediated finding needs its remediation date")


def _check_samples(conn: Connection, cid: str, period: str, ids: Sequence[int]) -> list[int]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        return []
    rows = {
        row["id"]: sample_from(row)
        for row in conn.execute(select(test_sample).where(test_sample.c.id.in_(wanted))).mappings()
    }
    for sid in wanted:
        sample = rows.get(sid)
        if sample is None:
            raise ValidationError(f"no sample #{sid}")
        if sample.control_id != cid or sample.period != period:
            raise ValidationError(
                f"sample #{sid} belongs to {sample.control_id} in period {sample.period}, "
                f"not {cid} in {period}"
            )
    return sorted(wanted)


def _parse_evidence(
    ref: str | None, base: Path | None, database: Path | None
) -> int | Resolved | None:
    """`#N` or `N`: attached evidence N; anything else: a path, URL or note to attach."""
    if ref is None or not ref.strip():
        return None
    found = _EVIDENCE_NUMBER_RE.match(ref.strip())
    if found:
        number = int(found.group(1))
        if number > _ID_MAX:
            raise ValidationError(f"no evidence #{number}: evidence numbers are at most {_ID_MAX}")
        return number
    return resolve_reference(ref, base=base, database=database)  # outside the write lock
