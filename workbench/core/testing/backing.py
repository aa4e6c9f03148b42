"""Readiness, backed: which `effective` claims rest on tests, and which do not.

A pure function of the catalogs, the testing records (AuditRecords: periods, tests, samples,
findings and the current period of each framework), the practice tables (SampleTable) and the
statuses of the IT general controls. The rules (docs/testing.md states them in plain words):

- A control's *current periods* are the current periods of the frameworks it maps to (one
  period may serve several frameworks). With none, nothing is enforced for it: its status alone
  decides, and it is counted as "not checked".
- **Design comes first**: the latest test of design in a current period concluding
  `ineffective` makes the control not ready, and deficient, in both lenses ("design
  ineffective"); a finding that cites no sample (a design deficiency) does the same while it is
  open or closed without remediation.
- **Operating lens**: a control is ready only when `effective` AND its operating conclusion in
  each current period is *effective* (operating.py: exceptions by frequency, distinct
  occurrences, findings that stand, remediation as of the as-of date) AND, for an automated
  control or one that uses a report or spreadsheet, every IT general control over those systems
  is effective and backed ("unsupported: relies on SYSTEM's ITGCs"). A conclusion of *not
  effective* makes the control deficient (its requirements follow); `effective` then is
  *contradicted*. Too little evidence is "effective, unsupported".
- **Design lens**: `implemented` or `effective` is ready (unless design ineffective); those
  without any test of design in a current period are flagged "design untested".
- Roll-ups per framework use its vocabulary: SOX (and other frameworks) the deficiency ladder
  of AS 2201, counting every finding that stands in the current period (as of the as-of date);
  SOC 2 deviations per control and the criteria at risk, never "material weakness".
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

from .operating import OperatingResult, conclude
from .periods import SOC2
from .sampling import SampleTable, default_table

READY_DESIGN = frozenset({"implemented", "effective"})
NA = "not_applicable"
EFFECTIVE = "effective"
DEFICIENT = "deficient"
# Severities listed most severe first (roll-ups, lists).
SEVERITY_ORDER: tuple[str, ...] = tuple(reversed(SEVERITIES))
# How a framework's report names what testing finds.
DEFICIENCY_WORDS = "deficiency"  # AS 2201: deficiency, significant deficiency, material weakness
DEVIATION_WORDS = "deviation"  # SOC 2: deviations per control, criteria at risk


def vocabulary(framework_id: str) -> str:
    return DEVIATION_WORDS if framework_id == SOC2 else DEFICIENCY_WORDS


def concerns_design(f: Finding) -> bool:
    """A finding that cites no exception sample is taken as a design deficiency: it concerns
    both lenses (one that classifies exceptions concerns the operating lens)."""
    return not f.samples


@dataclass(frozen=True, slots=True)
class DesignResult:
    control_id: str
    period: str
    test: ControlTest | None  # the latest test of design in the period

    @property
    def passed(self) -> bool:
        return self.test is not None and self.test.conclusion == "effective"

    @property
    def ineffective(self) -> bool:
        return self.test is not None and self.test.conclusion == "ineffective"

    @property
    def reason(self) -> str:
        if self.test is None:
            return f"no test of design in period {self.period}"
        if not self.passed:
            return f"test of design #{self.test.id} concluded {self.test.conclusion}"
        return ""


@dataclass(frozen=True, slots=True)
class Conclusion:
    """A control's readiness under one lens, with its label and why."""

    control_id: str
    lens: str
    ready: bool
    deficient: bool
    label: str  # ready, not ready, deficient, not effective, design ineffective, ...
    reasons: tuple[str, ...] = ()
    contradicted: bool = False  # status effective, but the tests found it failing
    checked: bool = True  # a current period applies (else the status alone decided)

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control_id,
            "lens": self.lens,
            "ready": self.ready,
            "deficient": self.deficient,
            "label": self.label,
            "reasons": list(self.reasons),
            "contradicted": self.contradicted,
            "checked": self.checked,
        }


@dataclass(frozen=True, slots=True)
class ControlNote:
    """A control in a list (unsupported, contradicted, design untested...), with why."""

    control_id: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"control": self.control_id, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class Deviation:
    """SOC 2: a control's exceptions in the period (each stays, whatever was fixed later)."""

    control_id: str
    samples: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"control": self.control_id, "samples": list(self.samples)}


@dataclass(frozen=True, slots=True)
class FrameworkBacking:
    """The backed figures of one framework, in its vocabulary."""

    framework_id: str
    period: Period | None  # the current period (None: no period in use)
    effective: int  # in-scope controls mapped to the framework with status effective
    backed: tuple[str, ...]  # effective and backed by tests in every current period
    unsupported: tuple[ControlNote, ...]  # effective, unsupported (too little evidence)
    unchecked: tuple[str, ...]  # effective, but no current period applies to them
    design_untested: tuple[ControlNote, ...]
    findings_open: Mapping[str, int]  # severity -> open findings (periods of this framework)
    material_weaknesses: tuple[Finding, ...]  # material weaknesses that stand (current period)
    unclassified: tuple[Sample, ...]  # exception samples no finding cites yet
    contradicted: tuple[ControlNote, ...] = ()  # effective, but the tests found it failing
    design_ineffective: tuple[ControlNote, ...] = ()
    standing: tuple[Finding, ...] = ()  # findings that stand in the current period
    deviations: tuple[Deviation, ...] = ()  # exceptions per control in the current period
    criteria_at_risk: tuple[str, ...] = ()  # requirements with a failing primary control
    vocabulary: str = DEFICIENCY_WORDS

    @property
    def enforced(self) -> bool:
        return self.period is not None

    @property
    def open_findings(self) -> int:
        return sum(self.findings_open.values())

    @property
    def deficiencies(self) -> dict[str, int]:
        """Severity -> findings that stand in the current period (closing is not fixing; for
        a conclusion as of a date, only a tested remediation removes one)."""
        counts = dict.fromkeys(SEVERITY_ORDER, 0)
        for f in self.standing:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        return counts

    @property
    def deviation_count(self) -> int:
        return sum(len(d.samples) for d in self.deviations)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "framework": self.framework_id,
            "vocabulary": self.vocabulary,
            "period": self.period.to_dict() if self.period else None,
            "effective": self.effective,
            "backed": len(self.backed),
            "unsupported": len(self.unsupported),
            "contradicted": len(self.contradicted),
            "unchecked": len(self.unchecked),
            "design_untested": len(self.design_untested),
            "design_ineffective": len(self.design_ineffective),
            "backed_ids": list(self.backed),
            "unsupported_controls": [c.to_dict() for c in self.unsupported],
            "contradicted_controls": [c.to_dict() for c in self.contradicted],
            "unchecked_ids": list(self.unchecked),
            "design_untested_controls": [c.to_dict() for c in self.design_untested],
            "design_ineffective_controls": [c.to_dict() for c in self.design_ineffective],
            "findings_open_total": self.open_findings,
            "exceptions_unclassified": [s.id for s in self.unclassified],
        }
        if self.vocabulary == DEVIATION_WORDS:
            out["deviations"] = [d.to_dict() for d in self.deviations]
            out["deviation_count"] = self.deviation_count
            out["criteria_at_risk"] = list(self.criteria_at_risk)
        else:
            out["findings_open"] = {s: self.findings_open.get(s, 0) for s in SEVERITY_ORDER}
            out["deficiencies"] = self.deficiencies
            out["findings_standing"] = [f.id for f in self.standing]
            out["material_weakness"] = bool(self.material_weaknesses)
            out["material_weaknesses"] = [f.id for f in self.material_weaknesses]
        return out


class Backing:
    """The testing records indexed for readiness. Immutable: build a new one after a change
    (the statuses it reads for IT general controls are bound by the readiness model)."""

    def __init__(
        self,
        catalog: CatalogSet,
        records: AuditRecords,
        table: SampleTable | None = None,
        statuses: Mapping[str, str] | None = None,
    ) -> None:
        self.catalog = catalog
        self.records = records
        self.table = table or default_table()
        self.statuses: Mapping[str, str] = statuses if statuses is not None else {}
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
        self._op_cache: dict[tuple[str, str, tuple[str, ...]], OperatingResult] = {}
        self._itgcs: dict[str, tuple[str, ...]] | None = None
        self._dependents: dict[str, tuple[str, ...]] | None = None
        self._visiting: set[str] = set()  # IT general controls being checked (no loops)

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

    def frameworks_in(self, control_id: str, period: Period) -> tuple[str, ...]:
        """The frameworks of a period that this control maps to (whose rules apply to it)."""
        mine = self.catalog.frameworks_of(control_id)
        return tuple(fw for fw in period.frameworks if fw in mine) or tuple(period.frameworks)

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
    def operating(
        self, control_id: str, period: str, frameworks: tuple[str, ...] | None = None
    ) -> OperatingResult:
        """The operating conclusion of a control in a period: under every framework of the
        period it maps to (the worst), or under the given ones."""
        p = self._periods.get(period)
        fws = frameworks
        if fws is None:
            fws = self.frameworks_in(control_id, p) if p is not None else ()
        key = (control_id, period, fws)
        cached = self._op_cache.get(key)
        if cached is None:
            cached = self._compute_operating(control_id, period, fws)
            self._op_cache[key] = cached
        return cached

    def _compute_operating(
        self, control_id: str, period: str, frameworks: tuple[str, ...]
    ) -> OperatingResult:
        test = self._operating.get((control_id, period))
        findings = self._findings.get((control_id, period), [])
        p = self._periods.get(period)
        ctl = self.catalog.controls.get(control_id)
        if p is None or ctl is None:  # pragma: no cover - records name existing things
            return OperatingResult(control_id, period, test, 1, 0, (), (), None, 0)
        samples = self._samples.get(test.id, []) if test is not None else []
        return conclude(
            control_id,
            ctl.frequency,
            ctl.nature,
            p,
            frameworks,
            test,
            samples,
            findings,
            self.table,
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

    def operating_failed(self, control_id: str) -> bool:
        return any(self.operating(control_id, p.name).failed for p in self.periods_for(control_id))

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

    def design_problems(self, control_id: str) -> tuple[str, ...]:
        """Why the design is ineffective in a current period (empty when it is not known to
        be): the latest test of design, or a design finding that stands."""
        out: list[str] = []
        for p in self.periods_for(control_id):
            d = self.design(control_id, p.name)
            if d.ineffective and d.test is not None:
                out.append(
                    f"the latest test of design (#{d.test.id}, {d.test.performed_on}) concluded "
                    "ineffective"
                )
            for f in self._findings.get((control_id, p.name), []):
                if concerns_design(f) and (f.is_open or f.status == "closed"):
                    what = "open" if f.is_open else "closed without remediation"
                    out.append(f"design finding #{f.id} ({f.severity_label}) {what}")
        return tuple(out)

    # -- reliance on IT general controls -------------------------------------------------------
    def itgcs_over(self, system_id: str) -> tuple[str, ...]:
        if self._itgcs is None:
            found: dict[str, list[str]] = {}
            for cid, ctl in self.catalog.controls.items():
                for sid in ctl.covers:
                    found.setdefault(sid, []).append(cid)
            self._itgcs = {k: tuple(v) for k, v in found.items()}
        return self._itgcs.get(system_id, ())

    def dependents(self, control_id: str) -> tuple[str, ...]:
        """The controls whose readiness rests on this IT general control."""
        if self._dependents is None:
            deps: dict[str, list[str]] = {}
            for cid in self.catalog.controls:
                for sid in self.catalog.relied_systems(cid):
                    for itgc in self.itgcs_over(sid):
                        deps.setdefault(itgc, []).append(cid)
            self._dependents = {k: tuple(dict.fromkeys(v)) for k, v in deps.items()}
        return self._dependents.get(control_id, ())

    def itgc_problem(self, control_id: str) -> str | None:
        """Why an IT general control cannot be relied on (None: it can): under the operating
        lens it is not ready (deficient, a finding, a failed test, an ineffective design, not
        effective, not backed by tests, or itself relying on a report that cannot be)."""
        status = self.statuses.get(control_id, "not_started")
        if control_id in self._visiting:
            return f"{control_id} relies, through other controls, on itself"
        self._visiting.add(control_id)
        try:
            c = self.conclusion(control_id, status, "operating")
        finally:
            self._visiting.discard(control_id)
        if c.ready:
            return None
        if not c.checked or c.label in ("not ready", "deficient"):
            return f"{control_id} is {status.replace('_', ' ')}, not effective"
        why = f": {c.reasons[0]}" if c.reasons else ""
        return f"{control_id} is {c.label}{why}"

    def reliance_problems(self, control_id: str) -> list[tuple[str, str]]:
        """(system, why) for each system whose ITGCs this control relies on and cannot."""
        out: list[tuple[str, str]] = []
        for sid in self.catalog.relied_systems(control_id):
            itgcs = self.itgcs_over(sid)
            if not itgcs:
                out.append((sid, f"no IT general control covers {sid}"))
                continue
            for itgc in itgcs:
                why = self.itgc_problem(itgc)
                if why is not None:
                    out.append((sid, why))
        return out

    # -- the rule ------------------------------------------------------------------------------
    def conclusion(self, control_id: str, status: str, lens: str) -> Conclusion:
        """A control's readiness under a lens (see the module docstring)."""
        if status == NA:
            return Conclusion(control_id, lens, False, False, "not applicable", checked=False)
        if not self.checked(control_id):
            ready = status == EFFECTIVE if lens == "operating" else status in READY_DESIGN
            label = "ready" if ready else ("deficient" if status == DEFICIENT else "not ready")
            return Conclusion(control_id, lens, ready, status == DEFICIENT, label, checked=False)
        design = self.design_problems(control_id)
        if lens != "operating":
            if design:
                return Conclusion(
                    control_id, lens, False, True, _design_label(control_id, self), design
                )
            if status in READY_DESIGN:
                return Conclusion(control_id, lens, True, False, "ready")
            label = "deficient" if status == DEFICIENT else "not ready"
            return Conclusion(control_id, lens, False, status == DEFICIENT, label)
        claimed = status == EFFECTIVE
        if design:
            label = _design_label(control_id, self)
            return Conclusion(control_id, lens, False, True, label, design, contradicted=claimed)
        if self.operating_failed(control_id):
            reasons = self.operating_reasons(control_id)
            return Conclusion(
                control_id, lens, False, True, "not effective", reasons, contradicted=claimed
            )
        if status == DEFICIENT:
            return Conclusion(control_id, lens, False, True, "deficient")
        if not claimed:
            return Conclusion(control_id, lens, False, False, "not ready")
        if not self.operating_backed(control_id):
            return Conclusion(
                control_id,
                lens,
                False,
                False,
                "effective, unsupported",
                self.operating_reasons(control_id),
            )
        reliance = self.reliance_problems(control_id)
        if reliance:
            reasons = tuple(f"relies on {sid}'s ITGCs: {why}" for sid, why in reliance)
            label = f"unsupported: relies on {reliance[0][0]}'s ITGCs"
            return Conclusion(control_id, lens, False, False, label, reasons)
        return Conclusion(control_id, lens, True, False, "ready")

    def ready(self, control_id: str, status: str, lens: str) -> bool:
        """The readiness rule (a Readiness `ready_fn`): see the module docstring."""
        return self.conclusion(control_id, status, lens).ready

    def deficient(self, control_id: str, status: str, lens: str) -> bool:
        """A Readiness `deficient_fn`: the tests found the control failing under this lens."""
        return self.conclusion(control_id, status, lens).deficient

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
        in_scope: Callable[[str, str], bool] | None = None,
    ) -> FrameworkBacking:
        """The backed figures of a framework for these statuses. `frameworks_of` gives the
        frameworks a control serves (Readiness.control_frameworks: in-scope requirements only);
        `in_scope` whether a requirement is in scope (criteria at risk); default: every
        framework it maps to in the catalogs, every requirement."""
        serves = frameworks_of or self.catalog.frameworks_of
        effective = 0
        backed: list[str] = []
        unsupported: list[ControlNote] = []
        contradicted: list[ControlNote] = []
        unchecked: list[str] = []
        untested: list[ControlNote] = []
        ineffective: list[ControlNote] = []
        for cid in self.catalog.controls:
            status = statuses.get(cid, "not_started")
            if status == NA or framework_id not in serves(cid):
                continue
            checked = self.checked(cid)
            design = self.design_problems(cid) if checked else ()
            if design:
                ineffective.append(ControlNote(cid, design))
            elif status in READY_DESIGN and checked:
                # Untested for this framework only when its own current period has no
                # walkthrough (a missing one in another framework's period is that one's).
                own = self.current_period(framework_id)
                if own is not None and own in self.periods_for(cid):
                    missing = self.design(cid, own.name)
                    if missing.test is None:
                        untested.append(ControlNote(cid, (missing.reason,)))
            if status != EFFECTIVE:
                continue
            effective += 1
            if not checked:
                unchecked.append(cid)
                continue
            c = self.conclusion(cid, status, "operating")
            if c.ready:
                backed.append(cid)
            elif c.contradicted:
                contradicted.append(ControlNote(cid, c.reasons))
            else:
                unsupported.append(ControlNote(cid, c.reasons))
        period = self.current_period(framework_id)
        standing: list[Finding] = []
        deviations: list[Deviation] = []
        at_risk: dict[str, None] = {}
        if period is not None:
            by_id = {f.id: f for f in self.records.findings}
            fws = (framework_id,)
            for cid in self.catalog.controls:
                if framework_id not in self.catalog.frameworks_of(cid):
                    continue
                has_records = (cid, period.name) in self._findings or self._operating.get(
                    (cid, period.name)
                )
                if not has_records and not self.design(cid, period.name).test:
                    continue
                op = self.operating(cid, period.name, fws)
                standing += [by_id[i] for i in op.standing if i in by_id]
                if op.deviations:
                    deviations.append(Deviation(cid, op.deviations))
                failing = op.failed or self.design(cid, period.name).ineffective
                if failing:
                    for m in self.catalog.by_control.get(cid, ()):
                        if m.framework_id != framework_id or not m.primary:
                            continue
                        if in_scope is None or in_scope(framework_id, m.requirement_id):
                            at_risk[m.requirement_id] = None
        rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
        standing.sort(key=lambda f: (rank.get(f.severity, 99), f.id))
        order = {
            r.id: i for i, r in enumerate(self.catalog.frameworks[framework_id].requirements())
        }
        return FrameworkBacking(
            framework_id=framework_id,
            period=period,
            effective=effective,
            backed=tuple(backed),
            unsupported=tuple(unsupported),
            unchecked=tuple(unchecked),
            design_untested=tuple(untested),
            findings_open=self.severity_counts(framework_id),
            material_weaknesses=tuple(f for f in standing if f.severity == "material_weakness"),
            unclassified=tuple(self.unclassified(framework_id)),
            contradicted=tuple(contradicted),
            design_ineffective=tuple(ineffective),
            standing=tuple(standing),
            deviations=tuple(deviations),
            criteria_at_risk=tuple(sorted(at_risk, key=lambda r: order.get(r, 1 << 30))),
            vocabulary=vocabulary(framework_id),
        )


def _design_label(control_id: str, backing: Backing) -> str:
    periods = backing.periods_for(control_id)
    if any(backing.design(control_id, p.name).ineffective for p in periods):
        return "design ineffective"
    return "design deficient"


def _design_order(t: ControlTest) -> tuple[date, int]:
    return (t.performed_on or date.min, t.id)


class BackedRule:
    """A Readiness `ready_fn` (and `deficient_fn`) that follows a Backing, which can be swapped
    after a change (the Workspace does). Readiness binds it to its live statuses (the IT
    general controls' statuses decide their dependents) and refreshes the dependents of a
    control that changes. Exports recognise it and re-apply it to their own snapshot."""

    __slots__ = ("_statuses", "backing")

    def __init__(self, backing: Backing) -> None:
        self.backing = backing
        self._statuses: Mapping[str, str] = backing.statuses

    def bind(self, statuses: Mapping[str, str]) -> None:
        self._statuses = statuses
        self.backing.statuses = statuses

    def swap(self, backing: Backing) -> None:
        """Use a new Backing (after a testing change), keeping the bound statuses."""
        backing.statuses = self._statuses
        self.backing = backing

    def __call__(self, control_id: str, status: str, lens: str) -> bool:
        return self.backing.ready(control_id, status, lens)

    def deficient(self, control_id: str, status: str, lens: str) -> bool:
        return self.backing.deficient(control_id, status, lens)

    def dependents(self, control_id: str) -> tuple[str, ...]:
        return self.backing.dependents(control_id)
