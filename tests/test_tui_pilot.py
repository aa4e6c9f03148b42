"""Pilot tests: real key presses against the app on the bundled catalogs and a temp database."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys

import pytest
from rich.console import Console
from textual.widgets import Input, Label, OptionList, Static

from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.browse import BrowseScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.readiness import ReadinessScreen
from workbench.tui.widgets.control_list import ControlList


def _list(app: WorkbenchApp) -> ControlList:
    return app.browse_screen.query_one(ControlList)


def _req_text(ws, m) -> str:  # type: ignore[no-untyped-def]
    node = ws.catalog.requirement(m.framework_id, m.requirement_id)
    return f"{node.id} {node.title} {node.description}".lower()


def text_of(widget: Static) -> str:
    """The plain text a Static shows (its Rich content rendered without styles)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def test_mark_one_updates_store_and_readiness(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        first = _list(app).current
        assert first is not None
        before = ws.readiness.figures("soc2").controls_ready
        await pilot.press("e")
        assert ws.store.state(first).status == "effective"
        assert ws.readiness.figures("soc2").controls_ready == before + 1
        strip = text_of(app.browse_screen.query_one("#strip"))
        assert "1/" in strip  # shared controls ready count moved in the same refresh
        assert "effective" in text_of(app.browse_screen.query_one("#detail-body")).lower()


async def test_mark_many_with_selection(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = _list(app).rows[:3]
        await pilot.press("space", "space", "space", "i")
        assert [ws.store.state(c).status for c in rows] == ["implemented"] * 3
        actions = {e.action for e in ws.store.history()}
        assert len(actions) == 1  # one user action, one transaction
        assert not _list(app).selected
        # select all visible, then mark: every visible row changes
        await pilot.press("asterisk", "p")
        assert all(ws.store.state(c).status == "in_progress" for c in _list(app).rows)


async def test_not_applicable_asks_for_justification(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        cid = _list(app).current
        await pilot.press("x")
        await pilot.press("enter")  # empty: refused, prompt stays
        assert text_of(app.screen.query_one("#prompt-error")).strip()
        await pilot.press("escape")
        assert ws.store.state(cid).status == "not_started"
        await pilot.press("x")
        await pilot.press(*"Cloud only")
        await pilot.press("enter")
        state = ws.store.state(cid)
        assert state.status == "not_applicable" and state.justification == "Cloud only"


async def test_undo_restores_previous_status(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        cid = _list(app).current
        await pilot.press("e", "d")
        assert ws.store.state(cid).status == "deficient"
        await pilot.press("z")
        assert ws.store.state(cid).status == "effective"
        assert ws.readiness.status(cid) == "effective"
        assert ws.store.verify().ok


async def test_undo_never_overwrites_another_sessions_later_change(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        cid = _list(app).current
        await pilot.press("i")
        ws.store.mark([cid], "deficient", actor="someone-else")  # a second session
        await pilot.pause(0.3)
        await pilot.press("z")
        await pilot.pause()
        assert any("changed again since" in str(n.message) for n in app._notifications)
        assert ws.store.state(cid).status == "deficient"
        assert ws.readiness.status(cid) == "deficient"


async def test_detail_tells_testing_and_evidence_changes_in_words(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    sample = next(iter(ws.backing.records.samples))
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        app.browse_screen.go_to_control(sample.control_id)
        await pilot.pause()
        text = text_of(app.browse_screen.query_one("#detail-body", Static))
        changes = text[text.index("Recent history") :]
        assert f"sample #{sample.id}" in changes
        assert '{"' not in changes  # never a record's raw JSON


async def test_the_collector_is_back_on_once_the_first_screen_is_up(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    """`workbench` starts with the garbage collector off (cli/app_cmd.py); a long session must
    not run without it."""
    import gc

    ws = workspace_factory()
    gc.disable()
    try:
        app = WorkbenchApp(ws, watch_interval=3600)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


async def test_search_as_you_type(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"backup")
        rows = _list(app).rows
        assert rows and all(
            "backup" in (ws.catalog.controls[c].title + ws.catalog.controls[c].description).lower()
            or any("backup" in _req_text(ws, m) for m in ws.catalog.by_control[c])
            for c in rows
        )
        # status keys typed into the search box are text, not commands
        assert all(ws.store.state(c).status == "not_started" for c in rows)
        await pilot.press("enter", "e")  # focus moves to the list; now e marks
        assert ws.store.state(rows[0]).status == "effective"
        await pilot.press("escape")
        assert not app.browse_screen.query_one("#search", Input).display
        await pilot.press("slash", *"CC6.1")
        assert set(ws.catalog.controls_for("soc2", "CC6.1")) <= set(_list(app).rows)


@pytest.mark.parametrize(
    ("key", "check"),
    [
        ("S", lambda ws, c: ws.readiness.is_shared(c)),
        ("k", lambda ws, c: ws.catalog.controls[c].key),
        ("g", lambda ws, c: not ws.readiness.is_ready(c)),
    ],
)
async def test_toggle_filters(workspace_factory, key, check) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")  # all controls
        everything = list(_list(app).rows)
        await pilot.press(key)
        rows = _list(app).rows
        assert 0 < len(rows) < len(everything)
        assert all(check(ws, c) for c in rows)
        await pilot.press(key)
        assert _list(app).rows == everything


async def test_filter_dialog_status_framework_owner(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a", "f")
        dialog = app.screen
        dialog.query_one("#st-effective").value = True
        dialog.query_one("#fw-sox").value = True
        dialog.query_one("#owner", Input).value = "priya"
        await pilot.press("ctrl+s")
        rows = _list(app).rows
        assert rows
        for c in rows:
            assert ws.store.state(c).status == "effective"
            assert "sox" in ws.catalog.frameworks_of(c)
            assert "priya" in (ws.store.state(c).owner or "").lower()
        await pilot.press("escape")  # clears every filter
        assert len(_list(app).rows) == len(ws.catalog.controls)


async def test_lens_is_a_preference_and_scope_a_recorded_decision(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    from workbench.core.prefs import load_prefs

    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        # The lens is this user's view: kept in their preferences, not in the database.
        assert ws.readiness.lens == "operating" and load_prefs()["lens"] == "operating"
        assert "lens" not in ws.store.settings() and ws.store.history() == []
        await pilot.press("z")  # undo has nothing of the lens to undo
        assert ws.readiness.lens == "operating"
        soc2_before = ws.readiness.figures("soc2").applicable
        await pilot.press("s")
        labels = [str(cb.label) for cb in app.screen.query("Checkbox")]
        privacy = next(i for i, label in enumerate(labels) if "Privacy" in label)
        app.screen.query_one(f"#scope-{privacy}").value = False
        await pilot.press("ctrl+s")
        assert ws.store.settings()["scope.soc2.PRIVACY"] == "out"
        assert ws.readiness.figures("soc2").applicable == soc2_before - 18


async def test_readiness_screen_jumps_to_a_control(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        assert isinstance(app.screen, ReadinessScreen)
        nxt = app.screen.query_one("#next", OptionList)
        nxt.focus()
        nxt.highlighted = 0
        expected = ws.readiness.leverage(1)[0].control_id
        await pilot.press("enter")
        assert isinstance(app.screen, BrowseScreen)
        assert _list(app).current == expected


async def test_readiness_screen_jumps_to_a_requirement(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        gaps = app.screen.query_one("#gaps", OptionList)
        gaps.highlighted = 0
        first_gap = ws.readiness.gaps()[0]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        assert app.browse_screen.node == (first_gap.framework_id, first_gap.requirement_id)
        assert set(_list(app).rows) == set(
            ws.catalog.controls_for(first_gap.framework_id, first_gap.requirement_id)
        )


async def test_change_from_another_process_appears(workspace_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        cid = _list(app).current
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "workbench",
                "--db",
                str(tmp_path / "wb.db"),
                "mark",
                cid,
                "effective",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        await pilot.pause(0.6)  # no key pressed
        assert ws.readiness.status(cid) == "effective"
        assert "effective" in text_of(app.browse_screen.query_one("#detail-body")).lower()


async def test_locked_database_is_reported_not_fatal(workspace_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(busy_timeout=0.2)
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        cid = _list(app).current
        locker = sqlite3.connect(tmp_path / "wb.db", timeout=0)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            await pilot.press("e")
            await pilot.pause()
            assert any("failed" in str(n.message) for n in app._notifications)
            assert ws.readiness.status(cid) == "not_started"
        finally:
            locker.rollback()
            locker.close()
        await pilot.press("e")
        assert ws.store.state(cid).status == "effective"


async def test_a_locked_database_makes_changes_wait_without_freezing(
    workspace_factory, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import time

    ws = workspace_factory(busy_timeout=5)
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        lst = _list(app)
        first = lst.current
        locker = sqlite3.connect(tmp_path / "wb.db", timeout=0)
        locker.execute("BEGIN IMMEDIATE")  # another program writing, for as long as it likes
        try:
            start = time.monotonic()
            await pilot.press("e")  # waits for the lock, in the background
            await pilot.press("down", "i")  # the app still answers keys; this change queues
            second = lst.current
            assert time.monotonic() - start < 2  # far below the 5 s busy timeout
            assert second != first and app.writes_pending == 2
            assert ws.store.state(first).status == "not_started"
            assert any("locked by another program" in str(n.message) for n in app._notifications)
            await pilot.press("q")  # quitting now would lose them: it asks first
            assert app.is_running
            assert any("press q again" in str(n.message) for n in app._notifications)
        finally:
            locker.rollback()
            locker.close()
        await pilot.pause(0.5)
        assert app.writes_pending == 0
        assert ws.store.state(first).status == "effective"
        assert ws.store.state(second).status == "implemented"
        assert ws.readiness.status(first) == "effective"
        assert ws.store.verify().ok


async def test_help_lists_the_screen_bindings(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    from workbench.tui.commands import BROWSE_COMMANDS

    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = text_of(app.screen.query_one("#help-body", Static))
        for command in BROWSE_COMMANDS:
            assert command.palette in text
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


async def test_edit_owner_due_notes_and_evidence(workspace_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    proof = tmp_path / "proof.txt"
    proof.write_text("signed", encoding="utf-8")
    async with app.run_test(size=(120, 40)) as pilot:
        cid = _list(app).current
        await pilot.press("o", *"Dana", "enter")
        await pilot.press("t", *"2027-13-01", "enter")  # invalid: prompt stays
        assert "YYYY-MM-DD" in text_of(app.screen.query_one("#prompt-error"))
        app.screen.query_one(Input).value = "2027-06-30"
        await pilot.press("enter")
        await pilot.press("c", *"Needs evidence", "enter")
        state = ws.store.state(cid)
        assert (state.owner, str(state.due), state.notes) == (
            "Dana",
            "2027-06-30",
            "Needs evidence",
        )
        await pilot.press("v")
        app.screen.query_one("#ev-ref", Input).value = str(proof)
        app.screen.query_one("#ev-from", Input).value = "2027-01-01"
        app.screen.query_one("#ev-to", Input).value = "2027-03-31"
        app.screen.query_one("#ev-ref", Input).focus()
        await pilot.press("enter")
        (ev,) = ws.store.evidence(cid)
        assert ev.kind == "file" and str(ev.effective_from) == "2027-01-01"
        assert "proof.txt" in text_of(app.browse_screen.query_one("#detail-body"))


async def test_tree_selection_lists_the_controls_of_a_requirement(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        app.browse_screen.go_to_requirement("soc2", "CC6.1")
        await pilot.pause()
        await pilot.pause()
        assert set(_list(app).rows) == set(ws.catalog.controls_for("soc2", "CC6.1"))
        await pilot.press("down")  # next requirement in the tree
        assert app.browse_screen.node == ("soc2", "CC6.2")
        await pilot.press("a")  # flat list of all controls
        assert len(_list(app).rows) == len(ws.catalog.controls)


async def test_narrow_terminal_still_works(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.browse_screen.has_class("-narrow")
        await pilot.press("e", "r")
        assert isinstance(app.screen, ReadinessScreen)


async def test_export_from_the_command_palette(workspace_factory, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"export: markdown")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        target = tmp_path / "binder.md"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        text = target.read_text(encoding="utf-8")
        assert "SOC 2" in text and ws.store.head_hash() in text
        # a failed export is a notification, not a crash
        app.action_export("md")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "missing-dir" / "x.md")
        await pilot.press("enter")
        await pilot.pause()
        assert any("Export failed" in str(n.message) for n in app._notifications)


async def test_catalog_text_is_shown_literally(tmp_path, mini) -> None:  # type: ignore[no-untyped-def]
    from workbench.core.store import Store
    from workbench.core.workspace import Workspace

    store = Store.open(tmp_path / "m.db")
    ws = Workspace(mini, store, "tester")
    store.mark(["C1"], "effective", actor="t", note="see [bold]memo[/] and [red]x")
    ws.reload()
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        app.browse_screen.go_to_control("C1")
        await pilot.pause()
        detail = text_of(app.browse_screen.query_one("#detail-body", Static))
        assert "First [bold]requirement[/]" in detail
        assert "see [bold]memo[/] and [red]x" in detail
        app.browse_screen.go_to_requirement("alpha", "A1")
        await pilot.pause()
        await pilot.pause()
        assert "First [bold]requirement[/]" in text_of(
            app.browse_screen.query_one("#detail-body", Static)
        )
    store.close()


async def test_theme_toggle(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        dark = app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.current_theme.dark != dark
        chosen = app.theme
        await pilot.pause()
    # the choice is remembered by the next session
    from workbench.core.prefs import load_prefs, prefs_path

    assert load_prefs() == {"theme": chosen}
    again = WorkbenchApp(ws, watch_interval=3600)
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert again.theme == chosen
    # a damaged preferences file means defaults, not a crash
    prefs_path().write_text("{not json", encoding="utf-8")
    third = WorkbenchApp(ws, watch_interval=3600)
    async with third.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert third.current_theme.dark == dark


async def test_record_a_type_ii_test_with_keys(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from workbench.tui.screens.testing import FindingsScreen, TestScreen

    ws = workspace_factory()
    cid = next(
        c
        for c, ctl in ws.catalog.controls.items()
        if ctl.frequency == "quarterly" and ctl.nature == "manual"
    )
    ws.add_period(
        "FY2027",
        sorted(ws.catalog.frameworks_of(cid)),
        date(2027, 1, 1),
        date(2027, 12, 31),
        use=True,
    )
    ws.mark([cid], "effective")
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        app.browse_screen.go_to_control(cid)
        await pilot.pause()
        await pilot.press("l")  # operating lens: effective needs backing
        assert not ws.readiness.is_ready(cid)
        await pilot.press("enter")
        assert isinstance(app.screen, TestScreen)
        required = ws.sample_size(cid).required
        for day in ["2027-03-31", "2027-06-30", "2027-09-30"][:required]:
            await pilot.press("a")
            app.screen.query_one(Input).value = day
            await pilot.press("enter")
        await pilot.pause()
        assert ws.backing.operating(cid, "FY2027").sufficient
        assert ws.readiness.is_ready(cid)
        # an exception un-backs it until a finding is raised and remediated and retested
        await pilot.press("x")
        app.screen.query_one("#sample-date", Input).value = "2027-10-15"
        app.screen.query_one("#sample-notes", Input).value = "approval missing"
        await pilot.press("enter")
        assert not ws.readiness.is_ready(cid)
        await pilot.press("f")  # severity: control deficiency, the first choice
        await pilot.press(*"one approval missing", "enter")
        (finding,) = ws.backing.findings_of(cid, "FY2027")
        assert finding.severity == "deficiency" and finding.status == "open"
        await pilot.press("m")
        app.screen.query_one(Input).value = "2027-10-20"
        await pilot.press("enter")
        assert ws.backing.findings_of(cid, "FY2027")[0].status == "remediated"
        assert not ws.readiness.is_ready(cid)  # a remediated control needs a fresh test
        text = text_of(app.screen.query_one("#test-body", Static))
        assert "Findings" in text and "remediated" in text
        await pilot.press("escape", "F")
        assert isinstance(app.screen, FindingsScreen)
        await pilot.press("escape", "r")
        assert "tests FY2027" in text_of(app.screen.query_one("#figures-body", Static))
    assert ws.store.verify().ok


async def test_unsupported_claim_opens_its_test(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    from workbench.tui.screens.testing import TestScreen

    ws = workspace_factory(demo=True)
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        unsupported = app.screen.query_one("#unsupported", OptionList)
        assert unsupported.option_count > 0
        unsupported.focus()
        unsupported.highlighted = 0
        expected = unsupported.get_option_at_index(0).id.split("|")[1]
        await pilot.press("enter")
        assert isinstance(app.screen, TestScreen) and app.screen.control_id == expected


async def test_contradicted_claims_come_first_on_the_readiness_screen(workspace_factory) -> None:  # type: ignore[no-untyped-def]
    """Issue 12: an `effective` control the tests found failing is listed as contradicted (and
    the SOC 2 figures speak of deviations and criteria at risk)."""
    from datetime import date

    ws = workspace_factory()
    ws.add_period("SOC 2 2027", ["soc2"], date(2027, 1, 1), date(2027, 9, 30))
    ws.mark(["AC-06"], "effective")
    ws.add_sample("AC-06", result="exception", occurred_on=date(2027, 3, 4))
    app = WorkbenchApp(ws, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        lst = app.screen.query_one("#unsupported", OptionList)
        assert lst.get_option_at_index(0).id == "test|AC-06"
        title = str(app.screen.query_one("#unsupported-title", Label).render())
        assert "contradicted (1)" in title
        figures = text_of(app.screen.query_one("#figures-body", Static))
        assert "contradicted 1" in figures and "deviations: 1 (AC-06)" in figures
        assert "criteria at risk of a qualified opinion" in figures
        assert "material weakness" not in figures.split("SOX")[0]


async def test_vanished_database_refuses_writes(workspace_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace_factory()
    app = WorkbenchApp(ws, watch_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        cid = _list(app).current
        db = tmp_path / "wb.db"
        moved = tmp_path / "moved.db"
        db.rename(moved)
        await pilot.pause(0.3)
        assert any("moved, deleted or replaced" in str(n.message) for n in app._notifications)
        await pilot.press("e")
        assert ws.readiness.status(cid) == "not_started"  # nothing pretended to be saved
        moved.rename(db)
        await pilot.pause(0.3)
        await pilot.press("e")
        assert ws.store.state(cid).status == "effective"
