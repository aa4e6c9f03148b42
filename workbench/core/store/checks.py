"""The store's own checks of who writes and which controls: the last line before a write,
whatever the caller validated already (the CLI, the app, a script)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .errors import UnknownControlError, ValidationError
from .records import check_name


def check_ids(control_ids: Sequence[str] | str, known: Collection[str] | None) -> list[str]:
    """The IDs stripped and without repeats; refuses empty ones, control characters and
    (with `known`) IDs outside it."""
    if isinstance(control_ids, str):
        control_ids = [control_ids]
    ids = list(dict.fromkeys(cid.strip() for cid in control_ids))
    if not ids:
        raise ValidationError("no control ID given")
    if any(not cid for cid in ids):
        raise ValidationError("a control ID is empty")
    for cid in ids:
        check_name(cid, "control ID")
    if known is not None:
        unknown = tuple(cid for cid in ids if cid not in known)
        if unknown:
            raise UnknownControlError(
                f"unknown control ID{'s' if len(unknown) > 1 else ''}: " + ", ".join(unknown),
                unknown,
            )
    return ids


def check_actor(actor: str) -> str:
    who = actor.strip() if actor else ""
    if not who:
        raise ValidationError("an actor (who makes the change) is required")
    return check_name(who, "the actor name")
