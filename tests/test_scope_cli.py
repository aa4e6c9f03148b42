"""`workbench scope` and the period warnings at the command line (issue 12): SOX requirements
usually outside ICFR start out of scope and can be switched in; the filer status is a recorded
setting that takes SOX 404(b) out for non-accelerated filers and emerging growth companies."""

from __future__ import annotations

import json

import pytest


def _state(run, rid: str) -> str:  # type: ignore[no-untyped-def]
    doc = json.loads(run("export", "--format", "json", "-o", "-")[1])
    sox = next(f for f in doc["frameworks"] if f["framework"] == "sox")
    return str(next(r["state"] for r in sox["requirements"] if r["requirement"] == rid))


def test_optional_sox_itgcs_start_out_and_switch_in(run) -> None:  # type: ignore[no-untyped-def]
    assert run("scope", "--filer", "none")[0] == 0  # creates the database (showing does not)
    code, out, _ = run("scope", "--json")
    doc = json.loads(out)
    rows = {(r["framework"], r["id"]): r for r in doc["optional"]}
    for rid in ("ITGC-CO-07", "ITGC-CO-08", "ITGC-CO-10"):
        assert rows[("sox", rid)]["in_scope"] is False and rows[("sox", rid)]["starts"] == "out"
    assert rows[("soc2", "AVAILABILITY")]["in_scope"] is True
    assert _state(run, "ITGC-CO-07") == "out_of_scope"
    code, out, _ = run("scope", "--in", "sox", "ITGC-CO-07")
    assert code == 0 and "sox" in out
    assert _state(run, "ITGC-CO-07") == "gap"
    code, _, err = run("scope", "--in", "sox", "ITGC-CO-01")
    assert code == 2 and "not an optional group or requirement" in err
    assert "scope.sox.ITGC-CO-07" in run("history")[1]


@pytest.mark.parametrize(
    ("status", "why"),
    [
        ("non_accelerated", "not applicable: a non-accelerated filer"),
        ("emerging_growth", "not applicable: an emerging growth company"),
    ],
)
def test_the_filer_status_takes_404b_out(run, status: str, why: str) -> None:  # type: ignore[no-untyped-def]
    assert run("scope", "--filer", "none")[0] == 0  # creates the database (showing does not)
    assert _state(run, "SOX-404B") == "gap"
    assert run("scope", "--filer", status)[0] == 0
    assert _state(run, "SOX-404B") == "out_of_scope"
    assert _state(run, "SOX-404A") == "gap"  # management's assessment applies to every filer
    doc = json.loads(run("status", "--json")[1])
    assert doc["scope"]["filer_status"] == status
    assert {"framework": "sox", "group": "SOX-404B", "reason": why} in doc["scope"]["excluded"]
    run("scope", "--filer", "accelerated")
    assert _state(run, "SOX-404B") == "gap"


def test_period_add_warns_about_an_unusual_soc2_period(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        "period",
        "add",
        "Short",
        "--framework",
        "soc2",
        "--start",
        "2027-01-01",
        "--end",
        "2027-02-28",
    )
    assert code == 0
    assert "soc2: a Type II period usually runs 3 to 12 months; this one runs about 2" in out
    code, _, err = run(
        "period",
        "add",
        "FY",
        "--framework",
        "sox",
        "--start",
        "2027-01-01",
        "--end",
        "2027-12-31",
        "--as-of",
        "2027-06-30",
    )
    assert code == 2 and "as-of date must be its end" in err
    code, out, _ = run(
        "period",
        "add",
        "Joint",
        "--framework",
        "soc2",
        "--framework",
        "sox",
        "--start",
        "2027-01-01",
        "--end",
        "2028-03-31",
    )
    assert code == 0 and "joint period: not tested once for soc2 and sox until" in out
