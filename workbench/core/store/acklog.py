"""A record of what this process acknowledged, for the durability tests.

When WORKBENCH_ACK_LOG names a file, every committed write appends one JSON line with the
sequence numbers and hashes of the history events it returned, and the app appends a line
when it is ready and whenever it has shown another process's changes. A test that kills the
process at random moments then compares what was acknowledged with what is on disk.
Unset (always, outside tests), each call is one dictionary lookup.

Lines are written with one `write(2)` on an O_APPEND descriptor, so they survive a SIGKILL
of the writer (they are in the kernel's page cache) and lines from several processes never
interleave.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

ENV = "WORKBENCH_ACK_LOG"


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def record(kind: str, **data: Any) -> None:
    target = os.environ.get(ENV)
    if not target:
        return
    line = json.dumps({"kind": kind, "pid": os.getpid(), "t": time.time(), **data})
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)
