"""Tables (SQLModel) and the schema version kept in `PRAGMA user_version`.

The models describe the current schema (the basis for a backend that speaks SQLAlchemy, such
as the coming PostgreSQL one). The DDL that creates or upgrades a database is frozen in ordered
upgrade steps (UPGRADES[i] takes a database from version i to i + 1; their text is in ddl.py),
so a later change to a model never changes what an old step does. A test checks that the models
and the DDL agree.

Imported only when a database must be created or upgraded: SQLModel and SQLAlchemy take about
0.4 s to import, and the SQLite store reads and writes with plain SQL through sqlite3.

Every workbench database also carries `PRAGMA application_id` = APPLICATION_ID, set in the same
transaction as the first schema: a file without it (and with any schema at all) is not ours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, cast

from sqlalchemy import Table
from sqlmodel import Field, SQLModel

from . import format as _format
from .ddl import V1, V2
from .format import APPLICATION_ID

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "TABLES", "UPGRADES", "upgrade"]


class ControlStateRow(SQLModel, table=True):
    __tablename__ = "control_state"

    control_id: str = Field(primary_key=True)
    status: str
    owner: str | None = None
    due: str | None = None  # YYYY-MM-DD
    notes: str | None = None
    justification: str | None = None
    updated_at: str  # UTC, see store.format_at
    updated_by: str
    version: int


class EvidenceRow(SQLModel, table=True):
    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    control_id: str = Field(index=True)
    kind: str  # file | url | note
    ref: str
    title: str | None = None
    sha256: str | None = None
    size: int | None = None
    effective_from: str | None = None
    effective_to: str | None = None
    added_at: str
    added_by: str
    removed_at: str | None = None
    removed_by: str | None = None


class SettingRow(SQLModel, table=True):
    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str
    updated_at: str
    updated_by: str


class HistoryRow(SQLModel, table=True):
    __tablename__ = "history"

    seq: int = Field(primary_key=True)
    action: int
    undoes: int | None = None
    at: str
    actor: str
    control_id: str | None = None
    field: str
    old_value: str | None = None
    new_value: str | None = None
    prev_hash: str
    hash: str


class PeriodRow(SQLModel, table=True):
    __tablename__ = "audit_period"

    name: str = Field(primary_key=True)
    frameworks: str  # framework ids, comma-separated
    starts_on: str
    ends_on: str
    as_of: str | None = None
    created_at: str
    created_by: str


class ControlTestRow(SQLModel, table=True):
    __tablename__ = "control_test"

    id: int | None = Field(default=None, primary_key=True)
    control_id: str = Field(index=True)
    period: str
    kind: str  # design | operating
    performed_on: str | None = None
    performer: str | None = None
    conclusion: str | None = None
    population: int | None = None
    risk: str | None = None
    required: int | None = None
    basis: str | None = None
    notes: str | None = None
    evidence_id: int | None = None
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str


class SampleRow(SQLModel, table=True):
    __tablename__ = "test_sample"

    id: int | None = Field(default=None, primary_key=True)
    test_id: int = Field(index=True)
    control_id: str
    period: str
    occurred_on: str | None = None
    ref: str | None = None
    result: str
    notes: str | None = None
    evidence_id: int | None = None
    created_at: str
    created_by: str


class FindingRow(SQLModel, table=True):
    __tablename__ = "finding"

    id: int | None = Field(default=None, primary_key=True)
    control_id: str = Field(index=True)
    period: str
    severity: str
    summary: str
    samples: str | None = None  # sample ids, comma-separated
    owner: str | None = None
    due: str | None = None
    status: str
    remediated_on: str | None = None
    notes: str | None = None
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str


def table(model: type[SQLModel]) -> Table:
    """The Core table behind a model."""
    return cast(Table, cast(Any, model).__table__)


control_state = table(ControlStateRow)
evidence = table(EvidenceRow)
setting = table(SettingRow)
history = table(HistoryRow)
audit_period = table(PeriodRow)
control_test = table(ControlTestRow)
test_sample = table(SampleRow)
finding = table(FindingRow)
TABLES: tuple[Table, ...] = (
    control_state,
    evidence,
    setting,
    history,
    audit_period,
    control_test,
    test_sample,
    finding,
)


# ---------------------------------------------------------------------------------------------
# Upgrade steps (the DDL is frozen in ddl.py). Never edit a released step: add a new one.


class DDLConnection(Protocol):
    """What an upgrade step needs: an SQLAlchemy Connection, or the store's sqlite3 adapter."""

    def exec_driver_sql(self, statement: str, /) -> Any: ...


def _upgrade_0_to_1(conn: DDLConnection) -> None:
    for statement in V1:
        conn.exec_driver_sql(statement)


def _upgrade_1_to_2(conn: DDLConnection) -> None:
    for statement in V2:
        conn.exec_driver_sql(statement)


UPGRADES: tuple[Callable[[DDLConnection], None], ...] = (_upgrade_0_to_1, _upgrade_1_to_2)
SCHEMA_VERSION = len(UPGRADES)
if SCHEMA_VERSION != _format.SCHEMA_VERSION:  # pragma: no cover - caught by any test run
    raise RuntimeError("format.SCHEMA_VERSION must equal the number of upgrade steps")


def upgrade(conn: DDLConnection, found: int) -> None:
    """Run the steps from `found` to SCHEMA_VERSION inside the caller's transaction."""
    for version in range(found, SCHEMA_VERSION):
        UPGRADES[version](conn)
        conn.exec_driver_sql(f"PRAGMA user_version = {version + 1}")
