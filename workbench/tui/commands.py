"""Every user command, declared once: key, footer label, palette name and help text.

Screens derive their BINDINGS from these lists; the command palette and the help screen read
the same lists, so a key can never be missing from one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True, slots=True)
class Command:
    key: str
    action: str
    footer: str
    palette: str
    help: str
    show: bool = True
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.footer,
            show=self.show,
            priority=self.priority,
            id=self.palette,
        )


def bindings(*commands: Command) -> list[BindingType]:
    return [c.binding() for c in commands]


APP_COMMANDS: tuple[Command, ...] = (
    Command("question_mark,f1", "help", "Help", "app: help", "Every key of this screen"),
    Command("q", "quit", "Quit", "app: quit", "Leave workbench (everything is already saved)"),
    Command(
        "ctrl+t",
        "toggle_dark",
        "Theme",
        "app: toggle light/dark theme",
        "Switch light and dark",
        show=False,
    ),
)

# How the figures are looked at: the same keys on every screen that shows readiness.
VIEW_COMMANDS: tuple[Command, ...] = (
    Command(
        "l",
        "toggle_lens",
        "Lens",
        "readiness: switch lens",
        "Design (Type I) or operating (Type II) lens",
    ),
    Command(
        "s",
        "scope",
        "Scope",
        "readiness: SOC 2 category scope",
        "Which SOC 2 categories are in scope",
        show=False,
    ),
)

BROWSE_COMMANDS: tuple[Command, ...] = (
    Command("r", "readiness", "Readiness", "go to: readiness", "Full readiness view"),
    Command(
        "enter",
        "open_test",
        "Test",
        "test: open control test",
        "Open the highlighted control's test of design and operating effectiveness",
        show=False,
    ),
    Command(
        "F", "findings", "Findings", "go to: findings", "Every finding, open first", show=False
    ),
    Command("slash", "search", "Search", "search: controls and requirements", "Search as you type"),
    Command(
        "e", "mark('effective')", "Effective", "status: mark effective", "Operating effectively"
    ),
    Command(
        "i",
        "mark('implemented')",
        "Implemented",
        "status: mark implemented",
        "Designed and in place",
        show=False,
    ),
    Command(
        "p",
        "mark('in_progress')",
        "In progress",
        "status: mark in progress",
        "Work under way",
        show=False,
    ),
    Command(
        "d",
        "mark('deficient')",
        "Deficient",
        "status: mark deficient",
        "A test found it failing",
        show=False,
    ),
    Command(
        "n",
        "mark('not_started')",
        "Not started",
        "status: mark not started",
        "Back to the default",
        show=False,
    ),
    Command(
        "x",
        "mark('not_applicable')",
        "N/A",
        "status: mark not applicable",
        "Out of scope, with a justification",
    ),
    Command(
        "space",
        "toggle_select",
        "Select",
        "selection: toggle row",
        "Select or unselect the highlighted row",
        show=False,
    ),
    Command(
        "asterisk",
        "select_all",
        "Select all",
        "selection: select all visible",
        "Select every visible row (again: clear)",
        show=False,
    ),
    Command(
        "o",
        "edit('owner')",
        "Owner",
        "edit: owner",
        "Set the owner of the highlighted control",
        show=False,
    ),
    Command(
        "t", "edit('due')", "Due", "edit: due date", "Set the due date (YYYY-MM-DD)", show=False
    ),
    Command("c", "edit('notes')", "Notes", "edit: notes", "Edit the notes", show=False),
    Command(
        "v",
        "evidence",
        "Evidence",
        "edit: attach evidence",
        "Attach a file, URL or note with its period",
        show=False,
    ),
    Command(
        "z,ctrl+z",
        "undo",
        "Undo",
        "history: undo my last change",
        "Undo your last change (new history events); z again: the change before it",
    ),
    Command(
        "Z,ctrl+y",
        "redo",
        "Redo",
        "history: redo what I undid",
        "Restore what your last undo reverted (a new change ends what can be redone)",
        show=False,
    ),
    Command(
        "a",
        "toggle_all",
        "All controls",
        "view: all controls / by requirement",
        "Switch the list between the tree selection and all controls",
        show=False,
    ),
    Command(
        "f",
        "filters",
        "Filters",
        "filter: choose filters",
        "Status, framework, owner and other filters",
    ),
    Command(
        "S",
        "toggle_filter('shared_only')",
        "Shared",
        "filter: shared controls",
        "Only controls serving both frameworks",
        show=False,
    ),
    Command(
        "k",
        "toggle_filter('key_only')",
        "Key",
        "filter: key controls",
        "Only SOX key controls",
        show=False,
    ),
    Command(
        "g",
        "toggle_filter('gaps_only')",
        "Gaps",
        "filter: gap controls",
        "Only controls behind an unmet requirement",
        show=False,
    ),
    Command(
        "escape",
        "clear",
        "Clear",
        "filter: clear search and filters",
        "Clear the search, the filters and the selection",
        show=False,
    ),
    Command(
        "m",
        "toggle_filter('mine')",
        "Mine",
        "filter: my controls",
        "Only controls whose owner is you (the actor)",
        show=False,
    ),
    Command(
        "exclamation_mark",
        "toggle_filter('overdue')",
        "Overdue",
        "filter: overdue controls",
        "Only controls past their due date and not yet effective or N/A",
        show=False,
    ),
    Command(
        "O",
        "sort",
        "Sort",
        "view: sort the list",
        "Order the list by ID, status, owner or due date (again: the next one)",
        show=False,
    ),
    *VIEW_COMMANDS,
)

READINESS_COMMANDS: tuple[Command, ...] = (
    Command("b,escape", "back", "Browse", "go to: browse", "Back to the browse screen"),
    Command(
        "enter",
        "jump",
        "Jump",
        "readiness: jump to entry",
        "Open the highlighted gap or control in Browse",
    ),
    *VIEW_COMMANDS,
)

# Keys the widgets themselves handle; listed in help so nothing is undiscoverable.
NAVIGATION: tuple[Command, ...] = (
    Command(
        "tab,shift+tab",
        "focus_next",
        "",
        "navigate: next / previous pane",
        "Move between tree, list and dialogs",
    ),
    Command("up,down", "", "", "navigate: move", "Move the cursor in the tree or list"),
    Command("pageup,pagedown,home,end", "", "", "navigate: page", "Page through the list"),
    Command("enter", "", "", "navigate: open", "Tree: expand / show controls; readiness: jump"),
    Command("ctrl+p", "command_palette", "", "app: command palette", "Every command by name"),
)

TESTING_COMMANDS: tuple[Command, ...] = (
    Command("escape,b", "back", "Back", "go to: browse", "Back to the previous screen"),
    Command(
        "p",
        "next_period",
        "Period",
        "period: switch",
        "Show and act on the next audit period that applies to this control",
    ),
    Command(
        "a",
        "sample('pass')",
        "Pass",
        "test: add passing sample",
        "Record a sample that passed: date, reference, notes, evidence",
    ),
    Command(
        "x",
        "sample('exception')",
        "Exception",
        "test: add exception",
        "Record a sample that failed, with what went wrong",
    ),
    Command(
        "w",
        "design('effective')",
        "Design ok",
        "test: design effective",
        "Record a walkthrough concluding the design is effective",
    ),
    Command(
        "W",
        "design('ineffective')",
        "Design bad",
        "test: design ineffective",
        "Record a walkthrough concluding the design is ineffective",
        show=False,
    ),
    Command(
        "k",
        "risk",
        "Risk",
        "test: cycle risk",
        "Low, moderate, high: re-plans the required samples",
        show=False,
    ),
    Command(
        "f",
        "finding",
        "Finding",
        "finding: classify exceptions",
        "Raise a finding (control deficiency, significant deficiency, material weakness)",
    ),
    Command(
        "u",
        "edit_finding",
        "Edit finding",
        "finding: edit",
        "Owner, due date, status and management response of the latest finding",
    ),
    Command(
        "m",
        "remediate",
        "Remediated",
        "finding: mark remediated",
        "Mark the latest open finding remediated (it counts once retested before the as-of date)",
        show=False,
    ),
    Command(
        "P",
        "period",
        "New period",
        "period: add and use",
        "Add an audit period and make it current",
        show=False,
    ),
)

FINDINGS_COMMANDS: tuple[Command, ...] = (
    Command("escape,b", "back", "Back", "go to: browse", "Back to the previous screen"),
    Command(
        "o",
        "toggle_open",
        "Open/all",
        "findings: open only / all",
        "Show open findings only, or every finding",
    ),
    Command(
        "e",
        "edit_finding",
        "Edit",
        "finding: edit",
        "Owner, due date, status and management response of the highlighted finding",
    ),
)
