"""Audit-grade testing conclusions (issue 12), each case built through the core API on the
bundled catalogs: exceptions by frequency, closing is not fixing, the SOX as-of date, distinct
occurrences, reliance on IT general controls, design first, findings reaching requirements,
periods and vocabulary per framework.

Each test reproduces a case where the product used to say "ready, backed by tests" (or counted
nothing) while an auditor would conclude otherwise.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from workbench.core.catalog import CatalogSet
from workbench.core.store import ValidationError
from workbench.core.workspace import Workspace

FY = "FY2027"  # SOX, 2027-01-01 to 2027-12-31, as of 2027-12-31
T2 = "SOC 2 Type II 2027"  # SOC 2, 2027-01-01 to 2027-09-30


def _sox(ws: Workspace, start: date = date(2027, 1, 1), end: date = date(2027, 12, 31)) -> None:
    ws.add_period(FY, ["sox"], start, end, as_of=end)
    ws.set_lens("operating")


def _soc2(ws: Workspace) -> None:
    ws.add_period(T2, ["soc2"], date(2027, 1, 1), date(2027, 9, 30))
    ws.set_lens("operating")


def _primary(cat: CatalogSet, cid: str, fw: str) -> list[str]:
    return [m.requirement_id for m in cat.by_control[cid] if m.primary and m.framework_id == fw]


def _days(start: date, n: int, step: int = 1) -> list[date]:
    return [start + timedelta(days=i * step) for i in range(n)]


STEP = {"annual": 365, "semiannual": 182, "quarterly": 92, "monthly": 31, "weekly": 7}


def _back(ws: Workspace, cid: str, start: date = date(2027, 1, 4)) -> None:
    """Mark a control effective and back it: the required passed samples, one per occurrence."""
    ws.mark([cid], "effective")
    ctl = ws.catalog.controls[cid]
    size = ws.sample_size(cid).required
    step = 1 if ctl.nature == "automated" else STEP.get(ctl.frequency, 1)
    for day in _days(start, size, step):
        ws.add_sample(cid, result="pass", occurred_on=day)


# -- 1. exceptions by frequency ----------------------------------------------------------------


def test_any_exception_in_a_quarterly_control_means_not_effective(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    """Reproduced: FR-04 (quarterly), 1 exception in 3 samples, the finding closed: it used to
    show "operating lens: ready"."""
    ws: Workspace = workspace_factory()
    _sox(ws)
    ws.mark(["FR-04"], "effective")
    ws.add_sample("FR-04", result="pass", occurred_on=date(2027, 3, 31))
    bad, _ = ws.add_sample("FR-04", result="exception", occurred_on=date(2027, 6, 30))
    ws.add_sample("FR-04", result="pass", occurred_on=date(2027, 9, 30))
    finding = ws.add_finding("FR-04", severity="deficiency", summary="tie-out", samples=[bad.id])
    ws.update_finding(finding.id, status="closed", notes="one-off")
    assert not ws.readiness.is_ready("FR-04")
    conclusion = ws.backing.conclusion("FR-04", "effective", "operating")
    assert conclusion.label == "not effective"
    assert any("did not operate effectively" in r for r in conclusion.reasons)
    for rid in _primary(ws.catalog, "FR-04", "sox"):
        assert ws.readiness.state("sox", rid) == "deficient"


def test_one_exception_in_a_daily_control_needs_the_expanded_sample(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws: Workspace = workspace_factory()
    _sox(ws)
    ws.mark(["OP-02"], "effective")  # daily: 20 samples at the baseline
    for day in _days(date(2027, 1, 4), 20):
        ws.add_sample("OP-02", result="pass", occurred_on=day)
    assert ws.readiness.is_ready("OP-02")
    bad, _ = ws.add_sample("OP-02", result="exception", occurred_on=date(2027, 3, 1))
    f = ws.add_finding("OP-02", severity="deficiency", summary="missed", samples=[bad.id])
    ws.update_finding(f.id, status="closed")
    # 20 passes and one exception: the sample must grow to 40 with no further exception.
    assert not ws.readiness.is_ready("OP-02")
    op = ws.backing.operating("OP-02", FY)
    assert op.expanded_to == 40 and op.verdict == "insufficient"
    assert f"one exception (#{bad.id}): the sample grows to 40" in "; ".join(op.reasons)
    for day in _days(date(2027, 4, 1), 20):
        ws.add_sample("OP-02", result="pass", occurred_on=day)
    assert ws.readiness.is_ready("OP-02")
    ws.add_sample("OP-02", result="exception", occurred_on=date(2027, 6, 1))
    assert not ws.readiness.is_ready("OP-02")
    assert ws.backing.operating("OP-02", FY).verdict == "not_effective"


def test_the_expansion_table_is_configurable(tmp_path: Path, workspace_factory) -> None:  # type: ignore[no-untyped-def]
    cfg = Path(__import__("os").environ["WORKBENCH_CONFIG_DIR"])
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "sampling.yaml").write_text("expanded:\n  daily: 25\n", encoding="utf-8")
    ws: Workspace = workspace_factory()
    _sox(ws)
    ws.mark(["OP-02"], "effective")
    for day in _days(date(2027, 1, 4), 25):
        ws.add_sample("OP-02", result="pass", occurred_on=day)
    ws.add_sample("OP-02", result="exception", occurred_on=date(2027, 3, 1))
    assert ws.backing.operating("OP-02", FY).expanded_to == 25
    assert ws.readiness.is_ready("OP-02")


# -- 2. closing is not fixing -------------------------------------------------------------------


def test_a_closed_finding_stays_in_the_period_deficiencies(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws: Workspace = workspace_factory()
    _sox(ws)
    bad, _ = ws.add_sample("FR-04", result="exception", occurred_on=date(2027, 6, 30))
    f = ws.add_finding("FR-04", severity="significant_deficiency", summary="x", samples=[bad.id])
    ws.update_finding(f.id, status="closed")
    fb = ws.backed("sox")
    assert fb.deficiencies["significant_deficiency"] == 1
    assert [x.id for x in fb.standing] == [f.id]


def test_a_closed_finding_stays_in_the_soc2_deviations(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws: Workspace = workspace_factory()
    _soc2(ws)
    ws.add_sample("AC-06", result="pass", occurred_on=date(2027, 2, 5))
    bad, _ = ws.add_sample("AC-06", result="exception", occurred_on=date(2027, 3, 4))
    f = ws.add_finding("AC-06", severity="deficiency", summary="x", samples=[bad.id])
    ws.update_finding(f.id, status="closed")
    fb = ws.backed("soc2")
    assert [(d.control_id, d.samples) for d in fb.deviations] == [("AC-06", (bad.id,))]


# -- 3. the as-of date (SOX) --------------------------------------------------------------------


def _mw_on_fr04(ws: Workspace, remediated: date, samples: list[date]) -> int:
    ws.mark(["FR-04"], "effective")
    bad, _ = ws.add_sample("FR-04", result="exception", occurred_on=date(2026, 9, 30))
    f = ws.add_finding("FR-04", severity="material_weakness", summary="x", samples=[bad.id])
    ws.update_finding(f.id, status="remediated", remediated_on=remediated)
    for day in samples:
        ws.add_sample("FR-04", result="pass", occurred_on=day)
    return f.id


def test_a_late_remediation_leaves_the_material_weakness_at_the_as_of_date(
    workspace_factory,  # type: ignore[no-untyped-def]
) -> None:
    """Reproduced: a material weakness remediated days before the as-of date, two samples
    after it: it used to report "0 material weaknesses"."""
    ws: Workspace = workspace_factory()
    _sox(ws, date(2026, 7, 1), date(2027, 6, 30))
    mw = _mw_on_fr04(ws, date(2027, 6, 20), [date(2027, 6, 21), date(2027, 6, 22)])
    fb = ws.backed("sox")
    assert [f.id for f in fb.material_weaknesses] == [mw]
    assert not ws.readiness.is_ready("FR-04")
    why = "; ".join(ws.backing.operating("FR-04", FY).reasons)
    assert "2 quarters" in why


def test_a_remediation_tested_long_enough_before_the_as_of_date_counts(
    workspace_factory,  # type: ignore[no-untyped-def]
) -> None:
    ws: Workspace = workspace_factory()
    _sox(ws, date(2026, 7, 1), date(2027, 6, 30))
    for cid in ws.catalog.itgcs_over("RPT-TB"):  # FR-04 uses the trial balance report
        _back(ws, cid, date(2026, 7, 6))
    _mw_on_fr04(ws, date(2026, 12, 15), [date(2027, 2, 10), date(2027, 5, 10)])
    assert ws.backed("sox").material_weaknesses == ()
    assert ws.readiness.is_ready("FR-04")
    assert ws.backing.operating("FR-04", FY).verdict == "effective"


def test_samples_after_the_as_of_date_never_count(tmp_path: Path, mini: CatalogSet) -> None:
    """A framework other than SOX may conclude as of a date before its period ends (SOX may not,
    see below); a sample dated after that date does not support the conclusion."""
    from workbench.core.store import Store

    with Store.open(tmp_path / "asof.db") as store:
        ws = Workspace(mini, store, "tester")
        ws.add_period(
            "B27", ["beta"], date(2027, 1, 1), date(2027, 12, 31), as_of=date(2027, 6, 30)
        )
        ws.set_lens("operating")
        ws.mark(["C1"], "effective")  # annual: one sample
        ws.add_sample("C1", result="pass", occurred_on=date(2027, 9, 1))
        assert not ws.readiness.is_ready("C1")
        op = ws.backing.operating("C1", "B27")
        assert op.after_as_of == 1 and op.passed == 0
        ws.add_sample("C1", result="pass", occurred_on=date(2027, 3, 1))
        assert ws.readiness.is_ready("C1")


def test_the_remediation_table_is_configurable(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    cfg = Path(__import__("os").environ["WORKBENCH_CONFIG_DIR"])
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "sampling.yaml").write_text(
        "remediation:\n  quarterly: {samples: 1, period: 1 month}\n", encoding="utf-8"
    )
    ws: Workspace = workspace_factory()
    _sox(ws, date(2026, 7, 1), date(2027, 6, 30))
    _mw_on_fr04(ws, date(2027, 5, 1), [date(2027, 6, 15)])
    assert ws.backed("sox").material_weaknesses == ()


# -- 4. distinct occurrences --------------------------------------------------------------------


def test_two_samples_of_a_monthly_control_on_one_day_are_one_occurrence(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    """Reproduced: AC-06 (monthly) was backed by two samples on the same day."""
    ws: Workspace = workspace_factory()
    _soc2(ws)
    ws.mark(["AC-06"], "effective")
    ws.add_sample("AC-06", result="pass", occurred_on=date(2027, 2, 5))
    ws.add_sample("AC-06", result="pass", occurred_on=date(2027, 2, 5))
    assert not ws.readiness.is_ready("AC-06")
    assert ws.backing.operating("AC-06", T2).passed == 1
    ws.add_sample("AC-06", result="pass", occurred_on=date(2027, 2, 26))  # same month
    assert not ws.readiness.is_ready("AC-06")
    ws.add_sample("AC-06", result="pass", occurred_on=date(2027, 5, 6))
    assert ws.readiness.is_ready("AC-06")


# -- 5. reliance on IT general controls ---------------------------------------------------------


def test_an_automated_control_relies_on_the_itgcs_of_its_system(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    """Reproduced: JE-02 (automated) stayed backed while CM-02 (change approval) had an open
    material weakness."""
    ws: Workspace = workspace_factory()
    _sox(ws)
    cat = ws.catalog
    erp = cat.controls["JE-02"].systems[0]
    itgcs = cat.itgcs_over(erp)
    assert "CM-02" in itgcs
    _back(ws, "JE-02")
    for cid in (*itgcs, *cat.itgcs_over("RPT-USERS")):  # each ITGC over the ERP, backed
        _back(ws, cid)
    assert ws.readiness.is_ready("JE-02")
    ws.add_finding("CM-02", severity="material_weakness", summary="unapproved change")
    assert not ws.readiness.is_ready("JE-02")
    c = ws.backing.conclusion("JE-02", "effective", "operating")
    assert c.label == f"unsupported: relies on {erp}'s ITGCs"
    assert any("CM-02" in r for r in c.reasons)
    assert "JE-02" in [n.control_id for n in ws.backed("sox").unsupported]
    fresh = Workspace(
        ws.catalog, ws.store, ws.actor, lens=ws.readiness.lens
    )  # incremental ends where a rebuild does
    assert ws.readiness.to_dict() == fresh.readiness.to_dict()
    ws.undo()  # the finding goes: JE-02 is backed again, through the refresh of CM-02
    assert ws.readiness.is_ready("JE-02")
    ws.mark(["CM-02"], "deficient")  # a status change reaches the dependents too
    assert not ws.readiness.is_ready("JE-02")
    assert (
        ws.readiness.to_dict()
        == Workspace(ws.catalog, ws.store, ws.actor, lens=ws.readiness.lens).readiness.to_dict()
    )


def test_an_itgc_not_backed_leaves_the_automated_control_unsupported(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws: Workspace = workspace_factory()
    _sox(ws)
    ws.mark(["JE-02"], "effective")
    ws.add_sample("JE-02", result="pass", occurred_on=date(2027, 2, 1))
    assert not ws.readiness.is_ready("JE-02")  # its ITGCs are not even marked effective
    assert ws.backing.conclusion("JE-02", "effective", "operating").label.startswith(
        "unsupported: relies on"
    )


def test_a_test_of_one_is_only_for_automated_controls(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws: Workspace = workspace_factory()
    for cid in ("SM-04", "DP-04"):  # continuous, but performed by people
        assert ws.catalog.controls[cid].nature != "automated"
        size = ws.sample_size(cid)
        assert size.required == 25 and not size.automated and size.caveat is None
    assert ws.sample_size("JE-02").required == 1


def test_report_consuming_controls_depend_on_the_report(bundled: CatalogSet) -> None:
    for cid in ("AC-04", "FR-03"):
        assert "ITGC-IPE-01" not in [m.requirement_id for m in bundled.by_control[cid]]
        reports = [s for s in bundled.relied_systems(cid) if bundled.systems[s].kind == "report"]
        assert reports, cid
        for rep in reports:
            assert bundled.itgcs_over(rep), rep


# -- 6. design comes first ----------------------------------------------------------------------


def test_an_ineffective_design_makes_the_control_not_ready_in_both_lenses(
    workspace_factory,  # type: ignore[no-untyped-def]
) -> None:
    ws: Workspace = workspace_factory()
    _soc2(ws)
    ws.mark(["AC-06"], "effective")
    ws.add_sample("AC-06", result="pass", occurred_on=date(2027, 2, 5))
    ws.add_sample("AC-06", result="pass", occurred_on=date(2027, 5, 6))
    ws.record_design_test(
        "AC-06", performed_on=date(2027, 1, 10), performer="Ana", conclusion="effective"
    )
    assert ws.readiness.is_ready("AC-06")
    ws.record_design_test(
        "AC-06", performed_on=date(2027, 6, 1), performer="Ana", conclusion="ineffective"
    )
    assert not ws.readiness.is_ready("AC-06")
    assert ws.backing.conclusion("AC-06", "effective", "operating").label == "design ineffective"
    ws.set_lens("design")
    assert not ws.readiness.is_ready("AC-06")
    d = ws.backing.conclusion("AC-06", "effective", "design")
    assert d.label == "design ineffective" and d.deficient
    assert "AC-06" in [n.control_id for n in ws.backed("soc2").design_ineffective]
    assert "AC-06" not in [n.control_id for n in ws.backed("soc2").design_untested]
    ws.record_design_test(
        "AC-06", performed_on=date(2027, 7, 1), performer="Ana", conclusion="effective"
    )
    assert ws.readiness.is_ready("AC-06")


# -- 7. findings reach requirements -------------------------------------------------------------


def test_an_open_finding_makes_the_requirements_deficient(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws: Workspace = workspace_factory()
    _soc2(ws)
    ws.mark(["AC-06"], "effective")
    ws.add_sample("AC-06", result="pass", occurred_on=date(2027, 2, 5))
    bad, _ = ws.add_sample("AC-06", result="exception", occurred_on=date(2027, 3, 4))
    ws.add_finding("AC-06", severity="deficiency", summary="x", samples=[bad.id])
    for rid in _primary(ws.catalog, "AC-06", "soc2"):
        assert ws.readiness.state("soc2", rid) == "deficient"
    # An operating finding does not concern the design lens...
    ws.set_lens("design")
    assert all(
        ws.readiness.state("soc2", rid) != "deficient"
        for rid in _primary(ws.catalog, "AC-06", "soc2")
    )
    # ... one that cites no sample (a design deficiency) does.
    ws.add_finding("AC-06", severity="deficiency", summary="no reviewer named")
    for rid in _primary(ws.catalog, "AC-06", "soc2"):
        assert ws.readiness.state("soc2", rid) == "deficient"


def test_effective_with_an_open_finding_is_contradicted(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws: Workspace = workspace_factory()
    _sox(ws)
    ws.mark(["FR-04", "FR-03"], "effective")
    bad, _ = ws.add_sample("FR-04", result="exception", occurred_on=date(2027, 3, 31))
    ws.add_finding("FR-04", severity="deficiency", summary="x", samples=[bad.id])
    ws.add_finding("FR-03", severity="deficiency", summary="no precision threshold")
    fb = ws.backed("sox")
    assert [n.control_id for n in fb.contradicted] == ["FR-03", "FR-04"]
    assert "FR-04" not in [n.control_id for n in fb.unsupported]
    c = ws.backing.conclusion("FR-04", "effective", "operating")
    assert c.contradicted and c.label == "not effective"
    d = ws.backing.conclusion("FR-03", "effective", "operating")
    assert d.contradicted and d.label == "design deficient"  # a finding with no sample


# -- 8. periods ---------------------------------------------------------------------------------


def test_a_sox_period_is_concluded_as_of_its_end(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws: Workspace = workspace_factory()
    with pytest.raises(ValidationError, match="as-of date must be its end"):
        ws.add_period("Bad", ["sox"], date(2027, 1, 1), date(2027, 12, 31), as_of=date(2027, 6, 30))
    p = ws.add_period("FY", ["sox"], date(2027, 1, 1), date(2027, 12, 31))
    assert p.as_of == date(2027, 12, 31)  # defaults to the end
    with pytest.raises(ValidationError, match="as-of date must be its end"):
        ws.update_period("FY", end=date(2028, 1, 31))


def test_soc2_period_lengths_are_checked(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    from workbench.core.testing import period_warnings

    ws: Workspace = workspace_factory()
    short = ws.add_period("Short", ["soc2"], date(2027, 1, 1), date(2027, 2, 28))
    assert period_warnings(short) == [
        "soc2: a Type II period usually runs 3 to 12 months; this one runs about 2"
    ]
    ok = ws.add_period("Year", ["soc2"], date(2027, 1, 1), date(2027, 12, 31), use=False)
    assert period_warnings(ok) == []
    point = ws.add_period("Type I", ["soc2"], date(2027, 3, 31), date(2027, 3, 31), use=True)
    assert period_warnings(point) == []
    ws.set_lens("operating")
    ws.mark(["AC-06"], "effective")
    ws.add_sample("AC-06", result="pass", occurred_on=date(2027, 3, 31))
    assert not ws.readiness.is_ready("AC-06")
    assert "Type I" in "; ".join(ws.backing.operating("AC-06", "Type I").reasons)


def test_a_joint_period_uses_the_larger_sample_size(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    cfg = Path(__import__("os").environ["WORKBENCH_CONFIG_DIR"])
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "sampling.yaml").write_text(
        "frameworks:\n  sox:\n    frequencies:\n      monthly: 4\n", encoding="utf-8"
    )
    ws: Workspace = workspace_factory()
    ws.add_period("Joint", ["soc2", "sox"], date(2027, 1, 1), date(2027, 12, 31))
    test, _, _ = ws.plan_operating_test("AC-06")
    assert test.required == 4 and "sox" in (test.basis or "")


def test_a_joint_period_is_tested_once_for_both_only_when_it_fits_both(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    from workbench.core.testing import joint_problems

    ws: Workspace = workspace_factory()
    long = ws.add_period("Long", ["soc2", "sox"], date(2027, 1, 1), date(2028, 3, 31))
    assert joint_problems(long) == [
        "soc2: a Type II period usually runs 3 to 12 months; this one runs about 15"
    ]
    year = ws.add_period("Year", ["soc2", "sox"], date(2027, 1, 1), date(2027, 12, 31))
    assert joint_problems(year) == []


# -- 9. vocabulary per framework ----------------------------------------------------------------


def test_soc2_figures_never_say_material_weakness(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws: Workspace = workspace_factory()
    ws.add_period("Joint", ["soc2", "sox"], date(2027, 1, 1), date(2027, 12, 31))
    ws.set_lens("operating")
    bad, _ = ws.add_sample("AC-06", result="exception", occurred_on=date(2027, 3, 4))
    ws.add_finding("AC-06", severity="material_weakness", summary="x", samples=[bad.id])
    soc2 = ws.backed("soc2").to_dict()
    assert "material" not in str(soc2)
    assert soc2["vocabulary"] == "deviation"
    assert soc2["deviations"] == [{"control": "AC-06", "samples": [bad.id]}]
    at_risk = soc2["criteria_at_risk"]
    assert set(_primary(ws.catalog, "AC-06", "soc2")) <= set(at_risk)
    sox = ws.backed("sox").to_dict()
    assert sox["vocabulary"] == "deficiency" and sox["material_weakness"] is True


def test_a_test_planned_below_the_larger_size_is_not_tested_once_for_both(
    workspace_factory,  # type: ignore[no-untyped-def]
) -> None:
    from workbench.cli.testing_view import period_rows

    ws: Workspace = workspace_factory()
    joint = ws.add_period("Joint", ["soc2", "sox"], date(2027, 1, 1), date(2027, 12, 31))
    ws.mark(["AC-06"], "effective")
    for day in (date(2027, 2, 5), date(2027, 5, 6)):
        ws.add_sample("AC-06", result="pass", occurred_on=day)  # planned at 2 (one table)
    (row,) = [r for r in period_rows(ws, joint) if r.control_id == "AC-06"]
    assert row.sufficient and row.tested_once_for_all
    cfg = Path(__import__("os").environ["WORKBENCH_CONFIG_DIR"])
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "sampling.yaml").write_text(
        "frameworks:\n  sox:\n    frequencies:\n      monthly: 3\n", encoding="utf-8"
    )
    ws.sample_table(reload=True)
    (row,) = [r for r in period_rows(ws, joint) if r.control_id == "AC-06"]
    assert not row.tested_once_for_all  # SOX's auditor asks for 3: re-plan and test one more
