"""The command line: global options, sub-commands, and the app when no command is given.

Each command module exposes `register(subparsers)`; handlers take the parsed arguments and
return an exit code. Exit codes: 0 success, 1 a check failed (verify, --fail-under), 2 bad
input (arguments, catalogs, database).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import (
    coverage_cmd,
    demo_cmd,
    evidence_cmd,
    export_cmd,
    findings_cmd,
    history_cmd,
    import_cmd,
    mark_cmd,
    period_cmd,
    readiness_cmds,
    sampling_cmd,
    scope_cmd,
    show_cmd,
    testing_cmd,
    undo_cmd,
    validate_cmd,
    verify_cmd,
)

COMMAND_MODULES = [
    validate_cmd,
    readiness_cmds,
    scope_cmd,
    mark_cmd,
    show_cmd,
    evidence_cmd,
    history_cmd,
    undo_cmd,
    verify_cmd,
    demo_cmd,
    export_cmd,
    period_cmd,
    testing_cmd,
    findings_cmd,
    sampling_cmd,
    coverage_cmd,
    import_cmd,
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        from .common import ERROR_PREFIX

        self.print_usage(sys.stderr)  # names the command
        self.exit(2, f"{ERROR_PREFIX}{message}\n")


def _add_global_options(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    """--db, --catalogs and --actor. Commands accept them too (`workbench mark X effective
    --db x.db`): there they default to SUPPRESS so that they never undo a value given before
    the command, and --catalogs collects into its own list, merged in run()."""
    keep: dict[str, object] = {"default": argparse.SUPPRESS} if nested else {}
    parser.add_argument(
        "--db",
        type=str,  # a Path would fold a sqlite:////abs.db URL into a relative path
        metavar="PATH",
        help="database file or sqlite:///PATH URL (default: $WORKBENCH_DB, else workbench.db "
        "in the user data dir)",
        **keep,  # type: ignore[arg-type]
    )
    parser.add_argument(
        "--catalogs",
        type=Path,
        action="append",
        dest="command_catalogs" if nested else "catalogs",
        metavar="DIR",
        help="extra catalog folder or file (repeatable); also $WORKBENCH_CATALOGS",
        **(keep or {"default": []}),  # type: ignore[arg-type]
    )
    parser.add_argument(
        "--actor",
        metavar="NAME",
        help="who makes changes (default: $WORKBENCH_ACTOR, else OS user)",
        **keep,  # type: ignore[arg-type]
    )
    parser.add_argument(
        "--no-bundled-controls",
        action="store_true",
        help="leave the bundled control library out (keep the SOC 2 and SOX frameworks)",
        **keep,  # type: ignore[arg-type]
    )


def _commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every command and sub-command parser below `parser`."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += [child, *_commands(child)]
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="workbench",
        description="SOC 2 and SOX controls side by side. With no command, opens the app.",
    )
    _add_global_options(parser, nested=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    for command in _commands(parser):
        _add_global_options(command.add_argument_group("global options"), nested=True)  # type: ignore[arg-type]
    return parser


INT_MAX = 2**63 - 1  # SQLite's largest integer


def _unstorable(args: argparse.Namespace) -> str | None:
    """A value no command can use: an integer beyond SQLite's range (it would overflow deep
    in a query) or text with bytes that are not UTF-8 (argv keeps them as surrogates, which
    cannot be stored or printed). Checked once here, for every option and argument."""
    from workbench.core.text import neutralise

    for name, value in vars(args).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            label = f"--{name.replace('_', '-')}" if not name.endswith("_id") else name
            if isinstance(item, int) and not isinstance(item, bool) and abs(item) > INT_MAX:
                return f"{label}: {item} is too large (at most {INT_MAX:,})"
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return (
                        f"{label}: {neutralise(item, keep='')!r} is not valid UTF-8 "
                        "(undecodable bytes shown as \\udcXX)"
                    )
    return None


def run(argv: Sequence[str]) -> int:
    from .safe_output import safe_streams

    with safe_streams():  # nothing reaches the terminal as a control sequence
        return _run(argv)


def _run(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    problem = _unstorable(args)
    if problem:
        from .common import fail

        return fail(problem)
    args.catalogs = [*args.catalogs, *getattr(args, "command_catalogs", [])]
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            from .app_cmd import run_app

            return run_app(args)
        code: int = handler(args)
        return code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # A store refusal that no command caught (e.g. a bad WORKBENCH_ACTOR when the app
        # starts): one line, exit 2, never a traceback.
        from workbench.core.store import StoreError

        from .common import fail

        if isinstance(exc, StoreError):
            return fail(exc)
        if isinstance(exc, OSError):
            # A path the system refuses (a name over 255 bytes in --db, --catalogs or a
            # WORKBENCH_*_DIR, a folder without permission): say which and why, in one line.
            from workbench.core.text import clip

            where = f": {clip(str(exc.filename), 200)}" if exc.filename else ""
            return fail(f"{exc.strerror or exc}{where}")
        raise
