"""The SOX coverage and tailoring tables of a report, once, for every format that shows them
(the same TableSpec cells as the control-testing tables: testing_tables.py)."""

from __future__ import annotations

from workbench.core.catalog.model import ASSERTION_LABELS

from .sox import SoxReport, assertion_codes, cell_controls, cell_state, gap_lines
from .testing_tables import Cell, Codes, ControlRef, TableSpec

COVERAGE_TITLE = "SOX coverage"
COVERAGE_NOTE = (
    "Each significant account and disclosure, each of its relevant assertions, and the key "
    "controls that address the risks threatening it (PCAOB AS 2201 top-down scoping). An "
    "assertion that no key control covers is a gap."
)
RETIRED_TITLE = "Retired controls with recorded state"
RETIRED_NOTE = (
    "Controls taken out of the catalogs (retired, or part of a replaced bundled library) that "
    "still have a recorded status or evidence: kept, not counted."
)


def plain(cell: Cell) -> str:
    """A cell as text (spreadsheets)."""
    if isinstance(cell, Codes):
        return ", ".join(cell.items)
    if isinstance(cell, ControlRef):
        return cell.control_id
    return cell


def shows_coverage(sox: SoxReport | None) -> bool:
    return sox is not None and sox.scoped


def shows_retired(sox: SoxReport | None) -> bool:
    return sox is not None and bool(sox.retired)


def coverage_spec(sox: SoxReport) -> TableSpec:
    return TableSpec(
        "",
        ("Account", "Assertion", "State", "Key controls", "Risks"),
        tuple(
            (
                f"{c.account_id} {c.account_name}",
                ASSERTION_LABELS.get(c.assertion, c.assertion),
                cell_state(c),
                cell_controls(c),
                Codes(tuple(r.risk_id for r in c.risks)),
            )
            for c in sox.coverage.cells
        ),
    )


def gaps(sox: SoxReport) -> list[str]:
    return gap_lines(sox.coverage)


def risks_spec(sox: SoxReport) -> TableSpec:
    addressed: dict[str, list[str]] = {}
    for cid, scoping in sox.controls.items():
        for rid in scoping.risks:
            addressed.setdefault(rid, []).append(cid)
    return TableSpec(
        "Risks of material misstatement",
        ("Risk", "What could go wrong", "Accounts", "Assertions", "Level", "Fraud", "Controls"),
        tuple(
            (
                r.id,
                r.title,
                Codes(r.accounts),
                assertion_codes(r.assertions),
                f"{r.likelihood or '-'} / {r.magnitude or '-'}",
                "yes" if r.fraud else "",
                Codes(tuple(addressed.get(r.id, ()))),
            )
            for r in sox.risks
        ),
    )


def retired_spec(sox: SoxReport) -> TableSpec:
    return TableSpec(
        "",
        ("Control", "Title", "Status", "Why retired", "Where"),
        tuple((r.control_id, r.title, r.status, r.reason, r.retired_by) for r in sox.retired),
    )
