"""The conclusion of a test of operating effectiveness: one control, one period.

For each framework the period serves (and the control maps to), the conclusion is drawn the
way that framework's report draws it (periods.py: as of a date, or over the period), and the
control's result is the worst of them (a joint period must satisfy each framework):

- Only samples that can support the conclusion count: none dated after the as-of date, and
  each occurrence of the control once (occurrences.py).
- Exceptions (rules.py): in a control performed weekly or less often, or an automated one, any
  exception means *not effective*. In a daily or more frequent control one exception asks for
  the expanded sample with no further exception (until then: *insufficient*); two mean *not
  effective*.
- Findings are recorded deficiencies. One stands (and the control is *not effective*) unless a
  tested remediation removed it: closing a finding is not fixing it.
- Remediation counts only for a conclusion as of a date (SOX): the remediation date is before
  the as-of date, and after it the control operated for the minimum time and passed the
  minimum samples (distinct occurrences, none an exception) on or before the as-of date. Over a
  period (SOC 2 Type II) what was found stays found: the deviations are the period's.
- Otherwise the control is *effective* when its distinct passed occurrences reach the required
  sample size, else *insufficient*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workbench.core.store.testing_records import (
    SEVERITY_LABELS,
    ControlTest,
    Finding,
    Period,
    Sample,
)

from .occurrences import distinct
from .periods import AS_OF, conclusion_mode, mode_problem
from .rules import LOW_FREQUENCIES
from .sampling import SampleTable

EFFECTIVE = "effective"
INSUFFICIENT = "insufficient"
NOT_EFFECTIVE = "not_effective"
NO_TEST = "no_test"
VERDICTS: tuple[str, ...] = (EFFECTIVE, INSUFFICIENT, NO_TEST, NOT_EFFECTIVE)  # worst last
VERDICT_LABELS: dict[str, str] = {
    EFFECTIVE: "effective",
    INSUFFICIENT: "not enough evidence",
    NO_TEST: "not tested",
    NOT_EFFECTIVE: "not effective",
}


@dataclass(frozen=True, slots=True)
class OperatingResult:
    """A control's test of operating effectiveness in one period, and its conclusion."""

    control_id: str
    period: str
    test: ControlTest | None
    required: int  # distinct passed occurrences needed (the expanded size after one exception)
    passed: int  # distinct passed occurrences that count
    exceptions_open: tuple[int, ...]  # exception samples that count against the conclusion
    findings_open: tuple[int, ...]  # open findings (open, remediating)
    remediated_on: date | None  # the remediation the conclusion rests on (as of a date)
    not_counted: int  # passed samples that do not count (repeats, before a remediation, late)
    verdict: str = NO_TEST
    reasons: tuple[str, ...] = ()
    standing: tuple[int, ...] = ()  # findings that stand (every one not removed by remediation)
    deviations: tuple[int, ...] = ()  # every exception sample in the period
    expanded_to: int | None = None  # one exception: the sample grows to this size
    after_as_of: int = 0  # samples dated after the as-of date (never counted)
    remediation: str | None = None  # what the remediation needed, and whether it was met
    modes: tuple[str, ...] = field(default=())  # how each framework concluded
    remediation_met: bool = False  # a remediation before the as-of date was shown to work

    @property
    def sufficient(self) -> bool:
        return self.verdict == EFFECTIVE

    @property
    def failed(self) -> bool:
        return self.verdict == NOT_EFFECTIVE

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control_id,
            "period": self.period,
            "test": self.test.id if self.test else None,
            "required": self.required,
            "passed": self.passed,
            "exceptions_open": list(self.exceptions_open),
            "findings_open": list(self.findings_open),
            "remediated_on": self.remediated_on.isoformat() if self.remediated_on else None,
            "not_counted": self.not_counted,
            "sufficient": self.sufficient,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "findings_standing": list(self.standing),
            "deviations": list(self.deviations),
            "expanded_to": self.expanded_to,
            "after_as_of": self.after_as_of,
            "remediation": self.remediation,
        }


@dataclass(frozen=True, slots=True)
class _Part:
    """The conclusion for one way of concluding (as of a date, or over the period)."""

    verdict: str
    reasons: tuple[str, ...]
    required: int
    passed: int
    exceptions: tuple[int, ...]
    standing: tuple[int, ...]
    remediated_on: date | None
    not_counted: int
    expanded_to: int | None
    after_as_of: int
    remediation: str | None
    remediation_met: bool


def _finding_text(f: Finding) -> str:
    severity = SEVERITY_LABELS.get(f.severity, f.severity)
    if f.is_open:
        return f"open finding #{f.id} ({severity})"
    if f.status == "closed":
        return f"finding #{f.id} ({severity}) closed without remediation: closing is not fixing"
    return f"finding #{f.id} ({severity}) remediated on {f.remediated_on}"


def conclude(
    control_id: str,
    frequency: str,
    nature: str,
    period: Period,
    frameworks: Sequence[str],
    test: ControlTest | None,
    samples: Sequence[Sample],
    findings: Sequence[Finding],
    table: SampleTable,
) -> OperatingResult:
    """The operating conclusion of a control in a period, for these frameworks (see the module
    docstring); `findings` are the control's findings in the period."""
    open_ids = tuple(f.id for f in findings if f.is_open)
    deviations = tuple(s.id for s in samples if s.exception)
    modes: dict[str, str] = {}
    problems: list[str] = []
    for fw in frameworks or ("",):
        problem = mode_problem(fw, period) if fw else None
        if problem is not None:
            problems.append(problem)
        else:
            modes.setdefault(conclusion_mode(fw, period) if fw else "period", fw)
    parts = [
        _conclude_part(mode == AS_OF, frequency, nature, period, test, samples, findings, table)
        for mode in modes
    ]
    labels = list(modes.values())
    if not parts:
        parts = [_conclude_part(False, frequency, nature, period, test, samples, findings, table)]
        labels = [""]
    worst = max(parts, key=lambda p: VERDICTS.index(p.verdict))
    verdict = worst.verdict
    reasons = list(worst.reasons)
    if len(parts) > 1:  # a joint period concluded two ways: say which framework says what
        order = sorted(range(len(parts)), key=lambda i: parts[i] is not worst)
        reasons = []
        for i in order:
            own = [r for r in parts[i].reasons if r not in reasons]
            same = all(r in p.reasons for p in parts for r in own)
            reasons += own if same else [f"{labels[i]}: {r}" for r in own]
    if problems:
        reasons = problems + reasons
        if verdict == EFFECTIVE:
            verdict = INSUFFICIENT
    return OperatingResult(
        control_id=control_id,
        period=period.name,
        test=test,
        required=worst.required,
        passed=worst.passed,
        exceptions_open=worst.exceptions,
        findings_open=open_ids,
        remediated_on=worst.remediated_on,
        not_counted=worst.not_counted,
        verdict=verdict,
        reasons=tuple(reasons),
        standing=tuple(sorted({i for p in parts for i in p.standing})),
        deviations=deviations,
        expanded_to=worst.expanded_to,
        after_as_of=worst.after_as_of,
        remediation=worst.remediation,
        modes=tuple(modes),
        remediation_met=worst.remediation_met,
    )


def _conclude_part(
    as_of_mode: bool,
    frequency: str,
    nature: str,
    period: Period,
    test: ControlTest | None,
    samples: Sequence[Sample],
    findings: Sequence[Finding],
    table: SampleTable,
) -> _Part:
    as_of = period.as_of if as_of_mode else None
    late = [s for s in samples if as_of and s.occurred_on is not None and s.occurred_on > as_of]
    counted = [s for s in samples if s not in late]
    reasons: list[str] = []
    if late:
        reasons.append(
            f"{len(late)} sample(s) dated after the as-of date {as_of} do not count toward it"
        )

    # Remediation: only for a conclusion as of a date, and only before that date.
    remediated = [f for f in findings if f.status == "remediated" and f.remediated_on]
    cutoff: date | None = None
    validated = False
    remediation: str | None = None
    post: list[Sample] = []
    if as_of is not None:
        in_time = [f for f in remediated if f.remediated_on and f.remediated_on < as_of]
        if in_time:
            cutoff = max(f.remediated_on for f in in_time if f.remediated_on)
            rule = table.remediation_rule(frequency, nature)
            post = [s for s in counted if s.occurred_on is not None and s.occurred_on > cutoff]
            post_exceptions = [s for s in post if s.exception]
            post_passed = distinct([s for s in post if not s.exception], frequency, period)
            ran_until = rule.span.after(cutoff) if rule.span else cutoff
            missing: list[str] = []
            if post_exceptions:
                missing.append(
                    "exception(s) after it: sample "
                    + ", ".join(f"#{s.id}" for s in post_exceptions)
                )
            if len(post_passed) < rule.samples:
                missing.append(
                    f"{len(post_passed)} of {rule.samples} passed sample(s) dated after it"
                )
            if ran_until > as_of:
                missing.append(
                    f"operated {rule.span.text if rule.span else ''} only by {ran_until}, after "
                    f"the as-of date {as_of}"
                )
            validated = not missing
            remediation = f"remediated on {cutoff}: needs {rule.text} before {as_of}" + (
                "; met" if validated else "; not met: " + "; ".join(missing)
            )

    cured_findings = {
        f.id
        for f in remediated
        if validated and cutoff and f.remediated_on and f.remediated_on <= cutoff
    }
    cured_samples = {sid for f in findings if f.id in cured_findings for sid in f.samples}
    standing = [f for f in findings if f.id not in cured_findings]
    # A finding that stands fails the control by itself when it is open, when it cites no
    # exception (nothing else would carry it), or when, as of a date, its remediation is not
    # shown to work; otherwise the exceptions it classifies decide, by the rule below.
    failures: list[str] = []
    for f in standing:
        if f.is_open:
            failures.append(_finding_text(f))
        elif f.status == "remediated" and as_of is not None:
            too_late = f.remediated_on is None or f.remediated_on >= as_of
            if too_late:
                failures.append(_finding_text(f) + f": not before the as-of date {as_of}")
            else:  # the remediation says what is missing, once for every finding it covers
                failures.append(_finding_text(f) + ": " + (remediation or "").split(": ", 1)[-1])
        elif not f.samples:
            failures.append(
                _finding_text(f)
                + ("" if f.status == "closed" else ": in a period reported as a whole it stays")
            )

    window = post if validated else counted
    # Exceptions carried by a finding that already fails the control are not repeated.
    carried = {sid for f in standing if f.status == "remediated" and as_of for sid in f.samples}
    exceptions = [s for s in window if s.exception and s.id not in cured_samples]
    rule_exceptions = [s for s in exceptions if s.id not in carried]
    passed = distinct([s for s in window if not s.exception], frequency, period)
    required = test.required if test is not None and test.required is not None else 1
    if validated:
        required = table.remediation_rule(frequency, nature).samples
    not_counted = sum(1 for s in samples if not s.exception) - len(passed)
    expanded_to: int | None = None

    verdict = EFFECTIVE
    if rule_exceptions:
        exceptions_for_rule = rule_exceptions
        ids = ", ".join(f"#{s.id}" for s in exceptions_for_rule)
        expandable = table.expanded_size(frequency)
        if nature == "automated" or frequency in LOW_FREQUENCIES or expandable is None:
            word = "automated" if nature == "automated" else frequency
            what = ("an " if word[0] in "aeiou" else "a ") + word
            failures.append(
                f"exception(s) {ids} in {what} control: it did not operate effectively in the "
                "period"
            )
        elif len(exceptions_for_rule) > 1:
            failures.append(
                f"{len(exceptions_for_rule)} exceptions ({ids}) in a {frequency} control: it "
                "did not operate effectively in the period"
            )
        else:
            expanded_to = max(expandable, required)
            required = expanded_to
            if len(passed) < expanded_to:
                reasons.append(
                    f"one exception ({ids}): the sample grows to {expanded_to} with no further "
                    f"exception ({len(passed)} passed so far)"
                )
                verdict = INSUFFICIENT
    if failures:
        verdict = NOT_EFFECTIVE
        reasons = failures + reasons
    elif test is None:
        verdict = NO_TEST
        reasons.insert(0, f"no operating test in period {period.name}")
    elif verdict == EFFECTIVE and len(passed) < required:
        verdict = INSUFFICIENT
        after = f" after the remediation of {cutoff}" if validated else ""
        reasons.insert(0, f"{len(passed)} of {required} samples{after}")
    return _Part(
        verdict=verdict,
        reasons=tuple(reasons),
        required=required,
        passed=len(passed),
        exceptions=tuple(s.id for s in exceptions),
        standing=tuple(f.id for f in standing),
        remediated_on=cutoff,
        not_counted=max(not_counted, 0),
        expanded_to=expanded_to,
        after_as_of=len(late),
        remediation=remediation,
        remediation_met=validated,
    )
