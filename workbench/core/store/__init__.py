"""The store: control status, evidence, settings and a tamper-evident history in SQLite.

from workbench.core.store import Store, resolve_actor

with Store.open(path) as store:
    store.mark(["CC1.1"], "effective", actor=resolve_actor(None))
"""

from ..status import STATUSES, Status
from .errors import (
    DatabaseLocked,
    NewerSchemaError,
    NotAWorkbenchDatabase,
    NothingToUndo,
    StaleVersionError,
    StoreError,
    UnknownControlError,
    ValidationError,
)
from .history import GENESIS_HASH, canonical, event_hash
from .schema import APPLICATION_ID, CONTROL_FIELDS, SCHEMA_VERSION
from .store import (
    UNCHANGED,
    ControlState,
    Event,
    Evidence,
    EvidenceCheck,
    Store,
    Unchanged,
    VerifyResult,
    format_at,
    parse_at,
    parse_date,
    resolve_actor,
)

__all__ = [
    "APPLICATION_ID",
    "CONTROL_FIELDS",
    "GENESIS_HASH",
    "SCHEMA_VERSION",
    "STATUSES",
    "UNCHANGED",
    "ControlState",
    "DatabaseLocked",
    "Event",
    "Evidence",
    "EvidenceCheck",
    "NewerSchemaError",
    "NotAWorkbenchDatabase",
    "NothingToUndo",
    "StaleVersionError",
    "Status",
    "Store",
    "StoreError",
    "Unchanged",
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
