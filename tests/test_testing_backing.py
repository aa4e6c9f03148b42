"""Readiness, backed: the operating lens counts `effective` as ready only with a sufficient
operating test in the current period; design untested flags; severity roll-up; period
coverage; the Workspace keeps it all in step (incrementally, and through undo)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workbench.core.catalog import CatalogSet
from workbench.core.readiness import Readiness, Scope
from workbench.core.store import Period, Sample, Store, ValidationError
from workbench.core.testing import period_coverage, quarters
from workbench.core.workspace import Workspace

P = "Alpha 2027"  # serves alpha only
Q = "Beta FY27"  # serves beta only


@pytest.fixture
def ws(tmp_path: Path, mini: CatalogSet):  # type: ignore[no-untyped-def]
    store = Store.open(tmp_path / "wb.db")
    yield Workspace(mini, store, "tester")
    store.close()


def _operating(ws: Workspace) -> Workspace:
    ws.set_lens("operating")
    return ws


def _alpha_period(ws: Workspace) -> None:
    ws.add_period(P, ["alpha"], date(2027, 1, 1), date(2027, 9, 30))


def _same_as_rebuilt(ws: Workspace) -> None:
    """Incremental updates end where a from-scratch build does."""
    fresh = Workspace(ws.catalog, ws.store, ws.actor, lens=ws.readiness.lens)
    assert ws.readiness.to_dict() == fresh.readiness.to_dict()


def test_without_a_period_the_status_alone_decides(ws: Workspace) -> None:
    _operating(ws)
    ws.mark(["C2"], "effective")
    assert ws.readiness.is_ready("C2")
    fb = ws.backed("alpha")
    assert fb.period is None and fb.effective == 1 and fb.unchecked == ("C2",)
    assert not ws.backing.active


def test_operating_lens_with_and_without_sufficient_samples(ws: Workspace) -> None:
    _operating(ws)
    ws.mark(["C2"], "effective")
    _alpha_period(ws)  # from now on, C2's claim must be backed
    assert not ws.readiness.is_ready("C2")
    fb = ws.backed("alpha")
    assert [n.control_id for n in fb.unsupported] == ["C2"]
    assert fb.unsupported[0].reasons == (f"no operating test in period {P}",)
    assert ws.readiness.figures("alpha").controls_ready == 0

    test, _, size = ws.plan_operating_test("C2")  # quarterly, low risk: 2
    assert test.required == size.required == 2
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 2, 10))
    assert not ws.readiness.is_ready("C2")
    assert ws.backed("alpha").unsupported[0].reasons == ("1 of 2 samples",)
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 5, 10))
    assert ws.readiness.is_ready("C2")
    fb = ws.backed("alpha")
    assert fb.backed == ("C2",) and fb.unsupported == () and fb.effective == 1
    assert ws.readiness.figures("alpha").controls_ready == 1
    _same_as_rebuilt(ws)

    # A higher risk asks for more: re-planning takes the claim back until a third sample.
    ws.plan_operating_test("C2", risk="high")
    assert not ws.readiness.is_ready("C2")
    ws.add_sample("C2", result="pass", ref="Q3 review", occurred_on=date(2027, 8, 1))
    assert ws.readiness.is_ready("C2")
    _same_as_rebuilt(ws)


def test_samples_without_the_status_are_not_ready(ws: Workspace) -> None:
    _operating(ws)
    _alpha_period(ws)
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 2, 10))
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 5, 10))
    assert ws.backing.operating_backed("C2") and not ws.readiness.is_ready("C2")
    ws.mark(["C2"], "effective")
    assert ws.readiness.is_ready("C2")


def test_an_exception_fails_and_only_a_tested_remediation_before_the_as_of_date_cures(
    ws: Workspace,
) -> None:
    """Issue 12 changed this: one exception in a quarterly control means not effective
    (classified or not, whatever happens to its finding), and a remediation counts only as of a
    date, once tested with enough samples over the minimum time before that date."""
    _operating(ws)
    ws.add_period(P, ["alpha"], date(2027, 1, 1), date(2027, 9, 30), as_of=date(2027, 9, 30))
    ws.mark(["C2"], "effective")
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 1, 20))
    bad, _ = ws.add_sample(
        "C2", result="exception", occurred_on=date(2027, 2, 20), notes="not signed off"
    )
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 5, 20))
    # Two passes in two quarters (enough), but an exception in a quarterly control.
    assert not ws.readiness.is_ready("C2")
    op = ws.backing.operating("C2", P)
    assert op.passed == 2 and op.exceptions_open == (bad.id,) and op.verdict == "not_effective"
    assert op.reasons == (
        f"exception(s) #{bad.id} in a quarterly control: it did not operate effectively in the "
        "period",
    )
    assert [s.id for s in ws.backed("alpha").unclassified] == [bad.id]

    finding = ws.add_finding(
        "C2", severity="deficiency", summary="review not signed off", samples=[bad.id]
    )
    assert finding.period == P  # taken from the sample
    op = ws.backing.operating("C2", P)
    assert op.exceptions_open == (bad.id,) and op.findings_open == (finding.id,)
    assert not ws.readiness.is_ready("C2")
    ws.update_finding(finding.id, status="remediating")
    assert not ws.readiness.is_ready("C2")

    # Remediated on March 1st: two quarters of operation fit before the as-of date, and two
    # passed samples (distinct quarters) dated after the remediation are needed.
    ws.update_finding(finding.id, status="remediated", remediated_on=date(2027, 3, 1))
    op = ws.backing.operating("C2", P)
    # Not yet shown to work: the exception still counts against the as-of conclusion.
    assert op.exceptions_open == (bad.id,) and op.findings_open == ()
    assert op.verdict == "not_effective" and op.remediated_on == date(2027, 3, 1)
    assert op.remediation == (
        "remediated on 2027-03-01: needs 2 samples over at least 2 quarters after the "
        "remediation before 2027-09-30; not met: 1 of 2 passed sample(s) dated after it"
    )
    assert not ws.readiness.is_ready("C2")
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 3, 1))  # the same day: too early
    assert not ws.readiness.is_ready("C2")
    ws.add_sample("C2", result="pass", ref="undated after")  # undated: cannot show it follows
    assert not ws.readiness.is_ready("C2")
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 8, 2))
    assert ws.readiness.is_ready("C2")
    assert ws.backing.operating("C2", P).verdict == "effective"
    _same_as_rebuilt(ws)

    # A new exception after the remediation: the deficiency still exists at the as-of date.
    ws.add_sample("C2", result="exception", occurred_on=date(2027, 8, 20))
    assert not ws.readiness.is_ready("C2")
    _same_as_rebuilt(ws)


def test_closing_a_finding_is_not_fixing_it(ws: Workspace) -> None:
    """Issue 12 changed this: closing the finding used to make the control ready again."""
    _operating(ws)
    _alpha_period(ws)
    ws.mark(["C2"], "effective")
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 1, 20))
    bad, _ = ws.add_sample("C2", result="exception", occurred_on=date(2027, 2, 20))
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 5, 20))
    f = ws.add_finding("C2", severity="deficiency", summary="isolated", samples=[bad.id])
    ws.update_finding(f.id, status="closed", notes="isolated keying slip; sample extended")
    assert not ws.readiness.is_ready("C2")
    assert ws.backing.operating("C2", P).verdict == "not_effective"
    assert [x.id for x in ws.backed("alpha").standing] == [f.id]


def test_a_shared_control_needs_backing_in_each_current_period(ws: Workspace) -> None:
    _operating(ws)
    ws.mark(["C1"], "effective")  # C1 maps to alpha and beta; annual: a test of one
    _alpha_period(ws)
    ws.add_period(Q, ["beta"], date(2027, 1, 1), date(2027, 12, 31), as_of=date(2027, 12, 31))
    with pytest.raises(ValidationError, match="more than one current period"):
        ws.add_sample("C1", result="pass", occurred_on=date(2027, 3, 1))
    ws.add_sample("C1", result="pass", occurred_on=date(2027, 3, 1), period=P)
    assert not ws.readiness.is_ready("C1")
    reasons = ws.backed("beta").unsupported[0].reasons
    assert reasons == (f"{Q} (beta): no operating test in period {Q}",)
    ws.add_sample("C1", result="pass", occurred_on=date(2027, 11, 1), period=Q)
    assert ws.readiness.is_ready("C1")
    assert ws.backed("alpha").backed == ("C1",) == ws.backed("beta").backed
    with pytest.raises(ValidationError, match="is for beta, but C2 maps only to alpha"):
        ws.add_sample("C2", result="pass", occurred_on=date(2027, 3, 1), period=Q)


def test_one_period_can_serve_both_frameworks(ws: Workspace) -> None:
    """Test once, comply many: one period for alpha and beta, one test backs both."""
    _operating(ws)
    ws.mark(["C1"], "effective")
    ws.add_period("Both 2027", ["alpha", "beta"], date(2027, 1, 1), date(2027, 12, 31))
    ws.add_sample("C1", result="pass", occurred_on=date(2027, 6, 30))
    assert ws.readiness.is_ready("C1")
    assert ws.backed("alpha").backed == ("C1",) == ws.backed("beta").backed


def test_design_lens_flags_design_untested_but_counts_it(ws: Workspace) -> None:
    ws.mark(["C2"], "implemented")
    ws.mark(["C1"], "effective")
    assert ws.readiness.is_ready("C2")
    assert ws.backed("alpha").design_untested == ()  # no period: nothing checked
    _alpha_period(ws)
    assert ws.readiness.is_ready("C2") and ws.readiness.is_ready("C1")
    untested = {n.control_id: n.reasons for n in ws.backed("alpha").design_untested}
    assert untested == {
        "C1": (f"no test of design in period {P}",),
        "C2": (f"no test of design in period {P}",),
    }
    ws.record_design_test(
        "C2", performed_on=date(2027, 1, 5), performer="Ana", conclusion="ineffective"
    )
    test = ws.record_design_test(
        "C1", performed_on=date(2027, 1, 5), performer="Ana", conclusion="effective"
    )
    # Issue 12 changed this: an ineffective design is not "untested", and the design lens
    # no longer counts the control as ready (the latest test of design governs both lenses).
    assert ws.backed("alpha").design_untested == ()
    ineffective = {n.control_id: n.reasons for n in ws.backed("alpha").design_ineffective}
    assert ineffective == {
        "C2": (f"the latest test of design (#{test.id - 1}, 2027-01-05) concluded ineffective",)
    }
    assert not ws.readiness.is_ready("C2") and ws.readiness.is_deficient("C2")
    assert ws.readiness.state("alpha", "A1") == "deficient"
    ws.record_design_test(
        "C2", performed_on=date(2027, 2, 5), performer="Ana", conclusion="effective"
    )
    assert ws.backed("alpha").design_untested == ()
    assert ws.backed("alpha").design_ineffective == ()
    assert ws.readiness.is_ready("C2")


def test_severity_roll_up_per_framework(ws: Workspace) -> None:
    _alpha_period(ws)
    ws.add_period(Q, ["beta"], date(2027, 1, 1), date(2027, 12, 31))
    ws.add_finding("C2", severity="deficiency", summary="a")
    ws.add_finding("C2", severity="significant_deficiency", summary="b")
    d = ws.add_finding("C2", severity="deficiency", summary="c")
    mw = ws.add_finding("C4", severity="material_weakness", summary="d", owner="CFO")
    ws.add_finding("C1", severity="deficiency", summary="e", period=Q)
    ws.update_finding(d.id, status="closed")
    b = ws.backing
    assert b.severity_counts("alpha") == {
        "material_weakness": 0,
        "significant_deficiency": 1,
        "deficiency": 1,
    }
    assert b.severity_counts("beta") == {
        "material_weakness": 1,
        "significant_deficiency": 0,
        "deficiency": 1,
    }
    assert b.severity_counts() == {
        "material_weakness": 1,
        "significant_deficiency": 1,
        "deficiency": 2,
    }
    # Most severe first; closed ones only without open_only.
    assert [f.severity for f in b.findings(open_only=True)] == [
        "material_weakness",
        "significant_deficiency",
        "deficiency",
        "deficiency",
    ]
    assert len(b.findings()) == 5
    fb = ws.backed("beta")
    assert [f.id for f in fb.material_weaknesses] == [mw.id]
    assert fb.to_dict()["material_weakness"] is True
    assert ws.backed("alpha").material_weaknesses == ()
    # Closing is not fixing: the closed deficiency stays in the period's list.
    assert ws.backed("alpha").deficiencies == {
        "material_weakness": 0,
        "significant_deficiency": 1,
        "deficiency": 2,
    }
    # Issue 12 changed this: a remediation is not the end of a material weakness. Over a period
    # reported as a whole it stays; as of a date, only once the remediation is tested.
    ws.update_finding(mw.id, status="remediated", remediated_on=date(2027, 6, 1))
    assert b.severity_counts("beta")["material_weakness"] == 1  # the old Backing
    assert ws.backing.severity_counts("beta")["material_weakness"] == 0  # no longer open
    assert [f.id for f in ws.backed("beta").material_weaknesses] == [mw.id]


def test_quarters_follow_the_period() -> None:
    cal = Period("cal", ("soc2",), date(2027, 1, 1), date(2027, 9, 30))
    assert [(q.label, q.start, q.end) for q in quarters(cal)] == [
        ("Q1", date(2027, 1, 1), date(2027, 3, 31)),
        ("Q2", date(2027, 4, 1), date(2027, 6, 30)),
        ("Q3", date(2027, 7, 1), date(2027, 9, 30)),
    ]
    odd = Period("odd", ("sox",), date(2026, 11, 30), date(2027, 5, 15))
    assert [(q.start, q.end) for q in quarters(odd)] == [
        (date(2026, 11, 30), date(2027, 2, 27)),
        (date(2027, 2, 28), date(2027, 5, 15)),
    ]
    point = Period("type1", ("soc2",), date(2027, 3, 31), date(2027, 3, 31))
    assert len(quarters(point)) == 1


def test_period_coverage_with_a_missing_quarter(ws: Workspace, tmp_path: Path) -> None:
    _alpha_period(ws)
    ws.add_evidence(
        "C2",
        "Q1 review pack",
        title="Q1",
        effective_from=date(2027, 1, 1),
        effective_to=date(2027, 3, 31),
    )
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 8, 15))
    cov = ws.coverage("C2")
    assert [q.quarter.label for q in cov.quarters if q.covered] == ["Q1", "Q3"]
    assert [q.label for q in cov.uncovered] == ["Q2"]
    assert not cov.ok
    assert cov.problems == ["Q2 (2027-04-01 to 2027-06-30) has no evidence or sample"]
    # Evidence for Q2 closes the gap.
    ws.add_evidence(
        "C2", "Q2 review pack", effective_from=date(2027, 4, 1), effective_to=date(2027, 6, 30)
    )
    assert ws.coverage("C2").ok


def test_coverage_reports_samples_outside_and_changed_files(ws: Workspace, tmp_path: Path) -> None:
    _alpha_period(ws)
    pack = tmp_path / "pack.txt"
    pack.write_text("signed")
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 2, 1), evidence=str(pack))
    assert ws.coverage("C2").changed == ()
    pack.write_text("signed, then edited")
    cov = ws.coverage("C2")
    assert [c.state for c in cov.changed] == ["changed"]
    assert any("changed since attached" in p for p in cov.problems)
    # A sample outside the period cannot be recorded; if the period were narrowed later, the
    # coverage check would name it.
    period = ws.backing.period(P)
    assert period is not None
    stray = Sample(99, 1, "C2", P, date(2027, 10, 3), None, "pass")
    cov = period_coverage("C2", period, [], [stray])
    assert cov.outside == (stray,) and "outside the period" in cov.problems[-1]


def test_undo_of_a_sample_takes_the_claim_back(ws: Workspace) -> None:
    _operating(ws)
    _alpha_period(ws)
    ws.mark(["C2"], "effective")
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 2, 10))
    ws.add_sample("C2", result="pass", occurred_on=date(2027, 5, 10))
    assert ws.readiness.is_ready("C2")
    ws.undo()
    assert not ws.readiness.is_ready("C2")
    ws.redo()
    assert ws.readiness.is_ready("C2")
    ws.store.add_period("Side", ["alpha"], date(2028, 1, 1), date(2028, 3, 31), actor="x")
    ws.use_period("Side")  # C2 has no test there
    assert not ws.readiness.is_ready("C2")
    ws.undo()  # back to the first period
    assert ws.readiness.is_ready("C2")
    _same_as_rebuilt(ws)
    assert ws.store.verify().ok


def test_an_automated_control_needs_one_sample(ws: Workspace) -> None:
    _operating(ws)
    _alpha_period(ws)
    ws.mark(["C3"], "effective")  # monthly, automated
    _sample, test = ws.add_sample("C3", result="pass", occurred_on=date(2027, 3, 3))
    assert test.required == 1 and "test of one" in (test.basis or "")
    assert ws.readiness.is_ready("C3")


def test_readiness_without_the_rule_is_unchanged(mini: CatalogSet, ws: Workspace) -> None:
    """The engine's default rule still looks at statuses alone (existing behaviour)."""
    _alpha_period(ws)
    ws.mark(["C2"], "effective")
    plain = Readiness(mini, {"C2": "effective"}, lens="operating", scope=Scope())
    assert plain.is_ready("C2")
    ws.set_lens("operating")
    assert not ws.readiness.is_ready("C2")


def test_a_finding_counts_only_for_frameworks_its_control_serves(tmp_path, mini) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from workbench.core.store import Store
    from workbench.core.workspace import Workspace

    with Store.open(tmp_path / "f.db") as store:
        ws = Workspace(mini, store, "t")
        ws.add_period("P", ["alpha", "beta"], date(2027, 1, 1), date(2027, 12, 31), use=True)
        sample, _ = ws.add_sample(
            "C4", result="exception", occurred_on=date(2027, 2, 1)
        )  # beta only
        ws.add_finding("C4", severity="material_weakness", summary="x", samples=[sample.id])
        assert ws.backing.severity_counts("beta")["material_weakness"] == 1
        assert ws.backing.severity_counts("alpha")["material_weakness"] == 0
        assert ws.backed("alpha").material_weaknesses == ()
