"""Terminal escape injection: no stored or catalog text reaches any output raw (issue 11).

The attack: notes, owners, actors, evidence titles and references, findings, period names and
catalog text holding ESC/OSC/CSI sequences (set the window title, OSC 52 clipboard write,
clear the screen), BEL and C1 controls. Every field is fed through every output: the CLI's
commands, each export format, `validate`, and the app's rendered screen. None may contain
ESC, BEL or a C1 character; the text itself must still be shown (neutralised, not dropped).
The database is written as an older build or a forger would (the store now refuses control
characters in actors and IDs at input), so that display is tested whatever is stored.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

import workbench.core.catalog.sources as sources
import workbench.core.store.checks as checks_module
import workbench.core.store.records as records
import workbench.core.store.testing as testing_module
from workbench.cli import run as cli_run
from workbench.core.store import Store
from workbench.core.store.testing_records import OperatingPlan
from workbench.core.text import neutralise

MINI = Path(__file__).parent / "fixtures" / "catalogs" / "mini.yaml"
# Window title (OSC 0), clipboard write (OSC 52), clear screen, 8-bit CSI and DCS ... ST.
EVIL = "\x1b]0;PWNED\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b31m\x90dcs\x9cEND"
FORBIDDEN = {"\x1b", "\x07"} | {chr(c) for c in range(0x80, 0xA0)}

HOSTILE_CATALOG = """\
catalog: {id: evil, title: "Evil \\e]0;CAT\\a catalog", version: "1"}
frameworks:
  - id: evilfw
    name: "Evil \\e[2J framework \\x9b"
    requirements:
      - {id: G, kind: group, title: "Group \\e]52;c;eA==\\a"}
      - {id: R1, parent: G, title: "Req \\e]0;T\\a", description: "Desc \\e[2J \\x9b1m"}
controls:
  - id: EVIL-01
    title: "Control \\e]0;TITLE\\a"
    description: "Description \\e]52;c;ZXZpbA==\\a \\x90x\\x9c"
    domain: "Dom \\e[31m"
    frequency: annual
    type: preventive
    nature: manual
    satisfies:
      evilfw: [R1]
      alpha: [A1]
"""


def _clean(text: str, where: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in text if c in FORBIDDEN})
    assert not found, f"{where}: raw control characters {found} in output"


@pytest.fixture
def catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    monkeypatch.setattr(sources, "bundled_catalog_dir", lambda: empty)
    folder = tmp_path / "cats"
    folder.mkdir()
    (folder / "mini.yaml").write_text(MINI.read_text())
    (folder / "evil.yaml").write_text(HOSTILE_CATALOG)
    monkeypatch.setenv("COLUMNS", "160")
    return folder


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalogs: Path) -> Path:
    """A database holding EVIL in every field that is shown."""
    path = tmp_path / "evil.db"
    with monkeypatch.context() as m:
        # as an older build (or a forger recomputing the chain) would have stored it
        m.setattr(checks_module, "check_name", lambda value, _what: value)
        m.setattr(testing_module, "check_period_name", lambda name: name)
        actor = f"mallory{EVIL}"
        with Store.open(path) as store:
            for cid in ("C1", "EVIL-01"):
                store.mark(
                    [cid], "effective", actor=actor, owner=f"owner{EVIL}",
                    note=f"note{EVIL}\nsecond line", due=date(2027, 6, 30),
                )  # fmt: skip
            store.mark(["C2"], "not_applicable", actor=actor, justification=f"just{EVIL}")
            store.add_evidence("C1", f"ref{EVIL}", actor=actor, title=f"title{EVIL}", kind="note")
            period = f"FY{EVIL}"
            store.add_period(period, ["alpha"], date(2027, 1, 1), date(2027, 12, 31), actor=actor)
            store.record_design_test(
                "C1", period, actor=actor, performed_on=date(2027, 2, 1),
                performer=f"perf{EVIL}", conclusion="effective", notes=f"dnotes{EVIL}",
            )  # fmt: skip
            sample, _ = store.add_sample(
                "C1", period, actor=actor, result="exception", occurred_on=date(2027, 3, 1),
                ref=f"sref{EVIL}", notes=f"snotes{EVIL}",
                plan=OperatingPlan(required=2, basis=f"basis{EVIL}"),
            )  # fmt: skip
            store.add_finding(
                "C1", period, actor=actor, severity="deficiency", summary=f"finding{EVIL}",
                samples=[sample.id], owner=f"fowner{EVIL}", notes=f"fnotes{EVIL}",
            )  # fmt: skip
    return path


def _cli(catalogs: Path, db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    try:
        code = cli_run(["--catalogs", str(catalogs), "--db", str(db), *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert code in (0, 1), (args, code, out.err)
    return out.out + out.err


CLI_OUTPUTS = [
    ["show", "C1"],
    ["show", "EVIL-01"],
    ["show", "C2"],
    ["history"],
    ["history", "C1"],
    ["history", "--json"],
    ["status"],
    ["status", "--json"],
    ["gaps"],
    ["next"],
    ["evidence", "list"],
    ["evidence", "list", "--json"],
    ["evidence", "check"],
    ["findings"],
    ["findings", "--json"],
    ["test", "show", "C1"],
    ["test", "show", "C1", "--json"],
    ["period", "list"],
    ["period", "show"],
    ["verify"],
    ["undo", "--anyone"],
]


@pytest.mark.parametrize("args", CLI_OUTPUTS, ids=" ".join)
def test_cli_outputs_are_neutralised(
    catalogs: Path, db: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    text = _cli(catalogs, db, capsys, *args)
    _clean(text, " ".join(args))
    if "--json" in args:
        assert any(EVIL in v for v in _strings(json.loads(text)))  # valid JSON, same data
    elif args[0] in ("show", "history", "evidence", "findings"):
        assert "\\x1b]0;PWNED" in text  # shown, as an escape, not dropped


def test_json_keeps_the_data(catalogs: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(_cli(catalogs, db, capsys, "show", "C1", "--json"))
    assert f"owner{EVIL}" in _strings(doc)


def _strings(value: object) -> set[str]:
    """Every string in a JSON document."""
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return set().union(*(_strings(v) for v in items)) if items else set()


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "html", "xlsx"])
def test_every_export_is_neutralised(
    catalogs: Path, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    out = tmp_path / f"binder.{fmt}"
    _cli(catalogs, db, capsys, "export", "-o", str(out))
    data = out.read_bytes()
    if fmt == "xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            text = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    else:
        text = data.decode("utf-8")
    _clean(text, fmt)
    if fmt == "json":
        assert any(EVIL in v for v in _strings(json.loads(text)))
    else:
        assert "PWNED" in text and "mallory" in text and "Control " in text
    # the same through standard output
    if fmt != "xlsx":
        _clean(_cli(catalogs, db, capsys, "export", "--format", fmt, "-o", "-"), f"{fmt} -o -")


def test_validate_of_a_hostile_catalog(
    tmp_path: Path, catalogs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "bad.yaml").write_text(
        HOSTILE_CATALOG.replace("frequency: annual", 'frequency: "\\e]0;FREQ\\a"')
        .replace("id: EVIL-01", 'id: "EVIL\\e[2J"')
        .replace("evilfw: [R1]", 'evilfw: ["R\\e]52;c;eA==\\a"]')
    )
    for args in (
        ["validate", str(bad)],
        ["validate", str(catalogs)],
        ["--catalogs", str(bad), "status"],
    ):
        with contextlib.suppress(SystemExit):
            cli_run(args)
        out = capsys.readouterr()
        _clean(out.out + out.err, " ".join(args))
    cli_run(["validate", str(bad)])
    assert "\\x1b" in capsys.readouterr().err  # the problem is still named, visibly


def test_error_messages_are_neutralised(
    catalogs: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["show", f"NOPE{EVIL}"],
        ["mark", f"X{EVIL}", "effective"],
        ["mark", "C1", "effective", "--actor", f"a{EVIL}"],
        ["period", "use", f"P{EVIL}"],
    ):
        with contextlib.suppress(SystemExit):
            cli_run(["--catalogs", str(catalogs), "--db", str(db), *args])
        out = capsys.readouterr()
        _clean(out.out + out.err, " ".join(args))


def test_actor_and_ids_with_control_characters_are_refused(
    catalogs: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "clean.db"
    base = ["--catalogs", str(catalogs), "--db", str(db)]
    assert cli_run([*base, "mark", "C1", "effective", "--actor", f"eve{EVIL}"]) == 2
    err = capsys.readouterr().err
    assert "the actor name (--actor)" in err and "control character" in err
    monkeypatch.setenv("WORKBENCH_ACTOR", "eve\x1b[2J")
    assert cli_run([*base, "mark", "C1", "effective"]) == 2
    assert "WORKBENCH_ACTOR" in capsys.readouterr().err
    with Store.open(db) as store:
        with pytest.raises(records.ValidationError, match="control ID"):
            store.mark(["C1\x1b[2J"], "effective", actor="ann")
        with pytest.raises(records.ValidationError, match="actor name"):
            store.mark(["C1"], "effective", actor="ann\x9b")
        assert store.history() == []


async def test_the_app_draws_no_control_character(
    catalogs: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.core.catalog import load_catalogs
    from workbench.core.workspace import Workspace
    from workbench.tui.app import WorkbenchApp

    cat = load_catalogs([catalogs])
    store = Store.open(db)
    app = WorkbenchApp(Workspace(cat, store, "tester"), watch_interval=0.1)
    seen: list[str] = []

    def screen_text() -> str:
        update = app.screen._compositor.render_full_update()
        text = "\n".join(
            "".join(seg.text for strip in line for seg in strip if not seg.control)
            for line in update.strips
        )
        seen.append(text)
        return text

    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            for keys in (["/", *"EVIL", "enter"], ["escape", "/", *"C1", "enter"]):
                await pilot.press(*keys)
                await pilot.pause(0.2)
                _clean(screen_text(), f"browse after {keys}")
            await pilot.press("enter")  # the control's test screen
            await pilot.pause(0.3)
            _clean(screen_text(), "testing screen")
            await pilot.press("escape", "F")  # findings
            await pilot.pause(0.3)
            _clean(screen_text(), "findings")
            await pilot.press("escape", "r")  # readiness
            await pilot.pause(0.3)
            _clean(screen_text(), "readiness")
            app.notify(f"notification {EVIL}")
            await pilot.pause(0.2)
            _clean(screen_text(), "notification")
    finally:
        store.close()
    everything = "".join(seen)
    assert "␛]0;PWNED" in everything  # shown with control pictures, not executed
    assert "mallory" in everything or "owner" in everything


def test_neutralise_is_idempotent_and_keeps_plain_text() -> None:
    assert neutralise("plain text\nwith\ttabs") == "plain text\nwith\ttabs"
    once = neutralise(EVIL)
    assert neutralise(once) == once
    _clean(once, "neutralise")
