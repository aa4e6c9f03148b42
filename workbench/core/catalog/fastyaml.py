"""A fast reader for the block-style YAML that catalogs are written in.

PyYAML's C loader takes over a second to read a 10,000-control catalog (3.7 MB), most of it
building event and node objects in Python. Catalogs use a small part of YAML: block mappings
and sequences, plain and quoted scalars, folded/literal descriptions, one-line flow
collections. This module reads exactly that part line by line, with the same results as
`yamlsrc.load_yaml` (same values, same types, same line numbers), in about a third of the
time (benchmarks/bench_catalog.py). Anything outside that part raises `Unsupported` and the
caller falls back to PyYAML, which also gives the exact message for a syntax error. Scalars
are resolved with PyYAML's own resolver table and constructors, so `yes`, `1_000` and
`2027-01-01` mean what they mean to PyYAML.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from .yamlsrc import DuplicateKeyError, LDict, LList, load_yaml


class Unsupported(Exception):
    """The text uses YAML this reader does not handle; use the full parser."""


# A block-mapping key: a plain word (letters, digits, '_', '-', '.', no leading indicator).
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.\-]*):(?: +|$)")
# Every line in one pass (in C): indentation, a sequence dash, a key, and the rest.
_LINE = re.compile(r"^( *)(- +)?(?:([A-Za-z0-9_][A-Za-z0-9_.\-]*):(?: +|$))?(.*)$", re.M)
_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = Resolver.yaml_implicit_resolvers
_CONSTRUCTORS = SafeConstructor.yaml_constructors
_constructor = SafeConstructor()
# First characters after which a plain scalar would be something else in YAML.
_BAD_START = frozenset("?:,[]{}#&*!|>'\"%@`")
# Values starting with these take the careful path (quotes, blocks, flows, indicators).
_SLOW_START = _BAD_START | frozenset("-")
_MISS = object()
# Anything but printable characters and "\n": tabs, "\r", NEL, U+2028/9 (line breaks to
# YAML), the byte-order mark, control characters (which PyYAML rejects).
_ODD_CHAR = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_ESCAPES = {
    "0": "\0",
    "a": "\x07",
    "b": "\x08",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\x0b",
    "f": "\x0c",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX = {"x": 2, "u": 4, "U": 8}


def resolve_plain(value: str) -> Any:
    """A plain scalar's value, exactly as PyYAML's SafeLoader reads it."""
    resolvers = _RESOLVERS.get(value[0] if value else "")
    if resolvers:
        for tag, regexp in resolvers:
            if regexp.match(value):
                if tag in ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"):
                    raise Unsupported(tag)
                return _CONSTRUCTORS[tag](_constructor, ScalarNode(tag, value))
    return value


def _unescape(body: str) -> str:
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        j = body.find("\\", i)
        if j < 0:
            out.append(body[i:])
            break
        out.append(body[i:j])
        if j + 1 >= n:
            raise Unsupported("escaped line break")
        c = body[j + 1]
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
            i = j + 2
        elif c in _HEX:
            width = _HEX[c]
            code = body[j + 2 : j + 2 + width]
            if len(code) != width or not all(ch in "0123456789abcdefABCDEF" for ch in code):
                raise Unsupported("bad escape")
            out.append(chr(int(code, 16)))
            i = j + 2 + width
        else:
            raise Unsupported("bad escape")
    return "".join(out)


def _after_quote(rest: str) -> None:
    """What follows a closing quote on its line must be nothing or a comment."""
    if rest and not rest.isspace():
        stripped = rest.lstrip(" ")
        if not stripped.startswith("#") or stripped == rest:
            raise Unsupported("text after a quoted scalar")


def _shift(value: Any, offset: int) -> Any:
    """Move the line numbers of a value parsed on its own to where it stands in the file."""
    if isinstance(value, LDict):
        value.line += offset
        value.key_lines = {k: v + offset for k, v in value.key_lines.items()}
        for v in value.values():
            _shift(v, offset)
    elif isinstance(value, LList):
        value.line += offset
        value.item_lines = [ln + offset for ln in value.item_lines]
        for v in value:
            _shift(v, offset)
    return value


class _Reader:
    def __init__(self, text: str) -> None:
        if _ODD_CHAR.search(text):
            raise Unsupported("tabs, other line breaks, a byte-order mark or control characters")
        lines = self.lines = text.split("\n")
        n = self.n = len(lines)
        toks = self.toks = _LINE.findall(text)
        if len(toks) != n:  # pragma: no cover - one match per line by construction
            raise Unsupported("line split mismatch")
        self.inds = [len(t[0]) for t in toks]
        # nxt[i]: the first line at or after i that is neither blank nor a comment
        nxt = self.nxt = [n] * (n + 1)
        k = n
        for j in range(n - 1, -1, -1):
            _ind, dash, key, rest = toks[j]
            if dash or key or (rest and rest[0] != "#"):
                k = j
            nxt[j] = k
        self.scalars: dict[str, Any] = {}  # catalogs repeat values: resolve each once

    def resolve(self, s: str) -> Any:
        value = self.scalars.get(s, _MISS)
        if value is _MISS:
            value = self.scalars[s] = resolve_plain(s)
        return value

    def simple_plain(self, s: str, i: int, ind: int) -> bool:
        """Whether s, on line i under indentation ind, is a one-line plain scalar: no
        indicator, comment or colon, and a next line that is no continuation of it."""
        if s[0] in _SLOW_START or " #" in s or ": " in s or s[-1] in ": ":
            return False
        j = i + 1
        return j == self.n or self.inds[j] <= ind < len(self.lines[j])

    def next_content(self, i: int) -> int:
        """Index of the first line at or after i that is neither blank nor a comment."""
        return self.nxt[i] if i < self.n else self.n

    @staticmethod
    def is_item(line: str, col: int) -> bool:
        """Whether line has a sequence dash at column col."""
        return line[col : col + 2] == "- " or (len(line) == col + 1 and line[col] == "-")

    # -- block nodes -------------------------------------------------------------------
    def document(self) -> Any:
        i = self.next_content(0)
        if i < self.n and self.lines[i].rstrip(" ") == "---":
            i = self.next_content(i + 1)
        if i >= self.n:
            raise Unsupported("empty document")
        line = self.lines[i]
        if line.startswith(("---", "...", "%")):
            raise Unsupported("document markers or directives")
        ind = self.inds[i]
        value: LDict | LList
        if self.is_item(line, ind):
            value, j = self.sequence(i, ind)
        elif _KEY.match(line, ind):
            value, j = self.mapping(i, ind)
        else:
            raise Unsupported("top-level scalar or unusual key")
        if self.next_content(j) < self.n:
            raise Unsupported("content after the top-level node")
        return value

    def sequence(self, i: int, ind: int) -> tuple[LList, int]:
        """A block sequence whose dashes stand at column ind; the first is on line i."""
        out = LList()
        out.line = i + 1
        item_lines: list[int] = []
        out.item_lines = item_lines
        toks, inds, nxt, n = self.toks, self.inds, self.nxt, self.n
        while True:
            _ind, dash, key, rest = toks[i]
            item_lines.append(i + 1)
            if key:
                item, i = self.mapping(i, ind + len(dash))
            elif not rest or rest[0] == "#":
                raise Unsupported("empty sequence item")
            elif rest[:2] == "- " or rest == "-":
                raise Unsupported("nested sequence on one line")
            elif self.simple_plain(rest, i, ind):
                item = self.resolve(rest)
                i += 1
            else:
                item, i = self.value(rest, i, ind)
            out.append(item)
            i = nxt[i]
            if i >= n:
                break
            cur = inds[i]
            if cur < ind:
                break
            if cur > ind:
                raise Unsupported("unexpected indentation in a sequence")
            if not toks[i][1]:
                if self.lines[i][ind] == "-":
                    raise Unsupported("a dash without a space")
                break  # a key of the parent mapping, at the parent's indentation
        return out, i

    def mapping(self, i: int, col: int) -> tuple[LDict, int]:
        """A block mapping whose keys stand at column col; the first key is on line i
        (after a sequence dash, or at the start of its line)."""
        out = LDict()
        out.line = i + 1
        key_lines: dict[str, int] = {}
        out.key_lines = key_lines
        toks, inds, nxt, n = self.toks, self.inds, self.nxt, self.n
        key: Any
        while True:
            _ind, _dash, key, rest = toks[i]
            if not key:
                raise Unsupported("unusual key")
            if key[0] in _RESOLVERS:  # "true", "null", "1"... as keys; "title" stays itself
                key = str(self.resolve(key))
            if key in out:
                raise Unsupported("duplicate key: the full parser reports it")
            key_lines[key] = i + 1
            if not rest or rest[0] == "#":
                value, i = self.nested(i + 1, col)
            elif self.simple_plain(rest, i, col):  # the common case
                value = self.resolve(rest)
                i += 1
            else:
                value, i = self.value(rest, i, col)
            out[key] = value
            i = nxt[i]
            if i >= n:
                break
            cur = inds[i]
            if cur < col:
                break
            if cur > col or toks[i][1] or self.lines[i][col] == "-":
                raise Unsupported("unexpected line in a mapping")
        return out, i

    def nested(self, i: int, col: int) -> tuple[Any, int]:
        """The value of `key:` with nothing after it: a block below, or null."""
        j = self.next_content(i)
        if j >= self.n:
            return None, i
        line = self.lines[j]
        ind = self.inds[j]
        if self.is_item(line, ind) and ind >= col:
            return self.sequence(j, ind)
        if ind > col:
            if _KEY.match(line, ind):
                return self.mapping(j, ind)
            raise Unsupported("scalar on the line after its key")
        return None, i

    # -- scalars -----------------------------------------------------------------------
    def value(self, s: str, i: int, ind: int) -> tuple[Any, int]:
        """A value that starts on line i as text s; ind is the indentation of its parent."""
        c = s[0]
        if c == "'":
            return self.single_quoted(s, i, ind)
        if c == '"':
            return self.double_quoted(s), i + 1
        if c in "[{":
            return self.flow(s, i), i + 1
        if c in "|>":
            return self.block_scalar(s, i, ind)
        if c in _BAD_START or (c in "-?:" and s[1:2] in ("", " ")):
            raise Unsupported("indicator")
        return self.plain(s, i, ind)

    def plain(self, s: str, i: int, ind: int) -> tuple[Any, int]:
        comment = s.find(" #")
        if comment >= 0:
            s = s[:comment]
        s = s.rstrip(" ")
        if ": " in s or s.endswith(":"):
            raise Unsupported("colon in a plain scalar")
        # Continuation lines are more indented than the parent; blank lines are breaks.
        lines = self.lines
        j = i + 1
        parts = [s]
        breaks = 0
        while j < self.n:
            line = lines[j]
            t = line.lstrip(" ")
            if not t:
                breaks += 1
                j += 1
                continue
            if len(line) - len(t) <= ind or t[0] == "#":
                break
            t = t.rstrip(" ")
            if comment >= 0 or ": " in t or t.endswith(":") or " #" in t:
                raise Unsupported("complex plain continuation")
            if t[:2] == "- " or t == "-":
                raise Unsupported("sequence after a scalar")
            parts.append("\n" * breaks if breaks else " ")
            parts.append(t)
            breaks = 0
            j += 1
        if len(parts) == 1:
            return self.resolve(s), i + 1
        return self.resolve("".join(parts)), j

    def double_quoted(self, s: str) -> str:
        k = 1
        n = len(s)
        while k < n:
            ch = s[k]
            if ch == "\\":
                k += 2
                continue
            if ch == '"':
                _after_quote(s[k + 1 :])
                return _unescape(s[1:k])
            k += 1
        raise Unsupported("multi-line double-quoted scalar")

    def single_quoted(self, s: str, i: int, ind: int) -> tuple[str, int]:
        chunks: list[str] = []
        text = s[1:]
        j = i
        first = True
        while True:
            pos = 0
            buf: list[str] = []
            closed = False
            while True:
                q = text.find("'", pos)
                if q < 0:
                    buf.append(text[pos:])
                    break
                if text[q + 1 : q + 2] == "'":
                    buf.append(text[pos : q + 1])
                    pos = q + 2
                    continue
                buf.append(text[pos:q])
                _after_quote(text[q + 1 :])
                closed = True
                break
            piece = "".join(buf)
            if not first:
                piece = piece.lstrip(" ")
            if closed:
                chunks.append(piece)
                return "".join(chunks), j + 1
            chunks.append(piece.rstrip(" "))
            first = False
            # The scalar goes on: one line break folds to a space, blank lines are breaks.
            j += 1
            breaks = 0
            while j < self.n and not self.lines[j].strip(" "):
                breaks += 1
                j += 1
            if j >= self.n or self.inds[j] <= ind:
                raise Unsupported("unterminated single-quoted scalar")
            chunks.append("\n" * breaks if breaks else " ")
            text = self.lines[j]

    def block_scalar(self, s: str, i: int, ind: int) -> tuple[str, int]:
        header = s.split(" #", 1)[0].rstrip(" ")
        if header not in ("|", "|-", ">", ">-"):
            raise Unsupported("block scalar header")
        lines = self.lines
        j = i + 1
        body: list[str] = []
        col = -1
        while j < self.n:
            line = lines[j]
            if not line:
                if col < 0:
                    raise Unsupported("leading blank line in a block scalar")
                body.append("")
                j += 1
                continue
            t = line.lstrip(" ")
            cur = len(line) - len(t)
            if not t:
                raise Unsupported("spaces-only line in a block scalar")
            if col < 0:
                if cur <= ind:
                    break
                col = cur
            elif cur < col:
                break
            if cur > col or line[-1] == " ":
                raise Unsupported("more-indented line or trailing spaces in a block scalar")
            body.append(t)
            j += 1
        while body and not body[-1]:
            body.pop()
        if not body:
            raise Unsupported("empty block scalar")
        if header[0] == ">":
            out: list[str] = [body[0]]
            breaks = 0
            for ln in body[1:]:
                if not ln:
                    breaks += 1
                    continue
                out.append("\n" * breaks if breaks else " ")
                out.append(ln)
                breaks = 0
            text = "".join(out)
        else:
            text = "\n".join(body)
        if not header.endswith("-"):
            text += "\n"
        return text, i + 1 + len(body)

    def flow(self, s: str, i: int) -> Any:
        """A one-line flow collection: PyYAML reads it, we move its lines to line i."""
        depth = 0
        quote = ""
        end = -1
        k = 0
        n = len(s)
        while k < n:
            ch = s[k]
            if quote:
                if ch == "\\" and quote == '"':
                    k += 1
                elif ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth == 0:
                    end = k
                    break
            k += 1
        if end < 0:
            raise Unsupported("multi-line flow collection")
        _after_quote(s[end + 1 :])
        try:
            value = load_yaml(s[: end + 1])
        except (yaml.YAMLError, DuplicateKeyError, ValueError) as exc:
            raise Unsupported("the full parser reports this") from exc
        return _shift(value, i)


def fast_load(text: str) -> Any:
    """Parse a catalog document; raises Unsupported when the full parser must be used."""
    try:
        return _Reader(text).document()
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        # a scalar PyYAML's constructors reject (e.g. a 13th month): let PyYAML say so
        raise Unsupported(str(exc)) from exc
