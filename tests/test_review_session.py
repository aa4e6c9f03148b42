"""Issue 13: a review session without friction. Each test presses real keys (or runs the
CLI) through one flow that stood in the way of a compliance manager's hour of use."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from textual.widgets import Checkbox, Input, Label, OptionList, Static

from workbench.core.browse import Filters, SearchIndex, apply_filters, sort_controls
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.prompts import EvidencePrompt, FilterPrompt, FindingPrompt, ScopePrompt
from workbench.tui.screens.testing import FindingsScreen, TestScreen
from workbench.tui.widgets.control_list import ControlList
from workbench.tui.widgets.framework_tree import FrameworkTree


def text_of(renderable: object, width: int = 200) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def body(widget: Static, width: int = 200) -> str:
    return text_of(widget.content, width)


def _two_periods(ws):  # type: ignore[no-untyped-def]
    """A shared control (SOC 2 and SOX) with one current period per framework."""
    cid = next(
        c
        for c, ctl in ws.catalog.controls.items()
        if ws.catalog.frameworks_of(c) == {"soc2", "sox"} and ctl.frequency == "quarterly"
    )
    ws.add_period("FY27 SOC2", ["soc2"], date(2027, 1, 1), date(2027, 12, 31), use=True)
    ws.add_period(
        "FY27 SOX",
        ["sox"],
        date(2027, 1, 1),
        date(2027, 12, 31),
        as_of=date(2027, 12, 31),
        use=True,
    )
    return cid


# -- testing in the app ------------------------------------------------------------------------


async def test_a_control_in_two_periods_is_tested_in_the_one_chosen(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    cid = _two_periods(ws)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        app.browse_screen.go_to_control(cid)
        await pilot.pause()
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, TestScreen)
        switcher = body(screen.query_one("#periods", Static))
        assert "FY27 SOC2" in switcher and "FY27 SOX" in switcher
        assert "No audit period" not in body(screen.query_one("#test-body", Static))
        first = screen.period.name  # type: ignore[union-attr]
        await pilot.press("a")
        screen_ = app.screen
        screen_.query_one("#sample-date", Input).value = "2027-03-31"
        await pilot.press("enter")
        await pilot.press("p")  # the other period
        second = screen.period.name  # type: ignore[union-attr]
        assert second != first
        await pilot.press("a")
        app.screen.query_one("#sample-date", Input).value = "2027-06-30"
        await pilot.press("enter")
        await pilot.press("w", "enter")  # a walkthrough, in the period shown
        await pilot.pause()
    samples = sorted((s.period, s.occurred_on.isoformat()) for s in ws.backing.records.samples)
    assert samples == sorted([(first, "2027-03-31"), (second, "2027-06-30")])
    assert [t.period for t in ws.backing.design_tests(cid)] == [second]


async def test_the_sample_dialog_takes_reference_result_notes_and_evidence(
    workspace_factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    cid = _two_periods(ws)
    proof = tmp_path / "ticket-17.pdf"
    proof.write_bytes(b"%PDF ticket")
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(TestScreen(ws, cid, "FY27 SOX"))
        await pilot.pause()
        await pilot.press("x")  # an exception
        dialog = app.screen
        dialog.query_one("#sample-date", Input).value = "2027-05-02"
        dialog.query_one("#sample-ref", Input).value = "CHG-17"
        dialog.query_one("#sample-evidence", Input).value = str(proof)
        await pilot.press("enter")  # no notes: an exception must say what went wrong
        assert "what went wrong" in str(dialog.query_one("#prompt-error", Label).content)
        dialog.query_one("#sample-notes", Input).value = "approved after the change"
        await pilot.press("enter")
        await pilot.pause()
    (sample,) = ws.backing.records.samples
    assert (sample.period, sample.ref, sample.result) == ("FY27 SOX", "CHG-17", "exception")
    assert sample.notes == "approved after the change" and sample.evidence_id is not None


async def test_a_finding_is_edited_in_the_app(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    cid = _two_periods(ws)
    ws.add_sample(
        cid, period="FY27 SOX", result="exception", occurred_on=date(2027, 2, 1), notes="x"
    )
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(TestScreen(ws, cid, "FY27 SOX"))
        await pilot.pause()
        await pilot.press("f")
        dialog = app.screen
        assert isinstance(dialog, FindingPrompt)
        # Every severity is seen whole at 80 columns, "material weakness" too.
        # (The button and its padding take cells too: "significant deficienc…" was cut at
        # 120x40 by a check that compared the label alone.)
        for radio in dialog.query("#finding-severity RadioButton"):
            needed = cell_len(str(radio.label)) + 4 + radio.styles.padding.width
            shown = radio.region.intersection(radio.parent.content_region)
            assert shown.right <= 80 and shown.width >= needed, (str(radio.label), shown)
        hint = dialog.query_one(".hint")
        assert hint.region.bottom <= 24
        dialog.query_one("#sev-material_weakness").value = True
        dialog.query_one("#finding-summary", Input).value = "Changes deployed unapproved"
        await pilot.press("enter")
        (finding,) = ws.backing.findings_of(cid, "FY27 SOX")
        assert finding.severity == "material_weakness" and finding.samples
        ws.add_finding(cid, severity="deficiency", summary="Minor", period="FY27 SOX")
        await pilot.press("escape", "F")
        assert isinstance(app.screen, FindingsScreen)
        # The count names the severity as the rows do (it said "deficiency", rows "control
        # deficiency").
        title = str(app.screen.query_one("#findings-title", Label).render())
        assert "open: material weakness 1, control deficiency 1" in title
        await pilot.press("e")
        dialog = app.screen
        dialog.query_one("#finding-owner", Input).value = "Ravi Patel"
        dialog.query_one("#finding-due", Input).value = "2027-09-30"
        dialog.query_one("#fst-remediating").value = True
        dialog.query_one("#finding-response", Input).value = "Approval gate added to the pipeline"
        await pilot.press("enter")
        await pilot.pause()
    (finding,) = [
        f for f in ws.backing.findings_of(cid, "FY27 SOX") if f.severity == "material_weakness"
    ]
    assert (finding.owner, finding.due, finding.status) == (
        "Ravi Patel",
        date(2027, 9, 30),
        "remediating",
    )
    assert finding.notes == "Approval gate added to the pipeline"


def test_design_untested_belongs_to_the_period_missing_its_walkthrough(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    cid = _two_periods(ws)
    ws.mark([cid], "effective")
    ws.record_design_test(
        cid,
        period="FY27 SOC2",
        performed_on=date(2027, 2, 1),
        performer="t",
        conclusion="effective",
    )
    assert cid not in {n.control_id for n in ws.backed("soc2").design_untested}
    (note,) = [n for n in ws.backed("sox").design_untested if n.control_id == cid]
    assert note.reasons == ("no test of design in period FY27 SOX",)


# -- dialogs and keys --------------------------------------------------------------------------


async def test_enter_applies_the_filter_dialog_from_a_checkbox(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f")
        dialog = app.screen
        assert isinstance(dialog, FilterPrompt)
        box = dialog.query_one("#st-effective", Checkbox)
        box.focus()
        await pilot.press("space")  # space toggles
        assert box.value and app.screen is dialog
        await pilot.press("enter")  # enter applies, even on a checkbox
        assert app.screen is app.browse_screen
        assert app.browse_screen.filters.statuses == {"effective"}
        # The whole dialog fits 80x24: its hint is on screen.
        await pilot.press("f")
        hint = list(app.screen.query(".hint"))[-1]
        assert hint.region.bottom <= 24 and hint.region.height >= 1


async def test_arrow_keys_move_between_the_scope_checkboxes(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        dialog = app.screen
        assert isinstance(dialog, ScopePrompt)
        dialog.query_one("#scope-0", Checkbox).focus()
        await pilot.press("down")
        assert dialog.focused is dialog.query_one("#scope-1", Checkbox)
        await pilot.press("up")
        assert dialog.focused is dialog.query_one("#scope-0", Checkbox)


async def test_evidence_is_never_turned_into_a_note_silently(workspace_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        cid = app.browse_screen.query_one(ControlList).current
        await pilot.press("v")
        dialog = app.screen
        assert isinstance(dialog, EvidencePrompt)
        # A path and a title typed in one burst into the reference field: refused, not a note.
        await pilot.press(*"/srv/evidence/q1 review.pdf Q1 access review")
        await pilot.press("enter")
        error = dialog.query_one("#prompt-error", Label)
        message = str(error.content)
        assert message.startswith("no such file") and "choose note" in message
        # The whole message fits the dialog: wrapped, never cut.
        assert error.region.height >= 2 and error.region.right <= 80
        assert app.screen is dialog and not ws.store.evidence(cid)
        dialog.query_one("#kind-note").value = True  # a note, chosen
        await pilot.press("enter")
        await pilot.pause(0.3)
    (item,) = ws.store.evidence(cid)
    assert item.kind == "note"


async def test_readiness_enter_acts_on_the_first_row_at_once(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        gaps = app.screen.query_one("#gaps", OptionList)
        expected = gaps.get_option_at_index(0).id.split("|")
        await pilot.press("enter")  # no Down first
        assert app.screen is app.browse_screen
        assert app.browse_screen.node == (expected[1], expected[2])


async def test_search_lands_on_the_best_match_at_the_top(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    idx = SearchIndex(ws.catalog)
    # Title matches before controls that only mention the word in their description.
    hits = idx.search("backup")
    assert "backup" in ws.catalog.controls[hits[0]].title.lower()
    assert all(c.startswith("AC-1") for c in idx.search("ac-1")[:3])
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        lst = app.browse_screen.query_one(ControlList)
        await pilot.press("a")  # all controls
        later = idx.search("review")[5]
        lst.move_to(later)  # the cursor on a control the search also finds, mid-list
        await pilot.press("slash", *"review")
        await pilot.pause()
        assert lst.cursor == 0 and lst.current == idx.search("review")[0]


# -- seeing why --------------------------------------------------------------------------------


async def test_the_operating_lens_detail_says_why(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    ws.set_lens("operating")
    fb = ws.backed("soc2")
    unsupported = fb.unsupported[0].control_id
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        app.browse_screen.go_to_control(unsupported)
        await pilot.pause()
        text = body(app.browse_screen.query_one("#detail-body", Static))
        concl = ws.backing.conclusion(unsupported, "effective", "operating")
        assert f"Why operating lens: {concl.label}" in text
        assert concl.reasons[0][:40] in text.replace("\n", " ")
        assert "not counted ready in the operating lens" in text  # the term's meaning


async def test_help_and_tooltips_explain_the_terms(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "sox via soc2" in str(app.browse_screen.query_one("#strip").tooltip)
        await pilot.press("question_mark")
        text = body(app.screen.query_one("#help-body", Static))
        for term in ("sox via soc2", "design untested", "effective, unsupported"):
            assert term in text


async def test_changed_and_missing_evidence_is_flagged(workspace_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    cid = next(iter(ws.catalog.controls))
    changed, gone = tmp_path / "policy.pdf", tmp_path / "log.csv"
    changed.write_text("v1")
    gone.write_text("rows")
    ws.add_evidence(cid, str(changed))
    ws.add_evidence(cid, str(gone))
    changed.write_text("v2 edited")
    gone.unlink()
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        app.browse_screen.go_to_control(cid)
        await pilot.pause()
        text = body(app.browse_screen.query_one("#detail-body", Static))
        assert "2 changed or missing since attached" in text
        assert "changed" in text and "missing" in text
        await pilot.press("r")
        await pilot.pause(0.5)
        listed = app.screen.query_one("#evidence", OptionList)
        assert listed.option_count == 2
    from workbench.core.reports import build_report, write_export

    report = build_report(ws.catalog, ws.store, ws.readiness)
    for fmt in ("md", "html", "csv", "json", "xlsx"):
        out = tmp_path / f"r.{fmt}"
        write_export(fmt, report, out, ws.store.path)
        if fmt == "xlsx":
            from openpyxl import load_workbook

            sheet = load_workbook(out)["Evidence"]
            words = {row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
            assert words == {"changed", "missing"}
        else:
            data = out.read_text()
            assert "changed" in data and "missing" in data, fmt
    doc = json.loads((tmp_path / "r.json").read_text())
    statuses = {e["status"] for c in doc["controls"] if c["control"] == cid for e in c["evidence"]}
    assert statuses == {"changed", "missing"}


# -- layout ------------------------------------------------------------------------------------


async def test_tree_names_groups_and_keeps_percentages_in_view(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        tree = app.browse_screen.query_one(FrameworkTree)
        for child in tree.root.children[0].children:
            label = str(child.label)
            _fw, gid = child.data
            assert not label.strip().startswith(gid), label  # the name, not "SECURITY Security"
            assert label.strip().split()[0].endswith("%") or label.startswith("out")


async def test_80x24_shows_the_lens_and_the_whole_footer(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        strip = app.browse_screen.query_one("#strip", Static)
        assert (
            text_of(strip.content, 78).startswith(" design lens")
            or "design lens" in text_of(strip.content, 78).splitlines()[0][:20]
        )
        keys = list(app.browse_screen.query("FooterKey"))
        assert keys and max(k.region.right for k in keys) <= 80
        assert {"Lens", "Quit"} <= {k.description for k in keys}


async def test_requirement_pane_keeps_one_line_per_control_at_80(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        app.browse_screen.go_to_requirement("soc2", "CC6.1")
        await pilot.pause()
        pane = app.browse_screen.query_one("#detail-body", Static)
        lines = body(pane, pane.region.width).splitlines()
        start = lines.index(next(line for line in lines if line.startswith("Controls")))
        rows = [line for line in lines[start + 1 :] if line.strip()]
        ids = ws.catalog.controls_for("soc2", "CC6.1")
        assert len(rows) == len(ids) and all(r.split()[0] in ids for r in rows)


async def test_owner_and_due_columns_at_120(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        header = str(app.browse_screen.query_one("#list-header", Static).content)
        assert "Owner" in header and "Due" in header


async def test_sort_and_the_mine_and_overdue_filters(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    ids = list(ws.catalog.controls)[:4]
    ws.update([ids[2]], owner="tester", due=date(2020, 1, 1))
    ws.update([ids[0]], owner="someone else", due=date(2020, 1, 1))
    ws.mark([ids[0]], "effective")  # done: never overdue
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        lst = app.browse_screen.query_one(ControlList)
        await pilot.press("a")
        await pilot.press("m")  # mine: the actor is "tester"
        assert lst.rows == [ids[2]]
        await pilot.press("m", "exclamation_mark")  # overdue
        assert lst.rows == [ids[2]]
        await pilot.press("exclamation_mark", "O", "O", "O")  # by due date
        assert app.browse_screen.sort == "due"
        assert set(lst.rows[:2]) == {ids[0], ids[2]}
    states = ws.states()
    by_owner = sort_controls(ids, "owner", ws.readiness, states)
    assert by_owner[:2] == [ids[0], ids[2]]
    by_status = sort_controls(ids, "status", ws.readiness, states)
    assert by_status[-1] == ids[0]
    assert apply_filters(ids, Filters(overdue=True), ws.readiness, states, actor="x") == [ids[2]]
    ws.update([ids[1]], owner="Dana Lee")  # the actor dana.lee owns what "Dana Lee" owns
    mine = apply_filters(ids, Filters(mine=True), ws.readiness, ws.states(), actor="dana.lee")
    assert mine == [ids[1]]


# -- CLI ---------------------------------------------------------------------------------------


def test_cli_next_fits_120_columns(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rich.cells import cell_len

    from workbench.cli import run as main

    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "wb.db"))
    from workbench.core.store import Store

    Store.open(tmp_path / "wb.db").close()
    buf = io.StringIO()
    monkeypatch.setattr("sys.stdout", buf)
    assert main(["next"]) == 0
    lines = buf.getvalue().splitlines()
    assert lines and max(cell_len(line) for line in lines) <= 120


def test_cli_scope_shows_and_sets_the_soc2_categories(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from workbench.cli import run as main

    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "wb.db"))
    with pytest.raises(SystemExit):
        main(["scope", "--help"])
    assert "SOC 2 categories" in capsys.readouterr().out
    assert main(["scope", "--out", "soc2", "PRIVACY"]) == 0
    capsys.readouterr()
    assert main(["scope", "--json"]) == 0
    rows = {(r["framework"], r["id"]): r for r in json.loads(capsys.readouterr().out)["optional"]}
    assert rows[("soc2", "PRIVACY")]["in_scope"] is False
    assert rows[("soc2", "AVAILABILITY")]["in_scope"] is True


def test_xlsx_links_urls_and_html_has_contents(workspace_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from workbench.core.reports import build_report, write_export

    ws = workspace_factory()
    cid = next(iter(ws.catalog.controls))
    ws.add_evidence(cid, "https://wiki.example/runbook", title="Runbook")
    report = build_report(ws.catalog, ws.store, ws.readiness)
    write_export("xlsx", report, tmp_path / "r.xlsx", ws.store.path)
    sheet = load_workbook(tmp_path / "r.xlsx")["Evidence"]
    cell = next(
        c
        for row in sheet.iter_rows(min_row=2)
        for c in row
        if c.value == "https://wiki.example/runbook"
    )
    assert cell.hyperlink is not None and cell.hyperlink.target == "https://wiki.example/runbook"
    write_export("html", report, tmp_path / "r.html", ws.store.path)
    html = (tmp_path / "r.html").read_text()
    toc = html[html.index('<nav id="contents"') : html.index("</nav>")]
    assert 'href="#gaps"' in toc and f'href="#control-{cid}"' in toc


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("key", ["v", "f", "s", "o", "x"])
async def test_every_dialog_hint_is_shown_whole(workspace_factory, size, key) -> None:  # type: ignore[no-untyped-def]
    """The evidence dialog's hint ended "escape: canc" at 120x40: a hint wraps, never cut."""
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=size) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert app.screen is not app.browse_screen
        hints = list(app.screen.query(".hint"))
        assert hints
        for hint in hints:
            text = str(hint.render())
            region = hint.region
            box = hint.parent.content_region  # what the dialog shows of it
            shown = region.intersection(box)
            assert shown.width * shown.height >= cell_len(text), (text, region, box)
            assert region.bottom <= size[1]


async def test_choices_in_a_form_by_keys_alone_then_enter_saves(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    """A walk in tmux found enter dead on a form's choice: with the finding's status focused,
    right, space, enter left the dialog open (the RadioSet took enter). Keys only here."""
    ws = workspace_factory()
    cid = _two_periods(ws)
    ws.add_sample(cid, result="exception", occurred_on=date(2027, 5, 2), notes="late",
                  period="FY27 SOX")  # fmt: skip
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(TestScreen(ws, cid, "FY27 SOX"))
        await pilot.pause()
        await pilot.press("f", *"Late approvals")  # a new finding: the summary has focus
        await pilot.press("shift+tab")  # back to the severities
        await pilot.press("down", "space")  # significant deficiency
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TestScreen)
        (finding,) = ws.backing.findings_of(cid, "FY27 SOX")
        assert (finding.severity, finding.summary) == ("significant_deficiency", "Late approvals")
        await pilot.press("u")  # edit it: the owner has focus
        await pilot.press("shift+tab", "right", "space", "enter")  # status: remediating
        await pilot.pause()
        assert isinstance(app.screen, TestScreen)
        (finding,) = ws.backing.findings_of(cid, "FY27 SOX")
        assert finding.status == "remediating"
        await pilot.press("escape")
        await pilot.pause()
        app.browse_screen.go_to_control(cid)
        await pilot.press("v", *"https://wiki.example/approvals")
        await pilot.press("shift+tab", "right", "space", "enter")  # kind: URL, then save
        await pilot.pause()
        assert app.screen is app.browse_screen
    (item,) = ws.store.evidence(cid)
    assert (item.kind, item.ref) == ("url", "https://wiki.example/approvals")


def test_cli_status_by_category_fits_80_columns_with_names_said_once(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """At 80 columns `status --by category` cut its "ctl ready" column ("54/76" showed as
    "54") and named groups twice ("SECURITY Security")."""
    from workbench.cli import run as main
    from workbench.core.store import Store

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "wb.db"))
    Store.open(tmp_path / "wb.db").close()
    buf = io.StringIO()
    monkeypatch.setattr("sys.stdout", buf)
    assert main(["status", "--by", "category"]) == 0
    text = buf.getvalue()
    assert "ctl ready" in text and "SECURITY Security" not in text
    rows = [line.split() for line in text.splitlines() if line.startswith(("SOC 2", "SOX "))]
    assert len(rows) == 2 and all("/" in row[-1] for row in rows), rows
    assert "  Security " in text and "  ITGC IT general controls" in text


async def test_readiness_names_each_group_once(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        shown = app.export_screenshot().replace("&#160;", " ")
    assert "SECURITY" not in shown and "PROCESSING-INTEGRITY" not in shown
    assert "Security" in shown and "CC1 Control Environment" in shown


def _screen_lines(svg: str) -> list[str]:
    """The text of a Textual SVG screenshot, line by line (each segment at its column)."""
    import html

    cell = 12.2  # the width of one cell in Textual's SVG export
    rows: dict[float, dict[int, str]] = {}
    pattern = r'<text class="terminal-[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>'
    for x, y, text in re.findall(pattern, svg):
        rows.setdefault(float(y), {})[round(float(x) / cell)] = html.unescape(text)
    lines = []
    for _, parts in sorted(rows.items()):
        line = ""
        for col, text in sorted(parts.items()):
            line = line.ljust(col) + text.replace("\xa0", " ")
        lines.append(line)
    return lines


async def test_readiness_gap_rows_keep_their_count_whole(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    """A long requirement title pushed "0/1 ready" onto a second line of its gap row."""
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        lines = _screen_lines(app.export_screenshot())
    gap_rows = [line for line in lines if re.search(r"▊ (gap|partial|deficient) ", line)]
    assert len(gap_rows) >= 3
    assert all(re.search(r"\d+/\d+ ready", row) for row in gap_rows), gap_rows
