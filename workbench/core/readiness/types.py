"""Result objects of the readiness computation (plain, frozen, JSON-friendly)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LENSES: tuple[str, ...] = ("design", "operating")

# Requirement states. "not_applicable" requirements leave every denominator.
MET = "met"
PARTIAL = "partial"
GAP = "gap"
DEFICIENT = "deficient"
UNMAPPED = "unmapped"
NOT_APPLICABLE = "not_applicable"
OUT_OF_SCOPE = "out_of_scope"
APPLICABLE_STATES: tuple[str, ...] = (MET, PARTIAL, GAP, DEFICIENT, UNMAPPED)
REQUIREMENT_STATES: tuple[str, ...] = (*APPLICABLE_STATES, NOT_APPLICABLE, OUT_OF_SCOPE)
# Order in which gaps are listed: what blocks hardest first.
GAP_ORDER: tuple[str, ...] = (DEFICIENT, UNMAPPED, GAP, PARTIAL)


def pct(part: int, whole: int) -> float:
    """Percentage rounded to one decimal; 0 of 0 counts as 100 (nothing left to do)."""
    return 100.0 if whole == 0 else round(100.0 * part / whole, 1)


@dataclass(frozen=True, slots=True)
class ControlLine:
    """One control behind a requirement, as the "why" of its state."""

    control_id: str
    status: str
    ready: bool
    role: str = "primary"  # primary | supporting (supporting ones never decide the state)
    deficient: bool = False

    @property
    def primary(self) -> bool:
        return self.role == "primary"


@dataclass(frozen=True, slots=True)
class RequirementResult:
    framework_id: str
    requirement_id: str
    title: str
    state: str
    controls: tuple[ControlLine, ...]  # primary and supporting, in catalog order
    warnings: tuple[str, ...] = ()  # e.g. a deficient supporting control

    @property
    def ready_count(self) -> int:
        """Ready primary controls (the ones that decide the state)."""
        return sum(1 for c in self.controls if c.ready and c.primary)

    @property
    def in_scope_count(self) -> int:
        return sum(1 for c in self.controls if c.status != "not_applicable" and c.primary)

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework_id,
            "requirement": self.requirement_id,
            "title": self.title,
            "state": self.state,
            "controls": [
                {
                    "control": c.control_id,
                    "status": c.status,
                    "ready": c.ready,
                    "role": c.role,
                    "deficient": c.deficient,
                }
                for c in self.controls
            ],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class Figures:
    """Readiness of a framework or of one of its groups (category, series, domain...)."""

    framework_id: str
    node_id: str | None  # None for the framework as a whole
    title: str
    level: str
    in_scope: bool
    counts: dict[str, int]  # per requirement state, including not_applicable
    controls_in_scope: int
    controls_ready: int

    @property
    def applicable(self) -> int:
        return sum(self.counts.get(s, 0) for s in APPLICABLE_STATES)

    @property
    def met(self) -> int:
        return self.counts.get(MET, 0)

    @property
    def readiness_pct(self) -> float:
        return pct(self.met, self.applicable)

    @property
    def coverage_pct(self) -> float:
        return pct(self.controls_ready, self.controls_in_scope)

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework_id,
            "node": self.node_id,
            "title": self.title,
            "level": self.level,
            "in_scope": self.in_scope,
            "requirements": {s: self.counts.get(s, 0) for s in REQUIREMENT_STATES},
            "applicable": self.applicable,
            "readiness_pct": self.readiness_pct,
            "controls_in_scope": self.controls_in_scope,
            "controls_ready": self.controls_ready,
            "coverage_pct": self.coverage_pct,
        }


@dataclass(frozen=True, slots=True)
class SharedFigures:
    """Controls that serve two frameworks, and what one framework earns from the other."""

    frameworks: tuple[str, str]
    controls: tuple[str, ...]
    ready: tuple[str, ...]
    earned_met: int  # requirements of frameworks[1] met only by controls that also serve [0]
    target_applicable: int

    @property
    def earned_pct(self) -> float:
        return pct(self.earned_met, self.target_applicable)

    def to_dict(self) -> dict[str, Any]:
        return {
            "frameworks": list(self.frameworks),
            "controls": len(self.controls),
            "ready": len(self.ready),
            "control_ids": list(self.controls),
            "ready_ids": list(self.ready),
            "earned_requirements": self.earned_met,
            "target_applicable": self.target_applicable,
            "earned_pct": self.earned_pct,
        }


@dataclass(frozen=True, slots=True)
class Leverage:
    """What marking one control ready would move, per framework."""

    control_id: str
    status: str
    to_met: dict[str, int]
    to_partial: dict[str, int]
    shared: bool

    @property
    def score(self) -> tuple[int, int]:
        return (sum(self.to_met.values()), sum(self.to_partial.values()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control_id,
            "status": self.status,
            "to_met": dict(self.to_met),
            "to_partial": dict(self.to_partial),
            "shared": self.shared,
        }
