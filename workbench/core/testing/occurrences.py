"""Distinct occurrences: a sample is one occurrence of the control, so samples count once per
occurrence. Two samples of a monthly control from the same month are one occurrence; for a
control performed many times a day (or per event) each transaction is one, told apart by its
identifier.

The bucket of a dated sample by the control's frequency: annual, one per period; semiannual,
half of the period; quarterly, quarter of the period (from its start, as coverage.py cuts
them); monthly, calendar month; weekly, ISO week; daily, the day; multiple-daily, per-event and
continuous, the day and the identifier. A sample known only by its identifier counts once per
identifier.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import date

from workbench.core.store.testing_records import Period, Sample

from .rules import add_months


def _slice(period: Period, day: date, months: int) -> int:
    """Which `months`-long slice of the period (from its start) a day falls in."""
    n = 0
    while add_months(period.start, months * (n + 1)) <= day:
        n += 1
    return n


def occurrence(sample: Sample, frequency: str, period: Period) -> Hashable:
    """The occurrence a sample tests (equal keys: the same occurrence)."""
    day = sample.occurred_on
    if day is None:
        return ("ref", sample.ref or f"#{sample.id}")
    if frequency == "annual":
        return ("period",)
    if frequency == "semiannual":
        return ("half", _slice(period, day, 6))
    if frequency == "quarterly":
        return ("quarter", _slice(period, day, 3))
    if frequency == "monthly":
        return ("month", day.year, day.month)
    if frequency == "weekly":
        iso = day.isocalendar()
        return ("week", iso.year, iso.week)
    if frequency == "daily":
        return ("day", day)
    return ("event", day, sample.ref or f"#{sample.id}")


def distinct(samples: Iterable[Sample], frequency: str, period: Period) -> list[Sample]:
    """The first sample of each occurrence, in the given order."""
    seen: set[Hashable] = set()
    out: list[Sample] = []
    for s in samples:
        key = occurrence(s, frequency, period)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out
