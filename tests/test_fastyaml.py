"""The fast catalog reader gives exactly what PyYAML gives (values, types, lines), or steps
aside: it never accepts a document PyYAML rejects, and never reads one differently."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.core.catalog.fastyaml import Unsupported, fast_load
from workbench.core.catalog.synthetic import synthetic_data
from workbench.core.catalog.yamlsrc import DuplicateKeyError, LDict, LList, load_yaml

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "catalogs").glob("*.yaml"))


def difference(a: Any, b: Any, path: str = "$") -> str | None:
    """Where two parsed documents differ, in value, type or line; None when identical."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} {a!r} != {type(b).__name__} {b!r}"
    if isinstance(a, LDict):
        if (a.line, list(a), a.key_lines) != (b.line, list(b), b.key_lines):
            return f"{path}: line/keys {a.line} {a.key_lines} != {b.line} {b.key_lines}"
        for k in a:
            if found := difference(a[k], b[k], f"{path}.{k}"):
                return found
        return None
    if isinstance(a, LList):
        if (a.line, len(a), a.item_lines) != (b.line, len(b), b.item_lines):
            return f"{path}: line/items {a.line} {a.item_lines} != {b.line} {b.item_lines}"
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            if found := difference(x, y, f"{path}[{k}]"):
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def agree(text: str) -> bool:
    """Assert the readers agree; True when the fast reader handled the text itself."""
    try:
        expected: Any = load_yaml(text)
        error = None
    except (yaml.YAMLError, DuplicateKeyError, ValueError) as exc:
        expected, error = None, exc
    try:
        got = fast_load(text)
    except Unsupported:
        return False
    assert error is None, f"fast reader accepted a document PyYAML rejects ({error}):\n{text}"
    found = difference(got, expected)
    assert found is None, f"{found}\n--- document ---\n{text}"
    return True


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_catalogs_read_identically_on_the_fast_path(path: Path) -> None:
    assert agree(path.read_text(encoding="utf-8"))


def test_fixture_catalogs_read_identically() -> None:
    fixtures = sorted((ROOT / "tests" / "fixtures").rglob("*.yaml"))
    assert fixtures
    for path in fixtures:
        agree(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("width", [40, 80, 10_000])
def test_dumped_synthetic_catalog_reads_identically(width: int) -> None:
    data = synthetic_data(300, 150, 1_200, frameworks=2, seed=7)
    text = yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, width=width)
    assert agree(text)


HAND_WRITTEN = [
    # comments, blank lines, a document marker, sequences at the key's indentation
    "---\n# header\ncatalog:\n  id: x   # trailing comment\n\n  title: T\nitems:\n- a\n- b\n",
    # indented sequences, nested mappings in items, quoted scalars with '' and escapes
    "a:\n  - id: 'it''s'\n    n: \"tab\\there \\u00e9\"\n  - id: x\n    sub:\n      k: v\n",
    # folded and literal block scalars, with blank lines and chomping
    "d: >-\n  one\n  two\n\n  three\nl: |\n  x\n  y\n\nz: >\n  end\n",
    # multi-line plain and single-quoted scalars
    "p: first line\n  second line\n\n  after blank\nq: 'quoted\n  goes on'\n",
    # one-line flow collections, as the test fixtures use them
    "r:\n  - {id: A, title: 'T, with comma', n: 3}\n  - [x, y, 'z']\n",
    # scalars PyYAML resolves to other types
    "v: [yes, No, ~, 010, 0x1F, 1_000, 1e3, .inf, 2027-01-31, '2027-01-31', 12:30]\n",
    "b: yes\nc: off\nn: null\ni: -12\nf: 3.5\nt: 2027-01-31 10:00:00\ne:\nk: 0o17\n",
    # values that look like keys or comments but are not
    "u: http://example.com/a#frag\nw: a#b\nx: 'a: b'\ny: \"# not a comment\"\n",
    # keys that PyYAML turns into other types, stringified by our loader
    "1: one\ntrue: yes\nnull: x\n",
    # errors PyYAML reports: the fast reader must step aside
    "a: 1\n  b: 2\n",
    "a: 1\na: 2\n",
    "a:\n  - x\n   - y\n",
    "a: b: c\n",
    "a: 'unterminated\n",
    "a: [1, 2\n",
    "- a\nb: 1\n",
    "a: 2027-13-45\n",
    "a: &anchor 1\nb: *anchor\n",
    "a: !!str 1\n",
    "a:\n\tb: 1\n",
    "a: bell\x07here\n",
    "a: next\x85line\n",
    "a: line\u2028sep\n",
    "\ufeffa: 1\n",
    "a: 1\r\nb: 2\r\n",
    "",
    "# only a comment\n",
]


@pytest.mark.parametrize("text", HAND_WRITTEN)
def test_hand_written_documents(text: str) -> None:
    agree(text)


def test_common_constructs_stay_on_the_fast_path() -> None:
    for text in HAND_WRITTEN[:9]:
        assert agree(text), text


# -- generated documents --------------------------------------------------------------------
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "yes",
        "No",
        "null",
        "~",
        "010",
        "1_000",
        "0x1F",
        "1e3",
        "-",
        "- x",
        "a: b",
        "a:",
        "#x",
        "x #y",
        "'q'",
        '"dq"',
        "it's",
        "2027-01-31",
        "12:30",
        "tab\there",
        "é ü",
        "line\nbreak",
        "two\n\nbreaks",
        "trailing ",
        " leading",
        "[x]",
        "{y}",
        "&a",
        "*b",
        "!c",
        "%d",
        "@e",
        "`f",
        "|",
        ">",
        "?",
        "<<",
        "=",
    ]
)
WORDS = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 -_.:#'\"é\n")),
    min_size=0,
    max_size=30,
)
SCALARS = st.one_of(
    TRICKY,
    WORDS,
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, width=32),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
)
KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=4),
        st.dictionaries(KEYS, inner, min_size=1, max_size=4),
    ),
    max_leaves=25,
).filter(lambda d: isinstance(d, dict | list))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=DOCS,
    width=st.sampled_from([12, 30, 80, 200]),
    indent=st.sampled_from([2, 4]),
    style=st.sampled_from([None, None, None, "'", '"', "|", ">"]),
    unicode=st.booleans(),
)
def test_generated_documents_agree(
    doc: Any, width: int, indent: int, style: str | None, unicode: bool
) -> None:
    text = yaml.dump(
        doc,
        Dumper=yaml.SafeDumper,
        default_flow_style=False,
        default_style=style,
        width=width,
        indent=indent,
        allow_unicode=unicode,
        sort_keys=False,
    )
    agree(text)


@settings(max_examples=400, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), edits=st.integers(1, 4), sample=st.integers(0, 1))
def test_damaged_catalog_text_is_never_read_differently(seed: int, edits: int, sample: int) -> None:
    """Random damage to a hand-written catalog or a dumped one: the fast reader agrees or
    steps aside."""
    rng = random.Random(seed)
    lines = _SAMPLES[sample].splitlines(keepends=True)
    for _ in range(edits):
        k = rng.randrange(len(lines))
        line = lines[k]
        choice = rng.randrange(6)
        if choice == 0:
            lines[k] = " " + line
        elif choice == 1 and line.startswith(" "):
            lines[k] = line[1:]
        elif choice == 2:
            pos = rng.randrange(len(line))
            lines[k] = line[:pos] + rng.choice(":#-'\" >|[{") + line[pos:]
        elif choice == 3:
            del lines[k]
        elif choice == 4:
            lines.insert(k, "\n")
        else:
            lines.insert(k, line)
        if not lines:
            lines = ["\n"]
    agree("".join(lines))


_SAMPLES = [
    "".join(
        (ROOT / "catalogs" / "controls.yaml").read_text(encoding="utf-8").splitlines(True)[:80]
    ),
    "".join(
        yaml.dump(
            synthetic_data(20, 10, 60, frameworks=2, seed=3),
            Dumper=yaml.CSafeDumper,
            sort_keys=False,
        ).splitlines(True)[:120]
    ),
]
