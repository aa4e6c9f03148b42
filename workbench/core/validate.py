"""The one validation path: every value a person types is checked here, once, with one
message, whether it came through the CLI or the app.

The Workspace calls these before anything reaches the store; the store keeps its own
invariants (valid statuses, a justification for not_applicable, text limits, actors) with the
same functions, so a value refused in one place is refused with the same words everywhere.
Errors are ValidationError (UnknownControlError for unknown IDs): print the message as it is.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Sequence
from datetime import date

from workbench.core.status import Status, UnknownStatusError
from workbench.core.status import parse_status as _parse_status
from workbench.core.store.errors import UnknownControlError, ValidationError
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


def suggest(value: str, known: Iterable[str]) -> list[str]:
    """Close matches for a mistyped ID: the same ID in other letter case first."""
    pool = list(known)
    by_upper = {k.upper(): k for k in pool}
    exact = by_upper.get(value.upper())
    if exact is not None and exact != value:
        return [exact]
    return difflib.get_close_matches(value, pool, n=3, cutoff=0.6)


def check_ids(
    control_ids: Sequence[str] | str,
    known: Collection[str] | None,
    *,
    changing: bool = True,
) -> list[str]:
    """Control IDs as given (stripped, each once, in order). Refuses an empty list, an empty
    ID, control characters and, with `known`, unknown IDs: one UnknownControlError naming
    every unknown ID with its close matches ("did you mean ...?")."""
    if isinstance(control_ids, str):
        control_ids = [control_ids]
    ids = list(dict.fromkeys(cid.strip() for cid in control_ids))
    if not ids:
        raise ValidationError("no control ID given")
    if any(not cid for cid in ids):
        raise ValidationError("a control ID is empty")
    for cid in ids:
        check_name(cid, "control ID")
    if known is None:
        return ids
    unknown = [cid for cid in ids if cid not in known]
    if unknown:
        parts = []
        for cid in unknown:
            close = suggest(cid, known)
            parts.append(f"{cid} (did you mean {' or '.join(close)}?)" if close else cid)
        plural = "s" if len(unknown) > 1 else ""
        outcome = "; nothing was changed" if changing else ""
        raise UnknownControlError(
            f"unknown control ID{plural}: {', '.join(parts)}{outcome} "
            "(`workbench validate` checks the loaded catalogs)",
            tuple(unknown),
        )
    return ids


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
