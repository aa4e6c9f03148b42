"""Risk-control matrices (xlsx or CSV) into a user catalog.

A matrix has one row per control, or per control x risk (a control repeated once for each
risk it addresses, its own cells repeated, merged or left blank). Headers vary between firms
and need not be on row 1: on each sheet the row that names the most known columns is the
header row (vocab.py; `--map "Ctrl Ref=id"` or a mapping file names the rest). Sheets without
such a row (instructions, summaries) are skipped and said so; an "Accounts" or "Systems"
sheet (as the RCM export writes) defines significant accounts or the system inventory.

Every cell that cannot be read is reported with sheet, row and column; an import with any
error writes nothing (the caller decides, see output.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from workbench.core.catalog import CatalogSet
from workbench.core.catalog.model import ASSERTIONS, INFORMATION_KINDS, SYSTEM_KINDS
from workbench.core.catalog.specs import ITEM_ID_RE

from . import vocab
from .problems import WARNING, ImportFailure, Where, column_letter
from .result import ImportResult, Preview
from .tables import EXCEL_ERRORS, Sheet, read_tables

HEADER_SCAN_ROWS = 30  # header rows further down than this are not looked for
MIN_HEADER_FIELDS = 3  # known columns a row must name to be taken as the header row
REQUIRED = ("id", "description", "frequency", "type", "nature")
SOC2, SOX = "soc2", "sox"
ACCOUNT_HEADERS = {
    "account id": "id",
    "account": "name",
    "account name": "name",
    "kind": "kind",
    "relevant assertions": "assertions",
    "assertions": "assertions",
    "description": "description",
}
SYSTEM_HEADERS = {
    "system id": "id",
    "system": "name",
    "system name": "name",
    "kind": "kind",
    "description": "description",
}
_SOC2_REF = re.compile(r"\b(CC|PI|A|C|P)\s?(\d{1,2})\.(\d{1,2})\b", re.IGNORECASE)
_COSO_REF = re.compile(r"\b(?:COSO[\s-]*)?(?:principle|P)?\s*-?\s*(\d{1,2})\b", re.IGNORECASE)
_SUPPORTING = re.compile(r"supporting\s*:", re.IGNORECASE)
_FILLER = re.compile(r"\b(and|or|see|also)\b|[,;/&+\s()]+", re.IGNORECASE)
PREVIEW_ROWS = 5
# List cells that say "nothing here" in the ways people write it.
NOTHING = frozenset({"", "n a", "na", "none", "not applicable", "nil"})
LIST_FIELDS = frozenset(
    {
        "systems",
        "ipe",
        "covers",
        "soc2",
        "coso",
        "sox",
        "other",
        "accounts",
        "assertions",
        "risk_id",
    }
)


@dataclass(slots=True)
class Options:
    column_map: dict[str, str] = field(default_factory=dict)  # normalised header -> field
    sheets: tuple[str, ...] = ()  # only these sheets (default: every sheet)
    header_row: int | None = None  # the header row on every sheet (default: found)
    catalog_id: str = ""
    title: str = ""
    replace_bundled: bool = False


def parse_map(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`--map "Ctrl Ref=id"` items -> {normalised header: field}. ValueError says why."""
    out: dict[str, str] = {}
    for item in items:
        header, sep, target = item.rpartition("=")
        if not sep or not header.strip() or not target.strip():
            raise ValueError(f"--map {item!r}: expected HEADER=FIELD (e.g. 'Ctrl Ref=id')")
        out[vocab.normalise_header(header)] = check_field(target.strip(), f"--map {item!r}")
    return out


def mapping_file(data: Any, shown: str) -> dict[str, str]:
    """A mapping file's content (YAML: `Header: field`, or under `columns:`)."""
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict):
        raise ValueError(f"{shown}: expected a mapping of column header to field")
    out: dict[str, str] = {}
    for header, target in data.items():
        if not isinstance(target, str):
            raise ValueError(f"{shown}: {header!r}: expected a field name, found {target!r}")
        out[vocab.normalise_header(str(header))] = check_field(
            target.strip(), f"{shown}: {header!r}"
        )
    return out


def check_field(name: str, where: str) -> str:
    if name == vocab.IGNORE or name in vocab.FIELDS:
        return name
    raise ValueError(
        f"{where}: unknown field {name!r} (fields: {', '.join(vocab.FIELDS)}, or ignore)"
    )


@dataclass(slots=True)
class _Columns:
    """The header row of a sheet and what each column holds."""

    row: int
    fields: dict[str, int]  # field -> column
    headers: dict[int, str]  # column -> header text
    unmapped: list[int]
    state: list[int]  # recorded-state columns (status, test, findings): not imported


@dataclass(slots=True)
class _Control:
    id: str
    where: Where  # its first row
    sheet: Sheet
    cols: _Columns
    cells: dict[str, str]  # control fields as read from its first row (and filled later)
    rows: list[int]
    risks: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Risk:
    id: str
    where: Where
    title: str = ""
    accounts: list[str] = field(default_factory=list)
    assertions: set[str] = field(default_factory=set)
    fraud: bool = False
    likelihood: str = ""
    magnitude: str = ""
    defined: bool = False  # this import defines it (else it names an existing risk)


class _Reader:
    def __init__(self, sheets: list[Sheet], context: CatalogSet, options: Options, name: str):
        self.sheets = sheets
        self.context = context
        self.options = options
        self.result = ImportResult("rcm", name, {}, Preview(f"RCM {name}"))
        self.controls: dict[str, _Control] = {}
        self.risks: dict[str, _Risk] = {}
        self.risk_by_text: dict[str, str] = {}
        self.accounts: dict[str, dict[str, Any]] = {}  # defined by this import
        self.account_names: dict[str, str] = {}  # lower name or id -> id
        self.sheet_accounts: set[str] = set()  # from an Accounts sheet: assertions as given
        self.systems: dict[str, dict[str, Any]] = {}
        self.system_names: dict[str, str] = {}
        self.control_sheets = 0
        self.rows_read = 0
        self.layouts: dict[str, list[str]] = {}  # how sheets were read -> their names
        self.unmapped: dict[str, list[str]] = {}  # header -> where (columns not imported)
        # Items of other catalogs are found by their id only ("Revenue [REV]" or "REV"): a name
        # alone may mean something else in another catalog.
        self.context_accounts = set(context.accounts)
        self.context_systems = set(context.systems)

    # -- problems --------------------------------------------------------------------------
    @staticmethod
    def at(sheet: Sheet, row: int, cols: _Columns, fld: str) -> Where:
        """The cell of a field in a row (the row alone when the sheet has no such column)."""
        col = cols.fields.get(fld)
        header = cols.headers.get(col, "") if col is not None else ""
        return Where(sheet.name, row, col, header, whole_file=sheet.is_csv)

    def error(self, where: Where, message: str) -> None:
        self.result.add(where, message)

    def warn(self, where: Where, message: str) -> None:
        self.result.add(where, message, WARNING)

    # -- sheets ----------------------------------------------------------------------------
    def run(self) -> ImportResult:
        wanted = set(self.options.sheets)
        known = {s.name for s in self.sheets}
        for name in wanted - known:
            names = ", ".join(sorted(known))
            raise ImportFailure(f"{self.result.source}: no sheet named {name!r} (sheets: {names})")
        chosen = [s for s in self.sheets if not wanted or s.name in wanted]
        layouts: list[tuple[Sheet, str, _Columns | None]] = []
        skipped = []
        for sheet in chosen:
            kind, cols = self._layout(sheet)
            if kind == "skip":
                skipped.append(sheet.name)
            layouts.append((sheet, kind, cols))
        for sheet, kind, cols in layouts:  # inventories first: control rows refer to them
            if kind == "accounts" and cols is not None:
                self._accounts_sheet(sheet, cols)
            elif kind == "systems" and cols is not None:
                self._systems_sheet(sheet, cols)
        self.control_sheets = sum(1 for _, kind, _ in layouts if kind == "controls")
        for sheet, kind, cols in layouts:
            if kind == "controls" and cols is not None:
                self._control_sheet(sheet, cols)
        if not self.control_sheets:
            listed = ", ".join(repr(s.name) for s in chosen) or "none"
            self.error(
                Where(self.result.source),
                f"no sheet has a header row naming a control id and at least "
                f"{MIN_HEADER_FIELDS} known columns (sheets: {listed}); map columns with "
                "--map 'HEADER=FIELD' (fields: " + ", ".join(vocab.FIELDS) + ")",
            )
        for how, sheet_names in self.layouts.items():
            shown = ", ".join(repr(n) for n in sheet_names[:6])
            more = f" and {len(sheet_names) - 6} more" if len(sheet_names) > 6 else ""
            label = "sheets" if len(sheet_names) > 1 else "sheet"
            self.result.preview.facts.append(f"{label} {shown}{more}: {how}")
        for header, places in self.unmapped.items():
            more = f" and {len(places) - 1} more sheets" if len(places) > 1 else ""
            self.result.preview.unmapped.append(f"{header!r} ({places[0]}{more})")
        if skipped:
            self.result.preview.facts.append(
                "sheets skipped (no header row found): " + ", ".join(repr(s) for s in skipped)
            )
        self._finish()
        return self.result

    def _header_fields(self, cells: list[str]) -> tuple[dict[str, int], dict[int, str]]:
        fields: dict[str, int] = {}
        headers: dict[int, str] = {}
        for col, text in enumerate(cells):
            if not text:
                continue
            headers[col] = text
            norm = vocab.normalise_header(text)
            target = self.options.column_map.get(norm) or vocab.field_for_header(text)
            if target and target != vocab.IGNORE and target not in fields:
                fields[target] = col
        return fields, headers

    def _layout(self, sheet: Sheet) -> tuple[str, _Columns | None]:
        """What a sheet holds (controls, accounts, systems or nothing) and its header row."""
        rows = (
            [self.options.header_row]
            if self.options.header_row
            else range(1, min(HEADER_SCAN_ROWS, len(sheet.rows)) + 1)
        )
        best: tuple[int, int] | None = None  # (score, row)
        for r in rows:
            cells = sheet.rows[r - 1] if r <= len(sheet.rows) else []
            norms = {vocab.normalise_header(c) for c in cells if c}
            if {"account id", "relevant assertions"} <= norms:
                return "accounts", self._special(sheet, r, ACCOUNT_HEADERS)
            if {"system id", "kind"} <= norms:
                return "systems", self._special(sheet, r, SYSTEM_HEADERS)
            fields, _ = self._header_fields(cells)
            score = len(fields)
            if best is None or score > best[0]:
                best = (score, r)
        if best is None or best[0] < MIN_HEADER_FIELDS:
            return "skip", None
        r = best[1]
        fields, headers = self._header_fields(sheet.rows[r - 1])
        used = set(fields.values())
        state = [fields[f] for f in vocab.STATE_FIELDS if f in fields]
        ignored = {
            c
            for c, text in headers.items()
            if self.options.column_map.get(vocab.normalise_header(text)) == vocab.IGNORE
        }
        unmapped = [c for c in headers if c not in used and c not in ignored]
        cols = _Columns(r, fields, headers, unmapped, state)
        self._swap_type_and_nature(sheet, cols)
        return "controls", cols

    def _special(self, sheet: Sheet, r: int, known: dict[str, str]) -> _Columns:
        fields: dict[str, int] = {}
        headers: dict[int, str] = {}
        for col, text in enumerate(sheet.rows[r - 1]):
            if text:
                headers[col] = text
                target = known.get(vocab.normalise_header(text))
                if target and target not in fields:
                    fields[target] = col
        return _Columns(r, fields, headers, [c for c in headers if c not in fields.values()], [])

    def _swap_type_and_nature(self, sheet: Sheet, cols: _Columns) -> None:
        """'Control Type' holds Manual/Automated in some matrices: trust the values."""
        for have, other, table, other_table in (
            ("type", "nature", vocab.TYPES, vocab.NATURES),
            ("nature", "type", vocab.NATURES, vocab.TYPES),
        ):
            col = cols.fields.get(have)
            if col is None or other in cols.fields:
                continue
            values = [sheet.cell(r, col) for r in range(cols.row + 1, len(sheet.rows) + 1)]
            values = [v for v in values if v]
            fits = sum(1 for v in values if vocab.lookup(table, v))
            fits_other = sum(1 for v in values if vocab.lookup(other_table, v))
            if values and fits_other > fits:
                del cols.fields[have]
                cols.fields[other] = col
                self.warn(
                    Where(
                        sheet.name,
                        cols.row,
                        col,
                        cols.headers.get(col, ""),
                        whole_file=sheet.is_csv,
                    ),
                    f"this column holds {other} values ({', '.join(sorted(set(values))[:4])}): "
                    f"read as the control's {other}",
                )
                return

    # -- inventories -----------------------------------------------------------------------
    def _accounts_sheet(self, sheet: Sheet, cols: _Columns) -> None:
        for r in range(cols.row + 1, len(sheet.rows) + 1):
            get = {f: sheet.cell(r, c) for f, c in cols.fields.items()}
            if not any(get.values()):
                continue
            aid = get.get("id", "")
            if not aid or not ITEM_ID_RE.match(aid):
                self.error(self.at(sheet, r, cols, "id"), f"not an account id: {aid!r}")
                continue
            assertions = self._assertions(get.get("assertions", ""), sheet, r, cols)
            kind = (get.get("kind") or "account").lower()
            if kind not in ("account", "disclosure"):
                self.error(self.at(sheet, r, cols, "kind"), f"unknown kind {kind!r}")
                kind = "account"
            if aid in self.context.accounts:
                continue  # defined by another catalog: rows refer to it
            if aid in self.accounts:
                self.error(self.at(sheet, r, cols, "id"), f"account {aid!r} is listed twice")
                continue
            entry: dict[str, Any] = {"id": aid, "name": get.get("name") or aid}
            if kind != "account":
                entry["kind"] = kind
            entry["assertions"] = [a for a in ASSERTIONS if a in assertions]
            if get.get("description"):
                entry["description"] = get["description"]
            self.accounts[aid] = entry
            self.sheet_accounts.add(aid)
            self.account_names[aid.lower()] = aid
            self.account_names.setdefault(entry["name"].lower(), aid)

    def _systems_sheet(self, sheet: Sheet, cols: _Columns) -> None:
        for r in range(cols.row + 1, len(sheet.rows) + 1):
            get = {f: sheet.cell(r, c) for f, c in cols.fields.items()}
            if not any(get.values()):
                continue
            sid = get.get("id", "")
            if not sid or not ITEM_ID_RE.match(sid):
                self.error(self.at(sheet, r, cols, "id"), f"not a system id: {sid!r}")
                continue
            kind = (get.get("kind") or "application").lower()
            if kind not in SYSTEM_KINDS:
                self.error(
                    self.at(sheet, r, cols, "kind"),
                    f"unknown kind {kind!r} (expected one of: {', '.join(SYSTEM_KINDS)})",
                )
                continue
            if sid in self.context.systems:
                continue  # the inventory already has it
            entry: dict[str, Any] = {"id": sid, "name": get.get("name") or sid, "kind": kind}
            if get.get("description"):
                entry["description"] = get["description"]
            self.systems[sid] = entry
            self.system_names[sid.lower()] = sid
            self.system_names.setdefault(entry["name"].lower(), sid)

    # -- control rows ----------------------------------------------------------------------
    def _control_sheet(self, sheet: Sheet, cols: _Columns) -> None:
        for fld in REQUIRED:
            if fld not in cols.fields:
                label = vocab.HEADERS[fld]
                self.error(
                    Where(sheet.name, cols.row, whole_file=sheet.is_csv),
                    f"no {label!r} column in the header row (row {cols.row}): map the column "
                    f"that holds it with --map 'HEADER={fld}'",
                )
        self._column_facts(sheet, cols)
        if "id" not in cols.fields:
            return
        process = subprocess = section = ""
        for r in range(cols.row + 1, len(sheet.rows) + 1):
            if r in sheet.sections:
                section = sheet.sections[r]
                process = subprocess = ""
                continue
            get = {f: sheet.cell(r, c) for f, c in cols.fields.items()}
            if not any(v for f, v in get.items() if f not in vocab.STATE_FIELDS):
                continue
            for fld, value in get.items():
                if value in EXCEL_ERRORS:
                    self.error(
                        self.at(sheet, r, cols, fld), f"the cell holds an Excel error {value}"
                    )
                    get[fld] = ""
                elif fld in LIST_FIELDS and vocab.normalise_header(value) in NOTHING:
                    get[fld] = ""
            if get.get("process"):
                process, subprocess = get["process"], ""
            if get.get("subprocess"):
                subprocess = get["subprocess"]
            # a matrix with a sheet per process and no process column: the sheet names it
            by_sheet = (
                sheet.name if self.control_sheets > 1 and "process" not in cols.fields else ""
            )
            get["process"] = process or section or by_sheet
            get["subprocess"] = subprocess
            cid = get.get("id", "")
            content = [f for f in vocab.CONTROL_FIELDS if get.get(f) and f != "domain"]
            if not cid:
                if content:
                    self.error(
                        self.at(sheet, r, cols, "id"),
                        "no control id in this row (it has "
                        + ", ".join(vocab.HEADERS[f] for f in content[:3])
                        + ")",
                    )
                else:  # a risk that no control addresses yet (a gap the matrix shows)
                    self._risk(sheet, r, cols, get)
                continue
            self.rows_read += 1
            self._row(sheet, r, cols, cid, get)

    def _column_facts(self, sheet: Sheet, cols: _Columns) -> None:
        """How a sheet was read (sheets read alike are told once, in _finish)."""
        where = f"sheet {sheet.name!r}" if not sheet.is_csv else sheet.name
        canonical = {vocab.normalise_header(h): f for f, h in vocab.HEADERS.items()}
        renamed = [
            f"{cols.headers[c]} -> {f}"
            for f, c in sorted(cols.fields.items(), key=lambda x: x[1])
            if canonical.get(vocab.normalise_header(cols.headers[c])) != f
        ]
        how = f"header row {cols.row}, {len(cols.fields)} columns recognised"
        if renamed:
            how += ": " + ", ".join(renamed)
        if cols.state:
            how += "; recorded state not imported: " + ", ".join(
                cols.headers[c] for c in cols.state
            )
        if sheet.is_csv:
            self.result.preview.facts.append(f"{sheet.name}: {how}")
        else:
            self.layouts.setdefault(how, []).append(sheet.name)
        for c in cols.unmapped:
            self.unmapped.setdefault(cols.headers[c], []).append(
                f"{where} column {column_letter(c)}"
            )

    def _row(self, sheet: Sheet, r: int, cols: _Columns, raw_id: str, get: dict[str, str]) -> None:
        cid = raw_id
        if not ITEM_ID_RE.match(cid):
            cid = re.sub(r"[^A-Za-z0-9._-]+", "-", raw_id).strip("-._") or "X"
            self.warn(self.at(sheet, r, cols, "id"), f"control id {raw_id!r} written as {cid!r}")
        cells = {f: get.get(f, "") for f in (*vocab.CONTROL_FIELDS, *vocab.GROUP_FIELDS)}
        cells["id"] = cid
        found = self.controls.get(cid)
        risk_id = self._risk(sheet, r, cols, get)
        if found is None:
            found = _Control(cid, self.at(sheet, r, cols, "id"), sheet, cols, cells, [r])
            self.controls[cid] = found
        else:
            first = found.where
            same_place = f"row {first.row}" + (
                f" of sheet {first.sheet!r}" if first.sheet != sheet.name else ""
            )
            differs = [
                f
                for f in (*vocab.CONTROL_FIELDS, *vocab.GROUP_FIELDS)
                if cells[f] and found.cells[f] and cells[f] != found.cells[f]
            ]
            if differs:
                fld = differs[0]
                label = cols.headers.get(cols.fields.get(fld, -1), vocab.HEADERS[fld])
                self.error(
                    self.at(sheet, r, cols, fld),
                    f"duplicate control id {cid!r} (first at {same_place}): {label} differs",
                )
                return
            if risk_id is None or risk_id in found.risks:
                self.error(
                    self.at(sheet, r, cols, "id"),
                    f"duplicate control id {cid!r} (first at {same_place}): the row adds no "
                    "new risk",
                )
                return
            for f, v in cells.items():
                if v and not found.cells[f]:
                    found.cells[f] = v
            found.rows.append(r)
        if risk_id is not None and risk_id not in found.risks:
            found.risks.append(risk_id)

    def _risk(self, sheet: Sheet, r: int, cols: _Columns, get: dict[str, str]) -> str | None:
        if not any(get.get(f) for f in vocab.RISK_FIELDS):
            return None
        rid = get.get("risk_id", "")
        title = get.get("risk", "")
        if rid and not ITEM_ID_RE.match(rid):
            self.error(self.at(sheet, r, cols, "risk_id"), f"not a risk id: {rid!r}")
            return None
        if not rid:
            if not title:
                self.error(
                    self.at(sheet, r, cols, "risk"),
                    "risk details without a risk: give what could go wrong (or a risk id)",
                )
                return None
            rid = self.risk_by_text.get(title.lower()) or self._new_risk_id()
            self.risk_by_text[title.lower()] = rid
        risk = self.risks.get(rid)
        if risk is None:
            risk = _Risk(rid, self.at(sheet, r, cols, "risk_id" if get.get("risk_id") else "risk"))
            self.risks[rid] = risk
        if title:
            if risk.title and risk.title != title:
                self.error(
                    self.at(sheet, r, cols, "risk"),
                    f"risk {rid!r} has another description at row {risk.where.row}",
                )
                return rid
            risk.title = title
            risk.defined = True
        accounts = [
            self._account(t, sheet, r, cols) for t in vocab.split_list(get.get("accounts", ""))
        ]
        risk.accounts += [a for a in accounts if a and a not in risk.accounts]
        risk.assertions |= self._assertions(get.get("assertions", ""), sheet, r, cols)
        if get.get("fraud"):
            flag = vocab.yes_no(get["fraud"])
            if flag is None:
                self.error(self.at(sheet, r, cols, "fraud"), f"not yes or no: {get['fraud']!r}")
            risk.fraud = risk.fraud or bool(flag)
        for fld in ("likelihood", "magnitude"):
            if get.get(fld):
                level = vocab.lookup(vocab.LEVELS, get[fld])
                if level is None:
                    self.error(
                        self.at(sheet, r, cols, fld),
                        f"unknown {fld} {get[fld]!r} (expected Low, Medium or High)",
                    )
                else:
                    setattr(risk, fld, level)
        return rid

    def _new_risk_id(self) -> str:
        n = len(self.risks) + 1
        while f"R-{n:03d}" in self.risks or f"R-{n:03d}" in self.context.risks:
            n += 1
        return f"R-{n:03d}"

    def _account(self, token: str, sheet: Sheet, r: int, cols: _Columns) -> str:
        name, given = vocab.name_and_id(token)
        for key in (given, name):
            if key and key in self.context_accounts:
                return key
        for key in (given, name):
            if key and key.lower() in self.account_names:
                return self.account_names[key.lower()]
        aid = given or vocab.make_id(name)
        base, n = aid, 2
        while aid in self.context.accounts or aid in self.accounts:
            aid, n = f"{base}-{n}", n + 1
        self.accounts[aid] = {"id": aid, "name": name or aid, "assertions": []}
        self.account_names[aid.lower()] = aid
        self.account_names.setdefault((name or aid).lower(), aid)
        return aid

    def _assertions(self, text: str, sheet: Sheet, r: int, cols: _Columns) -> set[str]:
        found: set[str] = set()
        for piece in re.split(r"[,;\n]+", text):
            piece = piece.strip()
            if not piece:
                continue
            whole = vocab.lookup(vocab.ASSERTION_WORDS, piece)
            if whole:
                found.add(whole)
                continue
            for part in re.split(r"[\s/&+]+", piece):
                if not part:
                    continue
                one = vocab.lookup(vocab.ASSERTION_WORDS, part)
                if one is None:
                    self.error(
                        self.at(sheet, r, cols, "assertions"),
                        f"unknown assertion {part!r} (use E/O, C, V/A, R&O, P&D, CO or the "
                        "words: existence, completeness, valuation, rights, presentation, "
                        "cut-off)",
                    )
                else:
                    found.add(one)
        return found

    def _control(self, ctl: _Control) -> dict[str, Any]:
        """The catalog entry of a control, from its cells (the first row, filled by later
        rows where it was blank); problems name the first row."""
        c, sheet, cols, r = ctl.cells, ctl.sheet, ctl.cols, ctl.rows[0]
        out: dict[str, Any] = {"id": ctl.id}
        description = c["description"] or c["title"]
        if not description and "description" in cols.fields:
            self.error(self.at(sheet, r, cols, "description"), "the control description is empty")
        out["title"] = c["title"] or _title_from(description)
        out["description"] = description
        out["domain"] = c["domain"] or c["process"] or sheet.name
        if c["process"]:
            out["process"] = c["process"]
        if c["subprocess"]:
            out["subprocess"] = c["subprocess"]
        for fld, table, labels in (
            ("frequency", vocab.FREQUENCIES, vocab.FREQUENCY_LABELS),
            ("type", vocab.TYPES, vocab.TYPE_LABELS),
            ("nature", vocab.NATURES, vocab.NATURE_LABELS),
        ):
            if fld not in cols.fields:
                continue
            value = c[fld]
            parsed = vocab.lookup(table, value) if value else None
            if parsed is None and value and fld == "type":
                parsed = self._first_type(value, sheet, r, cols)
            if parsed is None:
                what = f"unknown {fld} {value!r}" if value else f"the {fld} is empty"
                self.error(
                    self.at(sheet, r, cols, fld),
                    f"{what} (expected one of: {', '.join(labels.values())})",
                )
            out[fld] = parsed or ""
        if c["key"]:
            key = vocab.yes_no(c["key"])
            if key is None:
                self.error(self.at(sheet, r, cols, "key"), f"not key or non-key: {c['key']!r}")
            out["key"] = bool(key)
        else:
            out["key"] = False
        if c["owner"]:
            out["owner_role"] = c["owner"]
        ipe = [self._system(t, sheet, r, cols, "ipe") for t in vocab.split_list(c["ipe"])]
        covers = [self._system(t, sheet, r, cols, "covers") for t in vocab.split_list(c["covers"])]
        systems = [
            self._system(t, sheet, r, cols, "systems") for t in vocab.split_list(c["systems"])
        ]
        systems = [s for s in dict.fromkeys(systems) if s and s not in ipe]
        if systems:
            out["systems"] = systems
        if covers:
            out["covers"] = [s for s in dict.fromkeys(covers) if s]
        if ipe:
            out["ipe"] = [s for s in dict.fromkeys(ipe) if s]
        satisfies: dict[str, list[str]] = {}
        supports: dict[str, list[str]] = {}
        for fld in ("soc2", "coso", "sox", "other"):
            if c[fld]:
                self._mappings(fld, c[fld], sheet, r, cols, satisfies, supports)
        if satisfies:
            out["satisfies"] = satisfies
        if supports:
            out["supports"] = supports
        return out

    def _first_type(self, value: str, sheet: Sheet, r: int, cols: _Columns) -> str | None:
        """'Preventive / Detective': the first type named, with a warning."""
        for part in re.split(r"[\s/&,;+]+", value):
            parsed = vocab.lookup(vocab.TYPES, part) if part else None
            if parsed:
                self.warn(
                    self.at(sheet, r, cols, "type"),
                    f"more than one type in {value!r}: {parsed} kept",
                )
                return parsed
        return None

    def _system(self, token: str, sheet: Sheet, r: int, cols: _Columns, fld: str) -> str:
        name, given = vocab.name_and_id(token)
        for key in (given, name):
            found = key if key and key in self.context_systems else None
            if key and found is None:
                found = self.system_names.get(key.lower())
            if found:
                sid = found
                kind = self._system_kind(sid)
                if fld == "ipe" and kind not in INFORMATION_KINDS:
                    self.error(
                        self.at(sheet, r, cols, fld),
                        f"{token!r} is {kind} system {sid}: IPE lists reports and spreadsheets",
                    )
                    return ""
                return sid
        kind = "application"
        if fld == "ipe":
            kind = (
                "spreadsheet"
                if re.search(r"spreadsheet|workbook|xls|excel", name, re.I)
                else "report"
            )
        sid = given or vocab.make_id(name, "RPT-" if kind == "report" else "")
        base, n = sid, 2
        while sid in self.context.systems or sid in self.systems:
            sid, n = f"{base}-{n}", n + 1
        self.systems[sid] = {"id": sid, "name": name or sid, "kind": kind}
        self.system_names[sid.lower()] = sid
        self.system_names.setdefault((name or sid).lower(), sid)
        return sid

    def _system_kind(self, sid: str) -> str:
        if sid in self.systems:
            return str(self.systems[sid]["kind"])
        return self.context.systems[sid].kind

    def _mappings(
        self,
        fld: str,
        text: str,
        sheet: Sheet,
        r: int,
        cols: _Columns,
        satisfies: dict[str, list[str]],
        supports: dict[str, list[str]],
    ) -> None:
        parts = _SUPPORTING.split(text, maxsplit=1)
        for block, into in zip(parts, (satisfies, supports), strict=False):
            for fw_id, rid in self._refs(fld, block, sheet, r, cols):
                refs = into.setdefault(fw_id, [])
                if rid not in refs:
                    refs.append(rid)

    def _refs(
        self, fld: str, text: str, sheet: Sheet, r: int, cols: _Columns
    ) -> list[tuple[str, str]]:
        where = self.at(sheet, r, cols, fld)
        out: list[tuple[str, str]] = []
        if fld == "soc2":
            found = [
                (m.group(0), f"{m.group(1).upper()}{m.group(2)}.{m.group(3)}")
                for m in _SOC2_REF.finditer(text)
            ]
            leftover = _SOC2_REF.sub(" ", text)
            refs = [(SOC2, rid) for _, rid in found]
            example = "CC6.1, CC6.2"
        elif fld == "coso":
            refs = []
            text = re.sub(r"coso\s*2013", " ", text, flags=re.IGNORECASE)
            for m in _COSO_REF.finditer(text):
                n = int(m.group(1))
                if not 1 <= n <= 17:
                    self.error(where, f"COSO principle {n} does not exist (1-17)")
                    continue
                refs.append((SOX, f"COSO-P{n:02d}"))
            leftover = _COSO_REF.sub(" ", text)
            example = "P1, P10 (or COSO 1, 10)"
        elif fld == "sox":
            refs = [(SOX, t) for t in re.split(r"[,;\s]+", text) if t]
            leftover = ""
            example = "ITGC-APD-02, BP-REV"
        else:
            refs = []
            for t in re.split(r"[,;\s]+", text):
                if not t:
                    continue
                fw, sep, rid = t.partition(":")
                if not sep or not fw or not rid:
                    self.error(where, f"could not read {t!r} (expected FRAMEWORK:REQUIREMENT)")
                    continue
                refs.append((fw, rid))
            leftover = ""
            example = "acme:ACME-1.1"
        rest = _FILLER.sub(" ", leftover).strip()
        if rest:
            self.error(where, f"could not read {rest!r} (expected references like {example})")
        for fw_id, rid in refs:
            fw = self.context.frameworks.get(fw_id)
            if fw is None:
                known = ", ".join(self.context.frameworks) or "none"
                self.error(where, f"unknown framework {fw_id!r} (known: {known})")
                continue
            node = fw.nodes.get(rid)
            if node is None:
                self.error(where, f"unknown {fw.name} requirement {rid!r}")
                continue
            if node.is_group:
                self.error(where, f"{fw.name} {rid} is a group, not a requirement")
                continue
            out.append((fw_id, rid))
        return out

    # -- the catalog -----------------------------------------------------------------------
    def _finish(self) -> None:
        risks_out: list[dict[str, Any]] = []
        origins = self.result.origins
        for risk in self.risks.values():
            known = self.context.risks.get(risk.id)
            if known is not None:  # defined by another catalog: the controls refer to it
                if risk.defined and risk.title != known.title:
                    self.warn(
                        risk.where,
                        f"risk {risk.id!r} is defined at {known.source} with another "
                        "description: that definition is used",
                    )
                continue
            if not risk.defined:
                self.error(risk.where, f"risk {risk.id!r} has no description (what could go wrong)")
                continue
            if not risk.accounts:
                self.error(risk.where, f"risk {risk.id!r} names no account it threatens")
            if not risk.assertions:
                self.error(risk.where, f"risk {risk.id!r} names no assertion it threatens")
            for aid in risk.accounts:
                acc = self.accounts.get(aid)
                if acc is not None and aid not in self.sheet_accounts:
                    acc["assertions"] = sorted(
                        set(acc["assertions"]) | risk.assertions, key=ASSERTIONS.index
                    )
            relevant = set()
            for aid in risk.accounts:
                if aid in self.accounts:
                    relevant |= set(self.accounts[aid]["assertions"])
                elif aid in self.context.accounts:
                    relevant |= set(self.context.accounts[aid].assertions)
            for a in sorted(risk.assertions - relevant, key=ASSERTIONS.index):
                if risk.accounts:
                    self.error(
                        risk.where,
                        f"{a!r} is not a relevant assertion of {', '.join(risk.accounts)}: "
                        "add it to the account's relevant assertions",
                    )
            entry: dict[str, Any] = {
                "id": risk.id,
                "title": risk.title,
                "accounts": risk.accounts,
                "assertions": [a for a in ASSERTIONS if a in risk.assertions],
            }
            if risk.likelihood:
                entry["likelihood"] = risk.likelihood
            if risk.magnitude:
                entry["magnitude"] = risk.magnitude
            if risk.fraud:
                entry["fraud"] = True
            origins[("risks", len(risks_out))] = risk.where
            origins[("risks", risk.id)] = risk.where
            risks_out.append(entry)
        controls_out: list[dict[str, Any]] = []
        for ctl in self.controls.values():
            entry = self._control(ctl)
            if ctl.risks:
                entry["risks"] = ctl.risks
            # keep the catalog's key order: risks before the mappings
            ordered = {k: entry[k] for k in entry if k not in ("satisfies", "supports")}
            for k in ("satisfies", "supports"):
                if k in entry:
                    ordered[k] = entry[k]
            origins[("controls", len(controls_out))] = ctl.where
            origins[("controls", ctl.id)] = ctl.where
            controls_out.append(ordered)
        header: dict[str, Any] = {
            "id": self.options.catalog_id,
            "title": self.options.title,
            "version": "1",
        }
        if self.options.replace_bundled:
            header["replaces_bundled_controls"] = True
        data: dict[str, Any] = {"catalog": header}
        if self.systems:
            data["systems"] = list(self.systems.values())
        if self.accounts:
            data["accounts"] = list(self.accounts.values())
        if risks_out:
            data["risks"] = risks_out
        data["controls"] = controls_out
        self.result.data = data
        self._preview(controls_out, risks_out)

    def _preview(self, controls: list[dict[str, Any]], risks: list[dict[str, Any]]) -> None:
        p = self.result.preview
        maps: dict[str, int] = {}
        for c in controls:
            for block in ("satisfies", "supports"):
                for fw, ids in c.get(block, {}).items():
                    maps[fw] = maps.get(fw, 0) + len(ids)
        p.counts = [
            ("rows read", self.rows_read),
            ("controls", len(controls)),
            ("key controls", sum(1 for c in controls if c.get("key"))),
            ("risks", len(risks)),
            ("fraud risks", sum(1 for r in risks if r.get("fraud"))),
            ("accounts", len(self.accounts)),
            ("systems", len(self.systems)),
            *((f"{fw} mappings", n) for fw, n in maps.items()),
        ]
        for c in controls[:PREVIEW_ROWS]:
            flags = "key" if c.get("key") else "non-key"
            risks_text = ", ".join(c.get("risks", [])) or "no risk"
            p.first_rows.append(
                f"{c['id']}  {c.get('process') or c['domain']}  {c.get('frequency') or '?'}  "
                f"{c.get('nature') or '?'}  {flags}  [{risks_text}]  {_clip(c['title'], 60)}"
            )


def _title_from(description: str) -> str:
    """A title from a description: its first sentence, at most 80 characters."""
    first = re.split(r"(?<=[.!?])\s", description.strip(), maxsplit=1)[0].rstrip(".")
    return _clip(first, 80) or "Untitled control"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def read_rcm(data: bytes, name: str, context: CatalogSet, options: Options) -> ImportResult:
    """Read an RCM (xlsx or CSV bytes) against the loaded catalogs. Raises ImportFailure for
    a file that cannot be read at all; every other problem is in the result."""
    sheets = read_tables(data, name)
    reader = _Reader(sheets, context, options, name)
    return reader.run()
