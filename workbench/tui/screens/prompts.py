"""Small modal prompts: a text value, evidence, filters and scope. Each dismisses with a value
(or None when cancelled) and validates before it does, so the screen below gets clean input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet

from workbench.core import validate
from workbench.core.browse import Filters
from workbench.core.store import ValidationError
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
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
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


class EvidencePrompt(_Modal):
    """Attach evidence: a file path, URL or note, a title, and the period it covers."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Attach evidence", classes="dialog-title")
            yield Input(placeholder="file path, https:// URL, or a note", id="ev-ref")
            yield Input(placeholder="title (optional)", id="ev-title")
            with Horizontal(classes="row"):
                yield Input(placeholder="covers from YYYY-MM-DD", id="ev-from")
                yield Input(placeholder="to YYYY-MM-DD", id="ev-to")
            yield Label("", id="prompt-error", classes="error", markup=False)
            yield Label("tab: next field · enter: attach · escape: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        ref = self.query_one("#ev-ref", Input).value.strip()
        error = None
        start = end = None
        if not ref:
            error = "give a file path, a URL or a note"
        else:
            try:
                start = parse_date(self.query_one("#ev-from", Input).value)
                end = parse_date(self.query_one("#ev-to", Input).value)
            except ValidationError as exc:
                error = str(exc)
            if error is None and start and end and end < start:
                error = "the period ends before it starts"
            if error is None and _looks_like_path(ref) and not Path(ref).expanduser().exists():
                error = f"no such file: {ref} (a URL must start with http:// or https://)"
        if error:
            self.query_one("#prompt-error", Label).update(error)
            return
        title = self.query_one("#ev-title", Input).value.strip() or None
        self.dismiss({"ref": ref, "title": title, "effective_from": start, "effective_to": end})


def _looks_like_path(ref: str) -> bool:
    if "://" in ref:
        return False
    return ref.startswith(("/", "~", "./", "../")) or (" " not in ref and "." in Path(ref).name)


class FilterPrompt(_Modal):
    """Every filter at once; enter or the button applies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
    ]

    def __init__(self, filters: Filters, frameworks: list[tuple[str, str]]) -> None:
        super().__init__()
        self.filters = filters
        self.frameworks = frameworks

    def compose(self) -> ComposeResult:
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
            yield Input(f.owner or "", placeholder="owner contains…", id="owner")
            with Horizontal(classes="row buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Clear all", id="clear")
            yield Label("space: toggle · ctrl+s or enter: apply · escape: cancel", classes="hint")

    def _collect(self) -> Filters:
        statuses = frozenset(s for s in STATUS_LABELS if self.query_one(f"#st-{s}", Checkbox).value)
        pressed = self.query_one("#fw", RadioSet).pressed_button
        fw = None
        if pressed is not None and pressed.id and pressed.id != "fw-any":
            fw = pressed.id.removeprefix("fw-")
        owner = self.query_one("#owner", Input).value.strip() or None
        return Filters(
            statuses=statuses,
            framework=fw,
            shared_only=self.query_one("#shared", Checkbox).value,
            owner=owner,
            gaps_only=self.query_one("#gaps", Checkbox).value,
            key_only=self.query_one("#key", Checkbox).value,
        )

    def action_apply(self) -> None:
        self.dismiss(self._collect())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(Filters() if event.button.id == "clear" else self._collect())


class ScopePrompt(_Modal):
    """Switch optional parts in or out of scope: SOC 2's categories (Availability,
    Confidentiality, ...) and the SOX requirements usually outside ICFR."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
    ]

    def __init__(self, groups: list[tuple[str, str, str, bool]]) -> None:
        """groups: (framework id, group id, label, in scope)."""
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Scope", classes="dialog-title")
            yield Label("Optional parts in scope (SOC 2 Security is always in):", classes="hint")
            for i, (_fw, _gid, label, on) in enumerate(self.groups):
                yield Checkbox(label, on, id=f"scope-{i}")
            with Horizontal(classes="row buttons"):
                yield Button("Apply", variant="primary", id="apply")
            yield Label("space: toggle · ctrl+s: apply · escape: cancel", classes="hint")

    def action_apply(self) -> None:
        result = {
            (fw, gid): self.query_one(f"#scope-{i}", Checkbox).value
            for i, (fw, gid, _label, _on) in enumerate(self.groups)
        }
        self.dismiss(result)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply()
