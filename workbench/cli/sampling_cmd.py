"""`workbench sampling`: the sample-size table in force (built-in, or from sampling.yaml)."""

from __future__ import annotations

import argparse
from typing import Any

from .common import console, print_json, reports_errors


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sampling",
        help="the sample-size table in force: samples per control frequency and risk",
        description="Print the samples an operating test needs, per control frequency and "
        "risk: the built-in table (common practice, not a rule), overridden by sampling.yaml in "
        "the user config directory. A bad file is reported with file and line (exit 2).",
    )
    p.add_argument(
        "--control",
        metavar="CONTROL_ID",
        help="also the size for one control (its frequency and nature from the catalogs)",
    )
    p.add_argument("--risk", choices=("low", "moderate", "high"), help="with --control")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    from workbench.core.testing import load_sample_table, settings_path

    from .testing_view import caveat_line, sampling_table

    table = load_sample_table()
    size = None
    if args.control:
        from .common import load_catalogs_or_exit

        catalogs = load_catalogs_or_exit(args)
        cid = args.control.strip()
        from workbench.core import validate

        validate.check_ids([cid], catalogs.controls, changing=False)
        ctl = catalogs.controls[cid]
        size = table.size(ctl.frequency, ctl.nature, args.risk)
    if args.json:
        print_json(
            {
                "schema": "workbench.sampling/1",
                "table": table.to_dict(),
                "control": ({"control": args.control.strip(), **size.to_dict()} if size else None),
            }
        )
        return 0
    out = console()
    out.print(sampling_table(table))
    path = settings_path()
    if path is None:
        from workbench.core.paths import config_dir

        out.print(
            f"override it in {config_dir() / 'sampling.yaml'} (see docs/testing.md)",
            markup=False,
            style="dim",
        )
    if size is not None:
        from rich.text import Text

        out.print(
            Text.assemble(
                f"{args.control.strip()}: ",
                (f"{size.required} sample(s)", "bold"),
                f" ({size.basis})",
            )
        )
        caveat = caveat_line(size)
        if caveat is not None:
            out.print(caveat)
    return 0
