"""`workbench demo`: the app on a separate, seeded demo database."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="open the app on a demo database with a half-finished review",
        description="Open the app on demo.db in the user data directory (never your own "
        "database), seeded on first use with a realistic, half-finished SOC 2 + SOX review.",
    )
    p.add_argument("--reset", action="store_true", help="throw the demo database away and reseed")
    p.add_argument(
        "--seed-only", action="store_true", help="create the demo database, don't open the app"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.demo import open_demo
    from workbench.core.paths import data_dir
    from workbench.core.store import StoreError, resolve_actor
    from workbench.core.workspace import Workspace

    from .common import load_catalogs_or_exit

    catalogs = load_catalogs_or_exit(args)
    path = args.db or data_dir() / "demo.db"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        store = open_demo(path, catalogs, reset=args.reset)
    except (StoreError, OSError) as exc:
        sys.stderr.write(f"workbench demo: {exc}\n")
        return 2
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
