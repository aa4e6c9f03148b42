"""Control-testing rows in the SQLite store: each kind's table, records <-> columns, loading,
the checks a write makes, and undo's "make the table hold this record".

A record's history event is `<kind>:<key>` (`period:FY27`, `test:3`, `sample:12`,
`finding:2`) with the record's canonical JSON as old and new value (null = no such record).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .canonical import canonical_json
from .errors import StoreError, ValidationError
from .evidence import Resolved, resolve_reference
from .format import PERIOD_SETTING_PREFIX
from .records import Row, check_day
from .testing_records import (
    FINDING_STATUSES,
    RISKS,
    SEVERITIES,
    AuditRecords,
    ControlTest,
    Finding,
    OperatingPlan,
    Period,
    Sample,
    control_test_from,
    finding_from,
    period_from,
    sample_from,
    split_testing_field,
)

if TYPE_CHECKING:
    from .tx import Reader, Tx

_EVIDENCE_NUMBER_RE = re.compile(r"^#?(\d{1,40})$")
_ID_MAX = 2**63 - 1  # SQLite's largest integer


def join(values: Sequence[Any]) -> str | None:
    return ",".join(str(v) for v in values) or None


def period_values(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": rec["name"],
        "frameworks": join(rec["frameworks"]) or "",
        "starts_on": rec["start"],
        "ends_on": rec["end"],
        "as_of": rec["as_of"],
    }


_TEST_COLUMNS = (
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
_SAMPLE_COLUMNS = (
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
_FINDING_COLUMNS = (
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


def test_values(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {name: rec[name] for name in _TEST_COLUMNS}


def sample_values(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {name: rec[name] for name in _SAMPLE_COLUMNS}


def finding_values(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {**{name: rec[name] for name in _FINDING_COLUMNS}, "samples": join(rec["samples"])}


class Kind(NamedTuple):
    name: str
    table: str
    key: str  # the key column
    record_of: Callable[[Row], dict[str, Any]]
    values_of: Callable[[Mapping[str, Any]], dict[str, Any]]
    audited: tuple[str, ...]  # audit columns: created_* (and updated_* when present)

    def label(self, key: str) -> str:
        return f"{self.name} {key}" if self.key == "name" else f"{self.name} #{key}"


KINDS: dict[str, Kind] = {
    "period": Kind(
        "period",
        "audit_period",
        "name",
        lambda row: period_from(row).record(),
        period_values,
        ("created",),
    ),
    "test": Kind(
        "test",
        "control_test",
        "id",
        lambda row: control_test_from(row).record(),
        test_values,
        ("created", "updated"),
    ),
    "sample": Kind(
        "sample",
        "test_sample",
        "id",
        lambda row: sample_from(row).record(),
        sample_values,
        ("created",),
    ),
    "finding": Kind(
        "finding",
        "finding",
        "id",
        lambda row: finding_from(row).record(),
        finding_values,
        ("created", "updated"),
    ),
}


def is_testing_field(name: str) -> bool:
    return split_testing_field(name) is not None


def record_json(record: Period | ControlTest | Sample | Finding) -> str:
    return canonical_json(record.record())


def apply_testing(tx: Tx, name: str, new: str | None) -> None:
    """Make the table hold `new` (a record's JSON; None removes the row). Used by undo."""
    split = split_testing_field(name)
    if split is None:  # pragma: no cover - callers check is_testing_field
        raise StoreError(f"not a testing field: {name!r}")
    kind = KINDS[split[0]]
    key: Any = split[1] if kind.key == "name" else int(split[1])
    if new is None:
        tx.execute(f"DELETE FROM {kind.table} WHERE {kind.key} = ?", (key,))
        return
    values = kind.values_of(json.loads(new))
    stamp: dict[str, Any] = {}
    if "updated" in kind.audited:
        stamp = {"updated_at": tx.at, "updated_by": tx.actor}
    if tx.one(f"SELECT 1 FROM {kind.table} WHERE {kind.key} = ?", (key,)) is not None:
        tx.update(kind.table, {**values, **stamp}, {kind.key: key})
    else:
        tx.insert(kind.table, {**values, "created_at": tx.at, "created_by": tx.actor, **stamp})


# ---------------------------------------------------------------------------------------------
# Loading


def read_audit_records(db: Reader) -> AuditRecords:
    periods = tuple(
        period_from(r) for r in db.all("SELECT * FROM audit_period ORDER BY starts_on, name")
    )
    tests = tuple(control_test_from(r) for r in db.all("SELECT * FROM control_test ORDER BY id"))
    samples = tuple(sample_from(r) for r in db.all("SELECT * FROM test_sample ORDER BY id"))
    findings = tuple(finding_from(r) for r in db.all("SELECT * FROM finding ORDER BY id"))
    rows = db.all(
        "SELECT key, value FROM setting WHERE substr(key, 1, ?) = ?",
        (len(PERIOD_SETTING_PREFIX), PERIOD_SETTING_PREFIX),
    )
    current = {str(row[0])[len(PERIOD_SETTING_PREFIX) :]: str(row[1]) for row in rows}
    return AuditRecords(periods, tests, samples, findings, current)


def load_period(db: Reader, name: str) -> Period | None:
    row = db.one("SELECT * FROM audit_period WHERE name = ?", (name,))
    return period_from(row) if row else None


def no_period(db: Reader, name: str) -> str:
    names = [row[0] for row in db.all("SELECT name FROM audit_period ORDER BY name")]
    known = f" (known: {', '.join(names)})" if names else " (none yet: workbench period add)"
    return f"no audit period named {name.strip()!r}{known}"


def period_for_write(db: Reader, name: str) -> Period:
    period = load_period(db, name.strip())
    if period is None:
        raise ValidationError(no_period(db, name))
    return period


def load_test(db: Reader, test_id: int) -> ControlTest:
    row = db.one("SELECT * FROM control_test WHERE id = ?", (test_id,))
    assert row is not None
    return control_test_from(row)


def operating_test(db: Reader, cid: str, period: str) -> ControlTest | None:
    row = db.one(
        "SELECT * FROM control_test WHERE control_id = ? AND period = ? AND kind = 'operating'",
        (cid, period),
    )
    return control_test_from(row) if row else None


def load_sample(db: Reader, sample_id: int) -> Sample | None:
    row = db.one("SELECT * FROM test_sample WHERE id = ?", (sample_id,))
    return sample_from(row) if row else None


def load_finding(db: Reader, finding_id: int) -> Finding | None:
    row = db.one("SELECT * FROM finding WHERE id = ?", (finding_id,))
    return finding_from(row) if row else None


def findings_of(db: Reader, cid: str) -> list[Finding]:
    return [finding_from(r) for r in db.all("SELECT * FROM finding WHERE control_id = ?", (cid,))]


# ---------------------------------------------------------------------------------------------
# Checks


def check_period_dates(start: date, end: date, as_of: date | None, suffix: str = "") -> None:
    check_day(start, "period start")
    check_day(end, "period end")
    if end < start:
        raise ValidationError(f"the period ends ({end}) before it starts ({start}){suffix}")
    if as_of is not None and not start <= as_of <= end:
        raise ValidationError(
            f"the as-of date {as_of} is outside the period ({start} to {end}){suffix}"
        )


def check_framework_rules(
    frameworks: Sequence[str], start: date, end: date, as_of: date | None
) -> None:
    """Each framework's rules for its periods (workbench.core.testing.periods)."""
    from workbench.core.testing.periods import check_period

    check_period(frameworks, start, end, as_of)


def check_plan(plan: OperatingPlan) -> None:
    if plan.required < 1:
        raise ValidationError(f"required samples must be at least 1, not {plan.required}")
    if plan.risk is not None and plan.risk not in RISKS:
        raise ValidationError(f"unknown risk {plan.risk!r} (valid: {', '.join(RISKS)})")
    if plan.population is not None and plan.population < 0:
        raise ValidationError(f"the population cannot be negative ({plan.population})")


def check_finding_fields(severity: str, status: str, remediated_on: date | None) -> None:
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


def check_samples(db: Reader, cid: str, period: str, ids: Sequence[int]) -> list[int]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        return []
    marks = ", ".join("?" * len(wanted))
    rows = {
        row["id"]: sample_from(row)
        for row in db.all(f"SELECT * FROM test_sample WHERE id IN ({marks})", wanted)
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


def parse_evidence(
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
