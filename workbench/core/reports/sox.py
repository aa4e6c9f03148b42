"""The SOX part of a report: scoping (accounts, risks), the coverage view, each control's
place in the risk-control matrix (process, risks, IPE, latest test, findings), and retired
controls that still have recorded state.

Built once per report (`build_sox`) from the same snapshot as the rest of it; the Markdown,
HTML, JSON and xlsx renderers show it as a section, the RCM renderer (rcm.py) as its rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.core.catalog import CatalogSet
from workbench.core.catalog.model import ASSERTION_CODES, ASSERTION_LABELS, Account, Risk, System
from workbench.core.readiness import Readiness
from workbench.core.readiness.coverage import (
    CELL_LABELS,
    CoverageCell,
    CoverageView,
    sox_coverage,
)
from workbench.core.store import ControlState, Period
from workbench.core.testing import Backing

SOX = "sox"


@dataclass(frozen=True, slots=True)
class ControlScoping:
    """What the RCM says about one control besides the catalog basics."""

    process: str
    subprocess: str
    risks: tuple[str, ...]
    ipe: tuple[str, ...]
    latest_test: str  # the latest test conclusion, in words ("" when never tested)
    findings: tuple[str, ...]  # '#3 significant deficiency (open): summary'


@dataclass(frozen=True, slots=True)
class RetiredRow:
    """A retired control that still has a recorded state (kept, not counted)."""

    control_id: str
    title: str
    reason: str
    retired_by: str
    status: str


@dataclass(frozen=True, slots=True)
class SoxReport:
    accounts: tuple[Account, ...]
    risks: tuple[Risk, ...]
    coverage: CoverageView
    controls: Mapping[str, ControlScoping]
    systems: Mapping[str, System]
    retired: tuple[RetiredRow, ...]

    @property
    def scoped(self) -> bool:
        """The catalogs define significant accounts (else the coverage sections are left out)."""
        return bool(self.accounts)


def assertion_codes(assertions: tuple[str, ...]) -> str:
    return ", ".join(ASSERTION_CODES.get(a, a) for a in assertions)


def cell_controls(cell: CoverageCell) -> str:
    """'REV-01 effective, REV-02 not ready (design ineffective)' or 'none'."""
    parts = []
    for c in cell.key_controls:
        text = f"{c.control_id} {c.status.replace('_', ' ')}"
        if c.label not in ("ready", "not ready", "deficient", "not applicable"):
            text += f" ({c.label})"
        parts.append(text)
    return ", ".join(parts) or "none"


def cell_state(cell: CoverageCell) -> str:
    return CELL_LABELS.get(cell.state, cell.state)


def gap_lines(view: CoverageView) -> list[str]:
    """One line per gap, hardest first: 'INV Inventory, rights and obligations: why'."""
    return [
        f"{c.account_id} {c.account_name}, {ASSERTION_LABELS.get(c.assertion, c.assertion)}: "
        + "; ".join(c.reasons)
        for c in view.gaps
    ]


def _latest_test(backing: Backing, control_id: str) -> str:
    """The latest test conclusion: in the control's current SOX period, else its latest
    period with a test."""
    period = _period_of(backing, control_id)
    if period is None:
        return ""
    parts = []
    designs = backing.design_tests(control_id, period.name)
    if designs:
        latest = max(designs, key=lambda t: (t.performed_on or period.start, t.id))
        when = f" on {latest.performed_on.isoformat()}" if latest.performed_on else ""
        parts.append(f"design {latest.conclusion or 'pending'}{when}")
    if backing.operating_test(control_id, period.name) is not None:
        op = backing.operating(control_id, period.name)
        parts.append(
            f"operating {op.verdict.replace('_', ' ')} ({op.passed} of {op.required} samples)"
        )
    if not parts:
        return ""
    return f"{period.name}: " + "; ".join(parts)


def _period_of(backing: Backing, control_id: str) -> Period | None:
    current = backing.current_period(SOX)
    if current is not None and SOX in backing.catalog.frameworks_of(control_id):
        return current
    periods = [p for p in backing.records.periods]
    tested = {t.period for t in backing.records.tests if t.control_id == control_id}
    candidates = [p for p in periods if p.name in tested]
    if candidates:
        return max(candidates, key=lambda p: (p.end, p.name))
    found = backing.periods_for(control_id)
    return found[0] if found else None


def _findings(backing: Backing, control_id: str) -> tuple[str, ...]:
    out = []
    for f in backing.findings():
        if f.control_id == control_id:
            out.append(f"#{f.id} {f.severity_label} ({f.status}, {f.period}): {f.summary}")
    return tuple(out)


def build_sox(
    catalog: CatalogSet,
    readiness: Readiness,
    backing: Backing,
    states: Mapping[str, ControlState],
    with_evidence: frozenset[str] = frozenset(),
) -> SoxReport:
    controls = {
        cid: ControlScoping(
            process=ctl.process,
            subprocess=ctl.subprocess,
            risks=ctl.risks,
            ipe=ctl.ipe,
            latest_test=_latest_test(backing, cid),
            findings=_findings(backing, cid),
        )
        for cid, ctl in catalog.controls.items()
    }
    recorded = {cid for cid, st in states.items() if st.recorded} | with_evidence
    retired = tuple(
        RetiredRow(
            r.id,
            r.title,
            r.reason,
            str(r.by),
            states[r.id].status.value if r.id in states else "not_started",
        )
        for r in catalog.retired.values()
        if r.id in recorded
    )
    return SoxReport(
        accounts=tuple(catalog.accounts.values()),
        risks=tuple(catalog.risks.values()),
        coverage=sox_coverage(catalog, readiness),
        controls=controls,
        systems=catalog.systems,
        retired=retired,
    )


def sox_dict(sox: SoxReport) -> dict[str, Any]:
    """The JSON export's `sox` member (docs/json.md)."""
    return {
        "accounts": [
            {
                "id": a.id,
                "name": a.name,
                "kind": a.kind,
                "assertions": list(a.assertions),
                "description": a.description,
            }
            for a in sox.accounts
        ],
        "risks": [
            {
                "id": r.id,
                "title": r.title,
                "description": r.description,
                "accounts": list(r.accounts),
                "assertions": list(r.assertions),
                "likelihood": r.likelihood or None,
                "magnitude": r.magnitude or None,
                "fraud": r.fraud,
            }
            for r in sox.risks
        ],
        "controls": [
            {
                "control": cid,
                "process": c.process or None,
                "subprocess": c.subprocess or None,
                "risks": list(c.risks),
                "ipe": list(c.ipe),
                "latest_test": c.latest_test or None,
            }
            for cid, c in sox.controls.items()
            if c.process or c.subprocess or c.risks or c.ipe
        ],
        "coverage": sox.coverage.to_dict(),
        "retired_with_state": [
            {
                "control": r.control_id,
                "title": r.title,
                "reason": r.reason,
                "retired_by": r.retired_by,
                "status": r.status,
            }
            for r in sox.retired
        ],
    }
