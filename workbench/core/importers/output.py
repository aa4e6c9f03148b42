"""Turning an import into a user catalog file: YAML text, validation among every other
catalog, the difference from the file it replaces, and the atomic write.

Nothing is written unless the import has no error and the new catalog validates together
with the bundled catalogs and every other user catalog (the file it replaces left out).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.catalog import CatalogError, CatalogSet, expand, load_catalog_files
from workbench.core.catalog.sources import catalog_paths, display_path
from workbench.core.files import check_write_target

from .problems import ImportFailure, ImportProblem, Where
from .result import ImportResult

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_INDEX = re.compile(r"\[([^\]]+)\]")


def context_files(
    target: Path, extra_dirs: Sequence[Path] = (), include_bundled: bool = True
) -> list[Path]:
    """Every catalog file that loads with the imported one: bundled, configured user
    catalogs, minus `target` itself (the import replaces it)."""
    files, problems = expand(catalog_paths(extra_dirs, include_bundled))
    if problems:
        raise CatalogError(problems)
    try:
        mine = target.resolve()
    except OSError:
        mine = target.absolute()
    return [f for f in files if f.resolve() != mine]


def load_context(
    target: Path, extra_dirs: Sequence[Path] = (), *, bundled_controls: bool = True
) -> CatalogSet:
    """The catalogs an import is read against (raises CatalogError when they are invalid)."""
    return load_catalog_files(
        context_files(target, extra_dirs), display_path, replace_library=not bundled_controls
    )


def render_yaml(data: Mapping[str, Any], note: str) -> str:
    """The catalog file's text: a comment saying where it came from, then block YAML (the part
    of YAML the fast catalog reader reads)."""
    from .yamlout import dump

    head = "".join(f"# {line}\n" if line else "#\n" for line in note.splitlines())
    return head + dump(data)


def validate(
    result: ImportResult,
    text: str,
    target: Path,
    extra_dirs: Sequence[Path] = (),
    *,
    bundled_controls: bool = True,
) -> list[ImportProblem]:
    """Load the new catalog with every other one; problems in it name their source row."""
    shown = display_path(target)
    with tempfile.TemporaryDirectory(prefix="workbench-import-") as tmp:
        path = Path(tmp) / target.name
        path.write_text(text, encoding="utf-8")
        files = [*context_files(target, extra_dirs), path]

        def display(p: Path) -> str:
            return shown if p == path else display_path(p)

        try:
            load_catalog_files(files, display, replace_library=not bundled_controls)
        except CatalogError as exc:
            return [
                _problem(result, p.file, p.line, p.path, p.message, shown) for p in exc.problems
            ]
    return []


def _problem(
    result: ImportResult, file: str, line: int, path: str, message: str, shown: str
) -> ImportProblem:
    if file == shown:
        if message.startswith("duplicate control id") and "catalogs/controls.yaml" in message:
            message += (
                "; the bundled control library has it: replace the library "
                "(--replace-bundled) or give your controls other ids"
            )
        for m in reversed(list(_INDEX.finditer(path))):  # the deepest object that has one
            key = m.group(1)
            origin = result.origins.get((path[: m.start()], int(key) if key.isdigit() else key))
            if origin is not None:
                return ImportProblem(origin, message)
        return ImportProblem(Where(result.source, path=path), message)
    return ImportProblem(Where(file, path=f"line {line}" + (f", {path}" if path else "")), message)


# -- the difference from the file being replaced ---------------------------------------------
@dataclass(slots=True)
class Change:
    id: str
    fields: tuple[str, ...] = ()  # for a changed item: the fields that differ
    status: str | None = None  # recorded status of a control (kept whatever happens)


@dataclass(slots=True)
class Diff:
    section: str  # controls | requirements | links
    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def items_of(data: Mapping[str, Any], section: str) -> dict[str, dict[str, Any]]:
    """{id: object} of a section; framework requirements across every framework."""
    if section == "requirements":
        out: dict[str, dict[str, Any]] = {}
        for fw in data.get("frameworks") or []:
            if isinstance(fw, dict):
                for node in fw.get("requirements") or []:
                    if isinstance(node, dict) and "id" in node:
                        out[f"{fw.get('id')}:{node['id']}"] = node
        return out
    if section == "links":
        out = {}
        for cw in data.get("crosswalks") or []:
            if isinstance(cw, dict):
                src, dst = cw.get("source"), cw.get("target")
                for link in cw.get("links") or []:
                    if isinstance(link, dict):
                        out[f"{src}:{link.get('from')}->{dst}:{link.get('to')}"] = link
        return out
    return {
        str(item["id"]): item
        for item in data.get(section) or []
        if isinstance(item, dict) and "id" in item
    }


def diff(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    section: str,
    statuses: Mapping[str, str] | None = None,
) -> Diff:
    """What the new content adds, changes and removes compared with the old file's."""
    statuses = statuses or {}
    before = items_of(old or {}, section)
    after = items_of(new, section)
    out = Diff(section)
    for key, item in after.items():
        prev = before.get(key)
        if prev is None:
            out.added.append(Change(key))
        elif prev != item:
            fields = tuple(k for k in dict.fromkeys([*prev, *item]) if prev.get(k) != item.get(k))
            out.changed.append(Change(key, fields, statuses.get(key)))
        else:
            out.unchanged += 1
    for key in before:
        if key not in after:
            out.removed.append(Change(key, (), statuses.get(key)))
    return out


def read_existing(target: Path) -> Mapping[str, Any] | None:
    """The content of the catalog an import replaces (None when there is none or it cannot be
    read: the import then shows everything as added)."""
    import yaml

    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


# -- writing ---------------------------------------------------------------------------------
def write_catalog(target: Path, text: str, database: Path | None = None) -> None:
    """Write the catalog atomically (a new file next to it, then a rename); the folder is
    created when missing. Raises ImportFailure."""
    from workbench.core.files import UnsafePath

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        final = check_write_target(target, database)
    except (UnsafePath, OSError) as exc:
        raise ImportFailure(str(exc)) from None
    tmp = final.parent / f".{final.name}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ImportFailure(f"cannot write {target}: {exc.strerror or exc}") from None
