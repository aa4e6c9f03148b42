"""The SOX coverage view (issue 15): every significant account x relevant assertion, the key
controls that address it through risks, and the gaps (assertions no key control covers),
hardest first. In core, at the command line, in the exports and on the readiness screen."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest

from workbench.core.catalog import load_catalog_files
from workbench.core.readiness import Readiness
from workbench.core.readiness.coverage import sox_coverage

CATALOG = """\
catalog: {id: cov, title: Coverage, version: "1"}
accounts:
  - {id: REV, name: Revenue, assertions: [existence, completeness, cutoff, presentation]}
  - {id: INV, name: Inventory, assertions: [existence, valuation, rights]}
risks:
  - {id: R-FAKE, title: Fake sales, accounts: [REV], assertions: [existence], likelihood: medium, magnitude: high, fraud: true}
  - {id: R-LATE, title: Late sales, accounts: [REV], assertions: [cutoff]}
  - {id: R-MISS, title: Missed sales, accounts: [REV], assertions: [completeness], likelihood: high, magnitude: high}
  - {id: R-COUNT, title: Stock not there, accounts: [INV], assertions: [existence], likelihood: low, magnitude: low}
  - {id: R-OWN, title: Consigned stock, accounts: [INV], assertions: [rights], likelihood: low, magnitude: low}
  - {id: R-OBS, title: Obsolete stock, accounts: [INV], assertions: [valuation], likelihood: high, magnitude: medium}
  - {id: R-NOTE, title: Note wrong, accounts: [REV], assertions: [presentation], likelihood: low, magnitude: low, fraud: true}
controls:
  - {id: K1, title: Key one, description: d, domain: D, frequency: monthly, type: detective, nature: manual, key: true, risks: [R-FAKE]}
  - {id: K2, title: Key two, description: d, domain: D, frequency: monthly, type: detective, nature: manual, key: true, risks: [R-FAKE, R-LATE]}
  - {id: N1, title: Non-key, description: d, domain: D, frequency: monthly, type: detective, nature: manual, risks: [R-MISS]}
  - {id: K3, title: Key three, description: d, domain: D, frequency: monthly, type: detective, nature: manual, key: true, risks: [R-COUNT]}
  - {id: K4, title: Key four, description: d, domain: D, frequency: monthly, type: detective, nature: manual, key: true, risks: [R-OBS]}
"""


@pytest.fixture
def cat(tmp_path: Path):  # type: ignore[no-untyped-def]
    f = tmp_path / "cov.yaml"
    f.write_text(textwrap.dedent(CATALOG), encoding="utf-8")
    return load_catalog_files([f])


def cells(view) -> dict[tuple[str, str], object]:  # type: ignore[no-untyped-def]
    return {(c.account_id, c.assertion): c for c in view.cells}


def test_each_relevant_assertion_gets_a_state(cat) -> None:  # type: ignore[no-untyped-def]
    statuses = {"K1": "effective", "K2": "implemented", "K3": "deficient", "K4": "not_applicable"}
    view = sox_coverage(cat, Readiness(cat, statuses))
    got = {k: c.state for k, c in cells(view).items()}
    assert got == {
        ("REV", "existence"): "met",  # K1 and K2 both ready (design lens)
        ("REV", "completeness"): "gap",  # only a non-key control
        ("REV", "cutoff"): "met",
        ("REV", "presentation"): "gap",  # a risk without any control
        ("INV", "existence"): "deficient",
        ("INV", "valuation"): "gap",  # its only key control is not applicable
        ("INV", "rights"): "gap",  # a risk with no control
    }
    c = cells(view)
    assert [k.control_id for k in c[("REV", "existence")].key_controls] == ["K1", "K2"]
    assert c[("REV", "completeness")].reasons == ("R-MISS has only non-key controls (N1)",)
    assert c[("INV", "valuation")].reasons == ("R-OBS: its key controls are not applicable (K4)",)
    assert c[("INV", "rights")].reasons == ("R-OWN has no control",)
    operating = sox_coverage(cat, Readiness(cat, statuses, lens="operating"))
    assert cells(operating)[("REV", "existence")].state == "partial"  # K2 only implemented
    assert cells(operating)[("REV", "cutoff")].state == "not_ready"


def test_gaps_hardest_first(cat, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = sox_coverage(cat, Readiness(cat, {"K4": "not_applicable"}))
    order = [(g.account_id, g.assertion) for g in view.gaps]
    assert order == [
        ("REV", "presentation"),  # an uncovered fraud risk first, even at low x low
        ("REV", "completeness"),  # high x high
        ("INV", "valuation"),  # high x medium
        ("INV", "rights"),  # low x low, no control at all
    ]
    # an assertion without any risk identified comes after every uncovered risk
    extra = tmp_path / "more.yaml"
    extra.write_text(
        'catalog: {id: more, title: M, version: "1"}\n'
        "accounts:\n  - {id: CASH, name: Cash, assertions: [existence]}\n",
        encoding="utf-8",
    )
    cat2 = load_catalog_files([tmp_path / "cov.yaml", extra])
    gaps = sox_coverage(cat2, Readiness(cat2, {"K4": "not_applicable"})).gaps
    assert (gaps[-1].account_id, gaps[-1].reasons) == (
        "CASH",
        ("no risk identified for this assertion",),
    )
    assert (
        view.summary()
        == "2 significant accounts and disclosures, 7 relevant assertions: 4 gaps, 3 not ready"
    )


def test_the_bundled_coverage_shows_its_two_gaps(bundled) -> None:  # type: ignore[no-untyped-def]
    view = sox_coverage(bundled, Readiness(bundled, {}))
    assert [(g.account_id, g.assertion, g.reasons) for g in view.gaps] == [
        ("INV", "rights", ("R-INV-03 has no control",)),
        ("AR", "rights", ("no risk identified for this assertion",)),
    ]
    assert view.counts["not_ready"] == len(view.cells) - 2
    ready = dict.fromkeys(bundled.controls, "effective")
    full = sox_coverage(bundled, Readiness(bundled, ready))
    assert full.counts == {
        "gap": 2,
        "deficient": 0,
        "not_ready": 0,
        "partial": 0,
        "met": len(view.cells) - 2,
    }


def test_coverage_command(run) -> None:  # type: ignore[no-untyped-def]
    assert run("mark", "REV-01", "REV-02", "effective")[0] == 0
    assert run("mark", "REV-03", "deficient")[0] == 0
    code, out, _ = run("coverage")
    assert code == 0
    assert out.startswith(
        "SOX coverage, design lens: 14 significant accounts and disclosures, 41 relevant assertions: 2 gaps"
    )
    assert "REV Revenue" in out and "REV-03 deficient" in out
    gaps = out[out.index("Gaps (2)") :]
    assert gaps.index(
        "INV Inventory, rights and obligations: R-INV-03 has no control"
    ) < gaps.index(
        "AR Accounts receivable and allowance, rights and obligations: no risk identified"
    )
    code, out, _ = run("coverage", "--gaps")
    assert "REV-03" not in out and "Gaps (2)" in out
    code, out, _ = run("coverage", "--json", "--lens", "operating")
    doc = json.loads(out)
    assert doc["schema"] == "workbench.coverage/1" and doc["lens"] == "operating"
    assert doc["counts"]["gap"] == 2 and doc["counts"]["deficient"] >= 1
    assert [g["account"] for g in doc["gaps"]] == ["INV", "AR"]
    cutoff = next(c for c in doc["cells"] if (c["account"], c["assertion"]) == ("REV", "cutoff"))
    assert cutoff["state"] == "deficient"
    assert {k["control"] for k in cutoff["key_controls"]} == {"REV-01", "REV-03"}
    code, out, _ = run("--no-bundled-controls", "coverage")
    assert code == 0 and "No significant accounts in the catalogs" in out


def test_coverage_in_the_exports(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    run("mark", "JE-01", "effective")
    code, out, _ = run("export", "--format", "json", "-o", "-")
    assert code == 0
    doc = json.loads(out)
    assert doc["sox"]["coverage"]["counts"]["gap"] == 2
    assert {a["id"] for a in doc["sox"]["accounts"]} >= {"REV", "AR", "INV"}
    assert next(r for r in doc["sox"]["risks"] if r["id"] == "R-JE-01")["fraud"] is True
    je03 = next(c for c in doc["sox"]["controls"] if c["control"] == "JE-03")
    assert je03 == {
        "control": "JE-03",
        "process": "Financial close",
        "subprocess": "Journal entries",
        "risks": ["R-JE-01"],
        "ipe": ["RPT-JE"],
        "latest_test": None,
    }
    md = run("export", "--format", "md", "-o", "-")[1]
    assert "## SOX coverage" in md and "### Gaps (2), hardest first" in md
    assert "| INV Inventory | rights and obligations | gap | none | `R-INV-03` |" in md
    html = run("export", "--format", "html", "-o", "-")[1]
    assert '<h2 id="sox-coverage">SOX coverage</h2>' in html and "R-INV-03 has no control" in html
    xlsx = tmp_path / "r.xlsx"
    assert run("export", "-o", str(xlsx))[0] == 0
    wb = load_workbook(xlsx)
    assert {"SOX coverage", "Risks"} <= set(wb.sheetnames)
    rows = list(wb["SOX coverage"].iter_rows(values_only=True))
    assert rows[0] == ("Account", "Assertion", "State", "Key controls", "Risks")
    assert len(rows) == 42


def test_no_accounts_no_coverage_section(run) -> None:  # type: ignore[no-untyped-def]
    run("mark", "AC-01", "effective")
    code, out, _ = run("--no-bundled-controls", "export", "--format", "json", "-o", "-")
    assert code == 0
    sox = json.loads(out)["sox"]  # present for the retired record, without coverage
    assert sox["coverage"]["cells"] == [] and sox["accounts"] == []
    assert [r["control"] for r in sox["retired_with_state"]] == ["AC-01"]
    md = run("--no-bundled-controls", "export", "--format", "md", "-o", "-")[1]
    assert "## SOX coverage" not in md
    assert "## Retired controls with recorded state" in md  # AC-01 left with the library


async def test_the_readiness_screen_shows_coverage(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    from workbench.tui.app import WorkbenchApp

    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#figures-body").content)
        text = console.export_text()
    assert "SOX coverage (14 accounts)" in text
    assert "Gaps (2), hardest first:" in text
    assert "Inventory, rights and obligations: R-INV-03 has no control" in text


def test_show_says_where_a_control_sits_in_the_sox_scoping(run) -> None:  # type: ignore[no-untyped-def]
    """`show` and the detail pane gave no sign of a control's process, risks or reports."""
    assert run("mark", "JE-02", "implemented")[0] == 0
    code, out, _ = run("show", "JE-02")
    assert code == 0
    scoping = out[out.index("SOX scoping") :]
    assert "process  Financial close / Journal entries" in scoping
    assert "R-JE-01" in scoping and "[fraud risk]" in scoping and "REV: E/O, V/A" in scoping
    code, out, _ = run("show", "ELC-01")  # entity-level: no process, risk or report
    assert code == 0 and "SOX scoping" not in out


async def test_the_detail_pane_shows_the_sox_scoping(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    from workbench.tui.app import WorkbenchApp
    from workbench.tui.widgets.detail import DetailPane

    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        app.browse_screen.go_to_control("JE-02")
        await pilot.pause()
        console = Console(width=200, record=True, file=io.StringIO())
        for part in app.browse_screen.query_one(DetailPane).query("*"):
            content = getattr(part, "content", None)
            if content is not None and not isinstance(content, str):
                console.print(content)
        text = console.export_text()
    assert "SOX scoping" in text and "R-JE-01" in text
