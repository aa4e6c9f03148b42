"""Facts about the bundled catalogs: counts, IDs, coverage and the COSO <-> SOC 2 link."""

from __future__ import annotations

import re

import pytest

from workbench.core.catalog import CatalogSet

SOC2_IDS = (
    [f"CC1.{i}" for i in range(1, 6)]
    + [f"CC2.{i}" for i in range(1, 4)]
    + [f"CC3.{i}" for i in range(1, 5)]
    + [f"CC4.{i}" for i in range(1, 3)]
    + [f"CC5.{i}" for i in range(1, 4)]
    + [f"CC6.{i}" for i in range(1, 9)]
    + [f"CC7.{i}" for i in range(1, 6)]
    + ["CC8.1", "CC9.1", "CC9.2"]
    + ["A1.1", "A1.2", "A1.3", "C1.1", "C1.2"]
    + [f"PI1.{i}" for i in range(1, 6)]
    + ["P1.1", "P2.1", "P3.1", "P3.2", "P4.1", "P4.2", "P4.3", "P5.1", "P5.2"]
    + [f"P6.{i}" for i in range(1, 8)]
    + ["P7.1", "P8.1"]
)
# COSO principle -> SOC 2 criterion (domain facts §2: CC2 = 13-15, CC3 = 6-9, CC4 = 16-17, CC5 = 10-12)
COSO_TO_CC = {
    **{n: f"CC1.{n}" for n in range(1, 6)},
    **{n: f"CC3.{n - 5}" for n in range(6, 10)},
    **{n: f"CC5.{n - 9}" for n in range(10, 13)},
    **{n: f"CC2.{n - 12}" for n in range(13, 16)},
    **{n: f"CC4.{n - 15}" for n in range(16, 18)},
}
ITGC_COUNTS = {"ITGC-APD": 15, "ITGC-PC": 11, "ITGC-PD": 7, "ITGC-CO": 10, "ITGC-ELC": 6}


def _reqs(cat: CatalogSet, fw: str) -> list[str]:
    return [r.id for r in cat.frameworks[fw].requirements()]


def test_soc2_has_exactly_the_61_criteria(bundled: CatalogSet) -> None:
    ids = _reqs(bundled, "soc2")
    assert len(SOC2_IDS) == 61
    assert ids == SOC2_IDS  # exact IDs, in tree order
    assert sum(1 for i in ids if i.startswith("CC")) == 33


def test_soc2_categories_and_scope(bundled: CatalogSet) -> None:
    fw = bundled.frameworks["soc2"]
    cats = {n.id: n for n in fw.nodes.values() if n.level == "category"}
    assert set(cats) == {
        "SECURITY",
        "AVAILABILITY",
        "CONFIDENTIALITY",
        "PROCESSING-INTEGRITY",
        "PRIVACY",
    }
    assert not cats["SECURITY"].optional
    assert all(c.optional for k, c in cats.items() if k != "SECURITY")
    per_cat = {k: sum(1 for r in fw.requirements() if fw.ancestors(r.id)[-1].id == k) for k in cats}
    assert per_cat == {
        "SECURITY": 33,
        "AVAILABILITY": 3,
        "CONFIDENTIALITY": 2,
        "PROCESSING-INTEGRITY": 5,
        "PRIVACY": 18,
    }


def test_soc2_criteria_have_coso_numbers(bundled: CatalogSet) -> None:
    fw = bundled.frameworks["soc2"]
    got = {r.coso: r.id for r in fw.requirements() if r.coso is not None}
    assert got == COSO_TO_CC


def test_sox_structure(bundled: CatalogSet) -> None:
    fw = bundled.frameworks["sox"]
    reqs = list(fw.requirements())
    principles = [r for r in reqs if r.coso is not None]
    assert sorted(r.coso for r in principles if r.coso) == list(range(1, 18))
    components = {fw.node(r.parent_id).id for r in principles if r.parent_id}
    assert components == {"COSO-CE", "COSO-RA", "COSO-CA", "COSO-IC", "COSO-MA"}
    for domain, count in ITGC_COUNTS.items():
        assert len(fw.node(domain).children) == count, domain
    assert sum(ITGC_COUNTS.values()) == 49
    sections = {r.id for r in reqs if r.parent_id == "SOX-ACT"}
    assert sections == {"SOX-302", "SOX-404A", "SOX-404B", "SOX-409", "SOX-802", "SOX-906"}
    areas = [r for r in reqs if r.parent_id == "BP"]
    assert len(areas) >= 12
    assert {"BP-CLOSE", "BP-JE", "BP-REC", "BP-REV", "BP-P2P", "BP-PAY"} <= {a.id for a in areas}


def test_every_requirement_is_described(bundled: CatalogSet) -> None:
    for fw in bundled.frameworks.values():
        for r in fw.requirements():
            assert r.title.strip() and len(r.description) >= 20, r.id


def test_controls_library_size_and_fields(bundled: CatalogSet) -> None:
    controls = [c for c in bundled.controls.values() if c.catalog_id == "controls"]
    assert len(controls) >= 90
    for c in controls:
        assert re.fullmatch(r"[A-Z0-9]+-\d{2}", c.id), c.id
        assert c.owner_role and c.domain and len(c.description) >= 30, c.id


@pytest.mark.parametrize("framework", ["soc2", "sox"])
def test_every_requirement_is_satisfied_by_a_control(bundled: CatalogSet, framework: str) -> None:
    uncovered = [
        r.id
        for r in bundled.frameworks[framework].requirements()
        if not bundled.controls_for(framework, r.id)
    ]
    assert uncovered == []


def test_shared_and_single_framework_controls(bundled: CatalogSet) -> None:
    fws = {cid: bundled.frameworks_of(cid) for cid in bundled.controls}
    shared = [c for c, f in fws.items() if f >= {"soc2", "sox"}]
    soc2_only = [c for c, f in fws.items() if f == {"soc2"}]
    sox_only = [c for c, f in fws.items() if f == {"sox"}]
    assert len(shared) >= 45
    assert soc2_only and sox_only
    assert all(bundled.frameworks_of(c) == {"sox"} for c in bundled.controls if c.startswith("JE-"))


def test_coso_principle_and_soc2_criterion_are_mapped_together(bundled: CatalogSet) -> None:
    sox = bundled.frameworks["sox"]
    principle_req = {r.coso: r.id for r in sox.requirements() if r.coso is not None}
    for cid in bundled.controls:
        maps = bundled.by_control[cid]
        soc2 = {m.requirement_id for m in maps if m.framework_id == "soc2"}
        soxr = {m.requirement_id for m in maps if m.framework_id == "sox"}
        for n, cc in COSO_TO_CC.items():
            assert (principle_req[n] in soxr) == (cc in soc2), (
                f"{cid}: COSO principle {n} ({principle_req[n]}) and {cc} must be mapped together"
            )


def test_catalog_text_is_our_own_words(bundled: CatalogSet) -> None:
    """A tripwire for pasted AICPA wording: its stock phrases must not appear."""
    stock = (
        "The entity demonstrates a commitment",
        "The entity selects and develops",
        "The entity obtains or generates",
    )
    for fw in bundled.frameworks.values():
        for node in fw.nodes.values():
            for phrase in stock:
                assert phrase.lower() not in (node.title + node.description).lower(), node.id
