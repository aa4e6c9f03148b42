"""A cache of validated catalogs, so a big catalog is parsed once, not at every start.

Even with the fast reader (fastyaml.py), parsing and validating a 10,000-control catalog
takes about 0.6 s; an unchanged set of files is instead read back (about 0.2 s) from a
pickle written after it last validated (for a big catalog, when the process exits).
The key covers every file's resolved path, size and modification time, the names messages
use for them and the workbench version, so an edited, added or removed file always means a
fresh parse and validation. Only catalogs that validated are cached.

Unpickling runs code named by the file, so a cache file is only unpickled when it is
provably our own: it must be a regular file owned by this user and writable by no one else,
named for this user, and carry an HMAC-SHA256 (over its name and contents) made with a
per-user key kept 0600 in the config directory (`cache.key`). A planted file, even in a
shared `XDG_CACHE_HOME` or `WORKBENCH_CACHE_DIR`, fails one of these checks and is ignored:
the catalogs are parsed again. Checking the MAC costs a few milliseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path

from workbench.core.files import OTHERS_ANY, read_private, uid
from workbench.core.paths import config_dir

from .gcpause import gc_paused
from .model import CatalogSet

CACHE_FORMAT = 3  # 3: accounts, risks, retired controls, crosswalks
KEEP = 4  # cache files kept (several catalog sets, e.g. the demo and a real review)
DEFER_MIN_CONTROLS = 2_000  # from this size on, the cache is written at exit
MAGIC = b"workbench-catalog-cache 3\n"
MAC_SIZE = 32
KEY_FILE = "cache.key"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def cache_dir() -> Path:
    override = os.environ.get("WORKBENCH_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_path

    return user_cache_path("workbench", appauthor=False) / "catalogs"


def cache_path(key: str) -> Path:
    """The file for `key`: named for the user, so users sharing a folder never share files."""
    return cache_dir() / f"catalogs-u{uid()}-{key}.pickle"


def cache_key(files: Sequence[Path], names: Sequence[str], options: str = "") -> str:
    """Changes with any file's path, size or modification time, with the names messages use
    for the files (they are relative to the working directory when below it), with the
    loading options (e.g. the bundled control library switched off) and with the workbench
    version."""
    from workbench import __version__

    h = hashlib.sha256(f"{CACHE_FORMAT}|{__version__}|{options}".encode())
    for f, name in zip(files, names, strict=True):
        st = f.stat()
        h.update(f"|{f.resolve()}|{st.st_size}|{st.st_mtime_ns}|{f}|{name}".encode())
    return h.hexdigest()[:32]


def secret_key(create: bool = True) -> bytes | None:
    """This user's cache key (32 random bytes, 0600, readable by no one else), created on
    first use. None when there is none or it is not private: the cache is then not used."""
    path = config_dir() / KEY_FILE
    key = read_private(path, OTHERS_ANY, 64)
    if key is not None:
        return key if len(key) == 32 else None
    if not create or path.is_symlink() or path.exists():
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except OSError:
        return None
    new = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as fh:
        fh.write(new)
    return new


def _mac(secret: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(secret, name.encode() + b"\0" + payload, hashlib.sha256).digest()


def read(key: str) -> CatalogSet | None:
    path = cache_path(key)
    data = read_private(path)
    if data is None or not data.startswith(MAGIC):
        return None
    secret = secret_key(create=False)
    if secret is None:
        return None
    body = data[len(MAGIC) :]
    mac, payload = body[:MAC_SIZE], body[MAC_SIZE:]
    if not hmac.compare_digest(mac, _mac(secret, path.name, payload)):
        return None  # not written by this user's workbench: never unpickled
    try:
        with gc_paused():
            loaded = pickle.loads(payload)  # authenticated above: our own bytes
    except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
        return None
    return loaded if isinstance(loaded, CatalogSet) else None


def write_soon(key: str, catalog: CatalogSet) -> None:
    """Write the cache without holding up the caller's first screen or first output.

    Pickling a 10,000-control catalog takes about 0.35 s, so a big catalog is written when
    the process exits (after the app has given the terminal back, or after a command has
    printed); a small one (the bundled catalogs pickle in a few milliseconds) at once. A
    process that is killed writes nothing: the next start parses again and caches then.
    """
    if len(catalog.controls) < DEFER_MIN_CONTROLS:
        write(key, catalog)
        return
    import atexit

    atexit.register(write, key, catalog)


def write(key: str, catalog: CatalogSet) -> None:
    """Best effort: a cache that cannot be written only costs speed."""
    secret = secret_key()
    if secret is None:
        return
    target = cache_path(key)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")  # 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + _mac(secret, target.name, payload) + payload)
        os.replace(tmp, target)
        mine = sorted(
            folder.glob(f"catalogs-u{uid()}-*.pickle"),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for stale in mine[KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        return
