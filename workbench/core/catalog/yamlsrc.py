"""YAML reading that remembers the line of every key and list item.

The loader needs lines to name where a problem is; PyYAML's constructor drops them, so we
construct mappings and sequences into small subclasses that carry them.
"""

from __future__ import annotations

from typing import Any

import yaml

try:  # the C parser is ~8x faster on big catalogs
    _BaseLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _BaseLoader = yaml.SafeLoader


class LDict(dict[str, Any]):
    """A mapping with its own line and the line of each key."""

    __slots__ = ("key_lines", "line")
    line: int
    key_lines: dict[str, int]


class LList(list[Any]):
    """A sequence with its own line and the line of each item."""

    __slots__ = ("item_lines", "line")
    line: int
    item_lines: list[int]


class DuplicateKeyError(Exception):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key = key
        self.line = line


class _LineLoader(_BaseLoader):  # type: ignore[misc]
    pass


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LDict:
    out = LDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in out:
            raise DuplicateKeyError(key, key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LList:
    out = LList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml(text: str) -> Any:
    """Parse one YAML document; raises yaml.YAMLError or DuplicateKeyError."""
    return yaml.load(text, Loader=_LineLoader)


def line_of(container: Any, key: str | int, default: int) -> int:
    """Line of a key (LDict) or item (LList), else the container's line, else default."""
    if isinstance(container, LDict) and isinstance(key, str):
        return container.key_lines.get(key, container.line)
    if isinstance(container, LList) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return getattr(container, "line", default)
