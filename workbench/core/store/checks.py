"""The store's own checks of who writes and which controls: the last line before a write,
whatever the caller validated already (the CLI, the app, a script).

check_ids is the one check of control IDs in workbench: core/validate.py re-exports it for
the CLI and the app, so an unknown ID gets the same message wherever it is caught."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Sequence

from .errors import UnknownControlError, ValidationError
from .records import check_name


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


def check_actor(actor: str) -> str:
    who = actor.strip() if actor else ""
    if not who:
        raise ValidationError("an actor (who makes the change) is required")
    return check_name(who, "the actor name")
