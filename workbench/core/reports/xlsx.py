"""XLSX export (openpyxl): a summary sheet, one sheet per framework, controls, evidence, gaps
and the leverage ranking. Each table has a bold, filled header row that stays frozen, an
auto-filter and column widths fitted to the content.

Text is always stored as text: a cell that starts with "=" is written as a string, never as a
formula, and characters that XLSX cannot hold (control characters) are dropped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from workbench.core.text import neutralise

from . import testing_tables as tt
from .csv_export import FORMULA_TRIGGERS
from .model import FrameworkReport, Report, fmt_time

Cell = str | int | float | bool | date | datetime | None

HEADER_FONT = {"bold": True, "color": "FFFFFF"}
HEADER_FILL = "37474F"
MAX_WIDTH = 60
MIN_WIDTH = 6
SHEET_NAME_MAX = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


CELL_MAX = 32_767  # characters Excel accepts in one cell


def _text(value: str) -> str:
    text = neutralise(value)  # XLSX cannot hold most controls; none are shown raw
    if len(text) > CELL_MAX:
        marker = " [truncated: the JSON export has the full text]"
        text = text[: CELL_MAX - len(marker)] + marker
    return text


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", neutralise(name, keep="")).strip("'") or "sheet"
    base = base[:SHEET_NAME_MAX]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(title.lower())
    return title


class _Book:
    """Thin wrapper so the layout code reads as tables of rows."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.wb = Workbook()
        self._first = True
        self._taken: set[str] = set()

    def sheet(self, name: str) -> Any:
        if self._first:
            ws = self.wb.active
            ws.title = _sheet_title(name, self._taken)
            self._first = False
            return ws
        return self.wb.create_sheet(_sheet_title(name, self._taken))

    @staticmethod
    def put(ws: Any, row: int, col: int, value: Cell) -> Any:
        cell = ws.cell(row=row, column=col)
        if isinstance(value, str):
            cell.value = _text(value)
            cell.data_type = "s"  # never a formula, whatever the first character
            if value.startswith(FORMULA_TRIGGERS):
                cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        else:
            cell.value = value
        if isinstance(value, date) and not isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd"
        return cell

    def table(
        self,
        ws: Any,
        header: Sequence[str],
        body: Iterable[Sequence[Cell]],
        *,
        start_row: int = 1,
        wrap: Sequence[int] = (),
    ) -> None:
        """Header at start_row (styled, frozen, filtered), then the rows; fit the widths."""
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        font = Font(**HEADER_FONT)
        fill = PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
        widths = [len(h) for h in header]
        for col, name in enumerate(header, 1):
            cell = self.put(ws, start_row, col, name)
            cell.font = font
            cell.fill = fill
        row_no = start_row
        top = Alignment(vertical="top", wrap_text=True)
        for row_no, row in enumerate(body, start_row + 1):
            for col, value in enumerate(row, 1):
                cell = self.put(ws, row_no, col, value)
                if col - 1 in wrap:
                    cell.alignment = top
                text = value.isoformat() if isinstance(value, date) else str(value or "")
                longest = max((len(part) for part in text.split("\n")), default=0)
                widths[col - 1] = max(widths[col - 1], longest)
        last_col = get_column_letter(len(header))
        ws.auto_filter.ref = f"A{start_row}:{last_col}{max(row_no, start_row)}"
        ws.freeze_panes = ws.cell(row=start_row + 1, column=1).coordinate
        for col, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(col)].width = min(
                MAX_WIDTH, max(MIN_WIDTH, width + 2)
            )


def _summary(book: _Book, report: Report) -> None:
    from openpyxl.styles import Font

    ws = book.sheet("Summary")
    m = report.meta
    book.put(ws, 1, 1, "Controls readiness report").font = Font(bold=True, size=14)
    facts: list[tuple[str, str]] = [
        ("Generated", fmt_time(m.generated_at)),
        ("Database", m.database),
        ("Catalogs", "; ".join(f"{c.id} {c.title}, version {c.version}" for c in m.catalogs)),
        ("History head hash", m.head_hash),
        ("Lens", m.lens_text),
        ("Scope", m.scope_text),
    ]
    if report.testing is not None:
        facts.append(("Audit periods", report.testing.current_text))
    s = report.shared
    a, b = report.shared_pair
    if s is None:
        facts.append(("Shared controls", f"none: the catalogs do not define both {a} and {b}"))
    else:
        facts.append(
            (
                "Shared controls",
                f"{len(s.ready)}/{len(s.controls)} ready; {s.earned_pct:.1f}% of {b} "
                f"requirements ({s.earned_met}/{s.target_applicable}) met by controls that "
                f"also serve {a}",
            )
        )
    for i, (key, value) in enumerate(facts, 2):
        book.put(ws, i, 1, key).font = Font(bold=True)
        book.put(ws, i, 2, value)
    header = [
        "framework",
        "group",
        "title",
        "level",
        "depth",
        "in scope",
        "readiness %",
        "met",
        "partial",
        "gap",
        "deficient",
        "unmapped",
        "not applicable",
        "out of scope",
        "applicable",
        "controls ready",
        "controls in scope",
        "coverage %",
    ]
    rows: list[list[Cell]] = []
    for fw in report.frameworks:
        for f, depth in [(fw.figures, -1), *((g.figures, g.depth) for g in fw.groups)]:
            n = f.counts
            rows.append(
                [
                    fw.id,
                    f.node_id or "",
                    f.title,
                    f.level,
                    depth + 1,
                    _yes(f.in_scope),
                    f.readiness_pct if f.in_scope else None,
                    *(
                        n.get(k, 0)
                        for k in (
                            "met",
                            "partial",
                            "gap",
                            "deficient",
                            "unmapped",
                            "not_applicable",
                            "out_of_scope",
                        )
                    ),
                    f.applicable,
                    f.controls_ready,
                    f.controls_in_scope,
                    f.coverage_pct if f.in_scope else None,
                ]
            )
    book.table(ws, header, rows, start_row=len(facts) + 3)
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width, 18)


def _framework(book: _Book, fw: FrameworkReport) -> None:
    ws = book.sheet(fw.id)
    header = [
        "requirement",
        "title",
        "category",
        "groups",
        "state",
        "controls ready",
        "controls in scope",
        "controls (status)",
        "coso",
        "description",
    ]
    book.table(
        ws,
        header,
        (
            [
                r.id,
                r.title,
                r.category,
                " / ".join(r.groups),
                r.state,
                r.ready_count,
                r.in_scope_count,
                ", ".join(f"{x.control_id} ({x.status})" for x in r.controls),
                r.coso,
                r.description,
            ]
            for r in fw.requirements
        ),
        wrap=(1, 7, 9),
    )


def _controls(book: _Book, report: Report) -> None:
    ws = book.sheet("Controls")
    header = [
        "control",
        "title",
        "status",
        "ready",
        "shared",
        "frameworks",
        "owner",
        "due",
        "notes",
        "justification",
        "last changed at",
        "last changed by",
        "last change fields",
        "evidence",
        "satisfies",
        "domain",
        "frequency",
        "type",
        "nature",
        "key control",
        "owner role",
        "catalog",
    ]
    rows: list[list[Cell]] = []
    for c in report.controls:
        last = c.last_change
        rows.append(
            [
                c.id,
                c.title,
                c.status,
                _yes(c.ready),
                _yes(c.shared),
                ", ".join(c.frameworks),
                c.owner or "",
                c.due,
                c.notes or "",
                c.justification or "",
                fmt_time(last.at) if last else "",
                last.by if last else "",
                ", ".join(last.fields) if last else "",
                len(c.evidence),
                "; ".join(f"{m.framework_id} {m.requirement_id}" for m in c.mappings),
                c.domain,
                c.frequency,
                c.type,
                c.nature,
                _yes(c.key),
                c.owner_role,
                c.catalog_id,
            ]
        )
    book.table(ws, header, rows, wrap=(8, 9))


def _evidence(book: _Book, report: Report) -> None:
    ws = book.sheet("Evidence")
    header = [
        "control",
        "#",
        "kind",
        "title",
        "reference",
        "effective from",
        "effective to",
        "sha256",
        "size",
        "added at",
        "added by",
        "status now",
    ]
    book.table(
        ws,
        header,
        (
            [
                c.id,
                e.id,
                e.kind,
                e.title or "",
                e.ref,
                e.effective_from,
                e.effective_to,
                e.sha256 or "",
                e.size,
                fmt_time(e.added_at),
                e.added_by,
                e.status,
            ]
            for c in report.controls
            for e in c.evidence
        ),
    )
    # URLs open from the sheet: a hyperlink on the reference cell (http(s) and mailto only,
    # as in the HTML binder).
    for row in ws.iter_rows(min_row=2, min_col=3, max_col=5):
        kind, ref = row[0].value, row[2]
        if kind == "url" and isinstance(ref.value, str) and _linkable(ref.value):
            ref.hyperlink = ref.value
            ref.style = "Hyperlink"


def _linkable(url: str) -> bool:
    low = url.strip().lower()
    return low.startswith(("https://", "http://", "mailto:"))


def _gaps(book: _Book, report: Report) -> None:
    ws = book.sheet("Gaps")
    book.table(
        ws,
        ["framework", "requirement", "state", "title", "controls (status)"],
        (
            [
                g.framework_id,
                g.requirement_id,
                g.state,
                g.title,
                ", ".join(f"{x.control_id} ({x.status})" for x in g.controls),
            ]
            for g in report.gaps
        ),
    )


def _next(book: _Book, report: Report) -> None:
    ws = book.sheet("Next")
    titles = report.control_titles()
    fws = [fw.id for fw in report.frameworks]
    header = ["rank", "control", "title", "status", "shared"]
    for fw in fws:
        header += [f"{fw} to met", f"{fw} to partial"]
    rows: list[list[Cell]] = []
    for i, lv in enumerate(report.leverage, 1):
        row: list[Cell] = [
            i,
            lv.control_id,
            titles.get(lv.control_id, ""),
            lv.status,
            _yes(lv.shared),
        ]
        for fw in fws:
            row += [lv.to_met.get(fw, 0), lv.to_partial.get(fw, 0)]
        rows.append(row)
    book.table(ws, header, rows)


def _testing(book: _Book, report: Report) -> None:
    """Control testing: backed figures, tests, samples and findings (sheets only when there
    is something to show)."""
    t = report.testing
    if t is None or t.empty:
        return
    ws = book.sheet("Testing")
    book.table(
        ws,
        [
            "framework",
            "period",
            "effective",
            "backed",
            "unsupported",
            "contradicted",
            "not checked",
            "design untested",
            "design ineffective",
            "found in the period",
            "unsupported controls",
            "contradicted controls",
        ],
        (
            [
                fb.framework_id,
                fb.period.name if fb.period else "",
                fb.effective,
                len(fb.backed),
                len(fb.unsupported),
                len(fb.contradicted),
                len(fb.unchecked),
                len(fb.design_untested),
                len(fb.design_ineffective),
                tt.found_text(fb) if fb.period else "",
                "; ".join(f"{n.control_id}: {', '.join(n.reasons)}" for n in fb.unsupported),
                "; ".join(f"{n.control_id}: {', '.join(n.reasons)}" for n in fb.contradicted),
            ]
            for fb in t.frameworks
        ),
    )
    if t.controls:
        book.table(
            book.sheet("Tests"),
            [
                "control",
                "period",
                "design",
                "required",
                "passed",
                "exceptions counted",
                "conclusion",
                "uncovered quarters",
                "coverage problems",
                "basis",
            ],
            (
                [
                    row.control_id,
                    row.period.name,
                    "passed"
                    if row.design_passed
                    else (str(row.design[-1].conclusion) if row.design else "none"),
                    row.operating.required if row.operating_test else None,
                    row.operating.passed if row.operating_test else None,
                    ", ".join(f"#{i}" for i in row.operating.exceptions_open),
                    row.operating.label,
                    ", ".join(q.label for q in row.coverage.uncovered),
                    "; ".join(row.coverage.problems),
                    row.operating_test.basis or "" if row.operating_test else "",
                ]
                for row in t.controls
            ),
        )
        book.table(
            book.sheet("Samples"),
            ["#", "control", "period", "date", "identifier", "result", "evidence", "notes"],
            (
                [
                    smp.id,
                    row.control_id,
                    row.period.name,
                    smp.occurred_on,
                    smp.ref or "",
                    smp.result,
                    smp.evidence_id,
                    smp.notes or "",
                ]
                for row in t.controls
                for smp in row.samples
            ),
        )
    if t.findings:
        book.table(
            book.sheet("Findings"),
            [
                "#",
                "control",
                "period",
                "severity",
                "status",
                "owner",
                "due",
                "remediated on",
                "samples",
                "summary",
            ],
            (
                [
                    f.id,
                    f.control_id,
                    f.period,
                    f.severity,
                    f.status,
                    f.owner or "",
                    f.due,
                    f.remediated_on,
                    ", ".join(str(i) for i in f.samples),
                    f.summary,
                ]
                for f in t.findings
            ),
        )


def _sox(book: _Book, report: Report) -> None:
    """SOX coverage (when the catalogs define significant accounts), risks and retired
    controls with recorded state: a sheet each, only when there is something to show."""
    from . import sox_tables as st

    sox = report.sox
    if sox is None:
        return
    specs = []
    if st.shows_coverage(sox):
        specs += [("SOX coverage", st.coverage_spec(sox)), ("Risks", st.risks_spec(sox))]
    if st.shows_retired(sox):
        specs.append(("Retired", st.retired_spec(sox)))
    for name, spec in specs:
        book.table(
            book.sheet(name),
            spec.headers,
            ([st.plain(c) for c in row] for row in spec.rows),
        )


def build_workbook(report: Report) -> Any:
    """The openpyxl Workbook (not saved)."""
    book = _Book()
    _summary(book, report)
    for fw in report.frameworks:
        _framework(book, fw)
    _controls(book, report)
    _evidence(book, report)
    _gaps(book, report)
    _next(book, report)
    _testing(book, report)
    _sox(book, report)
    props = book.wb.properties
    props.title = "Controls readiness report"
    props.creator = "workbench"
    props.created = report.meta.generated_at.replace(tzinfo=None)
    props.modified = props.created
    return book.wb


def render_xlsx(report: Report) -> bytes:
    out = io.BytesIO()
    build_workbook(report).save(out)
    return out.getvalue()
