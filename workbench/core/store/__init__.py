"""The store: control status, evidence, settings and a tamper-evident history in SQLite.

from workbench.core.store import Store, resolve_actor

with Store.open(path) as store:
    store.mark(["CC1.1"], "effective", actor=resolve_actor(None))

Records, errors and format facts import without SQLAlchemy; `Store` and the history and schema
helpers load it on first use (PEP 562), so the app can paint its first screen from a plain
sqlite3 snapshot (snapshot.py) while the full store loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..status import STATUSES, Status
from .errors import (
    DatabaseLocked,
    MissingDatabase,
    NewerSchemaError,
    NotAWorkbenchDatabase,
    NothingToUndo,
    StaleVersionError,
    StoreError,
    UndoConflict,
    UnknownControlError,
    ValidationError,
)
from .format import APPLICATION_ID, CONTROL_FIELDS, SCHEMA_VERSION
from .records import (
    UNCHANGED,
    ControlState,
    Event,
    Evidence,
    EvidenceCheck,
    Unchanged,
    VerifyResult,
    format_at,
    parse_at,
    parse_date,
    resolve_actor,
)
from .testing_records import (
    AuditRecords,
    ControlTest,
    Finding,
    OperatingPlan,
    Period,
    Sample,
)

if TYPE_CHECKING:
    from .history import GENESIS_HASH, canonical, event_hash
    from .store import Store

_LAZY = {
    "Store": "store",
    "GENESIS_HASH": "history",
    "canonical": "history",
    "event_hash": "history",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)


__all__ = [
    "APPLICATION_ID",
    "CONTROL_FIELDS",
    "GENESIS_HASH",
    "SCHEMA_VERSION",
    "STATUSES",
    "UNCHANGED",
    "AuditRecords",
    "ControlState",
    "ControlTest",
    "DatabaseLocked",
    "Event",
    "Evidence",
    "EvidenceCheck",
    "Finding",
    "MissingDatabase",
    "NewerSchemaError",
    "NotAWorkbenchDatabase",
    "NothingToUndo",
    "OperatingPlan",
    "Period",
    "Sample",
    "StaleVersionError",
    "Status",
    "Store",
    "StoreError",
    "Unchanged",
    "UndoConflict",
    "UnknownControlError",
    "ValidationError",
    "VerifyResult",
    "canonical",
    "event_hash",
    "format_at",
    "parse_at",
    "parse_date",
    "resolve_actor",
]
