"""SOX scoping and tailoring in the catalog format (issue 15): significant accounts with their
relevant assertions, risks of material misstatement, controls' risks, process and IPE;
retiring bundled controls and replacing the bundled library; crosswalks. Every problem names
file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.cli import run as cli_run
from workbench.core.catalog import CatalogError, load_catalog_files, load_catalogs
from workbench.core.paths import bundled_catalog_dir

HEADER = 'catalog: {id: scoped, title: Scoped, version: "1"}\n'
BASE = """\
systems:
  - {id: ERP, name: ERP, kind: application}
  - {id: RPT, name: Sales report, kind: report}
accounts:
  - {id: REV, name: Revenue, assertions: [cutoff, existence, completeness]}
  - {id: NOTES, name: Notes, kind: disclosure, assertions: [presentation]}
risks:
  - {id: R1, title: Fake sales, accounts: [REV], assertions: [existence], likelihood: high, magnitude: high, fraud: true}
  - {id: R2, title: Late sales, accounts: [REV], assertions: [cutoff]}
controls:
  - {id: K1, title: Key one, description: d, domain: D, frequency: monthly, type: detective, nature: manual, key: true, risks: [R1], process: Revenue, subprocess: Billing, ipe: [RPT]}
  - {id: N1, title: Non-key, description: d, domain: D, frequency: monthly, type: detective, nature: manual, risks: [R2]}
"""


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_accounts_risks_and_control_fields_load(tmp_path: Path) -> None:
    cat = load_catalog_files([write(tmp_path, HEADER + BASE)])
    rev = cat.accounts["REV"]
    assert rev.assertions == ("existence", "completeness", "cutoff")  # canonical order
    assert (rev.kind, cat.accounts["NOTES"].kind) == ("account", "disclosure")
    r1 = cat.risks["R1"]
    assert (r1.fraud, r1.likelihood, r1.magnitude, r1.severity) == (True, "high", "high", 4)
    assert cat.risks["R2"].severity == 2  # unassessed counts as medium
    k1 = cat.controls["K1"]
    assert (k1.risks, k1.process, k1.subprocess, k1.ipe) == (
        ("R1",),
        "Revenue",
        "Billing",
        ("RPT",),
    )
    assert "RPT" in k1.systems  # a report relied on is a system the control uses
    assert cat.relied_systems("K1") == ("RPT",)
    assert cat.by_risk == {"R1": ("K1",), "R2": ("N1",)}
    assert cat.controls["N1"].group == "D"  # no process: its domain groups it


# (case, text to replace in BASE, replacement, line, field path, message fragment)
CASES = [
    (
        "unknown assertion",
        "assertions: [presentation]",
        "assertions: [accuracy]",
        7,
        "accounts[1].assertions[0]",
        "unknown assertion 'accuracy'",
    ),
    (
        "no assertion",
        "assertions: [presentation]",
        "assertions: []",
        7,
        "accounts[1].assertions",
        "must not be empty",
    ),
    (
        "unknown account",
        "accounts: [REV], assertions: [cutoff]",
        "accounts: [AR], assertions: [cutoff]",
        10,
        "risks[1].accounts[0]",
        "unknown account 'AR'",
    ),
    (
        "assertion not relevant",
        "accounts: [REV], assertions: [cutoff]",
        "accounts: [REV], assertions: [rights]",
        10,
        "risks[1].assertions",
        "'rights' is not a relevant assertion of REV",
    ),
    (
        "bad likelihood",
        "likelihood: high",
        "likelihood: certain",
        9,
        "risks[0].likelihood",
        "unknown value 'certain'",
    ),
    ("unknown risk", "risks: [R2]", "risks: [R9]", 13, "controls[1].risks[0]", "unknown risk 'R9'"),
    (
        "ipe on an application",
        "ipe: [RPT]",
        "ipe: [ERP]",
        12,
        "controls[0].ipe[0]",
        "system 'ERP' is application: ipe lists reports",
    ),
    ("ipe unknown", "ipe: [RPT]", "ipe: [NOPE]", 12, "controls[0].ipe[0]", "unknown system 'NOPE'"),
]


@pytest.mark.parametrize(
    ("case", "old", "new", "line", "path", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_scoping_problems_name_file_line_field(
    tmp_path: Path, case: str, old: str, new: str, line: int, path: str, message: str
) -> None:
    assert old in BASE
    f = write(tmp_path, HEADER + BASE.replace(old, new, 1))
    with pytest.raises(CatalogError) as exc:
        load_catalog_files([f])
    found = [p for p in exc.value.problems if p.path == path]
    assert found, exc.value.report()
    assert found[0].line == line and message in found[0].message, exc.value.report()
    assert found[0].file == str(f)


def test_retire_takes_a_control_out_with_its_mappings_and_keeps_why(tmp_path: Path) -> None:
    mini = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"
    user = write(
        tmp_path,
        'catalog: {id: tailor, title: T, version: "1"}\n'
        "retire:\n"
        "  - {id: C2, reason: We have no separate access review}\n"
        "  - {ids: [C5, C6], reason: Out of our business}\n",
    )
    cat = load_catalog_files([mini, user])
    assert "C2" not in cat.controls and "C5" not in cat.controls
    assert set(cat.retired) == {"C2", "C5", "C6"}
    r = cat.retired["C2"]
    assert (r.title, r.reason, r.by.file, r.by.line) == (
        "Alpha only",
        "We have no separate access review",
        str(user),
        3,
    )
    assert "mini.yaml" in r.defined_at.file
    assert not any(m.control_id in cat.retired for m in cat.mappings)
    assert cat.controls_for("alpha", "A1") == ("C1",)


RETIRE_CASES = [
    ("unknown", "retire:\n  - {id: NOPE, reason: x}\n", "retire[0].id", "unknown control 'NOPE'"),
    ("no reason", "retire:\n  - {id: C2}\n", "retire[0].reason", "required field is missing"),
    (
        "twice",
        "retire:\n  - {id: C2, reason: x}\n  - {id: C2, reason: y}\n",
        "retire[1].id",
        "'C2' is already retired at",
    ),
    ("no id", "retire:\n  - {reason: x}\n", "retire[0].id", "required field is missing"),
    (
        "own control",
        "controls:\n  - {id: X1, title: t, description: d, domain: D, frequency: annual, type: preventive, nature: manual}\nretire:\n  - {id: X1, reason: x}\n",
        "retire[0].id",
        "delete it instead",
    ),
    (
        "mapping of a retired control",
        "retire:\n  - {id: C2, reason: x}\nmappings:\n  - {control: C2, satisfies: {beta: [B1]}}\n",
        "mappings[0].control",
        "control 'C2' is retired",
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "path", "message"), RETIRE_CASES, ids=[c[0] for c in RETIRE_CASES]
)
def test_retire_problems(tmp_path: Path, case: str, text: str, path: str, message: str) -> None:
    mini = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"
    user = write(tmp_path, 'catalog: {id: tailor, title: T, version: "1"}\n' + text)
    with pytest.raises(CatalogError) as exc:
        load_catalog_files([mini, user])
    assert any(p.path == path and message in p.message for p in exc.value.problems), (
        exc.value.report()
    )


def test_crosswalks_link_requirements_of_two_frameworks(tmp_path: Path) -> None:
    mini = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"
    good = write(
        tmp_path,
        'catalog: {id: cw, title: CW, version: "1"}\n'
        "crosswalks:\n"
        "  - source: alpha\n"
        "    target: beta\n"
        "    links:\n"
        "      - {from: A1, to: B1, relationship: equal}\n"
        "      - {from: A, to: B2}\n",
    )
    cat = load_catalog_files([mini, good])
    assert [
        (c.source_requirement, c.target_requirement, c.relationship) for c in cat.crosswalks
    ] == [
        ("A1", "B1", "equal"),
        ("A", "B2", None),
    ]
    bad = write(
        tmp_path,
        'catalog: {id: cw, title: CW, version: "1"}\n'
        "crosswalks:\n"
        "  - {source: alpha, target: gamma, links: [{from: A1, to: B1}]}\n"
        "  - source: alpha\n"
        "    target: beta\n"
        "    links:\n"
        "      - {from: A9, to: B1, relationship: close}\n",
        "bad.yaml",
    )
    with pytest.raises(CatalogError) as exc:
        load_catalog_files([mini, bad])
    report = exc.value.report()
    assert "crosswalks[0].target: unknown framework 'gamma'" in report
    assert "bad.yaml:7: crosswalks[1].links[0].from: unknown requirement 'A9'" in report
    assert "crosswalks[1].links[0].relationship: unknown value 'close'" in report


def _user_catalog(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "config" / "catalogs"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


MY_LIBRARY = """\
catalog:
  id: mine
  title: Our own controls
  version: "1"
  replaces_bundled_controls: true
controls:
  - id: AC-01
    title: Our access approval
    description: Our own words.
    domain: Access
    frequency: per-event
    type: preventive
    nature: manual
    satisfies: {soc2: [CC6.2], sox: [ITGC-APD-02]}
"""


def test_a_user_catalog_replaces_the_bundled_library_and_keeps_the_frameworks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _user_catalog(tmp_path, MY_LIBRARY)
    cat = load_catalogs([folder], use_cache=False)
    assert set(cat.frameworks) == {"soc2", "sox"}
    assert list(cat.controls) == ["AC-01"]  # the bundled AC-01 left with the library
    assert cat.controls["AC-01"].title == "Our access approval"
    assert not cat.accounts and not cat.risks and not cat.systems
    assert "AC-04" in cat.retired and "replaced by catalog 'mine'" in cat.retired["AC-04"].reason
    assert "AC-01" not in cat.retired  # redefined by the user's library, not gone


def test_no_bundled_controls_keeps_the_frameworks_and_reports_the_library_retired() -> None:
    full = load_catalogs()
    bare = load_catalogs(bundled_controls=False)
    assert set(bare.frameworks) == set(full.frameworks) == {"soc2", "sox"}
    assert not bare.controls and len(bare.retired) == len(full.controls)
    assert "--no-bundled-controls" in bare.retired["JE-01"].reason
    assert len(load_catalogs().controls) == len(full.controls)  # the cache kept them apart


def test_validate_takes_no_bundled_controls(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_run(["--no-bundled-controls", "validate"]) == 0
    assert " 0 controls, 0 mappings" in capsys.readouterr().out


def test_retired_controls_with_recorded_state_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    db = str(tmp_path / "t.db")
    assert cli_run(["--db", db, "mark", "AC-08", "effective"]) == 0
    folder = tmp_path / "cats"
    folder.mkdir()
    (folder / "tailor.yaml").write_text(
        'catalog: {id: tailor, title: T, version: "1"}\n'
        "retire:\n  - {id: AC-08, reason: No shared accounts here}\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert cli_run(["--db", db, "--catalogs", str(folder), "status"]) == 0
    out = capsys.readouterr().out
    assert "retired control(s) with recorded state" in out
    assert "AC-08 (effective; No shared accounts here)" in out
    assert cli_run(["--db", db, "--catalogs", str(folder), "coverage", "--gaps"]) == 0
    assert "AC-08 (effective; No shared accounts here)" in capsys.readouterr().out
    md = tmp_path / "r.md"
    assert cli_run(["--db", db, "--catalogs", str(folder), "export", "-o", str(md)]) == 0
    text = md.read_text(encoding="utf-8")
    assert "## Retired controls with recorded state" in text
    assert (
        "| AC-08 | Generic, shared and service accounts controlled | effective | No shared accounts here |"
        in text
    )
    # and with the whole library switched off, every bundled control with state is listed
    capsys.readouterr()
    assert cli_run(["--db", db, "--no-bundled-controls", "status"]) == 0
    assert (
        "AC-08 (effective; the bundled control library is switched off" in capsys.readouterr().out
    )


def test_bundled_scoping_links_the_process_controls(bundled) -> None:  # type: ignore[no-untyped-def]
    assert len(bundled.accounts) >= 10 and len(bundled.risks) >= 20
    assert any(a.kind == "disclosure" for a in bundled.accounts.values())
    assert sum(r.fraud for r in bundled.risks.values()) >= 5
    process_areas = {"BP-REV", "BP-P2P", "BP-PAY", "BP-INV", "BP-TREAS", "BP-JE", "BP-CLOSE"}
    for cid, ctl in bundled.controls.items():
        areas = {m.requirement_id for m in bundled.by_control[cid] if m.primary}
        if ctl.key and areas & process_areas:
            assert ctl.risks, f"{cid} is a key process control: name the risks it addresses"
            assert ctl.process, f"{cid}: name its process"
    for rid in bundled.risks:
        keyed = [c for c in bundled.by_risk[rid] if bundled.controls[c].key]
        assert keyed or rid == "R-INV-03", f"{rid} has no key control"
    text = (bundled_catalog_dir() / "controls.yaml").read_text(encoding="utf-8")
    from workbench.core.catalog.fastyaml import fast_load

    assert fast_load(text) is not None  # the fast reader still reads the whole library
