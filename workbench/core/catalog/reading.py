"""Reading one catalog file: parse it (the fast reader, else PyYAML), check every object
against its specs, and gather the raw objects and the references to check across files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .fastyaml import Unsupported, fast_load
from .model import (
    ASSERTIONS,
    FILER_STATUSES,
    PRIMARY,
    CatalogInfo,
    Source,
)
from .problems import Problem
from .specs import (
    ACCOUNT_FIELDS,
    CATALOG_FIELDS,
    CONTROL_FIELDS,
    CROSSWALK_FIELDS,
    FRAMEWORK_FIELDS,
    LINK_FIELDS,
    MAPPING_BLOCKS,
    MAPPING_FIELDS,
    NODE_FIELDS,
    REF_FIELDS,
    RETIRE_FIELDS,
    RISK_FIELDS,
    SYSTEM_FIELDS,
    TOP_FIELDS,
    TYPE_NAMES,
    Spec,
    Specs,
)
from .yamlsrc import DuplicateKeyError, LList, line_of, load_yaml


@dataclass(slots=True)
class CatalogFile:
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


def type_ok(spec: Spec, value: Any) -> bool:
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


def check_fields(f: CatalogFile, obj: Any, path: str, line: int, specs: Specs) -> dict[str, Any]:
    """Check one object against its field specs; return the fields that passed.

    This runs for every object of a catalog (60,000 in a 10,000-control one), so the common
    case (a text field that is fine) is checked first and field paths and lines are only
    worked out for a problem."""
    if not isinstance(obj, dict):
        f.add(line, path, f"expected a mapping, found {describe_value(obj)}")
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
        if not type_ok(spec, value):
            hint = " (quote it)" if spec.type == "str" and isinstance(value, int | float) else ""
            f.add(
                key_line,
                key_path,
                f"expected {TYPE_NAMES[spec.type]}, found {describe_value(value)}{hint}",
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


def describe_value(value: Any) -> str:
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


def items_of(f: CatalogFile, value: Any, path: str) -> Iterable[tuple[int, Any, int, str]]:
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


def read_file(path: Path, display: str) -> CatalogFile:
    f = CatalogFile(display, [])
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
    top = check_fields(f, data, "", 1, TOP_FIELDS)
    if "catalog" in top:
        hdr = check_fields(
            f, top["catalog"], "catalog", line_of(data, "catalog", 1), CATALOG_FIELDS
        )
        if {"id", "title", "version"} <= hdr.keys():
            f.info = CatalogInfo(
                hdr["id"], hdr["title"], hdr["version"], hdr.get("description", ""), display
            )
        f.replaces_library = bool(hdr.get("replaces_bundled_controls", False))
    for _, raw, line, p in items_of(f, top.get("frameworks"), "frameworks"):
        _read_framework(f, raw, line, p)
    for _, raw, line, p in items_of(f, top.get("systems"), "systems"):
        sysd = check_fields(f, raw, p, line, SYSTEM_FIELDS)
        if {"id", "name", "kind"} <= sysd.keys():
            f.systems.append((sysd, Source(display, line)))
    for _, raw, line, p in items_of(f, top.get("controls"), "controls"):
        ctl = check_fields(f, raw, p, line, CONTROL_FIELDS)
        if "id" in ctl:
            src = Source(display, line)
            for key, sink in (
                ("systems", f.system_refs),
                ("covers", f.system_refs),
                ("risks", f.risk_refs),
                ("ipe", f.ipe_refs),
            ):
                if key in ctl:
                    ctl[key] = id_list(f, ctl["id"], raw[key], f"{p}.{key}", raw, key, sink)
            f.controls.append((ctl, src))
            for key, role in MAPPING_BLOCKS:
                if key in ctl:
                    _read_satisfies(f, ctl["id"], raw[key], f"{p}.{key}", raw, role, key)
    for _, raw, line, p in items_of(f, top.get("accounts"), "accounts"):
        acc = check_fields(f, raw, p, line, ACCOUNT_FIELDS)
        if {"id", "name", "assertions"} <= acc.keys():
            acc["assertions"] = assertion_list(f, raw["assertions"], f"{p}.assertions", raw)
            f.accounts.append((acc, Source(display, line), p))
    for _, raw, line, p in items_of(f, top.get("risks"), "risks"):
        risk = check_fields(f, raw, p, line, RISK_FIELDS)
        if {"id", "title", "accounts", "assertions"} <= risk.keys():
            risk["assertions"] = assertion_list(f, raw["assertions"], f"{p}.assertions", raw)
            risk["accounts"] = text_list(f, raw["accounts"], f"{p}.accounts", raw, "account id")
            f.risks.append((risk, Source(display, line), p))
    for _, raw, line, p in items_of(f, top.get("retire"), "retire"):
        _read_retire(f, raw, line, p)
    for _, raw, line, p in items_of(f, top.get("crosswalks"), "crosswalks"):
        cw = check_fields(f, raw, p, line, CROSSWALK_FIELDS)
        if {"source", "target", "links"} <= cw.keys():
            links = []
            for _, lraw, lline, lp in items_of(f, cw["links"], f"{p}.links"):
                link = check_fields(f, lraw, lp, lline, LINK_FIELDS)
                if {"from", "to"} <= link.keys():
                    links.append((link, lline, lp))
            f.crosswalks.append((cw, links, Source(display, line), p))
    for _, raw, line, p in items_of(f, top.get("mappings"), "mappings"):
        mp = check_fields(f, raw, p, line, MAPPING_FIELDS)
        if "control" in mp:
            f.mapping_controls.append((mp["control"], Source(display, line), f"{p}.control"))
            if isinstance(raw, dict) and not any(k in raw for k, _ in MAPPING_BLOCKS):
                f.add(line, f"{p}.satisfies", "required field is missing (or give supports)")
            for key, role in MAPPING_BLOCKS:
                if key in mp:
                    _read_satisfies(f, mp["control"], raw[key], f"{p}.{key}", raw, role, key)
    return f


def id_list(
    f: CatalogFile,
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
            f.add(at, f"{path}[{idx}]", f"expected {what}, found {describe_value(item)}")
            continue
        sink.append((owner_id, item, at, f"{path}[{idx}]"))
        out.append(item)
    return tuple(dict.fromkeys(out))


def text_list(f: CatalogFile, raw: Any, path: str, owner: Any, what: str) -> tuple[str, ...]:
    """A non-empty list of non-empty texts (e.g. account ids), without repeats."""
    lines = raw.item_lines if isinstance(raw, LList) else []
    default_line = getattr(raw, "line", getattr(owner, "line", 1))
    out: list[str] = []
    for idx, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            at = lines[idx] if idx < len(lines) else default_line
            f.add(at, f"{path}[{idx}]", f"expected {what}, found {describe_value(item)}")
            continue
        out.append(item)
    if not raw:
        f.add(default_line, path, "must not be empty")
    return tuple(dict.fromkeys(out))


def assertion_list(f: CatalogFile, raw: Any, path: str, owner: Any) -> tuple[str, ...]:
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


def _read_retire(f: CatalogFile, raw: Any, line: int, path: str) -> None:
    entry = check_fields(f, raw, path, line, RETIRE_FIELDS)
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
                f.add(
                    line,
                    f"{path}.ids[{idx}]",
                    f"expected a control id, found {describe_value(item)}",
                )
    if isinstance(raw, dict) and "id" not in raw and "ids" not in raw:
        f.add(line, f"{path}.id", "required field is missing (or give ids: [...])")
    for cid, p in ids:
        f.retire.append((cid, entry["reason"], Source(f.name, line), p))


def _read_framework(f: CatalogFile, raw: Any, line: int, path: str) -> None:
    fw = check_fields(f, raw, path, line, FRAMEWORK_FIELDS)
    if "id" not in fw or "name" not in fw or "requirements" not in fw:
        return
    if not fw["requirements"]:
        f.add(line_of(raw, "requirements", line), f"{path}.requirements", "must not be empty")
        return
    nodes: list[dict[str, Any]] = []
    for _, node_raw, node_line, p in items_of(f, fw["requirements"], f"{path}.requirements"):
        node = check_fields(f, node_raw, p, node_line, NODE_FIELDS)
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
    f: CatalogFile,
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
            f.add(
                fw_line,
                fw_path,
                f"expected a list of requirement ids, found {describe_value(refs)}",
            )
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
                entry = check_fields(f, ref, f"{fw_path}[{idx}]", ref_line, REF_FIELDS)
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
                    f"expected a requirement id or a mapping, found {describe_value(ref)}",
                )
