"""The status vocabulary: the exact names used by the store, the CLI, the TUI and exports."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    EFFECTIVE = "effective"
    DEFICIENT = "deficient"
    NOT_APPLICABLE = "not_applicable"


# In workflow order; the default (no record) first.
STATUSES: tuple[str, ...] = (
    "not_started",
    "in_progress",
    "implemented",
    "effective",
    "deficient",
    "not_applicable",
)

DEFAULT_STATUS = Status.NOT_STARTED

# The one set of status words, for every screen, command and export (keyed by the stored
# name, so a plain string looks a label up too).
STATUS_LABELS: dict[str, str] = {
    Status.NOT_STARTED: "not started",
    Status.IN_PROGRESS: "in progress",
    Status.IMPLEMENTED: "implemented",
    Status.EFFECTIVE: "effective",
    Status.DEFICIENT: "deficient",
    Status.NOT_APPLICABLE: "not applicable",
}

STATUS_DESCRIPTIONS: dict[Status, str] = {
    Status.NOT_STARTED: "no work recorded yet (the default for every control)",
    Status.IN_PROGRESS: "being designed or put in place",
    Status.IMPLEMENTED: "designed and in place: ready for a Type I / test-of-design view",
    Status.EFFECTIVE: "operating effectively over the period: ready for a Type II / SOX "
    "operating view",
    Status.DEFICIENT: "a test found it failing",
    Status.NOT_APPLICABLE: "out of scope; requires a justification",
}


class UnknownStatusError(ValueError):
    """A status name that is not in the vocabulary; the message lists the valid ones."""

    def __init__(self, value: str) -> None:
        super().__init__(f"unknown status {value!r} (valid: {', '.join(STATUSES)})")
        self.value = value


def parse_status(value: str | Status) -> Status:
    """The Status for an exact name, also accepting any case and '-' or ' ' for '_'."""
    if isinstance(value, Status):
        return value
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Status(key)
    except ValueError:
        raise UnknownStatusError(value) from None


def is_status(value: str) -> bool:
    try:
        parse_status(value)
    except UnknownStatusError:
        return False
    return True


def requires_justification(status: str | Status) -> bool:
    """Only `not_applicable` needs a written justification."""
    return parse_status(status) is Status.NOT_APPLICABLE


assert tuple(s.value for s in Status) == STATUSES
