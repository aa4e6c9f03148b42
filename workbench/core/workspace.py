"""A working session: catalogs + store + the live readiness model, kept in step.

The only way to change data, for the CLI and the app alike. Every change takes the same path:
validate (core/validate.py: one message per mistake, wherever it was typed), commit through the
store (one transaction, one undoable action, whatever the number of controls), then bring the
live model in step with the events the store returned (`apply`: one function for marks, edits,
undo, evidence, settings and testing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core import validate
from workbench.core.catalog import CatalogSet
from workbench.core.catalog.model import FILER_STATUSES
from workbench.core.readiness import (
    FILER_SETTING,
    LENSES,
    Readiness,
    Scope,
)
from workbench.core.status import Status
from workbench.core.store import (
    UNCHANGED,
    AuditRecords,
    ControlState,
    ControlTest,
    Event,
    Evidence,
    EvidenceCheck,
    Finding,
    Period,
    Sample,
    Unchanged,
    ValidationError,
    VerifyResult,
)
from workbench.core.store.evidence import Progress, Resolved, resolve_reference
from workbench.core.store.format import CONTROL_FIELDS, PERIOD_SETTING_PREFIX, SETTING_PREFIX
from workbench.core.store.records import format_at, state_from_row
from workbench.core.store.testing_records import split_testing_field
from workbench.core.testing import (
    BackedRule,
    Backing,
    Coverage,
    FrameworkBacking,
    SampleSize,
    SampleTable,
    default_table,
    load_sample_table,
    operating_plan,
    period_coverage,
)

if TYPE_CHECKING:
    from workbench.core.store import StoreProtocol


class Workspace:
    def __init__(
        self, catalog: CatalogSet, store: StoreProtocol, actor: str, *, lens: str = "design"
    ) -> None:
        self.catalog = catalog
        # The lens is how this person looks at the data (a view preference: see
        # core/prefs.py), not a setting of the database: it never becomes a history event.
        self._lens = lens
        self.store = store
        self.actor = actor
        self._states: dict[str, ControlState] | None = None
        self._table: SampleTable | None = None
        self.rules_error: str | None = None  # sampling.yaml is bad: the built-in tables rule
        # Control testing: which `effective` claims are backed by tests (see
        # workbench.core.testing.backing). The rule is the readiness ready_fn; its Backing is
        # replaced (never mutated) after each testing change.
        self._rule = BackedRule(Backing(catalog, AuditRecords()))
        # Built on first use: a command that only reads the history never pays for it.
        self._readiness: Readiness | None = None

    @property
    def readiness(self) -> Readiness:
        if self._readiness is None:
            self._readiness = self._build()
        return self._readiness

    @property
    def backing(self) -> Backing:
        """Which claims the tests back (built with readiness, on first use)."""
        if self._readiness is None:
            self._readiness = self._build()
        return self._rule.backing

    @backing.setter
    def backing(self, value: Backing) -> None:
        self._rule.swap(value)

    def _build(self) -> Readiness:
        settings = self.store.settings()
        statuses = {cid: st.status for cid, st in self.states().items()}
        self.backing = Backing(self.catalog, self.store.audit_records(), self.rules_table())
        return Readiness(
            self.catalog,
            statuses,
            lens=self._lens,
            scope=Scope.from_settings(settings),
            ready_fn=self._rule,
        )

    def reload(self) -> None:
        """Re-read everything from the store (another process changed it)."""
        self._states = None
        self._table = None  # sampling.yaml may have changed too
        self._readiness = self._build()

    # -- reading -------------------------------------------------------------------------
    def states(self) -> Mapping[str, ControlState]:
        """Every recorded state, read once and kept until this workspace writes or reloads
        (a screen paints many rows; one query beats one per row)."""
        if self._states is None:
            self._states = self.store.states()
        return self._states

    def state(self, control_id: str) -> ControlState:
        found = self.states().get(control_id)
        return found if found is not None else ControlState(control_id)

    def check_controls(
        self, control_ids: Sequence[str] | str, *, changing: bool = True
    ) -> list[str]:
        """The IDs, checked against the catalogs (UnknownControlError names every unknown one
        with its close matches)."""
        return validate.check_ids(control_ids, self.catalog.controls, changing=changing)

    # -- keeping the live model in step ---------------------------------------------------
    def apply(self, events: Sequence[Event]) -> None:
        """Bring states, readiness and testing conclusions in step with events the store
        returned, in order. The events say what was stored (a status as the store normalised
        it, the version and time of the change), so nothing is taken from the request."""
        live = self._readiness  # None: not built yet, and it will be built from the store
        testing: list[str] = []
        testing_all = False
        scope = live.scope if live is not None else None
        versions: dict[str, int] = {}
        for ev in events:
            cid = ev.control_id
            if ev.field in CONTROL_FIELDS and cid is not None:
                self._apply_state(ev, bump=versions.get(cid) != ev.action)
                versions[cid] = ev.action
                if ev.field == "status" and live is not None:
                    live.set_status(cid, ev.new_value or Status.NOT_STARTED.value)
            elif ev.field.startswith(SETTING_PREFIX):
                key = ev.field[len(SETTING_PREFIX) :]
                if key.startswith(PERIOD_SETTING_PREFIX):
                    testing_all = True  # the current period of a framework changed
                elif scope is not None:
                    scope = scope.with_setting(key, ev.new_value)
            elif split_testing_field(ev.field) is not None:
                if cid is None:  # a period: may touch every control
                    testing_all = True
                else:
                    testing.append(cid)
        if live is None:
            return
        if scope is not None and scope != live.scope:
            live.set_scope(scope)
        if testing_all:
            self.refresh_testing()
        elif testing:
            self.refresh_testing(testing)

    def _apply_state(self, ev: Event, *, bump: bool) -> None:
        """One control-field event into the cached state (a new action bumps the version,
        as the store does once per control per action)."""
        if self._states is None:
            return  # not read yet: the next read sees the store
        assert ev.control_id is not None
        before = self._states.get(ev.control_id) or ControlState(ev.control_id)
        row: dict[str, Any] = {name: before.field_value(name) for name in CONTROL_FIELDS}
        row[ev.field] = ev.new_value
        row["status"] = row["status"] or Status.NOT_STARTED.value
        self._states[ev.control_id] = state_from_row(
            {
                **row,
                "control_id": ev.control_id,
                "updated_at": format_at(ev.at),
                "updated_by": ev.actor,
                "version": before.version + (1 if bump else 0),
            }
        )

    # -- changes -------------------------------------------------------------------------
    def mark(
        self,
        control_ids: Sequence[str],
        status: str,
        *,
        note: str | None = None,
        owner: str | None = None,
        due: date | None = None,
        justification: str | None = None,
        expected_versions: Mapping[str, int] | None = None,
    ) -> list[Event]:
        """Set the status (and optionally note, owner, due, justification) of the controls:
        one transaction, one action."""
        ids = self.check_controls(control_ids)
        events = self.store.mark(
            ids,
            validate.parse_status(status),
            actor=self.actor,
            note=note,
            owner=owner,
            due=due,
            justification=justification,
            expected_versions=expected_versions,
        )
        self.apply(events)
        return events

    def update(self, control_ids: Sequence[str] | str, **fields: Any) -> list[Event]:
        """Edit owner, due, notes or justification of the controls (the status stays): one
        transaction, one action, so one undo restores every control."""
        ids = self.check_controls(control_ids)
        events = self.store.update(ids, actor=self.actor, **fields)
        self.apply(events)
        return events

    def add_evidence(
        self,
        control_id: str,
        ref: str,
        *,
        title: str | None = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
        resolved: Resolved | None = None,
        kind: str | None = None,
    ) -> Evidence:
        """`resolved`: the reference already resolved and hashed (resolve_evidence); `kind`
        forces "file", "url" or "note" (otherwise it is detected)."""
        (cid,) = self.check_controls([control_id])
        item = self._writer().add_evidence(
            cid,
            ref,
            actor=self.actor,
            title=title,
            effective_from=effective_from,
            effective_to=effective_to,
            resolved=resolved,
            kind=kind,
        )
        return item

    def evidence(
        self, control_id: str | None = None, *, include_removed: bool = False
    ) -> list[Evidence]:
        return self._writer().evidence(control_id, include_removed=include_removed)

    def check_evidence(self, control_id: str | None = None) -> list[EvidenceCheck]:
        """Each attached file against its fingerprint: ok, missing, changed or unreadable."""
        return self._writer().check_evidence(control_id)

    def verify(self, anchor: str | None = None) -> VerifyResult:
        return self._writer().verify(anchor=anchor)

    def undo_preview(self, *, anyone: bool = False) -> list[Event]:
        """The events `undo` would revert (this actor's newest change not yet undone, or
        anyone's newest action)."""
        return self._writer().undo_preview(None if anyone else self.actor)

    def redo_preview(self) -> list[Event]:
        """The events `redo` would revert (this actor's newest undo)."""
        return self._writer().redo_preview(self.actor)

    def remove_evidence(self, evidence_id: int) -> list[Event]:
        events = self._writer().remove_evidence(evidence_id, actor=self.actor)
        self.apply(events)
        return events

    def resolve_evidence(
        self, ref: str, progress: Progress | None = None, *, kind: str | None = None
    ) -> Resolved:
        """Decide what an evidence reference is (or check it is the `kind` asked for) and hash
        a file (slow for a big one: the app calls this off its UI thread). Raises
        ValidationError."""
        return resolve_reference(ref, kind, database=self.store.path, progress=progress)

    def undo(self, *, anyone: bool = False) -> list[Event]:
        """Revert this actor's newest change not yet undone (anyone's newest action with
        `anyone`) with new events; undo again reverts the change before it."""
        events = self.store.undo(actor=self.actor, anyone=anyone)
        self.apply(events)
        return events

    def redo(self) -> list[Event]:
        """Restore what this actor's newest undo reverted (new events again)."""
        events = self.store.redo(actor=self.actor)
        self.apply(events)
        return events

    def set_lens(self, lens: str) -> None:
        """Look through another lens (this session only; nothing is written)."""
        if lens not in LENSES:
            raise ValueError(f"unknown lens {lens!r} (expected one of: {', '.join(LENSES)})")
        self._lens = lens
        self.readiness.set_lens(lens)

    def set_scope(self, framework_id: str, group_id: str, in_scope: bool) -> None:
        """Switch an optional group or requirement in or out of scope (a recorded setting)."""
        fw = self.catalog.frameworks.get(framework_id)
        node = fw.nodes.get(group_id) if fw is not None else None
        if node is None or not node.optional:
            raise ValueError(f"{framework_id} {group_id} is not an optional group or requirement")
        key = Scope.setting_key(framework_id, group_id)
        self.apply(self.store.set_setting(key, "in" if in_scope else "out", actor=self.actor))

    def node_in_scope(self, framework_id: str, node_id: str) -> bool:
        """Whether an optional node is in scope now (some start out of scope)."""
        node = self.catalog.frameworks[framework_id].nodes[node_id]
        return self.readiness.scope.includes(framework_id, node_id, node.default_in)

    def set_filer_status(self, status: str | None) -> None:
        """Record the SEC filer status (None clears it): requirements that list other filer
        statuses (SOX 404(b)) leave the scope."""
        if status is not None and status not in FILER_STATUSES:
            raise ValidationError(
                f"unknown filer status {status!r} (valid: {', '.join(FILER_STATUSES)})"
            )
        self.apply(self.store.set_setting(FILER_SETTING, status, actor=self.actor))

    def orphans(self) -> list[ControlState]:
        return self.store.orphans(self.catalog)

    # -- control testing -----------------------------------------------------------------
    def refresh_testing(self, control_ids: Sequence[str] | None = None) -> None:
        """Re-read the testing records; recompute the given controls (None: all of them)."""
        self.backing = Backing(self.catalog, self.store.audit_records(), self.rules_table())
        if control_ids is None:
            self.readiness.recompute()
            return
        for cid in dict.fromkeys(control_ids):
            if cid in self.catalog.controls:
                self.readiness.refresh(cid)

    def _writer(self) -> StoreProtocol:
        return self.store

    def sample_table(self, *, reload: bool = False) -> SampleTable:
        """The sample-size table in force (sampling.yaml in the config dir over the built-in
        one); SamplingFileError names file and line of a bad file."""
        if self._table is None or reload:
            self._table = load_sample_table()
        return self._table

    def rules_table(self) -> SampleTable:
        """The tables the conclusions follow: the table in force, or the built-in one when
        sampling.yaml is bad (`rules_error` says why; commands that plan tests refuse it)."""
        try:
            self.rules_error = None
            return self.sample_table()
        except ValidationError as exc:
            self.rules_error = str(exc)
            return default_table()

    def sample_size(
        self,
        control_id: str,
        *,
        risk: str | None = None,
        population: int | None = None,
        period: Period | None = None,
    ) -> SampleSize:
        """The table's size for a control (in a period: the larger over the frameworks it
        serves there, as a joint period must satisfy each)."""
        self.check_controls([control_id])
        ctl = self.catalog.controls[control_id]
        fws = self.backing.frameworks_in(control_id, period) if period is not None else ()
        return self.sample_table().size_for(fws, ctl.frequency, ctl.nature, risk, population)

    def backed(self, framework_id: str) -> FrameworkBacking:
        """The backed figures of a framework: effective backed / unsupported / not checked,
        design untested, open findings by severity (under the current scope)."""
        return self.backing.framework(
            framework_id, self.readiness.statuses(), self.readiness.control_frameworks
        )

    def add_period(
        self,
        name: str,
        frameworks: Sequence[str],
        start: date,
        end: date,
        *,
        as_of: date | None = None,
        use: bool | None = None,
    ) -> Period:
        unknown = [fw for fw in frameworks if fw not in self.catalog.frameworks]
        if unknown:
            raise ValidationError(
                f"unknown framework(s): {', '.join(unknown)} (expected: "
                f"{', '.join(self.catalog.frameworks)})"
            )
        period = self._writer().add_period(
            name, frameworks, start, end, actor=self.actor, as_of=as_of, use=use
        )
        self.reload()
        return period

    def update_period(
        self,
        name: str,
        *,
        start: date | Unchanged = UNCHANGED,
        end: date | Unchanged = UNCHANGED,
        as_of: date | Unchanged | None = UNCHANGED,
    ) -> tuple[Period, list[Event]]:
        period, events = self._writer().update_period(
            name, actor=self.actor, start=start, end=end, as_of=as_of
        )
        if events:
            self.reload()
        return period, events

    def use_period(self, name: str) -> list[Event]:
        events = self._writer().use_period(name, actor=self.actor)
        if events:
            self.reload()
        return events

    def period_for(self, control_id: str, name: str | None = None) -> Period:
        self.check_controls([control_id])
        return self.backing.resolve_period(control_id, name)

    def record_design_test(
        self,
        control_id: str,
        *,
        performed_on: date,
        performer: str,
        conclusion: str,
        period: str | None = None,
        notes: str | None = None,
        evidence: str | None = None,
        base: Path | None = None,
    ) -> ControlTest:
        p = self.period_for(control_id, period)
        test = self._writer().record_design_test(
            control_id,
            p.name,
            actor=self.actor,
            performed_on=performed_on,
            performer=performer,
            conclusion=conclusion,
            notes=notes,
            evidence=evidence,
            known=self.catalog.controls,
            base=base,
        )
        self.refresh_testing([control_id])
        return test

    def plan_operating_test(
        self,
        control_id: str,
        *,
        period: str | None = None,
        risk: str | None = None,
        population: int | None = None,
        required: int | None = None,
        performer: str | None = None,
        notes: str | None = None,
    ) -> tuple[ControlTest, list[Event], SampleSize]:
        """Open (or re-plan) the operating test: required samples from the table in force."""
        p = self.period_for(control_id, period)
        ctl = self.catalog.controls[control_id]
        current = self.backing.operating_test(control_id, p.name)
        if current is not None:  # keep what was planned unless it is changed now
            risk = risk or current.risk
            population = current.population if population is None else population
        plan, size = operating_plan(
            self.sample_table(),
            ctl.frequency,
            ctl.nature,
            risk=risk,
            population=population,
            required=required,
            frameworks=self.backing.frameworks_in(control_id, p),
        )
        test, events = self._writer().plan_operating_test(
            control_id,
            p.name,
            plan,
            actor=self.actor,
            performer=performer,
            notes=notes,
            known=self.catalog.controls,
        )
        self.refresh_testing([control_id])
        return test, events, size

    def add_sample(
        self,
        control_id: str,
        *,
        result: str,
        occurred_on: date | None = None,
        ref: str | None = None,
        period: str | None = None,
        notes: str | None = None,
        evidence: str | None = None,
        base: Path | None = None,
    ) -> tuple[Sample, ControlTest]:
        """Add a sample; the operating test is opened at the table's size if there is none."""
        p = self.period_for(control_id, period)
        plan = None
        if self.backing.operating_test(control_id, p.name) is None:
            ctl = self.catalog.controls[control_id]
            plan, _size = operating_plan(
                self.sample_table(),
                ctl.frequency,
                ctl.nature,
                frameworks=self.backing.frameworks_in(control_id, p),
            )
        sample, test = self._writer().add_sample(
            control_id,
            p.name,
            actor=self.actor,
            result=result,
            occurred_on=occurred_on,
            ref=ref,
            notes=notes,
            evidence=evidence,
            plan=plan,
            known=self.catalog.controls,
            base=base,
        )
        self.refresh_testing([control_id])
        return sample, test

    def remove_sample(self, sample_id: int) -> list[Event]:
        events = self._writer().remove_sample(sample_id, actor=self.actor)
        self.refresh_testing([e.control_id for e in events if e.control_id])
        return events

    def add_finding(
        self,
        control_id: str,
        *,
        severity: str,
        summary: str,
        samples: Sequence[int] = (),
        period: str | None = None,
        owner: str | None = None,
        due: date | None = None,
        status: str = "open",
        remediated_on: date | None = None,
        notes: str | None = None,
    ) -> Finding:
        self.check_controls([control_id])
        if period is None and samples:  # the period of the exceptions it classifies
            by_id = {s.id: s for s in self.backing.records.samples}
            found = {by_id[i].period for i in samples if i in by_id}
            if len(found) == 1:
                period = found.pop()
        p = self.period_for(control_id, period)
        item = self._writer().add_finding(
            control_id,
            p.name,
            actor=self.actor,
            severity=severity,
            summary=summary,
            samples=samples,
            owner=owner,
            due=due,
            status=status,
            remediated_on=remediated_on,
            notes=notes,
            known=self.catalog.controls,
        )
        self.refresh_testing([control_id])
        return item

    def update_finding(
        self,
        finding_id: int,
        *,
        severity: str | Unchanged = UNCHANGED,
        summary: str | Unchanged = UNCHANGED,
        samples: Sequence[int] | Unchanged = UNCHANGED,
        owner: str | Unchanged | None = UNCHANGED,
        due: date | Unchanged | None = UNCHANGED,
        status: str | Unchanged = UNCHANGED,
        remediated_on: date | Unchanged | None = UNCHANGED,
        notes: str | Unchanged | None = UNCHANGED,
    ) -> tuple[Finding, list[Event]]:
        item, events = self._writer().update_finding(
            finding_id,
            actor=self.actor,
            severity=severity,
            summary=summary,
            samples=samples,
            owner=owner,
            due=due,
            status=status,
            remediated_on=remediated_on,
            notes=notes,
        )
        self.refresh_testing([item.control_id])
        return item, events

    def coverage(self, control_id: str, period: str | None = None) -> Coverage:
        """Evidence period coverage of a control in a period (default: its current one)."""
        p = self.period_for(control_id, period)
        records = self.backing.records
        return period_coverage(
            control_id,
            p,
            self.store.evidence(control_id),
            [s for s in records.samples if s.control_id == control_id],
            self._writer().check_evidence(control_id),
            [t for t in records.tests if t.control_id == control_id],
        )
