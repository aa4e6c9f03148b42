"""Property tests: the readiness invariants hold on generated catalogs and statuses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core.catalog import CatalogSet
from workbench.core.catalog.synthetic import synthetic_catalog
from workbench.core.readiness import APPLICABLE_STATES, Readiness, Scope

STATUSES = ["not_started", "in_progress", "implemented", "effective", "deficient", "not_applicable"]
_CATALOGS: dict[int, CatalogSet] = {}


def _catalog(seed: int) -> CatalogSet:
    if seed not in _CATALOGS:
        _CATALOGS[seed] = synthetic_catalog(30, 40, 90, frameworks=2, seed=seed)
    return _CATALOGS[seed]


@st.composite
def worlds(draw: st.DrawFn) -> tuple[CatalogSet, dict[str, str], str, Scope]:
    cat = _catalog(draw(st.integers(0, 4)))
    ids = sorted(cat.controls)
    statuses = {cid: draw(st.sampled_from(STATUSES)) for cid in ids}
    lens = draw(st.sampled_from(["design", "operating"]))
    optional = sorted(
        (fw.id, n.id) for fw in cat.frameworks.values() for n in fw.nodes.values() if n.optional
    )
    excluded = draw(st.sets(st.sampled_from(optional))) if optional else set()
    return cat, statuses, lens, Scope(frozenset(excluded))


def _figures(r: Readiness) -> dict[tuple[str, str | None], tuple[int, float, float]]:
    out = {}
    for fw in r.catalog.frameworks:
        for f in [r.figures(fw), *r.group_figures(fw)]:
            out[(fw, f.node_id)] = (f.met, f.readiness_pct, f.coverage_pct)
    return out


@settings(max_examples=60, deadline=None)
@given(worlds(), st.data())
def test_marking_ready_never_lowers_a_figure(world, data) -> None:  # type: ignore[no-untyped-def]
    cat, statuses, lens, scope = world
    r = Readiness(cat, statuses, lens=lens, scope=scope)
    before = _figures(r)
    cid = data.draw(st.sampled_from(sorted(cat.controls)))
    r.set_status(cid, "effective")
    after = _figures(r)
    for key, (met, readiness, coverage) in before.items():
        a_met, a_readiness, a_coverage = after[key]
        assert a_met >= met and a_readiness >= readiness and a_coverage >= coverage, (cid, key)


@settings(max_examples=60, deadline=None)
@given(worlds())
def test_figures_match_a_naive_reference(world) -> None:  # type: ignore[no-untyped-def]
    """Counts equal a from-the-definitions recount (primary controls decide a requirement;
    supporting ones only count for coverage); N/A never reaches a denominator."""
    cat, statuses, lens, scope = world
    r = Readiness(cat, statuses, lens=lens, scope=scope)
    ready_set = {"implemented", "effective"} if lens == "design" else {"effective"}
    for fw in cat.frameworks.values():
        in_scope_reqs = []
        for req in fw.requirements():
            if any(a.optional and not scope.includes(fw.id, a.id) for a in fw.ancestors(req.id)):
                continue
            in_scope_reqs.append(req)
        expected: dict[str, int] = {}
        controls_in: set[str] = set()
        for req in in_scope_reqs:
            # Supporting mappings count for coverage, never for the requirement's state.
            controls_in.update(
                c for c in cat.controls_for(fw.id, req.id) if statuses[c] != "not_applicable"
            )
            mapped = cat.controls_for(fw.id, req.id, "primary")
            m = [c for c in mapped if statuses[c] != "not_applicable"]
            if not mapped:
                state = "unmapped"
            elif not m:
                state = "not_applicable"
            elif any(statuses[c] == "deficient" for c in m):
                state = "deficient"
            elif all(statuses[c] in ready_set for c in m):
                state = "met"
            elif any(statuses[c] in ready_set for c in m):
                state = "partial"
            else:
                state = "gap"
            expected[state] = expected.get(state, 0) + 1
        fig = r.figures(fw.id)
        got = {k: v for k, v in fig.counts.items() if k != "out_of_scope"}
        assert got == expected
        applicable = len(in_scope_reqs) - expected.get("not_applicable", 0)
        assert sum(fig.counts.get(s, 0) for s in APPLICABLE_STATES) == fig.applicable == applicable
        assert all(statuses[c] != "not_applicable" for c in controls_in)
        assert fig.controls_in_scope == len(controls_in)
        assert fig.controls_ready == sum(1 for c in controls_in if statuses[c] in ready_set)


@settings(max_examples=40, deadline=None)
@given(worlds(), st.lists(st.tuples(st.integers(0, 29), st.sampled_from(STATUSES)), max_size=25))
def test_incremental_equals_from_scratch(world, changes) -> None:  # type: ignore[no-untyped-def]
    cat, statuses, lens, scope = world
    ids = sorted(cat.controls)
    live = Readiness(cat, statuses, lens=lens, scope=scope)
    current = dict(statuses)
    for idx, status in changes:
        cid = ids[idx % len(ids)]
        live.set_status(cid, status)
        current[cid] = status
    scratch = Readiness(cat, current, lens=lens, scope=scope)
    assert live.to_dict() == scratch.to_dict()


@settings(max_examples=40, deadline=None)
@given(worlds(), st.data())
def test_a_supporting_control_never_moves_a_requirement(world, data) -> None:  # type: ignore[no-untyped-def]
    """Whatever a control's status, requirements it only supports keep their state; a
    deficient one shows as a warning there."""
    cat, statuses, lens, scope = world
    supporting = sorted({m.control_id for m in cat.mappings if not m.primary})
    cid = data.draw(st.sampled_from(supporting))
    r = Readiness(cat, statuses, lens=lens, scope=scope)
    only_supported = [
        m.requirement_key
        for m in cat.by_control[cid]
        if not m.primary and cat.role_of(cid, *m.requirement_key) == "supporting"
    ]
    before = {k: r.state(*k) for k in only_supported}
    r.set_status(cid, data.draw(st.sampled_from(STATUSES)))
    assert {k: r.state(*k) for k in only_supported} == before
    r.set_status(cid, "deficient")
    for k in only_supported:
        if r.state(*k) != "out_of_scope":
            assert f"supporting control {cid} is deficient" in r.requirement(*k).warnings
