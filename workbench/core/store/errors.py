"""Errors raised by the store. Every message is written for the user: print it as it is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .records import Event


class StoreError(Exception):
    """Base class: a problem with the database or with a requested change."""


class NotAWorkbenchDatabase(StoreError):
    """The file exists but is not a workbench database (left unchanged)."""


class MissingDatabase(StoreError):
    """No database at the path, and the caller only reads: nothing was created."""


class NewerSchemaError(StoreError):
    """The database was written by a newer version of workbench (left unchanged)."""

    def __init__(self, message: str, found: int, supported: int) -> None:
        super().__init__(message)
        self.found = found
        self.supported = supported


class DatabaseLocked(StoreError):
    """Another process held the database for longer than the busy timeout."""


class ValidationError(StoreError):
    """A requested change is invalid (unknown status, missing justification...). Nothing was
    written."""


class UnknownControlError(ValidationError):
    def __init__(self, message: str, control_ids: tuple[str, ...]) -> None:
        super().__init__(message)
        self.control_ids = control_ids


class StaleVersionError(StoreError):
    """A change was made against an out-of-date version of a control. Nothing was written."""

    def __init__(self, conflicts: Mapping[str, tuple[int, int]]) -> None:
        self.conflicts = dict(conflicts)  # control_id -> (expected, actual)
        parts = [
            f"{cid} (you had version {exp}, it is now {act})"
            for cid, (exp, act) in sorted(self.conflicts.items())
        ]
        super().__init__(
            "changed by someone else since you loaded it: "
            + ", ".join(parts)
            + "; reload and try again"
        )


class NothingToUndo(StoreError):
    """The history holds no change (by this actor) to undo."""


class UndoConflict(StoreError):
    """What the action to undo changed has been changed again since. Nothing was written."""

    def __init__(self, action: int, later: Sequence[Event]) -> None:
        self.action = action
        self.later = list(later)
        first = self.later[0]
        what = first.field if first.control_id is None else f"{first.control_id} {first.field}"
        more = f" (and {len(self.later) - 1} more change(s))" if len(self.later) > 1 else ""
        super().__init__(
            f"cannot undo action {action}: {what} was changed again since, by {first.actor} "
            f"at {first.at:%Y-%m-%d %H:%M} UTC (action {first.action}){more}; undoing would "
            "overwrite that change. Nothing was written."
        )
