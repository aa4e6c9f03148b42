"""What the rest of workbench may ask of a store, by concern, independent of the database.

The SQLite store (store.py) implements StoreProtocol, and mypy checks that it does
(store.py ends with the proof). A PostgreSQL store for teams implements the same protocol;
nothing here names SQLite, SQLAlchemy or a connection: arguments and results are plain values
and the records of records.py and testing_records.py.

The rules every implementation keeps: each write is one transaction and one action in the
hash-chained history (chain.py, canonical.py), stamped with one time from the store's clock;
anything invalid raises ValidationError (a StoreError) before anything is written; reads never
crash on forged or damaged values (UnreadableTime, UnreadableDate); `verify` reports any row
that history does not back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Self

from ..status import Status
from .evidence import Resolved
from .records import (
    UNCHANGED,
    ControlState,
    Event,
    Evidence,
    EvidenceCheck,
    Unchanged,
    VerifyResult,
)
from .testing_records import AuditRecords, ControlTest, Finding, OperatingPlan, Period, Sample

if TYPE_CHECKING:
    from ..catalog import CatalogSet


class Lifecycle(Protocol):
    """The open store itself: where it is, whether opening created it, and closing it."""

    path: Path | None  # the database file; None when the store is not a local file
    created: bool  # whether opening created a new, empty database

    @property
    def display_name(self) -> str: ...

    @property
    def busy_timeout(self) -> float:
        """Seconds a write waits for another writer before it gives up."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *_exc: object) -> None: ...

    def data_version(self) -> int:
        """A number that changes whenever another process commits: cheap enough to poll."""
        ...

    def writer_busy(self) -> bool:
        """Whether another writer holds the write lock now (a probe that never waits)."""
        ...


class StateStore(Protocol):
    """Control state: status, owner, due date, notes, justification."""

    def states(self) -> dict[str, ControlState]: ...

    def state(self, control_id: str) -> ControlState: ...

    def orphans(self, catalog: CatalogSet) -> list[ControlState]: ...

    def mark(
        self,
        control_ids: Sequence[str],
        status: str | Status,
        *,
        actor: str,
        note: str | None = None,
        owner: str | None = None,
        due: date | None = None,
        justification: str | None = None,
        expected_versions: Mapping[str, int] | None = None,
        known: Collection[str] | None = None,
    ) -> list[Event]: ...

    def update(
        self,
        control_ids: Sequence[str] | str,
        *,
        actor: str,
        owner: str | Unchanged | None = UNCHANGED,
        due: date | Unchanged | None = UNCHANGED,
        notes: str | Unchanged | None = UNCHANGED,
        justification: str | Unchanged | None = UNCHANGED,
        expected_version: int | None = None,
        known: Collection[str] | None = None,
    ) -> list[Event]: ...


class EvidenceStore(Protocol):
    """Evidence attached to controls (files by fingerprint, URLs, notes)."""

    def evidence(
        self, control_id: str | None = None, *, include_removed: bool = False
    ) -> list[Evidence]: ...

    def evidence_item(self, evidence_id: int) -> Evidence | None: ...

    def add_evidence(
        self,
        control_id: str,
        ref: str,
        *,
        actor: str,
        title: str | None = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
        kind: str | None = None,
        known: Collection[str] | None = None,
        base: Path | None = None,
        resolved: Resolved | None = None,
    ) -> Evidence: ...

    def remove_evidence(self, evidence_id: int, *, actor: str) -> list[Event]: ...

    def check_evidence(self, control_id: str | None = None) -> list[EvidenceCheck]: ...


class SettingsStore(Protocol):
    """Shared review decisions (scope, current audit periods), each change in history."""

    def settings(self) -> dict[str, str]: ...

    def set_setting(self, key: str, value: str | None, *, actor: str) -> list[Event]: ...


class HistoryStore(Protocol):
    """The hash-chained history: reading it, and undo (new events, never a rewrite)."""

    def history(
        self,
        control_id: str | None = None,
        since: datetime | date | None = None,
        limit: int | None = None,
        *,
        action: int | None = None,
    ) -> list[Event]: ...

    def head_hash(self) -> str: ...

    def undo_preview(self, actor: str | None = None) -> list[Event]: ...

    def undo(self, *, actor: str, anyone: bool = False) -> list[Event]:
        """Revert the newest action on the actor's undo stack (anyone's newest with
        `anyone`); undo after undo walks back in order."""
        ...

    def redo_preview(self, actor: str) -> list[Event]: ...

    def redo(self, *, actor: str) -> list[Event]:
        """Restore what the actor's newest undo reverted; a new change empties the redo
        stack."""
        ...


class ControlTestingStore(Protocol):
    """Control testing: audit periods, tests of design and operating effectiveness, samples
    and findings."""

    def audit_records(self) -> AuditRecords: ...

    def periods(self) -> list[Period]: ...

    def period(self, name: str) -> Period | None: ...

    def add_period(
        self,
        name: str,
        frameworks: Sequence[str],
        start: date,
        end: date,
        *,
        actor: str,
        as_of: date | None = None,
        use: bool | None = None,
    ) -> Period: ...

    def update_period(
        self,
        name: str,
        *,
        actor: str,
        start: date | Unchanged = UNCHANGED,
        end: date | Unchanged = UNCHANGED,
        as_of: date | Unchanged | None = UNCHANGED,
    ) -> tuple[Period, list[Event]]: ...

    def use_period(self, name: str, *, actor: str) -> list[Event]: ...

    def record_design_test(
        self,
        control_id: str,
        period: str,
        *,
        actor: str,
        performed_on: date,
        performer: str,
        conclusion: str,
        notes: str | None = None,
        evidence: str | None = None,
        known: Collection[str] | None = None,
        base: Path | None = None,
    ) -> ControlTest: ...

    def plan_operating_test(
        self,
        control_id: str,
        period: str,
        plan: OperatingPlan,
        *,
        actor: str,
        performer: str | None = None,
        notes: str | None = None,
        known: Collection[str] | None = None,
    ) -> tuple[ControlTest, list[Event]]: ...

    def add_sample(
        self,
        control_id: str,
        period: str,
        *,
        actor: str,
        result: str,
        occurred_on: date | None = None,
        ref: str | None = None,
        notes: str | None = None,
        evidence: str | None = None,
        plan: OperatingPlan | None = None,
        known: Collection[str] | None = None,
        base: Path | None = None,
    ) -> tuple[Sample, ControlTest]: ...

    def remove_sample(self, sample_id: int, *, actor: str) -> list[Event]: ...

    def add_finding(
        self,
        control_id: str,
        period: str,
        *,
        actor: str,
        severity: str,
        summary: str,
        samples: Sequence[int] = (),
        owner: str | None = None,
        due: date | None = None,
        status: str = "open",
        remediated_on: date | None = None,
        notes: str | None = None,
        known: Collection[str] | None = None,
    ) -> Finding: ...

    def update_finding(
        self,
        finding_id: int,
        *,
        actor: str,
        severity: str | Unchanged = UNCHANGED,
        summary: str | Unchanged = UNCHANGED,
        samples: Sequence[int] | Unchanged = UNCHANGED,
        owner: str | Unchanged | None = UNCHANGED,
        due: date | Unchanged | None = UNCHANGED,
        status: str | Unchanged = UNCHANGED,
        remediated_on: date | Unchanged | None = UNCHANGED,
        notes: str | Unchanged | None = UNCHANGED,
    ) -> tuple[Finding, list[Event]]: ...


class VerifyStore(Protocol):
    def verify(self, anchor: str | None = None) -> VerifyResult:
        """The chain, every table against history, the triggers, and `anchor` if given."""
        ...


class StoreProtocol(
    Lifecycle,
    StateStore,
    EvidenceStore,
    SettingsStore,
    HistoryStore,
    ControlTestingStore,
    VerifyStore,
    Protocol,
):
    """Everything workbench asks of a store."""
