"""The control-testing tables of a report, once, for every format that shows them.

Each table is a title, headers and rows of cells; a cell is plain text, a control reference
(a link in HTML, code in Markdown) or a list of identifiers (code). The Markdown and HTML
renderers only decide how a cell looks, so the two binders cannot drift apart in what they
say about tests, samples and findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbench.core.testing import DEVIATION_WORDS, VERDICT_LABELS, FrameworkBacking

from .model import ControlTestingReport, fmt_date

SEVERITY_COLUMNS = (
    ("material_weakness", "Material weakness"),
    ("significant_deficiency", "Significant deficiency"),
    ("deficiency", "Deficiency"),
)
_PLURALS = {
    "material_weakness": ("material weakness", "material weaknesses"),
    "significant_deficiency": ("significant deficiency", "significant deficiencies"),
    "deficiency": ("deficiency", "deficiencies"),
}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def found_text(fb: FrameworkBacking) -> str:
    """What testing found in a framework's current period, in its own words: SOX (and other
    frameworks) the deficiencies that stand by severity; SOC 2 the deviations and the criteria
    at risk (never a "material weakness")."""
    if fb.vocabulary == DEVIATION_WORDS:
        text = _count(fb.deviation_count, "deviation", "deviations")
        if fb.deviations:
            text += " (" + ", ".join(d.control_id for d in fb.deviations) + ")"
        if fb.criteria_at_risk:
            text += "; criteria at risk: " + ", ".join(fb.criteria_at_risk)
        return text
    counts = fb.deficiencies
    return ", ".join(_count(counts.get(k, 0), *_PLURALS[k]) for k, _ in SEVERITY_COLUMNS)


def banners(t: ControlTestingReport, names: dict[str, str]) -> list[str]:
    """Stated first: material weaknesses that stand (SOX: ICFR is not effective), and SOC 2
    criteria at risk of a qualified opinion."""
    out: list[str] = []
    for fb in t.frameworks:
        name = names.get(fb.framework_id, fb.framework_id)
        if fb.vocabulary == DEVIATION_WORDS:
            if fb.criteria_at_risk:
                out.append(
                    f"{name}: criteria at risk of a qualified opinion: "
                    f"{', '.join(fb.criteria_at_risk)}."
                )
            continue
        if fb.material_weaknesses:
            ids = ", ".join(f"#{f.id} {f.control_id}" for f in fb.material_weaknesses)
            when = f" as of {fb.period.as_of}" if fb.period and fb.period.as_of else ""
            verdict = ": ICFR is not effective" if fb.framework_id == "sox" else ""
            what = _count(len(fb.material_weaknesses), "material weakness", "material weaknesses")
            out.append(f"{name}: {what}{when} ({ids}){verdict}.")
    return out


FOUND_NOTE = (
    "What was found is counted in each framework's words: SOX (and other frameworks) the "
    "deficiencies that stand in the current period (closing a finding is not fixing it; as of "
    "the as-of date only a tested remediation removes one); SOC 2 the deviations and the "
    "criteria at risk."
)


@dataclass(frozen=True, slots=True)
class ControlRef:
    """A control ID: a link to the control's section where the format has one."""

    control_id: str


@dataclass(frozen=True, slots=True)
class Codes:
    """Identifiers (framework IDs) shown as code, comma-separated."""

    items: tuple[str, ...]


Cell = str | ControlRef | Codes


@dataclass(frozen=True, slots=True)
class TableSpec:
    title: str  # "" for a table under the section's own heading
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: tuple[int, ...] = ()  # right-aligned columns


@dataclass(frozen=True, slots=True)
class CoverageLine:
    control: ControlRef
    period: str
    quarters: str  # "Q1 covered, Q2 NOT covered, ..."
    problems: tuple[str, ...]


def _ids(values: Sequence[int]) -> str:
    return ", ".join(f"#{i}" for i in values)


def periods_table(t: ControlTestingReport) -> TableSpec | None:
    if not t.periods:
        return None
    current = dict(t.current)
    return TableSpec(
        "",
        ("Period", "Frameworks", "Start", "End", "As of", "Current for"),
        tuple(
            (
                p.name,
                Codes(tuple(p.frameworks)),
                p.start.isoformat(),
                p.end.isoformat(),
                fmt_date(p.as_of),
                Codes(tuple(fw for fw, cur in current.items() if cur and cur.name == p.name)),
            )
            for p in t.periods
        ),
    )


def frameworks_table(t: ControlTestingReport, names: dict[str, str]) -> TableSpec:
    return TableSpec(
        "",
        (
            "Framework",
            "Period",
            "Effective",
            "Backed",
            "Unsupported",
            "Contradicted",
            "Not checked",
            "Design untested",
            "Design ineffective",
            "Found in the period",
        ),
        tuple(
            (
                f"{names.get(fb.framework_id, fb.framework_id)} ({fb.framework_id})",
                fb.period.name if fb.period else "none",
                str(fb.effective),
                str(len(fb.backed)),
                str(len(fb.unsupported)),
                str(len(fb.contradicted)),
                str(len(fb.unchecked)),
                str(len(fb.design_untested)),
                str(len(fb.design_ineffective)),
                found_text(fb) if fb.period else "",
            )
            for fb in t.frameworks
        ),
        numeric=tuple(range(2, 9)),
    )


def unsupported_list(t: ControlTestingReport) -> list[tuple[ControlRef, str]]:
    found = {n.control_id: n for fb in t.frameworks for n in fb.unsupported}
    return [(ControlRef(cid), "; ".join(n.reasons)) for cid, n in sorted(found.items())]


def contradicted_list(t: ControlTestingReport) -> list[tuple[ControlRef, str]]:
    found = {n.control_id: n for fb in t.frameworks for n in fb.contradicted}
    return [(ControlRef(cid), "; ".join(n.reasons)) for cid, n in sorted(found.items())]


def design_ineffective_list(t: ControlTestingReport) -> list[tuple[ControlRef, str]]:
    found = {n.control_id: n for fb in t.frameworks for n in fb.design_ineffective}
    return [(ControlRef(cid), "; ".join(n.reasons)) for cid, n in sorted(found.items())]


def control_lists(t: ControlTestingReport) -> list[tuple[str, list[tuple[ControlRef, str]]]]:
    """The lists of controls a binder shows under the backed figures, in order."""
    return [
        ("Effective, contradicted by the tests", contradicted_list(t)),
        ("Effective, unsupported", unsupported_list(t)),
        ("Design ineffective", design_ineffective_list(t)),
        ("Design untested", design_untested_list(t)),
    ]


def design_untested_list(t: ControlTestingReport) -> list[tuple[ControlRef, str]]:
    found = {n.control_id: n for fb in t.frameworks for n in fb.design_untested}
    return [(ControlRef(cid), "; ".join(n.reasons)) for cid, n in sorted(found.items())]


def tests_table(t: ControlTestingReport) -> TableSpec | None:
    if not t.controls:
        return None
    return TableSpec(
        "Tests",
        (
            "Control",
            "Period",
            "Design",
            "Required",
            "Passed",
            "Exceptions counted",
            "Conclusion",
            "Coverage",
            "Basis",
        ),
        tuple(
            (
                ControlRef(row.control_id),
                row.period.name,
                "passed"
                if row.design_passed
                else (str(row.design[-1].conclusion) if row.design else "none"),
                str(row.operating.required) if row.operating_test else "",
                str(row.operating.passed) if row.operating_test else "",
                _ids(row.operating.exceptions_open),
                VERDICT_LABELS[row.operating.verdict],
                "; ".join(row.coverage.problems) or "covered",
                (row.operating_test.basis or "") if row.operating_test else "no operating test",
            )
            for row in t.controls
        ),
        numeric=(3, 4),
    )


def design_table(t: ControlTestingReport) -> TableSpec | None:
    design = [(row, d) for row in t.controls for d in row.design]
    if not design:
        return None
    return TableSpec(
        "Tests of design",
        ("#", "Control", "Period", "Date", "Performer", "Conclusion", "Evidence", "Notes"),
        tuple(
            (
                str(d.id),
                ControlRef(row.control_id),
                row.period.name,
                fmt_date(d.performed_on),
                d.performer or "",
                d.conclusion or "",
                f"#{d.evidence_id}" if d.evidence_id is not None else "",
                d.notes or "",
            )
            for row, d in design
        ),
        numeric=(0,),
    )


def samples_table(t: ControlTestingReport) -> TableSpec | None:
    samples = [(row, s) for row in t.controls for s in row.samples]
    if not samples:
        return None
    return TableSpec(
        "Samples",
        ("#", "Control", "Period", "Date", "Identifier", "Result", "Evidence", "Notes"),
        tuple(
            (
                str(s.id),
                ControlRef(row.control_id),
                row.period.name,
                fmt_date(s.occurred_on),
                s.ref or "",
                s.result,
                f"#{s.evidence_id}" if s.evidence_id is not None else "",
                s.notes or "",
            )
            for row, s in samples
        ),
        numeric=(0,),
    )


def coverage_lines(t: ControlTestingReport) -> list[CoverageLine]:
    return [
        CoverageLine(
            ControlRef(row.control_id),
            row.period.name,
            ", ".join(
                f"{q.quarter.label} {'covered' if q.covered else 'NOT covered'}"
                for q in row.coverage.quarters
            ),
            tuple(row.coverage.problems),
        )
        for row in t.controls
    ]


def findings_table(t: ControlTestingReport) -> TableSpec | None:
    if not t.findings:
        return None
    return TableSpec(
        "Findings",
        (
            "#",
            "Control",
            "Period",
            "Severity",
            "Status",
            "Owner",
            "Due",
            "Remediated",
            "Samples",
            "Summary",
        ),
        tuple(
            (
                str(f.id),
                ControlRef(f.control_id),
                f.period,
                f.severity_label,
                f.status,
                f.owner or "",
                fmt_date(f.due),
                fmt_date(f.remediated_on),
                _ids(f.samples),
                f.summary,
            )
            for f in t.findings
        ),
        numeric=(0,),
    )
