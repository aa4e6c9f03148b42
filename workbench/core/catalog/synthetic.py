"""Generated catalogs of any size, for benchmarks and property tests.

The shape follows the bundled catalogs: each framework has categories (some optional) with
series below them and requirements below those; every control maps to a few requirements,
mostly in one framework, sometimes in several.
"""

from __future__ import annotations

import random
from types import MappingProxyType
from typing import Any

from .model import (
    FREQUENCIES,
    PRIMARY,
    SUPPORTING,
    CatalogInfo,
    CatalogSet,
    Control,
    Framework,
    MappingRef,
    Requirement,
    Source,
)


def synthetic_data(
    controls: int,
    requirements: int,
    mappings: int,
    frameworks: int = 3,
    seed: int = 0,
    unmapped_share: float = 0.02,
) -> dict[str, Any]:
    """A catalog file's content (the YAML structure of docs/catalog-format.md)."""
    rng = random.Random(seed)
    fws: list[dict[str, Any]] = []
    req_ids: list[tuple[str, str]] = []
    per_fw = max(1, requirements // frameworks)
    for f in range(frameworks):
        fw_id = f"fw{f}"
        nodes: list[dict[str, Any]] = []
        n_cats = max(1, min(6, per_fw // 20))
        for c in range(n_cats):
            cat = f"F{f}-C{c}"
            node: dict[str, Any] = {
                "id": cat,
                "kind": "group",
                "level": "category",
                "title": f"Category {c}",
            }
            if c > 0 and c % 3 == 0:
                node["optional"] = True
            nodes.append(node)
        n_series = max(1, per_fw // 10)
        for s in range(n_series):
            nodes.append(
                {
                    "id": f"F{f}-S{s}",
                    "kind": "group",
                    "level": "series",
                    "parent": f"F{f}-C{s % n_cats}",
                    "title": f"Series {s}",
                }
            )
        count = per_fw if f < frameworks - 1 else requirements - per_fw * (frameworks - 1)
        for r in range(count):
            rid = f"F{f}-R{r}"
            nodes.append(
                {
                    "id": rid,
                    "parent": f"F{f}-S{r % n_series}",
                    "title": f"Requirement {r} of framework {f}",
                    "description": f"Generated requirement {r}.",
                }
            )
            req_ids.append((fw_id, rid))
        fws.append({"id": fw_id, "name": f"Framework {f}", "requirements": nodes})
    mappable = [k for k in req_ids if rng.random() >= unmapped_share] or req_ids
    ctl_list: list[dict[str, Any]] = []
    per_control = max(1, mappings // max(1, controls))
    remaining = mappings
    for i in range(controls):
        n = per_control if i < controls - 1 else max(1, remaining)
        n = min(n, len(mappable))
        remaining -= n
        home = rng.randrange(frameworks)
        chosen: set[tuple[str, str]] = set()
        while len(chosen) < n:
            if rng.random() < 0.7:
                fw_id = f"fw{home}"
                pool_start = home * per_fw
                k = req_ids[pool_start + rng.randrange(min(per_fw, len(req_ids) - pool_start))]
                if k not in mappable:
                    k = rng.choice(mappable)
            else:
                k = rng.choice(mappable)
            chosen.add(k)
        satisfies: dict[str, list[str]] = {}
        supports: dict[str, list[str]] = {}
        for j, (fw_id, rid) in enumerate(sorted(chosen)):
            # About one mapping in five is supporting (never a control's first one).
            block = supports if j and rng.random() < 0.2 else satisfies
            block.setdefault(fw_id, []).append(rid)
        extra: dict[str, Any] = {"supports": supports} if supports else {}
        ctl_list.append(
            {
                "id": f"GEN-{i:05d}",
                "title": f"Generated control {i}",
                "description": f"Generated control number {i}.",
                "domain": f"Domain {i % 12}",
                "frequency": FREQUENCIES[i % len(FREQUENCIES)],
                "type": "preventive",
                "nature": "manual",
                "key": i % 4 == 0,
                "owner_role": "Owner",
                "satisfies": satisfies,
                **extra,
            }
        )
    return {
        "catalog": {"id": "synthetic", "title": "Synthetic catalog", "version": str(seed)},
        "frameworks": fws,
        "controls": ctl_list,
    }


def synthetic_catalog(
    controls: int, requirements: int, mappings: int, frameworks: int = 3, seed: int = 0
) -> CatalogSet:
    """Build the generated catalog directly (no YAML round trip)."""
    data = synthetic_data(controls, requirements, mappings, frameworks, seed)
    src = Source("<synthetic>", 1)
    built: dict[str, Framework] = {}
    for fw in data["frameworks"]:
        children: dict[str, list[str]] = {n["id"]: [] for n in fw["requirements"]}
        roots = []
        for n in fw["requirements"]:
            if "parent" in n:
                children[n["parent"]].append(n["id"])
            else:
                roots.append(n["id"])
        nodes = {
            n["id"]: Requirement(
                framework_id=fw["id"],
                id=n["id"],
                title=n["title"],
                description=n.get("description", ""),
                kind=n.get("kind", "requirement"),
                level=n.get("level", "requirement"),
                parent_id=n.get("parent"),
                optional=bool(n.get("optional", False)),
                coso=None,
                children=tuple(children[n["id"]]),
                source=src,
                default_in=True,
                filers=(),
            )
            for n in fw["requirements"]
        }
        built[fw["id"]] = Framework(
            fw["id"],
            fw["name"],
            fw["name"],
            "1",
            "",
            "synthetic",
            tuple(roots),
            MappingProxyType(nodes),
            src,
        )
    ctls = {
        c["id"]: Control(
            c["id"],
            c["title"],
            c["description"],
            c["domain"],
            c["frequency"],
            c["type"],
            c["nature"],
            c["key"],
            c["owner_role"],
            "synthetic",
            src,
            (),
            (),
        )
        for c in data["controls"]
    }
    maps = tuple(
        MappingRef(c["id"], fw_id, rid, None, "", src, role)
        for c in data["controls"]
        for key, role in (("satisfies", PRIMARY), ("supports", SUPPORTING))
        for fw_id, rids in c.get(key, {}).items()
        for rid in rids
    )
    info = CatalogInfo("synthetic", "Synthetic catalog", str(seed), "", "<synthetic>")
    return CatalogSet.build((info,), built, ctls, maps)
