"""The testing commands: period, test, sample, finding(s), sampling; and their place in status,
history, undo, verify and export. In-process, on the mini catalog (alpha, beta)."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

import workbench.core.catalog.sources as sources
from workbench.cli import run as cli_run

MINI = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"
P = "Alpha 2027"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli(Protocol):
    def __call__(self, *args: str) -> Result: ...


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wb.db"


@pytest.fixture
def cli(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    monkeypatch.setattr(sources, "bundled_catalog_dir", lambda: empty)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Result:
        try:
            code = cli_run(["--catalogs", str(MINI), "--db", str(db), *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    return run


def _events(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM history").fetchone()[0])


def _period(cli: Cli) -> None:
    r = cli(
        "period", "add", P, "--framework", "alpha", "--start", "2027-01-01", "--end", "2027-09-30"
    )
    assert r.code == 0, r.err


# -- periods ----------------------------------------------------------------------------------


def test_period_add_list_use(cli: Cli, db: Path) -> None:
    r = cli(
        "period", "add", P, "--framework", "alpha", "--start", "2027-01-01", "--end", "2027-09-30"
    )
    assert r.code == 0
    assert f"added period {P} (alpha: 2027-01-01 to 2027-09-30)" in r.out
    assert "now the current period for alpha" in r.out
    r = cli(
        "period",
        "add",
        "FY27",
        "--framework",
        "alpha",
        "--framework",
        "beta",
        "--start",
        "2027-01-01",
        "--end",
        "2027-12-31",
        "--as-of",
        "2027-12-31",
        "--json",
    )
    doc = r.json()
    assert doc["schema"] == "workbench.period/1" and doc["current_for"] == ["beta"]
    assert doc["period"]["frameworks"] == ["alpha", "beta"]
    listing = cli("period", "list", "--json").json()
    assert listing["current"] == {"alpha": P, "beta": "FY27"}
    assert (
        cli("period", "use", "FY27").out.strip() == "FY27 is now the current period for alpha, beta"
    )
    assert "already" in cli("period", "use", "FY27").out
    text = cli("period", "list").out
    assert "FY27" in text and "2027-12-31" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--framework", "gamma", "--start", "2027-01-01", "--end", "2027-02-01"],
            "unknown framework gamma",
        ),
        (
            ["--framework", "alpha", "--start", "2027-03-01", "--end", "2027-02-01"],
            "ends (2027-02-01) before it starts (2027-03-01)",
        ),
        (
            ["--framework", "alpha", "--start", "2027-13-01", "--end", "2027-02-01"],
            "invalid date '2027-13-01'",
        ),
        (["--framework", "alpha", "--start", "2027-01-01"], "--end"),
    ],
)
def test_bad_period_input_exits_2_and_writes_nothing(
    cli: Cli, db: Path, args: list[str], message: str
) -> None:
    r = cli("period", "add", "X", *args)
    assert r.code == 2 and message in r.err
    assert _events(db) == 0


def test_period_use_unknown(cli: Cli) -> None:
    _period(cli)
    r = cli("period", "use", "Nope")
    assert r.code == 2 and f"no audit period named 'Nope' (known: {P})" in r.err


# -- tests and samples ------------------------------------------------------------------------


def test_design_test_and_operating_plan(cli: Cli, db: Path) -> None:
    _period(cli)
    r = cli(
        "test",
        "design",
        "C2",
        "--date",
        "2027-01-15",
        "--by",
        "Ana Lopez",
        "--conclusion",
        "effective",
        "--notes",
        "walked one review",
    )
    assert r.code == 0
    assert f"recorded test of design #1 of C2 in {P}: effective (2027-01-15, Ana Lopez)" in r.out
    r = cli("test", "operating", "C2", "--risk", "high", "--population", "3")
    assert r.code == 0
    assert f"opened operating test #2 of C2 in {P}: 3 sample(s) required" in r.out
    assert "quarterly control, high risk: 3 (built-in table)" in r.out
    r = cli("test", "operating", "C2", "--population", "2", "--json")
    doc = r.json()
    assert doc["changed"] is True and doc["test"]["required"] == 2
    assert doc["test"]["risk"] == "high"  # kept from the plan
    assert "population 2: every occurrence" in doc["test"]["basis"]
    assert doc["table"]["frequencies"]["quarterly"] == {"low": 2, "moderate": 2, "high": 3}
    r = cli("test", "operating", "C2", "--samples", "1")
    assert r.code == 2 and "below the table in force" in r.err
    r = cli("test", "operating", "C3")  # monthly, automated
    assert "1 sample(s) required" in r.out and "caveat:" in r.out and "IT general controls" in r.out


def test_a_sample_outside_the_period_is_rejected(cli: Cli, db: Path) -> None:
    _period(cli)
    before = _events(db)
    r = cli("sample", "add", "C2", "--date", "2026-12-31", "--result", "pass")
    assert r.code == 2
    assert r.err.strip() == (
        f"workbench: error: sample date 2026-12-31 is outside period {P} (2027-01-01 to 2027-09-30); "
        "nothing was recorded"
    )
    assert _events(db) == before
    r = cli("sample", "add", "C2", "--result", "pass")
    assert r.code == 2 and "needs --date or --ref" in r.err
    r = cli("sample", "add", "C9", "--date", "2027-02-01", "--result", "pass")
    assert r.code == 2 and "unknown control ID: C9" in r.err
    r = cli("sample", "add", "C2", "--date", "2027-02-01", "--result", "ok")
    assert r.code == 2 and "invalid choice: 'ok'" in r.err
    assert _events(db) == before


def test_period_edit_moves_dates_and_refuses_to_strand_samples(cli: Cli, db: Path) -> None:
    _period(cli)
    assert cli("sample", "add", "C2", "--date", "2027-01-20", "--result", "pass").code == 0
    before = _events(db)
    r = cli("period", "edit", P, "--start", "2027-02-01")
    assert r.code == 2
    assert "1 recorded sample(s) would fall outside 2027-02-01 to 2027-09-30" in r.err
    assert "C2 2027-01-20" in r.err and _events(db) == before
    r = cli("period", "edit", P)
    assert r.code == 2 and "nothing to change" in r.err
    r = cli("period", "edit", P, "--end", "2027-13-01")
    assert r.code == 2 and "YYYY-MM-DD" in r.err
    assert _events(db) == before
    r = cli("period", "edit", P, "--end", "2027-12-31", "--as-of", "2027-12-31")
    assert r.code == 0, r.err
    assert "changed period" in r.out and "2027-01-01 to 2027-12-31, as of 2027-12-31" in r.out
    assert _events(db) == before + 1
    data = cli("period", "edit", P, "--no-as-of", "--json").json()
    assert data["changed"] is True and data["period"]["as_of"] is None
    listing = cli("period", "list", "--json").json()
    assert listing["periods"][0]["end"] == "2027-12-31"
    assert cli("verify").code == 0


def test_show_lists_tests_samples_and_findings(cli: Cli) -> None:
    _period(cli)
    assert cli("sample", "add", "C2", "--date", "2027-01-20", "--result", "pass").code == 0
    r = cli("sample", "add", "C2", "--date", "2027-02-20", "--result", "exception")
    assert r.code == 0, r.err
    r = cli("finding", "add", "C2", "--severity", "deficiency", "--summary", "Late review")
    assert r.code == 0, r.err
    out = cli("show", "C2").out
    testing = out[out.index("Testing") : out.index("Recent history")]
    assert f"  {P}  (current for alpha)" in testing
    # One wording with `test show` (issue 13): how many required samples passed, exceptions.
    assert "operating: 1 of 2 required samples passed, 1 exception" in testing
    detail = cli("test", "show", "C2").out
    assert "done: 1 of 2 required samples passed, 1 exception" in detail
    assert "deficiency, open" in testing and "Late review" in testing
    data = cli("show", "C2", "--json").json()["testing"]
    (test,) = data["tests"]
    assert test["kind"] == "operating" and [s["result"] for s in test["samples"]] == [
        "pass",
        "exception",
    ]
    assert [f["summary"] for f in data["findings"]] == ["Late review"]


def test_status_without_periods_is_as_before(cli: Cli) -> None:
    cli("mark", "C2", "effective")
    design = cli("status").out
    assert "Control testing" not in design and "audit period" not in design
    operating = cli("status", "--lens", "operating").out
    assert "No audit period in use: `effective` is taken on the status alone" in operating
    doc = cli("status", "--json").json()
    assert doc["testing"]["active"] is False
    assert doc["testing"]["frameworks"][0]["unchecked_ids"] == ["C2"]


def test_no_current_period_is_explained(cli: Cli) -> None:
    r = cli("sample", "add", "C2", "--date", "2027-02-01", "--result", "pass")
    assert r.code == 2 and "no current audit period for C2" in r.err
    assert "workbench period add" in r.err


def test_a_type_ii_test_end_to_end(cli: Cli, db: Path, tmp_path: Path) -> None:
    _period(cli)
    assert cli("mark", "C2", "effective").code == 0
    (tmp_path / "jan.txt").write_text("January review, signed")
    r = cli(
        "sample", "add", "C2", "--date", "2027-01-31", "--result", "pass", "--evidence", "jan.txt"
    )
    assert r.code == 0
    assert "opened operating test #1 of C2" in r.out and "2 sample(s) required" in r.out
    assert "sample #1 of C2 (2027-01-31): pass; 1 of 2 passed" in r.out
    assert "evidence #1" in r.out
    r = cli(
        "sample",
        "add",
        "C2",
        "--date",
        "2027-04-30",
        "--result",
        "exception",
        "--notes",
        "review not signed",
    )
    assert "exception" in r.out and "finding add C2 --sample 2" in r.out
    r = cli(
        "finding",
        "add",
        "C2",
        "--sample",
        "2",
        "--severity",
        "significant_deficiency",
        "--summary",
        "review not signed off",
        "--owner",
        "Bo",
        "--due",
        "2027-06-30",
    )
    assert r.code == 0 and f"finding #1 on C2 in {P}: significant deficiency, open" in r.out
    status = cli("status", "--lens", "operating", "--json").json()
    alpha = status["testing"]["frameworks"][0]
    # Issue 12: an exception in a quarterly control is a failure, not missing evidence, and
    # the `effective` status it contradicts is flagged.
    assert alpha["unsupported"] == 0 and alpha["contradicted"] == 1
    assert alpha["findings_open"]["significant_deficiency"] == 1
    r = cli("finding", "update", "1", "--status", "remediated", "--remediated-on", "2027-05-15")
    assert "remediated (remediated 2027-05-15)" in r.out
    assert f"period {P} is reported as a whole: what was found stays in it" in r.out
    cli("sample", "add", "C2", "--date", "2027-06-30", "--result", "pass", "--ref", "REV-6")
    r = cli("sample", "add", "C2", "--date", "2027-09-30", "--result", "pass", "--ref", "REV-9")
    assert "not effective for the operating lens" in r.out

    shown = cli("test", "show", "C2").out
    assert "Q1 2027-01-01 to 2027-03-31  covered" in shown
    assert "Q2 2027-04-01 to 2027-06-30  covered" in shown
    assert "conclusion: not effective" in shown
    assert "operating lens: not effective (contradicts the status effective)" in shown
    doc = cli("test", "show", "C2", "--json").json()
    assert doc["operating"]["sufficient"] is False and doc["coverage"]["ok"] is True
    assert doc["operating"]["verdict"] == "not_effective"
    assert doc["conclusions"]["operating"]["contradicted"] is True
    assert [s["result"] for s in doc["samples"]] == ["pass", "exception", "pass", "pass"]

    # Concluded as of a date instead, the remediation counts once it has run long enough
    # (quarterly: two quarters) before that date; here it has not.
    assert cli("period", "edit", P, "--as-of", "2027-09-30").code == 0
    doc = cli("test", "show", "C2", "--json").json()
    assert doc["operating"]["remediation"] == (
        "remediated on 2027-05-15: needs 2 samples over at least 2 quarters after the "
        "remediation before 2027-09-30; not met: operated 2 quarters only by 2027-11-15, after "
        "the as-of date 2027-09-30"
    )
    status = cli("status", "--lens", "operating", "--json").json()
    alpha = status["testing"]["frameworks"][0]
    assert alpha["backed_ids"] == [] and alpha["findings_open"]["significant_deficiency"] == 0
    assert alpha["deficiencies"]["significant_deficiency"] == 1  # it stands at the as-of date
    text = cli("status", "--lens", "operating").out
    assert "Control testing (operating lens)" in text and f"period {P}" in text
    assert "effective, contradicted by the tests: C2" in text

    r = cli("verify")
    assert r.code == 0 and "OK" in r.out
    history = cli("history", "C2").out
    assert "sample #4 2027-09-30 REV-9: pass added" in history
    assert "finding #1 (significant deficiency, remediated) updated" in history
    period_doc = cli("period", "show", "--json").json()
    row = period_doc["periods"][0]["controls"][0]
    assert row["control"] == "C2" and row["sufficient"] is False
    assert row["verdict"] == "not_effective" and row["uncovered_quarters"] == []


def test_undo_reverts_a_sample(cli: Cli, db: Path) -> None:
    _period(cli)
    cli("sample", "add", "C2", "--date", "2027-01-31", "--result", "pass")
    r = cli("undo")
    assert r.code == 0 and "sample #1" in r.out
    doc = cli("test", "show", "C2", "--json").json()
    assert doc["samples"] == [] and doc["operating_test"] is None
    assert cli("verify").code == 0
    r = cli("sample", "remove", "7")
    assert r.code == 2 and "no sample #7" in r.err


def test_coverage_names_the_missing_quarter(cli: Cli) -> None:
    _period(cli)
    cli(
        "evidence",
        "add",
        "C2",
        "Q1 pack",
        "--kind",
        "note",
        "--from",
        "2027-01-01",
        "--to",
        "2027-03-31",
    )
    cli("sample", "add", "C2", "--date", "2027-08-01", "--result", "pass")
    shown = cli("test", "show", "C2").out
    assert "Q2 2027-04-01 to 2027-06-30  no evidence or sample" in shown
    doc = cli("test", "show", "C2", "--json").json()
    assert doc["coverage"]["uncovered"] == ["Q2"] and doc["coverage"]["ok"] is False
    assert "Q2" in cli("period", "show", P).out


# -- findings ---------------------------------------------------------------------------------


def test_findings_roll_up_by_severity(cli: Cli) -> None:
    _period(cli)
    cli(
        "period",
        "add",
        "B27",
        "--framework",
        "beta",
        "--start",
        "2027-01-01",
        "--end",
        "2027-12-31",
    )
    cli("finding", "add", "C2", "--severity", "deficiency", "--summary", "late review")
    cli("finding", "add", "C4", "--severity", "material_weakness", "--summary", "no review")
    cli("finding", "add", "C6", "--severity", "significant_deficiency", "--summary", "gaps")
    r = cli("finding", "update", "1", "--status", "closed", "--notes", "not a deficiency")
    assert r.code == 0
    doc = cli("findings", "--open", "--json").json()
    assert [f["severity"] for f in doc["findings"]] == [
        "material_weakness",
        "significant_deficiency",
    ]
    by_fw = {f["framework"]: f for f in doc["frameworks"]}
    assert by_fw["beta"]["open"] == {
        "material_weakness": 1,
        "significant_deficiency": 1,
        "deficiency": 0,
    }
    assert (
        by_fw["beta"]["material_weakness"] is True and by_fw["alpha"]["material_weakness"] is False
    )
    assert by_fw["alpha"]["standing"]["deficiency"] == 1  # closing is not fixing (issue 12)
    text = cli("findings").out
    first = text.splitlines()[0]
    assert first == "Beta: 1 material weakness (#2 C4)"
    assert (
        "Beta: open 1 material weakness, 1 significant deficiency, 0 control deficiencies; standing in "
        "B27: 1 material weakness, 1 significant deficiency, 0 control deficiencies"
    ) in text
    status = cli("status").out
    assert status.splitlines()[0] == "Beta: 1 material weakness (#2 C4)"
    r = cli("finding", "update", "2", "--status", "remediated")  # default: today
    assert r.code == 0 and ", today" in r.out
    r = cli("finding", "update", "2")
    assert r.code == 2 and "nothing to change" in r.err
    r = cli("finding", "add", "C2", "--severity", "minor", "--summary", "x")
    assert r.code == 2 and "invalid choice: 'minor'" in r.err


def test_sox_material_weakness_means_icfr_is_not_effective(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "sox.db"

    def run(*args: str) -> tuple[int, str]:
        try:
            code = cli_run(["--db", str(db), *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        return code, capsys.readouterr().out

    assert (
        run(
            "period",
            "add",
            "FY2027",
            "--framework",
            "sox",
            "--start",
            "2027-01-01",
            "--end",
            "2027-12-31",
        )[0]
        == 0
    )
    code, out = run(
        "finding",
        "add",
        "AC-04",
        "--severity",
        "material_weakness",
        "--summary",
        "terminated users kept access",
    )
    assert code == 0 and "ICFR cannot be concluded effective" in out
    code, out = run("status")
    assert out.splitlines()[0] == (
        "SOX: 1 material weakness as of 2027-12-31 (#1 AC-04): ICFR is not effective"
    )
    code, out = run("period", "list", "--json")
    assert json.loads(out)["periods"][0]["as_of"] == "2027-12-31"  # SOX: as of the end


# -- sampling ---------------------------------------------------------------------------------


def test_sampling_prints_the_table_in_force(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = cli("sampling")
    assert r.code == 0 and "built-in table" in r.out
    assert re.search(r"^monthly +2 +3 +5 *$", r.out, re.MULTILINE)
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(cfg))
    (cfg / "sampling.yaml").write_text(
        "frequencies:\n  quarterly: {low: 3, moderate: 3, high: 4}\n"
    )
    doc = cli("sampling", "--control", "C2", "--json").json()
    assert doc["table"]["source"] == str(cfg / "sampling.yaml")
    assert doc["table"]["overridden"] == ["quarterly"] and doc["control"]["required"] == 3
    _period(cli)
    r = cli("test", "operating", "C2")
    assert "3 sample(s) required" in r.out and "(sampling.yaml)" in r.out
    (cfg / "sampling.yaml").write_text("frequencies:\n  quarterly: {low: two}\n")
    r = cli("sampling")
    assert r.code == 2 and f"{cfg / 'sampling.yaml'}:2:" in r.err
    r = cli("test", "operating", "C2", "--risk", "high")
    assert r.code == 2 and "sampling.yaml:2:" in r.err


# -- exports ----------------------------------------------------------------------------------


def test_exports_include_tests_samples_findings_and_coverage(cli: Cli, tmp_path: Path) -> None:
    _period(cli)
    cli("mark", "C2", "effective")
    cli("test", "design", "C2", "--date", "2027-01-15", "--by", "Ana", "--conclusion", "effective")
    cli("sample", "add", "C2", "--date", "2027-01-31", "--result", "pass")
    cli("sample", "add", "C2", "--date", "2027-02-28", "--result", "exception", "--notes", "late")
    cli("finding", "add", "C2", "--sample", "2", "--severity", "deficiency", "--summary", "late")
    out = tmp_path / "binder.md"
    assert cli("export", "-o", str(out), "--lens", "operating").code == 0
    md = out.read_text()
    assert f"| Audit periods | alpha: {P} (2027-01-01 to 2027-09-30); beta: none |" in md
    assert "## Control testing" in md and "### Effective, contradicted by the tests" in md
    assert (
        "- `C2`: open finding \\#1 (control deficiency); exception(s) \\#2 in a quarterly "
        "control: it did not operate effectively in the period"
    ) in md
    assert "#### Samples" in md and "### Findings" in md and "### Period coverage" in md
    assert "Q2 NOT covered" in md
    doc = json.loads(cli("export", "--format", "json", "-o", "-", "--lens", "operating").out)
    t = doc["testing"]
    assert t["backed_rule"] is True and t["current"] == {"alpha": P, "beta": None}
    assert t["controls"][0]["operating"]["exceptions_open"] == [2]
    assert t["controls"][0]["coverage"]["uncovered"] == ["Q2", "Q3"]
    assert t["findings"][0]["severity"] == "deficiency"
    assert doc["frameworks"][0]["controls_ready"] == 0  # unsupported: not counted as ready
    csv_text = cli("export", "--format", "csv", "-o", "-", "--lens", "operating").out
    import csv
    import io

    c2 = next(r for r in csv.DictReader(io.StringIO(csv_text)) if r["control"] == "C2")
    assert (c2["backing"], c2["tests"], c2["open_findings"]) == (
        "contradicted",
        f"{P}: design passed, 1/2 passed",
        "1",
    )
    html = cli("export", "--format", "html", "-o", "-", "--lens", "operating").out
    assert '<h2 id="testing">Control testing</h2>' in html and "<h3>Samples</h3>" in html
    assert "Q2 (2027-04-01 to 2027-06-30) has no evidence or sample" in html
    # The two binders show the same testing sections (one set of tables: testing_tables.py).
    for title in ("Tests", "Tests of design", "Samples", "Period coverage", "Findings"):
        assert f"<h3>{title}</h3>" in html and f"## {title}\n" in md
    assert "Q1 covered, Q2 NOT covered, Q3 NOT covered" in html
    assert "Q1 covered, Q2 NOT covered, Q3 NOT covered" in md
    xlsx = tmp_path / "review.xlsx"
    assert cli("export", "-o", str(xlsx)).code == 0
    from openpyxl import load_workbook

    sheets = load_workbook(xlsx).sheetnames
    assert {"Testing", "Tests", "Samples", "Findings"} <= set(sheets)
    # Every field of the testing section is documented in docs/json.md.
    documented = set(
        re.findall(
            r"`([a-z0-9_]+)`", (Path(__file__).parent.parent / "docs" / "json.md").read_text()
        )
    )

    def keys(obj: Any, found: set[str]) -> set[str]:
        if isinstance(obj, dict):
            for k, v in obj.items():
                found.add(k)
                keys(v, found)
        elif isinstance(obj, list):
            for item in obj:
                keys(item, found)
        return found

    from workbench.core.catalog.model import FREQUENCIES

    data_keys = {"alpha", "beta", *FREQUENCIES}  # framework ids and frequencies used as keys
    assert keys(t, set()) - documented - data_keys == set()
    for args in (
        ("test", "show", "C2", "--json"),
        ("period", "show", "--json"),
        ("findings", "--json"),
        ("sampling", "--control", "C2", "--json"),
        ("period", "list", "--json"),
    ):
        assert keys(cli(*args).json(), set()) - documented - data_keys == set(), args
