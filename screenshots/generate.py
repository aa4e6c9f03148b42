"""Regenerate the SVG screenshots in this folder from the demo data.

    python screenshots/generate.py

Uses a throwaway demo database (never your own), the bundled catalogs and a 120x40 screen.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from workbench.core.catalog import load_catalogs
from workbench.core.demo import seed_demo
from workbench.core.store import Store
from workbench.core.workspace import Workspace
from workbench.tui.app import WorkbenchApp

HERE = Path(__file__).resolve().parent
SIZE = (120, 40)


async def shoot(tmp: Path) -> list[Path]:
    catalog = load_catalogs()
    store = Store.open(tmp / "demo.db")
    seed_demo(store, catalog)
    app = WorkbenchApp(Workspace(catalog, store, "demo"), watch_interval=3600)
    written: list[Path] = []

    def save(name: str) -> None:
        path = HERE / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(HERE))
        written.append(path)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        save("browse")
        app.browse_screen.go_to_control("AC-04")
        await pilot.pause()
        save("detail")
        app.browse_screen.go_to_requirement("soc2", "CC6.1")
        await pilot.pause()
        await pilot.pause()
        save("requirement")
        await pilot.press("r")
        await pilot.pause()
        save("readiness")
        await pilot.press("question_mark")
        await pilot.pause()
        save("help")
        await pilot.press("escape", "escape")
        finding = app.workspace.backing.findings(open_only=True)[0]
        app.browse_screen.go_to_control(finding.control_id)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        save("testing")
        await pilot.press("escape", "F")
        await pilot.pause()
        save("findings")
    store.close()
    return written


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for path in asyncio.run(shoot(Path(tmp))):
            print(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
