"""Run the real `workbench` app in a pseudo-terminal, as a person does, for multi-process tests.

The app is the installed entry point (`python -m workbench`), started in its own session on a
pty of a fixed size; a thread drains what it draws. Keys are written to the pty. What the app
and every CLI command acknowledged comes from the WORKBENCH_ACK_LOG file (see
workbench/core/store/acklog.py): "ready" once the first screen is up, "ack" for every
committed write with its events' seq and hash, "seen" when the app has shown another
process's changes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


def acked_events(path: Path) -> dict[int, str]:
    """seq -> hash of every event any process acknowledged."""
    acked: dict[int, str] = {}
    for entry in read_log(path):
        if entry["kind"] == "ack":
            for seq, digest in entry["events"]:
                assert acked.get(seq, digest) == digest, f"seq {seq} acknowledged twice"
                acked[seq] = digest
    return acked


def base_env(tmp: Path, log: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        WORKBENCH_ACK_LOG=str(log),
        WORKBENCH_CONFIG_DIR=str(tmp / "config"),
        WORKBENCH_CACHE_DIR=str(tmp / "cache"),
        WORKBENCH_DATA_DIR=str(tmp / "data"),
        WORKBENCH_ACTOR="tester",
        TERM="xterm-256color",
    )
    env.pop("WORKBENCH_DB", None)
    return env


def cli(
    env: dict[str, str], *args: str, check: bool = True, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"workbench {' '.join(args)} -> {proc.returncode}\n{proc.stderr}")
    return proc


class AppUnderPty:
    def __init__(
        self,
        args: Sequence[str],
        env: dict[str, str],
        log: Path,
        size: tuple[int, int] = (120, 40),
    ) -> None:
        self.log = log
        master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbench", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def text(self) -> str:
        """What the app drew, without escape sequences (words of one span stay together)."""
        raw = bytes(self.output).decode(errors="replace")
        return re.sub(
            r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[\]P_^][^\x07\x1b]*(\x07|\x1b\\)?", "", raw
        )

    def entries(self, kind: str) -> list[dict[str, Any]]:
        pid = self.proc.pid
        return [e for e in read_log(self.log) if e["kind"] == kind and e["pid"] == pid]

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 30, what: str = "condition"
    ) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = predicate()
            if found:
                return found
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the app exited ({self.proc.returncode}) waiting for {what}:\n"
                    + self.output[-3000:].decode(errors="replace")
                )
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    def wait_ready(self, timeout: float = 60) -> None:
        self.wait_for(lambda: self.entries("ready"), timeout, "the first screen")

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def acks(self) -> int:
        return len(self.entries("ack"))

    def press_and_wait_ack(self, keys: str, timeout: float = 30) -> dict[str, Any]:
        before = self.acks()
        self.press(keys)
        self.wait_for(lambda: self.acks() > before, timeout, f"the app to save {keys!r}")
        return self.entries("ack")[-1]

    def quit(self, timeout: float = 30) -> int:
        self.press("q")
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        with contextlib.suppress(OSError):
            os.close(self.master)
