"""`workbench show CONTROL_ID`: the control, its mappings, state, evidence, tests and findings,
and recent history."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .common import (
    CommandError,
    console,
    open_workspace,
    positive_int,
    print_json,
    reports_errors,
)

if TYPE_CHECKING:
    from workbench.core.catalog import CatalogSet, Control
    from workbench.core.store import AuditRecords, ControlState, Event, Evidence
    from workbench.core.testing import Backing


def register(sub: Any) -> None:
    p = sub.add_parser(
        "show",
        help="one control: mappings in every framework, state, evidence, recent history",
        description="Show a control from the catalogs with its mappings in each framework, its "
        "recorded state, its evidence and its recent history. Also works for an orphaned "
        "control (recorded, but no longer in any catalog).",
    )
    p.add_argument("control_id", metavar="CONTROL_ID")
    p.add_argument(
        "--history",
        type=positive_int,
        default=10,
        metavar="N",
        help="how many recent events to show (default 10)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    from workbench.core.evidence_status import EvidenceStatus
    from workbench.core.testing import Backing

    cid = args.control_id.strip()
    with open_workspace(args, create=False) as ws:
        catalogs = ws.catalog
        control = catalogs.controls.get(cid)
        store = ws.store
        state = store.state(cid)
        items = store.evidence(cid)
        events = store.history(cid, limit=args.history)
        records = store.audit_records().of_control(cid)
        backing = Backing(catalogs, records, ws.rules_table())
        words = EvidenceStatus(store.path).words(items)
        if control is None and not state.recorded and not items and not events:
            ws.check_controls([cid], changing=False)  # raises, naming close matches
            raise CommandError(f"unknown control ID: {cid}")
    mappings = _mappings(catalogs, cid)
    if args.json:
        print_json(
            {
                "schema": "workbench.show/1",
                "control": _control_dict(control) if control else None,
                "orphaned": control is None,
                "mappings": mappings,
                "state": state.to_dict(),
                "evidence": [item.to_dict() for item in items],
                "testing": _testing_dict(records),
                "history": [ev.to_dict() for ev in events],
            }
        )
        return 0
    _print(catalogs, cid, state, items, events, backing, words)
    return 0


def _testing_dict(records: AuditRecords) -> dict[str, Any]:
    return {
        "tests": [
            {**t.to_dict(), "samples": [s.to_dict() for s in records.samples_of(t.id)]}
            for t in records.tests
        ],
        "findings": [f.to_dict() for f in records.findings],
    }


def _control_dict(control: Control) -> dict[str, Any]:
    return {
        "id": control.id,
        "title": control.title,
        "description": control.description,
        "domain": control.domain,
        "frequency": control.frequency,
        "type": control.type,
        "nature": control.nature,
        "key": control.key,
        "owner_role": control.owner_role,
        "systems": list(control.systems),
        "covers": list(control.covers),
        "catalog": control.catalog_id,
        "source": str(control.source),
    }


def _mappings(catalogs: CatalogSet, cid: str) -> list[dict[str, Any]]:
    out = []
    for ref in catalogs.by_control.get(cid, ()):
        fw = catalogs.frameworks.get(ref.framework_id)
        node = fw.nodes.get(ref.requirement_id) if fw else None
        out.append(
            {
                "framework": ref.framework_id,
                "framework_name": fw.name if fw else ref.framework_id,
                "requirement": ref.requirement_id,
                "title": node.title if node else "",
                "relationship": ref.relationship,
                "rationale": ref.rationale,
                "role": ref.role,
            }
        )
    return out


def _print(
    catalogs: CatalogSet,
    cid: str,
    state: ControlState,
    items: list[Evidence],
    events: list[Event],
    backing: Backing,
    words: dict[int, str],
) -> None:
    """The same view of a control as the app's detail pane (workbench/presentation)."""
    from rich.text import Text

    from workbench.presentation.control import control_view

    out = console()
    for part in control_view(
        catalogs, cid, state, items, events, backing=backing, evidence_words=words, full=True
    ):
        out.print(part)
    out.print(Text(f"coverage and backing: workbench test show {cid}", style="dim"))
