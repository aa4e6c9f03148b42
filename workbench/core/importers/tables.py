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
    import zipfile

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            wb = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportFailure(f"{name}: not a readable xlsx workbook ({exc})") from None
    except Exception as exc:  # openpyxl raises its own kinds for damaged parts
        raise ImportFailure(f"{name}: not a readable xlsx workbook ({exc})") from None
    sheets = []
    for ws in wb.worksheets:
        rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        sheet = Sheet(ws.title, rows)
        _merged(sheet, ws)
        sheets.append(sheet)
    wb.close()
    return sheets


def _merged(sheet: Sheet, ws: Any) -> None:
    for rng in ws.merged_cells.ranges:
        top, left = rng.min_row, rng.min_col - 1
        value = sheet.cell(top, left)
        if rng.max_row > rng.min_row:
            for r in range(rng.min_row, rng.max_row + 1):
                row = sheet.rows[r - 1] if r <= len(sheet.rows) else None
                if row is None:
                    continue
                for c in range(rng.min_col - 1, rng.max_col):
                    while len(row) <= c:
                        row.append("")
                    row[c] = value
        elif rng.max_col - rng.min_col >= 2 and value:
            others = [
                v
                for i, v in enumerate(sheet.rows[top - 1])
                if v and not rng.min_col - 1 <= i < rng.max_col
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
