"""Bring your own controls: risk-control matrices, OSCAL catalogs and CISO Assistant
libraries into user catalogs (docs/catalog-format.md).

    outcome = plan_import("rcm", data, "acme-rcm.xlsx", target, options=Options(...))
    print("\\n".join(preview_lines(outcome)))
    if not outcome.errors:
        write_catalog(outcome.target, outcome.text)

Each reader turns a file into a catalog file's content and a list of problems, each with
its place (sheet, row, column; or a field path); `plan_import` then checks the new catalog
together with every other one (the file it replaces left out) and works out what changes
compared with that file. Nothing is written by this package except by `write_catalog`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .documents import FrameworkOptions
from .output import Diff, diff, load_context, read_existing, render_yaml, validate, write_catalog
from .problems import ImportFailure, ImportProblem, Where
from .rcm import Options, mapping_file, parse_map
from .result import ImportResult, Preview

KINDS: tuple[str, ...] = ("rcm", "oscal", "ciso")
MAX_BYTES = 128 * 1024 * 1024  # a file larger than this is refused before it is read


@dataclass(slots=True)
class Outcome:
    result: ImportResult
    target: Path
    text: str = ""  # the catalog file (empty when the import has errors)
    diffs: list[Diff] = field(default_factory=list)
    replaces: bool = False  # the target exists (a re-import)

    @property
    def errors(self) -> list[ImportProblem]:
        return self.result.errors


def read_source(path: Path, database: Path | None = None) -> bytes:
    """The bytes of a file the user names: a regular file, never the open database, at most
    MAX_BYTES. Raises ImportFailure."""
    from workbench.core.files import UnsafePath, open_regular, read_chunks

    shown = str(path)
    try:
        fd = open_regular(path, shown, database)
    except UnsafePath as exc:
        raise ImportFailure(str(exc).replace("can be evidence", "can be imported")) from None
    chunks: list[bytes] = []
    size = 0
    for chunk in read_chunks(fd):
        size += len(chunk)
        if size > MAX_BYTES:
            raise ImportFailure(f"{shown}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


def plan_import(
    kind: str,
    data: bytes,
    name: str,
    target: Path,
    *,
    options: Options | FrameworkOptions,
    extra_dirs: Sequence[Path] = (),
    bundled_controls: bool = True,
    statuses: Mapping[str, str] | None = None,
) -> Outcome:
    """Read a file and prepare its catalog: every problem, the YAML text when there is none,
    and the difference from the catalog it replaces. Raises ImportFailure (an unreadable
    file) and CatalogError (the other catalogs do not load)."""
    from workbench.core.paths import bundled_catalog_dir

    if target.resolve().parent == bundled_catalog_dir().resolve():
        raise ImportFailure(f"{target}: the bundled catalogs' folder is not for user catalogs")
    if isinstance(options, Options) and options.replace_bundled:
        bundled_controls = False  # the new catalog replaces the library: read it without
    context = load_context(target, extra_dirs, bundled_controls=bundled_controls)
    result: ImportResult
    if kind == "rcm":
        from .rcm import read_rcm

        assert isinstance(options, Options)
        result = read_rcm(data, name, context, options)
    elif kind == "oscal":
        from .oscal import read_oscal

        assert isinstance(options, FrameworkOptions)
        result = read_oscal(data, name, context, options)
    elif kind == "ciso":
        from .ciso import read_ciso

        assert isinstance(options, FrameworkOptions)
        result = read_ciso(data, name, context, options)
    else:
        raise ImportFailure(f"unknown import kind {kind!r} (expected one of: {', '.join(KINDS)})")
    outcome = Outcome(result, target, replaces=target.exists())
    if result.errors:
        return outcome
    note = (
        f"Imported by workbench from {name} on {date.today().isoformat()}.\n"
        "Re-importing the file replaces this one (the difference is shown first); recorded\n"
        "statuses, evidence and tests stay in the database whatever changes here."
    )
    text = render_yaml(result.data, note)
    problems = validate(result, text, target, extra_dirs, bundled_controls=bundled_controls)
    result.problems += problems
    if result.errors:
        return outcome
    outcome.text = text
    old = read_existing(target)
    outcome.diffs = [diff(old, result.data, section, statuses) for section in result.items]
    return outcome


def preview_lines(outcome: Outcome, limit: int = 50) -> list[str]:
    """The preview a person reads before anything is written."""
    r = outcome.result
    p = r.preview
    out = [f"Import {p.title} -> {outcome.target}"]
    out += [f"  {fact}" for fact in p.facts]
    counts = ", ".join(f"{n} {what}" for what, n in p.counts if n or what in ("controls",))
    if counts:
        out.append(f"  adds: {counts}")
    if p.first_rows:
        out.append("  first rows:")
        out += [f"    {row}" for row in p.first_rows]
    if p.unmapped:
        out.append(f"  not imported ({len(p.unmapped)}): " + "; ".join(p.unmapped[:20]))
    for d in outcome.diffs:
        out += _diff_lines(d, outcome.replaces)
    problems = sorted(r.problems, key=lambda x: (not x.is_error,))
    if problems:
        errors = len(r.errors)
        out.append(f"  problems: {errors} error(s), {len(problems) - errors} warning(s)")
        out += [f"    {p}" for p in problems[:limit]]
        if len(problems) > limit:
            out.append(f"    ... and {len(problems) - limit} more")
    return out


def _diff_lines(d: Diff, replaces: bool) -> list[str]:
    if not replaces:
        return []
    if d.empty:
        return [f"  compared with the current file: no {d.section} added, changed or removed"]
    out = [
        f"  compared with the current file ({d.section}): {len(d.added)} added, "
        f"{len(d.changed)} changed, {len(d.removed)} removed, {d.unchanged} unchanged"
    ]

    def state(c: Any) -> str:
        return f" (recorded: {c.status}; kept)" if c.status else ""

    for c in d.added[:20]:
        out.append(f"    + {c.id}")
    for c in d.changed[:20]:
        out.append(f"    ~ {c.id}: {', '.join(c.fields)}{state(c)}")
    for c in d.removed[:20]:
        out.append(f"    - {c.id}{state(c)}")
    return out


__all__ = [
    "KINDS",
    "MAX_BYTES",
    "Diff",
    "FrameworkOptions",
    "ImportFailure",
    "ImportProblem",
    "ImportResult",
    "Options",
    "Outcome",
    "Preview",
    "Where",
    "mapping_file",
    "parse_map",
    "plan_import",
    "preview_lines",
    "read_source",
    "write_catalog",
]
