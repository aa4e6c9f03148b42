"""The one validation path: every value a person types is checked here, once, with one
message, whether it came through the CLI or the app.

The Workspace calls these before anything reaches the store; the store keeps its own
invariants (valid statuses, a justification for not_applicable, text limits, actors) with the
same functions, so a value refused in one place is refused with the same words everywhere.
Errors are ValidationError (UnknownControlError for unknown IDs): print the message as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from workbench.core.status import Status, UnknownStatusError
from workbench.core.status import parse_status as _parse_status
from workbench.core.store.checks import check_ids, suggest
from workbench.core.store.errors import ValidationError
from workbench.core.store.records import (
    TEXT_MAX_BYTES,
    check_day,
    check_name,
    check_text,
    parse_date,
)

__all__ = [
    "TEXT_MAX_BYTES",
    "check_day",
    "check_ids",
    "check_justification",
    "check_name",
    "check_text",
    "optional_date",
    "parse_date",
    "parse_status",
    "suggest",
]


def parse_status(value: str | Status) -> Status:
    """A status by its exact name (`effective`), its label (`in progress`) or in any case."""
    try:
        return _parse_status(value)
    except UnknownStatusError as exc:
        raise ValidationError(str(exc)) from None


def check_justification(status: Status, justification: str | None, ids: Sequence[str]) -> None:
    """not_applicable needs a reason: an auditor asks why a control is out of scope."""
    if status is Status.NOT_APPLICABLE and not (justification or "").strip():
        raise ValidationError(
            f"not_applicable needs a justification ({', '.join(ids)}): say why the "
            "control is out of scope"
        )


def optional_date(text: str) -> date | None:
    """What a date field of a form holds: empty is None, else exactly YYYY-MM-DD in the range
    an audit record can mean (the same rule as the CLI's date arguments)."""
    if not text.strip():
        return None
    return parse_date(text)
