"""Helpers shared by the store commands (mark, show, evidence, history, undo, verify).

Every handler is wrapped by `reports_errors`: a StoreError or CommandError becomes one line on
stderr and exit code 2 (or the error's code), never a traceback. Text that comes from catalogs
or from users is always printed through rich Text objects, so "[bold]" prints as written.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import sys
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from workbench.core.store.describe import describe_change

from .common import CommandError, db_target

if TYPE_CHECKING:
    from rich.text import Text

    from workbench.core.store import Event, Store

Handler = Callable[[argparse.Namespace], int]


def reports_errors(handler: Handler) -> Handler:
    """Turn store and command errors into a message on stderr and an exit code."""

    @functools.wraps(handler)
    def wrapper(args: argparse.Namespace) -> int:
        from workbench.core.store import StoreError

        try:
            return handler(args)
        except CommandError as exc:
            sys.stderr.write(f"workbench: error: {exc}\n")
            return exc.code
        except StoreError as exc:
            sys.stderr.write(f"workbench: error: {exc}\n")
            return 2

    return wrapper


def open_store(args: argparse.Namespace, *, create: bool = True) -> Store:
    """The database for this run (--db, WORKBENCH_DB, or the default file).

    Commands that only read pass create=False: a missing database is an error (exit 2,
    "no database at PATH") and nothing is created; commands that write create it (0600).
    """
    from workbench.core.store import Store

    return Store.open(db_target(args), create=create)


def actor_of(args: argparse.Namespace) -> str:
    from workbench.core.store import resolve_actor

    return resolve_actor(getattr(args, "actor", None))


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


# -- control IDs -------------------------------------------------------------------------------


def check_known(
    control_ids: Sequence[str], known: Collection[str], *, changing: bool = True
) -> None:
    """CommandError naming every unknown ID, with close matches when there are some."""
    unknown = [cid for cid in control_ids if cid not in known]
    if not unknown:
        return
    parts = []
    by_upper = {k.upper(): k for k in known}
    for cid in unknown:
        guess = by_upper.get(cid.upper())
        close = [guess] if guess else difflib.get_close_matches(cid, list(known), n=3, cutoff=0.6)
        parts.append(f"{cid} (did you mean {' or '.join(close)}?)" if close else cid)
    plural = "s" if len(unknown) > 1 else ""
    outcome = "; nothing was changed" if changing else ""
    raise CommandError(
        f"unknown control ID{plural}: {', '.join(parts)}{outcome} "
        "(`workbench validate` checks the loaded catalogs)"
    )


# -- presentation ------------------------------------------------------------------------------


def status_text(status: str) -> Text:
    from rich.text import Text

    from workbench.presentation import STATUS_LABELS, STATUS_STYLES

    return Text(STATUS_LABELS.get(status, status), style=STATUS_STYLES.get(status, ""))


def fmt_at(moment: datetime | None) -> str:
    """UTC, to the second: 2025-03-31 14:05:09Z."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def history_table(events: Sequence[Event], *, show_control: bool = True) -> Any:
    from rich.table import Table
    from rich.text import Text

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
