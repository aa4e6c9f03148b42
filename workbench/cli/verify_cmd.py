"""`workbench verify`: recompute the history hash chain; exit 0 intact, 1 not."""

from __future__ import annotations

import argparse
from typing import Any

from .common import console, open_workspace, print_json, reports_errors


def register(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="check the history's hash chain and that the data matches it",
        description="Recompute the SHA-256 chain over every history event and name the first "
        "event that does not verify; also check that the stored state matches its history and "
        "that the append-only triggers are in place. Exit 0 when intact, 1 when not. Keep the "
        "printed head hash (for example in your audit file) and pass it to --expect-head later "
        "to detect a rewritten history. verify also remembers, per user, the last head it "
        "saw for each database and fails loudly when the chain no longer contains it "
        "(rewritten or rolled back since), naming when it was seen.",
    )
    p.add_argument(
        "--expect-head",
        metavar="HASH",
        help="a head hash recorded earlier: it must still be in the chain",
    )
    p.add_argument(
        "--reanchor",
        action="store_true",
        help="after investigating a lost head: remember the current head instead",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    from workbench.core.store import anchors

    with open_workspace(args, create=False) as ws:
        store = ws.store
        result = ws.verify(anchor=args.expect_head)
        database = store.display_name
        anchor = anchors.check(store.path) if store.path is not None else None
    lost = anchor is not None and anchor.lost and not args.reanchor
    if anchor is not None and store.path is not None and result.chain_ok and not lost:
        anchors.remember(store.path, anchor.head_seq, anchor.head_hash)
    ok = result.ok and not lost
    if args.json:
        doc = {"schema": "workbench.verify/1", "database": database, **result.to_dict()}
        doc["ok"] = ok
        doc["anchor"] = anchor.to_dict() if anchor else None
        print_json(doc)
        return 0 if ok else 1
    from rich.text import Text

    out = console()
    if lost and anchor is not None:
        out.print(Text(f"HISTORY REWRITTEN OR ROLLED BACK: {anchor.detail}", style="bold red"))
        out.print(
            Text(
                "  the events since then cannot be trusted; after investigating, "
                "`workbench verify --reanchor` remembers the current head",
                style="red",
            )
        )
    elif anchor is not None and anchor.state == "unavailable":
        out.print(Text(f"warning: {anchor.detail}", style="yellow"))
    if ok:
        out.print(
            Text.assemble(
                ("OK", "bold green"),
                f": {result.events_total} event(s) verified in {database}",
            )
        )
    else:
        out.print(Text.assemble(("FAILED", "bold red"), f": {database}"))
        if result.first_broken_seq is not None:
            out.print(
                Text(
                    f"first broken event: seq {result.first_broken_seq}: {result.reason}",
                    style="red",
                )
            )
            out.print(
                Text(
                    f"{result.events_checked} of {result.events_total} event(s) verified before it",
                )
            )
        for problem in result.problems:
            out.print(Text(f"- {problem}", style="red"))
    label = "head hash" if result.chain_ok else "hash of the last event that verified"
    out.print(Text(f"{label} {result.head_hash}", style="dim"))
    return 0 if ok else 1
