"""`workbench show CONTROL_ID`: the control, its mappings, state, evidence, tests and findings,
and recent history."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from workbench.core.text import clip

from .common import (
    CommandError,
    console,
    fmt_at,
    history_table,
    open_workspace,
    positive_int,
    print_json,
    reports_errors,
    status_text,
)

if TYPE_CHECKING:
    from workbench.core.catalog import CatalogSet, Control
    from workbench.core.store import AuditRecords, ControlState, Event, Evidence


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
    cid = args.control_id.strip()
    with open_workspace(args, create=False) as ws:
        catalogs = ws.catalog
        control = catalogs.controls.get(cid)
        store = ws.store
        state = store.state(cid)
        items = store.evidence(cid)
        events = store.history(cid, limit=args.history)
        records = store.audit_records().of_control(cid)
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
    _print(catalogs, cid, control, state, items, events, records)
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
    control: Control | None,
    state: ControlState,
    items: list[Evidence],
    events: list[Event],
    records: AuditRecords,
) -> None:
    from rich.table import Table
    from rich.text import Text

    out = console()
    if control is None:
        out.print(Text.assemble((cid, "bold"), "  ", ("(orphaned)", "bold yellow")))
        out.print(
            Text(
                "This ID is no longer in any loaded catalog. Its record is kept; nothing is "
                "deleted.",
                style="yellow",
            )
        )
    else:
        out.print(Text.assemble((control.id, "bold"), "  ", (control.title, "bold")))
        if control.description:
            out.print(Text(control.description))
        facts = [
            f"domain {control.domain}",
            control.frequency,
            control.type,
            control.nature,
        ]
        if control.key:
            facts.append("key control")
        if control.owner_role:
            facts.append(f"owner role {control.owner_role}")
        out.print(Text(" · ".join(facts), style="dim"))
        for label, ids in (("runs on / uses", control.systems), ("covers (ITGC)", control.covers)):
            if ids:
                names = [
                    f"{sid} ({catalogs.systems[sid].name})" if sid in catalogs.systems else sid
                    for sid in ids
                ]
                out.print(Text(f"{label}: {', '.join(names)}", style="dim"))

    out.print()
    out.print(Text("Mappings", style="bold underline"))
    refs = catalogs.by_control.get(cid, ())
    for fw in catalogs.frameworks.values():
        mine = [r for r in refs if r.framework_id == fw.id]
        if not mine:
            out.print(Text.assemble(f"  {fw.name}: ", ("not mapped", "dim")))
            continue
        out.print(Text(f"  {fw.name}:"))
        for ref in mine:
            node = fw.nodes.get(ref.requirement_id)
            line = Text.assemble(
                "    ", (ref.requirement_id, "bold"), "  ", node.title if node else ""
            )
            if ref.relationship:
                line.append(f"  ({ref.relationship})", style="dim")
            if not ref.primary:
                line.append("  supporting", style="dim italic")
            out.print(line)

    out.print()
    out.print(Text("State", style="bold underline"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row(Text("status"), status_text(state.status.value))
    grid.add_row(Text("owner"), Text(state.owner or "-"))
    grid.add_row(Text("due"), Text(state.due.isoformat() if state.due else "-"))
    grid.add_row(Text("notes"), Text(clip(state.notes) if state.notes else "-"))
    if state.justification or state.status.value == "not_applicable":
        grid.add_row(
            Text("justification"), Text(clip(state.justification) if state.justification else "-")
        )
    if state.recorded:
        grid.add_row(
            Text("last change"),
            Text(f"{fmt_at(state.updated_at)} by {state.updated_by} (version {state.version})"),
        )
    else:
        grid.add_row(Text("last change"), Text("never recorded", style="dim"))
    out.print(grid)

    out.print()
    out.print(Text(f"Evidence ({len(items)})", style="bold underline"))
    if not items:
        out.print(Text("  none attached", style="dim"))
    for item in items:
        line = Text.assemble(f"  #{item.id} ", (item.kind, "cyan"), " ", item.label)
        if item.title:
            line.append(f"  {item.ref}", style="dim")
        period = _period(item)
        if period:
            line.append(f"  [{period}]", style="dim")
        out.print(line)

    _print_testing(out, records, cid)

    out.print()
    out.print(Text("Recent history", style="bold underline"))
    if not events:
        out.print(Text("  no changes recorded", style="dim"))
    else:
        out.print(history_table(events, show_control=False))


def _print_testing(out: Any, records: AuditRecords, cid: str) -> None:
    """Tests per period (design conclusion; operating samples done vs required) and findings;
    `workbench test show` has the coverage and backing in full."""
    from rich.text import Text

    from .testing_view import finding_line

    tests, findings = records.tests, records.findings  # this control's only: run()
    out.print()
    out.print(Text("Testing", style="bold underline"))
    if not tests and not findings:
        out.print(Text("  no tests recorded", style="dim"))
        return
    for period in dict.fromkeys([t.period for t in tests] + [f.period for f in findings]):
        current = sorted(fw for fw, name in records.current.items() if name == period)
        head = Text.assemble("  period ", (period, "bold"))
        if current:
            head.append(f"  (current for {', '.join(current)})", style="dim")
        out.print(head)
        for t in (t for t in tests if t.period == period):
            if t.kind == "design":
                line = Text(f"    #{t.id} design: ")
                line.append(t.conclusion or "no conclusion", style="bold")
                when = " ".join(x for x in (str(t.performed_on or ""), t.performer or "") if x)
                if when:
                    line.append(f"  {when}", style="dim")
            else:
                samples = records.samples_of(t.id)
                exceptions = sum(1 for s in samples if s.exception)
                line = Text(f"    #{t.id} operating: {len(samples)} of {t.required} samples")
                if exceptions:
                    line.append(f", {exceptions} exception(s)", style="bold red")
                if t.basis:
                    line.append(f"  ({t.basis})", style="dim")
            out.print(line)
        for f in (f for f in findings if f.period == period):
            out.print(finding_line(f, indent="    finding "))
    out.print(Text(f"  coverage and backing: workbench test show {cid}", style="dim"))


def _period(item: Evidence) -> str:
    if not item.effective_from and not item.effective_to:
        return ""
    start = item.effective_from.isoformat() if item.effective_from else "..."
    end = item.effective_to.isoformat() if item.effective_to else "..."
    return f"{start} to {end}"
