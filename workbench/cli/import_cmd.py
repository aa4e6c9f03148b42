"""`workbench import rcm|oscal|ciso FILE`: bring a risk-control matrix, an OSCAL catalog or a
CISO Assistant library in as a validated user catalog."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .common import db_target, fail, recorded_statuses

# Kept here (not imported from workbench.core.importers) so `workbench --help` stays fast;
# a test checks that it matches workbench.core.importers.vocab.FIELDS.
RCM_FIELDS: tuple[str, ...] = (
    "process",
    "subprocess",
    "risk_id",
    "risk",
    "fraud",
    "likelihood",
    "magnitude",
    "accounts",
    "assertions",
    "id",
    "title",
    "description",
    "owner",
    "frequency",
    "nature",
    "type",
    "key",
    "systems",
    "ipe",
    "covers",
    "soc2",
    "coso",
    "sox",
    "other",
    "domain",
    "status",
    "test",
    "findings",
)
HELP_OUTPUT = (
    "catalog file to write (default: <config>/catalogs/ID.yaml, where every start finds it)"
)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE", help="the file to import")
    p.add_argument("-o", "--output", type=Path, metavar="PATH", help=HELP_OUTPUT)
    p.add_argument("--dry-run", action="store_true", help="show the preview; write nothing")
    p.add_argument("--catalog-id", metavar="ID", help="the new catalog's id (default: from FILE)")
    p.add_argument("--title", metavar="TEXT", help="the new catalog's title")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "import",
        help="bring an RCM (xlsx/csv), OSCAL catalog or CISO Assistant library in",
        description="Read a file into a user catalog: show a preview (counts, first rows, "
        "columns not imported, problems with their row and column) and, when there is no "
        "problem and the result validates with every other catalog, write it. A re-import "
        "shows what changes first; recorded statuses stay in the database. Nothing is "
        "written when there is an error, or with --dry-run.",
    )
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)

    rcm = kinds.add_parser(
        "rcm",
        help="a risk-control matrix (xlsx or csv)",
        description="One row per control, or per control x risk. Column headers are "
        "recognised in their common spellings (Control #, Ctrl Ref, Key / Non-key, "
        "Manual/Automated/ITDM, Assertions as E/O, C, V/A, R&O, P&D, ...); name the rest with "
        "--map or a mapping file. The header row need not be row 1; merged cells, blank rows "
        "and several sheets are read. Fields: " + ", ".join(RCM_FIELDS) + ".",
    )
    _common(rcm)
    rcm.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HEADER=FIELD",
        help="read a column as a field, e.g. --map 'Ctrl Ref=id' (FIELD 'ignore' skips it)",
    )
    rcm.add_argument(
        "--mapping", type=Path, metavar="FILE", help="a YAML file of 'Header: field' lines"
    )
    rcm.add_argument(
        "--sheet", action="append", default=[], metavar="NAME", help="only this sheet (repeatable)"
    )
    rcm.add_argument(
        "--header-row", type=int, metavar="N", help="the header row (default: found per sheet)"
    )
    rcm.add_argument(
        "--replace-bundled",
        action="store_true",
        help="the new catalog replaces the bundled control library (the SOC 2 and SOX "
        "frameworks stay; recorded state of bundled controls is kept and reported)",
    )
    rcm.set_defaults(handler=run)

    oscal = kinds.add_parser(
        "oscal",
        help="an OSCAL catalog (JSON or YAML), e.g. NIST SP 800-53",
        description="Groups, controls, sub-controls (enhancements), parameters and statements "
        "become a framework whose requirements are the controls.",
    )
    _common(oscal)
    oscal.add_argument("--id", metavar="ID", help="the framework id (default: from FILE)")
    oscal.add_argument("--name", metavar="NAME", help="the framework's short name")
    oscal.set_defaults(handler=run)

    ciso = kinds.add_parser(
        "ciso",
        help="a CISO Assistant library (YAML): a framework and/or mapping sets",
        description="A framework becomes a framework with the same tree; requirement mapping "
        "sets between two imported frameworks become crosswalk data.",
    )
    _common(ciso)
    ciso.add_argument("--id", metavar="ID", help="the framework id (default: from its URN)")
    ciso.add_argument("--name", metavar="NAME", help="the framework's short name")
    ciso.add_argument("--source", metavar="FW", help="mapping sets: our id of the source framework")
    ciso.add_argument("--target", metavar="FW", help="mapping sets: our id of the target framework")
    ciso.set_defaults(handler=run)


def _fail(message: str) -> int:
    return fail(message)


def run(args: argparse.Namespace) -> int:
    from workbench.core.catalog import CatalogError
    from workbench.core.importers import (
        FrameworkOptions,
        ImportFailure,
        Options,
        mapping_file,
        parse_map,
        plan_import,
        preview_lines,
        read_source,
        write_catalog,
    )
    from workbench.core.importers.vocab import slug
    from workbench.core.paths import config_dir

    db = db_target(args)
    source: Path = args.file
    catalog_id = (
        args.catalog_id
        or (getattr(args, "id", None) if args.kind != "rcm" else None)
        or slug(source.stem, "imported")
    )
    target: Path = args.output or config_dir() / "catalogs" / f"{catalog_id}.yaml"
    title = args.title or f"Imported from {source.name}"
    options: Options | FrameworkOptions
    try:
        if args.kind == "rcm":
            column_map: dict[str, str] = {}
            if args.mapping is not None:
                import yaml

                raw = read_source(args.mapping, db)
                try:
                    parsed = yaml.safe_load(raw.decode("utf-8-sig"))
                except (yaml.YAMLError, UnicodeDecodeError) as exc:
                    return _fail(f"{args.mapping}: not a readable mapping file ({exc})")
                column_map.update(mapping_file(parsed, str(args.mapping)))
            column_map.update(parse_map(args.map))
            options = Options(
                column_map=column_map,
                sheets=tuple(args.sheet),
                header_row=args.header_row,
                catalog_id=catalog_id,
                title=title,
                replace_bundled=args.replace_bundled,
            )
        else:
            options = FrameworkOptions(
                framework_id=args.id or "",
                name=args.name or "",
                catalog_id=args.catalog_id or "",
                title=args.title or "",
                source=getattr(args, "source", None) or "",
                target=getattr(args, "target", None) or "",
            )
        data = read_source(source, db)
        outcome = plan_import(
            args.kind,
            data,
            source.name,
            target,
            options=options,
            extra_dirs=args.catalogs,
            bundled_controls=not getattr(args, "no_bundled_controls", False),
            statuses=recorded_statuses(args),
        )
    except ValueError as exc:
        return _fail(str(exc))
    except ImportFailure as exc:
        return _fail(str(exc))
    except CatalogError as exc:
        sys.stderr.write(exc.report() + "\n")
        return _fail("the other catalogs do not load: fix them first")
    sys.stdout.write("\n".join(preview_lines(outcome)) + "\n")
    if outcome.errors:
        sys.stdout.write(f"nothing written: {len(outcome.errors)} error(s) above\n")
        return 2
    if args.dry_run:
        sys.stdout.write(f"dry run: nothing written (would write {target})\n")
        return 0
    try:
        write_catalog(target, outcome.text, db)
    except ImportFailure as exc:
        return _fail(str(exc))
    sys.stdout.write(f"wrote {target}\n")
    return 0
