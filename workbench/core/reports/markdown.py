"""Markdown export: a readable binder for auditors and managers.

Order: what the report is tied to, the summary per framework and per group, shared controls,
gaps, what to work on next, each framework's requirements, then one section per control.
Catalog and user text is escaped, so "[bold]", "<script>" or "*x*" print as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from . import sox_tables as st
from . import testing_tables as tt
from ._text import bar, lines, linkable, one_line
from .model import (
    ControlReport,
    ControlTestingReport,
    FrameworkReport,
    Report,
    fmt_date,
    fmt_time,
    state_label,
    status_label,
)

NEXT_LIMIT = 20
# Characters with an inline meaning: emphasis, code, links, HTML, table cells, headings.
_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>|~#])")
_ENTITY_RE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What would start a list, a heading underline or a numbered list at the start of a line.
_LINE_START_RE = re.compile(r"^([-+=])|^(\d+)([.)])")


def esc(text: str) -> str:
    """Escape inline text: Markdown punctuation, HTML tags and entities."""
    out = _SPECIAL_RE.sub(r"\\\1", one_line(text))
    return _ENTITY_RE.sub(r"\\&", out)


def esc_line(text: str) -> str:
    """Escape text that starts a line: also what would begin a list or a heading underline."""
    return _LINE_START_RE.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3),
        esc(text),
    )


def code(text: str, *, table: bool = False) -> str:
    """An inline code span (IDs, hashes, paths): shown literally. In a table cell a '|' is
    escaped (GFM splits cells before it reads code spans)."""
    text = one_line(text)
    if table:
        text = text.replace("|", "\\|")
    ticks = "`"
    while ticks in text:
        ticks += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def link(label: str, url: str) -> str:
    """A link for http(s)/mailto URLs; any other reference is shown as code."""
    if not linkable(url):
        return f"{esc(label)} ({code(url)})" if label != url else code(url)
    dest = url.replace("\\", "%5C").replace("<", "%3C").replace(">", "%3E")
    return f"[{esc(label)}](<{dest}>)"


def _table(
    header: Sequence[str],
    body: Iterable[Sequence[str]],
    right: int = 0,
    num: Sequence[int] = (),
) -> list[str]:
    """A pipe table; the last `right` columns, and the columns `num`, are right-aligned.
    Cells are already escaped."""
    first_right = len(header) - right
    align = ["---:" if i >= first_right or i in num else "---" for i in range(len(header))]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    out.extend("| " + " | ".join(row) + " |" for row in body)
    return out


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _header(report: Report) -> list[str]:
    m = report.meta
    catalogs = "; ".join(
        f"{code(c.id)} {esc(c.title)}, version {esc(c.version)}" for c in m.catalogs
    )
    return [
        "# Controls readiness report",
        "",
        *_table(
            ["", ""],
            [
                ["Generated", esc(fmt_time(m.generated_at))],
                ["Database", code(m.database, table=True)],
                ["Catalogs", catalogs],
                ["History head hash", code(m.head_hash)],
                ["Lens", esc(m.lens_text)],
                ["Scope", esc(m.scope_text)],
                *(
                    [["Audit periods", esc(report.testing.current_text)]]
                    if report.testing is not None
                    else []
                ),
            ],
        ),
        "",
    ]


def _testing(report: Report) -> list[str]:
    t = report.testing
    if t is None:
        return []
    out = ["## Control testing", ""]
    if t.empty:
        return [
            *out,
            "No audit period in use and no tests recorded: `effective` statuses are not checked "
            "against tests.",
            "",
        ]
    names = {fw.id: fw.name for fw in report.frameworks}
    for banner in tt.banners(t, names):
        out += [f"**{esc(banner)}**", ""]
    periods = tt.periods_table(t)
    if periods is not None:
        out += [*_spec(periods), ""]
    rule = (
        "In the operating lens a control is ready only when `effective` and its operating "
        "test in each current period concludes effective (docs/testing.md: exceptions by "
        "frequency, distinct occurrences, findings that stand, the as-of date), its design is "
        "not ineffective and the IT general controls it relies on are backed."
        if t.backed_rule
        else "The readiness figures of this report take statuses alone (not the backed rule)."
    )
    out += [rule, ""]
    out += _spec(tt.frameworks_table(t, names))
    out += ["", esc(tt.FOUND_NOTE), ""]
    out += _testing_lists(t)
    return out


def _cell(cell: tt.Cell) -> str:
    if isinstance(cell, tt.ControlRef):
        return code(cell.control_id, table=True)
    if isinstance(cell, tt.Codes):
        return ", ".join(code(item, table=True) for item in cell.items)
    return esc(cell)


def _spec(spec: tt.TableSpec, level: str = "###") -> list[str]:
    head = [f"{level} {spec.title}", ""] if spec.title else []
    rows = ([_cell(cell) for cell in row] for row in spec.rows)
    return [*head, *_table(spec.headers, rows, num=spec.numeric)]


def _testing_lists(t: ControlTestingReport) -> list[str]:
    out: list[str] = []
    for title, items in tt.control_lists(t):
        if items:
            out += [f"### {title}", ""]
            out += [f"- {_cell(ref)}: {esc(reasons)}" for ref, reasons in items]
            out.append("")
    tests = tt.tests_table(t)
    if tests is not None:
        out += [*_spec(tests), ""]
        for spec in (tt.design_table(t), tt.samples_table(t)):
            if spec is not None:
                out += [*_spec(spec, "####"), ""]
        out += ["### Period coverage", ""]
        for line in tt.coverage_lines(t):
            head = f"- {_cell(line.control)} in {esc(line.period)}: {line.quarters}"
            problems = "; ".join(line.problems)
            out.append(head + (": " + esc(problems) if problems else "; no problem"))
        out.append("")
    findings = tt.findings_table(t)
    if findings is not None:
        out += [*_spec(findings), ""]
    return out


def _summary(report: Report) -> list[str]:
    out = ["## Summary", ""]
    body = []
    for fw in report.frameworks:
        f = fw.figures
        c = f.counts
        body.append(
            [
                f"{esc(fw.name)} ({code(fw.id)})",
                f"{bar(f.readiness_pct)} {_pct(f.readiness_pct)}",
                *(str(c.get(s, 0)) for s in ("met", "partial", "gap", "deficient", "unmapped")),
                str(c.get("not_applicable", 0)),
                f"{f.controls_ready}/{f.controls_in_scope} ({_pct(f.coverage_pct)})",
            ]
        )
    out += _table(
        [
            "Framework",
            "Readiness",
            "Met",
            "Partial",
            "Gap",
            "Deficient",
            "Unmapped",
            "N/A",
            "Controls ready",
        ],
        body,
        right=7,
    )
    out.append("")
    out.append(
        "Readiness = met requirements / applicable requirements in scope; controls ready = "
        "ready in-scope controls / in-scope controls mapped to the framework."
    )
    out.append("")
    for fw in report.frameworks:
        if not fw.groups:
            continue
        out += [f"### {esc(fw.name)} by group", ""]
        rows = []
        for g in fw.groups:
            f = g.figures
            indent = "\u2003" * g.depth  # em spaces: survive table-cell trimming
            label = f"{indent}{code(f.node_id or '')} {esc(f.title)}"
            if not f.in_scope:
                rows.append([label, esc(f.level), "out of scope", "", ""])
                continue
            rows.append(
                [
                    label,
                    esc(f.level),
                    f"{bar(f.readiness_pct, 10)} {_pct(f.readiness_pct)}",
                    f"{f.met}/{f.applicable}",
                    f"{f.controls_ready}/{f.controls_in_scope}",
                ]
            )
        out += _table(["Group", "Level", "Readiness", "Met", "Controls ready"], rows, right=2)
        out.append("")
    return out


def _shared(report: Report) -> list[str]:
    a, b = report.shared_pair
    out = ["## Shared controls", ""]
    s = report.shared
    if s is None:
        out += [
            f"No shared-control figures: the catalogs do not define both {code(a)} and {code(b)}.",
            "",
        ]
        return out
    titles = report.control_titles()
    ready = set(s.ready)
    out += [
        f"{len(s.controls)} control(s) serve both {code(a)} and {code(b)}; {len(s.ready)} "
        f"ready. {_pct(s.earned_pct)} of {code(b)} requirements "
        f"({s.earned_met}/{s.target_applicable}) are met by controls that also serve "
        f"{code(a)}.",
        "",
    ]
    if s.controls:
        out += _table(
            ["Control", "Title", "Ready"],
            [
                [code(cid), esc(titles.get(cid, "")), "yes" if cid in ready else "no"]
                for cid in s.controls
            ],
        )
        out.append("")
    return out


def _controls_cell(lines_: Iterable[tuple[str, str, bool]]) -> str:
    parts = [f"{code(cid)} {esc(status_label(st))}" for cid, st, _ in lines_]
    return ", ".join(parts) if parts else "no control mapped"


def _gaps(report: Report) -> list[str]:
    out = ["## Gaps", ""]
    if not report.gaps:
        return [*out, "No gaps: every applicable requirement in scope is met.", ""]
    out += _table(
        ["Framework", "Requirement", "State", "Title", "Controls (status)"],
        [
            [
                code(g.framework_id),
                code(g.requirement_id),
                esc(state_label(g.state)),
                esc(g.title),
                _controls_cell((c.control_id, c.status, c.ready) for c in g.controls),
            ]
            for g in report.gaps
        ],
    )
    out += ["", f"{len(report.gaps)} requirement(s) not met.", ""]
    return out


def _next(report: Report) -> list[str]:
    out = ["## What to work on next", ""]
    if not report.leverage:
        return [*out, "Nothing to do: no control would move a requirement.", ""]
    titles = report.control_titles()
    fws = [fw.id for fw in report.frameworks]
    header = ["#", "Control", "Title", "Status"]
    for fw in fws:
        header += [f"{esc(fw)} to met", f"{esc(fw)} to partial"]
    rows = []
    for i, lv in enumerate(report.leverage[:NEXT_LIMIT], 1):
        row = [
            str(i),
            code(lv.control_id) + (" (shared)" if lv.shared else ""),
            esc(titles.get(lv.control_id, "")),
            esc(status_label(lv.status)),
        ]
        for fw in fws:
            row += [str(lv.to_met.get(fw, 0)), str(lv.to_partial.get(fw, 0))]
        rows.append(row)
    out += _table(header, rows, right=2 * len(fws))
    out.append("")
    if len(report.leverage) > NEXT_LIMIT:
        out += [
            f"Showing {NEXT_LIMIT} of {len(report.leverage)}; the JSON, CSV and XLSX exports "
            "list every control.",
            "",
        ]
    return out


def _framework(fw: FrameworkReport) -> list[str]:
    out = [f"## {esc(fw.name)} ({code(fw.id)}) requirements", ""]
    if fw.title and fw.title != fw.name:
        out += [esc(fw.title) + (f", version {esc(fw.version)}" if fw.version else ""), ""]
    out += _table(
        ["Requirement", "Title", "Group", "State", "Controls (status)"],
        [
            [
                code(r.id),
                esc(r.title),
                " / ".join(code(g) for g in r.groups),
                esc(state_label(r.state)),
                _controls_cell((c.control_id, c.status, c.ready) for c in r.controls),
            ]
            for r in fw.requirements
        ],
    )
    out.append("")
    return out


def _quote(text: str) -> list[str]:
    return ["> " + esc_line(line) if line.strip() else ">" for line in lines(text)]


def _control(c: ControlReport) -> list[str]:
    out = [f"### {code(c.id)} {esc(c.title)}", ""]
    status = esc(status_label(c.status)) + (" (ready)" if c.ready else " (not ready)")
    if c.status == "not_applicable":
        status = esc(status_label(c.status))
    last = c.last_change
    facts = [
        ("Status", status),
        ("Owner", esc(c.owner) if c.owner else "none"),
        ("Due", fmt_date(c.due) or "none"),
        (
            "Last change",
            esc(last.text) if last else "never",
        ),
        (
            "Frameworks",
            ", ".join(code(f) for f in c.frameworks) + (" (shared)" if c.shared else "")
            if c.frameworks
            else "none in scope",
        ),
        (
            "Control",
            esc(
                f"{c.domain}; {c.frequency}; {c.type}; {c.nature}"
                + ("; key control" if c.key else "")
                + (f"; owner role {c.owner_role}" if c.owner_role else "")
            ),
        ),
    ]
    out += [f"- **{name}:** {value}" for name, value in facts if value]
    out.append("")
    if c.justification:
        out += ["**Justification (not applicable):**", "", *_quote(c.justification), ""]
    if c.notes:
        out += ["**Notes:**", "", *_quote(c.notes), ""]
    if c.evidence:
        out += ["**Evidence:**", ""]
        for e in c.evidence:
            if e.kind == "url":
                what = link(e.label, e.ref)
            elif e.kind == "file":
                what = (esc(e.title) + " " if e.title else "") + code(e.ref)
            else:
                what = (esc(e.title) + ": " if e.title else "") + esc(e.ref)
            extra = [e.kind]
            if e.status:
                extra.append(e.status if e.status == "unchanged" else f"**{e.status}**")
            if e.period:
                extra.append(f"period {e.period}")
            if e.sha256:
                extra.append(f"SHA-256 {code(e.sha256)}")
            extra.append(f"added {fmt_time(e.added_at)} by {esc(e.added_by)}")
            out.append(f"- #{e.id} {what} ({'; '.join(extra)})")
        out.append("")
    else:
        out += ["**Evidence:** none", ""]
    if c.mappings:
        out += ["**Satisfies:**", ""]
        for m in c.mappings:
            rel = f", {esc(m.relationship)}" if m.relationship else ""
            why = f": {esc(m.rationale)}" if m.rationale else ""
            out.append(
                f"- {code(m.framework_id)} {code(m.requirement_id)} {esc(m.requirement_title)} "
                f"({esc(state_label(m.requirement_state))}{rel}){why}"
            )
        out.append("")
    return out


def _orphans(report: Report) -> list[str]:
    if not report.orphans:
        return []
    out = [
        "## Orphaned records",
        "",
        "Records for control IDs that no loaded catalog defines (kept, never deleted):",
        "",
    ]
    out += [
        f"- {code(o.control_id)} {esc(status_label(o.status))}, {o.evidence} evidence item(s)"
        for o in report.orphans
    ]
    return [*out, ""]


def _sox(report: Report) -> list[str]:
    """SOX coverage (when the catalogs define significant accounts) and retired controls that
    still have recorded state."""
    out: list[str] = []
    sox = report.sox
    if sox is not None and st.shows_coverage(sox):
        out += [f"## {st.COVERAGE_TITLE}", "", esc(st.COVERAGE_NOTE), ""]
        out += [esc(sox.coverage.summary()), ""]
        out += [*_spec(st.coverage_spec(sox)), ""]
        gaps = st.gaps(sox)
        out += [f"### Gaps ({len(gaps)}), hardest first", ""]
        out += [f"- {esc(line)}" for line in gaps] or ["None."]
        out += ["", *_spec(st.risks_spec(sox)), ""]
    if sox is not None and st.shows_retired(sox):
        out += [f"## {st.RETIRED_TITLE}", "", esc(st.RETIRED_NOTE), ""]
        out += [*_spec(st.retired_spec(sox)), ""]
    return out


def render_md(report: Report) -> str:
    out = _header(report)
    out += _summary(report)
    out += _shared(report)
    out += _gaps(report)
    out += _next(report)
    out += _testing(report)
    out += _sox(report)
    for fw in report.frameworks:
        out += _framework(fw)
    out += ["## Controls", ""]
    for c in report.controls:
        out += _control(c)
    out += _orphans(report)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
