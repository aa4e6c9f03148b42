"""The frozen DDL of each schema version, as text (no database toolkit needed to read it).

schema.py runs these statements as its upgrade steps; verify compares the triggers that keep
history append-only with their text here. Never edit a released version: add a new one.
"""

from __future__ import annotations

from collections.abc import Sequence

from .format import APPLICATION_ID

V1: Sequence[str] = (
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
    for statement in V1
    if normal_sql(statement).startswith("CREATE TRIGGER ")
}


# Version 2: control testing (audit periods, tests of design and operating effectiveness,
# samples, findings). Rows change only together with a history event "<kind>:<key>".
V2: Sequence[str] = (
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
