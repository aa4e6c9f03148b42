"""HTML export: one self-contained page with the same content as the Markdown binder.

Inline CSS only, bar charts drawn as inline SVG and CSS bars, no scripts, and a Content
Security Policy that forbids every fetch, so opening the file never touches the network. All
catalog and user text is escaped; only evidence URLs with an http(s) or mailto scheme become
links (rel="noopener noreferrer").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from . import sox_tables as st
from . import testing_tables as tt
from ._text import lines, linkable, one_line
from .markdown import NEXT_LIMIT
from .model import (
    ControlReport,
    FrameworkReport,
    Report,
    fmt_date,
    fmt_time,
    state_label,
    status_label,
)

STATE_ORDER: tuple[str, ...] = ("met", "partial", "gap", "deficient", "unmapped")
STATE_COLOURS: dict[str, str] = {
    "met": "#2e7d32",
    "partial": "#f9a825",
    "gap": "#e57373",
    "deficient": "#b71c1c",
    "unmapped": "#8e24aa",
    "not_applicable": "#9e9e9e",
    "out_of_scope": "#bdbdbd",
}
DARK_TEXT_STATES = frozenset({"partial", "not_applicable", "out_of_scope"})
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #212121;
  margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
h3 { margin-top: 1.6rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eceff1; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #f5f5f5; padding: 0 .2rem; overflow-wrap: anywhere; }
table.meta th { width: 11rem; }
.bar { display: inline-block; width: 8rem; height: .7rem; background: #eceff1;
  vertical-align: middle; margin-right: .4rem; }
.bar > span { display: block; height: 100%; background: #2e7d32; }
.state { display: inline-block; padding: 0 .35rem; border-radius: .2rem; font-size: 12px; }
.muted { color: #757575; }
.legend span { margin-right: 1rem; white-space: nowrap; }
.legend i { display: inline-block; width: .7rem; height: .7rem; margin-right: .25rem; }
blockquote { margin: .3rem 0 .6rem; padding-left: .8rem; border-left: 3px solid #cfd8dc;
  white-space: pre-wrap; }
dl.facts { display: grid; grid-template-columns: 9rem 1fr; gap: .1rem .8rem; margin: .4rem 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
svg { display: block; margin: .3rem 0; }
@media print { body { margin: 0; max-width: none; } tr, li { break-inside: avoid; }
  h2, h3 { break-after: avoid; } }
"""


def e(text: str) -> str:
    """Escape text for element content and attribute values (quotes included)."""
    return escape(one_line(text), quote=True)


def c(text: str) -> str:
    return f"<code>{e(text)}</code>"


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _bar(pct: float) -> str:
    width = max(0.0, min(100.0, pct))
    return f'<span class="bar"><span style="width:{width:.1f}%"></span></span>{_pct(pct)}'


def _state(state: str) -> str:
    colour = STATE_COLOURS.get(state, "#616161")
    text = "#212121" if state in DARK_TEXT_STATES else "#fff"
    return (
        f'<span class="state" style="background:{colour};color:{text}">'
        f"{e(state_label(state))}</span>"
    )


def _table(
    header: Sequence[str], body: Iterable[Sequence[str]], num: Sequence[int] = ()
) -> list[str]:
    """Cells are HTML already; `num` are right-aligned column indexes."""

    def cls(i: int) -> str:
        return ' class="num"' if i in num else ""

    out = ["<table>", "<thead><tr>"]
    out.append("".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(header)))
    out.append("</tr></thead>")
    out.append("<tbody>")
    out.extend(
        "<tr>" + "".join(f"<td{cls(i)}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"
        for row in body
    )
    out.append("</tbody></table>")
    return out


def _chart(fw: FrameworkReport) -> list[str]:
    """A stacked bar of the framework's applicable requirements by state (inline SVG)."""
    counts = fw.figures.counts
    total = sum(counts.get(s, 0) for s in STATE_ORDER)
    width, height = 600, 22
    out = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{e(fw.name)} requirements by state">'
    ]
    x = 0.0
    for state in STATE_ORDER:
        n = counts.get(state, 0)
        if not n or not total:
            continue
        w = width * n / total
        out.append(
            f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" '
            f'fill="{STATE_COLOURS[state]}"><title>{e(state_label(state))}: {n}</title></rect>'
        )
        x += w
    if not total:
        out.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eceff1"></rect>')
    out.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{STATE_COLOURS[s]}"></i>{e(state_label(s))} '
        f"{counts.get(s, 0)}</span>"
        for s in STATE_ORDER
    )
    out.append(f'<div class="legend">{legend}</div>')
    return out


def _header(report: Report) -> list[str]:
    m = report.meta
    catalogs = "<br>".join(
        f"{c(cat.id)} {e(cat.title)}, version {e(cat.version)}" for cat in m.catalogs
    )
    rows = [
        ("Generated", e(fmt_time(m.generated_at))),
        ("Database", c(m.database)),
        ("Catalogs", catalogs),
        ("History head hash", c(m.head_hash)),
        ("Lens", e(m.lens_text)),
        ("Scope", e(m.scope_text)),
    ]
    if report.testing is not None:
        rows.append(("Audit periods", e(report.testing.current_text)))
    out = ["<h1>Controls readiness report</h1>", '<table class="meta"><tbody>']
    out += [f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows]
    out.append("</tbody></table>")
    return out


def _summary(report: Report) -> list[str]:
    out = ['<h2 id="summary">Summary</h2>']
    body = []
    for fw in report.frameworks:
        f = fw.figures
        n = f.counts
        body.append(
            [
                f"{e(fw.name)} {c(fw.id)}",
                _bar(f.readiness_pct),
                *(str(n.get(s, 0)) for s in STATE_ORDER),
                str(n.get("not_applicable", 0)),
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
        num=range(2, 9),
    )
    out.append(
        '<p class="muted">Readiness = met requirements / applicable requirements in scope; '
        "controls ready = ready in-scope controls / in-scope controls mapped to the "
        "framework.</p>"
    )
    for fw in report.frameworks:
        out.append(f"<h3>{e(fw.name)}</h3>")
        out += _chart(fw)
        if not fw.groups:
            continue
        rows = []
        for g in fw.groups:
            f = g.figures
            pad = f' style="padding-left:{0.5 + 1.2 * g.depth:.1f}rem"' if g.depth else ""
            label = f"<span{pad}>{c(f.node_id or '')} {e(f.title)}</span>"
            if not f.in_scope:
                rows.append([label, e(f.level), '<span class="muted">out of scope</span>', "", ""])
                continue
            rows.append(
                [
                    label,
                    e(f.level),
                    _bar(f.readiness_pct),
                    f"{f.met}/{f.applicable}",
                    f"{f.controls_ready}/{f.controls_in_scope}",
                ]
            )
        out += _table(["Group", "Level", "Readiness", "Met", "Controls ready"], rows, num=(3, 4))
    return out


def _controls_cell(items: Iterable[tuple[str, str]]) -> str:
    parts = [f'<a href="#control-{e(cid)}">{c(cid)}</a> {e(status_label(st))}' for cid, st in items]
    return ", ".join(parts) if parts else '<span class="muted">no control mapped</span>'


def _shared(report: Report) -> list[str]:
    a, b = report.shared_pair
    out = ['<h2 id="shared">Shared controls</h2>']
    s = report.shared
    if s is None:
        out.append(
            f"<p>No shared-control figures: the catalogs do not define both {c(a)} and {c(b)}.</p>"
        )
        return out
    titles = report.control_titles()
    ready = set(s.ready)
    out.append(
        f"<p>{len(s.controls)} control(s) serve both {c(a)} and {c(b)}; {len(s.ready)} ready. "
        f"{_pct(s.earned_pct)} of {c(b)} requirements ({s.earned_met}/{s.target_applicable}) "
        f"are met by controls that also serve {c(a)}.</p>"
    )
    out.append(f"<p>{_bar(s.earned_pct)}</p>")
    if s.controls:
        out += _table(
            ["Control", "Title", "Ready"],
            [
                [_controls_link(cid), e(titles.get(cid, "")), "yes" if cid in ready else "no"]
                for cid in s.controls
            ],
        )
    return out


def _controls_link(cid: str) -> str:
    return f'<a href="#control-{e(cid)}">{c(cid)}</a>'


def _gaps(report: Report) -> list[str]:
    out = ['<h2 id="gaps">Gaps</h2>']
    if not report.gaps:
        return [*out, "<p>No gaps: every applicable requirement in scope is met.</p>"]
    out += _table(
        ["Framework", "Requirement", "State", "Title", "Controls (status)"],
        [
            [
                c(g.framework_id),
                c(g.requirement_id),
                _state(g.state),
                e(g.title),
                _controls_cell((x.control_id, x.status) for x in g.controls),
            ]
            for g in report.gaps
        ],
    )
    out.append(f"<p>{len(report.gaps)} requirement(s) not met.</p>")
    return out


def _next(report: Report) -> list[str]:
    out = ['<h2 id="next">What to work on next</h2>']
    if not report.leverage:
        return [*out, "<p>Nothing to do: no control would move a requirement.</p>"]
    titles = report.control_titles()
    fws = [fw.id for fw in report.frameworks]
    header = ["#", "Control", "Title", "Status"]
    for fw in fws:
        header += [f"{e(fw)} to met", f"{e(fw)} to partial"]
    rows = []
    for i, lv in enumerate(report.leverage[:NEXT_LIMIT], 1):
        row = [
            str(i),
            _controls_link(lv.control_id) + (" (shared)" if lv.shared else ""),
            e(titles.get(lv.control_id, "")),
            e(status_label(lv.status)),
        ]
        for fw in fws:
            row += [str(lv.to_met.get(fw, 0)), str(lv.to_partial.get(fw, 0))]
        rows.append(row)
    out += _table(header, rows, num=(0, *range(4, 4 + 2 * len(fws))))
    if len(report.leverage) > NEXT_LIMIT:
        out.append(
            f"<p>Showing {NEXT_LIMIT} of {len(report.leverage)}; the JSON, CSV and XLSX "
            "exports list every control.</p>"
        )
    return out


def _framework(fw: FrameworkReport) -> list[str]:
    out = [f'<h2 id="framework-{e(fw.id)}">{e(fw.name)} {c(fw.id)} requirements</h2>']
    if fw.title and fw.title != fw.name:
        version = f", version {e(fw.version)}" if fw.version else ""
        out.append(f"<p>{e(fw.title)}{version}</p>")
    out += _table(
        ["Requirement", "Title", "Group", "State", "Controls (status)"],
        [
            [
                c(r.id),
                e(r.title),
                " / ".join(c(g) for g in r.groups),
                _state(r.state),
                _controls_cell((x.control_id, x.status) for x in r.controls),
            ]
            for r in fw.requirements
        ],
    )
    return out


def _quote(text: str) -> str:
    return (
        "<blockquote>"
        + "\n".join(escape(line, quote=True) for line in lines(text))
        + ("</blockquote>")
    )


def _evidence_ref(kind: str, ref: str, label: str) -> str:
    if kind == "url" and linkable(ref):
        return f'<a href="{e(ref)}" rel="noopener noreferrer">{e(label)}</a>'
    if kind == "file":
        return (f"{e(label)} " if label != ref else "") + c(ref)
    if kind == "url":
        return (f"{e(label)} " if label != ref else "") + c(ref)
    return e(label) + (f": {e(ref)}" if label != ref else "")


def _contents(report: Report) -> list[str]:
    """A table of contents: every section, each framework and each control (a binder is
    read by jumping to what a question is about)."""
    items = [
        ("summary", "Summary"),
        ("shared", "Shared controls"),
        ("gaps", "Gaps"),
        ("next", "What to work on next"),
        ("testing", "Control testing"),
        *((f"framework-{fw.id}", f"{fw.name} requirements") for fw in report.frameworks),
    ]
    out = ['<nav id="contents" aria-label="Contents">', "<h2>Contents</h2>", "<ul>"]
    out += [f'<li><a href="#{e(anchor)}">{e(text)}</a></li>' for anchor, text in items]
    out.append('<li><a href="#controls">Controls</a><ul>')
    out += [
        f'<li><a href="#control-{e(ctl.id)}">{c(ctl.id)} {e(ctl.title)}</a></li>'
        for ctl in report.controls
    ]
    out += ["</ul></li>"]
    if report.orphans:
        out.append('<li><a href="#orphans">Orphaned records</a></li>')
    out += ["</ul>", "</nav>"]
    return out


def _control(ctl: ControlReport) -> list[str]:
    out = [f'<h3 id="control-{e(ctl.id)}">{c(ctl.id)} {e(ctl.title)}</h3>']
    if ctl.status == "not_applicable":
        status = e(status_label(ctl.status))
    else:
        status = e(status_label(ctl.status)) + (" (ready)" if ctl.ready else " (not ready)")
    last = ctl.last_change
    about = f"{ctl.domain}; {ctl.frequency}; {ctl.type}; {ctl.nature}"
    if ctl.key:
        about += "; key control"
    if ctl.owner_role:
        about += f"; owner role {ctl.owner_role}"
    facts = [
        ("Status", status),
        ("Owner", e(ctl.owner) if ctl.owner else "none"),
        ("Due", fmt_date(ctl.due) or "none"),
        (
            "Last change",
            e(last.text) if last else "never",
        ),
        (
            "Frameworks",
            ", ".join(c(f) for f in ctl.frameworks) + (" (shared)" if ctl.shared else "")
            if ctl.frameworks
            else "none in scope",
        ),
        ("Control", e(about)),
    ]
    out.append('<dl class="facts">')
    out += [f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts if v]
    out.append("</dl>")
    if ctl.justification:
        out += [
            "<p><strong>Justification (not applicable):</strong></p>",
            _quote(ctl.justification),
        ]
    if ctl.notes:
        out += ["<p><strong>Notes:</strong></p>", _quote(ctl.notes)]
    if ctl.evidence:
        out.append("<p><strong>Evidence:</strong></p>")
        out.append("<ul>")
        for ev in ctl.evidence:
            extra = [e(ev.kind)]
            if ev.status:
                word = e(ev.status)
                extra.append(word if ev.status == "unchanged" else f"<strong>{word}</strong>")
            if ev.period:
                extra.append(f"period {e(ev.period)}")
            if ev.sha256:
                extra.append(f"SHA-256 {c(ev.sha256)}")
            extra.append(f"added {e(fmt_time(ev.added_at))} by {e(ev.added_by)}")
            what = _evidence_ref(ev.kind, ev.ref, ev.label)
            out.append(f"<li>#{ev.id} {what} ({'; '.join(extra)})</li>")
        out.append("</ul>")
    else:
        out.append("<p><strong>Evidence:</strong> none</p>")
    if ctl.mappings:
        out.append("<p><strong>Satisfies:</strong></p>")
        out.append("<ul>")
        for m in ctl.mappings:
            rel = f", {e(m.relationship)}" if m.relationship else ""
            why = f": {e(m.rationale)}" if m.rationale else ""
            out.append(
                f"<li>{c(m.framework_id)} {c(m.requirement_id)} {e(m.requirement_title)} "
                f"({e(state_label(m.requirement_state))}{rel}){why}</li>"
            )
        out.append("</ul>")
    return out


def _orphans(report: Report) -> list[str]:
    if not report.orphans:
        return []
    out = [
        '<h2 id="orphans">Orphaned records</h2>',
        "<p>Records for control IDs that no loaded catalog defines (kept, never deleted):</p>",
        "<ul>",
    ]
    out += [
        f"<li>{c(o.control_id)} {e(status_label(o.status))}, {o.evidence} evidence item(s)</li>"
        for o in report.orphans
    ]
    return [*out, "</ul>"]


def _testing(report: Report) -> list[str]:
    t = report.testing
    if t is None:
        return []
    out = ['<h2 id="testing">Control testing</h2>']
    if t.empty:
        out.append(
            "<p>No audit period in use and no tests recorded: <code>effective</code> statuses "
            "are not checked against tests.</p>"
        )
        return out
    names = {fw.id: fw.name for fw in report.frameworks}
    out += [f"<p><strong>{e(banner)}</strong></p>" for banner in tt.banners(t, names)]
    for spec in (tt.periods_table(t), tt.frameworks_table(t, names)):
        if spec is not None:
            out += _spec(spec)
    out.append(f"<p>{e(tt.FOUND_NOTE)}</p>")
    for title, items in tt.control_lists(t):
        if items:
            out.append(f"<h3>{e(title)}</h3><ul>")
            out += [f"<li>{_cell(ref)}: {e(reasons)}</li>" for ref, reasons in items]
            out.append("</ul>")
    tests = tt.tests_table(t)
    if tests is not None:
        out += _spec(tests)
        for spec in (tt.design_table(t), tt.samples_table(t)):
            if spec is not None:
                out += _spec(spec)
        out.append("<h3>Period coverage</h3><ul>")
        for line in tt.coverage_lines(t):
            problems = "; ".join(line.problems)
            out.append(
                f"<li>{_cell(line.control)} in {e(line.period)}: {e(line.quarters)}"
                + (f": {e(problems)}" if problems else "; no problem")
                + "</li>"
            )
        out.append("</ul>")
    findings = tt.findings_table(t)
    if findings is not None:
        out += _spec(findings)
    return out


def _cell(cell: tt.Cell) -> str:
    if isinstance(cell, tt.ControlRef):
        return _controls_link(cell.control_id)
    if isinstance(cell, tt.Codes):
        return ", ".join(c(item) for item in cell.items)
    return e(cell)


def _spec(spec: tt.TableSpec) -> list[str]:
    head = [f"<h3>{e(spec.title)}</h3>"] if spec.title else []
    rows = ([_cell(cell) for cell in row] for row in spec.rows)
    return [*head, *_table(spec.headers, rows, num=spec.numeric)]


def _sox(report: Report) -> list[str]:
    out: list[str] = []
    sox = report.sox
    if sox is not None and st.shows_coverage(sox):
        out += [
            f'<h2 id="sox-coverage">{e(st.COVERAGE_TITLE)}</h2>',
            f"<p>{e(st.COVERAGE_NOTE)}</p>",
            f"<p>{e(sox.coverage.summary())}</p>",
            *_spec(st.coverage_spec(sox)),
        ]
        gaps = st.gaps(sox)
        out.append(f"<h3>Gaps ({len(gaps)}), hardest first</h3>")
        out += ["<ol>", *(f"<li>{e(line)}</li>" for line in gaps), "</ol>"] if gaps else []
        out += _spec(st.risks_spec(sox))
    if sox is not None and st.shows_retired(sox):
        out += [
            f'<h2 id="retired">{e(st.RETIRED_TITLE)}</h2>',
            f"<p>{e(st.RETIRED_NOTE)}</p>",
            *_spec(st.retired_spec(sox)),
        ]
    return out


def render_html(report: Report) -> str:
    m = report.meta
    title = f"Controls readiness report, {fmt_time(m.generated_at)}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="workbench">',
        f"<title>{e(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
    ]
    out += _header(report)
    out += _contents(report)
    out += _summary(report)
    out += _shared(report)
    out += _gaps(report)
    out += _next(report)
    out += _testing(report)
    out += _sox(report)
    for fw in report.frameworks:
        out += _framework(fw)
    out.append('<h2 id="controls">Controls</h2>')
    for ctl in report.controls:
        out += _control(ctl)
    out += _orphans(report)
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
