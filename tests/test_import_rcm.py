"""`workbench import rcm` (issue 15): a realistic risk-control matrix imports with the expected
counts; every malformed variant gives row and column errors and writes nothing; re-imports
show the difference; and the RCM export imports back into the same catalog."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rcm_fixture import EXPECTED, build_acme_rcm

from workbench.core.catalog import CatalogSet, load_catalog_files, load_catalogs
from workbench.core.paths import bundled_catalog_dir

FIXTURES = Path(__file__).parent / "fixtures" / "rcm"
CSV = FIXTURES / "northwind-rcm.csv"


def with_frameworks(*files: Path) -> CatalogSet:
    """The imported catalog loaded with the bundled frameworks (not the control library)."""
    bundled = bundled_catalog_dir()
    return load_catalog_files([bundled / "soc2.yaml", bundled / "sox.yaml", *files])


def test_a_realistic_rcm_imports_with_the_expected_counts(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = build_acme_rcm(tmp_path / "acme-rcm.xlsx")
    out = tmp_path / "acme.yaml"
    code, text, err = run("import", "rcm", str(book), "-o", str(out), "--replace-bundled")
    assert code == 0, text + err
    assert f"wrote {out}" in text
    assert (
        f"adds: {EXPECTED['rows']} rows read, {EXPECTED['controls']} controls, "
        f"{EXPECTED['key']} key controls, {EXPECTED['risks']} risks, {EXPECTED['fraud']} fraud risks, "
        f"{EXPECTED['accounts']} accounts"
    ) in text
    # how it was read: the header found on row 4 (O2C) and row 3, spellings mapped
    assert "sheet 'O2C': header row 4" in text and "Ctrl Ref -> id" in text
    assert "Manual/Automated/ITDM -> nature" in text
    assert "header row 3" in text and "Control # -> id" in text
    assert "sheets skipped (no header row found): 'Instructions'" in text
    assert "'Testing Procedure' (sheet 'O2C' column U)" in text
    assert "'Walkthrough date' (sheet 'P2P' column U and 5 more sheets)" in text
    assert (
        "first rows:" in text
        and "O2C-01  O2C  per-event  it-dependent-manual  key  [R-O2C-1]" in text
    )

    cat = with_frameworks(out)
    assert len(cat.controls) == EXPECTED["controls"]
    assert sum(c.key for c in cat.controls.values()) == EXPECTED["key"]
    assert len(cat.risks) == EXPECTED["risks"] and len(cat.accounts) == EXPECTED["accounts"]
    assert sum(r.fraud for r in cat.risks.values()) == EXPECTED["fraud"]
    # merged cells: O2C-12's own cells span its two risk rows
    assert cat.controls["O2C-12"].risks == ("R-O2C-5", "R-FC-6")
    assert cat.controls["O2C-12"].frequency == "quarterly"
    # a section title merged across the table is not a control; the process column merged
    assert "Billing" not in cat.controls and cat.controls["O2C-07"].process == "O2C"
    assert cat.controls["O2C-07"].subprocess == "Billing"
    # a blank process under a filled one (Payroll, second risk row)
    assert cat.controls["PAY-06"].process == "Payroll & HR"
    # codes and spellings
    assert cat.risks["R-O2C-3"].assertions == ("existence", "cutoff")
    assert cat.risks["R-P2P-2"].assertions == ("completeness", "cutoff")
    assert (cat.risks["R-O2C-1"].likelihood, cat.risks["R-O2C-1"].magnitude) == ("medium", "high")
    freq = {
        cid: cat.controls[cid].frequency
        for cid in ("PAY-02", "PAY-04", "O2C-02", "FC-12", "P2P-03", "O2C-01")
    }
    assert freq == {
        "PAY-02": "weekly",  # semi-monthly
        "PAY-04": "weekly",  # bi-weekly
        "O2C-02": "multiple-daily",
        "FC-12": "annual",
        "P2P-03": "monthly",  # "M"
        "O2C-01": "per-event",  # "As needed"
    }
    assert (cat.controls["O2C-02"].nature, cat.controls["O2C-02"].type) == (
        "automated",
        "preventive",
    )
    assert cat.controls["FC-05"].type == "corrective" and not cat.controls["FC-05"].key
    maps = {(m.framework_id, m.requirement_id) for m in cat.by_control["ITGC-03"]}
    assert maps == {
        ("soc2", "CC6.1"),
        ("soc2", "CC6.2"),
        ("soc2", "CC6.3"),
        ("sox", "COSO-P11"),
        ("sox", "COSO-P16"),
    }
    assert {m.requirement_id for m in cat.by_control["FC-01"]} == {"CC8.1", "COSO-P10", "COSO-P08"}
    # systems and reports relied on
    assert cat.systems[cat.controls["PAY-07"].ipe[0]].kind == "spreadsheet"
    report = cat.controls["O2C-11"].ipe[0]
    assert cat.systems[report].kind == "report" and cat.systems[report].name == "AR aging report"
    assert {cat.systems[s].name for s in cat.controls["ITGC-02"].systems} == {
        "NetSuite ERP",
        "Bank portal",
    }
    # titles come from the first sentence of the description when there is no title column
    assert cat.controls["P2P-06"].title.startswith("Three-way match blocks invoices")
    # accounts come with the assertions their risks threaten
    rev = next(a for a in cat.accounts.values() if a.name == "Revenue")
    assert set(rev.assertions) >= {"existence", "valuation", "cutoff", "presentation"}
    text_yaml = out.read_text(encoding="utf-8")
    assert text_yaml.startswith("# Imported by workbench from acme-rcm.xlsx")
    assert "replaces_bundled_controls: true" in text_yaml


def test_the_imported_catalog_drives_the_app_state(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = build_acme_rcm(tmp_path / "acme-rcm.xlsx")
    out = tmp_path / "acme.yaml"
    assert run("import", "rcm", str(book), "-o", str(out), "--replace-bundled")[0] == 0
    assert run("--catalogs", str(out), "mark", "O2C-01", "effective")[0] == 0
    code, text, err = run("--catalogs", str(out), "coverage", "--json")
    assert code == 0, err
    doc = json.loads(text)
    assert doc["accounts"] == EXPECTED["accounts"]
    existence = [
        c for c in doc["cells"] if c["account_name"] == "Revenue" and c["assertion"] == "existence"
    ]
    assert existence[0]["state"] == "partial"  # O2C-01 is one of its key controls


def test_a_csv_rcm_imports(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "nw.yaml"
    code, text, err = run("import", "rcm", str(CSV), "-o", str(out))
    assert code == 0, text + err
    assert "northwind-rcm.csv: header row 3" in text
    assert "'Tester notes' (northwind-rcm.csv column P)" in text
    cat = load_catalogs([out], use_cache=False)  # with the bundled library: its ERP is named
    assert cat.controls["NW-REV-1"].systems == ("ERP",)
    mine = sorted(c for c, ctl in cat.controls.items() if ctl.catalog_id == "northwind-rcm")
    assert mine == [
        "NW-CL-1",
        "NW-CL-2",
        "NW-PUR-1",
        "NW-PUR-2",
        "NW-PUR-3",
        "NW-REV-1",
        "NW-REV-2",
        "NW-REV-3",
    ]
    assert cat.controls["NW-REV-3"].risks == ("NR-2", "NR-3")
    assert cat.controls["NW-REV-2"].process == "Revenue"  # filled down from the row above
    assert cat.controls["NW-PUR-3"].process == "Purchasing"  # after a blank row
    assert "NR-6" in cat.risks and not cat.by_risk["NR-6"]  # a risk row without a control
    assert [cat.accounts[a].name for a in cat.risks["NR-7"].accounts] == ["Revenue", "Payables"]
    assert (cat.controls["NW-PUR-2"].type, cat.controls["NW-PUR-2"].key) == ("detective", True)
    assert not cat.controls["NW-PUR-3"].key


def test_clashing_with_the_bundled_library_names_the_row_and_writes_nothing(
    run, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    book = build_acme_rcm(tmp_path / "acme-rcm.xlsx")
    out = tmp_path / "acme.yaml"
    code, text, _ = run("import", "rcm", str(book), "-o", str(out))
    assert code == 2 and not out.exists()
    assert "sheet 'P2P', row 4, column J (Control #): duplicate control id 'P2P-01'" in text
    assert "--replace-bundled" in text
    assert "nothing written" in text


def _mutate_cell(
    sheet: str, control: str, column: str, value: Any
) -> Callable[[str, list[list[Any]]], None]:
    """Change one cell of a control's row; `found` holds the row number it lands on."""

    def mutate(name: str, rows: list[list[Any]]) -> None:
        if name != sheet:
            return
        header = rows[0]
        for i, row in enumerate(rows):
            if (
                len(row) > header.index(_id_header(sheet))
                and row[header.index(_id_header(sheet))] == control
            ):
                row[header.index(column)] = value
                mutate.found = i + 1 + (3 if sheet == "O2C" else 2)  # type: ignore[attr-defined]
                return

    return mutate


def _id_header(sheet: str) -> str:
    return "Ctrl Ref" if sheet == "O2C" else "Control #"


MALFORMED = [
    # (case, sheet, control, column header, new value, column letter, message)
    (
        "unknown frequency",
        "P2P",
        "P2P-05",
        "Frequency",
        "Fortnightly-ish",
        "M",
        "unknown frequency 'Fortnightly-ish' (expected one of: Annual",
    ),
    (
        "bad criteria reference",
        "Treasury",
        "TRE-02",
        "TSC Reference",
        "CC6.1, CC9.9",
        "S",
        "unknown SOC 2 requirement 'CC9.9'",
    ),
    (
        "unreadable criteria text",
        "ITGC",
        "ITGC-05",
        "TSC Reference",
        "see security policy",
        "S",
        "could not read 'security policy' (expected references like CC6.1",
    ),
    (
        "bad COSO principle",
        "O2C",
        "O2C-03",
        "COSO 2013 Principle",
        "P18",
        "T",
        "COSO principle 18 does not exist (1-17)",
    ),
    (
        "unknown assertion",
        "Inventory",
        "INV-04",
        "Relevant Assertions",
        "V/A, X",
        "I",
        "unknown assertion 'X'",
    ),
    (
        "unknown nature",
        "Payroll & HR",
        "PAY-03",
        "Nature",
        "Robotic",
        "N",
        "unknown nature 'Robotic'",
    ),
    (
        "not key or non-key",
        "Financial Close",
        "FC-02",
        "Key Control",
        "Maybe",
        "P",
        "not key or non-key: 'Maybe'",
    ),
    (
        "empty description",
        "P2P",
        "P2P-07",
        "Control Description",
        "",
        "K",
        "the control description is empty",
    ),
    (
        "Excel error value",
        "O2C",
        "O2C-09",
        "Control Owner",
        "#REF!",
        "L",
        "the cell holds an Excel error #REF!",
    ),
]


@pytest.mark.parametrize(
    ("case", "sheet", "control", "header", "value", "letter", "message"),
    MALFORMED,
    ids=[m[0] for m in MALFORMED],
)
def test_malformed_cells_give_sheet_row_column_and_write_nothing(
    run,
    tmp_path: Path,
    case: str,
    sheet: str,
    control: str,
    header: str,
    value: str,
    letter: str,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    mutate = _mutate_cell(sheet, control, header, value)
    book = build_acme_rcm(tmp_path / "bad.xlsx", mutate)
    out = tmp_path / "bad.yaml"
    code, text, _ = run("import", "rcm", str(book), "-o", str(out), "--replace-bundled")
    assert code == 2 and not out.exists(), text
    where = f"sheet '{sheet}', row {mutate.found}, column {letter} ({header})"  # type: ignore[attr-defined]
    assert any(where in line and message in line for line in text.splitlines()), text
    assert "nothing written" in text


def test_duplicate_ids_are_errors_with_both_rows(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mutate = _mutate_cell("P2P", "P2P-02", "Control #", "P2P-01")
    book = build_acme_rcm(tmp_path / "dup.xlsx", mutate)
    out = tmp_path / "dup.yaml"
    code, text, _ = run("import", "rcm", str(book), "-o", str(out), "--replace-bundled")
    assert code == 2 and not out.exists()
    assert (
        f"sheet 'P2P', row {mutate.found}, column B (Subprocess): duplicate control id 'P2P-01' (first at row 4): Subprocess differs"  # type: ignore[attr-defined]
        in text
        or f"sheet 'P2P', row {mutate.found}, column K (Control Description): duplicate control id 'P2P-01' (first at row 4): Control Description differs"  # type: ignore[attr-defined]
        in text
    ), text


def test_a_missing_id_column_is_reported_for_its_sheet(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def mutate(name: str, rows: list[list[Any]]) -> None:
        if name == "Treasury":
            rows[0][rows[0].index("Control #")] = "Item"

    book = build_acme_rcm(tmp_path / "noid.xlsx", mutate)
    out = tmp_path / "noid.yaml"
    code, text, _ = run("import", "rcm", str(book), "-o", str(out), "--replace-bundled")
    assert code == 2 and not out.exists()
    assert (
        "sheet 'Treasury', row 3: no 'Control ID' column in the header row (row 3): map the column that holds it with --map 'HEADER=id'"
        in text
    )
    assert "'Item' (sheet 'Treasury' column J)" in text  # shown as a column not imported
    # mapping the column fixes it, on the command line or in a mapping file
    code, text, _ = run(
        "import", "rcm", str(book), "-o", str(out), "--replace-bundled", "--map", "Item=id"
    )
    assert code == 0, text
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  Item: id\n  Walkthrough date: ignore\n", encoding="utf-8")
    code, text, _ = run(
        "import",
        "rcm",
        str(book),
        "-o",
        str(out),
        "--replace-bundled",
        "--mapping",
        str(mapping),
        "--dry-run",
    )
    assert code == 0, text
    assert "Walkthrough date" not in text


def test_a_row_without_a_control_id_is_reported(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mutate = _mutate_cell("Inventory", "INV-06", "Control #", "")
    # _mutate_cell finds the row by id before blanking it
    book = build_acme_rcm(tmp_path / "blank.xlsx", mutate)
    code, text, _ = run(
        "import", "rcm", str(book), "-o", str(tmp_path / "x.yaml"), "--replace-bundled"
    )
    assert code == 2
    assert (
        f"sheet 'Inventory', row {mutate.found}, column J (Control #): no control id in this row"
        in text
    )  # type: ignore[attr-defined]


def test_bad_map_arguments_are_clear(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("import", "rcm", str(CSV), "--map", "Cycle=proces")
    assert code == 2 and "unknown field 'proces'" in err
    code, _, err = run("import", "rcm", str(CSV), "--map", "Cycle")
    assert code == 2 and "expected HEADER=FIELD" in err


def test_never_into_the_bundled_catalogs_folder(run) -> None:  # type: ignore[no-untyped-def]
    target = bundled_catalog_dir() / "mine.yaml"
    code, _, err = run("import", "rcm", str(CSV), "-o", str(target))
    assert code == 2 and not target.exists() and "not for user catalogs" in err


def test_dry_run_writes_nothing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "nw.yaml"
    code, text, _ = run("import", "rcm", str(CSV), "-o", str(out), "--dry-run")
    assert code == 0 and not out.exists()
    assert f"dry run: nothing written (would write {out})" in text


def test_the_default_target_is_the_user_catalogs_folder(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, text, _ = run("import", "rcm", str(CSV))
    target = Path(os.environ["WORKBENCH_CONFIG_DIR"]) / "catalogs" / "northwind-rcm.yaml"
    assert code == 0 and target.exists(), text
    # every later command loads it
    assert run("mark", "NW-REV-1", "effective")[0] == 0


def test_a_reimport_shows_the_difference_and_keeps_recorded_state(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "nw.yaml"
    assert run("import", "rcm", str(CSV), "-o", str(out))[0] == 0
    assert run("--catalogs", str(out), "mark", "NW-PUR-3", "effective")[0] == 0
    assert run("--catalogs", str(out), "mark", "NW-REV-2", "implemented")[0] == 0
    text = CSV.read_text(encoding="utf-8-sig")
    lines = [line for line in text.splitlines() if not line.startswith(";NW-PUR-3;")]
    changed = "\n".join(lines).replace(
        "Shipments in the last three days", "Shipments in the last five days"
    )
    changed += "\nClose;NW-CL-3;NR-8;Account balances are not reconciled;Cash;E/O, C;Cash is counted weekly.;Controller;Weekly;Manual;Detective;Key;;;;\n"
    changed_csv = tmp_path / "northwind-rcm.csv"
    changed_csv.write_text(changed, encoding="utf-8")
    code, text, err = run("import", "rcm", str(changed_csv), "-o", str(out), "--dry-run")
    assert code == 0, text + err
    assert (
        "compared with the current file (controls): 1 added, 1 changed, 1 removed, 6 unchanged"
        in text
    )
    assert "    + NW-CL-3" in text
    assert "    ~ NW-REV-2: title, description (recorded: implemented; kept)" in text
    assert "    - NW-PUR-3 (recorded: effective; kept)" in text
    assert run("import", "rcm", str(changed_csv), "-o", str(out))[0] == 0
    code, text, _ = run("--catalogs", str(out), "status")
    assert "NW-PUR-3 (effective)" in text  # the record stays, shown as orphaned


def test_hostile_files_are_refused_clearly(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    code, _, err = run("import", "rcm", str(fifo))
    assert code == 2 and "only regular files can be imported" in err
    code, _, err = run("import", "rcm", str(tmp_path))
    assert code == 2 and "a folder" in err
    run("mark", "AC-01", "effective")  # creates the database
    code, _, err = run("import", "rcm", str(tmp_path / "wb.db"))
    assert code == 2 and "open workbench database" in err
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    code, _, err = run("import", "rcm", str(fake))
    assert code == 2 and "not a readable xlsx workbook" in err and "Traceback" not in err
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    code, _, err = run("import", "rcm", str(old))
    assert code == 2 and "save it as .xlsx or .csv" in err


def test_control_characters_in_cells_stay_text(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    evil = "Approve \x1b]2 pwned\x07orders \x9b31m now"  # no ';': the CSV's delimiter
    text = CSV.read_text(encoding="utf-8-sig").replace(
        "Credit limits are set in the ERP and orders above the limit stop until the credit manager releases them.",
        evil,
    )
    src = tmp_path / "evil.csv"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "evil.yaml"
    code, shown, _ = run("import", "rcm", str(src), "-o", str(out))
    assert code == 0
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert "\\x1b]2 pwned" in shown
    cat = load_catalogs([out], use_cache=False)
    assert cat.controls["NW-REV-1"].description == evil  # kept as written, shown neutralised


# ---------------------------------------------------------------------------------------------
# The RCM export, and its round trip


def _same_catalog(a: CatalogSet, b: CatalogSet) -> None:
    def control(c: Any) -> tuple[Any, ...]:
        return (c.id, c.title, c.description, c.domain, c.process, c.subprocess, c.frequency,
                c.type, c.nature, c.key, c.owner_role, c.systems, c.ipe, c.covers, c.risks)  # fmt: skip

    assert {k: control(c) for k, c in a.controls.items()} == {
        k: control(c) for k, c in b.controls.items()
    }
    assert sorted(
        (m.control_id, m.framework_id, m.requirement_id, m.role) for m in a.mappings
    ) == sorted((m.control_id, m.framework_id, m.requirement_id, m.role) for m in b.mappings)

    def risk(r: Any) -> tuple[Any, ...]:
        return (r.title, r.accounts, r.assertions, r.likelihood, r.magnitude, r.fraud)

    assert {k: risk(r) for k, r in a.risks.items()} == {k: risk(r) for k, r in b.risks.items()}
    assert {k: (x.name, x.kind, x.assertions) for k, x in a.accounts.items()} == {
        k: (x.name, x.kind, x.assertions) for k, x in b.accounts.items()
    }
    assert {k: (s.name, s.kind) for k, s in a.systems.items()} == {
        k: (s.name, s.kind) for k, s in b.systems.items()
    }


def test_the_rcm_export_round_trips(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    book = build_acme_rcm(tmp_path / "acme-rcm.xlsx")
    first = tmp_path / "acme.yaml"
    assert run("import", "rcm", str(book), "-o", str(first), "--replace-bundled")[0] == 0
    before = with_frameworks(first)
    assert run("--catalogs", str(first), "mark", "O2C-12", "effective")[0] == 0
    rcm = tmp_path / "rcm.xlsx"
    code, text, err = run("--catalogs", str(first), "export", "--format", "rcm", "-o", str(rcm))
    assert code == 0, err
    wb = load_workbook(rcm)
    assert wb.sheetnames[0] == "Summary"
    assert {
        "O2C",
        "P2P",
        "Payroll & HR",
        "Inventory",
        "Treasury",
        "Financial Close",
        "ITGC",
        "Accounts",
        "Systems",
    } <= set(wb.sheetnames)
    o2c = wb["O2C"]
    assert o2c.freeze_panes == "A2" and o2c.auto_filter.ref.startswith("A1:")
    header = [c.value for c in o2c[1]]
    assert header[:4] == ["Process", "Subprocess", "Risk ID", "Risk (what could go wrong)"]
    assert {"Accounts", "Assertions", "Control description", "Control owner", "Frequency", "Nature", "Type",
            "Key / Non-key", "Systems", "IPE (reports relied on)", "SOC 2 criteria", "COSO principles",
            "Status", "Latest test conclusion", "Findings"} <= set(header)  # fmt: skip
    rows = [
        r
        for ws in wb.worksheets[1:-2]
        for r in ws.iter_rows(min_row=2, values_only=True)
        if r[header.index("Control ID")]
    ]
    assert len(rows) == EXPECTED["rows"]  # one row per control x risk
    o2c12 = [r for r in rows if r[header.index("Control ID")] == "O2C-12"]
    assert [r[header.index("Risk ID")] for r in o2c12] == ["R-O2C-5", "R-FC-6"]
    assert o2c12[0][header.index("Status")] == "effective"
    # importing the export gives back the same catalog (into the same file)
    code, text, err = run(
        "--catalogs",
        str(first),
        "import",
        "rcm",
        str(rcm),
        "-o",
        str(first),
        "--replace-bundled",
        "--dry-run",
    )
    assert code == 0, text + err
    assert (
        "compared with the current file (controls): 0 added, 0 changed, 0 removed" in text
        or "no controls added, changed or removed" in text
    )
    second = tmp_path / "again.yaml"
    assert run("import", "rcm", str(rcm), "-o", str(second), "--replace-bundled")[0] == 0
    _same_catalog(before, with_frameworks(second))


def test_the_bundled_library_round_trips_through_its_rcm(run, tmp_path: Path, bundled) -> None:  # type: ignore[no-untyped-def]
    rcm = tmp_path / "bundled.xlsx"
    assert run("mark", "JE-01", "effective")[0] == 0
    assert run("export", "--format", "rcm", "-o", str(rcm))[0] == 0
    out = tmp_path / "library.yaml"
    code, text, err = run("import", "rcm", str(rcm), "-o", str(out), "--replace-bundled")
    assert code == 0, text + err
    _same_catalog(bundled, with_frameworks(out))


def test_rcm_rows_carry_state_tests_and_findings(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    steps = [
        (
            "period",
            "add",
            "FY27",
            "--framework",
            "sox",
            "--start",
            "2027-01-01",
            "--end",
            "2027-12-31",
        ),
        (
            "test",
            "design",
            "JE-01",
            "--date",
            "2027-02-01",
            "--by",
            "ana",
            "--conclusion",
            "effective",
        ),
        ("sample", "add", "JE-01", "--result", "exception", "--date", "2027-03-01"),
        (
            "finding",
            "add",
            "JE-01",
            "--severity",
            "significant_deficiency",
            "--summary",
            "Entry approved by its preparer",
        ),
    ]
    for step in steps:
        code, out, err = run(*step)
        assert code == 0, out + err
    rcm = tmp_path / "rcm.xlsx"
    code, _, err = run("export", "--format", "rcm", "-o", str(rcm))
    assert code == 0, err
    ws = load_workbook(rcm)["Financial close"]
    header = [c.value for c in ws[1]]
    row = next(
        r
        for r in ws.iter_rows(min_row=2, values_only=True)
        if r[header.index("Control ID")] == "JE-01"
    )
    test = row[header.index("Latest test conclusion")] or ""
    findings = row[header.index("Findings")] or ""
    assert "design effective on 2027-02-01" in test, test
    assert "significant deficiency" in findings and "Entry approved by its preparer" in findings, (
        findings
    )


def test_the_command_modules_stay_light() -> None:
    """`workbench --help` must stay fast: the import and coverage commands load openpyxl, YAML
    and the importers only when they run."""
    import subprocess
    import sys

    from workbench.cli.import_cmd import RCM_FIELDS
    from workbench.core.importers.vocab import FIELDS

    assert RCM_FIELDS == FIELDS
    code = (
        "import sys\n"
        "import workbench.cli.import_cmd, workbench.cli.coverage_cmd\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'yaml') "
        "or m.startswith(('workbench.core.importers', 'workbench.core.readiness')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
