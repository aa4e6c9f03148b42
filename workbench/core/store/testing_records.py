"""Control testing records: audit periods, tests, samples and findings (schema 2).

Plain frozen dataclasses with no database import: any backend builds them from its rows.
Each record has `record()`: the JSON object that history stores for it (sorted keys, compact,
so two equal records encode to the same text), and `to_dict()` for JSON output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from .errors import ValidationError
from .format import TESTING_KINDS
from .records import Row, UnreadableDate, parse_at, stored_date

SEVERITIES: tuple[str, ...] = ("deficiency", "significant_deficiency", "material_weakness")
SEVERITY_LABELS: dict[str, str] = {
    "deficiency": "control deficiency",
    "significant_deficiency": "significant deficiency",
    "material_weakness": "material weakness",
}
FINDING_STATUSES: tuple[str, ...] = ("open", "remediating", "remediated", "closed")
OPEN_FINDING_STATUSES: frozenset[str] = frozenset({"open", "remediating"})
RISKS: tuple[str, ...] = ("low", "moderate", "high")
TEST_KINDS: tuple[str, ...] = ("design", "operating")
CONCLUSIONS: tuple[str, ...] = ("effective", "ineffective")
RESULTS: tuple[str, ...] = ("pass", "exception")

_PERIOD_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.:+-]{0,79}$")


def check_period_name(name: str) -> str:
    text = name.strip()
    if not _PERIOD_NAME_RE.match(text) or text != " ".join(text.split()):
        raise ValidationError(
            f"invalid period name {name!r}: start with a letter or digit; use letters, digits, "
            "single spaces and . _ - : + (at most 80 characters)"
        )
    return text


def _d(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _date(text: str | None) -> date | None:
    return stored_date(text)


def _at(text: str | None) -> datetime | None:
    return parse_at(text) if text else None


def _fmt_at(moment: datetime | None) -> str | None:
    """UTC to the second, as every JSON document writes times (docs/json.md)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def split_list(text: str | None) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split(",") if part)


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """A named audit period for one or more frameworks: start, end and (SOX) an as-of date."""

    name: str
    frameworks: tuple[str, ...]
    start: date
    end: date
    as_of: date | None = None
    created_at: datetime | None = None
    created_by: str | None = None

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def span(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    @property
    def label(self) -> str:
        as_of = f", as of {self.as_of.isoformat()}" if self.as_of else ""
        return f"{self.name} ({', '.join(self.frameworks)}: {self.span}{as_of})"

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "frameworks": list(self.frameworks),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": _d(self.as_of),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.record(),
            "created_at": _fmt_at(self.created_at),
            "created_by": self.created_by,
        }


@dataclass(frozen=True, slots=True)
class ControlTest:
    """A test of design (walkthrough) or of operating effectiveness of a control in a period."""

    id: int
    control_id: str
    period: str
    kind: str  # design | operating
    performed_on: date | None = None
    performer: str | None = None
    conclusion: str | None = None  # design: effective | ineffective
    population: int | None = None  # operating: occurrences in the period, when known
    risk: str | None = None  # operating: low | moderate | high
    required: int | None = None  # operating: samples required
    basis: str | None = None  # operating: where `required` comes from, in words
    notes: str | None = None
    evidence_id: int | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "control_id": self.control_id,
            "period": self.period,
            "kind": self.kind,
            "performed_on": _d(self.performed_on),
            "performer": self.performer,
            "conclusion": self.conclusion,
            "population": self.population,
            "risk": self.risk,
            "required": self.required,
            "basis": self.basis,
            "notes": self.notes,
            "evidence_id": self.evidence_id,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.record(),
            "created_at": _fmt_at(self.created_at),
            "created_by": self.created_by,
            "updated_at": _fmt_at(self.updated_at),
            "updated_by": self.updated_by,
        }


@dataclass(frozen=True, slots=True)
class Sample:
    """One sample of an operating test: a dated occurrence (or an identifier) and its result."""

    id: int
    test_id: int
    control_id: str
    period: str
    occurred_on: date | None
    ref: str | None
    result: str  # pass | exception
    notes: str | None = None
    evidence_id: int | None = None
    created_at: datetime | None = None
    created_by: str | None = None

    @property
    def exception(self) -> bool:
        return self.result == "exception"

    @property
    def label(self) -> str:
        parts = [p for p in (_d(self.occurred_on), self.ref) if p]
        return " ".join(parts)

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "test_id": self.test_id,
            "control_id": self.control_id,
            "period": self.period,
            "occurred_on": _d(self.occurred_on),
            "ref": self.ref,
            "result": self.result,
            "notes": self.notes,
            "evidence_id": self.evidence_id,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.record(),
            "created_at": _fmt_at(self.created_at),
            "created_by": self.created_by,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """A deficiency found by testing, classified by severity, with its remediation."""

    id: int
    control_id: str
    period: str
    severity: str
    summary: str
    samples: tuple[int, ...] = ()
    owner: str | None = None
    due: date | None = None
    status: str = "open"
    remediated_on: date | None = None
    notes: str | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_FINDING_STATUSES

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "control_id": self.control_id,
            "period": self.period,
            "severity": self.severity,
            "summary": self.summary,
            "samples": list(self.samples),
            "owner": self.owner,
            "due": _d(self.due),
            "status": self.status,
            "remediated_on": _d(self.remediated_on),
            "notes": self.notes,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.record(),
            "open": self.is_open,
            "created_at": _fmt_at(self.created_at),
            "created_by": self.created_by,
            "updated_at": _fmt_at(self.updated_at),
            "updated_by": self.updated_by,
        }


@dataclass(frozen=True, slots=True)
class OperatingPlan:
    """How many samples an operating test needs, and why (see workbench.core.testing)."""

    required: int
    basis: str
    risk: str | None = None
    population: int | None = None


@dataclass(frozen=True, slots=True)
class AuditRecords:
    """Every period, test, sample and finding, read in one transaction."""

    periods: tuple[Period, ...] = ()
    tests: tuple[ControlTest, ...] = ()
    samples: tuple[Sample, ...] = ()
    findings: tuple[Finding, ...] = ()
    current: Mapping[str, str] = field(default_factory=dict)  # framework id -> period name

    @property
    def empty(self) -> bool:
        return not (self.periods or self.tests or self.samples or self.findings)

    def period(self, name: str) -> Period | None:
        for p in self.periods:
            if p.name == name:
                return p
        return None

    def of_control(self, control_id: str) -> AuditRecords:
        """The same records cut down to one control's tests, samples and findings."""
        return replace(
            self,
            tests=tuple(t for t in self.tests if t.control_id == control_id),
            samples=tuple(s for s in self.samples if s.control_id == control_id),
            findings=tuple(f for f in self.findings if f.control_id == control_id),
        )

    def samples_of(self, test_id: int) -> list[Sample]:
        return [s for s in self.samples if s.test_id == test_id]


# ---------------------------------------------------------------------------------------------
# Rows -> records


def period_from(row: Row) -> Period:
    return Period(
        name=row["name"],
        frameworks=split_list(row["frameworks"]),
        start=stored_date(row["starts_on"]) or UnreadableDate(""),
        end=stored_date(row["ends_on"]) or UnreadableDate(""),
        as_of=_date(row["as_of"]),
        created_at=_at(row["created_at"]),
        created_by=row["created_by"],
    )


def control_test_from(row: Row) -> ControlTest:
    return ControlTest(
        id=row["id"],
        control_id=row["control_id"],
        period=row["period"],
        kind=row["kind"],
        performed_on=_date(row["performed_on"]),
        performer=row["performer"],
        conclusion=row["conclusion"],
        population=row["population"],
        risk=row["risk"],
        required=row["required"],
        basis=row["basis"],
        notes=row["notes"],
        evidence_id=row["evidence_id"],
        created_at=_at(row["created_at"]),
        created_by=row["created_by"],
        updated_at=_at(row["updated_at"]),
        updated_by=row["updated_by"],
    )


def sample_from(row: Row) -> Sample:
    return Sample(
        id=row["id"],
        test_id=row["test_id"],
        control_id=row["control_id"],
        period=row["period"],
        occurred_on=_date(row["occurred_on"]),
        ref=row["ref"],
        result=row["result"],
        notes=row["notes"],
        evidence_id=row["evidence_id"],
        created_at=_at(row["created_at"]),
        created_by=row["created_by"],
    )


def finding_from(row: Row) -> Finding:
    return Finding(
        id=row["id"],
        control_id=row["control_id"],
        period=row["period"],
        severity=row["severity"],
        summary=row["summary"],
        samples=tuple(int(s) for s in split_list(row["samples"])),
        owner=row["owner"],
        due=_date(row["due"]),
        status=row["status"],
        remediated_on=_date(row["remediated_on"]),
        notes=row["notes"],
        created_at=_at(row["created_at"]),
        created_by=row["created_by"],
        updated_at=_at(row["updated_at"]),
        updated_by=row["updated_by"],
    )


# ---------------------------------------------------------------------------------------------
# History fields


def testing_field(kind: str, key: str | int) -> str:
    return f"{kind}:{key}"


def split_testing_field(name: str) -> tuple[str, str] | None:
    """("test", "12") for "test:12"; None for any other field."""
    kind, sep, key = name.partition(":")
    if sep and kind in TESTING_KINDS and key:
        return kind, key
    return None


def describe_testing_event(name: str, old: str | None, new: str | None) -> str | None:
    """One line, in words, for a testing history event (None when `name` is not one)."""
    split = split_testing_field(name)
    if split is None:
        return None
    kind, key = split
    try:
        before = json.loads(old) if old else None
        after = json.loads(new) if new else None
    except ValueError:
        return f"{kind} {key}: (unreadable record)"
    record = after or before or {}
    if not isinstance(record, dict):
        return f"{kind} {key}: (unreadable record)"
    verb = "added" if before is None else "removed" if after is None else "updated"
    if kind == "period":
        what = f"period {key} ({', '.join(record.get('frameworks') or [])}: "
        what += f"{record.get('start')} to {record.get('end')})"
    elif kind == "test":
        what = f"test #{key} ({record.get('kind')}, period {record.get('period')})"
        if record.get("kind") == "design" and record.get("conclusion"):
            what += f": {record['conclusion']}"
        elif record.get("required") is not None:
            what += f": {record['required']} sample(s) required"
    elif kind == "sample":
        label = " ".join(str(v) for v in (record.get("occurred_on"), record.get("ref")) if v)
        what = f"sample #{key} {label}: {record.get('result')}"
    else:
        severity = SEVERITY_LABELS.get(str(record.get("severity")), record.get("severity"))
        what = f"finding #{key} ({severity}, {record.get('status')})"
    if verb == "updated" and isinstance(before, dict) and isinstance(after, dict):
        changed = [k for k in sorted(after) if before.get(k) != after.get(k)]
        detail = ", ".join(f"{k}: {before.get(k)} -> {after.get(k)}" for k in changed)
        return f"{what} updated ({detail})" if detail else f"{what} updated"
    return f"{what} {verb}"
