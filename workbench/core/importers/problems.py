"""Import problems: each names where it is (file or sheet, row, column) and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (spreadsheet column names)."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass(frozen=True, slots=True)
class Where:
    """A place in an imported file: a sheet (or the file) and optionally a row and column."""

    sheet: str  # sheet name, or the file name for a CSV, JSON or YAML file
    row: int | None = None  # 1-based, as a spreadsheet shows it
    column: int | None = None  # 0-based
    header: str = ""  # the column's header, when known
    path: str = ""  # a field path in a JSON or YAML file (e.g. catalog.groups[2].controls[0])
    whole_file: bool = False  # `sheet` is a file with one table (CSV): no sheet to name

    def __str__(self) -> str:
        named = self.row is not None and not self.whole_file
        parts = [f"sheet {self.sheet!r}" if named else self.sheet]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            col = f"column {column_letter(self.column)}"
            parts.append(f"{col} ({self.header})" if self.header else col)
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    where: Where
    message: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        label = "" if self.is_error else "warning: "
        return f"{self.where}: {label}{self.message}"


class ImportFailure(Exception):
    """A file that cannot be imported at all (unreadable, wrong format): one clear message."""
