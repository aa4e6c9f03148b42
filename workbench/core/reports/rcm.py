"""The risk-control matrix (RCM) a SOX team and its auditor expect, as an xlsx workbook.

One row per control x risk (a control that addresses no risk gets one row), with process,
risk, accounts, assertions, control description, owner, frequency, nature, type, key,
systems, IPE, SOC 2 criteria, COSO principles, status, latest test conclusion and findings;
one sheet per process (a control without one: its domain), a summary sheet first, then the
significant accounts and the system inventory. Every sheet has a frozen, filtered header row.

The headers and cell words are those the RCM importer reads (importers/vocab.py), so that
importing this workbook gives back the same catalog: named items are written as
"Name [ID]", supporting mappings after "supporting:". Recorded state (status, tests,
findings) is shown but never imported.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from workbench.core.catalog.model import ASSERTION_LABELS
from workbench.core.importers import vocab

from .model import ControlReport, Report, fmt_time, status_label
from .sox import SoxReport, assertion_codes
from .xlsx import _Book

COLUMNS: tuple[str, ...] = (
    *vocab.GROUP_FIELDS,
    *vocab.RISK_FIELDS,
    *vocab.CONTROL_FIELDS,
    *vocab.STATE_FIELDS,
)
UNADDRESSED_SHEET = "Risks without controls"
SOC2, SOX = "soc2", "sox"
_WRAP = tuple(
    i for i, f in enumerate(COLUMNS) if f in ("risk", "description", "title", "test", "findings")
)


def _refs(c: ControlReport, fields: str) -> str:
    """A mapping cell: 'CC6.1, CC6.2; supporting: CC4.1'."""
    by_role: dict[str, list[str]] = {"primary": [], "supporting": []}
    for m in c.mappings:
        coso = m.framework_id == SOX and m.requirement_id.startswith("COSO-P")
        if fields == "soc2" and m.framework_id == SOC2:
            text = m.requirement_id
        elif fields == "coso" and coso:
            text = f"P{int(m.requirement_id[6:])}"
        elif fields == "sox" and m.framework_id == SOX and not coso:
            text = m.requirement_id
        elif fields == "other" and m.framework_id not in (SOC2, SOX):
            text = f"{m.framework_id}:{m.requirement_id}"
        else:
            continue
        by_role["primary" if m.role == "primary" else "supporting"].append(text)
    out = ", ".join(by_role["primary"])
    if by_role["supporting"]:
        out += ("; " if out else "") + "supporting: " + ", ".join(by_role["supporting"])
    return out


def _named(ids: Sequence[str], names: dict[str, str]) -> str:
    return "; ".join(vocab.with_id(names.get(i, ""), i) for i in ids)


def control_rows(report: Report) -> list[tuple[str, list[str]]]:
    """(sheet, cells) for every control x risk, in catalog order; then one row for each risk
    no control addresses."""
    sox = report.sox
    if sox is None:  # pragma: no cover - build_report always builds it
        raise ValueError("the report has no SOX part")
    risks = {r.id: r for r in sox.risks}
    accounts = {a.id: a.name for a in sox.accounts}
    systems = {s.id: s.name for s in sox.systems.values()}
    out: list[tuple[str, list[str]]] = []
    addressed: set[str] = set()
    tests: dict[str, tuple[str, str]] = {}
    for c in report.controls:
        scope = sox.controls.get(c.id)
        process = scope.process if scope else ""
        ipe = scope.ipe if scope else ()
        control: dict[str, str] = {
            "process": process,
            "subprocess": scope.subprocess if scope else "",
            "id": c.id,
            "title": c.title,
            "description": c.description,
            "owner": c.owner_role,
            "frequency": vocab.FREQUENCY_LABELS.get(c.frequency, c.frequency),
            "nature": vocab.NATURE_LABELS.get(c.nature, c.nature),
            "type": vocab.TYPE_LABELS.get(c.type, c.type),
            "key": "Key" if c.key else "Non-key",
            "systems": _named([s for s in c.systems if s not in ipe], systems),
            "ipe": _named(ipe, systems),
            "covers": _named(c.covers, systems),
            "soc2": _refs(c, "soc2"),
            "coso": _refs(c, "coso"),
            "sox": _refs(c, "sox"),
            "other": _refs(c, "other"),
            "domain": c.domain,
            "status": status_label(c.status),
            "test": scope.latest_test if scope else "",
            "findings": "\n".join(scope.findings) if scope else "",
        }
        tests[c.id] = (control["test"], control["findings"])
        sheet = process or c.domain
        for rid in (scope.risks if scope else ()) or (None,):
            row = dict(control)
            if rid is not None:
                addressed.add(rid)
                row.update(_risk_cells(risks.get(rid), rid, accounts))
            out.append((sheet, [row.get(f, "") for f in COLUMNS]))
    for r in sox.risks:
        if r.id not in addressed:
            row = _risk_cells(r, r.id, accounts)
            out.append((UNADDRESSED_SHEET, [row.get(f, "") for f in COLUMNS]))
    return out


def _risk_cells(risk: Any, rid: str, accounts: dict[str, str]) -> dict[str, str]:
    if risk is None:
        return {"risk_id": rid}
    return {
        "risk_id": risk.id,
        "risk": risk.title,
        "fraud": "Yes" if risk.fraud else "",
        "likelihood": vocab.LEVEL_LABELS.get(risk.likelihood, ""),
        "magnitude": vocab.LEVEL_LABELS.get(risk.magnitude, ""),
        "accounts": _named(risk.accounts, accounts),
        "assertions": assertion_codes(risk.assertions),
    }


def build_rcm(report: Report) -> Any:
    """The openpyxl Workbook (not saved)."""
    sox = report.sox
    if sox is None:  # pragma: no cover - build_report always builds it
        raise ValueError("the report has no SOX part")
    rows = control_rows(report)
    sheets: dict[str, list[list[str]]] = {}
    for sheet, cells in rows:
        sheets.setdefault(sheet, []).append(cells)
    for body in sheets.values():
        # Rows without a process first: a reader fills a blank process from the row above.
        body.sort(key=lambda cells: bool(cells[0]))
    book = _Book()
    _summary(book, report, sox, sheets)
    headers = [vocab.HEADERS[f] for f in COLUMNS]
    for name, body in sheets.items():
        book.table(book.sheet(name), headers, body, wrap=_WRAP)
    book.table(
        book.sheet("Accounts"),
        ["Account ID", "Account", "Kind", "Relevant assertions", "Description"],
        (
            [a.id, a.name, a.kind, assertion_codes(a.assertions), a.description]
            for a in sox.accounts
        ),
    )
    book.table(
        book.sheet("Systems"),
        ["System ID", "System", "Kind", "Description"],
        ([s.id, s.name, s.kind, s.description] for s in sox.systems.values()),
    )
    props = book.wb.properties
    props.title = "Risk-control matrix"
    props.creator = "workbench"
    props.created = report.meta.generated_at.replace(tzinfo=None)
    props.modified = props.created
    return book.wb


def _summary(
    book: _Book, report: Report, sox: SoxReport, sheets: dict[str, list[list[str]]]
) -> None:
    from openpyxl.styles import Font

    ws = book.sheet("Summary")
    m = report.meta
    book.put(ws, 1, 1, "Risk-control matrix").font = Font(bold=True, size=14)
    facts = [
        ("Generated", fmt_time(m.generated_at)),
        ("Database", m.database),
        ("Catalogs", "; ".join(f"{c.id} {c.title}, version {c.version}" for c in m.catalogs)),
        ("History head hash", m.head_hash),
        ("Lens", m.lens_text),
    ]
    if sox.scoped:
        facts.append(("SOX coverage", sox.coverage.summary()))
        facts += [
            (f"Gap {i}", f"{c.account_id} {c.account_name}, "
             f"{ASSERTION_LABELS.get(c.assertion, c.assertion)}: {'; '.join(c.reasons)}")
            for i, c in enumerate(sox.coverage.gaps, 1)
        ]  # fmt: skip
    facts.append(
        ("Legend", "Assertions: E/O existence or occurrence, C completeness, V/A accuracy, "
         "valuation or allocation, R&O rights and obligations, P&D presentation and "
         "disclosure, CO cut-off. Status, test conclusion and findings are the recorded "
         "state, not imported back.")
    )  # fmt: skip
    for i, (key, value) in enumerate(facts, 2):
        book.put(ws, i, 1, key).font = Font(bold=True)
        book.put(ws, i, 2, value)
    start = len(facts) + 3
    keyed = {c.id for c in report.controls if c.key}
    body: list[list[str | int]] = []
    for name, rows in sheets.items():
        ids = {r[COLUMNS.index("id")] for r in rows if r[COLUMNS.index("id")]}
        risk_ids = {r[COLUMNS.index("risk_id")] for r in rows if r[COLUMNS.index("risk_id")]}
        body.append([name, len(ids), len(ids & keyed), len(risk_ids), len(rows)])
    book.table(ws, ["Sheet", "Controls", "Key controls", "Risks", "Rows"], body, start_row=start)
    ws.column_dimensions["B"].width = 60


def render_rcm(report: Report) -> bytes:
    out = io.BytesIO()
    build_rcm(report).save(out)
    return out.getvalue()
