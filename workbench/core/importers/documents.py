"""Reading a JSON or YAML document (OSCAL, CISO Assistant), and the helpers the framework
importers share: ids in the catalog's alphabet, and requirement trees whose parents are
groups."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .problems import ImportFailure

_ID_BAD = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(slots=True)
class FrameworkOptions:
    framework_id: str = ""  # default: from the document
    name: str = ""  # short display name (default: from the title)
    catalog_id: str = ""
    title: str = ""
    source: str = ""  # CISO mapping sets: our id of the source framework
    target: str = ""  # ... and of the target framework


def load_document(data: bytes, name: str) -> Any:
    """A JSON or YAML document (by suffix, else by its first character). Raises ImportFailure
    naming the line of a syntax error."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailure(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    suffix = Path(name).suffix.lower()
    is_json = suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip()[:1] in "{[")
    if is_json:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFailure(
                f"{name}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
        except RecursionError:
            raise ImportFailure(f"{name}: nested too deeply to read") from None
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ImportFailure(f"{name}: not valid YAML: {exc.problem or exc.context}{line}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ImportFailure(f"{name}: not valid YAML: {exc}") from None


def clean_id(text: str) -> str:
    """An item id from a document's identifier ('A.5.1', 'ac-2.1' stay; '1.1 (a)' becomes
    '1.1-a')."""
    return _ID_BAD.sub("-", text.strip()).strip("-._") or "X"


def unique(candidate: str, taken: set[str]) -> str:
    out, n = candidate, 2
    while out in taken:
        out, n = f"{candidate}-{n}", n + 1
    taken.add(out)
    return out


def text_of(value: Any) -> str:
    """A document's text value as a plain string ('' for anything else)."""
    return value.strip() if isinstance(value, str) else ""


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
