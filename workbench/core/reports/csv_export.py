"""CSV export: one row per control x requirement mapping, safe to open in a spreadsheet.

Controls that map to no requirement still get one row (with empty requirement columns), so
every control of the catalogs appears. Every row also names the report (time, database,
catalog versions, history head hash, lens), so a filtered or pasted extract still ties back to
the record. Text cells that a spreadsheet would read as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from workbench.core.text import neutralise as safe_text

from .model import ControlReport, MappingItem, Report, fmt_date, fmt_time

COLUMNS: tuple[str, ...] = (
    "framework",
    "requirement",
    "requirement_title",
    "requirement_state",
    "relationship",
    "rationale",
    "control",
    "control_title",
    "domain",
    "frequency",
    "type",
    "nature",
    "key_control",
    "owner_role",
    "status",
    "ready",
    "shared",
    "owner",
    "due",
    "notes",
    "justification",
    "last_changed_at",
    "last_changed_by",
    "last_change_fields",
    "evidence_count",
    "evidence",
    "backing",
    "tests",
    "open_findings",
    "report_generated_at",
    "report_database",
    "report_catalogs",
    "report_head_hash",
    "report_lens",
)

# A cell starting with one of these is read as a formula (or a DDE call) by spreadsheets.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix a cell that a spreadsheet would evaluate with an apostrophe (shown as text);
    control characters (a CR too) shown as escapes (core/text.py), newlines and tabs kept."""
    value = "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    return safe_text(value)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def rows(report: Report) -> Iterator[list[str]]:
    """The data rows (not neutralised), in control order then mapping order."""
    meta = report.meta
    tail = [
        fmt_time(meta.generated_at),
        meta.database,
        meta.catalogs_text,
        meta.head_hash,
        meta.lens,
    ]
    testing = _testing_cells(report)
    for c in report.controls:
        mappings: tuple[MappingItem | None, ...] = c.mappings or (None,)
        extra = testing.get(c.id, ["", "", "0"])
        for m in mappings:
            yield [*_mapping_cells(m), *_control_cells(c), *extra, *tail]


def _testing_cells(report: Report) -> dict[str, list[str]]:
    """Per control: backing of an effective status (backed, unsupported, contradicted, not
    checked), its
    tests per period in a few words, and its open findings."""
    t = report.testing
    if t is None:
        return {}
    backing: dict[str, str] = {}
    for fb in t.frameworks:
        for cid in fb.unchecked:
            backing.setdefault(cid, "not checked")
        for cid in fb.backed:
            backing.setdefault(cid, "backed")
        for note in fb.unsupported:
            backing[note.control_id] = "unsupported"
        for note in fb.contradicted:
            backing[note.control_id] = "contradicted"
    tests: dict[str, list[str]] = {}
    for row in t.controls:
        design = "design passed" if row.design_passed else "design not passed"
        op = row.operating
        done = f"{op.passed}/{op.required} passed" if row.operating_test else "no operating test"
        tests.setdefault(row.control_id, []).append(f"{row.period.name}: {design}, {done}")
    findings: dict[str, int] = {}
    for f in t.findings:
        if f.is_open:
            findings[f.control_id] = findings.get(f.control_id, 0) + 1
    ids = set(backing) | set(tests) | set(findings)
    return {
        cid: [backing.get(cid, ""), "; ".join(tests.get(cid, [])), str(findings.get(cid, 0))]
        for cid in ids
    }


def _mapping_cells(m: MappingItem | None) -> list[str]:
    if m is None:
        return ["", "", "", "", "", ""]
    return [
        m.framework_id,
        m.requirement_id,
        m.requirement_title,
        m.requirement_state,
        m.relationship or "",
        m.rationale,
    ]


def _control_cells(c: ControlReport) -> list[str]:
    last = c.last_change
    return [
        c.id,
        c.title,
        c.domain,
        c.frequency,
        c.type,
        c.nature,
        _yes(c.key),
        c.owner_role,
        c.status,
        _yes(c.ready),
        _yes(c.shared),
        c.owner or "",
        fmt_date(c.due),
        c.notes or "",
        c.justification or "",
        fmt_time(last.at) if last else "",
        last.by if last else "",
        " ".join(last.fields) if last else "",
        str(len(c.evidence)),
        "; ".join(e.summary for e in c.evidence),
    ]


def render_csv(report: Report) -> str:
    """UTF-8 text (no byte-order mark), header row first, RFC 4180 quoting, CRLF rows."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows(report):
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()
