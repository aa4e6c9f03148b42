"""What an audit period must be for each framework it serves, and how its conclusion is drawn.

- SOX: management's assessment and the auditor's opinion speak as of one date, the fiscal year
  end (SEC Regulation S-K Item 308; PCAOB AS 2201 .03): a period serving `sox` has its as-of
  date at its end, or it is refused. Conclusions are *as of* that date: a deficiency found
  during the year can be remediated before it (rules.py).
- SOC 2: a Type I report speaks of one date (a period whose start is its end); it tests design,
  not operation. A Type II report covers a period, commonly 6 to 12 months (AICPA sets no
  minimum; 3 months is seen for a first report): outside 3 to 12 months is a warning.
  Deviations found in the period stay in it: the report lists them whatever was fixed later.
- Any other framework: as of its as-of date when it has one, else over the whole period.

A period serving several frameworks ("test once, comply many") must satisfy each one's rules,
and its tests the larger sample size, before it is reported as tested once for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from workbench.core.store.errors import ValidationError
from workbench.core.store.testing_records import Period

SOX = "sox"
SOC2 = "soc2"
TYPE2_MONTHS: tuple[int, int] = (3, 12)  # the usual length of a SOC 2 Type II period
AS_OF = "as_of"  # the conclusion is as of a date: remediation before it counts
OVER_PERIOD = "period"  # the conclusion covers the period: what was found stays found
POINT = "point"  # a point in time (SOC 2 Type I): design only


def months_between(start: date, end: date) -> int:
    """Whole months covered by start..end inclusive, rounded to the nearest month."""
    days = (end - start).days + 1
    return round(days / 30.44)


def check_period(frameworks: Sequence[str], start: date, end: date, as_of: date | None) -> None:
    """Refuse what no report could speak of (ValidationError, nothing is written)."""
    if SOX in frameworks and as_of != end:
        raise ValidationError(
            f"a SOX period is concluded as of the fiscal year end: its as-of date must be its "
            f"end ({end}), not {as_of or 'none'}"
        )


def framework_warnings(framework: str, start: date, end: date) -> list[str]:
    if framework == SOC2 and start != end:
        low, high = TYPE2_MONTHS
        months = months_between(start, end)
        if not low <= months <= high:
            return [
                f"soc2: a Type II period usually runs {low} to {high} months; this one runs "
                f"about {months}"
            ]
    return []


def period_warnings(period: Period) -> list[str]:
    """What is unusual about a period for the frameworks it serves (it is still recorded)."""
    out: list[str] = []
    for fw in period.frameworks:
        out += framework_warnings(fw, period.start, period.end)
    return out


def joint_problems(period: Period) -> list[str]:
    """Why a period serving several frameworks is not (yet) "tested once for all of them";
    [] when it is, or when it serves one framework."""
    if len(period.frameworks) < 2:
        return []
    out = period_warnings(period)
    try:
        check_period(period.frameworks, period.start, period.end, period.as_of)
    except ValidationError as exc:
        out.append(str(exc))
    if SOC2 in period.frameworks and period.start == period.end:
        out.append("soc2: a Type I period is a point in time; it cannot back operation")
    return out


def conclusion_mode(framework: str, period: Period) -> str:
    """How a framework concludes over a period: AS_OF, OVER_PERIOD or POINT."""
    if framework == SOC2:
        return POINT if period.start == period.end else OVER_PERIOD
    if framework == SOX or period.as_of is not None:
        return AS_OF
    return OVER_PERIOD


def mode_problem(framework: str, period: Period) -> str | None:
    """Why no operating conclusion can be drawn for a framework in a period (None: it can)."""
    if framework == SOX and period.as_of != period.end:
        return (
            f"period {period.name}: a SOX conclusion is as of the fiscal year end; set its "
            f"as-of date to its end ({period.end})"
        )
    if conclusion_mode(framework, period) == POINT:
        return (
            f"period {period.name} is a SOC 2 Type I point in time: it backs design, not "
            "operation over a period"
        )
    return None
