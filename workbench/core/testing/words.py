"""Testing in words: one phrase for each figure that more than one screen or command shows,
and the one-line meaning of the terms the conclusions use (help screens, hints)."""

from __future__ import annotations

from .operating import OperatingResult


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def sample_words(op: OperatingResult) -> str:
    """How far an operating test is, in the same words everywhere (`show`, `test show`, the
    app): '1 of 2 required samples passed, 1 exception'."""
    if op.test is None:
        return "not tested: no sample recorded"
    text = f"{op.passed} of {plural(op.required, 'required sample')} passed"
    if op.deviations:
        text += ", " + plural(len(op.deviations), "exception")
    return text


# The terms a reader meets on the readiness figures, each in one line.
GLOSSARY: dict[str, str] = {
    "lens": "design (Type I): implemented or effective counts as ready; operating (Type II, "
    "SOX): only effective, backed by tests in the current period",
    "sox via soc2": "the share of SOX requirements met through controls that also serve SOC 2 "
    "(test once, comply many)",
    "effective, unsupported": "marked effective, but the tests of the current period do not "
    "back it yet (too few samples, no test, or an IT general control it relies on): not "
    "counted ready in the operating lens",
    "contradicted": "marked effective, but the tests found it failing (an exception, a "
    "finding that stands, or an ineffective design)",
    "design untested": "implemented or effective, but no walkthrough (test of design) is "
    "recorded in the period named",
    "design ineffective": "the latest walkthrough concluded the design does not work: not "
    "ready in either lens",
    "evidence changed": "an attached file is no longer the one attached (its SHA-256 "
    "differs) or has gone missing",
}
