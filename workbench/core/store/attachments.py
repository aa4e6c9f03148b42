"""Evidence attached to controls, in the SQLite store: add, remove (kept, marked removed), list
and check against the recorded fingerprints. What a reference is and how a file is hashed is
evidence.py; history keeps each item's canonical record as the event's old or new value.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .canonical import canonical_json
from .chain import Change
from .checks import check_actor, check_ids
from .errors import ValidationError
from .evidence import Fingerprint, Resolved, check_file, resolve_reference
from .format import EVIDENCE_FIELD
from .records import (
    CheckState,
    Event,
    Evidence,
    EvidenceCheck,
    _clean,
    _evidence_from,
    check_day,
)

if TYPE_CHECKING:
    from .tx import Database, Reader, Tx


def load_evidence(db: Reader, evidence_id: int) -> Evidence | None:
    row = db.one("SELECT * FROM evidence WHERE id = ?", (evidence_id,))
    return _evidence_from(row) if row is not None else None


def insert_evidence(
    tx: Tx,
    cid: str,
    resolved: Resolved,
    *,
    title: str | None,
    effective_from: date | None,
    effective_to: date | None,
) -> tuple[Evidence, Change]:
    """Attach a resolved reference to `cid`; the item and the history change to append."""
    fp = resolved.fingerprint
    new_id = tx.insert(
        "evidence",
        {
            "control_id": cid,
            "kind": resolved.kind,
            "ref": resolved.ref,
            "title": title,
            "sha256": fp.sha256 if fp else None,
            "size": fp.size if fp else None,
            "effective_from": effective_from.isoformat() if effective_from else None,
            "effective_to": effective_to.isoformat() if effective_to else None,
            "added_at": tx.at,
            "added_by": tx.actor,
        },
    )
    item = load_evidence(tx, new_id)
    assert item is not None
    return item, Change(cid, EVIDENCE_FIELD, None, canonical_json(item.record()))


def apply_evidence(tx: Tx, ch: Change) -> None:
    """Make the table hold the change's `new` record (used by undo): mark the item removed,
    or attached again (recreated from history if its row is gone)."""
    record = json.loads(ch.new or ch.old or "{}")
    evidence_id = int(record["id"])
    if ch.new is None:
        tx.update("evidence", {"removed_at": tx.at, "removed_by": tx.actor}, {"id": evidence_id})
        return
    restored = tx.update("evidence", {"removed_at": None, "removed_by": None}, {"id": evidence_id})
    if restored == 0:  # the row itself is gone: recreate it from history
        tx.insert(
            "evidence",
            {
                "id": evidence_id,
                "control_id": ch.control_id,
                **{
                    name: record[name]
                    for name in (
                        "kind",
                        "ref",
                        "title",
                        "sha256",
                        "size",
                        "effective_from",
                        "effective_to",
                    )
                },
                "added_at": tx.at,
                "added_by": tx.actor,
            },
        )


class Attachments:
    """Evidence of controls (the Store's part; see protocol.EvidenceStore)."""

    _db: Database
    path: Path | None

    def evidence(
        self, control_id: str | None = None, *, include_removed: bool = False
    ) -> list[Evidence]:
        where: list[str] = []
        params: list[Any] = []
        if control_id is not None:
            where.append("control_id = ?")
            params.append(control_id)
        if not include_removed:
            where.append("removed_at IS NULL")
        sql = "SELECT * FROM evidence" + (" WHERE " + " AND ".join(where) if where else "")
        with self._db.read() as db:
            rows = db.all(sql + " ORDER BY control_id, id", params)
        return [_evidence_from(row) for row in rows]

    def evidence_item(self, evidence_id: int) -> Evidence | None:
        with self._db.read() as db:
            return load_evidence(db, evidence_id)

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
    ) -> Evidence:
        """Reference a file (absolute path, SHA-256 and size recorded; never copied), a URL or
        a free-text note. `kind` forces "file", "url" or "note"; otherwise it is detected.
        `resolved`: the reference already resolved and hashed (resolve_reference), e.g. by
        the app off its UI thread."""
        (cid,) = check_ids([control_id], known)
        who = check_actor(actor)
        for day in (effective_from, effective_to):
            if day is not None:
                check_day(day, "evidence period date")
        if effective_from and effective_to and effective_from > effective_to:
            raise ValidationError(
                f"the evidence period ends ({effective_to}) before it starts ({effective_from})"
            )
        label = _clean(title, "evidence title")
        if resolved is None:  # hashes outside the write lock
            resolved = resolve_reference(ref, kind, base=base, database=self.path)
        with self._db.write(who) as tx:
            item, change = insert_evidence(
                tx,
                cid,
                resolved,
                title=label,
                effective_from=effective_from,
                effective_to=effective_to,
            )
            tx.append([change])
            return item

    def remove_evidence(self, evidence_id: int, *, actor: str) -> list[Event]:
        """Detach evidence (the row is kept, marked removed; undo restores it)."""
        who = check_actor(actor)
        with self._db.write(who) as tx:
            item = load_evidence(tx, evidence_id)
            if item is None:
                raise ValidationError(f"no evidence #{evidence_id}")
            if not item.active:
                raise ValidationError(f"evidence #{evidence_id} was already removed")
            tx.update("evidence", {"removed_at": tx.at, "removed_by": who}, {"id": evidence_id})
            record = canonical_json(item.record())
            return tx.append([Change(item.control_id, EVIDENCE_FIELD, record, None)])

    def check_evidence(self, control_id: str | None = None) -> list[EvidenceCheck]:
        """Compare each attached file with its fingerprint: ok, missing, changed, unreadable.
        URLs and notes are not_checked."""
        out: list[EvidenceCheck] = []
        for item in self.evidence(control_id):
            if item.kind != "file" or item.sha256 is None or item.size is None:
                out.append(EvidenceCheck(item, "not_checked", f"{item.kind}: nothing to check"))
                continue
            result = check_file(
                Path(item.ref), Fingerprint(item.sha256, item.size), database=self.path
            )
            now = result.fingerprint
            state: CheckState
            if result.state == "ok":
                state = "ok"
            elif result.state == "missing":
                state = "missing"
            elif result.state == "changed":
                state = "changed"
            else:
                state = "unreadable"
            out.append(
                EvidenceCheck(
                    item,
                    state,
                    result.detail,
                    sha256_now=now.sha256 if now else None,
                    size_now=now.size if now else None,
                )
            )
        return out
