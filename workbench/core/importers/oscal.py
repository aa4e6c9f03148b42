"""OSCAL catalogs (JSON or YAML, NIST's model) into a framework.

Groups become groups (nested as in the file); controls become requirements, with their title
(prefixed by their label when it differs from the id, e.g. "AC-2(1)") and their statement as
the description, parameters written into it ("[Assignment: ...]", "[Selection (one or more):
...]"). Sub-controls (enhancements) become requirements beside their parent control, under
the same group (a requirement's parent must be a group). Withdrawn controls are left out and
counted. Guidance and other parts are not imported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from workbench.core.catalog import CatalogSet
from workbench.core.catalog.specs import ITEM_ID_RE

from . import vocab
from .documents import FrameworkOptions, clean_id, clip, load_document, text_of, unique
from .problems import WARNING, ImportFailure, Where
from .result import ImportResult, Preview

_INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}")
PARAM_DEPTH = 4  # parameters inside parameters (choices that insert another)
PREVIEW_ROWS = 5


def _prop(obj: dict[str, Any], name: str) -> str:
    for p in obj.get("props") or []:
        if isinstance(p, dict) and p.get("name") == name:
            return text_of(p.get("value"))
    return ""


class _Reader:
    def __init__(self, doc: Any, name: str, context: CatalogSet, options: FrameworkOptions):
        self.name = name
        self.context = context
        self.options = options
        self.result = ImportResult(
            "oscal", name, {}, Preview(f"OSCAL catalog {name}"), items=("requirements",)
        )
        if not isinstance(doc, dict):
            raise ImportFailure(f"{name}: expected an OSCAL document (a mapping at the top)")
        if "profile" in doc and "catalog" not in doc:
            raise ImportFailure(
                f"{name}: an OSCAL profile, not a catalog: resolve the profile to a catalog "
                "first (NIST publishes resolved baseline catalogs)"
            )
        catalog = doc.get("catalog")
        if not isinstance(catalog, dict):
            raise ImportFailure(f"{name}: no 'catalog' object: not an OSCAL catalog")
        self.catalog = catalog
        self.nodes: list[dict[str, Any]] = []
        self.taken: set[str] = set()
        self.params: dict[str, dict[str, Any]] = {}
        self.counts = {"groups": 0, "controls": 0, "enhancements": 0, "withdrawn": 0}

    def run(self) -> ImportResult:
        raw_meta = self.catalog.get("metadata")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        title = text_of(meta.get("title")) or self.name
        version = text_of(meta.get("version")) or "1"
        self._collect_params(self.catalog)
        for i, g in enumerate(self.catalog.get("groups") or []):
            self._group(g, None, f"catalog.groups[{i}]")
        for i, c in enumerate(self.catalog.get("controls") or []):
            self._control(c, None, f"catalog.controls[{i}]", 0)
        if not any(n.get("kind") != "group" for n in self.nodes):
            self.result.add(Where(self.name, path="catalog"), "the catalog has no controls")
        fw_id = self.options.framework_id or vocab.slug(Path(self.name).stem, "oscal")
        name = self.options.name or clip(title.split(":")[0], 32)
        framework = {
            "id": fw_id,
            "name": name,
            "title": title,
            "version": version,
            "description": (
                f"Imported from the OSCAL catalog {self.name}"
                + (
                    f" (OSCAL {text_of(meta.get('oscal-version'))})"
                    if meta.get("oscal-version")
                    else ""
                )
                + ". Requirements are its controls, with their statements."
            ),
            "requirements": self.nodes,
        }
        self.result.data = {
            "catalog": {
                "id": self.options.catalog_id or fw_id,
                "title": self.options.title or title,
                "version": version,
            },
            "frameworks": [framework],
        }
        p = self.result.preview
        p.facts.append(f"framework {fw_id!r} ({name}): {title}, version {version}")
        p.counts = [
            ("groups", self.counts["groups"]),
            ("controls", self.counts["controls"]),
            ("enhancements (sub-controls)", self.counts["enhancements"]),
            ("withdrawn, left out", self.counts["withdrawn"]),
            ("parameters", len(self.params)),
        ]
        p.first_rows = [
            f"{n['id']}  {clip(n['title'], 50)}  {clip(n.get('description', ''), 60)}"
            for n in self.nodes
            if n.get("kind") != "group"
        ][:PREVIEW_ROWS]
        p.unmapped.append("guidance, examples and assessment parts")
        return self.result

    # -- walking ---------------------------------------------------------------------------
    def _collect_params(self, obj: Any, depth: int = 0) -> None:
        if not isinstance(obj, dict) or depth > 50:
            return
        for prm in obj.get("params") or []:
            if isinstance(prm, dict) and isinstance(prm.get("id"), str):
                self.params[prm["id"]] = prm
        for key in ("groups", "controls"):
            for child in obj.get(key) or []:
                self._collect_params(child, depth + 1)

    def _id(self, raw: Any, path: str, fallback: str) -> str:
        given = text_of(raw)
        if not given:
            return unique(fallback, self.taken)
        cid = given if ITEM_ID_RE.match(given) else clean_id(given)
        if cid in self.taken:
            self.result.add(Where(self.name, path=f"{path}.id"), f"duplicate id {given!r}")
        return unique(cid, self.taken)

    def _group(self, g: Any, parent: str | None, path: str) -> None:
        if not isinstance(g, dict):
            self.result.add(Where(self.name, path=path), "expected a group object")
            return
        self.counts["groups"] += 1
        gid = self._id(g.get("id"), path, f"group-{self.counts['groups']}")
        title = text_of(g.get("title")) or gid
        label = _prop(g, "label")
        node: dict[str, Any] = {
            "id": gid,
            "kind": "group",
            "level": text_of(g.get("class")) or "group",
            "title": f"{label} {title}" if label and label.lower() != gid.lower() else title,
        }
        overview = self._parts(g.get("parts"), {"overview", "statement"})
        if overview:
            node["description"] = overview
        if parent:
            node["parent"] = parent
        self.result.origins[("frameworks[0].requirements", len(self.nodes))] = Where(
            self.name, path=path
        )
        self.nodes.append(node)
        for i, sub in enumerate(g.get("groups") or []):
            self._group(sub, gid, f"{path}.groups[{i}]")
        for i, c in enumerate(g.get("controls") or []):
            self._control(c, gid, f"{path}.controls[{i}]", 0)

    def _control(self, c: Any, group: str | None, path: str, depth: int) -> None:
        if not isinstance(c, dict):
            self.result.add(Where(self.name, path=path), "expected a control object")
            return
        if _prop(c, "status") == "withdrawn":
            self.counts["withdrawn"] += 1 + _count_controls(c)
            return
        self.counts["enhancements" if depth else "controls"] += 1
        cid = self._id(c.get("id"), path, f"control-{len(self.nodes) + 1}")
        title = text_of(c.get("title"))
        if not title:
            self.result.add(
                Where(self.name, path=f"{path}.title"), "the control has no title", WARNING
            )
            title = cid
        label = _prop(c, "label")
        if label and label.lower() != cid.lower():
            title = f"{label} {title}"
        statement = self._parts(c.get("parts"), {"statement"}) or self._parts(
            c.get("parts"), {"overview"}
        )
        node: dict[str, Any] = {
            "id": cid,
            "level": text_of(c.get("class")) or ("enhancement" if depth else "control"),
            "title": title,
            "description": statement or title,
        }
        if group:
            node["parent"] = group
        self.result.origins[("frameworks[0].requirements", len(self.nodes))] = Where(
            self.name, path=path
        )
        self.nodes.append(node)
        for i, sub in enumerate(c.get("controls") or []):
            self._control(sub, group, f"{path}.controls[{i}]", depth + 1)

    # -- text ------------------------------------------------------------------------------
    def _parts(self, parts: Any, names: set[str]) -> str:
        lines: list[str] = []
        for part in parts or []:
            if isinstance(part, dict) and part.get("name") in names:
                self._part(part, 0, lines)
        return "\n".join(line for line in lines if line.strip()).strip()

    def _part(self, part: dict[str, Any], depth: int, lines: list[str]) -> None:
        if depth > 20:
            return
        label = _prop(part, "label")
        prose = self._insert(text_of(part.get("prose")), 0)
        title = text_of(part.get("title"))
        text = " ".join(x for x in (label, title, prose) if x)
        if text:
            lines.append("  " * depth + text)
        for sub in part.get("parts") or []:
            if isinstance(sub, dict):
                self._part(sub, depth + 1 if text else depth, lines)

    def _insert(self, text: str, depth: int) -> str:
        return _INSERT.sub(lambda m: self._param(m.group(1), depth), text)

    def _param(self, pid: str, depth: int) -> str:
        prm = self.params.get(pid)
        if prm is None or depth > PARAM_DEPTH:
            return f"[{pid}]"
        values = [text_of(v) for v in prm.get("values") or [] if text_of(v)]
        if values:
            return ", ".join(values)
        select = prm.get("select")
        if isinstance(select, dict):
            choices = [self._insert(text_of(c), depth + 1) for c in select.get("choice") or []]
            how = text_of(select.get("how-many"))
            head = f"Selection ({how.replace('-', ' ')})" if how else "Selection"
            return f"[{head}: {'; '.join(c for c in choices if c)}]"
        label = text_of(prm.get("label"))
        return f"[Assignment: {label}]" if label else f"[{pid}]"


def _count_controls(c: dict[str, Any]) -> int:
    return sum(1 + _count_controls(s) for s in c.get("controls") or [] if isinstance(s, dict))


def read_oscal(
    data: bytes, name: str, context: CatalogSet, options: FrameworkOptions
) -> ImportResult:
    """Read an OSCAL catalog (JSON or YAML bytes). Raises ImportFailure for a file that is not
    one; every other problem is in the result."""
    return _Reader(load_document(data, name), name, context, options).run()
