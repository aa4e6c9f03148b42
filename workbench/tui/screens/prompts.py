"""Small modal prompts: a text value, evidence, filters and scope. Each dismisses with a value
(or None when cancelled) and validates before it does, so the screen below gets clean input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet

from workbench.core import validate
from workbench.core.browse import Filters
from workbench.core.files import probe
from workbench.core.store import ValidationError
from workbench.core.text import clip
from workbench.presentation import STATUS_LABELS

Validator = Callable[[str], str | None]  # returns an error message, or None when valid


def parse_date(text: str) -> date | None:
    """A date field: None when empty, else exactly what the CLI accepts (core/validate.py:
    YYYY-MM-DD, in the range an audit record can mean). Raises ValidationError."""
    return validate.optional_date(text)


def date_error(text: str) -> str | None:
    """The message for a date field that will be refused, or None."""
    try:
        validate.optional_date(text)
    except ValidationError as exc:
        return str(exc)
    return None


class _Modal(ModalScreen[Any]):
    CSS_PATH = "prompts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class _Form(_Modal):
    """A dialog of several fields, some of them choices (RadioSets). A RadioSet takes enter to
    press the highlighted choice, which left enter dead there; in a form enter saves from any
    field, as the hint says, and space (or the arrows) chooses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "submit", "Save", priority=True, show=False),
    ]

    HINT = "tab: next field · ←/→ space: choose · enter: save · escape: cancel"

    def error_and_hint(self) -> ComposeResult:
        """The error line (empty until a value is refused) and the keys, under the fields."""
        yield Label("", id="prompt-error", classes="error", markup=False)
        yield Label(self.HINT, classes="hint")

    def _pressed(self, radio: str, prefix: str) -> str:
        """The id (without `prefix`) of the choice pressed in a RadioSet; "" for none."""
        pressed = self.query_one(radio, RadioSet).pressed_button
        return (pressed.id or "").removeprefix(prefix) if pressed is not None else ""

    def action_submit(self) -> None:
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


class TextPrompt(_Modal):
    """One line of text: a justification, an owner, a due date, notes."""

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        required: bool = False,
        validate: Validator | None = None,
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.value = value
        self.placeholder = placeholder
        self.required = required
        self.validate_value = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.prompt_title, classes="dialog-title", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input", compact=True)
            yield Label("", id="prompt-error", classes="error", markup=False)
            yield Label("enter: save · escape: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        error = None
        if self.required and not text:
            error = "a value is required"
        elif self.validate_value is not None:
            error = self.validate_value(text)
        if error:
            self.query_one("#prompt-error", Label).update(error)
            return
        self.dismiss(text)


class EvidencePrompt(_Form):
    """Attach evidence: what it is (file, URL or note, chosen, never guessed), the reference,
    a title and the period it covers, each in its own field."""

    HINT = "tab: next field · ←/→ space: kind · enter: attach · escape: cancel"

    KINDS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("file", "file path"),
        ("url", "URL"),
        ("note", "note"),
    )

    def __init__(self, control_id: str = "") -> None:
        super().__init__()
        self.control_id = control_id

    def compose(self) -> ComposeResult:
        title = f"Attach evidence to {self.control_id}" if self.control_id else "Attach evidence"
        with Vertical(classes="dialog"):
            yield Label(title, classes="dialog-title", markup=False)
            with RadioSet(id="ev-kind"):
                for i, (kind, label) in enumerate(self.KINDS):
                    yield RadioButton(label, i == 0, id=f"kind-{kind}")
            yield Input(placeholder="path of the file", id="ev-ref", compact=True)
            yield Input(placeholder="title (optional)", id="ev-title", compact=True)
            with Horizontal(classes="row"):
                yield Input(placeholder="covers from YYYY-MM-DD", id="ev-from", compact=True)
                yield Input(placeholder="to YYYY-MM-DD", id="ev-to", compact=True)
            yield from self.error_and_hint()

    def on_mount(self) -> None:
        self.query_one("#ev-ref", Input).focus()

    @property
    def kind(self) -> str:
        return self._pressed("#ev-kind", "kind-") or "file"

    @on(RadioSet.Changed, "#ev-kind")
    def _kind_changed(self) -> None:
        placeholder = {"file": "path of the file", "url": "https:// address", "note": "the note"}
        self.query_one("#ev-ref", Input).placeholder = placeholder[self.kind]

    def action_submit(self) -> None:
        ref = self.query_one("#ev-ref", Input).value.strip()
        kind = self.kind
        error = None
        start = end = None
        if not ref:
            error = f"give the {dict(self.KINDS)[kind]}"
        else:
            try:
                start = parse_date(self.query_one("#ev-from", Input).value)
                end = parse_date(self.query_one("#ev-to", Input).value)
            except ValidationError as exc:
                error = str(exc)
            if error is None and start and end and end < start:
                error = "the period ends before it starts"
            if error is None:
                error = _reference_error(kind, ref)
        if error:
            self.query_one("#prompt-error", Label).update(error)
            return
        title = self.query_one("#ev-title", Input).value.strip() or None
        self.dismiss(
            {"ref": ref, "title": title, "effective_from": start, "effective_to": end, "kind": kind}
        )


def _reference_error(kind: str, ref: str) -> str | None:
    """Why this reference is not the kind chosen (None: it is). A file must exist, a URL must
    have a scheme; the message says what to do rather than saving something else."""
    from workbench.core.store.evidence import is_url

    if kind == "url" and not is_url(ref):
        return f"not a URL: {ref} (start it with https://, or choose file path or note)"
    if kind == "file":
        if is_url(ref):
            return "that is a URL: choose URL above"
        path = Path(ref).expanduser()
        # What exists but is no regular file (a FIFO, a device) the store refuses by name.
        found = probe(path)
        if found in (None, "dir"):
            what = "a folder" if found == "dir" else "no such file"
            hint = "give the path of a file, or choose note to keep text"
            return f"{what}: {clip(ref, 120)} ({hint})"
    return None


class SamplePrompt(_Form):
    """One sample of an operating test: date, reference (the population item), result,
    notes, and the evidence it rests on."""

    def __init__(self, title: str, *, result: str, day: str) -> None:
        super().__init__()
        self.prompt_title = title
        self.result = result
        self.day = day

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.prompt_title, classes="dialog-title", markup=False)
            with RadioSet(id="sample-result"):
                yield RadioButton("pass", self.result == "pass", id="result-pass")
                yield RadioButton("exception", self.result == "exception", id="result-exception")
            yield Input(self.day, placeholder="date YYYY-MM-DD", id="sample-date", compact=True)
            yield Input(
                placeholder="reference (population item, e.g. ticket)",
                id="sample-ref",
                compact=True,
            )
            yield Input(
                placeholder="notes (an exception: what went wrong)", id="sample-notes", compact=True
            )
            yield Input(
                placeholder="evidence: file path or URL (optional)",
                id="sample-evidence",
                compact=True,
            )
            yield from self.error_and_hint()

    def on_mount(self) -> None:
        self.query_one("#sample-date", Input).focus()

    def action_submit(self) -> None:
        result = (
            "exception" if self._pressed("#sample-result", "result-") == "exception" else "pass"
        )
        values = {
            name: self.query_one(f"#sample-{name}", Input).value.strip()
            for name in ("date", "ref", "notes", "evidence")
        }
        error = date_error(values["date"])
        if error is None and not values["date"]:
            error = "the date the control operated is required"
        if error is None and result == "exception" and not values["notes"]:
            error = "say what went wrong in the notes"
        if error is None and values["evidence"]:
            evidence = values["evidence"]
            from workbench.core.store.evidence import is_url

            if not is_url(evidence) and probe(Path(evidence).expanduser()) is None:
                error = f"no such file: {clip(evidence, 120)} (a URL starts with https://)"
        if error:
            self.query_one("#prompt-error", Label).update(error)
            return
        self.dismiss(
            {
                "result": result,
                "occurred_on": parse_date(values["date"]),
                "ref": values["ref"] or None,
                "notes": values["notes"] or None,
                "evidence": values["evidence"] or None,
            }
        )


class FindingPrompt(_Form):
    """A finding: for a new one its severity and summary; for any, who owns the remediation,
    by when, its status and management's response."""

    def __init__(
        self,
        title: str,
        *,
        new: bool,
        severity: str = "deficiency",
        owner: str = "",
        due: str = "",
        status: str = "open",
        response: str = "",
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.new = new
        self.values = {
            "severity": severity,
            "owner": owner,
            "due": due,
            "status": status,
            "response": response,
        }

    def compose(self) -> ComposeResult:
        from workbench.core.testing import FINDING_STATUSES, SEVERITIES, SEVERITY_LABELS

        v = self.values
        with Vertical(classes="dialog wide"):
            yield Label(self.prompt_title, classes="dialog-title", markup=False)
            if self.new:
                yield Label("Severity", classes="section")
                with RadioSet(id="finding-severity"):
                    for sev in SEVERITIES:
                        yield RadioButton(
                            SEVERITY_LABELS[sev], sev == v["severity"], id=f"sev-{sev}"
                        )
                yield Input(placeholder="summary (required)", id="finding-summary", compact=True)
            yield Label("Status", classes="section")
            with RadioSet(id="finding-status"):
                for st in FINDING_STATUSES:
                    yield RadioButton(st, st == v["status"], id=f"fst-{st}")
            yield Input(
                v["owner"], placeholder="owner of the remediation", id="finding-owner", compact=True
            )
            yield Input(v["due"], placeholder="due YYYY-MM-DD", id="finding-due", compact=True)
            yield Input(
                v["response"],
                placeholder="management response",
                id="finding-response",
                compact=True,
            )
            yield from self.error_and_hint()

    def on_mount(self) -> None:
        first = "#finding-summary" if self.new else "#finding-owner"
        self.query_one(first, Input).focus()

    def action_submit(self) -> None:
        text = {
            name: self.query_one(f"#finding-{name}", Input).value.strip()
            for name in ("owner", "due", "response")
        }
        error = date_error(text["due"])
        out: dict[str, Any] = {
            "owner": text["owner"] or None,
            "status": self._pressed("#finding-status", "fst-") or "open",
            "notes": text["response"] or None,
        }
        if self.new:
            out["severity"] = self._pressed("#finding-severity", "sev-") or "deficiency"
            out["summary"] = self.query_one("#finding-summary", Input).value.strip()
            if error is None and not out["summary"]:
                error = "a summary is required"
        if error:
            self.query_one("#prompt-error", Label).update(error)
            return
        out["due"] = parse_date(text["due"])
        self.dismiss(out)


class FilterPrompt(_Modal):
    """Every filter and the order at once; enter applies from anywhere (space toggles)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
        # A checkbox takes enter to toggle; here enter applies, as the hint says.
        Binding("enter", "apply", "Apply", priority=True, show=False),
    ]

    def __init__(
        self, filters: Filters, frameworks: list[tuple[str, str]], sort: str = "id"
    ) -> None:
        super().__init__()
        self.filters = filters
        self.frameworks = frameworks
        self.sort = sort

    def compose(self) -> ComposeResult:
        from workbench.core.browse import SORT_KEYS

        f = self.filters
        with Vertical(classes="dialog wide"):
            yield Label("Filters", classes="dialog-title")
            yield Label("Status", classes="section")
            with Horizontal(classes="row wrap"):
                for status, label in STATUS_LABELS.items():
                    yield Checkbox(label, status in f.statuses, id=f"st-{status}")
            yield Label("Framework", classes="section")
            with RadioSet(id="fw"):
                yield RadioButton("any", f.framework is None, id="fw-any")
                for fw_id, name in self.frameworks:
                    yield RadioButton(name, f.framework == fw_id, id=f"fw-{fw_id}")
            with Horizontal(classes="row wrap"):
                yield Checkbox("shared only", f.shared_only, id="shared")
                yield Checkbox("key controls only", f.key_only, id="key")
                yield Checkbox("gaps only", f.gaps_only, id="gaps")
                yield Checkbox("mine (owner is me)", f.mine, id="mine")
                yield Checkbox("overdue", f.overdue, id="overdue")
            yield Input(f.owner or "", placeholder="owner contains…", id="owner", compact=True)
            yield Label("Order", classes="section")
            with RadioSet(id="sort"):
                for key in SORT_KEYS:
                    yield RadioButton(key, key == self.sort, id=f"sort-{key}")
            with Horizontal(classes="row buttons"):
                yield Button("Apply", variant="primary", id="apply", compact=True)
                yield Button("Clear all", id="clear", compact=True)
            yield Label("space: toggle · enter: apply · escape: cancel", classes="hint")

    def _collect(self) -> tuple[Filters, str]:
        statuses = frozenset(s for s in STATUS_LABELS if self.query_one(f"#st-{s}", Checkbox).value)
        pressed = self.query_one("#fw", RadioSet).pressed_button
        fw = None
        if pressed is not None and pressed.id and pressed.id != "fw-any":
            fw = pressed.id.removeprefix("fw-")
        owner = self.query_one("#owner", Input).value.strip() or None
        order = self.query_one("#sort", RadioSet).pressed_button
        sort = (order.id or "sort-id").removeprefix("sort-") if order is not None else "id"
        filters = Filters(
            statuses=statuses,
            framework=fw,
            shared_only=self.query_one("#shared", Checkbox).value,
            owner=owner,
            gaps_only=self.query_one("#gaps", Checkbox).value,
            key_only=self.query_one("#key", Checkbox).value,
            mine=self.query_one("#mine", Checkbox).value,
            overdue=self.query_one("#overdue", Checkbox).value,
        )
        return filters, sort

    def action_apply(self) -> None:
        focused = self.focused
        if isinstance(focused, Button) and focused.id == "clear":
            self.dismiss((Filters(), self.sort))
            return
        self.dismiss(self._collect())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((Filters(), self.sort) if event.button.id == "clear" else self._collect())


class ScopePrompt(_Modal):
    """Switch optional parts in or out of scope: SOC 2's categories (Availability,
    Confidentiality, ...) and the SOX requirements usually outside ICFR."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
        Binding("enter", "apply", "Apply", priority=True, show=False),
        # Checkboxes do not take the arrows: here they move between them.
        Binding("down", "app.focus_next", "Next", show=False),
        Binding("up", "app.focus_previous", "Previous", show=False),
    ]

    def __init__(self, groups: list[tuple[str, str, str, bool]]) -> None:
        """groups: (framework id, group id, label, in scope)."""
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Scope", classes="dialog-title")
            yield Label("Optional parts in scope (SOC 2 Security is always in):", classes="hint")
            with VerticalScroll(classes="choices"):
                for i, (_fw, _gid, label, on) in enumerate(self.groups):
                    yield Checkbox(label, on, id=f"scope-{i}")
            with Horizontal(classes="row buttons"):
                yield Button("Apply", variant="primary", id="apply", compact=True)
            yield Label("↑/↓: move · space: toggle · enter: apply · escape: cancel", classes="hint")

    def action_apply(self) -> None:
        result = {
            (fw, gid): self.query_one(f"#scope-{i}", Checkbox).value
            for i, (fw, gid, _label, _on) in enumerate(self.groups)
        }
        self.dismiss(result)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply()
