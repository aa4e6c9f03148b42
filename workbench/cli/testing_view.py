"""How control testing is printed: the sampling table, a control's tests, a period, findings,
and the backed lines of `workbench status`. User and catalog text always goes through Text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.core.testing.periods import joint_problems

if TYPE_CHECKING:
    from rich.console import Console, Group
    from rich.text import Text

    from workbench.core.store import Finding, Period
    from workbench.core.testing import Coverage, SampleSize, SampleTable
    from workbench.core.workspace import Workspace


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def severity_counts_text(counts: dict[str, int]) -> Text:
    from rich.text import Text

    from workbench.core.testing import SEVERITY_ORDER
    from workbench.presentation import SEVERITY_LABELS, SEVERITY_STYLES

    out = Text()
    for i, sev in enumerate(SEVERITY_ORDER):
        n = counts.get(sev, 0)
        if i:
            out.append(", ")
        name = SEVERITY_LABELS[sev]
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
            cid, risk=test.risk if test else None, period=period
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
        "conclusions": {
            lens: b.conclusion(cid, ws.readiness.status(cid), lens).to_dict()
            for lens in ("operating", "design")
        },
        "systems": list(ctl.systems),
        "covers": list(ctl.covers),
        "reliance": [{"system": sid, "problem": why} for sid, why in b.reliance_problems(cid)],
    }


def control_detail(out: Console, ws: Workspace, cid: str, period: Period) -> None:
    """`workbench test show`: the same view as the app's test screen."""
    from workbench.presentation.testing import test_view

    for part in test_view(ws, cid, period):
        out.print(part)


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
    verdict: str = "no_test"
    tested_once_for_all: bool = False  # joint period: sufficient at the larger sample size

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control_id,
            "status": self.status,
            "design": self.design,
            "required": self.required,
            "passed": self.passed,
            "sufficient": self.sufficient,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "findings_open": self.findings_open,
            "uncovered_quarters": list(self.uncovered),
            "coverage_problems": list(self.coverage_problems),
            "tested_once_for_all": self.tested_once_for_all,
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
        once = False
        if len(serves) > 1 and op.sufficient and op.test is not None:
            try:
                larger = ws.sample_size(cid, risk=op.test.risk, period=period).required
            except Exception:  # a bad sampling file: not shown as tested once
                larger = op.required + 1
            once = op.required >= larger and not joint_problems(period)
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
                verdict=op.verdict,
                tested_once_for_all=once,
            )
        )
    return rows


def period_notes(ws: Workspace, period: Period) -> list[tuple[str, str]]:
    """(text, style) lines about a period: unusual lengths, and for a joint period whether a
    test in it counts once for all its frameworks."""
    from workbench.core.testing import period_warnings

    out = [(w, "yellow") for w in period_warnings(period)]
    if "soc2" in period.frameworks and period.start == period.end:
        out.append(
            ("soc2: a Type I date: it backs the design of controls, not their operation", "dim")
        )
    if len(period.frameworks) > 1:
        problems = joint_problems(period)
        names = " and ".join(period.frameworks)
        if problems:
            out.append(
                (
                    f"joint period: not tested once for {names} until: " + "; ".join(problems),
                    "yellow",
                )
            )
        else:
            out.append(
                (
                    f"joint period: a test here serves {names} when it meets the larger sample "
                    "size of their tables",
                    "dim",
                )
            )
    return out


def period_overview(out: Console, ws: Workspace, period: Period) -> None:
    from rich.table import Table
    from rich.text import Text

    from workbench.presentation import VERDICT_STYLES, status_text

    cur = [fw for fw in period.frameworks if ws.backing.records.current.get(fw) == period.name]
    head = Text.assemble(("Period ", "bold"), (period.label, "bold"))
    if cur:
        head.append(f"  current for {', '.join(cur)}", style="green")
    out.print(head)
    for text, style in period_notes(ws, period):
        out.print(Text(f"  {text}", style=style))
    rows = period_rows(ws, period)
    if not rows:
        out.print(Text("  no tests yet and no effective control to back", style="dim"))
        return
    joint = len(period.frameworks) > 1
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    names = ["control", "status", "design", "samples", "conclusion", "findings", "uncovered"]
    for name in [*names, "once for all"] if joint else names:
        table.add_column(name)
    from workbench.core.testing import VERDICT_LABELS

    for r in rows:
        samples = f"{r.passed}/{r.required}" if r.required is not None else "-"
        design_style = {"passed": "green", "ineffective": "bold red"}.get(r.design, "yellow")
        cells = [
            Text(r.control_id),
            status_text(r.status),
            Text(r.design, style=design_style),
            Text(samples),
            Text(VERDICT_LABELS[r.verdict], style=VERDICT_STYLES.get(r.verdict, "")),
            Text(str(r.findings_open) if r.findings_open else "", style="red"),
            Text(", ".join(r.uncovered), style="red"),
        ]
        if joint:
            cells.append(Text("yes", "green") if r.tested_once_for_all else Text("no", "dim"))
        table.add_row(*cells)
    out.print(table)


# ---------------------------------------------------------------------------------------------
# Findings


def findings_overview(out: Console, ws: Workspace, fws: list[str], items: list[Finding]) -> None:
    from rich.text import Text

    mw_banner(out, ws, fws)
    out.print(Text("Findings by framework", style="bold"))
    for fw in fws:
        out.print(framework_findings_line(ws, fw, indent="  "))
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
    from workbench.presentation.testing import finding_line

    out.print(Text("Findings, most severe first", style="bold"))
    for f in items:
        out.print(finding_line(f, indent="  ", control=True))


def framework_findings_line(ws: Workspace, fw: str, indent: str = "") -> Text:
    """A framework's findings in its own words: SOX (and others) open findings and those that
    stand in the current period, by severity; SOC 2 deviations and criteria at risk."""
    from rich.text import Text

    from workbench.core.testing import DEVIATION_WORDS

    fb = ws.backed(fw)
    line = Text(f"{indent}{ws.catalog.frameworks[fw].name}: ")
    if fb.vocabulary == DEVIATION_WORDS:
        n = fb.deviation_count
        line.append(_plural(n, "deviation"), style="bold yellow" if n else "dim")
        if fb.deviations:
            line.append(" in " + ", ".join(d.control_id for d in fb.deviations))
        line.append("; ")
        line.append(
            _plural(fb.open_findings, "open finding"), style="red" if fb.open_findings else "dim"
        )
        if fb.criteria_at_risk:
            line.append("; criteria at risk: ")
            line.append(", ".join(fb.criteria_at_risk), style="bold red")
        return line
    line.append("open ")
    line.append_text(severity_counts_text(dict(fb.findings_open)))
    if fb.period is not None:
        line.append(f"; standing in {fb.period.name}: ")
        line.append_text(severity_counts_text(fb.deficiencies))
    return line


def mw_banner(out: Console, ws: Workspace, fws: list[str]) -> None:
    """Stated first: a material weakness that stands (for SOX: ICFR is not effective as of the
    as-of date); for SOC 2, criteria at risk of a qualified opinion (never a "material
    weakness" on SOC 2 figures)."""
    from rich.text import Text

    from workbench.core.testing import DEVIATION_WORDS

    for fw in fws:
        fb = ws.backed(fw)
        name = ws.catalog.frameworks[fw].name
        if fb.vocabulary == DEVIATION_WORDS:
            if fb.criteria_at_risk:
                where = ", ".join(d.control_id for d in fb.deviations) or "failing controls"
                out.print(
                    Text(
                        f"{name}: criteria at risk of a qualified opinion: "
                        f"{', '.join(fb.criteria_at_risk)} (deviations in {where})",
                        style="bold red",
                    )
                )
            continue
        mws = fb.material_weaknesses
        if not mws:
            continue
        what = ", ".join(f"#{f.id} {f.control_id}" for f in mws)
        when = ""
        if fb.period is not None and fb.period.as_of is not None:
            when = f" as of {fb.period.as_of}"
        verdict = ": ICFR is not effective" if fw == "sox" else ""
        out.print(
            Text(
                f"{name}: {_plural(len(mws), 'material weakness', 'material weaknesses')}"
                f"{when} ({what}){verdict}",
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
        if ws.rules_error:
            out.print(
                Text(
                    f"the sampling settings are invalid, so conclusions use the built-in tables: "
                    f"{ws.rules_error}",
                    style="bold yellow",
                )
            )
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
            if fb.contradicted:
                eff.append(f", {len(fb.contradicted)} contradicted", style="bold red")
            if fb.unchecked:
                eff.append(f", {len(fb.unchecked)} not checked (no period)", style="dim")
            eff.append(f" of {fb.effective}")
            if fb.unsupported and ws.readiness.lens == "operating":
                eff.append(" (unsupported ones are not counted as ready)", style="dim")
            out.print(eff)
            if fb.unsupported:
                out.print(_id_list("    effective, unsupported: ", fb.unsupported, "yellow"))
            if fb.contradicted:
                out.print(
                    _id_list(
                        "    effective, contradicted by the tests: ", fb.contradicted, "bold red"
                    )
                )
        if fb.design_ineffective:
            out.print(
                _id_list(
                    f"    design ineffective ({len(fb.design_ineffective)}): ",
                    fb.design_ineffective,
                    "bold red",
                )
            )
        if fb.design_untested:
            out.print(
                _id_list(
                    f"    design untested ({len(fb.design_untested)}): ",
                    fb.design_untested,
                    "dim",
                )
            )
        out.print(_findings_line(ws, fw))
        if fb.unclassified:
            out.print(
                Text(
                    f"    {_plural(len(fb.unclassified), 'exception')} not classified: "
                    + ", ".join(f"sample #{s.id} ({s.control_id})" for s in fb.unclassified),
                    style="yellow",
                )
            )


def _findings_line(ws: Workspace, fw: str) -> Text:
    from rich.text import Text

    line = framework_findings_line(ws, fw)
    # Under the framework's own heading: drop the repeated name.
    out = Text("    findings: ")
    out.append_text(line[len(f"{ws.catalog.frameworks[fw].name}: ") :])
    return out


def _id_list(prefix: str, notes: Any, style: str, limit: int = 12) -> Text:
    from rich.text import Text

    ids = [n.control_id for n in notes]
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return Text(prefix + ", ".join(ids[:limit]) + more, style=style)
