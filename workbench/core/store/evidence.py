"""Evidence references: what kind a reference is, file fingerprints, and later checks.

Evidence is referenced, never copied, opened by another program or executed: a file is only
read to compute its SHA-256. Only regular files are read, opened without blocking and checked
on the open descriptor (core/files.py): a FIFO or device (even one swapped in after an earlier
check) is refused instead of hanging, and so is the workbench database itself, whose opening
and closing in this process would drop SQLite's locks.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from workbench.core.files import UnsafePath, name_problem, open_regular, probe, read_chunks
from workbench.core.text import clip

from .errors import ValidationError

Progress = Callable[[int, int], None]  # (bytes hashed, total bytes), called per chunk

KINDS: tuple[str, ...] = ("file", "url", "note")
CHECK_STATES: tuple[str, ...] = ("ok", "missing", "changed", "unreadable", "not_checked")

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_MAILTO_RE = re.compile(r"^mailto:\S+@\S+$", re.IGNORECASE)
# One token ending in a short extension ("report.pdf"): meant as a file name.
_FILE_NAME_RE = re.compile(r"^[^\s/\\]+\.[A-Za-z0-9]{1,5}$")
_CHUNK = 1 << 20


class Fingerprint(NamedTuple):
    sha256: str
    size: int


def hash_file(
    path: Path,
    *,
    shown: str | None = None,
    database: Path | None = None,
    progress: Progress | None = None,
) -> Fingerprint:
    """SHA-256 and size of a regular file's contents, read in chunks. Raises UnsafePath for
    anything but a regular file (and for `database` and its side files), OSError on a read
    error."""
    fd = open_regular(path, shown or str(path), database)
    total = os.fstat(fd).st_size
    digest = hashlib.sha256()
    size = 0
    for chunk in read_chunks(fd, _CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if progress is not None:
            progress(size, total)
    return Fingerprint(digest.hexdigest(), size)


def looks_like_path(ref: str) -> bool:
    text = ref.strip()
    if not text or "\n" in text:
        return False
    if text.startswith(("~", "./", "../", "/", ".\\", "..\\")) or re.match(
        r"^[A-Za-z]:[\\/]", text
    ):
        return True
    if " " not in text and ("/" in text or "\\" in text):
        return True
    return bool(_FILE_NAME_RE.match(text))


def is_url(ref: str) -> bool:
    text = ref.strip()
    return bool(_URL_RE.match(text) or _MAILTO_RE.match(text))


class Resolved(NamedTuple):
    kind: str
    ref: str
    fingerprint: Fingerprint | None


def resolve_reference(
    ref: str,
    kind: str | None = None,
    *,
    base: Path | None = None,
    database: Path | None = None,
    progress: Progress | None = None,
) -> Resolved:
    """Decide what a reference is and normalise it.

    - a URL (`scheme://...`, `mailto:`) is kept as written; `file://` URLs are treated as paths;
    - an existing file is resolved to an absolute path and fingerprinted;
    - text that looks like a path but names no file is refused (say `kind="note"` to keep it);
    - anything else is a free-text note.
    """
    text = ref.strip()
    if not text:
        raise ValidationError("evidence reference is empty")
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"unknown evidence kind {kind!r} (valid: {', '.join(KINDS)})")
    if kind == "note":
        return Resolved("note", text, None)
    if text.lower().startswith("file://"):
        from urllib.parse import unquote, urlparse

        text = unquote(urlparse(text).path) or text
        if kind is None:
            kind = "file"
    if kind == "url" or (kind is None and is_url(text)):
        if not is_url(text):
            raise ValidationError(f"not a URL: {text!r} (expected scheme://...)")
        return Resolved("url", text, None)
    path = Path(os.path.expanduser(text))
    if not path.is_absolute() and base is not None:
        path = base / path
    if kind == "file" or probe(path) is not None or looks_like_path(text):
        fingerprint = _fingerprint_for_add(path, text, database, progress)
        return Resolved("file", str(_absolute(path)), fingerprint)
    return Resolved("note", text, None)


def _absolute(path: Path) -> Path:
    try:
        return path.resolve(strict=False)
    except OSError:
        return path.absolute()


def _fingerprint_for_add(
    path: Path, shown: str, database: Path | None, progress: Progress | None
) -> Fingerprint:
    found = probe(path)
    if found is None:
        why = name_problem(path)
        raise ValidationError(
            f"no such file: {clip(shown, 120)} ({why + '; ' if why else ''}to record it as text, "
            "add it as a note instead)"
        )
    if found == "dir":
        raise ValidationError(
            f"{shown} is a folder: attach the files in it, or a URL or a note describing it"
        )
    try:
        return hash_file(path, shown=shown, database=database, progress=progress)
    except UnsafePath as exc:
        raise ValidationError(str(exc)) from None
    except OSError as exc:
        raise ValidationError(f"cannot read {shown}: {exc.strerror or exc}") from None


class FileCheck(NamedTuple):
    state: str
    detail: str
    fingerprint: Fingerprint | None


def check_file(path: Path, expected: Fingerprint, database: Path | None = None) -> FileCheck:
    """Compare a file with the fingerprint taken when it was attached."""
    try:
        if not path.exists():
            return FileCheck("missing", "file not found", None)
        if path.is_dir():
            return FileCheck("unreadable", "is now a folder", None)
        size = path.stat().st_size
        if size != expected.size:
            # Still hash it so the new fingerprint can be reported.
            now = hash_file(path, database=database)
            return FileCheck(
                "changed", f"size {expected.size} -> {now.size} bytes since attached", now
            )
        now = hash_file(path, database=database)
    except UnsafePath as exc:
        return FileCheck("unreadable", str(exc), None)
    except OSError as exc:
        return FileCheck("unreadable", exc.strerror or str(exc), None)
    if now.sha256 != expected.sha256:
        return FileCheck("changed", "contents differ (SHA-256) since attached", now)
    return FileCheck("ok", "unchanged since attached", now)
