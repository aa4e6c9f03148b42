"""Result records of the store and their conversions from database rows.

Plain frozen dataclasses with no database import: the types of protocol.StoreProtocol, built
by any backend from its rows.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from enum import Enum
from typing import Any, Final, Literal, Protocol

from ..status import Status
from ..text import has_controls, neutralise
from .errors import ValidationError
from .format import SETTING_PREFIX


class Row(Protocol):
    """A database row read by column name (a sqlite3.Row, a mapping, a driver's row)."""

    def __getitem__(self, key: str, /) -> Any: ...


class Unchanged(Enum):
    """Sentinel type for "leave this field as it is" in Store.update."""

    UNCHANGED = "unchanged"

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = Unchanged.UNCHANGED


# ---------------------------------------------------------------------------------------------
# Values


def format_at(moment: datetime) -> str:
    """UTC, fixed width, so stored timestamps sort as text: 2025-01-31T09:05:00.000000Z."""
    if isinstance(moment, UnreadableTime):
        return moment.raw
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UnreadableTime(datetime):
    """A stored time that is not a time (a forged or damaged row): reading never crashes on
    it. It sorts as 1970-01-01 and shows as `unreadable time '<stored text>'`; `raw` keeps
    the stored text (format_at gives it back unchanged)."""

    raw: str

    def __new__(cls, raw: str) -> UnreadableTime:
        moment = super().__new__(cls, 1970, 1, 1, tzinfo=UTC)
        moment.raw = raw
        return moment

    def shown(self) -> str:
        return f"unreadable time {self.raw[:64]!r}"

    def strftime(self, _format: str) -> str:
        return self.shown()

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return self.shown()

    def astimezone(self, tz: tzinfo | None = None) -> UnreadableTime:
        return self

    def __str__(self) -> str:
        return self.shown()


class UnreadableDate(date):
    """A stored date that is not a date; as UnreadableTime (sorts as 1970-01-01)."""

    raw: str

    def __new__(cls, raw: str) -> UnreadableDate:
        day = super().__new__(cls, 1970, 1, 1)
        day.raw = raw
        return day

    def shown(self) -> str:
        return f"unreadable date {self.raw[:64]!r}"

    def isoformat(self) -> str:
        return self.shown()

    def strftime(self, _format: str) -> str:
        return self.shown()

    def __str__(self) -> str:
        return self.shown()


_AT_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ")
# Exactly what format_at writes: read with fromisoformat (C), ten times faster than strptime,
# which matters when verify or a report reads every event.
_AT_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z", re.ASCII)


def _written_at(text: object) -> datetime | None:
    if isinstance(text, str) and _AT_RE.fullmatch(text):
        try:
            return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def parse_at(text: str) -> datetime:
    """A stored UTC time. Also the same without microseconds; anything else is an
    UnreadableTime, reported by verify, never an exception."""
    moment = _written_at(text)
    if moment is not None:
        return moment
    for fmt in _AT_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except (ValueError, TypeError):
            continue
    return UnreadableTime(str(text))


def well_formed_at(text: object) -> bool:
    """Exactly the format workbench writes (format_at)."""
    return _written_at(text) is not None


def stored_date(text: str | None) -> date | None:
    """A stored YYYY-MM-DD date (None when empty); an UnreadableDate, never an exception."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except (ValueError, TypeError):
        return UnreadableDate(str(text))


DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)
TEXT_MAX_BYTES = 64 * 1024  # a note, justification, summary... (UTF-8)


def check_day(day: date, what: str = "date") -> date:
    """Refuse a date no audit record can mean (9999-12-31 is a typo, not a plan)."""
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            f"{what} {day.isoformat()} is out of range: expected a date from "
            f"{DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}"
        )
    return day


def parse_date(text: str, *, stored: bool = True) -> date:
    """A calendar date written YYYY-MM-DD; ValidationError says what was expected. A date to
    be `stored` must be in the sane range (check_day); a filter (--since) need not."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = date.fromisoformat(value)
            return check_day(day) if stored else day
        except ValueError:
            pass
    raise ValidationError(f"invalid date {text!r}: expected YYYY-MM-DD, e.g. 2025-03-31")


def check_name(value: str, what: str) -> str:
    """An actor name or an ID: no control characters, no undecodable bytes (it is shown in
    every listing and report, and compared exactly)."""
    bad = next((c for c in value if has_controls(c)), None)
    if bad is not None:
        raise ValidationError(
            f"{what} {neutralise(value, keep='')!r} contains a control character or invalid "
            f"UTF-8 ({neutralise(bad, keep='')}): not allowed"
        )
    return value


def check_text(value: str, what: str = "text") -> str:
    """Free text (notes, owners, titles): valid Unicode (no undecodable bytes) and at most
    TEXT_MAX_BYTES. Control characters are kept (newlines are meant); displays neutralise."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValidationError(
            f"the {what} is not valid UTF-8 text (undecodable bytes): not stored"
        ) from None
    if size > TEXT_MAX_BYTES:
        raise ValidationError(
            f"the {what} is {size:,} bytes: at most {TEXT_MAX_BYTES:,} (64 KiB) are allowed; "
            "attach a long text as an evidence file instead"
        )
    return value


def resolve_actor(cli_value: str | None = None) -> str:
    """--actor, else WORKBENCH_ACTOR, else the OS user name."""
    for source, candidate in (
        ("--actor", cli_value),
        ("WORKBENCH_ACTOR", os.environ.get("WORKBENCH_ACTOR")),
    ):
        if candidate and candidate.strip():
            return check_name(candidate.strip(), f"the actor name ({source})")
    import getpass  # only when neither is given (it loads termios)

    try:
        name = getpass.getuser().strip()
    except Exception:  # no USER/LOGNAME and no passwd entry (containers)
        name = ""
    if name:
        return name
    return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _clean(value: str | None, what: str = "text") -> str | None:
    if value is None:
        return None
    text = check_text(value, what).strip()
    return text or None


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class ControlState:
    control_id: str
    status: Status = Status.NOT_STARTED
    owner: str | None = None
    due: date | None = None
    notes: str | None = None
    justification: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
    version: int = 0  # 0: never recorded

    @property
    def recorded(self) -> bool:
        return self.version > 0

    def field_value(self, name: str) -> str | None:
        """The stored text of a tracked field (as it appears in history)."""
        if name == "status":
            return self.status.value
        if name == "due":
            return self.due.isoformat() if self.due else None
        value: str | None = getattr(self, name)
        return value

    def to_dict(self) -> dict[str, Any]:
        return {
            "control_id": self.control_id,
            "status": self.status.value,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "notes": self.notes,
            "justification": self.justification,
            "updated_at": format_at(self.updated_at) if self.updated_at else None,
            "updated_by": self.updated_by,
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    action: int
    undoes: int | None
    at: datetime
    actor: str
    control_id: str | None
    field: str
    old_value: str | None
    new_value: str | None
    prev_hash: str
    hash: str

    @property
    def setting_key(self) -> str | None:
        return self.field[len(SETTING_PREFIX) :] if self.field.startswith(SETTING_PREFIX) else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "action": self.action,
            "undoes": self.undoes,
            "at": format_at(self.at),
            "actor": self.actor,
            "control_id": self.control_id,
            "field": self.field,
            "old_value": self.old_value,
            "new_value": self.new_value,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    id: int
    control_id: str
    kind: str  # file | url | note
    ref: str  # absolute path, URL or the note's text
    title: str | None
    sha256: str | None
    size: int | None
    effective_from: date | None
    effective_to: date | None
    added_at: datetime
    added_by: str
    removed_at: datetime | None = None
    removed_by: str | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None

    @property
    def label(self) -> str:
        return self.title or self.ref

    def record(self) -> dict[str, Any]:
        """What history stores for this evidence (added / removed)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "ref": self.ref,
            "title": self.title,
            "sha256": self.sha256,
            "size": self.size,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.record(),
            "control_id": self.control_id,
            "added_at": format_at(self.added_at),
            "added_by": self.added_by,
            "removed_at": format_at(self.removed_at) if self.removed_at else None,
            "removed_by": self.removed_by,
        }


CheckState = Literal["ok", "missing", "changed", "unreadable", "not_checked"]


@dataclass(frozen=True, slots=True)
class EvidenceCheck:
    evidence: Evidence
    state: CheckState
    detail: str
    sha256_now: str | None = None
    size_now: int | None = None

    @property
    def problem(self) -> bool:
        return self.state in ("missing", "changed", "unreadable")

    def to_dict(self) -> dict[str, Any]:
        return {
            "evidence": self.evidence.to_dict(),
            "state": self.state,
            "detail": self.detail,
            "sha256_now": self.sha256_now,
            "size_now": self.size_now,
        }


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    events_checked: int  # events that verified before the first break (all when intact)
    events_total: int
    head_hash: str  # of the last event that verified
    first_broken_seq: int | None = None
    reason: str | None = None  # why the first broken event fails
    problems: tuple[str, ...] = ()  # other findings: state vs history, triggers, anchor
    anchor_found: bool | None = None  # None when no anchor was given

    @property
    def chain_ok(self) -> bool:
        return self.first_broken_seq is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "events_total": self.events_total,
            "head_hash": self.head_hash,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
            "problems": list(self.problems),
            "anchor_found": self.anchor_found,
        }


def _date_or_none(text: str | None) -> date | None:
    return stored_date(text)


def _state_from(row: Row) -> ControlState:
    return ControlState(
        control_id=row["control_id"],
        status=Status(row["status"]),
        owner=row["owner"],
        due=_date_or_none(row["due"]),
        notes=row["notes"],
        justification=row["justification"],
        updated_at=parse_at(row["updated_at"]),
        updated_by=row["updated_by"],
        version=row["version"],
    )


def state_from_row(row: Row) -> ControlState:
    """A ControlState from a control_state row (or a mapping with the same keys)."""
    return _state_from(row)


def _event_from(row: Row) -> Event:
    return Event(
        seq=row["seq"],
        action=row["action"],
        undoes=row["undoes"],
        at=parse_at(row["at"]),
        actor=row["actor"],
        control_id=row["control_id"],
        field=row["field"],
        old_value=row["old_value"],
        new_value=row["new_value"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def _evidence_from(row: Row) -> Evidence:
    return Evidence(
        id=row["id"],
        control_id=row["control_id"],
        kind=row["kind"],
        ref=row["ref"],
        title=row["title"],
        sha256=row["sha256"],
        size=row["size"],
        effective_from=_date_or_none(row["effective_from"]),
        effective_to=_date_or_none(row["effective_to"]),
        added_at=parse_at(row["added_at"]),
        added_by=row["added_by"],
        removed_at=parse_at(row["removed_at"]) if row["removed_at"] else None,
        removed_by=row["removed_by"],
    )
