"""Readiness definitions pinned on the hand-built mini catalog (tests/fixtures/catalogs/mini.yaml).

alpha: A1 <- C1, C2 | A2 <- C3 | A3 <- nothing | O1 (optional group OPT) <- C5
beta:  B1 <- C1     | B2 <- C4, C6
"""

from __future__ import annotations

import pytest

from workbench.core.catalog import CatalogSet
from workbench.core.readiness import Readiness, Scope


def test_everything_not_started(mini: CatalogSet) -> None:
    r = Readiness(mini, {})
    a = r.figures("alpha")
    assert a.counts == {"gap": 3, "unmapped": 1}
    assert a.applicable == 4 and a.met == 0 and a.readiness_pct == 0.0
    assert (a.controls_in_scope, a.controls_ready) == (4, 0)  # C1, C2, C3, C5
    b = r.figures("beta")
    assert b.counts == {"gap": 2} and (b.controls_in_scope, b.controls_ready) == (3, 0)


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ({"C1": "effective", "C2": "effective"}, "met"),
        ({"C1": "effective", "C2": "in_progress"}, "partial"),
        ({"C1": "in_progress", "C2": "not_started"}, "gap"),
        ({"C1": "effective", "C2": "deficient"}, "deficient"),
        ({"C1": "not_applicable", "C2": "not_applicable"}, "not_applicable"),
        ({"C1": "effective", "C2": "not_applicable"}, "met"),  # N/A leaves M
        ({"C1": "deficient", "C2": "not_applicable"}, "deficient"),
    ],
)
def test_requirement_state_rules(mini: CatalogSet, statuses: dict[str, str], state: str) -> None:
    assert Readiness(mini, statuses).state("alpha", "A1") == state


def test_unmapped_is_a_gap_in_the_denominator(mini: CatalogSet) -> None:
    r = Readiness(
        mini, {"C1": "effective", "C2": "effective", "C3": "effective", "C5": "effective"}
    )
    a = r.figures("alpha")
    assert a.counts == {"met": 3, "unmapped": 1}
    assert a.readiness_pct == 75.0
    assert [g.requirement_id for g in r.gaps("alpha")] == ["A3"]


def test_lenses(mini: CatalogSet) -> None:
    statuses = {"C1": "implemented", "C2": "effective"}
    assert Readiness(mini, statuses, lens="design").state("alpha", "A1") == "met"
    assert Readiness(mini, statuses, lens="operating").state("alpha", "A1") == "partial"
    r = Readiness(mini, statuses, lens="design")
    r.set_lens("operating")
    assert r.state("alpha", "A1") == "partial"
    with pytest.raises(ValueError, match="unknown lens"):
        Readiness(mini, {}, lens="audit")


def test_not_applicable_leaves_every_denominator(mini: CatalogSet) -> None:
    r = Readiness(mini, {"C3": "not_applicable", "C1": "effective", "C2": "effective"})
    a = r.figures("alpha")
    assert a.counts == {"met": 1, "not_applicable": 1, "gap": 1, "unmapped": 1}
    assert a.applicable == 3  # A2 is not applicable
    assert a.readiness_pct == pytest.approx(33.3)
    assert a.controls_in_scope == 3  # C3 left the coverage denominator
    assert a.controls_ready == 2 and a.coverage_pct == pytest.approx(66.7)


def test_optional_group_out_of_scope(mini: CatalogSet) -> None:
    scope = Scope(frozenset({("alpha", "OPT")}))
    r = Readiness(mini, {"C5": "effective"}, scope=scope)
    a = r.figures("alpha")
    assert a.applicable == 3 and a.counts.get("out_of_scope") == 1
    assert a.controls_in_scope == 3  # C5 serves only out-of-scope O1
    assert r.state("alpha", "O1") == "out_of_scope"
    assert not r.figures("alpha", "OPT").in_scope
    assert "O1" not in [g.requirement_id for g in r.gaps()]
    r.set_scope(Scope())
    assert r.figures("alpha").applicable == 4 and r.state("alpha", "O1") == "met"


def test_scope_from_settings() -> None:
    scope = Scope.from_settings(
        {"scope.soc2.PRIVACY": "out", "scope.soc2.AVAILABILITY": "in", "lens": "x"}
    )
    assert scope.excluded == frozenset({("soc2", "PRIVACY")})
    assert Scope.setting_key("soc2", "PRIVACY") == "scope.soc2.PRIVACY"
    assert scope.toggled("soc2", "PRIVACY").excluded == frozenset()


def test_group_figures(mini: CatalogSet) -> None:
    r = Readiness(mini, {"C4": "effective", "C6": "implemented"})
    (group,) = r.group_figures("beta")
    assert group.node_id == "B" and group.level == "domain"
    assert group.counts == {"met": 1, "gap": 1}
    assert (group.controls_in_scope, group.controls_ready) == (3, 2)


def test_shared_controls_and_earned_share(mini: CatalogSet) -> None:
    r = Readiness(
        mini, {"C1": "effective", "C4": "effective", "C6": "effective"}, pair=("alpha", "beta")
    )
    shared = r.shared()
    assert shared is not None
    assert shared.controls == ("C1",) and shared.ready == ("C1",)
    # beta: B1 met only through C1 (shared) -> earned; B2 met through beta-only controls -> not.
    assert (shared.earned_met, shared.target_applicable) == (1, 2)
    assert shared.earned_pct == 50.0
    r.set_status("C1", "not_applicable")
    shared = r.shared()
    assert shared is not None and shared.controls == () and shared.target_applicable == 1


def test_leverage_ranking(mini: CatalogSet) -> None:
    r = Readiness(mini, {"C2": "effective", "C6": "effective"}, pair=("alpha", "beta"))
    ranking = r.leverage()
    first = ranking[0]
    # C1 would complete A1 (alpha) and B1 (beta): two requirements met.
    assert first.control_id == "C1" and first.to_met == {"alpha": 1, "beta": 1} and first.shared
    by_id = {lv.control_id: lv for lv in ranking}
    assert by_id["C4"].to_met == {"beta": 1}
    assert "C2" not in by_id  # already ready
    r2 = Readiness(mini, {}, pair=("alpha", "beta"))
    c4 = next(lv for lv in r2.leverage() if lv.control_id == "C4")
    assert c4.to_partial == {"beta": 1} and c4.to_met == {}
    assert len(r2.leverage(limit=2)) == 2


def test_why_lists_controls_with_states(mini: CatalogSet) -> None:
    r = Readiness(mini, {"C1": "effective", "C2": "not_applicable"})
    why = r.requirement("alpha", "A1")
    assert why.state == "met"
    assert [(c.control_id, c.status, c.ready) for c in why.controls] == [
        ("C1", "effective", True),
        ("C2", "not_applicable", False),
    ]
    assert why.title == "First [bold]requirement[/]"


def test_incremental_update_reports_changed_requirements(mini: CatalogSet) -> None:
    r = Readiness(mini, {"C2": "effective"})
    changed = r.set_status("C1", "effective")
    assert sorted(changed) == [("alpha", "A1"), ("beta", "B1")]
    assert r.set_status("C1", "effective") == []
    assert r.set_status("ORPHAN-1", "effective") == []


def test_gap_order(mini: CatalogSet) -> None:
    r = Readiness(mini, {"C4": "deficient", "C1": "effective"})
    states = [g.state for g in r.gaps()]
    assert states == sorted(states, key=["deficient", "unmapped", "gap", "partial"].index)
    assert states[0] == "deficient"


def test_to_dict_is_complete(mini: CatalogSet) -> None:
    d = Readiness(mini, {"C1": "effective"}).to_dict()
    assert set(d) == {
        "lens",
        "scope",
        "frameworks",
        "shared",
        "gaps",
        "next",
        "requirements",
        "controls",
    }
    alpha = d["frameworks"][0]
    assert alpha["framework"] == "alpha" and alpha["groups"][0]["node"] == "A"
    assert len(d["requirements"]) == 6 and len(d["controls"]) == 6


def test_bundled_catalogs_compute(bundled: CatalogSet) -> None:
    r = Readiness(bundled, {})
    soc2, sox = r.figures("soc2"), r.figures("sox")
    # SOX's optional ITGC objectives (CO-07, CO-08, CO-10) start out of scope (issue 12).
    sox_requirements = sum(1 for _ in bundled.frameworks["sox"].requirements())
    assert soc2.applicable == 61 and sox.applicable == sox_requirements - 3 == 88 - 3
    assert sox.counts["out_of_scope"] == 3
    shared = r.shared()
    assert shared is not None and len(shared.controls) >= 45
    ranking = r.leverage()
    scores = [lv.score for lv in ranking]
    assert scores == sorted(scores, reverse=True) and scores[0][0] >= 1
