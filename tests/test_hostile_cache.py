"""A planted catalog cache file never runs code (issue 11).

The attack: a pickle whose `__reduce__` calls a function when loaded, saved in the cache
folder under the exact name the loader reads. It must never be unpickled, whether it is a bare
pickle, carries a forged MAC, or is a genuine file that others can write.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from workbench.cli import run as cli_run
from workbench.core.catalog import cache, load_catalogs
from workbench.core.catalog.sources import catalog_paths, display_path, expand

MINI = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"


class _Payload:
    """Unpickling this creates `marker` (open(marker, 'w')): proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (str(self.marker), "w"))


def _malicious(marker: Path) -> bytes:
    return pickle.dumps(_Payload(marker))


def _cache_file(extra: list[Path]) -> Path:
    """The exact file name the loader uses for these catalogs."""
    files, _ = expand(catalog_paths(extra))
    return cache.cache_path(cache.cache_key(files, [display_path(f) for f in files]))


def _plants(marker: Path) -> dict[str, bytes]:
    bad = _malicious(marker)
    return {
        "bare pickle": bad,
        "forged MAC": cache.MAGIC + b"\0" * cache.MAC_SIZE + bad,
    }


@pytest.mark.parametrize("kind", ["bare pickle", "forged MAC"])
def test_the_loader_never_unpickles_a_planted_file(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "pwned"
    target = _cache_file([MINI])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_plants(marker)[kind])
    # also under the name older versions used
    (target.parent / f"{target.name.split('-', 2)[2]}").write_bytes(_malicious(marker))
    cat = load_catalogs([MINI])
    assert not marker.exists()
    assert cat.controls  # parsed again instead
    # and the loader replaced the planted file with its own authenticated one
    assert load_catalogs([MINI]).controls.keys() == cat.controls.keys()
    assert not marker.exists()


def test_a_genuine_file_that_others_can_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_catalogs([MINI])
    target = _cache_file([MINI])
    assert target.exists() and target.stat().st_mode & 0o077 == 0
    os.chmod(target, 0o666)
    calls: list[int] = []
    real = pickle.loads
    monkeypatch.setattr(cache.pickle, "loads", lambda b: calls.append(1) or real(b))
    assert load_catalogs([MINI]).controls
    assert calls == []


def test_a_key_that_others_can_read_is_not_trusted(tmp_path: Path) -> None:
    load_catalogs([MINI])
    from workbench.core.paths import config_dir

    key = config_dir() / cache.KEY_FILE
    assert key.stat().st_mode & 0o777 == 0o600
    os.chmod(key, 0o644)
    assert cache.secret_key() is None
    # a planted key cannot authenticate a planted pickle either
    marker = tmp_path / "pwned"
    target = _cache_file([MINI])
    forged = _malicious(marker)
    secret = key.read_bytes()
    target.write_bytes(cache.MAGIC + cache._mac(secret, target.name, forged) + forged)
    os.chmod(target, 0o600)
    load_catalogs([MINI])
    assert not marker.exists()


def test_cache_files_are_named_for_the_user() -> None:
    assert cache.cache_path("k").name == f"catalogs-u{os.geteuid()}-k.pickle"


@pytest.mark.parametrize("command", [["status"], ["mark", "ELC-01", "effective"], ["export"]])
@pytest.mark.parametrize("kind", ["bare pickle", "forged MAC"])
def test_cli_commands_never_unpickle_a_planted_file(
    tmp_path: Path,
    command: list[str],
    kind: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    marker = tmp_path / "pwned"
    db = tmp_path / "wb.db"
    assert cli_run(["--db", str(db), "mark", "ELC-01", "in_progress"]) == 0  # writes the cache
    target = _cache_file([])
    assert target.exists()
    target.write_bytes(_plants(marker)[kind])
    argv = ["--db", str(db), *command]
    if command == ["export"]:
        argv += ["--format", "json", "-o", str(tmp_path / "out.json")]
    assert cli_run(argv) == 0
    capsys.readouterr()
    assert not marker.exists()
