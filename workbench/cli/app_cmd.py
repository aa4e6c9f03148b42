"""Start the full-screen app (the default when no command is given)."""

from __future__ import annotations

import argparse
import gc

from .common import db_target, fail, load_catalogs_or_exit, open_workspace


def run_app(args: argparse.Namespace) -> int:
    # Start-up allocates the catalogs, the readiness model and Textual's modules, and none of
    # it is garbage: with a big catalog alive, the collector's repeated full passes over it
    # cost 0.1-0.2 s before the first screen. The app turns it back on once it has painted.
    gc.disable()
    from workbench.core.store import resolve_actor
    from workbench.core.store.snapshot import LazyStore, read_snapshot

    catalogs = load_catalogs_or_exit(args)
    path = db_target(args)
    snapshot = read_snapshot(path)
    if snapshot is None:
        # New, old-version or suspect file: the full store creates, upgrades or refuses it.
        with open_workspace(args) as ws:
            return _run(ws)
    from workbench.core.prefs import preferred_lens
    from workbench.core.workspace import Workspace

    def open_store():  # type: ignore[no-untyped-def]
        from workbench.core.store import Store

        return Store.open(path)

    store = LazyStore(snapshot, open_store)
    try:
        return _run(Workspace(catalogs, store, resolve_actor(args.actor), lens=preferred_lens()))
    finally:
        try:
            store.close()
        except Exception as exc:  # the app already reported it; don't end on a traceback
            fail(exc)


def _run(ws) -> int:  # type: ignore[no-untyped-def]
    from workbench.tui.app import WorkbenchApp

    store = ws.store
    created = f"Created a new database at {store.path}" if store.created else None
    app = WorkbenchApp(ws, greeting=created)
    app.run()
    return app.return_code or 0
