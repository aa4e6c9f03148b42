"""`workbench findings` and `workbench finding add|update`: deficiencies found by testing."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from .common import (
    CommandError,
    console,
    date_arg,
    fail,
    open_workspace,
    print_json,
    reports_errors,
)

SEVERITY_CHOICES = ("deficiency", "significant_deficiency", "material_weakness")
STATUS_CHOICES = ("open", "remediating", "remediated", "closed")


def _sample_id(text: str) -> int:
    try:
        value = int(text.strip().lstrip("#"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a sample number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a sample number, got {text!r}")
    return value


def register(sub: Any) -> None:
    ls = sub.add_parser(
        "findings",
        help="findings by severity per framework (an open material weakness first)",
        description="List findings, most severe first, with the open ones rolled up per "
        "framework by severity. An open material weakness means ICFR is not effective (SOX).",
    )
    ls.add_argument("--open", action="store_true", help="open and remediating findings only")
    ls.add_argument("--framework", metavar="ID", help="findings of one framework's periods")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=run_list)

    f = sub.add_parser("finding", help="classify a deficiency, track its remediation")
    f.set_defaults(handler=_usage(f))
    fs = f.add_subparsers(dest="finding_command", metavar="SUBCOMMAND", parser_class=type(f))
    add = fs.add_parser(
        "add",
        help="classify a deficiency: severity, summary, remediation owner and due date",
        description="Record a finding on a control: usually the exception sample(s) it "
        "classifies (--sample), a severity (AS 2201: deficiency, significant_deficiency, "
        "material_weakness), what went wrong, and who remediates by when.",
    )
    add.add_argument("control_id", metavar="CONTROL_ID")
    add.add_argument("--severity", required=True, choices=SEVERITY_CHOICES)
    add.add_argument("--summary", required=True, metavar="TEXT", help="what went wrong")
    add.add_argument(
        "--sample",
        dest="samples",
        type=_sample_id,
        action="append",
        default=[],
        metavar="ID",
        help="an exception sample it classifies (repeatable)",
    )
    add.add_argument("--owner", metavar="NAME", help="remediation owner")
    add.add_argument("--due", type=date_arg, metavar="YYYY-MM-DD", help="remediation due date")
    add.add_argument("--status", choices=STATUS_CHOICES, default="open")
    add.add_argument("--remediated-on", type=date_arg, metavar="YYYY-MM-DD")
    add.add_argument("--notes", metavar="TEXT")
    add.add_argument("--period", metavar="NAME", help="default: the samples' period, else current")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=run_add)

    up = fs.add_parser(
        "update",
        help="change status (open, remediating, remediated, closed), owner, due, severity",
        description="Update a finding. --status remediated records the remediation date "
        "(--remediated-on, default today): the control then needs a fresh operating test, "
        "samples dated after that day, before it counts as ready again. '' clears a text.",
    )
    up.add_argument("finding_id", type=_sample_id, metavar="ID")
    up.add_argument("--severity", choices=SEVERITY_CHOICES)
    up.add_argument("--summary", metavar="TEXT")
    up.add_argument("--status", choices=STATUS_CHOICES)
    up.add_argument("--remediated-on", type=date_arg, metavar="YYYY-MM-DD")
    up.add_argument("--owner", metavar="NAME")
    up.add_argument("--due", type=date_arg, metavar="YYYY-MM-DD")
    up.add_argument("--notes", metavar="TEXT")
    up.add_argument(
        "--sample",
        dest="samples",
        type=_sample_id,
        action="append",
        metavar="ID",
        help="replace the samples it classifies (repeatable)",
    )
    up.add_argument("--json", action="store_true")
    up.set_defaults(handler=run_update)


def _usage(parser: argparse.ArgumentParser) -> Any:
    def show(_args: argparse.Namespace) -> int:
        parser.print_usage(sys.stderr)
        return fail("choose add or update")

    return show


@reports_errors
def run_add(args: argparse.Namespace) -> int:
    from rich.text import Text

    from workbench.presentation import severity_text

    with open_workspace(args) as ws:
        cid = args.control_id.strip()
        item = ws.add_finding(
            cid,
            severity=args.severity,
            summary=args.summary,
            samples=args.samples,
            period=args.period,
            owner=args.owner,
            due=args.due,
            status=args.status,
            remediated_on=args.remediated_on,
            notes=args.notes,
        )
        if args.json:
            print_json({"schema": "workbench.finding/1", "finding": item.to_dict()})
            return 0
        out = console()
        out.print(
            Text.assemble(
                "finding ",
                (f"#{item.id}", "bold"),
                f" on {cid} in {item.period}: ",
                severity_text(item.severity),
                f", {item.status}",
            )
        )
        if item.samples:
            out.print(
                f"  classifies sample(s) {', '.join(f'#{s}' for s in item.samples)}", markup=False
            )
        who = [f"owner {item.owner}" if item.owner else "", f"due {item.due}" if item.due else ""]
        if any(who):
            out.print("  remediation: " + ", ".join(w for w in who if w), markup=False)
        sox = "sox" in ws.catalog.frameworks_of(cid)
        if item.severity == "material_weakness" and item.is_open and sox:
            out.print(
                Text(
                    "  an open material weakness: ICFR cannot be concluded effective",
                    style="bold red",
                )
            )
    return 0


@reports_errors
def run_update(args: argparse.Namespace) -> int:
    from rich.text import Text

    from workbench.core.store import UNCHANGED
    from workbench.presentation import severity_text

    fields: dict[str, Any] = {}
    for name in ("severity", "summary", "status", "owner", "notes"):
        value = getattr(args, name)
        if value is not None:
            fields[name] = value
    if args.due is not None:
        fields["due"] = args.due
    if args.samples is not None:
        fields["samples"] = args.samples
    remediated_on = args.remediated_on
    defaulted = False
    if remediated_on is None and args.status == "remediated":
        remediated_on, defaulted = date.today(), True
    if remediated_on is not None:
        fields["remediated_on"] = remediated_on
    if not fields:
        raise CommandError("nothing to change: give --status, --owner, --due, --severity...")
    with open_workspace(args, create=False) as ws:  # a new database has no finding to update
        before = next((f for f in ws.backing.records.findings if f.id == args.finding_id), None)
        if before is not None and defaulted and before.remediated_on is not None:
            fields["remediated_on"] = UNCHANGED  # keep the recorded date
            defaulted = False
        item, events = ws.update_finding(args.finding_id, **fields)
        if args.json:
            print_json(
                {
                    "schema": "workbench.finding/1",
                    "finding": item.to_dict(),
                    "changed": bool(events),
                }
            )
            return 0
        out = console()
        if not events:
            out.print(f"finding #{item.id} unchanged", markup=False)
            return 0
        line = Text.assemble(
            "finding ",
            (f"#{item.id}", "bold"),
            f" on {item.control_id}: ",
            severity_text(item.severity),
        )
        line.append(f", {item.status}")
        if item.remediated_on:
            line.append(f" (remediated {item.remediated_on}{', today' if defaulted else ''})")
        out.print(line)
        if item.status == "closed" and item.remediated_on is None:
            out.print(
                Text(
                    "  closing is not fixing: the finding stays in the period's deficiencies and "
                    "its exceptions still count",
                    style="yellow",
                )
            )
        if item.status == "remediated" and item.remediated_on:
            op = ws.backing.operating(item.control_id, item.period)
            if op.remediation:
                met = op.remediation_met
                out.print(Text(f"  {op.remediation}", style="green" if met else "yellow"))
            else:
                out.print(
                    Text(
                        f"  period {item.period} is reported as a whole: what was found stays in "
                        "it (the remediation counts for the next period)",
                        style="yellow",
                    )
                )
    return 0


@reports_errors
def run_list(args: argparse.Namespace) -> int:
    from .testing_view import findings_overview

    with open_workspace(args, create=False) as ws:
        fws = list(ws.catalog.frameworks)
        if args.framework:
            if args.framework not in fws:
                raise CommandError(
                    f"unknown framework {args.framework!r} (expected one of: {', '.join(fws)})"
                )
            fws = [args.framework]
        items = ws.backing.findings(args.framework, open_only=args.open)
        if args.json:
            print_json(
                {
                    "schema": "workbench.findings/1",
                    "frameworks": [_framework_dict(ws, fw) for fw in fws],
                    "findings": [f.to_dict() for f in items],
                }
            )
            return 0
        findings_overview(console(), ws, fws, items)
    return 0


def _framework_dict(ws: Any, fw: str) -> dict[str, Any]:
    """A framework's findings in its vocabulary (docs/json.md, `findings --json`)."""
    from workbench.core.testing import DEVIATION_WORDS

    fb = ws.backed(fw)
    out: dict[str, Any] = {
        "framework": fw,
        "vocabulary": fb.vocabulary,
        "open_total": fb.open_findings,
    }
    if fb.vocabulary == DEVIATION_WORDS:
        out["deviations"] = [d.to_dict() for d in fb.deviations]
        out["criteria_at_risk"] = list(fb.criteria_at_risk)
    else:
        out["open"] = ws.backing.severity_counts(fw)
        out["standing"] = fb.deficiencies
        out["material_weakness"] = bool(fb.material_weaknesses)
    return out
