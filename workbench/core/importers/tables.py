"""Spreadsheets as plain tables of text: every sheet of an xlsx workbook, or one CSV file.

Cells become text as a reader would see them (a whole number without '.0', a date as
YYYY-MM-DD). Vertically merged cells (a process or risk written once beside several control
rows) give their value to every row they span; a row merged across the table is a section
title, kept apart. Excel error values (#REF!, #N/A, ...) are kept so that they can be
reported with their row and column.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .problems import ImportFailure

EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(slots=True)
class Sheet:
    name: str
    rows: list[list[str]]  # rows[i] is spreadsheet row i + 1
    sections: dict[int, str] = field(default_factory=dict)  # row number -> section title
    is_csv: bool = False

    def cell(self, row: int, col: int) -> str:
        """The text at a 1-based row and 0-based column ('' when out of range)."""
        cells = self.rows[row - 1] if 0 < row <= len(self.rows) else []
        return cells[col] if col < len(cells) else ""


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def read_tables(data: bytes, name: str) -> list[Sheet]:
    """Every sheet of the file (an xlsx workbook or one CSV file). Raises ImportFailure."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise ImportFailure(
            f"{name}: the old Excel 97-2003 format (.xls) cannot be read: save it as .xlsx or .csv"
        )
    if suffix in XLSX_SUFFIXES or (suffix not in CSV_SUFFIXES and data.startswith(ZIP_MAGIC)):
        return read_xlsx(data, name)
    return [read_csv(data, name)]


def read_xlsx(data: bytes, name: str) -> list[Sheet]:
    """Every worksheet, read in openpyxl's read-only mode (twice as fast as building cell
    objects); merged ranges are read from each sheet's XML, which that mode skips."""
    import zipfile

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            archive = zipfile.ZipFile(io.BytesIO(data))
            sheets = []
            for ws in wb.worksheets:
                if not hasattr(ws, "iter_rows"):  # a chartsheet: no cells
                    continue
                ws.reset_dimensions()  # some writers record a wrong used range
                rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
                sheet = Sheet(ws.title, rows)
                _merged(sheet, _merged_ranges(archive, getattr(ws, "_worksheet_path", "")))
                sheets.append(sheet)
            wb.close()
    except ImportFailure:
        raise
    except Exception as exc:  # zipfile, XML and openpyxl's own errors for damaged parts
        raise ImportFailure(f"{name}: not a readable xlsx workbook ({exc})") from None
    return sheets


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _merged_ranges(archive: Any, path: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of each merged range of a sheet (1-based)."""
    if not path:
        return []
    try:
        xml = archive.read(path.lstrip("/"))
    except KeyError:
        return []
    out = []
    for m in _MERGE_REF.finditer(xml):
        c1, r1, c2, r2 = (
            _col_index(m.group(1)),
            int(m.group(2)),
            _col_index(m.group(3)),
            int(m.group(4)),
        )
        out.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    return out


def _merged(sheet: Sheet, ranges: list[tuple[int, int, int, int]]) -> None:
    for min_row, min_col, max_row, max_col in ranges:
        top, left = min_row, min_col - 1
        value = sheet.cell(top, left)
        if max_row > min_row:
            for r in range(min_row, min(max_row, len(sheet.rows)) + 1):
                row = sheet.rows[r - 1]
                for c in range(min_col - 1, max_col):
                    while len(row) <= c:
                        row.append("")
                    row[c] = value
        elif max_col - min_col >= 2 and value and top <= len(sheet.rows):
            others = [
                v for i, v in enumerate(sheet.rows[top - 1]) if v and not min_col - 1 <= i < max_col
            ]
            if not others:  # a title across the table: a section, not a control row
                sheet.sections[top] = value


def read_csv(data: bytes, name: str) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # what spreadsheets save as "CSV"
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise ImportFailure(f"{name}: not readable as CSV ({exc})") from None
    return Sheet(Path(name).name, rows, is_csv=True)
