"""The history chain: canonical encoding of an event, SHA-256 chaining, and verification.

Pure functions over event mappings, no database: any backend appends and checks with these.

Each event's hash is SHA-256 over the canonical encoding of the event *including* the previous
event's hash, so changing, removing or reordering any stored event breaks the chain from that
point on. The encoding is JSON with sorted keys, no whitespace, UTF-8 (not ASCII-escaped), over
exactly the fields in HASHED_FIELDS; values are hashed as stored (text, integers or null).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from .canonical import canonical_json

GENESIS_HASH = "0" * 64


class Change(NamedTuple):
    """One field change to append to the chain (the store turns it into an event)."""

    control_id: str | None
    field: str
    old: str | None
    new: str | None


HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "action",
    "undoes",
    "at",
    "actor",
    "control_id",
    "field",
    "old_value",
    "new_value",
    "prev_hash",
)


def canonical(event: Mapping[str, Any]) -> bytes:
    """The exact bytes that are hashed for an event (keys from HASHED_FIELDS only)."""
    body = {name: event[name] for name in HASHED_FIELDS}
    return canonical_json(body).encode("utf-8")


def event_hash(event: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


class ChainBreak(NamedTuple):
    seq: int
    reason: str


class ChainReport(NamedTuple):
    checked: int  # events that verified before the first break (all of them when intact)
    total: int
    head_hash: str  # hash of the last event that verified (GENESIS_HASH for an empty chain)
    first_break: ChainBreak | None
    hashes: frozenset[str]  # every verified hash, for anchors


def check_chain(rows: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Walk events in stored `seq` order and report the first one that does not verify.

    A break is: a seq that is not the next integer (event missing or reordered), a prev_hash
    that is not the previous event's hash (missing, reordered or rewritten), or a hash that
    does not match the event's contents (edited).
    """
    expected_seq = 1
    prev = GENESIS_HASH
    checked = 0
    total = 0
    first: ChainBreak | None = None
    seen: set[str] = set()
    for row in rows:
        total += 1
        if first is not None:
            continue
        seq = row["seq"]
        if seq != expected_seq:
            if expected_seq == 1:
                why = f"the chain starts at seq {seq}, not 1: earlier event(s) are missing"
            else:
                why = f"seq {seq} follows seq {expected_seq - 1}: event(s) missing or reordered"
            first = ChainBreak(seq, why)
            continue
        if row["prev_hash"] != prev:
            where = "the start of the chain" if seq == 1 else f"event {seq - 1}"
            first = ChainBreak(
                seq,
                f"prev_hash does not match the hash of {where}: "
                "an event before it was removed, reordered or rewritten",
            )
            continue
        actual = event_hash(row)
        if row["hash"] != actual:
            first = ChainBreak(seq, "hash does not match the event's contents: it was edited")
            continue
        prev = actual
        seen.add(actual)
        checked += 1
        expected_seq += 1
    return ChainReport(checked, total, prev, first, frozenset(seen))
