"""Control testing in the app: one control's tests in each audit period that applies to it
(a switcher between them), and the findings list.

What is shown is the same view as `workbench test show` (workbench/presentation/testing.py);
every key is one core call on the period shown, committed at once and written to the history
chain.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from workbench.core.store import Finding, Period
from workbench.core.text import clip
from workbench.core.workspace import Workspace
from workbench.presentation import SEVERITY_LABELS, severity_text
from workbench.presentation.testing import test_view

from ..commands import FINDINGS_COMMANDS, TESTING_COMMANDS, bindings
from ..widgets.footer import KeyFooter
from .base import WorkbenchScreen
from .prompts import FindingPrompt, SamplePrompt, TextPrompt, date_error, parse_date

# What to do next, in keys (the CLI names commands instead).
APP_HINTS = {"design": "w: effective, W: ineffective", "operating": "a: the first sample opens it"}


def edit_finding(screen: WorkbenchScreen, finding: Finding, after: Any = None) -> None:
    """Owner, due date, status and management response of a finding: one action."""
    ws = screen.ws

    def save(result: dict[str, Any] | None) -> None:
        if result is None:
            return
        remediated: dict[str, Any] = {}
        if result["status"] == "remediated" and finding.remediated_on is None:
            remediated["remediated_on"] = date.today()  # edit it with m for another date
        screen.wb.run_write(
            "Edit finding",
            lambda: ws.update_finding(finding.id, **result, **remediated),
            after,
        )

    screen.app.push_screen(
        FindingPrompt(
            f"Finding #{finding.id} of {finding.control_id} ({finding.period}): "
            f"{clip(finding.summary, 60)}",
            new=False,
            owner=finding.owner or "",
            due=finding.due.isoformat() if finding.due else "",
            status=finding.status,
            response=finding.notes or "",
        ),
        save,
    )


class TestScreen(WorkbenchScreen):
    """A control's test of design and of operating effectiveness, one period at a time."""

    __test__ = False  # not a pytest class, whatever its name

    CSS_PATH = "testing.tcss"
    COMMAND_LIST = TESTING_COMMANDS
    BINDINGS: ClassVar[list[BindingType]] = bindings(*TESTING_COMMANDS)

    def __init__(self, workspace: Workspace, control_id: str, period: str | None = None) -> None:
        super().__init__(workspace)
        self.control_id = control_id
        self.period_name = period

    def compose(self) -> ComposeResult:
        yield Static(id="periods", markup=False)
        with VerticalScroll(id="test-scroll"):
            yield Static(id="test-body", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.refresh_all()

    # -- periods -----------------------------------------------------------------------------
    def periods(self) -> tuple[Period, ...]:
        """Every current period that applies to this control (one per framework at most)."""
        return self.ws.backing.periods_for(self.control_id)

    @property
    def period(self) -> Period | None:
        periods = self.periods()
        for p in periods:
            if p.name == self.period_name:
                return p
        return periods[0] if periods else None

    def action_next_period(self) -> None:
        periods = self.periods()
        if len(periods) < 2:
            self.notify(
                "Only one audit period applies to this control"
                if periods
                else "No audit period applies to this control: P adds one",
                timeout=3,
            )
            return
        names = [p.name for p in periods]
        current = self.period
        i = names.index(current.name) if current is not None else -1
        self.period_name = names[(i + 1) % len(names)]
        self.refresh_all()

    # -- rendering ---------------------------------------------------------------------------
    def refresh_all(self, changed: object = None) -> None:
        self.query_one("#periods", Static).update(self._switcher())
        self.query_one("#test-body", Static).update(self.render_test())

    def _switcher(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        periods = self.periods()
        current = self.period
        if not periods:
            line.append("No audit period", style="yellow")
            return line
        line.append("Period ", style="dim")
        for p in periods:
            label = f" {p.name} ({', '.join(p.frameworks)}) "
            line.append(label, style="bold reverse" if p == current else "")
            line.append(" ")
        if len(periods) > 1:
            line.append(" p: switch", style="dim")
        return line

    def render_test(self) -> RenderableType:
        period = self.period
        if period is None:
            ctl = self.ws.catalog.controls[self.control_id]
            fws = ", ".join(sorted(self.ws.catalog.frameworks_of(self.control_id)))
            return Group(
                Text.assemble((f"{self.control_id} ", "bold"), (ctl.title, "bold")),
                Text(""),
                Text(f"No current audit period for {fws}.", style="yellow"),
                Text("Press P to add one (name, start, end), or: workbench period add …"),
            )
        return Group(*test_view(self.ws, self.control_id, period, hints=APP_HINTS))

    # -- actions -----------------------------------------------------------------------------
    def _run(self, what: str, change: Any, after: Any = None) -> None:
        """Run one change through the app (which waits out another program's write lock
        without freezing), then refresh this screen and run `after`."""

        def done() -> None:
            self.refresh_all()
            if after is not None:
                after()

        self.wb.run_write(what, change, done)

    def _period_or_say(self) -> Period | None:
        period = self.period
        if period is None:
            self.notify("No audit period applies to this control: P adds one", severity="warning")
        return period

    def _default_date(self) -> str:
        period = self.period
        today = date.today()
        if period is not None and not (period.start <= today <= period.end):
            return period.end.isoformat()
        return today.isoformat()

    def action_sample(self, result: str) -> None:
        period = self._period_or_say()
        if period is None:
            return

        def save(values: dict[str, Any] | None) -> None:
            if values is not None:
                self._run(
                    "Add sample",
                    lambda: self.ws.add_sample(self.control_id, period=period.name, **values),
                )

        label = "Passing sample" if result == "pass" else "Exception"
        self.app.push_screen(
            SamplePrompt(
                f"{label}: {self.control_id} in {period.name}",
                result=result,
                day=self._default_date(),
            ),
            save,
        )

    def action_design(self, conclusion: str) -> None:
        period = self._period_or_say()
        if period is None:
            return

        def save(notes: str | None) -> None:
            if notes is None:
                return
            self._run(
                "Test of design",
                lambda: self.ws.record_design_test(
                    self.control_id,
                    period=period.name,
                    performed_on=parse_date(self._default_date()) or date.today(),
                    performer=self.ws.actor,
                    conclusion=conclusion,
                    notes=notes or None,
                ),
            )

        self.app.push_screen(
            TextPrompt(f"Walkthrough in {period.name}, {conclusion}: notes (optional)"), save
        )

    def action_risk(self) -> None:
        period = self._period_or_say()
        if period is None:
            return
        current = self.ws.backing.operating_test(self.control_id, period.name)
        order = ["low", "moderate", "high"]
        now = current.risk if current and current.risk in order else "low"
        nxt = order[(order.index(now) + 1) % 3]
        self._run(
            "Risk",
            lambda: self.ws.plan_operating_test(self.control_id, period=period.name, risk=nxt),
            lambda: self.notify(f"Risk: {nxt}", timeout=2),
        )

    def action_finding(self) -> None:
        period = self._period_or_say()
        if period is None:
            return
        unclassified = [
            s.id
            for s in self.ws.backing.unclassified()
            if s.control_id == self.control_id and s.period == period.name
        ]

        def save(values: dict[str, Any] | None) -> None:
            if values is not None:
                self._run(
                    "Finding",
                    lambda: self.ws.add_finding(
                        self.control_id, period=period.name, samples=unclassified, **values
                    ),
                )

        cites = f", classifying {len(unclassified)} exception(s)" if unclassified else ""
        self.app.push_screen(
            FindingPrompt(f"New finding: {self.control_id} in {period.name}{cites}", new=True),
            save,
        )

    def _findings(self, open_only: bool = False) -> list[Finding]:
        period = self.period
        return [
            f
            for f in self.ws.backing.findings_of(self.control_id, period.name if period else None)
            if f.is_open or not open_only
        ]

    def action_edit_finding(self) -> None:
        findings = self._findings()
        if not findings:
            self.notify("No finding in this period", severity="warning")
            return
        edit_finding(self, findings[-1], self.refresh_all)

    def action_remediate(self) -> None:
        open_ = self._findings(open_only=True)
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
            self.period_name = name
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
                validate=_period_error,
            ),
            save,
        )


def _period_error(text: str) -> str | None:
    parts = text.split()
    if len(parts) < 3:
        return "expected: NAME START END (dates as YYYY-MM-DD)"
    return date_error(parts[-2]) or date_error(parts[-1])


class FindingsScreen(WorkbenchScreen):
    """Every finding, open first and most severe first; enter opens the control's test in the
    finding's period, e edits the finding."""

    CSS_PATH = "testing.tcss"
    COMMAND_LIST = FINDINGS_COMMANDS
    BINDINGS: ClassVar[list[BindingType]] = bindings(*FINDINGS_COMMANDS)

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.open_only = True
        self._shown: list[Finding] = []

    def compose(self) -> ComposeResult:
        yield Label("", id="findings-title")
        yield OptionList(id="findings")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.refresh_all()
        self.query_one(OptionList).focus()

    def refresh_all(self, changed: object = None) -> None:
        findings = self.ws.backing.findings(open_only=self.open_only)
        self._shown = findings
        lst = self.query_one(OptionList)
        keep = lst.highlighted
        lst.clear_options()
        for f in findings:
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append_text(severity_text(f.severity))
            label.append(f"  {f.status:<12}", style="bold" if f.status == "open" else "dim")
            label.append(f"{f.control_id:<9}", style="bold")
            label.append(f"{f.period}  ", style="dim")
            label.append(clip(f.summary, 200))
            if f.owner:
                label.append(f"  owner {clip(f.owner, 200)}", style="dim")
            if f.due:
                label.append(f"  due {f.due}", style="dim")
            lst.add_option(Option(label, id=str(f.id)))
        if findings:
            lst.highlighted = min(keep or 0, len(findings) - 1)
        counts = self.ws.backing.severity_counts()
        summary = (
            ", ".join(f"{SEVERITY_LABELS[k]} {v}" for k, v in counts.items() if v) or "none open"
        )
        scope = "open findings" if self.open_only else "all findings"
        self.query_one("#findings-title", Label).update(
            f"{scope.capitalize()} ({len(findings)}) · open: {summary}"
        )

    def _highlighted(self) -> Finding | None:
        lst = self.query_one(OptionList)
        if lst.highlighted is None or not self._shown:
            return None
        return self._shown[lst.highlighted]

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        f = self._highlighted()
        if f is not None:
            self.app.push_screen(TestScreen(self.ws, f.control_id, f.period))

    def action_edit_finding(self) -> None:
        f = self._highlighted()
        if f is None:
            self.notify("No finding highlighted", severity="warning")
            return
        edit_finding(self, f, self.refresh_all)

    def action_toggle_open(self) -> None:
        self.open_only = not self.open_only
        self.refresh_all()
