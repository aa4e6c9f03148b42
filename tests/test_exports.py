"""Exports: golden files for every format on fixture data, plus the safety properties.

Golden files live in tests/golden/. Regenerate them after an intended change with

    UPDATE_GOLDEN=1 pytest tests/test_exports.py

and review the diff. The fixture data: the mini catalog (tests/fixtures/catalogs/mini.yaml), a
store whose clock is frozen (so timestamps and the history head hash are stable), a few marks
with owners, due dates and notes, evidence with periods, a not_applicable control with a
justification, the optional group alpha/OPT switched out of scope, and one orphaned state.
alpha and beta play the shared-control pair that soc2 and sox play in real use.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from workbench.core.catalog import CatalogSet
from workbench.core.readiness import Readiness, Scope
from workbench.core.reports import (
    FORMATS,
    ExportError,
    Report,
    atomic_write,
    build_report,
    render,
    render_csv,
    render_html,
    render_json,
    render_md,
    to_dict,
    write_export,
)
from workbench.core.reports.csv_export import COLUMNS, neutralise
from workbench.core.store import Store

MINI_CATALOG = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
GENERATED_AT = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
DATABASE = "/records/golden.db"  # stands in for the temporary database path
CLOCK_START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

EVIDENCE_URL = "https://grc.example.com/reviews/q1?team=ops&view=<all>"
FINDING_URL = 'https://tickets.example.com/browse/OPS-42?q="deficient"'
HOSTILE_URL = "javascript://%0Aalert(document.cookie)"
C1_NOTES = "Reviewed with [bold]internal audit[/bold].\n<script>alert('x')</script> stays text"
C2_OWNER = '=HYPERLINK("x","y")'
C3_JUSTIFICATION = "No <b>card payments</b> [red]in scope[/red] & never stored"
C4_NOTES = "+1 555 0100 is the on-call line\n- follow up in May"


# ---------------------------------------------------------------------------------------------
# Fixture data


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every store write happens one minute after the previous one, from CLOCK_START."""
    import workbench.core.store.store as store_module

    ticks = iter(range(1, 10_000))

    class Clock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            moment = CLOCK_START + timedelta(minutes=next(ticks))
            return moment if tz is None else moment.astimezone(tz)

    monkeypatch.setattr(store_module, "datetime", Clock)


def seed(store: Store) -> None:
    """The marks, owners, notes and evidence every golden file shows."""
    store.set_setting("scope.alpha.OPT", "out", actor="ana")
    store.mark(["C1"], "effective", actor="ana", owner="Ana Lopez", due=date(2025, 6, 30))
    store.update("C1", actor="ana", notes=C1_NOTES)
    store.add_evidence(
        "C1",
        EVIDENCE_URL,
        actor="ana",
        title="Q1 access review <signed>",
        effective_from=date(2025, 1, 1),
        effective_to=date(2025, 3, 31),
    )
    store.add_evidence(
        "C1", "Walkthrough with the CFO", actor="ana", kind="note", effective_from=date(2025, 2, 1)
    )
    store.mark(["C2"], "in_progress", actor="bo", owner=C2_OWNER, due=date(2025, 5, 15))
    store.add_evidence("C2", HOSTILE_URL, actor="bo", title="Odd link")
    dropped = store.add_evidence("C2", "superseded draft", actor="bo", kind="note")
    store.remove_evidence(dropped.id, actor="bo")
    store.mark(["C3"], "not_applicable", actor="ana", justification=C3_JUSTIFICATION)
    store.mark(["C4"], "deficient", actor="bo", owner="@ops-team", note=C4_NOTES)
    store.add_evidence(
        "C4", FINDING_URL, actor="bo", title="Finding OPS-42", effective_to=date(2025, 3, 1)
    )
    store.mark(["C5"], "implemented", actor="ana")
    store.mark(["ZZ-9"], "effective", actor="ana", owner="left over")  # orphaned state


@pytest.fixture
def seeded(tmp_path: Path, frozen_clock: None) -> Iterator[Store]:
    store = Store.open(tmp_path / "golden.db")
    try:
        seed(store)
        yield store
    finally:
        store.close()


def readiness_for(catalog: CatalogSet, store: Store, lens: str = "design") -> Readiness:
    return Readiness(
        catalog,
        {cid: st.status.value for cid, st in store.states().items()},
        lens=lens,
        scope=Scope.from_settings(store.settings()),
        pair=("alpha", "beta"),
    )


@pytest.fixture
def report(mini: CatalogSet, seeded: Store) -> Report:
    return build_report(
        mini,
        seeded,
        readiness_for(mini, seeded),
        generated_at=GENERATED_AT,
        database=DATABASE,
    )


# ---------------------------------------------------------------------------------------------
# Golden files


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"missing golden file {path}: run UPDATE_GOLDEN=1 pytest {__file__}"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


TEXT_RENDERERS: dict[str, Callable[[Report], str]] = {
    "md": render_md,
    "csv": render_csv,
    "json": render_json,
    "html": render_html,
}


@pytest.mark.parametrize("fmt", sorted(TEXT_RENDERERS))
def test_golden_text_formats(report: Report, fmt: str) -> None:
    check_golden(f"report.{fmt}", TEXT_RENDERERS[fmt](report))


def xlsx_contents(data: bytes) -> dict[str, Any]:
    """Sheet by sheet: frozen cell, filter range and every row's values (dates as text)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))

    def value(v: Any) -> Any:
        if isinstance(v, datetime):
            return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
        return v

    return {
        "sheets": [
            {
                "title": ws.title,
                "freeze": ws.freeze_panes,
                "filter": ws.auto_filter.ref,
                "rows": [[value(v) for v in row] for row in ws.iter_rows(values_only=True)],
            }
            for ws in wb.worksheets
        ]
    }


def test_golden_xlsx(report: Report) -> None:
    contents = xlsx_contents(render(fmt="xlsx", report=report))
    check_golden("report.xlsx.json", json.dumps(contents, indent=1, ensure_ascii=False) + "\n")


def test_xlsx_headers_are_styled_frozen_and_filtered(report: Report) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(render("xlsx", report)))
    assert wb.sheetnames == ["Summary", "alpha", "beta", "Controls", "Evidence", "Gaps", "Next"]
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None and ws.auto_filter.ref, ws.title
        header_row = int(re.sub(r"\D", "", ws.freeze_panes)) - 1
        header = [c for c in ws[header_row] if c.value is not None]
        assert header and all(c.font.bold for c in header), ws.title
        assert all(c.fill.fgColor.rgb.endswith("37474F") for c in header), ws.title
        assert ws.auto_filter.ref.startswith(f"A{header_row}:")
        widths = [d.width for d in ws.column_dimensions.values()]
        assert widths and all(6 <= w <= 60 for w in widths), ws.title


# ---------------------------------------------------------------------------------------------
# What every export must say


def export_text(fmt: str, report: Report) -> str:
    data = render(fmt, report)
    if fmt not in ("xlsx", "rcm"):  # rcm: the risk-control matrix, a workbook too
        return data.decode("utf-8")
    contents = xlsx_contents(data)
    return "\n".join(
        str(v) for sheet in contents["sheets"] for row in sheet["rows"] for v in row if v
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_names_catalog_versions_database_time_and_head(
    mini: CatalogSet, seeded: Store, fmt: str
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    rep = build_report(mini, seeded, readiness_for(mini, seeded))  # real path, real time
    text = export_text(fmt, rep)
    assert seeded.path is not None
    assert rep.meta.database == str(seeded.path)
    assert rep.meta.generated_at >= before
    assert rep.meta.head_hash == seeded.head_hash() and rep.meta.head_hash != "0" * 64
    if fmt == "json":
        doc = json.loads(text)
        assert doc["catalogs"] == [{"id": "mini", "title": "Mini test catalog", "version": "1"}]
        assert doc["database"] == str(seeded.path)
        assert doc["head_hash"] == seeded.head_hash()
        assert doc["generated_at"] == rep.meta.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return
    assert str(seeded.path) in text
    assert seeded.head_hash() in text
    assert rep.meta.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ") in text
    assert ("mini 1" if fmt == "csv" else "Mini test catalog, version 1") in text


def test_report_content(report: Report) -> None:
    alpha = report.framework("alpha")
    assert alpha.figures.counts == {
        "partial": 1,
        "not_applicable": 1,
        "unmapped": 1,
        "out_of_scope": 1,
    }
    assert report.meta.scope_excluded == (("alpha", "OPT", "switched out of scope"),)
    assert report.shared is not None and report.shared.controls == ("C1",)
    c1, c2, c3, c4, c5, c6 = report.controls
    assert (c1.owner, c1.due, c1.notes) == ("Ana Lopez", date(2025, 6, 30), C1_NOTES)
    assert [e.period for e in c1.evidence] == ["2025-01-01 to 2025-03-31", "from 2025-02-01"]
    assert [e.ref for e in c2.evidence] == [HOSTILE_URL]  # the removed note is left out
    assert c3.status == "not_applicable" and c3.justification == C3_JUSTIFICATION
    assert c3.last_change is not None and c3.last_change.fields == ("status", "justification")
    assert c4.evidence[0].period == "until 2025-03-01"
    assert c5.frameworks == ()  # maps only to the out-of-scope O1
    assert c6.version == 0 and c6.last_change is None
    assert [(o.control_id, o.status) for o in report.orphans] == [("ZZ-9", "effective")]
    assert [(g.framework_id, g.requirement_id, g.state) for g in report.gaps] == [
        ("beta", "B2", "deficient"),
        ("alpha", "A3", "unmapped"),
        ("alpha", "A1", "partial"),
    ]


def test_report_is_one_snapshot_even_if_the_store_changes_meanwhile(
    mini: CatalogSet, seeded: Store
) -> None:
    """A write between the two head reads makes the snapshot start again."""
    stale = readiness_for(mini, seeded)

    class Racing:
        def __init__(self, store: Store) -> None:
            self._store = store
            self.raced = False

        def __getattr__(self, name: str) -> Any:
            return getattr(self._store, name)

        def states(self) -> Any:
            if not self.raced:
                self.raced = True
                self._store.mark(["C6"], "effective", actor="someone-else")
            return self._store.states()

    racing = Racing(seeded)
    rep = build_report(mini, racing, stale)  # type: ignore[arg-type]
    assert racing.raced
    assert rep.meta.head_hash == seeded.head_hash()
    c6 = next(c for c in rep.controls if c.id == "C6")
    assert c6.status == "effective" and c6.ready
    # figures come from the snapshot, not from the stale readiness passed in
    assert rep.framework("beta").figures.controls_ready == 2


def test_lens_changes_readiness(mini: CatalogSet, seeded: Store) -> None:
    design = build_report(mini, seeded, readiness_for(mini, seeded, "design"))
    operating = build_report(mini, seeded, readiness_for(mini, seeded, "operating"))
    assert next(c for c in design.controls if c.id == "C5").ready
    assert not next(c for c in operating.controls if c.id == "C5").ready
    assert to_dict(operating)["lens"] == "operating"
    assert "operating (a control is ready when effective)" in render_md(operating)


def test_empty_database(mini: CatalogSet, tmp_path: Path) -> None:
    with Store.open(tmp_path / "empty.db") as store:
        rep = build_report(mini, store, Readiness(mini, {}))
    assert rep.meta.head_hash == "0" * 64
    assert rep.shared is None  # the mini catalog has no soc2/sox pair
    md = render_md(rep)
    assert "do not define both `soc2` and `sox`" in md
    assert "**Last change:** never" in md
    for fmt in FORMATS:
        assert render(fmt, rep)


# ---------------------------------------------------------------------------------------------
# CSV: formula injection, encoding, shape


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1 555", "'+1 555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\\x0dx"),  # a raw CR is a control character: shown, not kept (issue 11)
        ("a=b", "a=b"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


def test_csv_neutralises_formulas_and_keeps_text(report: Report) -> None:
    text = render_csv(report)
    assert not text.startswith("\ufeff")  # no byte-order mark
    assert text.split("\r\n", 1)[0] == ",".join(COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    by_control = {r["control"]: r for r in rows}
    assert by_control["C2"]["owner"] == "'" + C2_OWNER
    assert by_control["C4"]["owner"] == "'@ops-team"
    assert by_control["C4"]["notes"] == "'" + C4_NOTES  # newlines kept inside the quoted cell
    assert by_control["C1"]["notes"] == C1_NOTES
    assert by_control["C3"]["justification"] == C3_JUSTIFICATION


def test_csv_one_row_per_mapping(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(report), newline="")))
    pairs = [(r["control"], r["framework"], r["requirement"]) for r in rows]
    assert pairs == [
        ("C1", "alpha", "A1"),
        ("C1", "beta", "B1"),
        ("C2", "alpha", "A1"),
        ("C3", "alpha", "A2"),
        ("C4", "beta", "B2"),
        ("C5", "alpha", "O1"),
        ("C6", "beta", "B2"),
    ]
    assert {r["report_head_hash"] for r in rows} == {report.meta.head_hash}
    assert {r["requirement_state"] for r in rows if r["requirement"] == "O1"} == {"out_of_scope"}


def test_xlsx_cells_hold_any_text() -> None:
    from workbench.core.reports.xlsx import CELL_MAX, _text

    # control characters are shown as escapes, not dropped (issue 11)
    assert _text("bell\x07 and nul\x00 shown\ttab kept") == "bell\\x07 and nul\\x00 shown\ttab kept"
    long = _text("x" * (CELL_MAX + 10))
    assert len(long) == CELL_MAX and long.endswith("[truncated: the JSON export has the full text]")


def test_xlsx_never_writes_formulas(report: Report) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(render("xlsx", report)))
    ws = wb["Controls"]
    owners = {row[0].value: row[6] for row in ws.iter_rows(min_row=2)}
    assert owners["C2"].value == C2_OWNER
    assert owners["C2"].data_type == "s" and owners["C2"].quotePrefix
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row)


# ---------------------------------------------------------------------------------------------
# HTML and Markdown: self-contained, escaped


def test_html_fetches_nothing_and_links_only_user_evidence(report: Report) -> None:
    from html import escape

    page = render_html(report)
    assert 'http-equiv="Content-Security-Policy"' in page
    assert "default-src 'none'" in page
    lowered = page.lower()
    for banned in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url("):
        assert banned not in lowered, banned
    assert "src=" not in lowered
    entered = [escape(u, quote=True) for u in (EVIDENCE_URL, FINDING_URL)]
    rest = page
    for url in entered:
        assert f'href="{url}"' in page
        rest = rest.replace(url, "")
    assert not re.search(r"https?:", rest, re.IGNORECASE), "an http(s) reference nobody entered"
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert all(h.startswith("#") or h in entered for h in hrefs), hrefs
    assert 'href="javascript' not in lowered  # a non-web "URL" is shown as text
    assert escape(HOSTILE_URL) in page


def test_markup_looking_text_is_literal(report: Report) -> None:
    page = render_html(report)
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "[bold]internal audit[/bold]" in page
    assert "No &lt;b&gt;card payments&lt;/b&gt; [red]in scope[/red] &amp; never stored" in page
    assert "First [bold]requirement[/]" in page

    md = render_md(report)
    assert "<script>" not in md and "<b>" not in md
    assert r"\<script\>alert('x')\</script\>" in md
    assert r"\[bold\]internal audit\[/bold\]" in md
    assert r"First \[bold\]requirement\[/\]" in md
    assert r"> \- follow up in May" in md  # would otherwise start a list
    assert r"> \+1 555 0100" in md

    doc = json.loads(render_json(report))
    c1 = next(c for c in doc["controls"] if c["control"] == "C1")
    assert c1["notes"] == C1_NOTES  # data formats keep the text exactly
    assert doc["frameworks"][0]["requirements"][0]["title"] == "First [bold]requirement[/]"


def test_hostile_text_everywhere_is_escaped(mini: CatalogSet, tmp_path: Path) -> None:
    nasty = '"><script src="https://evil.example/x.js"></script><img src=x onerror=alert(1)>'
    with Store.open(tmp_path / "nasty.db") as store:
        store.mark(["C1"], "effective", actor=nasty, owner=nasty, note=nasty)
        store.add_evidence("C1", nasty, actor="x", kind="note", title=nasty)
        rep = build_report(mini, store, Readiness(mini, {}))
    page = render_html(rep)
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert 'src="https' not in page
    md = render_md(rep)
    assert not re.search(r"(?<!\\)<(script|img)", md), "an unescaped tag in Markdown"
    assert r'\<script src="https://evil.example/x.js"\>' in md


# ---------------------------------------------------------------------------------------------
# Writing files


def test_write_export_replaces_atomically(report: Report, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.md"
    target.write_text("old")
    target.chmod(0o640)
    size = write_export("md", report, target)
    assert target.read_bytes() == render_md(report).encode("utf-8") and size > 0
    assert target.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode
    assert sorted(p.name for p in folder.iterdir()) == ["out.md"]


def test_failed_write_leaves_no_partial_file(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.json"
    target.write_text("previous export")

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ExportError, match="No space left on device"):
        write_export("json", report, target)
    assert target.read_text() == "previous export"
    assert sorted(p.name for p in folder.iterdir()) == ["out.json"]


def test_failed_render_leaves_the_old_file(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.core import reports

    def boom(_report: Report) -> bytes:
        raise RuntimeError("renderer bug")

    monkeypatch.setitem(reports.RENDERERS, "html", boom)
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.html"
    target.write_text("previous export")
    with pytest.raises(RuntimeError):
        write_export("html", report, target)
    assert target.read_text() == "previous export"
    assert sorted(p.name for p in folder.iterdir()) == ["out.html"]


def test_atomic_write_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="it is a folder"):
        atomic_write(tmp_path, b"x")
    with pytest.raises(ExportError, match="does not exist"):
        atomic_write(tmp_path / "missing" / "x.md", b"x")
    with pytest.raises(ExportError, match="unknown export format"):
        render("pdf", None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# The command


def cli(*args: str) -> int:
    from workbench.cli import run

    return run(["--catalogs", str(MINI_CATALOG), *args])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    with Store.open(path) as store:
        store.mark(["C1"], "effective", actor="ana", owner="Ana")
        store.mark(["C5"], "implemented", actor="ana")
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_exports_each_format(
    db: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"binder.{fmt}"
    assert cli("--db", str(db), "export", "--format", fmt, "-o", str(out)) == 0
    assert out.stat().st_size > 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"wrote {out} ({fmt}, ")
    assert "control(s), design lens, history head " in printed


def test_cli_format_from_extension(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "binder.JSON"
    assert cli("--db", str(db), "export", "-o", str(out)) == 0
    assert json.loads(out.read_text())["schema"] == "workbench.export/1"


def test_cli_writes_to_stdout(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("--db", str(db), "export", "--format", "json", "-o", "-") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "workbench.export/1"
    assert cli("--db", str(db), "export", "-o", "-") == 2
    assert "needs --format" in capsys.readouterr().err


def test_cli_lens_is_for_this_export_only(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "op.json"
    assert cli("--db", str(db), "export", "--lens", "operating", "-o", str(out)) == 0
    doc = json.loads(out.read_text())
    assert doc["lens"] == "operating"
    assert {c["control"]: c["ready"] for c in doc["controls"]}["C5"] is False
    with Store.open(db) as store:
        assert "lens" not in store.settings()


def test_cli_bad_format_exits_2(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli("--db", str(db), "export", "--format", "pdf", "-o", str(tmp_path / "x.pdf"))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'pdf'" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("x.pdf", "cannot tell the format from"),
        ("missing/x.md", "does not exist"),
        (".", "it is a folder"),
    ],
)
def test_cli_bad_output_exits_2(
    db: Path,
    tmp_path: Path,
    output: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli("--db", str(db), "export", "-o", str(tmp_path / output)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write anywhere"
)
def test_cli_unwritable_folder_exits_2(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert cli("--db", str(db), "export", "-o", str(locked / "x.md")) == 2
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err
    assert list(locked.iterdir()) == []


def test_cli_permission_denied_exits_2(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same path as an unwritable folder, also when the tests run as root."""
    real_open = os.open

    def refuse_temp_files(path: Any, flags: int, mode: int = 0o777) -> int:
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", refuse_temp_files)
    out = tmp_path / "x.csv"
    assert cli("--db", str(db), "export", "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert f"cannot write {out}: Permission denied" in err and "Traceback" not in err
    assert not out.exists()


def test_cli_missing_database_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.db"
    assert cli("--db", str(missing), "export", "-o", str(tmp_path / "x.md")) == 2
    assert f"no database at {missing}" in capsys.readouterr().err
    assert not missing.exists()  # an export never creates a database


def test_cli_formats_match_core() -> None:
    from workbench.cli.export_cmd import FORMATS as CLI_FORMATS

    assert CLI_FORMATS == FORMATS


# ---------------------------------------------------------------------------------------------
# docs/json.md documents every field


def _keys(obj: Any, out: set[str]) -> set[str]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            out.add(key)
            _keys(value, out)
    elif isinstance(obj, list):
        for item in obj:
            _keys(item, out)
    return out


def test_json_doc_lists_every_field(
    report: Report, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "json.md").read_text()
    documented = set(re.findall(r"`([a-z0-9_]+)`", doc))
    export_keys = _keys(to_dict(report), set())
    export_keys -= {"alpha", "beta"}  # framework ids used as keys in to_met / to_partial
    assert export_keys - documented == set()
    capsys.readouterr()
    assert cli("--db", str(db), "status", "--json", "--by", "category") == 0
    status_keys = _keys(json.loads(capsys.readouterr().out), set())
    assert status_keys - documented == set()
