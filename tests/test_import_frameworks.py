"""`workbench import oscal` and `workbench import ciso` (issue 15): OSCAL catalogs (NIST's
example, and a generated catalog shaped like SP 800-53 with enhancements) and CISO Assistant
libraries become frameworks; CISO mapping sets between two imported frameworks become
crosswalk data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from workbench.core.catalog import load_catalogs
from workbench.core.importers.synthetic import oscal_catalog

FIXTURES = Path(__file__).parent / "fixtures"
BASIC = FIXTURES / "oscal" / "basic-catalog.json"
CISO = FIXTURES / "ciso"


def test_nists_example_oscal_catalog_imports(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "basic.yaml"
    code, text, err = run("import", "oscal", str(BASIC), "-o", str(out))
    assert code == 0, text + err
    assert "adds: 4 groups, 4 controls, 2 parameters" in text
    cat = load_catalogs([out], use_cache=False)
    fw = cat.frameworks["basic-catalog"]
    assert (
        fw.title == "Sample Security Catalog *for Demonstration* and Testing"
        and fw.version == "1.1"
    )
    assert [n.id for n in fw.requirements()] == ["s1.1.1", "s1.1.2", "s2.1.1", "s2.1.2"]
    node = fw.nodes["s1.1.1"]
    assert node.title == "1.1.1 Information security roles and responsibilities"
    assert [a.id for a in fw.ancestors("s1.1.1")] == ["s1.1", "s1"]  # nested groups kept
    assert node.description.startswith(
        "All information security responsibilities should be defined"
    )
    assert (
        "[Selection (one or more): initiating a device lock after [Assignment: a duration] of "
        "inactivity; requiring the user to initiate a device lock" in node.description
    )  # parameters written into the statement, a parameter inside a choice too
    assert (
        fw.nodes["s2.1"].description
        == "To limit access to information and information processing facilities."
    )
    # the new framework has no control yet: its requirements are unmapped, not an error
    assert run("mark", "AC-01", "effective")[0] == 0
    code, text, _ = run("--catalogs", str(out), "status", "--framework", "basic-catalog", "--json")
    assert code == 0 and json.loads(text)["frameworks"][0]["requirements"]["unmapped"] == 4


def test_an_oscal_catalog_in_yaml_reads_the_same(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    as_yaml = tmp_path / "basic-catalog.yaml"
    as_yaml.write_text(
        yaml.safe_dump(json.loads(BASIC.read_text(encoding="utf-8"))), encoding="utf-8"
    )
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert run("import", "oscal", str(BASIC), "-o", str(a))[0] == 0
    assert run("import", "oscal", str(as_yaml), "-o", str(b))[0] == 0
    nodes = [
        yaml.safe_load(p.read_text(encoding="utf-8"))["frameworks"][0]["requirements"]
        for p in (a, b)
    ]
    assert nodes[0] == nodes[1] and len(nodes[0]) == 8


def test_a_catalog_shaped_like_sp_800_53_imports_enhancements_and_leaves_withdrawn_out(
    run, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    doc = oscal_catalog(controls=60, enhancements=90, withdrawn=12)

    def kept(controls: list[dict]) -> int:  # type: ignore[type-arg]
        alive = [c for c in controls if {"name": "status", "value": "withdrawn"} not in c["props"]]
        return sum(1 + kept(c.get("controls", [])) for c in alive)

    expected = sum(kept(g["controls"]) for g in doc["catalog"]["groups"])
    assert expected <= 60 + 90 - 12
    src = tmp_path / "nist-like.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "nist.yaml"
    code, text, err = run(
        "import", "oscal", str(src), "-o", str(out), "--id", "sp800-53", "--name", "800-53"
    )
    assert code == 0, text + err
    cat = load_catalogs([out], use_cache=False)
    fw = cat.frameworks["sp800-53"]
    assert fw.name == "800-53"
    requirements = list(fw.requirements())
    assert len(requirements) == expected
    assert f"{60 + 90 - expected} withdrawn, left out" in text
    enhancement = next(r for r in requirements if r.level == "SP800-53-enhancement")
    assert (
        enhancement.parent_id is not None and fw.nodes[enhancement.parent_id].is_group
    )  # beside its control
    assert "(" in enhancement.title.split(" ")[0]  # 'AC-2(1) ...'
    assert "[Assignment: frequency]" in enhancement.description
    assert "a. Generated statement part a" in enhancement.description


DOCS = [
    ("a profile", {"profile": {"imports": []}}, "an OSCAL profile, not a catalog"),
    ("no catalog", {"component-definition": {}}, "no 'catalog' object"),
    (
        "no controls",
        {"catalog": {"metadata": {"title": "Empty"}, "groups": [{"id": "g", "title": "G"}]}},
        "the catalog has no controls",
    ),
    (
        "duplicate id",
        {
            "catalog": {
                "metadata": {"title": "T"},
                "controls": [{"id": "c-1", "title": "A"}, {"id": "c-1", "title": "B"}],
            }
        },
        "catalog.controls[1].id: duplicate id 'c-1'",
    ),
]


@pytest.mark.parametrize(("case", "doc", "message"), DOCS, ids=[d[0] for d in DOCS])
def test_bad_oscal_documents_are_explained(
    run, tmp_path: Path, case: str, doc: object, message: str
) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "bad.yaml"
    code, text, err = run("import", "oscal", str(src), "-o", str(out))
    assert code == 2 and not out.exists()
    assert message in text + err


def test_broken_json_names_line_and_column(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "broken.json"
    src.write_text('{"catalog": {\n  "groups": [\n    {"id": "a",, }\n  ]\n}}\n', encoding="utf-8")
    code, _, err = run("import", "oscal", str(src))
    assert (
        code == 2
        and "broken.json: not valid JSON: Expecting property name enclosed in double quotes (line 3, column 16)"
        in err
    )


def test_a_framework_id_clash_names_the_other_catalog(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.yaml"
    code, text, _ = run("import", "oscal", str(BASIC), "-o", str(out), "--id", "soc2")
    assert code == 2 and not out.exists()
    assert "duplicate framework id 'soc2'" in text


def test_reimporting_an_oscal_catalog_shows_changed_requirements(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "basic.yaml"
    assert run("import", "oscal", str(BASIC), "-o", str(out))[0] == 0
    doc = json.loads(BASIC.read_text(encoding="utf-8"))
    doc["catalog"]["groups"][1]["groups"][0]["controls"].pop()
    doc["catalog"]["groups"][0]["groups"][0]["controls"][1]["title"] = (
        "Segregation of duties, revised"
    )
    changed = tmp_path / "basic-catalog.json"
    changed.write_text(json.dumps(doc), encoding="utf-8")
    code, text, _ = run("import", "oscal", str(changed), "-o", str(out), "--dry-run")
    assert code == 0
    assert "compared with the current file (requirements): 0 added, 1 changed, 1 removed" in text
    assert "~ basic-catalog:s1.1.2: title" in text and "- basic-catalog:s2.1.2" in text


# ---------------------------------------------------------------------------------------------
# CISO Assistant


def test_a_ciso_assistant_framework_keeps_its_tree(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "policy.yaml"
    code, text, err = run("import", "ciso", str(CISO / "acme-policy.yaml"), "-o", str(out))
    assert code == 0, text + err
    assert "adds: 1 frameworks, 2 groups, 5 requirements" in text
    fw = load_catalogs([out], use_cache=False).frameworks["acme-policy"]
    assert fw.name == "ACME-POLICY" and fw.version == "2"
    assert fw.roots == ("AC", "CH")
    assert fw.nodes["AC.1"].parent_id == "AC" and not fw.nodes["AC.1"].is_group
    # an assessable node under an assessable one hangs from the nearest group
    assert fw.nodes["AC.1.a"].parent_id == "AC" and fw.nodes["AC.1.a"].level == "depth 3"
    # a node without ref_id or name: its id from the URN, its title from the annotation
    assert fw.nodes["node7"].title.startswith("Emergency changes are approved afterwards")


def test_mapping_sets_between_imported_frameworks_become_crosswalks(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = CISO / "mapping-acme-policy-to-standard.yaml"
    folder = tmp_path / "cats"
    code, text, _ = run("import", "ciso", str(mapping), "-o", str(folder / "map.yaml"))
    assert code == 2 and "framework urn:intuitem:risk:framework:acme-policy is not imported" in text
    for name in ("acme-policy", "acme-standard"):
        assert (
            run("import", "ciso", str(CISO / f"{name}.yaml"), "-o", str(folder / f"{name}.yaml"))[0]
            == 0
        )
    code, text, err = run(
        "--catalogs", str(folder), "import", "ciso", str(mapping), "-o", str(folder / "map.yaml")
    )
    assert code == 0, text + err
    assert "crosswalk acme-policy -> acme-standard: 4 links" in text
    assert "1 not_related mappings, left out" in text
    cat = load_catalogs([folder], use_cache=False)
    links = {(c.source_requirement, c.target_requirement, c.relationship) for c in cat.crosswalks}
    assert links == {
        ("AC.1", "1.1", "equal"),
        ("AC.1.a", "1.1", "subset"),
        ("AC.2", "1.2", "intersect"),
        ("CH.1", "2.1", "superset"),
    }
    assert {(c.source_framework, c.target_framework) for c in cat.crosswalks} == {
        ("acme-policy", "acme-standard")
    }


def test_a_mapping_to_an_unknown_requirement_names_it(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "cats"
    for name in ("acme-policy", "acme-standard"):
        run("import", "ciso", str(CISO / f"{name}.yaml"), "-o", str(folder / f"{name}.yaml"))
    text = (CISO / "mapping-acme-policy-to-standard.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad-mapping.yaml"
    bad.write_text(text.replace("acme-standard:1.2", "acme-standard:9.9"), encoding="utf-8")
    code, out, _ = run(
        "--catalogs", str(folder), "import", "ciso", str(bad), "-o", str(folder / "map.yaml")
    )
    assert code == 2 and not (folder / "map.yaml").exists()
    assert (
        "bad-mapping.yaml, objects.requirement_mapping_sets[0].requirement_mappings[2]: requirement "
        "urn:intuitem:risk:req_node:acme-standard:9.9 is not in framework 'acme-standard'"
    ) in out


def test_a_mapping_set_can_name_our_frameworks(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--source/--target: a mapping onto a framework imported under another id (here the
    bundled SOX framework, a made-up two-link set)."""
    folder = tmp_path / "cats"
    run("import", "ciso", str(CISO / "acme-policy.yaml"), "-o", str(folder / "acme-policy.yaml"))
    mapping = tmp_path / "to-sox.yaml"
    mapping.write_text(
        "urn: urn:test:library:to-sox\nname: To SOX\nobjects:\n  requirement_mapping_sets:\n"
        "    - source_framework_urn: urn:intuitem:risk:framework:acme-policy\n"
        "      target_framework_urn: urn:someone:framework:sox-itgc\n"
        "      requirement_mappings:\n"
        "        - {source_requirement_urn: 'urn:intuitem:risk:req_node:acme-policy:ac.2', target_requirement_urn: 'urn:x:itgc-apd-05', relationship: equal}\n",
        encoding="utf-8",
    )
    code, out, err = run(
        "--catalogs",
        str(folder),
        "import",
        "ciso",
        str(mapping),
        "--target",
        "sox",
        "-o",
        str(folder / "to-sox.yaml"),
    )
    assert code == 0, out + err
    cat = load_catalogs([folder], use_cache=False)
    assert [
        (c.source_requirement, c.target_framework, c.target_requirement) for c in cat.crosswalks
    ] == [("AC.2", "sox", "ITGC-APD-05")]


def test_not_a_ciso_library(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "x.yaml"
    src.write_text("just: text\n", encoding="utf-8")
    code, _, err = run("import", "ciso", str(src))
    assert code == 2 and "not a CISO Assistant library" in err
    src.write_text("objects: [unclosed\n", encoding="utf-8")
    code, _, err = run("import", "ciso", str(src))
    assert code == 2 and "x.yaml: not valid YAML" in err and "(line 2)" in err
