"""CISO Assistant library files (their YAML) into frameworks and crosswalks.

A library's `objects.framework` (one, or a list) becomes a framework with the same tree: each
requirement node is addressed by URN and names its parent by `parent_urn`; assessable nodes
become requirements, the others groups (a requirement whose parent is assessable hangs from
the nearest group above, as a requirement's parent must be a group). Node ids are the
nodes' `ref_id` (else the last part of the URN). The framework id is the last part of the
framework's URN (`urn:intuitem:risk:framework:nist-csf-2.0` -> `nist-csf-2-0`), so that a
mapping library imported later finds it.

`objects.requirement_mapping_sets` become crosswalks between two frameworks, imported in the
same file or before (or named with --source/--target): each mapping links a source
requirement to a target one with its relationship (not_related ones are left out).
"""

from __future__ import annotations

import re
from typing import Any

from workbench.core.catalog import CatalogSet, Framework
from workbench.core.catalog.model import RELATIONSHIPS

from . import vocab
from .documents import FrameworkOptions, clean_id, clip, load_document, text_of, unique
from .problems import WARNING, ImportFailure, Where
from .result import ImportResult, Preview

PREVIEW_ROWS = 5


def urn_tail(urn: str) -> str:
    return urn.rsplit(":", 1)[-1]


def framework_id_for(urn: str) -> str:
    """Our framework id for a CISO Assistant framework URN."""
    return vocab.slug(urn_tail(urn), "framework")


def _norm(text: str) -> str:
    """'A.5.1' and 'a.5.1' alike; '1.1 a' and '1.1-a' alike (URN tails are lower-cased)."""
    return "-".join(re.split(r"[^a-z0-9]+", text.lower())).strip("-")


class _Reader:
    def __init__(self, doc: Any, name: str, context: CatalogSet, options: FrameworkOptions):
        if not isinstance(doc, dict) or not isinstance(doc.get("objects"), dict):
            raise ImportFailure(
                f"{name}: not a CISO Assistant library (expected 'objects:' with a framework or "
                "requirement_mapping_sets)"
            )
        self.doc = doc
        self.objects: dict[str, Any] = doc["objects"]
        self.name = name
        self.context = context
        self.options = options
        self.result = ImportResult(
            "ciso",
            name,
            {},
            Preview(f"CISO Assistant library {name}"),
            items=("requirements", "links"),
        )
        self.frameworks: list[dict[str, Any]] = []
        # framework URN -> (our id, node URN -> our requirement id)
        self.local: dict[str, tuple[str, dict[str, str]]] = {}

    def run(self) -> ImportResult:
        raw = self.objects.get("framework", self.objects.get("frameworks"))
        fws = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
        if self.options.framework_id and len(fws) > 1:
            raise ImportFailure(f"{self.name}: --id names one framework, the file has {len(fws)}")
        for i, fw in enumerate(fws):
            self._framework(fw, "objects.framework" + (f"[{i}]" if isinstance(raw, list) else ""))
        sets = self.objects.get(
            "requirement_mapping_sets", self.objects.get("requirement_mapping_set")
        )
        sets = sets if isinstance(sets, list) else [sets] if isinstance(sets, dict) else []
        crosswalks: list[dict[str, Any]] = []
        skipped = 0
        for i, ms in enumerate(sets):
            cw, n = self._mapping_set(ms, f"objects.requirement_mapping_sets[{i}]", len(crosswalks))
            skipped += n
            if cw is not None:
                crosswalks.append(cw)
        if not fws and not sets:
            self.result.add(Where(self.name, path="objects"), "no framework and no mapping set")
        lib_id = text_of(self.doc.get("urn")) or text_of(self.doc.get("ref_id")) or self.name
        data: dict[str, Any] = {
            "catalog": {
                "id": self.options.catalog_id or vocab.slug(urn_tail(lib_id), "ciso-library"),
                "title": self.options.title or text_of(self.doc.get("name")) or self.name,
                "version": str(self.doc.get("version") or "1"),
            }
        }
        copyright_ = text_of(self.doc.get("copyright"))
        if copyright_:
            data["catalog"]["description"] = f"Imported from {self.name}. {copyright_}"
        if self.frameworks:
            data["frameworks"] = self.frameworks
        if crosswalks:
            data["crosswalks"] = crosswalks
        self.result.data = data
        p = self.result.preview
        nodes = [n for fw in self.frameworks for n in fw["requirements"]]
        p.counts = [
            ("frameworks", len(self.frameworks)),
            ("groups", sum(1 for n in nodes if n.get("kind") == "group")),
            ("requirements", sum(1 for n in nodes if n.get("kind") != "group")),
            ("crosswalks", len(crosswalks)),
            ("crosswalk links", sum(len(c["links"]) for c in crosswalks)),
            ("not_related mappings, left out", skipped),
        ]
        p.first_rows = [
            f"{fw['id']} {n['id']}  {clip(n['title'], 50)}"
            for fw in self.frameworks
            for n in fw["requirements"]
            if n.get("kind") != "group"
        ][:PREVIEW_ROWS]
        for c in crosswalks[:PREVIEW_ROWS]:
            p.facts.append(f"crosswalk {c['source']} -> {c['target']}: {len(c['links'])} links")
        return self.result

    # -- frameworks --------------------------------------------------------------------------
    def _framework(self, fw: Any, path: str) -> None:
        if not isinstance(fw, dict):
            self.result.add(Where(self.name, path=path), "expected a framework object")
            return
        urn = text_of(fw.get("urn"))
        if not urn:
            self.result.add(Where(self.name, path=f"{path}.urn"), "the framework has no urn")
            return
        fw_id = self.options.framework_id or framework_id_for(urn)
        index = len(self.frameworks)
        raw_nodes = [n for n in fw.get("requirement_nodes") or [] if isinstance(n, dict)]
        by_urn: dict[str, dict[str, Any]] = {}
        ids: dict[str, str] = {}
        taken: set[str] = set()
        for i, node in enumerate(raw_nodes):
            nurn = text_of(node.get("urn"))
            where = Where(self.name, path=f"{path}.requirement_nodes[{i}]")
            if not nurn:
                self.result.add(where, "the node has no urn")
                continue
            if nurn.lower() in by_urn:
                self.result.add(where, f"duplicate node urn {nurn!r}")
                continue
            by_urn[nurn.lower()] = node
            ids[nurn.lower()] = unique(
                clean_id(text_of(node.get("ref_id")) or urn_tail(nurn)), taken
            )
        out: list[dict[str, Any]] = []
        for i, node in enumerate(raw_nodes):
            nurn = text_of(node.get("urn")).lower()
            if nurn not in ids or by_urn.get(nurn) is not node:
                continue
            where = Where(self.name, path=f"{path}.requirement_nodes[{i}]")
            assessable = node.get("assessable") is True
            ref = text_of(node.get("ref_id"))
            title = (
                text_of(node.get("name"))
                or ref
                or clip(text_of(node.get("description")) or text_of(node.get("annotation")), 80)
            )
            description = (
                text_of(node.get("description")) or text_of(node.get("annotation")) or title
            )
            entry: dict[str, Any] = {"id": ids[nurn]}
            if not assessable:
                entry["kind"] = "group"
            entry["level"] = (
                f"depth {node['depth']}"
                if isinstance(node.get("depth"), int)
                else ("requirement" if assessable else "group")
            )
            entry["title"] = (
                f"{ref} {title}"
                if ref and title != ref and ref != ids[nurn]
                else (title or ids[nurn])
            )
            if description and (assessable or description != title):
                entry["description"] = description
            parent = self._parent(node, by_urn, where)
            if parent is not None:
                entry["parent"] = ids[parent]
            self.result.origins[(f"frameworks[{index}].requirements", len(out))] = where
            out.append(entry)
        name = self.options.name or clip(
            text_of(fw.get("ref_id")) or text_of(fw.get("name")) or fw_id, 32
        )
        framework = {
            "id": fw_id,
            "name": name,
            "title": text_of(fw.get("name")) or name,
            "version": str(self.doc.get("version") or ""),
            "description": text_of(fw.get("description")) or f"Imported from {self.name}.",
            "requirements": out,
        }
        if not framework["version"]:
            del framework["version"]
        self.frameworks.append(framework)
        self.local[urn.lower()] = (fw_id, {u: ids[u] for u in ids})
        self.result.preview.facts.append(
            f"framework {fw_id!r} ({name}) from {urn}: {len(out)} nodes"
        )

    def _parent(
        self, node: dict[str, Any], by_urn: dict[str, dict[str, Any]], where: Where
    ) -> str | None:
        """The nearest group above a node (its parent, unless that one is assessable)."""
        parent = text_of(node.get("parent_urn")).lower()
        seen: set[str] = set()
        while parent:
            if parent in seen:
                self.result.add(where, "the parent links form a cycle")
                return None
            seen.add(parent)
            found = by_urn.get(parent)
            if found is None:
                self.result.add(where, f"unknown parent_urn {parent!r}")
                return None
            if found.get("assessable") is not True:
                return parent
            parent = text_of(found.get("parent_urn")).lower()
        return None

    # -- mapping sets ------------------------------------------------------------------------
    def _mapping_set(self, ms: Any, path: str, index: int) -> tuple[dict[str, Any] | None, int]:
        if not isinstance(ms, dict):
            self.result.add(Where(self.name, path=path), "expected a mapping set object")
            return None, 0
        ends = []
        for key, override in (
            ("source_framework_urn", self.options.source),
            ("target_framework_urn", self.options.target),
        ):
            ends.append(self._resolve_framework(text_of(ms.get(key)), override, f"{path}.{key}"))
        if None in ends:
            return None, 0
        (src_id, src_nodes), (dst_id, dst_nodes) = ends  # type: ignore[misc]
        links: list[dict[str, Any]] = []
        skipped = 0
        for i, m in enumerate(ms.get("requirement_mappings") or []):
            where = Where(self.name, path=f"{path}.requirement_mappings[{i}]")
            if not isinstance(m, dict):
                self.result.add(where, "expected a mapping object")
                continue
            rel = text_of(m.get("relationship")).lower()
            if rel == "not_related":
                skipped += 1
                continue
            a = self._resolve_node(
                text_of(m.get("source_requirement_urn")), src_id, src_nodes, where
            )
            b = self._resolve_node(
                text_of(m.get("target_requirement_urn")), dst_id, dst_nodes, where
            )
            if a is None or b is None:
                continue
            link: dict[str, Any] = {"from": a, "to": b}
            if rel in RELATIONSHIPS:
                link["relationship"] = rel
            elif rel:
                self.result.add(where, f"unknown relationship {rel!r}: kept without one", WARNING)
            self.result.origins[(f"crosswalks[{index}].links", len(links))] = where
            links.append(link)
        if not links:
            self.result.add(
                Where(self.name, path=path), "the mapping set has no usable mapping", WARNING
            )
            return None, skipped
        return {"source": src_id, "target": dst_id, "links": links}, skipped

    def _resolve_framework(
        self, urn: str, override: str, path: str
    ) -> tuple[str, dict[str, str]] | None:
        where = Where(self.name, path=path)
        if override:
            fw = self.context.frameworks.get(override)
            if fw is None:
                known = ", ".join(self.context.frameworks)
                self.result.add(where, f"unknown framework {override!r} (known: {known})")
                return None
            return override, _index(fw)
        if urn.lower() in self.local:
            return self.local[urn.lower()]
        fw_id = framework_id_for(urn) if urn else ""
        fw = self.context.frameworks.get(fw_id)
        if fw is None:
            self.result.add(
                where,
                f"framework {urn or '(none)'} is not imported (looked for {fw_id!r}): import "
                "its library first, or name it with --source/--target",
            )
            return None
        return fw_id, _index(fw)

    def _resolve_node(
        self, urn: str, fw_id: str, nodes: dict[str, str], where: Where
    ) -> str | None:
        found = nodes.get(urn.lower()) or nodes.get(_norm(urn_tail(urn)))
        if found is None:
            self.result.add(where, f"requirement {urn or '(none)'} is not in framework {fw_id!r}")
        return found


def _index(fw: Framework) -> dict[str, str]:
    """An imported framework's nodes by their URN tail (our ids are ref_ids: compare them
    the way URN tails are written)."""
    return {_norm(nid): nid for nid in fw.nodes}


def read_ciso(
    data: bytes, name: str, context: CatalogSet, options: FrameworkOptions
) -> ImportResult:
    """Read a CISO Assistant library (YAML bytes). Raises ImportFailure for a file that is not
    one; every other problem is in the result."""
    return _Reader(load_document(data, name), name, context, options).run()
