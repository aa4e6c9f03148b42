"""Start the full-screen app (the default when no command is given)."""

from __future__ import annotations

import argparse
import gc

from .common import open_workspace


def run_app(args: argparse.Namespace) -> int:
    # Start-up allocates the catalogs, the readiness model and Textual's modules, and none of
    # it is garbage: with a big catalog alive, the collector's repeated full passes over it
    # cost 0.1-0.2 s before the first screen. The app turns it back on once it has painted.
    gc.disable()
    with open_workspace(args) as ws:
        return _run(ws)


def _run(ws) -> int:  # type: ignore[no-untyped-def]
    from workbench.tui.app import WorkbenchApp

    store = ws.store
    created = f"Created a new database at {store.path}" if store.created else None
    app = WorkbenchApp(ws, greeting=created)
    app.run()
    return app.return_code or 0
