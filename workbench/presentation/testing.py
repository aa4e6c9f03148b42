"""One control's tests in one period, as Rich renderables: what `workbench test show` prints
and the app's test screen shows. Stored and catalog text always goes through Text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from workbench.core.testing.words import GLOSSARY, sample_words
from workbench.core.text import clip

from . import (
    FINDING_STATUS_STYLES,
    VERDICT_STYLES,
    label_style,
    severity_text,
    status_text,
)

if TYPE_CHECKING:
    from workbench.core.store import Finding, Period
    from workbench.core.testing import SampleTable
    from workbench.core.workspace import Workspace

# What to do next, said the way each face does it (the CLI names a command, the app a key).
CLI_HINTS: Mapping[str, str] = {
    "design": "workbench test design",
    "operating": "workbench test operating, or sample add",
}


def finding_line(f: Finding, *, indent: str = "", control: bool = False) -> Text:
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
        extra.append(f"owner {clip(f.owner, 200)}")
    if f.due:
        extra.append(f"due {f.due}")
    if f.samples:
        extra.append("samples " + ", ".join(f"#{s}" for s in f.samples))
    if extra:
        line.append(" (" + "; ".join(extra) + ")", style="dim")
    line.append(": ")
    line.append(clip(f.summary))
    if f.notes:
        line.append(f"  response: {clip(f.notes)}", style="italic")
    return line


def table_row_text(table: SampleTable, frequency: str, nature: str) -> Text:
    """'monthly: 2 / 3 / 5 (low / moderate / high; built-in table)'."""
    from workbench.core.testing import RISKS

    row = table.automated if nature == "automated" else table.sizes.get(frequency)
    name = "automated" if nature == "automated" else frequency
    if row is None:
        return Text(f"{name}: not in the table", style="red")
    sizes = " / ".join(str(row[r]) for r in RISKS)
    return Text(f"table in force: {name} {sizes} ({' / '.join(RISKS)}; {table.source_label})")


def test_view(
    ws: Workspace, cid: str, period: Period, *, hints: Mapping[str, str] = CLI_HINTS
) -> list[RenderableType]:
    """A control's test of design and of operating effectiveness in a period, its samples,
    findings, the period's coverage by evidence and samples, and its readiness in each lens."""
    out: list[RenderableType] = []
    b = ws.backing
    ctl = ws.catalog.controls[cid]
    status = ws.readiness.status(cid)
    head = Text.assemble((cid, "bold"), "  ", Text(ctl.title), "  ")
    head.append(f"({ctl.frequency}, {ctl.nature}{', key' if ctl.key else ''})", style="dim")
    head.append("  status ")
    head.append_text(status_text(status))
    out.append(head)
    out.append(Text(f"period {period.label}", style="dim"))

    out.append(Text("Test of design", style="bold"))
    design = b.design_tests(cid, period.name)
    if not design:
        out.append(Text(f"  none recorded in {period.name} ({hints['design']})", style="yellow"))
    for t in design:
        style = "green" if t.conclusion == "effective" else "bold red"
        line = Text(f"  #{t.id} {t.performed_on} {clip(t.performer or '', 200)}: ")
        line.append(str(t.conclusion), style=style)
        if t.evidence_id is not None:
            line.append(f"  evidence #{t.evidence_id}", style="dim")
        if t.notes:
            line.append("  ")
            line.append(clip(t.notes), style="dim")
        out.append(line)

    op = b.operating(cid, period.name)
    test = op.test
    if test is None:
        out.append(Text("Test of operating effectiveness", style="bold"))
        out.append(Text(f"  not opened ({hints['operating']})", style="yellow"))
    else:
        out.append(Text(f"Test of operating effectiveness #{test.id}", style="bold"))
        line = Text("  required ")
        line.append(str(op.required), style="bold")
        line.append(f": {test.basis}")
        if test.population is not None:
            line.append(f"; population {test.population}", style="dim")
        out.append(line)
        try:
            table = ws.sample_table()
            out.append(Text("  ").append_text(table_row_text(table, ctl.frequency, ctl.nature)))
            size = table.size_for(
                b.frameworks_in(cid, period), ctl.frequency, ctl.nature, test.risk, test.population
            )
            if size.required != op.required:
                out.append(
                    Text(
                        f"  the table in force now asks for {size.required}: re-plan the test",
                        style="yellow",
                    )
                )
            if size.caveat is not None:
                out.append(Text(f"  caveat: {size.caveat}", style="yellow"))
        except Exception as exc:  # a bad sampling file: say so, show the rest
            out.append(Text(f"  sampling table: {exc}", style="red"))
        done = Text(f"  done: {sample_words(op)}")
        if op.remediation_met:
            done.append(f" after the remediation of {op.remediated_on}")
        if op.not_counted:
            done.append(
                f" ({op.not_counted} not counted: a repeat of an occurrence, before the "
                "remediation, or after the as-of date)",
                style="dim",
            )
        out.append(done)
        if op.expanded_to is not None:
            out.append(
                Text(
                    f"  one exception: the sample is expanded to {op.expanded_to} with no "
                    "further exception",
                    style="yellow",
                )
            )
        if op.remediation:
            out.append(
                Text(f"  {op.remediation}", style="green" if op.remediation_met else "yellow")
            )
        verdict = Text("  conclusion: ")
        verdict.append(op.label, style=VERDICT_STYLES.get(op.verdict, ""))
        if op.verdict != "effective" and op.reasons:
            verdict.append(": " + "; ".join(op.reasons), style="dim")
        out.append(verdict)
        samples = b.samples(test.id)
        if samples:
            tbl = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
            for name in ("  #", "date", "ref", "result", "evidence", "notes"):
                tbl.add_column(name, justify="right" if name == "  #" else "left")
            for s in samples:
                tbl.add_row(
                    Text(f"  {s.id}"),
                    Text(s.occurred_on.isoformat() if s.occurred_on else ""),
                    Text(clip(s.ref or "", 200)),
                    Text(s.result, style="green" if s.result == "pass" else "bold red"),
                    Text(f"#{s.evidence_id}" if s.evidence_id is not None else ""),
                    Text(clip(s.notes or "")),
                )
            out.append(tbl)

    findings = b.findings_of(cid, period.name)
    if findings:
        out.append(Text("Findings", style="bold"))
        for f in findings:
            out.append(finding_line(f, indent="  "))

    cov = ws.coverage(cid, period.name)
    out.append(Text("Coverage of the period", style="bold"))
    for q in cov.quarters:
        line = Text(f"  {q.quarter.label} {q.quarter.span}  ")
        if q.covered:
            parts = [f"evidence #{i}" for i in q.evidence] + [f"sample #{i}" for i in q.samples]
            line.append("covered", style="green")
            line.append(": " + ", ".join(parts), style="dim")
        else:
            line.append("no evidence or sample", style="bold red")
        out.append(line)
    for s in cov.outside:
        out.append(
            Text(f"  sample #{s.id} dated {s.occurred_on} is outside the period", "bold red")
        )
    for s in cov.undated:
        out.append(Text(f"  sample #{s.id} has no date: it cannot be placed", style="yellow"))
    for c in cov.changed:
        out.append(
            Text(f"  evidence #{c.evidence.id} {c.state} since attached: {c.detail}", "bold red")
        )
    if cov.no_period:
        ids = ", ".join(f"#{i}" for i in cov.no_period)
        out.append(Text(f"  evidence without a period (covers nothing): {ids}", style="dim"))
    if not cov.changed:
        out.append(Text("  attached files: unchanged since attached (SHA-256)", style="dim"))

    out.append(Text("Readiness", style="bold"))
    out.extend(readiness_lines(ws, cid))
    return out


def readiness_lines(ws: Workspace, cid: str) -> list[Text]:
    """The control's conclusion in each lens, with why (from the core's Backing)."""
    b = ws.backing
    status = ws.readiness.status(cid)
    out: list[Text] = []
    for sid, why in b.reliance_problems(cid) if b.checked(cid) else []:
        out.append(Text(f"  relies on {sid}'s ITGCs: {why}", style="yellow"))
    for lens in ("operating", "design"):
        concl = b.conclusion(cid, status, lens)
        line = Text(f"  {lens} lens: ")
        line.append(concl.label, style=label_style(concl.label))
        if concl.label == "ready" and lens == "operating" and concl.checked:
            line.append(" (effective, backed by tests)")
        if concl.contradicted:
            line.append(" (contradicts the status effective)", style="bold red")
        if lens == "design" and concl.ready:
            if b.design_tested(cid):
                line.append(", design tested")
            elif b.checked(cid):
                line.append(", design untested", style="yellow")
                line.append(": " + "; ".join(b.design_reasons(cid)), style="dim")
        if not concl.ready and concl.reasons:
            line.append(": " + "; ".join(concl.reasons), style="dim")
        if lens == "operating" and status != "effective" and concl.label == "not ready":
            line.append(f" (status {status.replace('_', ' ')}")
            if b.checked(cid) and b.operating_backed(cid):
                line.append("; the tests would back it: mark it effective")
            line.append(")")
        out.append(line)
    return out


def term_hint(label: str) -> str | None:
    """The one-line meaning of a conclusion's label, when it has one."""
    for term, meaning in GLOSSARY.items():
        if label == term or label.startswith(term):
            return meaning
    return None
