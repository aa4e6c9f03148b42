"""`workbench test design|operating|show` and `workbench sample add|remove`: control testing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import (
    CommandError,
    console,
    date_arg,
    fail,
    open_workspace,
    print_json,
    reports_errors,
)

if TYPE_CHECKING:
    from workbench.core.workspace import Workspace


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of at least 0, got {text!r}")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {text!r}")
    return value


def _period_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--period",
        metavar="NAME",
        help="the audit period (default: the current period of the control's framework)",
    )


def register(sub: Any) -> None:
    t = sub.add_parser(
        "test",
        help="tests of design and of operating effectiveness of a control in a period",
        description="Record a test of design (walkthrough) or open the test of operating "
        "effectiveness of a control in the current audit period, and show a control's tests.",
    )
    t.set_defaults(handler=_usage(t, "test", "design, operating or show"))
    ts = t.add_subparsers(dest="test_command", metavar="SUBCOMMAND", parser_class=type(t))

    d = ts.add_parser(
        "design",
        help="record a test of design (walkthrough): date, performer, conclusion",
        description="Record a test of design: would the control, run as prescribed by "
        "competent people, meet its objective (AS 2201 .42-.43)? Each call records a new test; "
        "the latest one counts.",
    )
    d.add_argument("control_id", metavar="CONTROL_ID")
    d.add_argument("--date", type=date_arg, required=True, metavar="YYYY-MM-DD")
    d.add_argument("--by", required=True, metavar="NAME", help="who performed the walkthrough")
    d.add_argument("--conclusion", required=True, choices=("effective", "ineffective"))
    d.add_argument("--notes", metavar="TEXT")
    d.add_argument(
        "--evidence",
        metavar="REF",
        help="#N for attached evidence, or a file, URL or note to attach now",
    )
    _period_option(d)
    d.add_argument("--json", action="store_true")
    d.set_defaults(handler=run_design)

    o = ts.add_parser(
        "operating",
        help="open (or re-plan) the test of operating effectiveness: required samples",
        description="Open the test of operating effectiveness of a control in the period, or "
        "change its plan. The required sample size comes from the control's frequency and the "
        "risk, by the table in force (`workbench sampling`); a known population smaller than "
        "that caps it. `sample add` opens the test at the default risk when there is none.",
    )
    o.add_argument("control_id", metavar="CONTROL_ID")
    o.add_argument(
        "--risk", choices=("low", "moderate", "high"), help="default: the table's default"
    )
    o.add_argument(
        "--population",
        type=_count,
        metavar="N",
        help="occurrences of the control in the period, when known",
    )
    o.add_argument(
        "--samples",
        dest="required",
        type=_positive,
        metavar="N",
        help="require more samples than the table (never fewer)",
    )
    o.add_argument("--by", dest="performer", metavar="NAME", help="who performs the test")
    o.add_argument("--notes", metavar="TEXT")
    _period_option(o)
    o.add_argument("--json", action="store_true")
    o.set_defaults(handler=run_operating)

    s = ts.add_parser(
        "show",
        help="a control's tests in a period: design, samples, findings, coverage, backing",
    )
    s.add_argument("control_id", metavar="CONTROL_ID")
    _period_option(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=run_show)

    sa = sub.add_parser(
        "sample",
        help="add a sample to a control's operating test (or remove one added by mistake)",
    )
    sa.set_defaults(handler=_usage(sa, "sample", "add or remove"))
    ss = sa.add_subparsers(dest="sample_command", metavar="SUBCOMMAND", parser_class=type(sa))
    a = ss.add_parser(
        "add",
        help="add a sample: its date (or identifier) and result",
        description="Add one sample to the control's test of operating effectiveness in the "
        "period (opened at the table's size if there is none). A date outside the period is "
        "refused. For an exception, say what went wrong with --notes, then classify it with "
        "`workbench finding add CONTROL_ID --sample ID`.",
    )
    a.add_argument("control_id", metavar="CONTROL_ID")
    a.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD", help="when the occurrence ran")
    a.add_argument("--ref", metavar="ID", help="an identifier: ticket, change or journal number")
    a.add_argument("--result", required=True, choices=("pass", "exception"))
    a.add_argument("--notes", metavar="TEXT", help="for an exception: what went wrong")
    a.add_argument(
        "--evidence",
        metavar="REF",
        help="#N for attached evidence, or a file, URL or note to attach now",
    )
    _period_option(a)
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=run_sample_add)

    r = ss.add_parser("remove", help="remove a sample (history keeps it; undo restores it)")
    r.add_argument("sample_id", type=_positive, metavar="ID")
    r.set_defaults(handler=run_sample_remove)


def _usage(parser: argparse.ArgumentParser, name: str, choices: str) -> Any:
    def show(_args: argparse.Namespace) -> int:
        parser.print_usage(sys.stderr)
        return fail(f"{name}: choose {choices}")

    return show


def _control(ws: Workspace, args: argparse.Namespace) -> str:
    (cid,) = ws.check_controls([str(args.control_id)])
    return cid


@reports_errors
def run_design(args: argparse.Namespace) -> int:
    from rich.text import Text

    with open_workspace(args) as ws:
        cid = _control(ws, args)
        test = ws.record_design_test(
            cid,
            performed_on=args.date,
            performer=args.by,
            conclusion=args.conclusion,
            period=args.period,
            notes=args.notes,
            evidence=args.evidence,
            base=Path.cwd(),
        )
        if args.json:
            print_json({"schema": "workbench.test/1", "test": test.to_dict()})
            return 0
        style = "bold green" if test.conclusion == "effective" else "bold red"
        line = Text.assemble(
            "recorded test of design ",
            (f"#{test.id}", "bold"),
            f" of {cid} in {test.period}: ",
            (str(test.conclusion), style),
            f" ({args.date.isoformat()}, {test.performer})",
        )
        out = console()
        out.print(line)
        if test.evidence_id is not None:
            out.print(Text(f"  evidence #{test.evidence_id}", style="dim"))
        if test.conclusion == "ineffective":
            out.print(
                Text(
                    "  a design deficiency: classify it with `workbench finding add "
                    f"{cid} --severity ... --summary ...`",
                    style="yellow",
                )
            )
    return 0


@reports_errors
def run_operating(args: argparse.Namespace) -> int:
    from rich.text import Text

    from .testing_view import caveat_line

    with open_workspace(args, create=False) as ws:  # a test needs a period: an existing database
        cid = _control(ws, args)
        test, events, size = ws.plan_operating_test(
            cid,
            period=args.period,
            risk=args.risk,
            population=args.population,
            required=args.required,
            performer=args.performer,
            notes=args.notes,
        )
        if args.json:
            print_json(
                {
                    "schema": "workbench.test/1",
                    "test": test.to_dict(),
                    "changed": bool(events),
                    "sample_size": size.to_dict(),
                    "table": ws.sample_table().to_dict(),
                }
            )
            return 0
        out = console()
        verb = "opened" if events and events[0].old_value is None else "updated"
        if not events:
            verb = "unchanged:"
        out.print(
            Text.assemble(
                f"{verb} operating test ",
                (f"#{test.id}", "bold"),
                f" of {cid} in {test.period}: ",
                (f"{test.required} sample(s) required", "bold"),
            )
        )
        out.print(Text(f"  {test.basis}", style="dim"))
        caveat = caveat_line(size)
        if caveat is not None:
            out.print(caveat)
        result = ws.backing.operating(cid, test.period)
        out.print(f"  done: {result.passed} of {result.required}", markup=False)
    return 0


@reports_errors
def run_show(args: argparse.Namespace) -> int:
    from .testing_view import control_detail, control_detail_dict

    with open_workspace(args, create=False) as ws:
        cid = _control(ws, args)
        period = ws.period_for(cid, args.period)
        if args.json:
            print_json({"schema": "workbench.test-show/1", **control_detail_dict(ws, cid, period)})
            return 0
        control_detail(console(), ws, cid, period)
    return 0


@reports_errors
def run_sample_add(args: argparse.Namespace) -> int:
    from rich.text import Text

    if args.date is None and not (args.ref and args.ref.strip()):
        raise CommandError("a sample needs --date or --ref (or both); nothing was recorded")
    with open_workspace(args) as ws:
        cid = _control(ws, args)
        had_test = ws.backing.operating_test(cid, ws.period_for(cid, args.period).name)
        was_ready = ws.readiness.is_ready(cid)
        sample, test = ws.add_sample(
            cid,
            result=args.result,
            occurred_on=args.date,
            ref=args.ref,
            period=args.period,
            notes=args.notes,
            evidence=args.evidence,
            base=Path.cwd(),
        )
        result = ws.backing.operating(cid, test.period)
        if args.json:
            print_json(
                {
                    "schema": "workbench.sample/1",
                    "sample": sample.to_dict(),
                    "test": test.to_dict(),
                    "backing": result.to_dict(),
                }
            )
            return 0
        out = console()
        if had_test is None:
            out.print(
                Text.assemble(
                    "opened operating test ",
                    (f"#{test.id}", "bold"),
                    f" of {cid} in {test.period}: {test.required} sample(s) required ",
                    (f"({test.basis})", "dim"),
                )
            )
        style = "green" if sample.result == "pass" else "bold red"
        line = Text.assemble(
            "sample ",
            (f"#{sample.id}", "bold"),
            f" of {cid} ({sample.label}): ",
            (sample.result, style),
            f"; {result.passed} of {result.required} passed",
        )
        if result.remediation_met:
            line.append(f" after the remediation of {result.remediated_on}")
        out.print(line)
        if sample.evidence_id is not None:
            out.print(Text(f"  evidence #{sample.evidence_id}", style="dim"))
        if sample.exception:
            out.print(
                Text(
                    f"  an exception: classify it with `workbench finding add {cid} --sample "
                    f"{sample.id} --severity deficiency|significant_deficiency|"
                    "material_weakness --summary ...`",
                    style="yellow",
                )
            )
        _ready_change(out, ws, cid, was_ready)
    return 0


def _ready_change(out: Any, ws: Workspace, cid: str, was_ready: bool) -> None:
    from rich.text import Text

    from workbench.presentation import label_style

    status = ws.readiness.status(cid)
    if ws.readiness.lens != "operating":
        why = "; ".join(ws.backing.operating_reasons(cid))
        if ws.backing.operating_failed(cid):
            out.print(Text(f"  not effective for the operating lens: {why}", style="red"))
        elif ws.backing.operating_backed(cid):
            out.print(Text("  backed by tests for the operating lens", style="green"))
        else:
            out.print(Text(f"  not yet backed for the operating lens: {why}", style="dim"))
        return
    now = ws.readiness.is_ready(cid)
    c = ws.backing.conclusion(cid, status, "operating")
    if now and not was_ready:
        out.print(Text(f"  {cid} is now ready in the operating lens (effective, backed)", "green"))
        return
    if was_ready and not now:
        out.print(Text(f"  {cid} is no longer ready in the operating lens", "bold red"))
    if not now and (status == "effective" or c.deficient):
        line = Text("  ")
        line.append(c.label, style=label_style(c.label))
        if c.contradicted:
            line.append(" (contradicts the status effective)", style="bold red")
        if c.reasons:
            line.append(": " + "; ".join(c.reasons))
        out.print(line)


@reports_errors
def run_sample_remove(args: argparse.Namespace) -> int:
    with open_workspace(args, create=False) as ws:  # a new database has no sample to remove
        events = ws.remove_sample(args.sample_id)
        cid = events[0].control_id
        console().print(
            f"removed sample #{args.sample_id} of {cid}; `workbench undo` restores it",
            markup=False,
        )
    return 0
