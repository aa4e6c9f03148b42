"""Helpers shared by the commands: errors, catalogs and the workspace, argument types,
consoles and the few renderings every command uses.

Every handler is wrapped by `reports_errors`: a StoreError (a ValidationError included) or a
CommandError becomes one line on stderr, `workbench: error: ...` (the one prefix of every
error the CLI prints), and exit code 2 (or the error's code), never a traceback. Text that
comes from catalogs or from users is always printed through rich Text objects, so "[bold]"
prints as written.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from workbench.core.catalog import CatalogSet
    from workbench.core.store import Event
    from workbench.core.workspace import Workspace

ERROR_PREFIX = "workbench: error: "
Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A user error with a message; the command exits with `code` and no traceback."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def fail(message: object, code: int = 2) -> int:
    """Print one error line with the CLI's one prefix; the exit code to return."""
    sys.stderr.write(f"{ERROR_PREFIX}{message}\n")
    return code


def reports_errors(handler: Handler) -> Handler:
    """Turn store and command errors into a message on stderr and an exit code."""

    @functools.wraps(handler)
    def wrapper(args: argparse.Namespace) -> int:
        from workbench.core.store import StoreError

        try:
            return handler(args)
        except CommandError as exc:
            return fail(exc, exc.code)
        except StoreError as exc:
            return fail(exc)

    return wrapper


def console(stderr: bool = False) -> Console:
    from .safe_output import SafeConsole, raw_stream

    # highlight=False: catalog text is shown literally, not re-coloured. The console writes
    # styling to the real stream and neutralises the text itself (safe_output.py).
    stream = raw_stream(sys.stderr if stderr else sys.stdout)
    return SafeConsole(file=stream, highlight=False, soft_wrap=False)


def load_catalogs_or_exit(args: argparse.Namespace) -> CatalogSet:
    """Catalogs for this run; on problems print the full report and exit 2."""
    from workbench.core.catalog import CatalogError, load_catalogs

    try:
        return load_catalogs(
            args.catalogs, bundled_controls=not getattr(args, "no_bundled_controls", False)
        )
    except CatalogError as exc:
        sys.stderr.write(exc.report() + "\n")
        raise SystemExit(2) from None


def db_target(args: argparse.Namespace) -> Path:
    """The database file: --db (a path or a sqlite:/// URL), else the default. A URL of
    another database is refused by name, not taken for a folder called "postgres:"."""
    from workbench.core.paths import default_db_path

    if not args.db:
        return default_db_path()
    if "://" not in str(args.db):
        return Path(args.db)
    from workbench.core.store.engine import resolve_target

    target = resolve_target(str(args.db))  # StoreError for other databases: one line, exit 2
    if target.path is None:
        raise CommandError("an in-memory database keeps nothing: give a file or sqlite:///PATH")
    return target.path


@contextmanager
def open_workspace(
    args: argparse.Namespace, *, create: bool = True, control_ids: Sequence[str] = ()
) -> Iterator[Workspace]:
    """Catalogs + store + readiness for one command.

    Commands that only read pass create=False: a missing database is an error (exit 2) and
    nothing is created. `control_ids` are checked against the catalogs (the Workspace's own
    check) before the database is opened, so a mistyped ID creates nothing either."""
    from workbench.core import validate
    from workbench.core.prefs import preferred_lens
    from workbench.core.store import Store, resolve_actor
    from workbench.core.workspace import Workspace

    catalogs = load_catalogs_or_exit(args)
    if control_ids:
        validate.check_ids(control_ids, catalogs.controls)
    actor = resolve_actor(args.actor)
    # A StoreError from here on is one line and exit 2: reports_errors, or the CLI's runner.
    store = Store.open(db_target(args), create=create)
    try:
        yield Workspace(catalogs, store, actor, lens=preferred_lens())
    finally:
        store.close()


def recorded_statuses(args: argparse.Namespace) -> dict[str, str]:
    """The recorded status of each control, read without the catalogs (an import shows them
    beside the controls it changes while the catalogs may not load). Nothing is created: no
    database, or one that cannot be read, means none."""
    from workbench.core.store import Store, StoreError

    try:
        with Store.open(db_target(args), create=False) as store:
            return {cid: st.status.value for cid, st in store.states().items() if st.recorded}
    except StoreError:
        return {}


def actor_of(args: argparse.Namespace) -> str:
    from workbench.core.store import resolve_actor

    return resolve_actor(getattr(args, "actor", None))


def print_json(data: object) -> None:
    import json

    from workbench.core.text import json_safe

    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(json_safe(text) + "\n")


def bar(pct: float, width: int = 20) -> str:
    """A text bar: eighths of a cell, so small differences still show."""
    cells = max(0.0, min(100.0, pct)) / 100 * width
    full = int(cells)
    part = int((cells - full) * 8)
    partial = " ▏▎▍▌▋▊▉"[part] if full < width else ""
    return ("█" * full + partial).ljust(width, "·")


# -- argument types ----------------------------------------------------------------------------


def date_arg(text: str) -> date:
    """argparse type: YYYY-MM-DD (a bad value exits 2 with the expected format)."""
    from workbench.core.store import StoreError, parse_date

    try:
        return parse_date(text)
    except StoreError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def since_arg(text: str) -> datetime:
    """argparse type: YYYY-MM-DD (start of that day, UTC) or an ISO date-time."""
    value = text.strip()
    if len(value) == 10:
        from workbench.core.store import StoreError, parse_date

        try:
            day = parse_date(value, stored=False)
        except StoreError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid date {text!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {text!r}")
    return value


# -- presentation ------------------------------------------------------------------------------


def status_text(status: str) -> Text:
    """A status in its one label and style (workbench/presentation)."""
    from workbench.presentation import status_text as styled

    return styled(status)


def fmt_at(moment: datetime | None) -> str:
    """UTC, to the second: 2025-03-31 14:05:09Z."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def history_table(events: Sequence[Event], *, show_control: bool = True) -> Any:
    from rich.table import Table
    from rich.text import Text

    from workbench.core.store.describe import describe_change

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("who")
    if show_control:
        table.add_column("control")
    table.add_column("change")
    for ev in events:
        change = Text(describe_change(ev))
        if ev.field == "status":
            change = Text.assemble(
                "status: ",
                status_text(ev.old_value or "not_started"),
                " -> ",
                status_text(ev.new_value or "not_started"),
            )
        if ev.undoes is not None:
            change = Text.assemble(Text(f"undo of action {ev.undoes}: ", style="italic"), change)
        cells = [Text(str(ev.seq)), Text(fmt_at(ev.at)), Text(ev.actor)]
        if show_control:
            cells.append(Text(ev.control_id or "-"))
        cells.append(change)
        table.add_row(*cells)
    return table
