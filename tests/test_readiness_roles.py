"""Mapping roles, optional requirements and filer status in readiness (issue 12).

gamma: G1 <- P1, P2 (primary), S1 (supporting) | G2 <- S1 (supporting only)
       G3 (optional, out by default) <- P1 | G4 (large/accelerated filers only) <- P1, IT1
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.catalog import CatalogSet, load_catalog_files
from workbench.core.readiness import Readiness, Scope

ROLES = Path(__file__).parent / "fixtures" / "catalogs" / "roles.yaml"


@pytest.fixture(scope="module")
def cat() -> CatalogSet:
    return load_catalog_files([ROLES])


def test_the_catalog_says_which_mappings_are_supporting(cat: CatalogSet) -> None:
    assert cat.controls_for("gamma", "G1") == ("P1", "P2", "S1")
    assert cat.controls_for("gamma", "G1", "primary") == ("P1", "P2")
    assert cat.role_of("S1", "gamma", "G1") == "supporting"
    assert cat.role_of("P1", "gamma", "G1") == "primary"  # the default
    assert cat.systems["TB"].kind == "report"
    assert cat.controls["IT1"].covers == ("ERP", "TB") and cat.controls["IT1"].is_itgc
    assert cat.itgcs_over("ERP") == ("IT1",)
    assert cat.relied_systems("P2") == ("ERP",)  # automated: every system it runs on
    assert cat.relied_systems("S1") == ("TB",)  # manual: the report it uses
    assert cat.relied_systems("IT1") == ()  # an ITGC: only the reports it uses


def test_supporting_controls_do_not_block_met(cat: CatalogSet) -> None:
    r = Readiness(cat, {"P1": "effective", "P2": "effective"})
    assert r.state("gamma", "G1") == "met"  # S1 (not started) supports only
    res = r.requirement("gamma", "G1")
    assert [(c.control_id, c.role) for c in res.controls] == [
        ("P1", "primary"),
        ("P2", "primary"),
        ("S1", "supporting"),
    ]
    assert res.warnings == ()


def test_a_deficient_supporting_control_is_a_warning_not_a_deficiency(cat: CatalogSet) -> None:
    r = Readiness(cat, {"P1": "effective", "P2": "effective", "S1": "deficient"})
    assert r.state("gamma", "G1") == "met"
    assert r.requirement("gamma", "G1").warnings == ("supporting control S1 is deficient",)
    assert r.requirement("gamma", "G1").to_dict()["warnings"] == [
        "supporting control S1 is deficient"
    ]
    r.set_status("S1", "effective")  # incrementally, the warning goes
    assert r.requirement("gamma", "G1").warnings == ()
    r.set_status("P2", "deficient")
    assert r.state("gamma", "G1") == "deficient"


def test_supporting_controls_alone_do_not_meet_a_requirement(cat: CatalogSet) -> None:
    r = Readiness(cat, {"S1": "effective"})
    assert r.state("gamma", "G2") == "unmapped"
    assert [c.control_id for c in r.requirement("gamma", "G2").controls] == ["S1"]


def test_an_optional_requirement_can_start_out_of_scope(cat: CatalogSet) -> None:
    r = Readiness(cat, {"P1": "effective"})
    assert r.state("gamma", "G3") == "out_of_scope"
    assert not r.scope.includes("gamma", "G3", default=False)
    r.set_scope(r.scope.toggled("gamma", "G3", default=False))
    assert r.state("gamma", "G3") == "met"
    scope = Scope.from_settings({"scope.gamma.G3": "in"})
    assert Readiness(cat, {}, scope=scope).state("gamma", "G3") == "gap"


def test_filer_status_takes_a_requirement_out(cat: CatalogSet) -> None:
    assert Readiness(cat, {}).state("gamma", "G4") == "gap"  # no status recorded: applies
    large = Scope.from_settings({"filer_status": "large_accelerated"})
    assert Readiness(cat, {}, scope=large).state("gamma", "G4") == "gap"
    for status in ("non_accelerated", "emerging_growth"):
        scope = Scope.from_settings({"filer_status": status})
        r = Readiness(cat, {}, scope=scope)
        assert r.state("gamma", "G4") == "out_of_scope"
        assert r.scope.filer_status == status
        assert (
            r.scope.why_out(cat.requirement("gamma", "G4"))
            == {
                "non_accelerated": "not applicable: a non-accelerated filer",
                "emerging_growth": "not applicable: an emerging growth company",
            }[status]
        )
        assert ("gamma", "G4", r.scope.why_out(cat.requirement("gamma", "G4"))) in (
            r.out_of_scope_nodes()
        )
