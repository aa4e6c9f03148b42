"""Snapshot tests of the main screens on the demo data, at 120x40 and 80x24.

Regenerate after an intended UI change: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from workbench.tui.app import WorkbenchApp

SIZES = [(120, 40), (80, 24)]


@pytest.fixture
def demo_app(frozen_clock, workspace_factory):  # type: ignore[no-untyped-def]
    def make() -> WorkbenchApp:
        # A long watch interval: nothing external changes during a snapshot.
        return WorkbenchApp(workspace_factory(demo=True), watch_interval=3600)

    return make


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    for inp in pilot.app.screen.query("Input"):
        inp.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_browse(snap_compare, demo_app, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app(), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail_of_a_control_with_evidence(snap_compare, demo_app, size) -> None:  # type: ignore[no-untyped-def]
    async def go(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.browse_screen.go_to_control("AC-04")
        await _settle(pilot)

    assert snap_compare(demo_app(), terminal_size=size, run_before=go)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_readiness(snap_compare, demo_app, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app(), press=["r"], terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, demo_app, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app(), press=["question_mark"], terminal_size=size, run_before=_settle)


def test_browse_light_theme(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    async def light(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.theme = "textual-light"
        await _settle(pilot)

    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=light)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_control_test_screen(snap_compare, demo_app, size) -> None:  # type: ignore[no-untyped-def]
    async def go(pilot) -> None:  # type: ignore[no-untyped-def]
        finding = pilot.app.workspace.backing.findings(open_only=True)[0]
        pilot.app.browse_screen.go_to_control(finding.control_id)
        await pilot.pause()
        await pilot.press("enter")
        await _settle(pilot)

    assert snap_compare(demo_app(), terminal_size=size, run_before=go)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail_in_the_operating_lens(snap_compare, demo_app, size) -> None:  # type: ignore[no-untyped-def]
    """The detail says why a control is not ready under the operating lens."""

    async def go(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("l")
        ws = pilot.app.workspace
        pilot.app.browse_screen.go_to_control(ws.backed("soc2").unsupported[0].control_id)
        await _settle(pilot)

    assert snap_compare(demo_app(), terminal_size=size, run_before=go)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_test_screen_with_two_periods(snap_compare, demo_app, size) -> None:  # type: ignore[no-untyped-def]
    async def go(pilot) -> None:  # type: ignore[no-untyped-def]
        from datetime import date

        ws = pilot.app.workspace
        ws.add_period("FY2027 SOX", ["sox"], date(2027, 1, 1), date(2027, 12, 31), use=True)
        cid = next(c for c in ws.catalog.controls if len(ws.backing.periods_for(c)) == 2)
        pilot.app.browse_screen.go_to_control(cid)
        await pilot.pause()
        await pilot.press("enter")
        await _settle(pilot)

    assert snap_compare(demo_app(), terminal_size=size, run_before=go)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_filter_dialog(snap_compare, demo_app, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app(), press=["f"], terminal_size=size, run_before=_settle)
