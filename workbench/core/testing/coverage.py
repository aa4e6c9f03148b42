"""Evidence period coverage: does what was collected for a control span its audit period?

For a control in a period: every quarter of the period should be covered by an evidence item
whose own period overlaps it, or by a sample dated in it; no sample should lie outside the
period; and no attached file should have changed since it was attached (the store's SHA-256
check). Quarters are counted from the period's start (calendar quarters for a calendar-aligned
period); the last one ends with the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from workbench.core.store.records import Evidence, EvidenceCheck
from workbench.core.store.testing_records import ControlTest, Period, Sample

from .rules import add_months


@dataclass(frozen=True, slots=True)
class Quarter:
    label: str  # Q1, Q2...
    start: date
    end: date

    @property
    def span(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def quarters(period: Period) -> list[Quarter]:
    """Three-month slices from the period's start; the last is cut at the period's end."""
    out: list[Quarter] = []
    start = period.start
    n = 0
    while start <= period.end:
        n += 1
        nxt = add_months(period.start, 3 * n)
        end = min(nxt - timedelta(days=1), period.end)
        out.append(Quarter(f"Q{n}", start, end))
        start = nxt
    return out


@dataclass(frozen=True, slots=True)
class QuarterCoverage:
    quarter: Quarter
    evidence: tuple[int, ...]  # evidence ids whose period overlaps the quarter
    samples: tuple[int, ...]  # sample ids dated in the quarter

    @property
    def covered(self) -> bool:
        return bool(self.evidence or self.samples)

    @property
    def label(self) -> str:
        return self.quarter.label

    @property
    def span(self) -> str:
        return self.quarter.span

    def to_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter.label,
            "start": self.quarter.start.isoformat(),
            "end": self.quarter.end.isoformat(),
            "covered": self.covered,
            "evidence": list(self.evidence),
            "samples": list(self.samples),
        }


@dataclass(frozen=True, slots=True)
class Coverage:
    control_id: str
    period: Period
    quarters: tuple[QuarterCoverage, ...]
    outside: tuple[Sample, ...]  # samples dated outside the period
    undated: tuple[Sample, ...]  # samples with an identifier only: cannot be placed
    no_period: tuple[int, ...]  # evidence without a period: covers nothing
    changed: tuple[EvidenceCheck, ...]  # files missing, changed or unreadable

    @property
    def uncovered(self) -> tuple[Quarter, ...]:
        return tuple(q.quarter for q in self.quarters if not q.covered)

    @property
    def ok(self) -> bool:
        return not (self.uncovered or self.outside or self.changed)

    @property
    def problems(self) -> list[str]:
        """Each problem in words (empty when the period is covered)."""
        out = [f"{q.label} ({q.span}) has no evidence or sample" for q in self.uncovered]
        out += [
            f"sample #{s.id} dated {s.occurred_on} is outside the period ({self.period.span})"
            for s in self.outside
        ]
        out += [
            f"evidence #{c.evidence.id} {c.state} since attached: {c.detail}" for c in self.changed
        ]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control_id,
            "period": self.period.name,
            "ok": self.ok,
            "quarters": [q.to_dict() for q in self.quarters],
            "uncovered": [q.label for q in self.uncovered],
            "samples_outside": [s.id for s in self.outside],
            "samples_undated": [s.id for s in self.undated],
            "evidence_without_period": list(self.no_period),
            "evidence_changed": [
                {"evidence": c.evidence.id, "state": c.state, "detail": c.detail}
                for c in self.changed
            ],
            "problems": self.problems,
        }


def _overlaps(item: Evidence, start: date, end: date) -> bool:
    if item.effective_from is None and item.effective_to is None:
        return False
    lo = item.effective_from or date.min
    hi = item.effective_to or date.max
    return lo <= end and hi >= start


def period_coverage(
    control_id: str,
    period: Period,
    evidence: Iterable[Evidence],
    samples: Iterable[Sample],
    checks: Sequence[EvidenceCheck] = (),
    tests: Iterable[ControlTest] = (),
) -> Coverage:
    """Coverage of one control in one period. `evidence`: the control's active evidence;
    `samples`: its samples in this period; `checks`: Store.check_evidence(control_id);
    `tests`: its tests in this period (their evidence counts as relevant)."""
    items = [e for e in evidence if e.control_id == control_id and e.active]
    mine = [s for s in samples if s.control_id == control_id and s.period == period.name]
    cited = {s.evidence_id for s in mine} | {
        t.evidence_id for t in tests if t.control_id == control_id and t.period == period.name
    }
    out: list[QuarterCoverage] = []
    for q in quarters(period):
        out.append(
            QuarterCoverage(
                q,
                tuple(e.id for e in items if _overlaps(e, q.start, q.end)),
                tuple(
                    s.id
                    for s in mine
                    if s.occurred_on is not None and q.start <= s.occurred_on <= q.end
                ),
            )
        )
    relevant = {
        e.id
        for e in items
        if e.id in cited
        or _overlaps(e, period.start, period.end)
        or (e.effective_from is None and e.effective_to is None)
    }
    return Coverage(
        control_id=control_id,
        period=period,
        quarters=tuple(out),
        outside=tuple(
            s for s in mine if s.occurred_on is not None and not period.contains(s.occurred_on)
        ),
        undated=tuple(s for s in mine if s.occurred_on is None),
        no_period=tuple(e.id for e in items if e.effective_from is None and e.effective_to is None),
        changed=tuple(c for c in checks if c.problem and c.evidence.id in relevant),
    )
