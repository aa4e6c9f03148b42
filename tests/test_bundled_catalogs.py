"""Facts about the bundled catalogs: counts, IDs, coverage, the COSO <-> SOC 2 link between
requirements, and the corrections of issue 12 (related parties, ICFR-only controls, key flags,
splits, systems and ITGC coverage)."""

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
# COSO principle -> SOC 2 criterion (CC2 = 13-15, CC3 = 6-9, CC4 = 16-17, CC5 = 10-12)
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
    """By a primary control: supporting ones alone never meet a requirement."""
    uncovered = [
        r.id
        for r in bundled.frameworks[framework].requirements()
        if not bundled.controls_for(framework, r.id, "primary")
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


# -- issue 12: a corrected crosswalk -------------------------------------------------------------


def _maps(cat: CatalogSet, cid: str, fw: str, role: str | None = None) -> set[str]:
    return {
        m.requirement_id
        for m in cat.by_control[cid]
        if m.framework_id == fw and (role is None or m.role == role)
    }


def test_bp_rpt_means_related_parties(bundled: CatalogSet) -> None:
    assert "elated" in bundled.requirement("sox", "BP-RPT").title
    for cid in ("FR-03", "FR-04", "JE-03", "LEG-01", "ELC-05", "DC-01", "ELC-02"):
        assert "BP-RPT" not in _maps(bundled, cid, "sox"), cid
    assert "BP-CLOSE" in _maps(bundled, "FR-04", "sox", "primary")
    (rp,) = bundled.controls_for("sox", "BP-RPT", "primary")
    text = bundled.controls[rp].description.lower()
    assert "questionnaire" in text and "register" in text and "audit committee" in text
    assert bundled.frameworks_of(rp) == {"sox"}


def test_icfr_only_controls_are_not_soc2_evidence(bundled: CatalogSet) -> None:
    """The COSO <-> SOC 2 link is between requirements: no two-way rule for controls."""
    for cid in ("DC-01", "ELC-09", "ELC-05", "RA-03"):
        assert bundled.frameworks_of(cid) == {"sox"}, cid
    cc23 = [c for c in bundled.controls_for("soc2", "CC2.3", "primary")]
    assert any(bundled.frameworks_of(c) == {"soc2"} for c in cc23)
    com = next(c for c in cc23 if bundled.frameworks_of(c) == {"soc2"})
    text = bundled.controls[com].description.lower()
    assert "contract" in text and "boundar" in text and "changes" in text


def test_key_controls_are_financial_reporting_controls(bundled: CatalogSet) -> None:
    for cid in ("SM-01", "SM-03", "SM-04", "NS-01", "NS-02", "ELC-09", "FR-01"):
        assert not bundled.controls[cid].key, cid
    assert bundled.controls["JE-01"].key and bundled.controls["AC-04"].key


@pytest.mark.parametrize(("cid", "objective"), [("AC-05", "ITGC-APD-06"), ("AC-09", "ITGC-APD-11")])
def test_preventive_step_and_periodic_review_are_separate_controls(
    bundled: CatalogSet, cid: str, objective: str
) -> None:
    step = bundled.controls[cid]
    assert (step.frequency, step.type) == ("per-event", "preventive")
    reviews = [
        c
        for c in bundled.controls_for("sox", objective, "primary")
        if c != cid and bundled.controls[c].type == "detective"
    ]
    assert [bundled.controls[c].frequency for c in reviews] == ["quarterly"]


def test_payroll_review_runs_per_payroll_cycle(bundled: CatalogSet) -> None:
    pay = bundled.controls["PAY-01"]
    assert pay.frequency != "per-event" and "cycle" in pay.description


def test_journal_entry_controls_address_fraud_risk(bundled: CatalogSet) -> None:
    for cid in ("JE-01", "JE-03"):
        assert "COSO-P08" in _maps(bundled, cid, "sox"), cid


def test_sox_404b_names_its_exemptions_and_scope_is_overseen(bundled: CatalogSet) -> None:
    b = bundled.requirement("sox", "SOX-404B")
    assert "emerging growth" in b.description and "Dodd-Frank" in b.description
    assert b.filers == ("large_accelerated", "accelerated")
    p02 = bundled.requirement("sox", "COSO-P02").description
    assert "management sets the SOX scope" in p02 and "approves SOX scope" not in p02


@pytest.mark.parametrize("rid", ["ITGC-CO-07", "ITGC-CO-08", "ITGC-CO-10"])
def test_itgcs_usually_outside_icfr_start_out_of_scope(bundled: CatalogSet, rid: str) -> None:
    from workbench.core.readiness import Readiness

    node = bundled.requirement("sox", rid)
    assert node.optional and not node.default_in
    r = Readiness(bundled, {})
    assert r.state("sox", rid) == "out_of_scope"
    r.set_scope(r.scope.with_node("sox", rid, True))
    assert r.state("sox", rid) != "out_of_scope"


def test_automated_controls_and_report_users_rest_on_covered_systems(bundled: CatalogSet) -> None:
    for cid, ctl in bundled.controls.items():
        if ctl.nature == "automated" and not ctl.is_itgc:
            assert ctl.systems, f"{cid} is automated: name the systems it runs on"
        for sid in bundled.relied_systems(cid):
            assert bundled.itgcs_over(sid), f"{cid} relies on {sid}, which no ITGC covers"
    assert "ERP" in bundled.controls["JE-02"].systems
    assert "ERP" in bundled.controls["CM-02"].covers


def test_a_deficient_supporting_control_no_longer_sinks_cc8_1(bundled: CatalogSet) -> None:
    """Reproduced: CC8.1 needed all 17 mapped controls ready, and one deficient secondary one
    made it deficient."""
    from workbench.core.readiness import Readiness

    primary = bundled.controls_for("soc2", "CC8.1", "primary")
    supporting = bundled.controls_for("soc2", "CC8.1", "supporting")
    assert supporting and len(primary) < len(bundled.controls_for("soc2", "CC8.1"))
    statuses = dict.fromkeys(primary, "effective") | {supporting[0]: "deficient"}
    r = Readiness(bundled, statuses)
    assert r.state("soc2", "CC8.1") == "met"
    assert r.requirement("soc2", "CC8.1").warnings == (
        f"supporting control {supporting[0]} is deficient",
    )


def test_no_reference_to_unshipped_notes() -> None:
    from pathlib import Path

    root = Path(__file__).parent.parent
    files = [root / "README.md", *(root / "docs").glob("*.md"), *(root / "catalogs").glob("*.yaml")]
    for f in files:
        text = f.read_text(encoding="utf-8").lower()
        for phrase in ("domain facts", "domain notes", "domain-facts"):
            assert phrase not in text, f"{f.name} mentions {phrase!r}"
