"""The store: control status, evidence, settings and a tamper-evident history in SQLite.

from workbench.core.store import Store, resolve_actor

with Store.open(path) as store:
    store.mark(["CC1.1"], "effective", actor=resolve_actor(None))

`StoreProtocol` (protocol.py) is what the rest of workbench may ask of a store; `Store` is the
SQLite one (stdlib sqlite3 and plain SQL: it opens in a few milliseconds). SQLModel and
SQLAlchemy are only imported when a database is created or upgraded (schema.py).
"""

from __future__ import annotations

from ..status import STATUSES, Status
from .canonical import canonical_json
from .chain import GENESIS_HASH, canonical, event_hash
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
from .protocol import StoreProtocol
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
from .store import Store
from .testing_records import (
    AuditRecords,
    ControlTest,
    Finding,
    OperatingPlan,
    Period,
    Sample,
)

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
    "StoreProtocol",
    "Unchanged",
    "UndoConflict",
    "UnknownControlError",
    "ValidationError",
    "VerifyResult",
    "canonical",
    "canonical_json",
    "event_hash",
    "format_at",
    "parse_at",
    "parse_date",
    "resolve_actor",
]
