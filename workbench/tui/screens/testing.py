"""Control testing in the app: one control's tests in its current period, and the findings list.

Everything shown comes from the workspace's backing (workbench/core/testing); every key is a
single core call, committed at once and written to the history chain.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from workbench.core.store import StoreError
from workbench.core.testing import Period
from workbench.core.text import clip
from workbench.presentation import STATUS_LABELS, STATUS_STYLES

from ..commands import FINDINGS_COMMANDS, TESTING_COMMANDS, bindings
from .prompts import TextPrompt, date_error, parse_date

if TYPE_CHECKING:
    from workbench.core.workspace import Workspace

    from ..app import WorkbenchApp

SEVERITY_STYLES = {
    "material_weakness": "bold reverse red",
    "significant_deficiency": "bold red",
    "deficiency": "yellow",
}
SEVERITY_WORDS = {
    "d": "deficiency",
    "s": "significant_deficiency",
    "m": "material_weakness",
}


def severity_text(severity: str) -> Text:
    return Text(severity.replace("_", " "), style=SEVERITY_STYLES.get(severity, ""))


class TestScreen(Screen[None]):
    """A control's test of design and of operating effectiveness in its current period."""

    CSS_PATH = "testing.tcss"
    COMMAND_LIST = TESTING_COMMANDS
    BINDINGS: ClassVar[list[BindingType]] = bindings(*TESTING_COMMANDS)

    def __init__(self, workspace: Workspace, control_id: str) -> None:
        super().__init__()
        self.ws = workspace
        self.control_id = control_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="test-scroll"):
            yield Static(id="test-body", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_all()

    # -- rendering -------------------------------------------------------------------------
    def _period(self) -> Period | None:
        try:
            return self.ws.period_for(self.control_id)
        except StoreError:
            return None

    def refresh_all(self, changed: object = None) -> None:
        self.query_one("#test-body", Static).update(self.render_test())

    def render_test(self) -> RenderableType:
        ws = self.ws
        cid = self.control_id
        ctl = ws.catalog.controls[cid]
        status = ws.readiness.status(cid)
        parts: list[RenderableType] = [
            Text.assemble((f"{cid} ", "bold"), (ctl.title, "bold")),
            Text.assemble(
                ("Status ", "dim"),
                (STATUS_LABELS[status], STATUS_STYLES[status]),
                (f"   {ctl.frequency} · {ctl.nature} · {'key' if ctl.key else 'not key'}", "dim"),
            ),
        ]
        period = self._period()
        if period is None:
            parts += [
                Text(""),
                Text("No audit period applies to this control yet.", style="yellow"),
                Text("Press P to add one (name, start, end), or: workbench period add …"),
            ]
            return Group(*parts)
        parts.append(
            Text.assemble(
                ("Period ", "dim"),
                (period.name, "bold"),
                f"  {period.start} → {period.end}",
                (f"  as of {period.as_of}" if period.as_of else "", "dim"),
                ("  (" + ", ".join(period.frameworks) + ")", "dim"),
            )
        )
        backing = ws.backing
        design = backing.design(cid, period.name)
        parts += [Text(""), Text("Test of design (walkthrough)", style="bold underline")]
        if design.test is None:
            parts.append(
                Text("not performed: press w (effective) or W (ineffective)", style="yellow")
            )
        else:
            t = design.test
            style = "green" if design.passed else "bold red"
            parts.append(
                Text.assemble(
                    (f"{t.conclusion}", style),
                    f"  {t.performed_on} by {t.performer}",
                    (f"  {clip(t.notes)}" if t.notes else "", "dim"),
                )
            )
        op = backing.operating(cid, period.name)
        parts += [Text(""), Text("Test of operating effectiveness", style="bold underline")]
        size = ws.sample_size(cid, risk=op.test.risk if op.test else None, period=period)
        line = Text()
        # Before the test is opened, `required` is 0: show what the first sample will plan.
        required = op.required if op.test is not None else size.required
        line.append(f"{op.passed} of {required} ", style="bold green" if op.sufficient else "bold")
        line.append("required samples passed")
        if op.test is None:
            line.append("  (a: the first sample opens the test)", style="dim")
        if op.not_counted:
            line.append(
                f"  ({op.not_counted} not counted: a repeat, before the remediation or late)",
                style="dim",
            )
        parts.append(line)
        basis = op.test.basis if op.test and op.test.basis else size.basis
        parts.append(Text(f"sample size: {basis}", style="dim"))
        if size.caveat:
            parts.append(Text(size.caveat, style="italic yellow"))
        if op.remediation:
            parts.append(Text(op.remediation, style="dim"))
        status = ws.readiness.status(cid)
        concl = backing.conclusion(cid, status, "operating")
        if op.sufficient and concl.ready:
            verdict = Text("backs an effective status in the operating lens", style="green")
        elif concl.deficient:
            verdict = Text(f"{concl.label}: " + "; ".join(concl.reasons), style="bold red")
            if concl.contradicted:
                verdict.append("  (contradicts the status effective)", style="bold red")
        elif not op.sufficient:
            verdict = Text("not backed: " + "; ".join(op.reasons), style="yellow")
        else:
            verdict = Text(f"{concl.label}: " + "; ".join(concl.reasons), style="yellow")
        parts.append(verdict)
        samples = backing.samples(op.test.id) if op.test else []
        if samples:
            parts.append(Text(""))
            for s in samples:
                when = s.occurred_on.isoformat() if s.occurred_on else (s.ref or "?")
                parts.append(
                    Text.assemble(
                        f"  #{s.id:<4} {when:<12} ",
                        (s.result, "green" if s.result == "pass" else "bold red"),
                        (f"  {clip(s.notes)}" if s.notes else "", "dim"),
                    )
                )
        findings = backing.findings_of(cid, period.name)
        parts += [Text(""), Text(f"Findings ({len(findings)})", style="bold underline")]
        for f in findings:
            parts.append(
                Text.assemble(
                    f"  #{f.id:<4} ",
                    severity_text(f.severity),
                    f"  {f.status}",
                    (f"  remediated {f.remediated_on}" if f.remediated_on else "", "dim"),
                    f"  {clip(f.summary)}",
                )
            )
        coverage = ws.coverage(cid, period.name)
        parts += [Text(""), Text("Period coverage", style="bold underline")]
        quarters = Text("  ")
        for q in coverage.quarters:
            quarters.append(f" {q.label} ", style="reverse green" if q.covered else "reverse red")
            quarters.append(" ")
        parts.append(quarters)
        for problem in coverage.problems:
            parts.append(Text(f"  • {problem}", style="yellow"))
        return Group(*parts)

    # -- actions ---------------------------------------------------------------------------
    def _run(self, what: str, change: Any, after: Any = None) -> None:
        """Run one change through the app (which waits out another program's write lock
        without freezing), then refresh this screen and run `after`."""

        def done() -> None:
            self.refresh_all()
            if after is not None:
                after()

        app: WorkbenchApp = self.app  # type: ignore[assignment]
        app.run_write(what, change, done)

    def _default_date(self) -> str:
        period = self._period()
        today = date.today()
        if period is not None and not (period.start <= today <= period.end):
            return period.end.isoformat()
        return today.isoformat()

    def action_sample(self, result: str) -> None:
        def with_notes(day: str | None) -> None:
            if day is None:
                return

            def save(notes: str | None) -> None:
                if notes is None and result == "exception":
                    return
                self._run(
                    "Add sample",
                    lambda: self.ws.add_sample(
                        self.control_id,
                        result=result,
                        occurred_on=parse_date(day),
                        notes=notes or None,
                    ),
                )

            if result == "exception":
                self.app.push_screen(
                    TextPrompt("What went wrong?", required=True, placeholder="the exception"), save
                )
            else:
                save(None)

        label = "Passing sample" if result == "pass" else "Exception"
        self.app.push_screen(
            TextPrompt(
                f"{label}: date (YYYY-MM-DD)",
                value=self._default_date(),
                validate=date_error,
                required=True,
            ),
            with_notes,
        )

    def action_design(self, conclusion: str) -> None:
        def save(notes: str | None) -> None:
            if notes is None:
                return
            self._run(
                "Test of design",
                lambda: self.ws.record_design_test(
                    self.control_id,
                    performed_on=parse_date(self._default_date()) or date.today(),
                    performer=self.ws.actor,
                    conclusion=conclusion,
                    notes=notes or None,
                ),
            )

        self.app.push_screen(TextPrompt(f"Walkthrough, {conclusion}: notes (optional)"), save)

    def action_risk(self) -> None:
        period = self._period()
        if period is None:
            return
        current = self.ws.backing.operating_test(self.control_id, period.name)
        order = ["low", "moderate", "high"]
        now = current.risk if current and current.risk in order else "low"
        nxt = order[(order.index(now) + 1) % 3]
        self._run(
            "Risk",
            lambda: self.ws.plan_operating_test(self.control_id, risk=nxt),
            lambda: self.notify(f"Risk: {nxt}", timeout=2),
        )

    def action_finding(self) -> None:
        period = self._period()
        if period is None:
            return
        unclassified = [
            s.id
            for s in self.ws.backing.unclassified()
            if s.control_id == self.control_id and s.period == period.name
        ]

        def with_summary(sev: str | None) -> None:
            if not sev:
                return
            severity = SEVERITY_WORDS.get(sev.strip().lower()[:1], sev.strip())

            def save(summary: str | None) -> None:
                if summary:
                    self._run(
                        "Finding",
                        lambda: self.ws.add_finding(
                            self.control_id,
                            severity=severity,
                            summary=summary,
                            samples=unclassified,
                        ),
                    )

            self.app.push_screen(TextPrompt("Finding: summary", required=True), save)

        self.app.push_screen(
            TextPrompt(
                "Severity: d = deficiency, s = significant deficiency, m = material weakness",
                value="d",
                required=True,
            ),
            with_summary,
        )

    def action_remediate(self) -> None:
        period = self._period()
        open_ = [
            f
            for f in self.ws.backing.findings_of(self.control_id, period.name if period else None)
            if f.status in ("open", "remediating")
        ]
        if not open_:
            self.notify("No open finding", severity="warning")
            return
        target = open_[-1]

        def save(day: str | None) -> None:
            if day:
                self._run(
                    "Remediate",
                    lambda: self.ws.update_finding(
                        target.id, status="remediated", remediated_on=parse_date(day)
                    ),
                )

        self.app.push_screen(
            TextPrompt(
                f"Finding #{target.id} remediated on (YYYY-MM-DD)",
                value=self._default_date(),
                validate=date_error,
                required=True,
            ),
            save,
        )

    def action_period(self) -> None:
        fws = sorted(self.ws.catalog.frameworks_of(self.control_id)) or list(
            self.ws.catalog.frameworks
        )

        def save(text: str | None) -> None:
            if not text:
                return
            parts = text.split()
            if len(parts) < 3:
                self.notify("Expected: NAME START END (dates as YYYY-MM-DD)", severity="error")
                return
            name = " ".join(parts[:-2])
            self._run(
                "Period",
                lambda: self.ws.add_period(
                    name,
                    fws,
                    parse_date(parts[-2]) or date.today(),
                    parse_date(parts[-1]) or date.today(),
                    use=True,
                ),
            )

        year = date.today().year
        self.app.push_screen(
            TextPrompt(
                f"New audit period for {', '.join(fws)}: NAME START END",
                value=f"FY{year} {year}-01-01 {year}-12-31",
                required=True,
            ),
            save,
        )

    def action_back(self) -> None:
        self.app.pop_screen()


class FindingsScreen(Screen[None]):
    """Every finding, open first and most severe first; enter opens the control's test."""

    CSS_PATH = "testing.tcss"
    COMMAND_LIST = FINDINGS_COMMANDS
    BINDINGS: ClassVar[list[BindingType]] = bindings(*FINDINGS_COMMANDS)

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.ws = workspace
        self.open_only = True

    def compose(self) -> ComposeResult:
        yield Label("", id="findings-title")
        yield OptionList(id="findings")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_all()
        self.query_one(OptionList).focus()

    def refresh_all(self, changed: object = None) -> None:
        findings = self.ws.backing.findings(open_only=self.open_only)
        lst = self.query_one(OptionList)
        lst.clear_options()
        for f in findings:
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append_text(severity_text(f.severity))
            label.append(f"  {f.status:<12}", style="bold" if f.status == "open" else "dim")
            label.append(f"{f.control_id:<9}", style="bold")
            label.append(f"{f.period}  ", style="dim")
            label.append(clip(f.summary, 200))
            if f.owner:
                label.append(f"  owner {f.owner}", style="dim")
            if f.due:
                label.append(f"  due {f.due}", style="dim")
            lst.add_option(Option(label, id=f"{f.id}|{f.control_id}"))
        counts = self.ws.backing.severity_counts()
        summary = (
            ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if v) or "none open"
        )
        scope = "open findings" if self.open_only else "all findings"
        self.query_one("#findings-title", Label).update(
            f"{scope.capitalize()} ({len(findings)}) · open: {summary}"
        )

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            control_id = event.option.id.split("|", 1)[1]
            self.app.push_screen(TestScreen(self.ws, control_id))

    def action_toggle_open(self) -> None:
        self.open_only = not self.open_only
        self.refresh_all()

    def action_back(self) -> None:
        self.app.pop_screen()
