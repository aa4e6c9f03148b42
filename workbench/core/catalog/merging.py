"""Checking the files together (IDs unique across catalogs, references that resolve,
retired and replaced controls) and building the CatalogSet."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import Any

from .model import (
    INFORMATION_KINDS,
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
from .reading import CatalogFile


def merge_files(all_files: Sequence[CatalogFile], replace_library: bool = False) -> CatalogSet:
    """Check the files together and build the set; CatalogError lists every problem of every
    file (each file's own first, in order)."""
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
    files: Sequence[CatalogFile], problems: list[Problem], dup_checker: DupChecker
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
    files: Sequence[CatalogFile],
    replaced_files: Sequence[CatalogFile],
    replacer: CatalogFile | None,
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
    files: Sequence[CatalogFile], frameworks: dict[str, Framework], problems: list[Problem]
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
    f: CatalogFile,
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
