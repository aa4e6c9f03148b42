"""The workbench Textual application: screens, live refresh, command palette, help."""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.filter import LineFilter
from textual.screen import Screen
from textual.timer import Timer

from workbench.core.prefs import load_prefs, save_pref
from workbench.core.store import StoreError, acklog
from workbench.core.workspace import Workspace

from .commands import APP_COMMANDS, NAVIGATION, Command, bindings
from .safe_filter import ControlPictures
from .screens.base import WorkbenchScreen
from .screens.browse import BrowseScreen
from .screens.help import HelpScreen
from .screens.readiness import ReadinessScreen

EXPORT_LABELS = {
    "md": "markdown binder",
    "html": "HTML report",
    "csv": "CSV mappings",
    "json": "JSON readiness model",
    "xlsx": "Excel workbook",
}


_CONTROL_PICTURES = ControlPictures()


class WorkbenchApp(App[None]):
    TITLE = "workbench"
    SUB_TITLE = "SOC 2 and SOX, side by side"
    BINDINGS: ClassVar[list[BindingType]] = bindings(*APP_COMMANDS)
    # Below 100 columns the readiness screen stacks its panes; below 150 browse puts the
    # detail under the list, so the list has room for Owner and Due at 120 columns.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (150, "-wide"), (180, "-xwide")]  # noqa: RUF012
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self, workspace: Workspace, *, watch_interval: float = 0.5, greeting: str | None = None
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.greeting = greeting  # said once the first screen is up
        self.watch_interval = watch_interval
        self._seen_version: int | None = None
        self._watch_failed = False
        self._db_identity = self._identity()
        self._db_gone_reported = False
        # Changes waiting for another program's write lock: (what, change, after, screen).
        self._pending_writes: deque[
            tuple[str, Callable[[], object], Callable[[], None] | None, Screen[object]]
        ] = deque()
        self._wait_started = 0.0
        self._wait_timer: Timer | None = None
        self._quit_warned = False
        self._anchor_lost = False  # the remembered history head was not found (anchors.py)
        self.browse_screen = BrowseScreen(workspace)

    def on_mount(self) -> None:
        theme = load_prefs().get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, lambda t: save_pref("theme", t.name))
        self.push_screen(self.browse_screen)
        if self.greeting:
            self.notify(self.greeting, timeout=8)
        self._seen_version = self._data_version()
        self.call_after_refresh(self._settle)
        self.call_after_refresh(acklog.record, "ready")
        self.run_worker(self._check_anchor, thread=True, group="anchor")
        # PRAGMA data_version is one cheap read: polling it is not a busy loop.
        self.set_interval(self.watch_interval, self.check_external_changes)

    def _check_anchor(self, *, at_exit: bool = False) -> None:
        """Is the history head this user last saw still in the chain (core/store/anchors.py)?
        Said loudly when not; otherwise the head seen now is remembered."""
        from workbench.core.store import anchors

        path = self.workspace.store.path
        if path is None or self._anchor_lost:
            return
        found = anchors.check(path)
        if found.lost:
            self._anchor_lost = True
            if not at_exit:
                self.call_from_thread(
                    self.notify,
                    f"HISTORY REWRITTEN OR ROLLED BACK: {found.detail}. Run `workbench verify`.",
                    title="Tamper warning",
                    severity="error",
                    timeout=120,
                )
            return
        if found.state != "unavailable":
            anchors.remember(path, found.head_seq, found.head_hash)

    def on_unmount(self) -> None:
        with contextlib.suppress(Exception):  # best effort: never block or fail the exit
            self._check_anchor(at_exit=True)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Every drawn line passes ControlPictures: no stored or catalog text reaches the
        terminal as a control sequence (safe_filter.py)."""
        return [*super().get_line_filters(), _CONTROL_PICTURES]

    @staticmethod
    def _settle() -> None:
        # Catalogs and the readiness model are long-lived: move them out of the collector's
        # way, or a full collection lands on a key press now and then (p95 74 -> 36 ms here).
        # Then turn the collector back on (`workbench` starts with it off: cli/app_cmd.py).
        gc.freeze()
        gc.enable()

    # -- writes ----------------------------------------------------------------------------
    def run_write(
        self, what: str, change: Callable[[], object], after: Callable[[], None] | None = None
    ) -> None:
        """Run one change through the core, then `after` (the screen's own refresh).

        A store problem becomes a notification, never a crash. When another program holds
        the database's write lock, the change is not left to block (which would freeze the
        app for up to the busy timeout): it waits in a queue, in order with any later ones,
        while the app stays responsive, and is written as soon as the lock is released, or
        reported as not recorded when the busy timeout has passed.
        """
        entry = (what, change, after, self.screen)
        if self._pending_writes:
            self._pending_writes.append(entry)
            return
        if self._writer_busy():
            self._pending_writes.append(entry)
            self._wait_started = time.monotonic()
            self.notify(
                f"The database is locked by another program: {what.lower()} will be saved "
                f"as soon as it is free (waiting up to {_seconds(self._busy_timeout())})",
                severity="warning",
                timeout=4,
            )
            self._wait_timer = self.set_interval(0.1, self._drain_writes)
            return
        self._apply_write(entry, deferred=False)

    @property
    def writes_pending(self) -> int:
        return len(self._pending_writes)

    async def action_quit(self) -> None:
        """Quit, unless changes are still waiting for the database: those would be lost, so
        the first `q` says so and a second one, while they still wait, quits anyway."""
        if self._pending_writes and not self._quit_warned:
            self._quit_warned = True
            n = len(self._pending_writes)
            self.notify(
                f"{n} change(s) are still waiting for the database (locked by another "
                "program) and would be lost: press q again to quit anyway",
                severity="warning",
                timeout=8,
            )
            return
        await super().action_quit()

    def _busy_timeout(self) -> float:
        return self.workspace.store.busy_timeout

    def _writer_busy(self) -> bool:
        # A probe per write (well under a millisecond). A lock taken between the probe and
        # the write makes that one write wait, as before; the next one queues.
        try:
            return self.workspace.store.writer_busy()
        except StoreError:
            return False  # the write itself will report what is wrong

    def _drain_writes(self) -> None:
        if self._writer_busy():
            waited = time.monotonic() - self._wait_started
            if waited < self._busy_timeout():
                return
            dropped = ", ".join(dict.fromkeys(w for w, *_ in self._pending_writes))
            self._pending_writes.clear()
            self._stop_waiting()
            self.notify(
                f"{dropped} failed: the database stayed locked by another program for "
                f"{_seconds(waited)}; nothing was recorded (try again)",
                severity="error",
                timeout=10,
            )
            return
        self._stop_waiting()
        while self._pending_writes:
            self._apply_write(self._pending_writes.popleft(), deferred=True)

    def _stop_waiting(self) -> None:
        self._quit_warned = False
        if self._wait_timer is not None:
            self._wait_timer.stop()
            self._wait_timer = None

    def _apply_write(
        self,
        entry: tuple[str, Callable[[], object], Callable[[], None] | None, Screen[object]],
        *,
        deferred: bool,
    ) -> None:
        what, change, after, screen = entry
        problem = self.database_problem()
        if problem is not None:
            self.notify(f"{what} refused: {problem}", severity="error", timeout=10)
            return
        try:
            change()
        except (StoreError, ValueError) as exc:
            self.notify(f"{what} failed: {exc}", severity="error", timeout=8)
            return
        self.note_own_write()
        if deferred:
            # The screen that asked may have been closed meanwhile: refresh whatever is open.
            if after is not None and screen in self.screen_stack:
                after()
            self.refresh_screens()
            self.notify(f"{what}: saved", timeout=2)
        elif after is not None:
            after()

    # -- live refresh ----------------------------------------------------------------------
    def _data_version(self) -> int | None:
        try:
            version = self.workspace.store.data_version()
        except StoreError as exc:
            if not self._watch_failed:
                self._watch_failed = True
                self.notify(f"Cannot read the database: {exc}", severity="error", timeout=10)
            return None
        if self._watch_failed:
            self._watch_failed = False
            self.notify("Database readable again", timeout=3)
        return version

    def note_own_write(self) -> None:
        """Our own commit changed data_version: remember it so we don't reload for it."""
        self._seen_version = self._data_version()

    def _identity(self) -> tuple[int, int] | None:
        path = self.workspace.store.path
        try:
            st = os.stat(path) if path is not None else None
        except OSError:
            return None
        return (st.st_dev, st.st_ino) if st is not None else None

    def database_problem(self) -> str | None:
        """The database file was deleted or replaced under us: an open SQLite connection would
        go on writing to the old, unlinked file, and those changes would be lost."""
        path = self.workspace.store.path
        if path is None or self._db_identity is None:
            return None
        if self._identity() != self._db_identity:
            return (
                f"the database file {path} was moved, deleted or replaced while open; "
                "changes are not saved: restore the file or restart workbench"
            )
        return None

    def check_external_changes(self) -> None:
        problem = self.database_problem()
        if problem is not None:
            if not self._db_gone_reported:
                self._db_gone_reported = True
                self.notify(problem, severity="error", timeout=30)
            return
        if self._db_gone_reported:
            self._db_gone_reported = False
            self.notify("Database file is back", timeout=3)
        version = self._data_version()
        if version is None or version == self._seen_version:
            return
        self._seen_version = version
        try:
            self.workspace.reload()
        except StoreError as exc:
            self.notify(f"Cannot reload: {exc}", severity="error")
            return
        self.browse_screen.reloaded()
        self.refresh_screens()
        gc.freeze()
        if acklog.enabled():
            head = self.workspace.store.history(limit=1)
            acklog.record("seen", head=head[-1].seq if head else 0)

    def refresh_screens(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, WorkbenchScreen):
                screen.refresh_all()

    # -- navigation ------------------------------------------------------------------------
    def show_readiness(self) -> None:
        self.push_screen(ReadinessScreen(self.workspace))

    def scope_choices(self) -> list[tuple[str, str, str, bool]]:
        r = self.workspace.readiness
        return [
            (
                fw.id,
                node.id,
                f"{fw.name}: {node.title}",
                r.scope.includes(fw.id, node.id, node.default_in),
            )
            for fw in self.workspace.catalog.frameworks.values()
            for node in fw.walk()
            if node.optional
        ]

    @staticmethod
    def _screen_commands(screen: Screen[object]) -> tuple[Command, ...]:
        return screen.COMMAND_LIST if isinstance(screen, WorkbenchScreen) else ()

    # -- how the figures are looked at (the same keys on every screen) -----------------
    def toggle_lens(self) -> None:
        """A view preference of this user (core/prefs.py), not a change to the database."""
        lens = "operating" if self.workspace.readiness.lens == "design" else "design"
        self.workspace.set_lens(lens)
        save_pref("lens", lens)
        self.refresh_screens()
        self.notify(f"Lens: {lens}", timeout=2)

    def edit_scope(self) -> None:
        """Which optional parts are in scope: a recorded decision, one undoable action."""
        from .screens.prompts import ScopePrompt

        def done(result: dict[tuple[str, str], bool] | None) -> None:
            if result is None:
                return
            ws = self.workspace

            def change() -> None:
                for (fw, gid), wanted in result.items():
                    if ws.node_in_scope(fw, gid) != wanted:
                        ws.set_scope(fw, gid, wanted)

            self.run_write("Scope", change, self.refresh_screens)

        self.push_screen(ScopePrompt(self.scope_choices()), done)

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        name = type(screen).__name__.removesuffix("Screen")
        sections = [
            (name, self._screen_commands(screen)),
            ("Everywhere", APP_COMMANDS),
            ("Navigation", NAVIGATION),
        ]
        from workbench.core.testing.words import GLOSSARY

        self.push_screen(HelpScreen(name, sections, GLOSSARY))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette offers the same commands as the keys, then "go to" every ID."""
        for command in (*self._screen_commands(screen), *APP_COMMANDS):
            if command.action:
                yield SystemCommand(
                    command.palette,
                    f"{command.help} [{command.key.split(',')[0]}]",
                    lambda a=command.action, s=screen: self.call_later(s.run_action, a),
                )
        cat = self.workspace.catalog
        browse = self.browse_screen
        for fw in cat.frameworks.values():
            for node in fw.walk():
                yield SystemCommand(
                    f"go to: {node.id}",
                    f"{fw.name} {node.title}",
                    lambda f=fw.id, n=node.id: self._goto(lambda: browse.go_to_requirement(f, n)),
                )
        for cid, ctl in cat.controls.items():
            yield SystemCommand(
                f"go to: {cid}",
                ctl.title,
                lambda c=cid: self._goto(lambda: browse.go_to_control(c)),
            )
        for fmt, label in EXPORT_LABELS.items():
            yield SystemCommand(
                f"export: {label}",
                f"Write the {label} to a file you name",
                lambda f=fmt: self.call_later(self.action_export, f),
            )

    def _goto(self, go: object) -> None:
        while self.screen is not self.browse_screen and len(self.screen_stack) > 1:
            self.pop_screen()
        go()  # type: ignore[operator]

    def action_export(self, fmt: str) -> None:
        """Ask where, then write an export through the same core function as the CLI."""
        from datetime import date

        from .screens.prompts import TextPrompt

        default = f"workbench-{date.today().isoformat()}.{fmt}"

        def done(target: str | None) -> None:
            if not target:
                return
            from pathlib import Path

            from workbench.core.reports import build_report, write_export

            path = Path(target).expanduser()
            try:
                ws = self.workspace
                report = build_report(ws.catalog, ws.store, ws.readiness)
                written = write_export(fmt, report, path, ws.store.path)
            except Exception as exc:  # any failure is a message; the user's work is untouched
                self.notify(f"Export failed: {exc}", severity="error", timeout=10)
                return
            self.notify(f"Wrote {path} ({written:,} bytes)", timeout=5)

        self.push_screen(
            TextPrompt(f"Export {EXPORT_LABELS[fmt]} to", value=default, required=True), done
        )


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"
