"""`workbench demo`: the app on a separate, seeded demo database."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    from workbench.core.demo import demo_path

    p = sub.add_parser(
        "demo",
        help="open the app on a demo database with a half-finished review",
        description=f"Open the app on the demo database, {demo_path()} (never your own "
        "database: --db is refused here), seeded on first use with a realistic, "
        "half-finished SOC 2 + SOX review.",
    )
    p.add_argument(
        "--reset",
        action="store_true",
        help=f"delete {demo_path()} and seed it again; refused, leaving the file as it is, "
        "unless it is a demo database made by workbench",
    )
    p.add_argument(
        "--seed-only", action="store_true", help="create the demo database, don't open the app"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.demo import demo_path, open_demo
    from workbench.core.store import StoreError, resolve_actor
    from workbench.core.workspace import Workspace

    from .common import fail, load_catalogs_or_exit

    if args.db:
        return fail(
            f"the demo has its own database ({demo_path()}) and never uses --db; "
            f"to open {args.db}, run `workbench --db {args.db}`"
        )
    catalogs = load_catalogs_or_exit(args)
    path = demo_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        store = open_demo(path, catalogs, reset=args.reset)
    except (StoreError, OSError) as exc:
        return fail(exc)
    try:
        if args.seed_only:
            print(f"demo database: {path}")
            return 0
        from workbench.tui.app import WorkbenchApp

        app = WorkbenchApp(Workspace(catalogs, store, resolve_actor(args.actor)))
        app.run()
        return app.return_code or 0
    finally:
        store.close()
