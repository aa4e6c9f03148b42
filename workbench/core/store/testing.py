"""Control testing in the SQLite store: audit periods, tests, samples and findings (schema 2).

The store's rules hold here too: one transaction each (BEGIN IMMEDIATE), validation before a
byte is written, and every change appended to the same hash-chained history as one action, so
undo restores the previous record and verify replays history into what each table must hold.
Rows, loading and checks per kind are in testing_rows.py.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .attachments import insert_evidence
from .chain import Change
from .checks import check_actor, check_ids
from .errors import ValidationError
from .evidence import Resolved
from .format import PERIOD_SETTING_PREFIX, SETTING_PREFIX
from .records import UNCHANGED, Event, Unchanged, _clean, check_day, parse_at
from .settings import read_setting, write_setting
from .testing_records import (
    CONCLUSIONS,
    RESULTS,
    AuditRecords,
    ControlTest,
    Finding,
    OperatingPlan,
    Period,
    Sample,
    check_period_name,
    testing_field,
)
from .testing_rows import (
    check_finding_fields,
    check_framework_rules,
    check_period_dates,
    check_plan,
    check_samples,
    finding_values,
    findings_of,
    join,
    load_finding,
    load_period,
    load_sample,
    load_test,
    no_period,
    operating_test,
    parse_evidence,
    period_for_write,
    period_values,
    read_audit_records,
    record_json,
)

if TYPE_CHECKING:
    from .tx import Database, Reader, Tx

_FRAMEWORK_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _use_changes(tx: Tx, period: Period, *, only_unset: bool) -> list[Change]:
    """Make `period` the current one of its frameworks (settings `period.<framework>`)."""
    changes: list[Change] = []
    for fw in period.frameworks:
        key = PERIOD_SETTING_PREFIX + fw
        old = read_setting(tx, key)
        if old == period.name or (only_unset and old is not None):
            continue
        write_setting(tx, key, old, period.name)
        changes.append(Change(None, SETTING_PREFIX + key, old, period.name))
    return changes


def _insert_test(tx: Tx, values: Mapping[str, Any]) -> ControlTest:
    stamp = {"created_at": tx.at, "created_by": tx.actor}
    new_id = tx.insert(
        "control_test", {**values, **stamp, "updated_at": tx.at, "updated_by": tx.actor}
    )
    return load_test(tx, new_id)


def _new_test(tx: Tx, values: Mapping[str, Any], changes: list[Change]) -> ControlTest:
    test = _insert_test(tx, values)
    changes.append(Change(test.control_id, testing_field("test", test.id), None, record_json(test)))
    return test


def _link_evidence(
    tx: Tx, cid: str, cited: int | Resolved | None, day: date | None, changes: list[Change]
) -> int | None:
    """The evidence id for a test or sample: an attached item of the control (checked),
    or a new item attached now (its period: the day of the test or sample)."""
    if cited is None:
        return None
    if isinstance(cited, int):
        row = tx.one("SELECT control_id, removed_at FROM evidence WHERE id = ?", (cited,))
        if row is None or row["removed_at"] is not None:
            raise ValidationError(f"no attached evidence #{cited}")
        if row["control_id"] != cid:
            raise ValidationError(
                f"evidence #{cited} is attached to {row['control_id']}, not {cid}"
            )
        return cited
    item, change = insert_evidence(tx, cid, cited, title=None, effective_from=day, effective_to=day)
    changes.append(change)
    return item.id


def _samples_outside(db: Reader, period: str, start: date, end: date) -> list[Any]:
    return db.all(
        "SELECT id, control_id, occurred_on FROM test_sample WHERE period = ? "
        "AND occurred_on IS NOT NULL AND (occurred_on < ? OR occurred_on > ?) "
        "ORDER BY occurred_on, id",
        (period, start.isoformat(), end.isoformat()),
    )


class Testing:
    """Control testing (the Store's part; see protocol.ControlTestingStore)."""

    __test__ = False  # not a pytest test class

    _db: Database
    path: Path | None

    # -- reading -------------------------------------------------------------------------------

    def audit_records(self) -> AuditRecords:
        """Every period, test, sample and finding, and the current period per framework, read
        in one transaction."""
        with self._db.read() as db:
            return read_audit_records(db)

    def periods(self) -> list[Period]:
        return list(self.audit_records().periods)

    def period(self, name: str) -> Period | None:
        with self._db.read() as db:
            return load_period(db, name)

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
        who = check_actor(actor)
        fws = tuple(dict.fromkeys(fw.strip() for fw in frameworks if fw.strip()))
        if not fws:
            raise ValidationError("a period needs at least one framework")
        bad = [fw for fw in fws if not _FRAMEWORK_RE.match(fw)]
        if bad:
            raise ValidationError(f"invalid framework id(s): {', '.join(bad)}")
        if as_of is None and "sox" in fws:  # SOX speaks as of the fiscal year end
            as_of = end
        check_period_dates(start, end, as_of)
        check_framework_rules(fws, start, end, as_of)
        with self._db.write(who) as tx:
            if load_period(tx, label) is not None:
                raise ValidationError(f"a period named {label!r} already exists")
            period = Period(label, fws, start, end, as_of)
            tx.insert(
                "audit_period",
                {**period_values(period.record()), "created_at": tx.at, "created_by": who},
            )
            changes = [Change(None, testing_field("period", label), None, record_json(period))]
            if use is not False:
                changes += _use_changes(tx, period, only_unset=use is None)
            tx.append(changes)
            return Period(label, fws, start, end, as_of, parse_at(tx.at), who)

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
        who = check_actor(actor)
        with self._db.write(who) as tx:
            before = period_for_write(tx, name)
            new_start = before.start if isinstance(start, Unchanged) else start
            new_end = before.end if isinstance(end, Unchanged) else end
            new_as_of = before.as_of if isinstance(as_of, Unchanged) else as_of
            check_period_dates(new_start, new_end, new_as_of, "; nothing was changed")
            check_framework_rules(before.frameworks, new_start, new_end, new_as_of)
            outside = _samples_outside(tx, before.name, new_start, new_end)
            if outside:
                listed = ", ".join(
                    f"#{r['id']} {r['control_id']} {r['occurred_on']}" for r in outside[:5]
                )
                more = f" and {len(outside) - 5} more" if len(outside) > 5 else ""
                raise ValidationError(
                    f"{len(outside)} recorded sample(s) would fall outside {new_start} to "
                    f"{new_end}: {listed}{more}; remove them first (workbench sample remove) "
                    "or choose dates that keep them; nothing was changed"
                )
            after = replace(before, start=new_start, end=new_end, as_of=new_as_of)
            if after.record() == before.record():
                return before, []
            tx.update("audit_period", period_values(after.record()), {"name": before.name})
            field = testing_field("period", before.name)
            change = Change(None, field, record_json(before), record_json(after))
            return after, tx.append([change])

    def use_period(self, name: str, *, actor: str) -> list[Event]:
        """Make a period the current one for each of its frameworks (settings
        `period.<framework>`); [] when it already is."""
        who = check_actor(actor)
        with self._db.write(who) as tx:
            period = load_period(tx, name.strip())
            if period is None:
                raise ValidationError(no_period(tx, name))
            return tx.append(_use_changes(tx, period, only_unset=False))

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
        (cid,) = check_ids([control_id], known)
        who = check_actor(actor)
        if conclusion not in CONCLUSIONS:
            raise ValidationError(
                f"unknown conclusion {conclusion!r} (valid: {', '.join(CONCLUSIONS)})"
            )
        by = _clean(performer, "performer")
        if not by:
            raise ValidationError("a test of design needs the name of who performed it")
        check_day(performed_on, "test date")
        text = _clean(notes, "note")
        cited = parse_evidence(evidence, base, self.path)
        with self._db.write(who) as tx:
            p = period_for_write(tx, period)
            if not p.contains(performed_on):
                raise ValidationError(
                    f"test date {performed_on} is outside period {p.name} ({p.span}); "
                    "nothing was recorded"
                )
            changes: list[Change] = []
            evidence_id = _link_evidence(tx, cid, cited, performed_on, changes)
            values = {
                "control_id": cid,
                "period": p.name,
                "kind": "design",
                "performed_on": performed_on.isoformat(),
                "performer": by,
                "conclusion": conclusion,
                "notes": text,
                "evidence_id": evidence_id,
            }
            test = _new_test(tx, values, changes)
            tx.append(changes)
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
        (cid,) = check_ids([control_id], known)
        who = check_actor(actor)
        check_plan(plan)
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
        with self._db.write(who) as tx:
            p = period_for_write(tx, period)
            current = operating_test(tx, cid, p.name)
            if current is None:
                changes: list[Change] = []
                values = {"control_id": cid, "period": p.name, "kind": "operating", **wanted}
                test = _new_test(tx, values, changes)
                return test, tx.append(changes)
            old = current.record()
            if {**old, **wanted} == old:
                return current, []
            tx.update(
                "control_test",
                {**wanted, "updated_at": tx.at, "updated_by": who},
                {"id": current.id},
            )
            test = load_test(tx, current.id)
            field = testing_field("test", test.id)
            change = Change(cid, field, record_json(current), record_json(test))
            return test, tx.append([change])

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
        (cid,) = check_ids([control_id], known)
        who = check_actor(actor)
        if result not in RESULTS:
            raise ValidationError(f"unknown result {result!r} (valid: {', '.join(RESULTS)})")
        label = _clean(ref, "sample reference")
        if occurred_on is None and label is None:
            raise ValidationError("a sample needs its date or an identifier (or both)")
        if plan is not None:
            check_plan(plan)
        text = _clean(notes, "note")
        cited = parse_evidence(evidence, base, self.path)
        with self._db.write(who) as tx:
            p = period_for_write(tx, period)
            if occurred_on is not None and not p.contains(occurred_on):
                raise ValidationError(
                    f"sample date {occurred_on} is outside period {p.name} ({p.span}); "
                    "nothing was recorded"
                )
            changes: list[Change] = []
            test = operating_test(tx, cid, p.name)
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
                test = _new_test(tx, values, changes)
            evidence_id = _link_evidence(tx, cid, cited, occurred_on, changes)
            new_id = tx.insert(
                "test_sample",
                {
                    "test_id": test.id,
                    "control_id": cid,
                    "period": p.name,
                    "occurred_on": occurred_on.isoformat() if occurred_on else None,
                    "ref": label,
                    "result": result,
                    "notes": text,
                    "evidence_id": evidence_id,
                    "created_at": tx.at,
                    "created_by": who,
                },
            )
            sample = load_sample(tx, new_id)
            assert sample is not None
            field = testing_field("sample", sample.id)
            changes.append(Change(cid, field, None, record_json(sample)))
            tx.append(changes)
            return sample, test

    def remove_sample(self, sample_id: int, *, actor: str) -> list[Event]:
        """Remove a sample recorded by mistake (history keeps it; undo restores it)."""
        who = check_actor(actor)
        with self._db.write(who) as tx:
            sample = load_sample(tx, sample_id)
            if sample is None:
                raise ValidationError(f"no sample #{sample_id}")
            cited = [f.id for f in findings_of(tx, sample.control_id) if sample.id in f.samples]
            if cited:
                raise ValidationError(
                    f"sample #{sample_id} is cited by finding(s) "
                    f"{', '.join(f'#{i}' for i in cited)}: change their samples first "
                    "(workbench finding update N --sample ...)"
                )
            tx.execute("DELETE FROM test_sample WHERE id = ?", (sample_id,))
            field = testing_field("sample", sample.id)
            return tx.append([Change(sample.control_id, field, record_json(sample), None)])

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
        (cid,) = check_ids([control_id], known)
        who = check_actor(actor)
        text = _clean(summary, "finding summary")
        if not text:
            raise ValidationError("a finding needs a summary: say what went wrong")
        check_finding_fields(severity, status, remediated_on)
        values = {
            "control_id": cid,
            "severity": severity,
            "summary": text,
            "owner": _clean(owner, "owner"),
            "due": check_day(due, "due date").isoformat() if due else None,
            "status": status,
            "remediated_on": remediated_on.isoformat() if remediated_on else None,
            "notes": _clean(notes, "note"),
        }
        with self._db.write(who) as tx:
            p = period_for_write(tx, period)
            ids = check_samples(tx, cid, p.name, samples)
            stamp = {"created_at": tx.at, "created_by": who, "updated_at": tx.at, "updated_by": who}
            new_id = tx.insert(
                "finding", {**values, "period": p.name, "samples": join(ids), **stamp}
            )
            item = load_finding(tx, new_id)
            assert item is not None
            tx.append([Change(cid, testing_field("finding", item.id), None, record_json(item))])
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
        who = check_actor(actor)
        with self._db.write(who) as tx:
            before = load_finding(tx, finding_id)
            if before is None:
                raise ValidationError(f"no finding #{finding_id}")
            wanted: dict[str, Any] = {}
            if not isinstance(severity, Unchanged):
                wanted["severity"] = severity
            if not isinstance(summary, Unchanged):
                text = _clean(summary, "finding summary")
                if not text:
                    raise ValidationError("a finding needs a summary: it cannot be emptied")
                wanted["summary"] = text
            if not isinstance(samples, Unchanged):
                ids = check_samples(tx, before.control_id, before.period, samples)
                wanted["samples"] = join(ids)
            if not isinstance(owner, Unchanged):
                wanted["owner"] = _clean(owner, "owner")
            if not isinstance(due, Unchanged):
                wanted["due"] = check_day(due, "due date").isoformat() if due else None
            if not isinstance(status, Unchanged):
                wanted["status"] = status
            if not isinstance(remediated_on, Unchanged):
                wanted["remediated_on"] = remediated_on.isoformat() if remediated_on else None
            if not isinstance(notes, Unchanged):  # the management response
                wanted["notes"] = _clean(notes, "notes")
            merged = {**finding_values(before.record()), **wanted}
            check_finding_fields(
                merged["severity"],
                merged["status"],
                date.fromisoformat(merged["remediated_on"]) if merged["remediated_on"] else None,
            )
            if merged == finding_values(before.record()):
                return before, []
            tx.update(
                "finding", {**wanted, "updated_at": tx.at, "updated_by": who}, {"id": finding_id}
            )
            after = load_finding(tx, finding_id)
            assert after is not None
            field = testing_field("finding", finding_id)
            change = Change(before.control_id, field, record_json(before), record_json(after))
            return after, tx.append([change])
