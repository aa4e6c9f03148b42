"""The practice tables behind testing conclusions, other than sample sizes (sampling.py).

Common public-accounting conventions; firms differ in detail, so each table can be changed in
`sampling.yaml` (keys `expanded` and `remediation`), with these as the defaults:

- Exceptions. A control performed weekly or less often (annual to weekly) is sampled so thinly
  that any exception means it did not operate effectively in the period. A daily or more
  frequent control may have one exception if the sample is expanded (default: to the high-risk
  size of its frequency, e.g. daily 40, multiple-daily 60) with no further exception; a second
  exception means not effective. An automated control has no tolerance: one exception fails it.
- Remediation (SOX, as of a date). A deficiency found in the period still exists at the as-of
  date unless the remediated control was tested with enough samples dated after the remediation
  (and on or before the as-of date) and operated for a minimum time after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

# Frequencies whose samples are small (1-15): any exception means not effective.
LOW_FREQUENCIES: frozenset[str] = frozenset(
    {"annual", "semiannual", "quarterly", "monthly", "weekly"}
)
# Frequencies where one exception can be tolerated after an expanded sample.
EXPANDABLE: tuple[str, ...] = ("daily", "multiple-daily", "per-event", "continuous")
UNITS: dict[str, str] = {"day": "days", "week": "weeks", "month": "months", "quarter": "quarters"}
_SPAN_RE = re.compile(r"^\s*(\d+)\s*(day|week|month|quarter)s?\s*$")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's length (Jan 31 + 1 -> Feb 28)."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for dom in (day.day, 30, 29, 28):
        try:
            return date(year, month, dom)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Span:
    """A minimum operating time: a number of days, weeks, months or quarters."""

    count: int
    unit: str  # day | week | month | quarter

    def after(self, day: date) -> date:
        """The first date on which the span has run since `day`."""
        if self.unit == "day":
            return day + timedelta(days=self.count)
        if self.unit == "week":
            return day + timedelta(weeks=self.count)
        return add_months(day, self.count * (3 if self.unit == "quarter" else 1))

    @property
    def text(self) -> str:
        return f"{self.count} {self.unit if self.count == 1 else UNITS[self.unit]}"

    @classmethod
    def parse(cls, text: str) -> Span | None:
        found = _SPAN_RE.match(text)
        if found is None or int(found.group(1)) < 1:
            return None
        return cls(int(found.group(1)), found.group(2))


@dataclass(frozen=True, slots=True)
class RemediationRule:
    """What a remediated control needs before the as-of date: passed samples (distinct
    occurrences) dated after the remediation, and a minimum time in operation."""

    samples: int
    span: Span | None = None

    @property
    def text(self) -> str:
        if self.span is None:
            if self.samples == 1:
                return "tested once after the remediation"
            return f"{self.samples} samples after the remediation"
        return f"{self.samples} samples over at least {self.span.text} after the remediation"

    def to_dict(self) -> dict[str, Any]:
        return {"samples": self.samples, "period": self.span.text if self.span else None}


# frequency (and "automated") -> the minimum after a remediation
DEFAULT_REMEDIATION: dict[str, RemediationRule] = {
    "annual": RemediationRule(1),
    "semiannual": RemediationRule(1),
    "quarterly": RemediationRule(2, Span(2, "quarter")),
    "monthly": RemediationRule(2, Span(2, "month")),
    "weekly": RemediationRule(5, Span(5, "week")),
    "daily": RemediationRule(20, Span(20, "day")),
    "multiple-daily": RemediationRule(25, Span(2, "week")),
    "per-event": RemediationRule(25, Span(2, "week")),
    "continuous": RemediationRule(25, Span(2, "week")),
    "automated": RemediationRule(1),
}
