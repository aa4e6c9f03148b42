"""Start the full-screen app (the default when no command is given)."""

from __future__ import annotations

import argparse

from .common import open_workspace


def run_app(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        from workbench.tui.app import WorkbenchApp

        app = WorkbenchApp(ws)
        app.run()
        return app.return_code or 0
