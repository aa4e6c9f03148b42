"""The one canonical JSON encoding of the store.

Used for what the hash chain hashes (chain.py) and for the records history keeps as old and
new values (evidence, periods, tests, samples, findings): sorted keys, no whitespace, UTF-8
text (not ASCII-escaped), so two equal records always encode to the same text and the same
hash. Changing it would change every hash: it is part of the database format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def canonical_json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
