"""Tables (SQLModel) and the schema version kept in `PRAGMA user_version`.

The models describe the current schema for queries. The DDL that creates or upgrades a database
is frozen in ordered upgrade steps (UPGRADES[i] takes a database from version i to i + 1), so a
later change to a model never changes what an old step does. A test checks that the models and
the DDL agree.

Every workbench database also carries `PRAGMA application_id` = APPLICATION_ID, set in the same
transaction as the first schema: a file without it (and with any schema at all) is not ours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table
from sqlmodel import Field, SQLModel

from . import format as _format
from .format import APPLICATION_ID, CONTROL_FIELDS, EVIDENCE_FIELD, SETTING_PREFIX

__all__ = ["APPLICATION_ID", "CONTROL_FIELDS", "EVIDENCE_FIELD", "SETTING_PREFIX"]


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
    """The Core table behind a model (the store writes through Core for speed)."""
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
# Upgrade steps. Never edit a released step: add a new one.

_V1: Sequence[str] = (
    """
    CREATE TABLE control_state (
        control_id    TEXT PRIMARY KEY NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress',
                          'implemented', 'effective', 'deficient', 'not_applicable')),
        owner         TEXT,
        due           TEXT,
        notes         TEXT,
        justification TEXT,
        updated_at    TEXT NOT NULL,
        updated_by    TEXT NOT NULL,
        version       INTEGER NOT NULL CHECK (version >= 1)
    )
    """,
    """
    CREATE TABLE evidence (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        control_id     TEXT NOT NULL,
        kind           TEXT NOT NULL CHECK (kind IN ('file', 'url', 'note')),
        ref            TEXT NOT NULL,
        title          TEXT,
        sha256         TEXT,
        size           INTEGER,
        effective_from TEXT,
        effective_to   TEXT,
        added_at       TEXT NOT NULL,
        added_by       TEXT NOT NULL,
        removed_at     TEXT,
        removed_by     TEXT
    )
    """,
    "CREATE INDEX ix_evidence_control_id ON evidence (control_id)",
    """
    CREATE TABLE setting (
        key        TEXT PRIMARY KEY NOT NULL,
        value      TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE history (
        seq        INTEGER PRIMARY KEY,
        action     INTEGER NOT NULL,
        undoes     INTEGER,
        at         TEXT NOT NULL,
        actor      TEXT NOT NULL,
        control_id TEXT,
        field      TEXT NOT NULL,
        old_value  TEXT,
        new_value  TEXT,
        prev_hash  TEXT NOT NULL,
        hash       TEXT NOT NULL UNIQUE
    )
    """,
    "CREATE INDEX ix_history_control_seq ON history (control_id, seq)",
    "CREATE INDEX ix_history_action ON history (action)",
    """
    CREATE TRIGGER history_no_update BEFORE UPDATE ON history
    BEGIN
        SELECT RAISE(ABORT, 'history is append-only: events cannot be changed');
    END
    """,
    """
    CREATE TRIGGER history_no_delete BEFORE DELETE ON history
    BEGIN
        SELECT RAISE(ABORT, 'history is append-only: events cannot be deleted');
    END
    """,
    f"PRAGMA application_id = {APPLICATION_ID}",
)

HISTORY_TRIGGERS: tuple[str, ...] = ("history_no_update", "history_no_delete")


def normal_sql(sql: str) -> str:
    """SQL with runs of whitespace made one space: how sqlite_master's text is compared."""
    return " ".join(sql.split())


# The exact text of each trigger, as sqlite_master keeps it: verify compares the full SQL,
# so a trigger recreated under the same name with a `WHEN 0` body is caught.
TRIGGER_SQL: dict[str, str] = {
    normal_sql(statement).split()[2]: normal_sql(statement)
    for statement in _V1
    if normal_sql(statement).startswith("CREATE TRIGGER ")
}


def _upgrade_0_to_1(conn: Connection) -> None:
    for statement in _V1:
        conn.exec_driver_sql(statement)


# Version 2: control testing (audit periods, tests of design and operating effectiveness,
# samples, findings). Rows change only together with a history event "<kind>:<key>".
_V2: Sequence[str] = (
    """
    CREATE TABLE audit_period (
        name       TEXT PRIMARY KEY NOT NULL,
        frameworks TEXT NOT NULL,
        starts_on  TEXT NOT NULL,
        ends_on    TEXT NOT NULL,
        as_of      TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        CHECK (starts_on <= ends_on)
    )
    """,
    """
    CREATE TABLE control_test (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        control_id   TEXT NOT NULL,
        period       TEXT NOT NULL,
        kind         TEXT NOT NULL CHECK (kind IN ('design', 'operating')),
        performed_on TEXT,
        performer    TEXT,
        conclusion   TEXT CHECK (conclusion IS NULL OR conclusion IN ('effective', 'ineffective')),
        population   INTEGER CHECK (population IS NULL OR population >= 0),
        risk         TEXT CHECK (risk IS NULL OR risk IN ('low', 'moderate', 'high')),
        required     INTEGER CHECK (required IS NULL OR required >= 0),
        basis        TEXT,
        notes        TEXT,
        evidence_id  INTEGER,
        created_at   TEXT NOT NULL,
        created_by   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        updated_by   TEXT NOT NULL
    )
    """,
    "CREATE INDEX ix_control_test_control_id ON control_test (control_id)",
    """
    CREATE UNIQUE INDEX ux_control_test_operating ON control_test (control_id, period)
        WHERE kind = 'operating'
    """,
    """
    CREATE TABLE test_sample (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        test_id     INTEGER NOT NULL,
        control_id  TEXT NOT NULL,
        period      TEXT NOT NULL,
        occurred_on TEXT,
        ref         TEXT,
        result      TEXT NOT NULL CHECK (result IN ('pass', 'exception')),
        notes       TEXT,
        evidence_id INTEGER,
        created_at  TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        CHECK (occurred_on IS NOT NULL OR ref IS NOT NULL)
    )
    """,
    "CREATE INDEX ix_test_sample_test_id ON test_sample (test_id)",
    """
    CREATE TABLE finding (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        control_id    TEXT NOT NULL,
        period        TEXT NOT NULL,
        severity      TEXT NOT NULL CHECK (severity IN ('deficiency', 'significant_deficiency',
                          'material_weakness')),
        summary       TEXT NOT NULL,
        samples       TEXT,
        owner         TEXT,
        due           TEXT,
        status        TEXT NOT NULL CHECK (status IN ('open', 'remediating', 'remediated',
                          'closed')),
        remediated_on TEXT,
        notes         TEXT,
        created_at    TEXT NOT NULL,
        created_by    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        updated_by    TEXT NOT NULL
    )
    """,
    "CREATE INDEX ix_finding_control_id ON finding (control_id)",
)


def _upgrade_1_to_2(conn: Connection) -> None:
    for statement in _V2:
        conn.exec_driver_sql(statement)


UPGRADES: tuple[Callable[[Connection], None], ...] = (_upgrade_0_to_1, _upgrade_1_to_2)
SCHEMA_VERSION = len(UPGRADES)
if SCHEMA_VERSION != _format.SCHEMA_VERSION:  # pragma: no cover - caught by any test run
    raise RuntimeError("format.SCHEMA_VERSION must equal the number of upgrade steps")


def upgrade(conn: Connection, found: int) -> None:
    """Run the steps from `found` to SCHEMA_VERSION inside the caller's transaction."""
    for version in range(found, SCHEMA_VERSION):
        UPGRADES[version](conn)
        conn.exec_driver_sql(f"PRAGMA user_version = {version + 1}")
