"""Readiness, backed: which `effective` claims rest on tests, and which do not.

A pure function of the catalogs and the testing records (AuditRecords: periods, tests,
samples, findings and the current period of each framework). The rules:

- A control's *current periods* are the current periods of the frameworks it maps to (one
  period may serve several frameworks). With none, nothing is enforced for it: its status alone
  decides, and it is counted as "not checked".
- **Operating lens**: a control is ready only when `effective` AND, in each of its current
  periods, its operating test has at least the required passed samples and nothing open: no
  exception sample that is not resolved by a remediated or closed finding, no open finding. After
  a finding is remediated, only samples dated after the remediation count (a fresh test).
  `effective` without that is "effective, unsupported": listed and counted, never ready.
- **Design lens**: readiness is unchanged (`implemented` or `effective`); those without a passed
  test of design in each current period (the latest one's conclusion is `effective`) are
  flagged "design untested".
- Open findings (open, remediating) roll up per framework of their period, by severity; an open
  material weakness comes first (for SOX it means ICFR is not effective).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from workbench.core.catalog import CatalogSet
from workbench.core.store.errors import ValidationError
from workbench.core.store.testing_records import (
    SEVERITIES,
    AuditRecords,
    ControlTest,
    Finding,
    Period,
    Sample,
)

READY_DESIGN = frozenset({"implemented", "effective"})
NA = "not_applicable"
EFFECTIVE = "effective"
# Severities listed most severe first (roll-ups, lists).
SEVERITY_ORDER: tuple[str, ...] = tuple(reversed(SEVERITIES))


@dataclass(frozen=True, slots=True)
class OperatingResult:
    """A control's test of operating effectiveness in one period, against what it needs."""

    control_id: str
    period: str
    test: ControlTest | None
    required: int
    passed: int  # passed samples that count (after the last remediation, if any)
    exceptions_open: tuple[int, ...]  # exception sample ids not resolved by a finding
    findings_open: tuple[int, ...]  # open findings of the control in the period
    remediated_on: date | None  # the latest remediation: samples must follow it
    not_counted: int  # passed samples before the remediation, or undated after one

    @property
    def sufficient(self) -> bool:
        return (
            self.test is not None
            and self.passed >= self.required
            and not self.exceptions_open
            and not self.findings_open
        )

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the test does not back the control (empty when it does)."""
        if self.test is None:
            return (f"no operating test in period {self.period}",)
        out: list[str] = []
        if self.passed < self.required:
            after = f" after the remediation of {self.remediated_on}" if self.remediated_on else ""
            out.append(f"{self.passed} of {self.required} samples{after}")
        if self.exceptions_open:
            ids = ", ".join(f"#{i}" for i in self.exceptions_open)
            out.append(f"open exception(s): sample {ids}")
        if self.findings_open:
            out.append("open finding(s): " + ", ".join(f"#{i}" for i in self.findings_open))
        return tuple(out)

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
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class DesignResult:
    control_id: str
    period: str
    test: ControlTest | None  # the latest test of design in the period

    @property
    def passed(self) -> bool:
        return self.test is not None and self.test.conclusion == "effective"

    @property
    def reason(self) -> str:
        if self.test is None:
            return f"no test of design in period {self.period}"
        if not self.passed:
            return f"test of design #{self.test.id} concluded {self.test.conclusion}"
        return ""


@dataclass(frozen=True, slots=True)
class ControlNote:
    """A control in a list (unsupported, design untested), with why."""

    control_id: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"control": self.control_id, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class FrameworkBacking:
    """The backed figures of one framework."""

    framework_id: str
    period: Period | None  # the current period (None: no period in use)
    effective: int  # in-scope controls mapped to the framework with status effective
    backed: tuple[str, ...]  # effective and backed by tests in every current period
    unsupported: tuple[ControlNote, ...]  # effective, unsupported
    unchecked: tuple[str, ...]  # effective, but no current period applies to them
    design_untested: tuple[ControlNote, ...]
    findings_open: Mapping[str, int]  # severity -> open findings (periods of this framework)
    material_weaknesses: tuple[Finding, ...]  # open ones
    unclassified: tuple[Sample, ...]  # exception samples no finding cites yet

    @property
    def enforced(self) -> bool:
        return self.period is not None

    @property
    def open_findings(self) -> int:
        return sum(self.findings_open.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework_id,
            "period": self.period.to_dict() if self.period else None,
            "effective": self.effective,
            "backed": len(self.backed),
            "unsupported": len(self.unsupported),
            "unchecked": len(self.unchecked),
            "design_untested": len(self.design_untested),
            "backed_ids": list(self.backed),
            "unsupported_controls": [c.to_dict() for c in self.unsupported],
            "unchecked_ids": list(self.unchecked),
            "design_untested_controls": [c.to_dict() for c in self.design_untested],
            "findings_open": {s: self.findings_open.get(s, 0) for s in SEVERITY_ORDER},
            "material_weakness": bool(self.material_weaknesses),
            "material_weaknesses": [f.id for f in self.material_weaknesses],
            "exceptions_unclassified": [s.id for s in self.unclassified],
        }


class Backing:
    """The testing records indexed for readiness. Immutable: build a new one after a change."""

    def __init__(self, catalog: CatalogSet, records: AuditRecords) -> None:
        self.catalog = catalog
        self.records = records
        self._periods = {p.name: p for p in records.periods}
        self._current = {
            fw: self._periods[name]
            for fw, name in records.current.items()
            if name in self._periods and fw in catalog.frameworks
        }
        self._operating: dict[tuple[str, str], ControlTest] = {}
        self._design: dict[tuple[str, str], ControlTest] = {}
        for t in records.tests:
            key = (t.control_id, t.period)
            if t.kind == "operating":
                self._operating[key] = t
            else:
                prev = self._design.get(key)
                if prev is None or _design_order(t) >= _design_order(prev):
                    self._design[key] = t
        self._samples: dict[int, list[Sample]] = {}
        for s in records.samples:
            self._samples.setdefault(s.test_id, []).append(s)
        self._findings: dict[tuple[str, str], list[Finding]] = {}
        for f in records.findings:
            self._findings.setdefault((f.control_id, f.period), []).append(f)
        self._control_periods: dict[str, tuple[Period, ...]] = {}
        self._op_cache: dict[tuple[str, str], OperatingResult] = {}

    # -- periods -------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Some framework has a current period: backing is enforced somewhere."""
        return bool(self._current)

    def current_period(self, framework_id: str) -> Period | None:
        return self._current.get(framework_id)

    def period(self, name: str) -> Period | None:
        return self._periods.get(name)

    def periods_for(self, control_id: str) -> tuple[Period, ...]:
        """The distinct current periods of the frameworks this control maps to."""
        found = self._control_periods.get(control_id)
        if found is None:
            seen: dict[str, Period] = {}
            for fw in self.catalog.frameworks:
                p = self._current.get(fw)
                if p is not None and fw in self.catalog.frameworks_of(control_id):
                    seen.setdefault(p.name, p)
            found = tuple(seen.values())
            self._control_periods[control_id] = found
        return found

    def resolve_period(self, control_id: str, name: str | None = None) -> Period:
        """The period a test of this control goes in: `name` (which must serve a framework the
        control maps to), else its one current period. ValidationError says what to do."""
        fws = self.catalog.frameworks_of(control_id)
        if name is not None:
            period = self._periods.get(name.strip())
            if period is None:
                known = ", ".join(sorted(self._periods)) or "none yet: workbench period add"
                raise ValidationError(f"no audit period named {name.strip()!r} (known: {known})")
            if fws and not fws & set(period.frameworks):
                raise ValidationError(
                    f"period {period.name} is for {', '.join(period.frameworks)}, but "
                    f"{control_id} maps only to {', '.join(sorted(fws))}"
                )
            return period
        found = self.periods_for(control_id)
        if len(found) == 1:
            return found[0]
        if not found:
            raise ValidationError(
                f"no current audit period for {control_id} (it maps to "
                f"{', '.join(sorted(fws)) or 'no framework'}): add one with `workbench period "
                "add`, or choose one with `workbench period use` or --period"
            )
        raise ValidationError(
            f"{control_id} is in more than one current period ("
            + ", ".join(p.name for p in found)
            + "): say which with --period"
        )

    # -- one control ---------------------------------------------------------------------------
    def operating(self, control_id: str, period: str) -> OperatingResult:
        key = (control_id, period)
        cached = self._op_cache.get(key)
        if cached is None:
            cached = self._compute_operating(control_id, period)
            self._op_cache[key] = cached
        return cached

    def _compute_operating(self, control_id: str, period: str) -> OperatingResult:
        test = self._operating.get((control_id, period))
        findings = self._findings.get((control_id, period), [])
        resolved: set[int] = set()
        cutoff: date | None = None
        for f in findings:
            if not f.is_open:
                resolved.update(f.samples)
                if f.remediated_on is not None and (cutoff is None or f.remediated_on > cutoff):
                    cutoff = f.remediated_on
        open_findings = tuple(f.id for f in findings if f.is_open)
        if test is None:
            return OperatingResult(control_id, period, None, 0, 0, (), open_findings, cutoff, 0)
        passed = not_counted = 0
        exceptions: list[int] = []
        for s in self._samples.get(test.id, []):
            after = cutoff is None or (s.occurred_on is not None and s.occurred_on > cutoff)
            if s.exception:
                if s.id not in resolved:
                    exceptions.append(s.id)
            elif after:
                passed += 1
            else:
                not_counted += 1
        required = test.required if test.required is not None else 1
        return OperatingResult(
            control_id,
            period,
            test,
            required,
            passed,
            tuple(exceptions),
            open_findings,
            cutoff,
            not_counted,
        )

    def design(self, control_id: str, period: str) -> DesignResult:
        return DesignResult(control_id, period, self._design.get((control_id, period)))

    def operating_test(self, control_id: str, period: str) -> ControlTest | None:
        return self._operating.get((control_id, period))

    def design_tests(self, control_id: str, period: str | None = None) -> list[ControlTest]:
        return [
            t
            for t in self.records.tests
            if t.kind == "design"
            and t.control_id == control_id
            and (period is None or t.period == period)
        ]

    def samples(self, test_id: int) -> list[Sample]:
        return list(self._samples.get(test_id, []))

    def findings_of(self, control_id: str, period: str | None = None) -> list[Finding]:
        return [
            f
            for f in self.records.findings
            if f.control_id == control_id and (period is None or f.period == period)
        ]

    def checked(self, control_id: str) -> bool:
        """Some current period applies to this control (its backing is enforced)."""
        return bool(self.periods_for(control_id))

    def operating_backed(self, control_id: str) -> bool:
        return all(
            self.operating(control_id, p.name).sufficient for p in self.periods_for(control_id)
        )

    def operating_reasons(self, control_id: str) -> tuple[str, ...]:
        """Why the control is not backed, per current period (named with its frameworks when
        the control has more than one)."""
        periods = self.periods_for(control_id)
        out: list[str] = []
        for p in periods:
            reasons = self.operating(control_id, p.name).reasons
            if len(periods) > 1:
                reasons = tuple(f"{p.name} ({', '.join(p.frameworks)}): {r}" for r in reasons)
            out.extend(reasons)
        return tuple(out)

    def design_tested(self, control_id: str) -> bool:
        return all(self.design(control_id, p.name).passed for p in self.periods_for(control_id))

    def design_reasons(self, control_id: str) -> tuple[str, ...]:
        periods = self.periods_for(control_id)
        out: list[str] = []
        for p in periods:
            reason = self.design(control_id, p.name).reason
            if reason:
                where = f" ({', '.join(p.frameworks)})" if len(periods) > 1 else ""
                out.append(reason + where)
        return tuple(out)

    def ready(self, control_id: str, status: str, lens: str) -> bool:
        """The readiness rule (a Readiness `ready_fn`): see the module docstring."""
        if status == NA:
            return False
        if lens == "operating":
            if status != EFFECTIVE:
                return False
            return not self._current or self.operating_backed(control_id)
        return status in READY_DESIGN

    # -- roll-ups ------------------------------------------------------------------------------
    def findings(
        self,
        framework_id: str | None = None,
        *,
        open_only: bool = False,
        severity: str | None = None,
    ) -> list[Finding]:
        """Findings (of periods serving the framework), most severe first, then by id."""
        out = []
        for f in self.records.findings:
            if open_only and not f.is_open:
                continue
            if severity is not None and f.severity != severity:
                continue
            if framework_id is not None and not self._serves(framework_id, f.period, f.control_id):
                continue
            out.append(f)
        rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
        out.sort(key=lambda f: (rank.get(f.severity, 99), f.id))
        return out

    def _serves(self, framework_id: str, period_name: str, control_id: str) -> bool:
        """A finding or sample counts for a framework when its period serves the framework and
        its control maps to it (a SOX-only control's finding is not a SOC 2 finding)."""
        period = self._periods.get(period_name)
        return (
            period is not None
            and framework_id in period.frameworks
            and framework_id in self.catalog.frameworks_of(control_id)
        )

    def severity_counts(self, framework_id: str | None = None) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITY_ORDER, 0)
        for f in self.findings(framework_id, open_only=True):
            counts[f.severity] = counts.get(f.severity, 0) + 1
        return counts

    def unclassified(self, framework_id: str | None = None) -> list[Sample]:
        """Exception samples no finding cites yet (they block readiness until classified)."""
        cited = {sid for f in self.records.findings for sid in f.samples}
        out = []
        for s in self.records.samples:
            if not s.exception or s.id in cited:
                continue
            if framework_id is not None and not self._serves(framework_id, s.period, s.control_id):
                continue
            out.append(s)
        return out

    def framework(
        self,
        framework_id: str,
        statuses: Mapping[str, str],
        frameworks_of: Callable[[str], Iterable[str]] | None = None,
    ) -> FrameworkBacking:
        """The backed figures of a framework for these statuses. `frameworks_of` gives the
        frameworks a control serves (Readiness.control_frameworks: in-scope requirements only);
        default: every framework it maps to in the catalogs."""
        serves = frameworks_of or self.catalog.frameworks_of
        effective = 0
        backed: list[str] = []
        unsupported: list[ControlNote] = []
        unchecked: list[str] = []
        untested: list[ControlNote] = []
        for cid in self.catalog.controls:
            status = statuses.get(cid, "not_started")
            if status == NA or framework_id not in serves(cid):
                continue
            if status in READY_DESIGN and self.checked(cid) and not self.design_tested(cid):
                untested.append(ControlNote(cid, self.design_reasons(cid)))
            if status != EFFECTIVE:
                continue
            effective += 1
            if not self.checked(cid):
                unchecked.append(cid)
            elif self.operating_backed(cid):
                backed.append(cid)
            else:
                unsupported.append(ControlNote(cid, self.operating_reasons(cid)))
        return FrameworkBacking(
            framework_id=framework_id,
            period=self.current_period(framework_id),
            effective=effective,
            backed=tuple(backed),
            unsupported=tuple(unsupported),
            unchecked=tuple(unchecked),
            design_untested=tuple(untested),
            findings_open=self.severity_counts(framework_id),
            material_weaknesses=tuple(
                self.findings(framework_id, open_only=True, severity="material_weakness")
            ),
            unclassified=tuple(self.unclassified(framework_id)),
        )


def _design_order(t: ControlTest) -> tuple[date, int]:
    return (t.performed_on or date.min, t.id)


class BackedRule:
    """A Readiness `ready_fn` that follows a Backing, which can be swapped after a change (the
    Workspace does). Exports recognise it and re-apply it to their own snapshot."""

    __slots__ = ("backing",)

    def __init__(self, backing: Backing) -> None:
        self.backing = backing

    def __call__(self, control_id: str, status: str, lens: str) -> bool:
        return self.backing.ready(control_id, status, lens)
