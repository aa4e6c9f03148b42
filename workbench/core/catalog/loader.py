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
    CONTROL_TYPES,
    FILER_STATUSES,
    FREQUENCIES,
    NATURES,
    NODE_KINDS,
    PRIMARY,
    RELATIONSHIPS,
    SUPPORTING,
    SYSTEM_KINDS,
    CatalogInfo,
    CatalogSet,
    Control,
    Framework,
    MappingRef,
    Requirement,
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
            for key in ("systems", "covers"):
                if key in ctl:
                    ctl[key] = _id_list(f, ctl["id"], raw[key], f"{p}.{key}", raw, key)
            f.controls.append((ctl, src))
            for key, role in MAPPING_BLOCKS:
                if key in ctl:
                    _read_satisfies(f, ctl["id"], raw[key], f"{p}.{key}", raw, role, key)
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


def _id_list(f: _File, owner_id: str, raw: Any, path: str, owner: Any, key: str) -> tuple[str, ...]:
    """A list of system ids (checked against the inventory when the files are merged)."""
    out: list[str] = []
    lines = raw.item_lines if isinstance(raw, LList) else []
    default_line = line_of(owner, key, 1)
    for idx, item in enumerate(raw):
        at = lines[idx] if idx < len(lines) else default_line
        if not isinstance(item, str) or not item.strip():
            f.add(at, f"{path}[{idx}]", f"expected a system id, found {_describe(item)}")
            continue
        f.system_refs.append((owner_id, item, at, f"{path}[{idx}]"))
        out.append(item)
    return tuple(dict.fromkeys(out))


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


def _merge(files: Sequence[_File]) -> CatalogSet:
    problems = [p for f in files for p in f.problems]

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
    for f in files:
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
                systems=ctl.get("systems", ()),
                covers=ctl.get("covers", ()),
            )

    defined_ids = {cid for f in files for ctl, _ in f.controls for cid in [ctl["id"]]}
    for f in files:
        for cid, src, path in f.mapping_controls:
            if cid not in defined_ids:
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

    if problems:
        raise CatalogError(problems)
    return CatalogSet.build(tuple(catalogs), frameworks, controls, tuple(mappings), systems)


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


def load_catalog_files(paths: Sequence[Path], display: Callable[[Path], str] = str) -> CatalogSet:
    """Load and merge catalog files, in order. Raises CatalogError with every problem found."""
    with gc_paused():
        files = [_read_file(p, display(p)) for p in paths]
        return _merge(files)
