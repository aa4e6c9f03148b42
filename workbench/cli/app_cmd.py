"""Start the full-screen app (the default when no command is given)."""

from __future__ import annotations

import argparse

from .common import load_catalogs_or_exit


def run_app(args: argparse.Namespace) -> int:
    catalogs = load_catalogs_or_exit(args)
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(catalogs=catalogs)
    app.run()
    return app.return_code or 0
