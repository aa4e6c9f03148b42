"""How control testing is printed: the sampling table, a control's tests, a period, findings,
and the backed lines of `workbench status`. User and catalog text always goes through Text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, Group
    from rich.text import Text

    from workbench.core.store import Finding, Period
    from workbench.core.testing import Coverage, SampleSize, SampleTable
    from workbench.core.workspace import Workspace

SEVERITY_STYLES = {
    "material_weakness": "bold red",
    "significant_deficiency": "red",
    "deficiency": "yellow",
}
SEVERITY_SHORT = {
    "material_weakness": "material weakness",
    "significant_deficiency": "significant deficiency",
    "deficiency": "deficiency",
}
FINDING_STATUS_STYLES = {
    "open": "bold",
    "remediating": "yellow",
    "remediated": "green",
    "closed": "dim",
}


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def severity_text(severity: str) -> Text:
    from rich.text import Text

    return Text(SEVERITY_SHORT.get(severity, severity), style=SEVERITY_STYLES.get(severity, ""))


def severity_counts_text(counts: dict[str, int]) -> Text:
    from rich.text import Text

    from workbench.core.testing import SEVERITY_ORDER

    out = Text()
    for i, sev in enumerate(SEVERITY_ORDER):
        n = counts.get(sev, 0)
        if i:
            out.append(", ")
        name = SEVERITY_SHORT[sev]
        plural = name[:-1] + "ies" if name.endswith("y") else name + "es"
        out.append(_plural(n, name, plural), style=SEVERITY_STYLES[sev] if n else "dim")
    return out


def caveat_line(size: SampleSize) -> Text | None:
    from rich.text import Text

    if size.caveat is None:
        return None
    return Text(f"  caveat: {size.caveat}", style="yellow")


def sampling_table(table: SampleTable) -> Group:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from workbench.core.testing import ITGC_CAVEAT, RISKS

    out = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    out.add_column("frequency")
    for risk in RISKS:
        out.add_column(risk + (" *" if risk == table.default_risk else ""), justify="right")
    out.add_column("")
    for name, lo, mid, hi in table.rows():
        note = Text("from the file", style="cyan") if name in table.overridden else Text("")
        out.add_row(Text(name), str(lo), str(mid), str(hi), note)
    return Group(
        Text.assemble(
            ("Samples required per control frequency and risk", "bold"), f" ({table.source})"
        ),
        out,
        Text(f"* the default risk ({table.default_risk})", style="dim"),
        Text(f"automated (and continuous) controls: {ITGC_CAVEAT}", style="yellow"),
    )


def table_row_text(table: SampleTable, frequency: str, nature: str) -> Text:
    """'monthly: 2 / 3 / 5 (low / moderate / high; built-in table)'."""
    from rich.text import Text

    from workbench.core.testing import RISKS

    row = table.automated if nature == "automated" else table.sizes.get(frequency)
    name = "automated" if nature == "automated" else frequency
    if row is None:
        return Text(f"{name}: not in the table", style="red")
    sizes = " / ".join(str(row[r]) for r in RISKS)
    return Text(f"table in force: {name} {sizes} ({' / '.join(RISKS)}; {table.source_label})")


# ---------------------------------------------------------------------------------------------
# One control in one period


def _coverage(ws: Workspace, cid: str, period: Period) -> Coverage:
    return ws.coverage(cid, period.name)


def control_detail_dict(ws: Workspace, cid: str, period: Period) -> dict[str, Any]:
    b = ws.backing
    ctl = ws.catalog.controls[cid]
    op = b.operating(cid, period.name)
    design = b.design_tests(cid, period.name)
    latest = b.design(cid, period.name)
    test = op.test
    try:
        size: dict[str, Any] | None = ws.sample_size(
            cid, risk=test.risk if test else None
        ).to_dict()
        table: dict[str, Any] | None = ws.sample_table().to_dict()
    except Exception as exc:  # a bad sampling file: say so, show the rest
        size, table = None, {"error": str(exc)}
    return {
        "control": cid,
        "title": ctl.title,
        "frequency": ctl.frequency,
        "nature": ctl.nature,
        "status": ws.readiness.status(cid),
        "period": period.to_dict(),
        "design_tests": [t.to_dict() for t in design],
        "design_passed": latest.passed,
        "operating_test": test.to_dict() if test else None,
        "samples": [s.to_dict() for s in b.samples(test.id)] if test else [],
        "operating": op.to_dict(),
        "findings": [f.to_dict() for f in b.findings_of(cid, period.name)],
        "coverage": _coverage(ws, cid, period).to_dict(),
        "sample_size_now": size,
        "table": table,
        "ready": {
            "operating": b.ready(cid, ws.readiness.status(cid), "operating"),
            "design": b.ready(cid, ws.readiness.status(cid), "design"),
            "design_tested": b.design_tested(cid),
            "operating_backed": b.operating_backed(cid),
        },
    }


def control_detail(out: Console, ws: Workspace, cid: str, period: Period) -> None:
    from rich.table import Table
    from rich.text import Text

    from .store_cmds import status_text

    b = ws.backing
    ctl = ws.catalog.controls[cid]
    status = ws.readiness.status(cid)
    head = Text.assemble((cid, "bold"), "  ", Text(ctl.title), "  ")
    head.append(f"({ctl.frequency}, {ctl.nature}{', key' if ctl.key else ''})", style="dim")
    head.append("  status ")
    head.append_text(status_text(status))
    out.print(head)
    out.print(Text(f"period {period.label}", style="dim"))

    out.print(Text("Test of design", style="bold"))
    design = b.design_tests(cid, period.name)
    if not design:
        out.print(Text("  none recorded (workbench test design)", style="yellow"))
    for t in design:
        style = "green" if t.conclusion == "effective" else "bold red"
        line = Text(f"  #{t.id} {t.performed_on} {t.performer}: ")
        line.append(str(t.conclusion), style=style)
        if t.evidence_id is not None:
            line.append(f"  evidence #{t.evidence_id}", style="dim")
        if t.notes:
            line.append("  ")
            line.append(t.notes, style="dim")
        out.print(line)

    op = b.operating(cid, period.name)
    test = op.test
    if test is None:
        out.print(Text("Test of operating effectiveness", style="bold"))
        out.print(Text("  not opened (workbench test operating, or sample add)", style="yellow"))
    else:
        out.print(Text(f"Test of operating effectiveness #{test.id}", style="bold"))
        line = Text("  required ")
        line.append(str(op.required), style="bold")
        line.append(f": {test.basis}")
        if test.population is not None:
            line.append(f"; population {test.population}", style="dim")
        out.print(line)
        try:
            table = ws.sample_table()
            out.print(Text("  ").append_text(table_row_text(table, ctl.frequency, ctl.nature)))
            size = table.size(ctl.frequency, ctl.nature, test.risk, test.population)
            if size.required != op.required:
                out.print(
                    Text(
                        f"  the table in force now asks for {size.required}: re-plan with "
                        f"`workbench test operating {cid}`",
                        style="yellow",
                    )
                )
            caveat = caveat_line(size)
            if caveat is not None:
                out.print(caveat)
        except Exception as exc:  # a bad sampling file
            out.print(Text(f"  sampling table: {exc}", style="red"))
        done = Text(f"  done: {op.passed} of {op.required} passed")
        if op.remediated_on is not None:
            done.append(f" after the remediation of {op.remediated_on}")
        if op.not_counted:
            done.append(f" ({op.not_counted} earlier or undated not counted)", style="dim")
        out.print(done)
        samples = b.samples(test.id)
        if samples:
            tbl = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
            for name in ("  #", "date", "ref", "result", "evidence", "notes"):
                tbl.add_column(name, justify="right" if name == "  #" else "left")
            for s in samples:
                tbl.add_row(
                    Text(f"  {s.id}"),
                    Text(s.occurred_on.isoformat() if s.occurred_on else ""),
                    Text(s.ref or ""),
                    Text(s.result, style="green" if s.result == "pass" else "bold red"),
                    Text(f"#{s.evidence_id}" if s.evidence_id is not None else ""),
                    Text(s.notes or ""),
                )
            out.print(tbl)

    findings = b.findings_of(cid, period.name)
    if findings:
        out.print(Text("Findings", style="bold"))
        for f in findings:
            out.print(finding_line(f, indent="  "))

    cov = _coverage(ws, cid, period)
    out.print(Text("Coverage of the period", style="bold"))
    for q in cov.quarters:
        line = Text(f"  {q.quarter.label} {q.quarter.span}  ")
        if q.covered:
            parts = [f"evidence #{i}" for i in q.evidence] + [f"sample #{i}" for i in q.samples]
            line.append("covered", style="green")
            line.append(": " + ", ".join(parts), style="dim")
        else:
            line.append("no evidence or sample", style="bold red")
        out.print(line)
    for s in cov.outside:
        out.print(Text(f"  sample #{s.id} dated {s.occurred_on} is outside the period", "bold red"))
    for s in cov.undated:
        out.print(Text(f"  sample #{s.id} has no date: it cannot be placed", style="yellow"))
    for c in cov.changed:
        out.print(
            Text(f"  evidence #{c.evidence.id} {c.state} since attached: {c.detail}", "bold red")
        )
    if cov.no_period:
        ids = ", ".join(f"#{i}" for i in cov.no_period)
        out.print(Text(f"  evidence without a period (covers nothing): {ids}", style="dim"))
    if not cov.changed:
        out.print(Text("  attached files: unchanged since attached (SHA-256)", style="dim"))

    out.print(Text("Readiness", style="bold"))
    op_line = Text("  operating lens: ")
    if status == "effective" and b.operating_backed(cid):
        op_line.append("ready", style="bold green")
        op_line.append(" (effective, backed by tests)")
    elif status == "effective":
        op_line.append("effective, unsupported", style="bold yellow")
        op_line.append(": " + "; ".join(b.operating_reasons(cid)))
    else:
        op_line.append("not ready", style="red")
        op_line.append(f" (status {status}")
        if b.checked(cid) and b.operating_backed(cid):
            op_line.append("; the tests would back it: mark it effective")
        op_line.append(")")
    out.print(op_line)
    d_line = Text("  design lens: ")
    d_line.append(
        "ready" if status in ("implemented", "effective") else "not ready",
        style="green" if status in ("implemented", "effective") else "red",
    )
    if b.design_tested(cid):
        d_line.append(", design tested")
    else:
        d_line.append(", design untested", style="yellow")
        d_line.append(": " + "; ".join(b.design_reasons(cid)), style="dim")
    out.print(d_line)


def finding_line(f: Finding, *, indent: str = "", control: bool = False) -> Text:
    from rich.text import Text

    line = Text(f"{indent}#{f.id} ")
    if control:
        line.append(f"{f.control_id} ", style="bold")
    line.append_text(severity_text(f.severity))
    line.append(", ")
    line.append(f.status, style=FINDING_STATUS_STYLES.get(f.status, ""))
    if f.remediated_on:
        line.append(f" {f.remediated_on}")
    extra = []
    if f.owner:
        extra.append(f"owner {f.owner}")
    if f.due:
        extra.append(f"due {f.due}")
    if f.samples:
        extra.append("samples " + ", ".join(f"#{s}" for s in f.samples))
    if extra:
        line.append(" (" + "; ".join(extra) + ")", style="dim")
    line.append(": ")
    line.append(f.summary)
    return line


# ---------------------------------------------------------------------------------------------
# A period


@dataclass(frozen=True)
class PeriodControlRow:
    control_id: str
    status: str
    design: str  # passed | ineffective | untested
    required: int | None
    passed: int
    sufficient: bool
    reasons: tuple[str, ...]
    findings_open: int
    uncovered: tuple[str, ...]
    coverage_problems: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control_id,
            "status": self.status,
            "design": self.design,
            "required": self.required,
            "passed": self.passed,
            "sufficient": self.sufficient,
            "reasons": list(self.reasons),
            "findings_open": self.findings_open,
            "uncovered_quarters": list(self.uncovered),
            "coverage_problems": list(self.coverage_problems),
        }


def period_rows(ws: Workspace, period: Period) -> list[PeriodControlRow]:
    """Every control tested in the period, and every effective control it should back."""
    b = ws.backing
    records = b.records
    touched = {t.control_id for t in records.tests if t.period == period.name}
    touched |= {s.control_id for s in records.samples if s.period == period.name}
    touched |= {f.control_id for f in records.findings if f.period == period.name}
    rows = []
    for cid in ws.catalog.controls:
        status = ws.readiness.status(cid)
        serves = set(ws.readiness.control_frameworks(cid)) & set(period.frameworks)
        if cid not in touched and not (status == "effective" and serves):
            continue
        op = b.operating(cid, period.name)
        d = b.design(cid, period.name)
        cov = ws.coverage(cid, period.name)
        rows.append(
            PeriodControlRow(
                control_id=cid,
                status=status,
                design="passed" if d.passed else ("ineffective" if d.test else "untested"),
                required=op.required if op.test else None,
                passed=op.passed,
                sufficient=op.sufficient,
                reasons=op.reasons,
                findings_open=sum(1 for f in b.findings_of(cid, period.name) if f.is_open),
                uncovered=tuple(q.label for q in cov.uncovered),
                coverage_problems=tuple(cov.problems),
            )
        )
    return rows


def period_overview(out: Console, ws: Workspace, period: Period) -> None:
    from rich.table import Table
    from rich.text import Text

    from .store_cmds import status_text

    cur = [fw for fw in period.frameworks if ws.backing.records.current.get(fw) == period.name]
    head = Text.assemble(("Period ", "bold"), (period.label, "bold"))
    if cur:
        head.append(f"  current for {', '.join(cur)}", style="green")
    out.print(head)
    rows = period_rows(ws, period)
    if not rows:
        out.print(Text("  no tests yet and no effective control to back", style="dim"))
        return
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("control", "status", "design", "samples", "backed", "findings", "uncovered"):
        table.add_column(name)
    for r in rows:
        samples = f"{r.passed}/{r.required}" if r.required is not None else "-"
        design_style = {"passed": "green", "ineffective": "bold red"}.get(r.design, "yellow")
        table.add_row(
            Text(r.control_id),
            status_text(r.status),
            Text(r.design, style=design_style),
            Text(samples),
            Text("yes", style="green") if r.sufficient else Text("no", style="yellow"),
            Text(str(r.findings_open) if r.findings_open else "", style="red"),
            Text(", ".join(r.uncovered), style="red"),
        )
    out.print(table)


# ---------------------------------------------------------------------------------------------
# Findings


def findings_overview(out: Console, ws: Workspace, fws: list[str], items: list[Finding]) -> None:
    from rich.text import Text

    mw_banner(out, ws, fws)
    out.print(Text("Open findings by framework", style="bold"))
    for fw in fws:
        line = Text(f"  {ws.catalog.frameworks[fw].name}: ")
        line.append_text(severity_counts_text(ws.backing.severity_counts(fw)))
        out.print(line)
    unclassified = [s for fw in fws for s in ws.backing.unclassified(fw)]
    seen: set[int] = set()
    for s in unclassified:
        if s.id in seen:
            continue
        seen.add(s.id)
        out.print(
            Text(
                f"  exception sample #{s.id} of {s.control_id} ({s.label}) is not classified: "
                f"workbench finding add {s.control_id} --sample {s.id} ...",
                style="yellow",
            )
        )
    if not items:
        out.print(Text("No findings.", style="dim"))
        return
    out.print(Text("Findings, most severe first", style="bold"))
    for f in items:
        out.print(finding_line(f, indent="  ", control=True))


def mw_banner(out: Console, ws: Workspace, fws: list[str]) -> None:
    """An open material weakness, stated first: for SOX it means ICFR is not effective."""
    from rich.text import Text

    for fw in fws:
        mws = ws.backing.findings(fw, open_only=True, severity="material_weakness")
        if not mws:
            continue
        name = ws.catalog.frameworks[fw].name
        what = ", ".join(f"#{f.id} {f.control_id}" for f in mws)
        verdict = ": ICFR is not effective" if fw == "sox" else ""
        out.print(
            Text(
                f"{name}: {_plural(len(mws), 'open material weakness', 'open material weaknesses')}"
                f" ({what}){verdict}",
                style="bold red",
            )
        )


# ---------------------------------------------------------------------------------------------
# `workbench status`


def status_testing_dict(ws: Workspace, fws: list[str]) -> dict[str, Any]:
    return {
        "active": ws.backing.active,
        "frameworks": [ws.backed(fw).to_dict() for fw in fws],
    }


def print_status_testing(out: Console, ws: Workspace, fws: list[str], *, top: bool) -> None:
    """top=True: the material weakness banner (before the table); else the backed lines."""
    from rich.text import Text

    if top:
        mw_banner(out, ws, fws)
        return
    b = ws.backing
    if not b.active and not b.records.findings:
        if ws.readiness.lens == "operating":
            out.print(
                Text(
                    "No audit period in use: `effective` is taken on the status alone, not "
                    "checked against tests (workbench period add).",
                    style="dim",
                )
            )
        return
    out.print(Text(f"Control testing ({ws.readiness.lens} lens)", style="bold"))
    for fw in fws:
        fb = ws.backed(fw)
        name = ws.catalog.frameworks[fw].name
        line = Text(f"  {name}: ", style="")
        if fb.period is None:
            line.append("no audit period in use", style="dim")
        else:
            line.append(f"period {fb.period.name} ({fb.period.span})")
        out.print(line)
        if fb.effective:
            eff = Text("    effective: ")
            eff.append(f"{len(fb.backed)} backed by tests", style="green" if fb.backed else "")
            eff.append(", ")
            eff.append(
                f"{len(fb.unsupported)} unsupported",
                style="bold yellow" if fb.unsupported else "dim",
            )
            if fb.unchecked:
                eff.append(f", {len(fb.unchecked)} not checked (no period)", style="dim")
            eff.append(f" of {fb.effective}")
            if fb.unsupported and ws.readiness.lens == "operating":
                eff.append(" (unsupported ones are not counted as ready)", style="dim")
            out.print(eff)
            if fb.unsupported:
                out.print(_id_list("    effective, unsupported: ", fb.unsupported, "yellow"))
        if fb.design_untested:
            out.print(
                _id_list(
                    f"    design untested ({len(fb.design_untested)}): ",
                    fb.design_untested,
                    "dim",
                )
            )
        findings = Text("    open findings: ")
        findings.append_text(severity_counts_text(dict(fb.findings_open)))
        out.print(findings)
        if fb.unclassified:
            out.print(
                Text(
                    f"    {_plural(len(fb.unclassified), 'exception')} not classified: "
                    + ", ".join(f"sample #{s.id} ({s.control_id})" for s in fb.unclassified),
                    style="yellow",
                )
            )


def _id_list(prefix: str, notes: Any, style: str, limit: int = 12) -> Text:
    from rich.text import Text

    ids = [n.control_id for n in notes]
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return Text(prefix + ", ".join(ids[:limit]) + more, style=style)
