"""The SOX coverage view: every significant account x relevant assertion, the key controls
that address it (through the risks that threaten it) and their state.

Top-down scoping (PCAOB AS 2201 .21, .28-.33, .39): each relevant assertion of a significant
account has risks of material misstatement, and each risk needs at least one key control
that addresses it. An assertion that no key control covers is a scoping gap:

- *gap*: no risk is identified for the assertion, or a risk that threatens it has no key
  control in scope (none at all, only non-key controls, or only key controls marked not
  applicable);
- otherwise, over the key controls of every risk of the cell (the same words as a
  requirement's state): *deficient* when one is deficient, *met* when all are ready,
  *partial* when some are, *not ready* when none is.

Gaps are listed hardest first: uncovered fraud risks, then by likelihood x magnitude, a risk
with no control at all before one with only non-key controls, then assertions with no risk
identified (a hole in the risk assessment), then account and assertion order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.core.catalog import CatalogSet
from workbench.core.catalog.model import ASSERTION_LABELS, Risk

from .engine import Readiness

GAP = "gap"
DEFICIENT = "deficient"
NOT_READY = "not_ready"
PARTIAL = "partial"
MET = "met"
# Worst first: the order of the counts and of a summary line.
CELL_STATES: tuple[str, ...] = (GAP, DEFICIENT, NOT_READY, PARTIAL, MET)
CELL_LABELS: dict[str, str] = {
    GAP: "gap",
    DEFICIENT: "deficient",
    NOT_READY: "not ready",
    PARTIAL: "partial",
    MET: "met",
}
NA_STATUS = "not_applicable"

LabelFn = Callable[[str], str]
"""control id -> its conclusion label under the current lens (e.g. "design ineffective")."""


@dataclass(frozen=True, slots=True)
class CoveredBy:
    """One control addressing a risk, with its state under the lens."""

    control_id: str
    title: str
    key: bool
    status: str
    ready: bool
    deficient: bool
    label: str

    @property
    def counts(self) -> bool:
        """A key control in scope: the only kind that covers an assertion."""
        return self.key and self.status != NA_STATUS

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control_id,
            "title": self.title,
            "key": self.key,
            "status": self.status,
            "ready": self.ready,
            "deficient": self.deficient,
            "label": self.label,
        }


@dataclass(frozen=True, slots=True)
class RiskLine:
    """A risk threatening a cell, and every control that addresses it."""

    risk_id: str
    title: str
    fraud: bool
    likelihood: str
    magnitude: str
    severity: int
    controls: tuple[CoveredBy, ...]

    @property
    def key_controls(self) -> tuple[CoveredBy, ...]:
        return tuple(c for c in self.controls if c.counts)

    @property
    def covered(self) -> bool:
        return bool(self.key_controls)

    @property
    def level_text(self) -> str:
        """'high likelihood x high magnitude', with 'fraud' first when flagged."""
        parts = []
        if self.likelihood or self.magnitude:
            parts.append(
                f"{self.likelihood or 'unassessed'} likelihood, "
                f"{self.magnitude or 'unassessed'} magnitude"
            )
        return ("fraud risk; " if self.fraud else "") + "; ".join(parts)

    def why_uncovered(self) -> str:
        if self.covered:
            return ""
        if not self.controls:
            return f"{self.risk_id} has no control"
        key_na = [c.control_id for c in self.controls if c.key]
        if key_na:
            return f"{self.risk_id}: its key controls are not applicable ({', '.join(key_na)})"
        names = ", ".join(c.control_id for c in self.controls)
        return f"{self.risk_id} has only non-key controls ({names})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "risk": self.risk_id,
            "title": self.title,
            "fraud": self.fraud,
            "likelihood": self.likelihood or None,
            "magnitude": self.magnitude or None,
            "covered": self.covered,
            "controls": [c.to_dict() for c in self.controls],
        }


@dataclass(frozen=True, slots=True)
class CoverageCell:
    """One significant account x one of its relevant assertions."""

    account_id: str
    account_name: str
    account_kind: str
    assertion: str
    state: str
    risks: tuple[RiskLine, ...]
    reasons: tuple[str, ...]  # why a gap (empty otherwise)
    rank: tuple[int, ...]  # hardest gap first (smaller is harder)

    @property
    def assertion_label(self) -> str:
        return ASSERTION_LABELS.get(self.assertion, self.assertion)

    @property
    def is_gap(self) -> bool:
        return self.state == GAP

    @property
    def key_controls(self) -> tuple[CoveredBy, ...]:
        """Key controls in scope over every risk of the cell, without repeats."""
        seen: dict[str, CoveredBy] = {}
        for risk in self.risks:
            for c in risk.key_controls:
                seen.setdefault(c.control_id, c)
        return tuple(seen.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account_id,
            "account_name": self.account_name,
            "kind": self.account_kind,
            "assertion": self.assertion,
            "state": self.state,
            "key_controls": [c.to_dict() for c in self.key_controls],
            "risks": [r.to_dict() for r in self.risks],
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class CoverageView:
    lens: str
    cells: tuple[CoverageCell, ...]  # account order, then assertion order
    accounts: int

    @property
    def gaps(self) -> tuple[CoverageCell, ...]:
        """Assertions no key control covers, hardest first."""
        return tuple(sorted((c for c in self.cells if c.is_gap), key=lambda c: c.rank))

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(CELL_STATES, 0)
        for c in self.cells:
            out[c.state] += 1
        return out

    @property
    def empty(self) -> bool:
        return not self.cells

    def summary(self) -> str:
        """'14 significant accounts, 38 relevant assertions: 2 gaps, 30 not ready, ...'."""
        counts = self.counts
        states = ", ".join(
            f"{n} {CELL_LABELS[s]}{'s' if s == GAP and n != 1 else ''}"
            for s, n in counts.items()
            if n
        )
        plural = "s" if self.accounts != 1 else ""
        return (
            f"{self.accounts} significant account{plural} and disclosure{plural}, "
            f"{len(self.cells)} relevant assertions: {states or 'none'}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "lens": self.lens,
            "accounts": self.accounts,
            "assertions": len(self.cells),
            "counts": self.counts,
            "cells": [c.to_dict() for c in self.cells],
            "gaps": [
                {
                    "account": c.account_id,
                    "assertion": c.assertion,
                    "reasons": list(c.reasons),
                }
                for c in self.gaps
            ],
        }


def conclusion_labels(readiness: Readiness) -> LabelFn | None:
    """Labels from the control-testing rule when readiness uses it (its `backing`)."""
    backing = getattr(readiness.ready_fn, "backing", None)
    conclusion = getattr(backing, "conclusion", None)
    if conclusion is None:
        return None

    def label(control_id: str) -> str:
        return str(conclusion(control_id, readiness.status(control_id), readiness.lens).label)

    return label


def sox_coverage(
    catalog: CatalogSet, readiness: Readiness, labels: LabelFn | None = None
) -> CoverageView:
    """The coverage view under the readiness lens (`labels`: default from readiness)."""
    label_of = labels if labels is not None else conclusion_labels(readiness)
    controls: dict[str, CoveredBy] = {}

    def covered_by(control_id: str) -> CoveredBy:
        found = controls.get(control_id)
        if found is None:
            ctl = catalog.controls[control_id]
            status = readiness.status(control_id)
            ready = readiness.is_ready(control_id)
            deficient = readiness.is_deficient(control_id)
            if label_of is not None:
                text = label_of(control_id)
            else:
                text = "ready" if ready else "deficient" if deficient else "not ready"
            found = CoveredBy(control_id, ctl.title, ctl.key, status, ready, deficient, text)
            controls[control_id] = found
        return found

    def risk_line(risk: Risk) -> RiskLine:
        return RiskLine(
            risk.id,
            risk.title,
            risk.fraud,
            risk.likelihood,
            risk.magnitude,
            risk.severity,
            tuple(covered_by(cid) for cid in catalog.by_risk.get(risk.id, ())),
        )

    lines = {rid: risk_line(r) for rid, r in catalog.risks.items()}
    by_cell: dict[tuple[str, str], list[RiskLine]] = {}
    for rid, risk in catalog.risks.items():
        for aid in risk.accounts:
            for assertion in risk.assertions:
                by_cell.setdefault((aid, assertion), []).append(lines[rid])
    cells: list[CoverageCell] = []
    for a_index, (aid, account) in enumerate(catalog.accounts.items()):
        for s_index, assertion in enumerate(account.assertions):
            risks = tuple(by_cell.get((aid, assertion), ()))
            state, reasons, rank = _judge(risks, a_index, s_index)
            cells.append(
                CoverageCell(
                    account_id=aid,
                    account_name=account.name,
                    account_kind=account.kind,
                    assertion=assertion,
                    state=state,
                    risks=risks,
                    reasons=reasons,
                    rank=rank,
                )
            )
    return CoverageView(readiness.lens, tuple(cells), len(catalog.accounts))


def _judge(
    risks: tuple[RiskLine, ...], a_index: int, s_index: int
) -> tuple[str, tuple[str, ...], tuple[int, ...]]:
    """A cell's state, why it is a gap, and its place among the gaps."""
    if not risks:
        return GAP, ("no risk identified for this assertion",), (2, 0, 0, a_index, s_index)
    uncovered = [r for r in risks if not r.covered]
    if uncovered:
        fraud = any(r.fraud for r in uncovered)
        worst = max(r.severity for r in uncovered)
        bare = any(not r.controls for r in uncovered)
        rank = (0 if fraud else 1, -worst, 0 if bare else 1, a_index, s_index)
        return GAP, tuple(r.why_uncovered() for r in uncovered), rank
    key: dict[str, CoveredBy] = {}
    for r in risks:
        for c in r.key_controls:
            key.setdefault(c.control_id, c)
    if any(c.deficient for c in key.values()):
        state = DEFICIENT
    elif all(c.ready for c in key.values()):
        state = MET
    elif any(c.ready for c in key.values()):
        state = PARTIAL
    else:
        state = NOT_READY
    return state, (), (9, 0, 0, a_index, s_index)
