"""Malformed catalogs: each problem names file, line and field; the CLI exits 2."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.core.catalog import CatalogError, load_catalog_files

HEADER = 'catalog: {id: bad, title: Bad, version: "1"}\n'
FW = """\
frameworks:
  - id: fw
    name: FW
    requirements:
      - {id: G, kind: group, title: Group}
      - {id: R1, parent: G, title: One, description: d}
"""
CTL = "  - {id: X1, title: T, description: d, domain: D, frequency: annual, type: preventive, nature: manual}\n"

# (case, file text, expected line, expected field path, expected message fragment)
CASES: list[tuple[str, str, int, str, str]] = [
    (
        "yaml-syntax",
        HEADER + "controls:\n  - id: X1\n   title: bad indent\n",
        4,
        "",
        "YAML syntax error",
    ),
    ("empty-file", "", 1, "", "empty file"),
    ("top-level-list", "- a\n- b\n", 1, "", "expected a mapping, found a list"),
    ("missing-header", FW, 1, "catalog", "required field is missing"),
    (
        "missing-required",
        HEADER
        + "controls:\n  - {id: X1, description: d, domain: D, frequency: annual, type: preventive, nature: manual}\n",
        3,
        "controls[0].title",
        "required field is missing",
    ),
    (
        "wrong-type-bool",
        HEADER + "controls:\n" + CTL.replace("nature: manual}", "nature: manual, key: 'yes'}"),
        3,
        "controls[0].key",
        "expected true or false, found text ('yes')",
    ),
    (
        "unknown-enum",
        HEADER + "controls:\n" + CTL.replace("annual", "yearly"),
        3,
        "controls[0].frequency",
        "unknown value 'yearly' (expected one of: annual",
    ),
    (
        "unknown-field",
        HEADER + "controls:\n  - id: X1\n    title: T\n    colour: red\n",
        5,
        "controls[0].colour",
        "unknown field",
    ),
    (
        "duplicate-control",
        HEADER + "controls:\n" + CTL + CTL,
        4,
        "controls[X1].id",
        "duplicate control id 'X1'",
    ),
    (
        "unknown-requirement",
        HEADER + FW + "controls:\n" + CTL.replace("}", ", satisfies: {fw: [R9]}}"),
        9,
        "controls[0].satisfies.fw[0]",
        "unknown requirement 'R9' in framework 'fw'",
    ),
    (
        "unknown-framework",
        HEADER + FW + "controls:\n" + CTL.replace("}", ", satisfies: {nope: [R1]}}"),
        9,
        "controls[0].satisfies.nope",
        "unknown framework 'nope'",
    ),
    (
        "map-to-group",
        HEADER + FW + "controls:\n" + CTL.replace("}", ", satisfies: {fw: [G]}}"),
        9,
        "controls[0].satisfies.fw[0]",
        "'G' is a group, not a requirement",
    ),
    (
        "dangling-parent",
        HEADER + FW + "      - {id: R2, parent: NOPE, title: Two, description: d}\n",
        8,
        "frameworks[0].requirements[2].parent",
        "dangling parent: no node 'NOPE'",
    ),
    (
        "cycle",
        HEADER
        + "frameworks:\n  - id: fw\n    name: FW\n    requirements:\n"
        + "      - {id: G1, kind: group, parent: G2, title: One}\n"
        + "      - {id: G2, kind: group, parent: G1, title: Two}\n",
        6,
        "frameworks[0].requirements[0].parent",
        "cycle in the requirement tree: G1 -> G2 -> G1",
    ),
    (
        "parent-not-group",
        HEADER + FW + "      - {id: R2, parent: R1, title: Two, description: d}\n",
        8,
        "frameworks[0].requirements[2].parent",
        "parent 'R1' is not a group",
    ),
    (
        "duplicate-requirement",
        HEADER + FW + "      - {id: R1, parent: G, title: Again, description: d}\n",
        8,
        "frameworks[0].requirements[2].id",
        "duplicate requirement id 'R1'",
    ),
    (
        "duplicate-yaml-key",
        HEADER + "controls:\n  - id: X1\n    id: X2\n",
        4,
        "id",
        "duplicate key in the same mapping",
    ),
    (
        "mapping-unknown-control",
        HEADER + FW + "mappings:\n  - control: ZZ-99\n    satisfies: {fw: [R1]}\n",
        9,
        "mappings[0].control",
        "unknown control 'ZZ-99'",
    ),
    (
        "unquoted-version",
        "catalog: {id: bad, title: Bad, version: 2.1}\n",
        1,
        "catalog.version",
        "expected text, found a number (2.1) (quote it)",
    ),
    (
        "coso-out-of-range",
        HEADER + FW.replace("description: d}", "description: d, coso: 18}"),
        7,
        "frameworks[0].requirements[1].coso",
        "COSO principle 18 does not exist",
    ),
    (
        # A requirement may be optional (SOX scope); a default scope needs `optional`.
        "default-scope-without-optional",
        HEADER + FW.replace("description: d}", "description: d, default_scope: out}"),
        7,
        "frameworks[0].requirements[1].default_scope",
        "only an optional node has a default scope",
    ),
    (
        "unknown-filer-status",
        HEADER + FW.replace("description: d}", "description: d, filers: [small]}"),
        7,
        "frameworks[0].requirements[1].filers",
        "expected a non-empty list of: large_accelerated",
    ),
    (
        "unknown-system",
        HEADER + FW + "controls:\n" + CTL.replace("}", ", systems: [ERP]}"),
        9,
        "controls[0].systems[0]",
        "unknown system 'ERP'",
    ),
    (
        "bad-id",
        HEADER + "controls:\n" + CTL.replace("id: X1", "id: 'X 1'"),
        3,
        "controls[0].id",
        "invalid id 'X 1'",
    ),
    (
        "duplicate-mapping",
        HEADER + FW + "controls:\n" + CTL.replace("}", ", satisfies: {fw: [R1, R1]}}"),
        9,
        "controls[0].satisfies.fw[1]",
        "duplicate mapping of X1 to fw R1",
    ),
    (
        "empty-requirements",
        HEADER + "frameworks:\n  - {id: fw, name: FW, requirements: []}\n",
        3,
        "frameworks[0].requirements",
        "must not be empty",
    ),
    (
        "bad-relationship",
        HEADER
        + FW
        + "controls:\n"
        + CTL.replace("}", ", satisfies: {fw: [{id: R1, relationship: same}]}}"),
        9,
        "controls[0].satisfies.fw[0].relationship",
        "unknown value 'same'",
    ),
]


def _write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("case", "text", "line", "path", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_malformed_catalog_names_file_line_field(
    tmp_path: Path, case: str, text: str, line: int, path: str, message: str
) -> None:
    file = _write(tmp_path, text)
    with pytest.raises(CatalogError) as info:
        load_catalog_files([file])
    problems = info.value.problems
    match = [p for p in problems if message in p.message]
    assert match, f"{case}: no problem with {message!r} in {[str(p) for p in problems]}"
    problem = match[0]
    assert problem.file == str(file)
    assert problem.line == line, str(problem)
    assert problem.path == path, str(problem)
    assert str(problem).startswith(f"{file}:{line}: ")


def test_duplicate_control_across_files(tmp_path: Path) -> None:
    first = _write(tmp_path, HEADER + "controls:\n" + CTL, "a.yaml")
    second = _write(
        tmp_path, HEADER.replace("id: bad", "id: other") + "\n\ncontrols:\n" + CTL, "b.yaml"
    )
    with pytest.raises(CatalogError) as info:
        load_catalog_files([first, second])
    (problem,) = info.value.problems
    assert problem.file == str(second) and problem.line == 5
    assert f"first defined at {first}:3" in problem.message


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    text = (
        HEADER
        + "controls:\n"
        + CTL.replace("annual", "yearly").replace("manual}", "manuel}")
        + "  - {id: X2}\n"
    )
    with pytest.raises(CatalogError) as info:
        load_catalog_files([_write(tmp_path, text)])
    paths = {p.path for p in info.value.problems}
    assert {"controls[0].frequency", "controls[0].nature", "controls[1].title"} <= paths
    assert len(info.value.problems) >= 7  # X2 lacks six required fields


def test_not_utf8(tmp_path: Path) -> None:
    file = tmp_path / "bin.yaml"
    file.write_bytes(b"catalog: \xff\xfe\n")
    with pytest.raises(CatalogError) as info:
        load_catalog_files([file])
    assert "not UTF-8" in info.value.problems[0].message


def _cli(
    *args: str, cwd: Path | None = None, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "WORKBENCH_CONFIG_DIR": str(cwd or Path.cwd()) + "/no-config"}
    env.pop("WORKBENCH_CATALOGS", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize("case", ["unknown-enum", "cycle", "yaml-syntax", "empty-file"])
def test_validate_cli_exits_2_with_report(tmp_path: Path, case: str) -> None:
    _, text, line, path, message = next(c for c in CASES if c[0] == case)
    file = _write(tmp_path, text)
    result = _cli("validate", "--no-bundled", str(file), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    expected = f"bad.yaml:{line}: {path + ': ' if path else ''}"
    assert expected in result.stderr and message in result.stderr


def test_validate_cli_clean(tmp_path: Path) -> None:
    result = _cli("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ")


def test_app_refuses_invalid_catalogs_before_start(tmp_path: Path) -> None:
    bad = tmp_path / "user"
    bad.mkdir()
    _write(bad, HEADER + "controls:\n" + CTL.replace("annual", "yearly"))
    for argv, env in ((["--catalogs", str(bad)], {}), ([], {"WORKBENCH_CATALOGS": str(bad)})):
        result = _cli(*argv, cwd=tmp_path, env_extra=env)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert "bad.yaml:3: controls[0].frequency: unknown value 'yearly'" in result.stderr


def test_missing_catalog_folder(tmp_path: Path) -> None:
    result = _cli("--catalogs", str(tmp_path / "nowhere"), "validate", cwd=tmp_path)
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


def test_yaml_syntax_message_is_specific(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        catalog: {id: x, title: X, version: "1"}
        controls: [
        """
    )
    with pytest.raises(CatalogError) as info:
        load_catalog_files([_write(tmp_path, text)])
    assert info.value.problems[0].message.startswith("YAML syntax error")
