"""Load catalog files into a CatalogSet, reporting every problem with file, line and field."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .fastyaml import Unsupported, fast_load
from .gcpause import gc_paused
from .model import (
    ACCOUNT_KINDS,
    ASSERTIONS,
    CONTROL_TYPES,
    FILER_STATUSES,
    FREQUENCIES,
    INFORMATION_KINDS,
    LEVELS,
    NATURES,
    NODE_KINDS,
    PRIMARY,
    RELATIONSHIPS,
    SUPPORTING,
    SYSTEM_KINDS,
    Account,
    CatalogInfo,
    CatalogSet,
    Control,
    CrosswalkLink,
    Framework,
    MappingRef,
    Requirement,
    Retired,
    Risk,
    Source,
    System,
)
from .problems import CatalogError, Problem
from .yamlsrc import DuplicateKeyError, LList, line_of, load_yaml

SLUG_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
ITEM_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class Spec:
    """What one field of a catalog object must hold."""

    type: str  # str | int | bool | list | map | ref
    required: bool = False
    choices: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    what: str = ""


class Specs(dict[str, Spec]):
    """The fields of one kind of catalog object, with its required ones listed once."""

    def __init__(self, fields: dict[str, Spec]) -> None:
        super().__init__(fields)
        self.required = tuple(key for key, spec in fields.items() if spec.required)


CATALOG_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=SLUG_RE, what="lowercase letters, digits, '-' or '_'"),
        "title": Spec("str", True),
        "version": Spec("str", True),
        "description": Spec("str"),
        # This catalog replaces the bundled control library (its controls, systems, accounts
        # and risks); the bundled frameworks stay.
        "replaces_bundled_controls": Spec("bool"),
    }
)
FRAMEWORK_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=SLUG_RE, what="lowercase letters, digits, '-' or '_'"),
        "name": Spec("str", True),
        "title": Spec("str"),
        "version": Spec("str"),
        "description": Spec("str"),
        "requirements": Spec("list", True),
    }
)
NODE_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=ITEM_ID_RE, what="letters, digits, '.', '-' or '_'"),
        "kind": Spec("str", choices=NODE_KINDS),
        "level": Spec("str"),
        "title": Spec("str", True),
        "description": Spec("str"),
        "parent": Spec("str"),
        "optional": Spec("bool"),
        "default_scope": Spec("str", choices=("in", "out")),
        "coso": Spec("int"),
        "filers": Spec("list"),
    }
)
CONTROL_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=ITEM_ID_RE, what="letters, digits, '.', '-' or '_'"),
        "title": Spec("str", True),
        "description": Spec("str", True),
        "domain": Spec("str", True),
        "frequency": Spec("str", True, choices=FREQUENCIES),
        "type": Spec("str", True, choices=CONTROL_TYPES),
        "nature": Spec("str", True, choices=NATURES),
        "key": Spec("bool"),
        "owner_role": Spec("str"),
        "systems": Spec("list"),
        "covers": Spec("list"),
        "satisfies": Spec("map"),
        "supports": Spec("map"),
        "risks": Spec("list"),
        "process": Spec("str"),
        "subprocess": Spec("str"),
        "ipe": Spec("list"),
    }
)
ACCOUNT_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=ITEM_ID_RE, what="letters, digits, '.', '-' or '_'"),
        "name": Spec("str", True),
        "kind": Spec("str", choices=ACCOUNT_KINDS),
        "assertions": Spec("list", True),
        "description": Spec("str"),
    }
)
RISK_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=ITEM_ID_RE, what="letters, digits, '.', '-' or '_'"),
        "title": Spec("str", True),
        "description": Spec("str"),
        "accounts": Spec("list", True),
        "assertions": Spec("list", True),
        "likelihood": Spec("str", choices=LEVELS),
        "magnitude": Spec("str", choices=LEVELS),
        "fraud": Spec("bool"),
    }
)
RETIRE_FIELDS = Specs({"id": Spec("str"), "ids": Spec("list"), "reason": Spec("str", True)})
CROSSWALK_FIELDS = Specs(
    {"source": Spec("str", True), "target": Spec("str", True), "links": Spec("list", True)}
)
LINK_FIELDS = Specs(
    {
        "from": Spec("str", True),
        "to": Spec("str", True),
        "relationship": Spec("str", choices=RELATIONSHIPS),
    }
)
MAPPING_FIELDS = Specs(
    {
        "control": Spec("str", True),
        "satisfies": Spec("map"),
        "supports": Spec("map"),
    }
)
SYSTEM_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=ITEM_ID_RE, what="letters, digits, '.', '-' or '_'"),
        "name": Spec("str", True),
        "kind": Spec("str", True, choices=SYSTEM_KINDS),
        "description": Spec("str"),
    }
)
# The two blocks that map a control to requirements, and the role each gives its mappings.
MAPPING_BLOCKS: tuple[tuple[str, str], ...] = (("satisfies", PRIMARY), ("supports", SUPPORTING))
REF_FIELDS = Specs(
    {
        "id": Spec("str", True),
        "relationship": Spec("str", choices=RELATIONSHIPS),
        "rationale": Spec("str"),
    }
)
TOP_FIELDS = Specs(
    {
        "catalog": Spec("map", True),
        "frameworks": Spec("list"),
        "systems": Spec("list"),
        "controls": Spec("list"),
        "mappings": Spec("list"),
        "accounts": Spec("list"),
        "risks": Spec("list"),
        "retire": Spec("list"),
        "crosswalks": Spec("list"),
    }
)
_TYPE_NAMES = {
    "str": "text",
    "int": "a whole number",
    "bool": "true or false",
    "list": "a list",
    "map": "a mapping",
}


@dataclass(slots=True)
class _File:
    """Problems and raw objects gathered from one file."""

    name: str
    problems: list[Problem]
    info: CatalogInfo | None = None
    frameworks: list[tuple[dict[str, Any], list[dict[str, Any]], Source]] = field(
        default_factory=list
    )
    controls: list[tuple[dict[str, Any], Source]] = field(default_factory=list)
    systems: list[tuple[dict[str, Any], Source]] = field(default_factory=list)
    # (control, system id, line, path, field): every `systems`/`covers` entry, checked at merge
    system_refs: list[tuple[str, str, int, str]] = field(default_factory=list)
    # (control, framework, requirement, relationship, rationale, line, list path, index, role)
    refs: list[tuple[str, str, str, str | None, str, int, str, int, str]] = field(
        default_factory=list
    )
    mapping_controls: list[tuple[str, Source, str]] = field(default_factory=list)
    accounts: list[tuple[dict[str, Any], Source, str]] = field(default_factory=list)
    risks: list[tuple[dict[str, Any], Source, str]] = field(default_factory=list)
    # (control, risk id, line, path) and (control, system id, line, path): checked at merge
    risk_refs: list[tuple[str, str, int, str]] = field(default_factory=list)
    ipe_refs: list[tuple[str, str, int, str]] = field(default_factory=list)
    # (control id, reason, where, path) for every retired id
    retire: list[tuple[str, str, Source, str]] = field(default_factory=list)
    # (crosswalk fields, links with their line and path, where, path)
    crosswalks: list[tuple[dict[str, Any], list[tuple[dict[str, Any], int, str]], Source, str]] = (
        field(default_factory=list)
    )
    replaces_library: bool = False
    bundled: bool = False  # one of the bundled catalog files

    @property
    def library(self) -> bool:
        """A bundled file that defines no framework: part of the bundled control library."""
        return self.bundled and not self.frameworks

    def add(self, line: int, path: str, message: str) -> None:
        self.problems.append(Problem(self.name, line, path, message))


def _type_ok(spec: Spec, value: Any) -> bool:
    if spec.type == "str":
        return isinstance(value, str)
    if spec.type == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.type == "bool":
        return isinstance(value, bool)
    if spec.type == "list":
        return isinstance(value, list)
    if spec.type == "map":
        return isinstance(value, dict)
    return True


def _fields(f: _File, obj: Any, path: str, line: int, specs: Specs) -> dict[str, Any]:
    """Check one object against its field specs; return the fields that passed.

    This runs for every object of a catalog (60,000 in a 10,000-control one), so the common
    case (a text field that is fine) is checked first and field paths and lines are only
    worked out for a problem."""
    if not isinstance(obj, dict):
        f.add(line, path, f"expected a mapping, found {_describe(obj)}")
        return {}
    own_line = getattr(obj, "line", line)
    out: dict[str, Any] = {}
    for key, value in obj.items():
        spec = specs.get(key)
        if (
            spec is not None
            and type(value) is str
            and spec.type == "str"
            and not spec.choices
            and spec.pattern is None
            and value.strip()
        ):
            out[key] = value
            continue
        key_line = line_of(obj, key, own_line)
        key_path = f"{path}.{key}" if path else key
        if spec is None:
            allowed = ", ".join(specs)
            f.add(key_line, key_path, f"unknown field (allowed: {allowed})")
            continue
        if value is None and not spec.required:
            continue
        if not _type_ok(spec, value):
            hint = " (quote it)" if spec.type == "str" and isinstance(value, int | float) else ""
            f.add(
                key_line,
                key_path,
                f"expected {_TYPE_NAMES[spec.type]}, found {_describe(value)}{hint}",
            )
            continue
        if spec.type == "str" and not value.strip():
            f.add(key_line, key_path, "must not be empty")
            continue
        if spec.choices and value not in spec.choices:
            f.add(
                key_line,
                key_path,
                f"unknown value {value!r} (expected one of: {', '.join(spec.choices)})",
            )
            continue
        if spec.pattern is not None and not spec.pattern.match(value):
            f.add(key_line, key_path, f"invalid id {value!r} (use {spec.what})")
            continue
        out[key] = value
    for key in specs.required:
        if key not in obj:  # a present but bad value was reported above
            f.add(own_line, f"{path}.{key}" if path else key, "required field is missing")
    return out


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _items(f: _File, value: Any, path: str) -> Iterable[tuple[int, Any, int, str]]:
    """(index, item, line, path) for each item of a checked list."""
    if not isinstance(value, list):
        return []
    lines = value.item_lines if isinstance(value, LList) else []
    return [
        (i, item, lines[i] if i < len(lines) else getattr(value, "line", 1), f"{path}[{i}]")
        for i, item in enumerate(value)
    ]


def _parse(text: str) -> Any:
    """The fast reader when the text stays within its part of YAML, else PyYAML."""
    try:
        return fast_load(text)
    except Unsupported:
        return load_yaml(text)


def _read_file(path: Path, display: str) -> _File:
    f = _File(display, [])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        f.add(1, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return f
    except OSError as exc:
        f.add(1, "", f"cannot read file: {exc.strerror or exc}")
        return f
    try:
        data = _parse(text)
    except DuplicateKeyError as exc:
        f.add(exc.line, exc.key, "duplicate key in the same mapping")
        return f
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        f.add(line, "", f"YAML syntax error: {exc.problem or exc.context}")
        return f
    except yaml.YAMLError as exc:
        f.add(1, "", f"YAML error: {exc}")
        return f
    if data is None:
        f.add(1, "", "empty file: expected a 'catalog:' header")
        return f
    top = _fields(f, data, "", 1, TOP_FIELDS)
    if "catalog" in top:
        hdr = _fields(f, top["catalog"], "catalog", line_of(data, "catalog", 1), CATALOG_FIELDS)
        if {"id", "title", "version"} <= hdr.keys():
            f.info = CatalogInfo(
                hdr["id"], hdr["title"], hdr["version"], hdr.get("description", ""), display
            )
        f.replaces_library = bool(hdr.get("replaces_bundled_controls", False))
    for _, raw, line, p in _items(f, top.get("frameworks"), "frameworks"):
        _read_framework(f, raw, line, p)
    for _, raw, line, p in _items(f, top.get("systems"), "systems"):
        sysd = _fields(f, raw, p, line, SYSTEM_FIELDS)
        if {"id", "name", "kind"} <= sysd.keys():
            f.systems.append((sysd, Source(display, line)))
    for _, raw, line, p in _items(f, top.get("controls"), "controls"):
        ctl = _fields(f, raw, p, line, CONTROL_FIELDS)
        if "id" in ctl:
            src = Source(display, line)
            for key, sink in (
                ("systems", f.system_refs),
                ("covers", f.system_refs),
                ("risks", f.risk_refs),
                ("ipe", f.ipe_refs),
            ):
                if key in ctl:
                    ctl[key] = _id_list(f, ctl["id"], raw[key], f"{p}.{key}", raw, key, sink)
            f.controls.append((ctl, src))
            for key, role in MAPPING_BLOCKS:
                if key in ctl:
                    _read_satisfies(f, ctl["id"], raw[key], f"{p}.{key}", raw, role, key)
    for _, raw, line, p in _items(f, top.get("accounts"), "accounts"):
        acc = _fields(f, raw, p, line, ACCOUNT_FIELDS)
        if {"id", "name", "assertions"} <= acc.keys():
            acc["assertions"] = _assertions(f, raw["assertions"], f"{p}.assertions", raw)
            f.accounts.append((acc, Source(display, line), p))
    for _, raw, line, p in _items(f, top.get("risks"), "risks"):
        risk = _fields(f, raw, p, line, RISK_FIELDS)
        if {"id", "title", "accounts", "assertions"} <= risk.keys():
            risk["assertions"] = _assertions(f, raw["assertions"], f"{p}.assertions", raw)
            risk["accounts"] = _text_list(f, raw["accounts"], f"{p}.accounts", raw, "account id")
            f.risks.append((risk, Source(display, line), p))
    for _, raw, line, p in _items(f, top.get("retire"), "retire"):
        _read_retire(f, raw, line, p)
    for _, raw, line, p in _items(f, top.get("crosswalks"), "crosswalks"):
        cw = _fields(f, raw, p, line, CROSSWALK_FIELDS)
        if {"source", "target", "links"} <= cw.keys():
            links = []
            for _, lraw, lline, lp in _items(f, cw["links"], f"{p}.links"):
                link = _fields(f, lraw, lp, lline, LINK_FIELDS)
                if {"from", "to"} <= link.keys():
                    links.append((link, lline, lp))
            f.crosswalks.append((cw, links, Source(display, line), p))
    for _, raw, line, p in _items(f, top.get("mappings"), "mappings"):
        mp = _fields(f, raw, p, line, MAPPING_FIELDS)
        if "control" in mp:
            f.mapping_controls.append((mp["control"], Source(display, line), f"{p}.control"))
            if isinstance(raw, dict) and not any(k in raw for k, _ in MAPPING_BLOCKS):
                f.add(line, f"{p}.satisfies", "required field is missing (or give supports)")
            for key, role in MAPPING_BLOCKS:
                if key in mp:
                    _read_satisfies(f, mp["control"], raw[key], f"{p}.{key}", raw, role, key)
    return f


def _id_list(
    f: _File,
    owner_id: str,
    raw: Any,
    path: str,
    owner: Any,
    key: str,
    sink: list[tuple[str, str, int, str]],
) -> tuple[str, ...]:
    """A list of ids (systems or risks), each checked when the files are merged."""
    out: list[str] = []
    lines = raw.item_lines if isinstance(raw, LList) else []
    default_line = line_of(owner, key, 1)
    what = "a risk id" if key == "risks" else "a system id"
    for idx, item in enumerate(raw):
        at = lines[idx] if idx < len(lines) else default_line
        if not isinstance(item, str) or not item.strip():
            f.add(at, f"{path}[{idx}]", f"expected {what}, found {_describe(item)}")
            continue
        sink.append((owner_id, item, at, f"{path}[{idx}]"))
        out.append(item)
    return tuple(dict.fromkeys(out))


def _text_list(f: _File, raw: Any, path: str, owner: Any, what: str) -> tuple[str, ...]:
    """A non-empty list of non-empty texts (e.g. account ids), without repeats."""
    lines = raw.item_lines if isinstance(raw, LList) else []
    default_line = getattr(raw, "line", getattr(owner, "line", 1))
    out: list[str] = []
    for idx, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            at = lines[idx] if idx < len(lines) else default_line
            f.add(at, f"{path}[{idx}]", f"expected {what}, found {_describe(item)}")
            continue
        out.append(item)
    if not raw:
        f.add(default_line, path, "must not be empty")
    return tuple(dict.fromkeys(out))


def _assertions(f: _File, raw: Any, path: str, owner: Any) -> tuple[str, ...]:
    """Assertion names, in the canonical order (existence, completeness, ...)."""
    lines = raw.item_lines if isinstance(raw, LList) else []
    default_line = getattr(raw, "line", getattr(owner, "line", 1))
    found: set[str] = set()
    for idx, item in enumerate(raw):
        if item not in ASSERTIONS:
            at = lines[idx] if idx < len(lines) else default_line
            f.add(
                at,
                f"{path}[{idx}]",
                f"unknown assertion {item!r} (expected one of: {', '.join(ASSERTIONS)})",
            )
            continue
        found.add(item)
    if not raw:
        f.add(default_line, path, "must not be empty")
    return tuple(a for a in ASSERTIONS if a in found)


def _read_retire(f: _File, raw: Any, line: int, path: str) -> None:
    entry = _fields(f, raw, path, line, RETIRE_FIELDS)
    if "reason" not in entry:
        return
    ids: list[tuple[str, str]] = []
    if "id" in entry:
        ids.append((entry["id"], f"{path}.id"))
    if "ids" in entry:
        for idx, item in enumerate(entry["ids"]):
            if isinstance(item, str) and item.strip():
                ids.append((item, f"{path}.ids[{idx}]"))
            else:
                f.add(line, f"{path}.ids[{idx}]", f"expected a control id, found {_describe(item)}")
    if isinstance(raw, dict) and "id" not in raw and "ids" not in raw:
        f.add(line, f"{path}.id", "required field is missing (or give ids: [...])")
    for cid, p in ids:
        f.retire.append((cid, entry["reason"], Source(f.name, line), p))


def _read_framework(f: _File, raw: Any, line: int, path: str) -> None:
    fw = _fields(f, raw, path, line, FRAMEWORK_FIELDS)
    if "id" not in fw or "name" not in fw or "requirements" not in fw:
        return
    if not fw["requirements"]:
        f.add(line_of(raw, "requirements", line), f"{path}.requirements", "must not be empty")
        return
    nodes: list[dict[str, Any]] = []
    for _, node_raw, node_line, p in _items(f, fw["requirements"], f"{path}.requirements"):
        node = _fields(f, node_raw, p, node_line, NODE_FIELDS)
        if "id" not in node or "title" not in node:
            continue
        kind = node.get("kind", "requirement")
        if kind == "requirement" and "description" not in node and "description" not in node_raw:
            f.add(node_line, f"{p}.description", "required field is missing")
        if "default_scope" in node and not node.get("optional"):
            f.add(
                line_of(node_raw, "default_scope", node_line),
                f"{p}.default_scope",
                "only an optional node has a default scope (add optional: true)",
            )
        if "filers" in node:
            filers = node["filers"]
            bad = [x for x in filers if x not in FILER_STATUSES]
            if bad or not filers:
                f.add(
                    line_of(node_raw, "filers", node_line),
                    f"{p}.filers",
                    f"expected a non-empty list of: {', '.join(FILER_STATUSES)}",
                )
                node.pop("filers")
        coso = node.get("coso")
        if coso is not None and not 1 <= coso <= 17:
            f.add(
                line_of(node_raw, "coso", node_line),
                f"{p}.coso",
                f"COSO principle {coso} does not exist (1-17)",
            )
            node.pop("coso")
        node["_line"] = node_line
        node["_path"] = p
        node["_parent_line"] = line_of(node_raw, "parent", node_line)
        nodes.append(node)
    f.frameworks.append((fw, nodes, Source(f.name, line)))


def _read_satisfies(
    f: _File,
    control_id: str,
    raw: Any,
    path: str,
    owner: Any,
    role: str = PRIMARY,
    key: str = "satisfies",
) -> None:
    line = line_of(owner, key, 1)
    if not isinstance(raw, dict):
        return
    for fw_id, refs in raw.items():
        fw_line = line_of(raw, fw_id, line)
        fw_path = f"{path}.{fw_id}"
        if not isinstance(refs, list):
            f.add(fw_line, fw_path, f"expected a list of requirement ids, found {_describe(refs)}")
            continue
        # The hot loop of a big catalog: paths are only formatted for a problem.
        lines = refs.item_lines if isinstance(refs, LList) else []
        default_line = getattr(refs, "line", fw_line)
        fw_key = str(fw_id)
        for idx, ref in enumerate(refs):
            ref_line = lines[idx] if idx < len(lines) else default_line
            if type(ref) is str:
                if not ref.strip():
                    f.add(ref_line, f"{fw_path}[{idx}]", "must not be empty")
                    continue
                f.refs.append((control_id, fw_key, ref, None, "", ref_line, fw_path, idx, role))
            elif isinstance(ref, dict):
                entry = _fields(f, ref, f"{fw_path}[{idx}]", ref_line, REF_FIELDS)
                if "id" in entry:
                    f.refs.append(
                        (
                            control_id,
                            fw_key,
                            entry["id"],
                            entry.get("relationship"),
                            entry.get("rationale", ""),
                            ref_line,
                            fw_path,
                            idx,
                            role,
                        )
                    )
            else:
                f.add(
                    ref_line,
                    f"{fw_path}[{idx}]",
                    f"expected a requirement id or a mapping, found {_describe(ref)}",
                )


def _merge(all_files: Sequence[_File], replace_library: bool = False) -> CatalogSet:
    problems = [p for f in all_files for p in f.problems]
    # The bundled control library is replaced (--no-bundled-controls, or a user catalog that
    # says so): its files keep their frameworks (none) and its controls become retired ones.
    replacer = next(
        (f for f in all_files if f.replaces_library and not f.bundled and f.info is not None),
        None,
    )
    replaced = replace_library or replacer is not None
    files = [f for f in all_files if not (replaced and f.library)]
    replaced_files = [f for f in all_files if replaced and f.library]

    def dup_checker(what: str) -> Callable[[str, Source, str], bool]:
        seen: dict[str, Source] = {}

        def check(item_id: str, src: Source, path: str) -> bool:
            if item_id in seen:
                first = seen[item_id]
                problems.append(
                    Problem(
                        src.file,
                        src.line,
                        path,
                        f"duplicate {what} id {item_id!r} (first defined at {first})",
                    )
                )
                return False
            seen[item_id] = src
            return True

        return check

    catalogs: list[CatalogInfo] = []
    check_catalog = dup_checker("catalog")
    for f in all_files:
        if f.info is not None and check_catalog(f.info.id, Source(f.name, 1), "catalog.id"):
            catalogs.append(f.info)

    frameworks: dict[str, Framework] = {}
    check_fw = dup_checker("framework")
    for f in files:
        for fi, (fw, nodes, src) in enumerate(f.frameworks):
            if not check_fw(fw["id"], src, f"frameworks[{fi}].id"):
                continue
            built = _build_framework(f, fw, nodes, src, problems)
            frameworks[built.id] = built

    systems: dict[str, System] = {}
    check_sys = dup_checker("system")
    for f in files:
        cat_id = f.info.id if f.info else f.name
        for sysd, src in f.systems:
            if check_sys(sysd["id"], src, f"systems[{sysd['id']}].id"):
                systems[sysd["id"]] = System(
                    sysd["id"],
                    sysd["name"],
                    sysd["kind"],
                    sysd.get("description", ""),
                    cat_id,
                    src,
                )
    for f in files:
        for _cid, sid, line, path in f.system_refs:
            if sid not in systems:
                known = ", ".join(sorted(systems)) or "none: add a systems: list"
                problems.append(
                    Problem(f.name, line, path, f"unknown system {sid!r} (known: {known})")
                )

    controls: dict[str, Control] = {}
    check_ctl = dup_checker("control")
    for f in files:
        cat_id = f.info.id if f.info else f.name
        for ctl, src in f.controls:
            if not {"title", "description", "domain", "frequency", "type", "nature"} <= ctl.keys():
                continue
            if not check_ctl(ctl["id"], src, f"controls[{ctl['id']}].id"):
                continue
            controls[ctl["id"]] = Control(
                id=ctl["id"],
                title=ctl["title"],
                description=ctl["description"],
                domain=ctl["domain"],
                frequency=ctl["frequency"],
                type=ctl["type"],
                nature=ctl["nature"],
                key=bool(ctl.get("key", False)),
                owner_role=ctl.get("owner_role", ""),
                catalog_id=cat_id,
                source=src,
                systems=_with_ipe(ctl),
                covers=ctl.get("covers", ()),
                risks=ctl.get("risks", ()),
                process=ctl.get("process", ""),
                subprocess=ctl.get("subprocess", ""),
                ipe=ctl.get("ipe", ()),
            )

    accounts, risks = _scoping(files, problems, dup_checker)
    for f in files:
        for _cid, rid, line, path in f.risk_refs:
            if rid not in risks:
                known = ", ".join(sorted(risks)) or "none: add a risks: list"
                problems.append(
                    Problem(f.name, line, path, f"unknown risk {rid!r} (known: {known})")
                )
        for _cid, sid, line, path in f.ipe_refs:
            found = systems.get(sid)
            if found is not None and found.kind not in INFORMATION_KINDS:
                problems.append(
                    Problem(
                        f.name,
                        line,
                        path,
                        f"system {sid!r} is {found.kind}: ipe lists reports and spreadsheets",
                    )
                )
            elif found is None:
                known = ", ".join(sorted(systems)) or "none: add a systems: list"
                problems.append(
                    Problem(f.name, line, path, f"unknown system {sid!r} (known: {known})")
                )

    retired = _retire(files, replaced_files, replacer, controls, problems)
    defined_ids = {cid for f in files for ctl, _ in f.controls for cid in [ctl["id"]]}
    for f in files:
        for cid, src, path in f.mapping_controls:
            if cid in retired:
                problems.append(
                    Problem(
                        src.file,
                        src.line,
                        path,
                        f"control {cid!r} is retired (at {retired[cid].by}): remove this mapping",
                    )
                )
            elif cid not in defined_ids:
                problems.append(Problem(src.file, src.line, path, f"unknown control {cid!r}"))

    mappings: list[MappingRef] = []
    seen_maps: dict[tuple[str, str, str], tuple[str, int]] = {}
    for f in files:
        name = f.name
        for cid, fw_id, rid, relationship, rationale, line, list_path, idx, role in f.refs:
            fw_obj = frameworks.get(fw_id)
            if fw_obj is None:
                known = ", ".join(sorted(frameworks)) or "none"
                problems.append(
                    Problem(name, line, list_path, f"unknown framework {fw_id!r} (known: {known})")
                )
                continue
            node = fw_obj.nodes.get(rid)
            if node is None:
                problems.append(
                    Problem(
                        name,
                        line,
                        f"{list_path}[{idx}]",
                        f"unknown requirement {rid!r} in framework {fw_id!r}",
                    )
                )
                continue
            if node.is_group:
                problems.append(
                    Problem(
                        name,
                        line,
                        f"{list_path}[{idx}]",
                        f"{rid!r} is a group, not a requirement: map to one of its requirements",
                    )
                )
                continue
            mkey = (cid, fw_id, rid)
            first = seen_maps.get(mkey)
            if first is not None:
                problems.append(
                    Problem(
                        name,
                        line,
                        f"{list_path}[{idx}]",
                        f"duplicate mapping of {cid} to {fw_id} {rid} "
                        f"(first at {first[0]}:{first[1]})",
                    )
                )
                continue
            seen_maps[mkey] = (name, line)
            if cid in controls:
                mappings.append(
                    MappingRef(cid, fw_id, rid, relationship, rationale, Source(name, line), role)
                )

    crosswalks = _crosswalks(files, frameworks, problems)
    if problems:
        raise CatalogError(problems)
    return CatalogSet.build(
        tuple(catalogs),
        frameworks,
        controls,
        tuple(mappings),
        systems,
        accounts,
        risks,
        retired,
        crosswalks,
    )


def _with_ipe(ctl: dict[str, Any]) -> tuple[str, ...]:
    """A control's systems: the reports it relies on (ipe) are systems it uses, too."""
    systems: tuple[str, ...] = ctl.get("systems", ())
    if "ipe" not in ctl:
        return systems
    return tuple(dict.fromkeys((*systems, *ctl["ipe"])))


DupChecker = Callable[[str], Callable[[str, Source, str], bool]]


def _scoping(
    files: Sequence[_File], problems: list[Problem], dup_checker: DupChecker
) -> tuple[dict[str, Account], dict[str, Risk]]:
    """Significant accounts (with their relevant assertions) and the risks that threaten them."""
    accounts: dict[str, Account] = {}
    check_acc = dup_checker("account")
    for f in files:
        cat_id = f.info.id if f.info else f.name
        for acc, src, path in f.accounts:
            if check_acc(acc["id"], src, f"{path}.id"):
                accounts[acc["id"]] = Account(
                    acc["id"],
                    acc["name"],
                    acc.get("kind", "account"),
                    acc["assertions"],
                    acc.get("description", ""),
                    cat_id,
                    src,
                )
    risks: dict[str, Risk] = {}
    check_risk = dup_checker("risk")
    for f in files:
        cat_id = f.info.id if f.info else f.name
        for risk, src, path in f.risks:
            if not check_risk(risk["id"], src, f"{path}.id"):
                continue
            known = [a for a in risk["accounts"] if a in accounts]
            for idx, aid in enumerate(risk["accounts"]):
                if aid not in accounts:
                    names = ", ".join(sorted(accounts)) or "none: add an accounts: list"
                    problems.append(
                        Problem(
                            src.file,
                            src.line,
                            f"{path}.accounts[{idx}]",
                            f"unknown account {aid!r} (known: {names})",
                        )
                    )
            relevant = {a for aid in known for a in accounts[aid].assertions}
            for assertion in risk["assertions"]:
                if known and assertion not in relevant:
                    problems.append(
                        Problem(
                            src.file,
                            src.line,
                            f"{path}.assertions",
                            f"{assertion!r} is not a relevant assertion of "
                            f"{', '.join(known)} (add it to the account's assertions)",
                        )
                    )
            risks[risk["id"]] = Risk(
                risk["id"],
                risk["title"],
                risk.get("description", ""),
                risk["accounts"],
                risk["assertions"],
                risk.get("likelihood", ""),
                risk.get("magnitude", ""),
                bool(risk.get("fraud", False)),
                cat_id,
                src,
            )
    return accounts, risks


def _retire(
    files: Sequence[_File],
    replaced_files: Sequence[_File],
    replacer: _File | None,
    controls: dict[str, Control],
    problems: list[Problem],
) -> dict[str, Retired]:
    """Take retired controls out of `controls` (in place); return them with the reason."""
    retired: dict[str, Retired] = {}
    if replaced_files:
        if replacer is not None and replacer.info is not None:
            why = f"the bundled control library is replaced by catalog {replacer.info.id!r}"
            by = Source(replacer.name, 1)
        else:
            why = "the bundled control library is switched off (--no-bundled-controls)"
            by = Source("--no-bundled-controls", 1)
        for f in replaced_files:
            for raw, src in f.controls:
                # an id the replacing catalogs define again is theirs now, not gone
                if "title" in raw and raw["id"] not in controls:
                    retired[raw["id"]] = Retired(raw["id"], raw["title"], why, by, src)
    from_library = set(retired)  # retiring one of these again is harmless: it is gone
    for f in files:
        for cid, reason, src, path in f.retire:
            if cid in from_library:
                continue
            first = retired.get(cid)
            if first is not None:
                problems.append(
                    Problem(src.file, src.line, path, f"{cid!r} is already retired at {first.by}")
                )
                continue
            ctl = controls.get(cid)
            if ctl is None:
                problems.append(Problem(src.file, src.line, path, f"unknown control {cid!r}"))
                continue
            if ctl.source.file == f.name:
                problems.append(
                    Problem(
                        src.file,
                        src.line,
                        path,
                        f"{cid!r} is defined in this file: delete it instead of retiring it",
                    )
                )
                continue
            retired[cid] = Retired(cid, ctl.title, reason, src, ctl.source)
            del controls[cid]
    return retired


def _crosswalks(
    files: Sequence[_File], frameworks: dict[str, Framework], problems: list[Problem]
) -> tuple[CrosswalkLink, ...]:
    """Requirement-to-requirement links between two frameworks (e.g. imported mapping sets)."""
    out: list[CrosswalkLink] = []
    for f in files:
        for cw, links, src, path in f.crosswalks:
            ends: list[Framework] = []
            for key in ("source", "target"):
                fw = frameworks.get(cw[key])
                if fw is None:
                    known = ", ".join(sorted(frameworks)) or "none"
                    problems.append(
                        Problem(
                            src.file,
                            src.line,
                            f"{path}.{key}",
                            f"unknown framework {cw[key]!r} (known: {known})",
                        )
                    )
                else:
                    ends.append(fw)
            if len(ends) != 2:
                continue
            source_fw, target_fw = ends
            for link, line, lpath in links:
                ok = True
                for key, fw in (("from", source_fw), ("to", target_fw)):
                    if link[key] not in fw.nodes:
                        problems.append(
                            Problem(
                                f.name,
                                line,
                                f"{lpath}.{key}",
                                f"unknown requirement {link[key]!r} in framework {fw.id!r}",
                            )
                        )
                        ok = False
                if ok:
                    out.append(
                        CrosswalkLink(
                            source_fw.id,
                            link["from"],
                            target_fw.id,
                            link["to"],
                            link.get("relationship"),
                            Source(f.name, line),
                        )
                    )
    return tuple(out)


def _build_framework(
    f: _File,
    fw: dict[str, Any],
    nodes: list[dict[str, Any]],
    src: Source,
    problems: list[Problem],
) -> Framework:
    fw_id = fw["id"]
    raw_by_id: dict[str, dict[str, Any]] = {}
    for node in nodes:
        if node["id"] in raw_by_id:
            first = raw_by_id[node["id"]]["_line"]
            problems.append(
                Problem(
                    f.name,
                    node["_line"],
                    f"{node['_path']}.id",
                    f"duplicate requirement id {node['id']!r} in framework {fw_id!r} "
                    f"(first at line {first})",
                )
            )
            continue
        raw_by_id[node["id"]] = node

    # Parents: exist, are groups, form no cycle. Bad nodes are reported and left out.
    bad: set[str] = set()
    for nid, node in raw_by_id.items():
        parent = node.get("parent")
        if parent is None:
            continue
        target = raw_by_id.get(parent)
        where = (f.name, node["_parent_line"], f"{node['_path']}.parent")
        if target is None:
            problems.append(
                Problem(*where, f"dangling parent: no node {parent!r} in framework {fw_id!r}")
            )
            bad.add(nid)
        elif target.get("kind", "requirement") != "group":
            problems.append(
                Problem(*where, f"parent {parent!r} is not a group (set kind: group on it)")
            )
            bad.add(nid)
    reported_cycles: set[frozenset[str]] = set()
    for nid in raw_by_id:
        chain: list[str] = []
        cur: str | None = nid
        while cur is not None and cur in raw_by_id and cur not in chain:
            chain.append(cur)
            cur = raw_by_id[cur].get("parent")
        if cur is not None and cur in chain:
            cycle = chain[chain.index(cur) :]
            key = frozenset(cycle)
            bad.update(cycle)
            if key not in reported_cycles:
                reported_cycles.add(key)
                node = raw_by_id[cur]
                loop = " -> ".join([*cycle, cur])
                problems.append(
                    Problem(
                        f.name,
                        node["_parent_line"],
                        f"{node['_path']}.parent",
                        f"cycle in the requirement tree: {loop}",
                    )
                )

    children: dict[str, list[str]] = {nid: [] for nid in raw_by_id}
    roots: list[str] = []
    for nid, node in raw_by_id.items():
        parent = node.get("parent")
        if nid in bad:
            continue
        if parent is None:
            roots.append(nid)
        elif parent not in bad:
            children[parent].append(nid)
    built: dict[str, Requirement] = {}
    for nid, node in raw_by_id.items():
        built[nid] = Requirement(
            framework_id=fw_id,
            id=nid,
            title=node["title"],
            description=node.get("description", ""),
            kind=node.get("kind", "requirement"),
            level=node.get("level", "group" if node.get("kind") == "group" else "requirement"),
            parent_id=node.get("parent"),
            optional=bool(node.get("optional", False)),
            coso=node.get("coso"),
            children=tuple(children[nid]),
            source=Source(f.name, node["_line"]),
            default_in=node.get("default_scope", "in") == "in",
            filers=tuple(node.get("filers", ())),
        )
    return Framework(
        id=fw_id,
        name=fw["name"],
        title=fw.get("title", fw["name"]),
        version=fw.get("version", ""),
        description=fw.get("description", ""),
        catalog_id=f.info.id if f.info else f.name,
        roots=tuple(roots),
        nodes=MappingProxyType(built),
        source=src,
    )


def load_catalog_files(
    paths: Sequence[Path],
    display: Callable[[Path], str] = str,
    *,
    replace_library: bool = False,
) -> CatalogSet:
    """Load and merge catalog files, in order. Raises CatalogError with every problem found.

    Files in the bundled catalog folder that define no framework are the bundled control
    library: `replace_library` (or a user catalog with `replaces_bundled_controls: true`)
    leaves their content out and reports their controls as retired."""
    from ..paths import bundled_catalog_dir

    bundled_dir = bundled_catalog_dir().resolve()
    with gc_paused():
        files = []
        for p in paths:
            f = _read_file(p, display(p))
            f.bundled = p.resolve().parent == bundled_dir
            files.append(f)
        return _merge(files, replace_library)
