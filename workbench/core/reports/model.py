"""The report model: one plain, frozen snapshot of catalogs + store + readiness for exports.

Every export format renders the same `Report`, built by `build_report`. The states, evidence
and last changes are read between two reads of the history head hash (retried if another
process wrote in between), and readiness is recomputed from exactly those states, so every
figure in a report belongs to the head hash it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from workbench.core.catalog import CatalogSet
from workbench.core.readiness import (
    ControlLine,
    Figures,
    Leverage,
    Readiness,
    RequirementResult,
    SharedFigures,
)
from workbench.core.status import STATUS_LABELS, Status
from workbench.core.store import (
    CONTROL_FIELDS,
    AuditRecords,
    ControlState,
    ControlTest,
    Evidence,
    EvidenceCheck,
    Finding,
    Period,
    Sample,
)
from workbench.core.testing import (
    BackedRule,
    Backing,
    Coverage,
    FrameworkBacking,
    OperatingResult,
    period_coverage,
)

from .sox import SoxReport, build_sox

if TYPE_CHECKING:
    from workbench.core.store import StoreProtocol

SCHEMA = "workbench.export/1"
_SNAPSHOT_ATTEMPTS = 5

STATE_LABELS: dict[str, str] = {
    "met": "met",
    "partial": "partial",
    "gap": "gap",
    "deficient": "deficient",
    "unmapped": "unmapped",
    "not_applicable": "not applicable",
    "out_of_scope": "out of scope",
}
READY_WORDS: dict[str, str] = {
    "design": "implemented or effective",
    "operating": "effective",
}


def status_label(status: str) -> str:
    """'not_started' -> 'not started' (unknown values are shown as stored)."""
    try:
        return STATUS_LABELS[Status(status)]
    except ValueError:
        return status


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def fmt_time(moment: datetime) -> str:
    """UTC to the second: 2025-01-31T09:05:00Z."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_date(day: date | None) -> str:
    return day.isoformat() if day else ""


# ---------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True, slots=True)
class CatalogRef:
    id: str
    title: str
    version: str


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """What ties a report to the record: when, which database, which catalogs, which head."""

    generated_at: datetime
    database: str
    catalogs: tuple[CatalogRef, ...]
    head_hash: str
    lens: str
    scope_excluded: tuple[tuple[str, str, str], ...]  # (framework, node, why) out of scope
    filer_status: str | None = None

    @property
    def catalogs_text(self) -> str:
        """'mini 1, soc2 2017' style: every catalog with its version."""
        return ", ".join(f"{c.id} {c.version}" for c in self.catalogs)

    @property
    def scope_text(self) -> str:
        filer = f"; filer status: {self.filer_status}" if self.filer_status else ""
        if not self.scope_excluded:
            return "all optional groups in scope" + filer
        return (
            "out of scope: "
            + ", ".join(f"{f} {g} ({why})" for f, g, why in self.scope_excluded)
            + filer
        )

    @property
    def lens_text(self) -> str:
        return f"{self.lens} (a control is ready when {READY_WORDS.get(self.lens, self.lens)})"


@dataclass(frozen=True, slots=True)
class GroupRow:
    """Figures of one group of a framework, with its depth in the tree (0 = top level)."""

    figures: Figures
    depth: int


@dataclass(frozen=True, slots=True)
class RequirementRow:
    framework_id: str
    id: str
    title: str
    description: str
    groups: tuple[str, ...]  # ancestor group ids, top level first
    category: str  # title of the top-level group ("" when the requirement is a root)
    coso: int | None
    state: str
    controls: tuple[ControlLine, ...]
    warnings: tuple[str, ...] = ()  # e.g. a deficient supporting control

    @property
    def ready_count(self) -> int:
        return sum(1 for c in self.controls if c.ready and c.primary)

    @property
    def in_scope_count(self) -> int:
        return sum(1 for c in self.controls if c.status != "not_applicable" and c.primary)


@dataclass(frozen=True, slots=True)
class FrameworkReport:
    id: str
    name: str
    title: str
    version: str
    figures: Figures
    groups: tuple[GroupRow, ...]
    requirements: tuple[RequirementRow, ...]


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    id: int
    kind: str  # file | url | note
    ref: str
    title: str | None
    effective_from: date | None
    effective_to: date | None
    sha256: str | None
    size: int | None
    added_at: datetime
    added_by: str
    # A file against its fingerprint now: unchanged, changed, missing or unreadable ("" for
    # URLs and notes: nothing to compare).
    status: str = ""

    @property
    def label(self) -> str:
        return self.title or self.ref

    @property
    def period(self) -> str:
        """'2024-01-01 to 2024-12-31', 'from 2024-01-01', 'until 2024-12-31' or ''."""
        start, end = fmt_date(self.effective_from), fmt_date(self.effective_to)
        if start and end:
            return f"{start} to {end}"
        if start:
            return f"from {start}"
        if end:
            return f"until {end}"
        return ""

    @property
    def summary(self) -> str:
        """One line: title, reference and period (for CSV cells and spreadsheet columns)."""
        text = f"{self.title} <{self.ref}>" if self.title else self.ref
        text = f"{text} ({self.period})" if self.period else text
        return f"{text} [{self.status}]" if self.status else text


@dataclass(frozen=True, slots=True)
class MappingItem:
    framework_id: str
    requirement_id: str
    requirement_title: str
    requirement_state: str
    relationship: str | None
    rationale: str
    role: str = "primary"  # primary | supporting


@dataclass(frozen=True, slots=True)
class LastChange:
    """The control's most recent action in the history: when, by whom, which fields."""

    at: datetime
    by: str
    fields: tuple[str, ...]  # status, owner, due, notes, justification, evidence

    @property
    def text(self) -> str:
        return f"{fmt_time(self.at)} by {self.by} ({', '.join(self.fields)})"


@dataclass(frozen=True, slots=True)
class ControlReport:
    id: str
    title: str
    description: str
    domain: str
    frequency: str
    type: str
    nature: str
    key: bool
    owner_role: str
    catalog_id: str
    status: str
    ready: bool
    shared: bool
    frameworks: tuple[str, ...]  # frameworks where it maps to an in-scope requirement
    owner: str | None
    due: date | None
    notes: str | None
    justification: str | None
    version: int  # 0: never recorded
    last_change: LastChange | None
    evidence: tuple[EvidenceItem, ...]
    mappings: tuple[MappingItem, ...]
    systems: tuple[str, ...] = ()  # what it runs on or uses
    covers: tuple[str, ...] = ()  # an IT general control: the systems it covers


@dataclass(frozen=True, slots=True)
class OrphanRow:
    """A record for a control ID that no loaded catalog defines (kept, never deleted)."""

    control_id: str
    status: str
    evidence: int


@dataclass(frozen=True, slots=True)
class ControlTestingRow:
    """One control's testing in one period: tests, samples, findings, coverage, backing."""

    control_id: str
    period: Period
    design: tuple[ControlTest, ...]
    design_passed: bool
    operating_test: ControlTest | None
    operating: OperatingResult
    samples: tuple[Sample, ...]
    findings: tuple[Finding, ...]
    coverage: Coverage


@dataclass(frozen=True, slots=True)
class ControlTestingReport:
    """Control testing: periods, backed figures per framework, tests, samples, findings."""

    periods: tuple[Period, ...]
    current: tuple[tuple[str, Period | None], ...]  # per framework, in catalog order
    frameworks: tuple[FrameworkBacking, ...]
    controls: tuple[ControlTestingRow, ...]
    findings: tuple[Finding, ...]  # most severe first
    backed_rule: bool  # the readiness figures count only backed `effective` (operating lens)

    @property
    def empty(self) -> bool:
        return not (self.periods or self.controls or self.findings)

    @property
    def current_text(self) -> str:
        """'soc2: SOC 2 2027 (2027-01-01 to 2027-09-30); sox: none' (what the report speaks
        of)."""
        if not any(p for _, p in self.current):
            return "none in use (effective statuses are not checked against tests)"
        return "; ".join(
            f"{fw}: {p.name} ({p.span})" if p else f"{fw}: none" for fw, p in self.current
        )


@dataclass(frozen=True, slots=True)
class Report:
    meta: ReportMeta
    frameworks: tuple[FrameworkReport, ...]
    shared_pair: tuple[str, str]
    shared: SharedFigures | None  # None when the catalogs lack either framework of the pair
    gaps: tuple[RequirementResult, ...]
    leverage: tuple[Leverage, ...]
    controls: tuple[ControlReport, ...]
    orphans: tuple[OrphanRow, ...]
    testing: ControlTestingReport | None = None
    sox: SoxReport | None = None  # scoping, coverage and RCM details (sox.py)

    def control_titles(self) -> dict[str, str]:
        return {c.id: c.title for c in self.controls}

    def framework(self, framework_id: str) -> FrameworkReport:
        for fw in self.frameworks:
            if fw.id == framework_id:
                return fw
        raise KeyError(framework_id)


# ---------------------------------------------------------------------------------------------
# Building


@dataclass(frozen=True, slots=True)
class _Snapshot:
    head_hash: str
    states: Mapping[str, ControlState]
    evidence: Mapping[str, tuple[Evidence, ...]]
    last: Mapping[str, LastChange]
    records: AuditRecords


def _snapshot(store: StoreProtocol) -> _Snapshot:
    """States, evidence and last changes that all belong to one history head."""
    snap: _Snapshot | None = None
    for _ in range(_SNAPSHOT_ATTEMPTS):
        head = store.head_hash()
        states = store.states()
        by_control: dict[str, list[Evidence]] = {}
        for item in store.evidence():
            by_control.setdefault(item.control_id, []).append(item)
        last: dict[str, LastChange] = {}
        for cid in sorted(states.keys() | by_control.keys()):
            events = store.history(cid, limit=len(CONTROL_FIELDS) + 1)
            if events:
                ev = events[-1]
                fields = dict.fromkeys(e.field for e in events if e.action == ev.action)
                last[cid] = LastChange(ev.at, ev.actor, tuple(fields))
        records = store.audit_records()
        snap = _Snapshot(head, states, {k: tuple(v) for k, v in by_control.items()}, last, records)
        if store.head_hash() == head:
            break
    assert snap is not None
    return snap


def _evidence_item(ev: Evidence, status: str = "") -> EvidenceItem:
    return EvidenceItem(
        status=status,
        id=ev.id,
        kind=ev.kind,
        ref=ev.ref,
        title=ev.title,
        effective_from=ev.effective_from,
        effective_to=ev.effective_to,
        sha256=ev.sha256,
        size=ev.size,
        added_at=ev.added_at,
        added_by=ev.added_by,
    )


def _framework_report(catalog: CatalogSet, r: Readiness, fw_id: str) -> FrameworkReport:
    fw = catalog.frameworks[fw_id]
    groups = tuple(
        GroupRow(f, len(fw.ancestors(f.node_id)) if f.node_id else 0)
        for f in r.group_figures(fw_id)
    )
    requirements: list[RequirementRow] = []
    for node in fw.requirements():
        ancestors = tuple(reversed(fw.ancestors(node.id)))
        why = r.requirement(fw_id, node.id)
        requirements.append(
            RequirementRow(
                framework_id=fw_id,
                id=node.id,
                title=node.title,
                description=node.description,
                groups=tuple(a.id for a in ancestors),
                category=ancestors[0].title if ancestors else "",
                coso=node.coso,
                state=why.state,
                controls=why.controls,
                warnings=why.warnings,
            )
        )
    return FrameworkReport(
        id=fw.id,
        name=fw.name,
        title=fw.title,
        version=fw.version,
        figures=r.figures(fw_id),
        groups=groups,
        requirements=tuple(requirements),
    )


def build_report(
    catalog: CatalogSet,
    store: StoreProtocol,
    readiness: Readiness,
    *,
    generated_at: datetime | None = None,
    database: str | None = None,
) -> Report:
    """Snapshot everything an export shows.

    `readiness` supplies the lens, scope, framework pair and readiness rule; its figures are
    recomputed from the snapshot's states so they match the head hash. `generated_at`
    (default: now, UTC) and `database` (default: the store's path) can be fixed, for example
    by golden tests.
    """
    from workbench.core.evidence_status import EvidenceStatus

    snap = _snapshot(store)
    checker = EvidenceStatus(store.path)  # each attached file against its fingerprint
    statuses = {cid: st.status.value for cid, st in snap.states.items()}
    # The backed readiness rule follows the snapshot's testing records, like the states.
    backed_rule = isinstance(readiness.ready_fn, BackedRule)
    table = readiness.ready_fn.backing.table if isinstance(readiness.ready_fn, BackedRule) else None
    backing = Backing(catalog, snap.records, table)
    r = Readiness(
        catalog,
        statuses,
        lens=readiness.lens,
        scope=readiness.scope,
        ready_fn=BackedRule(backing) if backed_rule else readiness.ready_fn,
        pair=readiness.pair,
    )
    when = generated_at or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    meta = ReportMeta(
        generated_at=when.astimezone(UTC),
        database=database if database is not None else _database_name(store),
        catalogs=tuple(CatalogRef(c.id, c.title, c.version) for c in catalog.catalogs),
        head_hash=snap.head_hash,
        lens=r.lens,
        scope_excluded=tuple(r.out_of_scope_nodes()),
        filer_status=r.scope.filer_status,
    )
    controls: list[ControlReport] = []
    for cid, ctl in catalog.controls.items():
        st = snap.states.get(cid) or ControlState(cid)
        in_scope_fws = r.control_frameworks(cid)
        mappings = tuple(
            MappingItem(
                framework_id=m.framework_id,
                requirement_id=m.requirement_id,
                requirement_title=catalog.requirement(m.framework_id, m.requirement_id).title,
                requirement_state=r.state(m.framework_id, m.requirement_id),
                relationship=m.relationship,
                rationale=m.rationale,
                role=m.role,
            )
            for m in catalog.by_control.get(cid, ())
        )
        controls.append(
            ControlReport(
                id=cid,
                title=ctl.title,
                description=ctl.description,
                domain=ctl.domain,
                frequency=ctl.frequency,
                type=ctl.type,
                nature=ctl.nature,
                key=ctl.key,
                owner_role=ctl.owner_role,
                catalog_id=ctl.catalog_id,
                status=r.status(cid),
                ready=r.is_ready(cid),
                shared=r.is_shared(cid),
                frameworks=tuple(fw for fw in catalog.frameworks if fw in in_scope_fws),
                owner=st.owner,
                due=st.due,
                notes=st.notes,
                justification=st.justification,
                version=st.version,
                last_change=snap.last.get(cid),
                evidence=tuple(
                    _evidence_item(e, checker.word(e)) for e in snap.evidence.get(cid, ())
                ),
                mappings=mappings,
                systems=ctl.systems,
                covers=ctl.covers,
            )
        )
    orphan_ids = sorted((snap.states.keys() | snap.evidence.keys()) - set(catalog.controls.keys()))
    orphans = tuple(
        OrphanRow(
            cid,
            snap.states[cid].status.value if cid in snap.states else "not_started",
            len(snap.evidence.get(cid, ())),
        )
        for cid in orphan_ids
    )
    return Report(
        meta=meta,
        frameworks=tuple(_framework_report(catalog, r, fw) for fw in catalog.frameworks),
        shared_pair=r.pair,
        shared=r.shared(),
        gaps=tuple(r.gaps()),
        leverage=tuple(r.leverage()),
        controls=tuple(controls),
        orphans=orphans,
        testing=_testing_report(catalog, store, r, backing, snap, backed_rule),
        sox=build_sox(catalog, r, backing, snap.states, frozenset(snap.evidence)),
    )


def _testing_report(
    catalog: CatalogSet,
    store: StoreProtocol,
    r: Readiness,
    backing: Backing,
    snap: _Snapshot,
    backed_rule: bool,
) -> ControlTestingReport:
    records = snap.records
    pairs: dict[tuple[str, str], None] = {}
    for t in records.tests:
        pairs[(t.control_id, t.period)] = None
    for s in records.samples:
        pairs[(s.control_id, s.period)] = None
    for f in records.findings:
        pairs[(f.control_id, f.period)] = None
    order = {cid: i for i, cid in enumerate(catalog.controls)}
    period_order = {p.name: i for i, p in enumerate(records.periods)}
    rows: list[ControlTestingRow] = []
    checks: dict[str, list[EvidenceCheck]] = {}
    for cid, name in sorted(
        pairs, key=lambda k: (period_order.get(k[1], 1 << 30), order.get(k[0], 1 << 30), k)
    ):
        period = backing.period(name)
        if period is None:  # pragma: no cover - records always name an existing period
            continue
        if cid not in checks:
            checks[cid] = store.check_evidence(cid) if snap.evidence.get(cid) else []
        op = backing.operating(cid, name)
        rows.append(
            ControlTestingRow(
                control_id=cid,
                period=period,
                design=tuple(backing.design_tests(cid, name)),
                design_passed=backing.design(cid, name).passed,
                operating_test=op.test,
                operating=op,
                samples=tuple(backing.samples(op.test.id)) if op.test else (),
                findings=tuple(backing.findings_of(cid, name)),
                coverage=period_coverage(
                    cid,
                    period,
                    snap.evidence.get(cid, ()),
                    records.samples,
                    checks[cid],
                    records.tests,
                ),
            )
        )
    statuses = r.statuses()
    return ControlTestingReport(
        periods=records.periods,
        current=tuple((fw, backing.current_period(fw)) for fw in catalog.frameworks),
        frameworks=tuple(
            backing.framework(fw, statuses, r.control_frameworks) for fw in catalog.frameworks
        ),
        controls=tuple(rows),
        findings=tuple(backing.findings()),
        backed_rule=backed_rule,
    )


def _database_name(store: StoreProtocol) -> str:
    return str(store.path) if store.path is not None else store.display_name
