"""How workbench looks, for the CLI and the app alike: the one set of status, state and
severity words (from the core) with their Rich styles, and the views of a control
(control.py) and of a control's tests (testing.py) that `workbench show`, `workbench test
show`, the detail pane and the test screen all print."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.status import STATUS_LABELS
from workbench.core.store.testing_records import SEVERITY_LABELS

if TYPE_CHECKING:
    from rich.text import Text

__all__ = [
    "COVERAGE_STYLES",
    "EVIDENCE_STATE_STYLES",
    "FINDING_STATUS_STYLES",
    "SEVERITY_LABELS",
    "SEVERITY_STYLES",
    "SHARED_BADGE",
    "SHARED_STYLE",
    "STATE_STYLES",
    "STATUS_LABELS",
    "STATUS_STYLES",
    "VERDICT_STYLES",
    "label_style",
    "node_name",
    "severity_text",
    "status_text",
]

STATUS_STYLES: dict[str, str] = {
    "not_started": "dim",
    "in_progress": "yellow",
    "implemented": "cyan",
    "effective": "bold green",
    "deficient": "bold red",
    "not_applicable": "italic dim",
}
STATE_STYLES: dict[str, str] = {
    "met": "bold green",
    "partial": "yellow",
    "gap": "red",
    "deficient": "bold red",
    "unmapped": "magenta",
    "not_applicable": "italic dim",
    "out_of_scope": "dim",
}
SEVERITY_STYLES: dict[str, str] = {
    "material_weakness": "bold reverse red",
    "significant_deficiency": "bold red",
    "deficiency": "yellow",
}
FINDING_STATUS_STYLES: dict[str, str] = {
    "open": "bold",
    "remediating": "yellow",
    "remediated": "green",
    "closed": "dim",
}
VERDICT_STYLES: dict[str, str] = {
    "effective": "green",
    "insufficient": "yellow",
    "no_test": "yellow",
    "not_effective": "bold red",
}
# Evidence checked against its fingerprint (core/store: EvidenceCheck.state).
EVIDENCE_STATE_STYLES: dict[str, str] = {
    "ok": "dim",
    "changed": "bold red",
    "missing": "bold red",
    "unreadable": "bold yellow",
    "not_checked": "dim",
}
# A SOX coverage cell (account x assertion) by its state, on screen and in the CLI.
COVERAGE_STYLES: dict[str, str] = {
    "gap": "bold reverse red",
    "deficient": "bold red",
    "not_ready": "dim",
    "partial": "yellow",
    "met": "bold green",
}
SHARED_STYLE = "bold magenta"
SHARED_BADGE = "◆ both"


def status_text(status: str) -> Text:
    from rich.text import Text

    return Text(STATUS_LABELS.get(status, status), style=STATUS_STYLES.get(status, ""))


def severity_text(severity: str) -> Text:
    from rich.text import Text

    return Text(SEVERITY_LABELS.get(severity, severity), style=SEVERITY_STYLES.get(severity, ""))


def node_name(node_id: str, title: str) -> str:
    """A group or requirement as a person reads it: "CC1 Control Environment", but just
    "Security" where the ID only repeats the title ("SECURITY Security" said it twice)."""

    def letters(text: str) -> str:
        return "".join(ch for ch in text.casefold() if ch.isalnum())

    if not title:
        return node_id
    return title if letters(node_id) == letters(title) else f"{node_id} {title}"


def label_style(label: str) -> str:
    """How a readiness conclusion looks (ready green, failing red, unsupported yellow)."""
    if label == "ready":
        return "bold green"
    if label in ("not effective", "deficient") or label.startswith("design"):
        return "bold red"
    if "unsupported" in label:
        return "bold yellow"
    return "red"
