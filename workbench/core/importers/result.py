"""What an import produces: the catalog file's content, every problem with its place, and a
preview of what it adds (counts, first rows, columns it could not map)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .problems import ImportProblem, Where


@dataclass(slots=True)
class Preview:
    title: str  # "RCM acme-rcm.xlsx"
    facts: list[str] = field(default_factory=list)  # how the file was read
    counts: list[tuple[str, int]] = field(default_factory=list)  # what it adds
    first_rows: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # columns or fields left out


@dataclass(slots=True)
class ImportResult:
    kind: str  # rcm | oscal | ciso
    source: str  # the file, as shown
    data: dict[str, Any]  # the catalog file's content (docs/catalog-format.md)
    preview: Preview
    problems: list[ImportProblem] = field(default_factory=list)
    # Where each generated object came from: (section, index in its list, or its id) -> place
    # in the source, so that a problem found when the catalog is validated names the source
    # row.
    origins: dict[tuple[str, int | str], Where] = field(default_factory=dict)
    # What the diff compares: the section and the objects' id field ("controls", "id").
    items: tuple[str, ...] = ("controls",)

    @property
    def errors(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[ImportProblem]:
        return [p for p in self.problems if not p.is_error]

    def add(self, where: Where, message: str, severity: str = "error") -> None:
        self.problems.append(ImportProblem(where, message, severity))
