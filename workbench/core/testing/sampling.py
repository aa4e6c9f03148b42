"""How many samples a test of operating effectiveness needs: by control frequency and risk.

The built-in table is the common practice convention (no SEC or PCAOB rule prescribes these
numbers; firms publish internal tables and companies align with their external auditor): the
*low* column is the usual baseline (annual 1, quarterly 2, monthly 2, weekly 5, daily 20,
multiple-daily 25, per-event 25), moderate and high risk ask for more. An automated control
needs a test of one whatever its frequency, valid only while the IT general controls over the
system are effective (AS 2201 .B28-.B33, benchmarking).

Override any part of it in `sampling.yaml` in the user config directory
(workbench.core.paths.config_dir(); WORKBENCH_CONFIG_DIR overrides it):

    default_risk: moderate          # low (the default) | moderate | high
    frequencies:
      monthly: {low: 2, moderate: 3, high: 4}
      daily: 25                     # one number: the same for every risk
    automated: 1                    # a number, or {low, moderate, high}

Keys left out keep the built-in values. A bad file is refused with its file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.catalog.model import FREQUENCIES
from workbench.core.store.errors import ValidationError
from workbench.core.store.testing_records import RISKS, OperatingPlan

SETTINGS_FILE = "sampling.yaml"
SETTINGS_FILES: tuple[str, ...] = ("sampling.yaml", "sampling.yml")
DEFAULT_RISK = "low"
BUILT_IN = "built-in table"

# frequency -> (low, moderate, high)
DEFAULT_SIZES: dict[str, tuple[int, int, int]] = {
    "annual": (1, 1, 1),
    "semiannual": (1, 1, 2),
    "quarterly": (2, 2, 3),
    "monthly": (2, 3, 5),
    "weekly": (5, 8, 15),
    "daily": (20, 30, 40),
    "multiple-daily": (25, 40, 60),
    "per-event": (25, 40, 60),
    "continuous": (1, 1, 1),  # continuous controls are, in practice, automated monitoring
}
DEFAULT_AUTOMATED: tuple[int, int, int] = (1, 1, 1)
# Frequencies whose size rests on automation (a test of one), like the `automated` nature.
AUTOMATED_LIKE: frozenset[str] = frozenset({"continuous"})

ITGC_CAVEAT = (
    "a test of one is valid only while the IT general controls over the system (program "
    "changes, access to programs, computer operations) are effective and the control is "
    "unchanged since it was last tested (AS 2201 .B28-.B33)"
)
_TOP_KEYS: tuple[str, ...] = ("default_risk", "frequencies", "automated")


class SamplingFileError(ValidationError):
    """The sampling settings file is invalid; the message names the file and line of each
    problem. Nothing is used from it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems) if len(problems) == 1 else _joined(problems))


def _joined(problems: list[str]) -> str:
    return f"{len(problems)} problems in the sampling settings:\n  " + "\n  ".join(problems)


@dataclass(frozen=True, slots=True)
class SampleSize:
    """The required sample size for one control and risk, and why."""

    required: int
    frequency: str
    nature: str
    risk: str
    automated: bool  # sized as an automated control (test of one): the ITGC caveat applies
    table_size: int  # what the table says (before a smaller population caps it)
    population: int | None
    source: str

    @property
    def caveat(self) -> str | None:
        return ITGC_CAVEAT if self.automated else None

    @property
    def basis(self) -> str:
        """One line, stored with the test: where the number comes from."""
        if self.automated:
            what = (
                f"automated control ({self.frequency}), {self.risk} risk: test of one"
                if self.table_size == 1
                else f"automated control ({self.frequency}), {self.risk} risk: {self.table_size}"
            )
        else:
            what = f"{self.frequency} control, {self.risk} risk: {self.table_size}"
        text = f"{what} ({self.source})"
        if self.population is not None and self.population < self.table_size:
            text += f"; population {self.population}: every occurrence"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "required": self.required,
            "frequency": self.frequency,
            "nature": self.nature,
            "risk": self.risk,
            "automated": self.automated,
            "table_size": self.table_size,
            "population": self.population,
            "source": self.source,
            "basis": self.basis,
            "caveat": self.caveat,
        }


@dataclass(frozen=True, slots=True)
class SampleTable:
    """Sample sizes per frequency and risk, plus the automated row, and where they came from."""

    sizes: Mapping[str, Mapping[str, int]]
    automated: Mapping[str, int]
    default_risk: str = DEFAULT_RISK
    source: str = BUILT_IN  # BUILT_IN, or the path of the settings file
    overridden: frozenset[str] = frozenset()  # rows the file changed ("monthly", "automated")

    @property
    def source_label(self) -> str:
        return BUILT_IN if self.source == BUILT_IN else Path(self.source).name

    def size(
        self,
        frequency: str,
        nature: str = "manual",
        risk: str | None = None,
        population: int | None = None,
    ) -> SampleSize:
        """Required samples for a control of this frequency and nature at this risk
        (default: the table's default risk). A known population smaller than the table's
        number caps it: every occurrence is tested."""
        level = risk or self.default_risk
        if level not in RISKS:
            raise ValidationError(f"unknown risk {level!r} (valid: {', '.join(RISKS)})")
        automated = nature == "automated" or frequency in AUTOMATED_LIKE
        if nature == "automated":
            n = self.automated[level]
        elif frequency in self.sizes:
            n = self.sizes[frequency][level]
        else:
            raise ValidationError(
                f"no sample size for frequency {frequency!r} (known: {', '.join(self.sizes)})"
            )
        required = n if population is None else max(min(n, population), 0)
        return SampleSize(
            required=required,
            frequency=frequency,
            nature=nature,
            risk=level,
            automated=automated,
            table_size=n,
            population=population,
            source=self.source_label,
        )

    def rows(self) -> list[tuple[str, int, int, int]]:
        """(row name, low, moderate, high): every frequency in order, then `automated`."""
        lo, mid, hi = RISKS
        out = [(f, row[lo], row[mid], row[hi]) for f, row in self.sizes.items()]
        out.append(("automated", self.automated[lo], self.automated[mid], self.automated[hi]))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "default_risk": self.default_risk,
            "risks": list(RISKS),
            "frequencies": {f: dict(self.sizes[f]) for f in self.sizes},
            "automated": dict(self.automated),
            "overridden": sorted(self.overridden),
            "caveat": ITGC_CAVEAT,
        }


def default_table() -> SampleTable:
    return SampleTable(
        sizes={f: dict(zip(RISKS, DEFAULT_SIZES[f], strict=True)) for f in FREQUENCIES},
        automated=dict(zip(RISKS, DEFAULT_AUTOMATED, strict=True)),
    )


def settings_path(config_dir: Path | None = None) -> Path | None:
    """The sampling settings file in the config directory, if there is one."""
    if config_dir is None:
        from workbench.core.paths import config_dir as default_config_dir

        config_dir = default_config_dir()
    for name in SETTINGS_FILES:
        path = config_dir / name
        if path.exists():
            return path
    return None


def load_sample_table(path: Path | None = None, *, config_dir: Path | None = None) -> SampleTable:
    """The table in force: the built-in one, overridden by `path` (default: sampling.yaml in
    the config directory, when it exists). Raises SamplingFileError naming file and line."""
    if path is None:
        path = settings_path(config_dir)
        if path is None:
            return default_table()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SamplingFileError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise SamplingFileError([f"{path}: not UTF-8 text"]) from None
    return parse_sample_table(text, str(path))


def parse_sample_table(text: str, source: str) -> SampleTable:
    import yaml

    from workbench.core.catalog.yamlsrc import DuplicateKeyError, line_of, load_yaml

    try:
        data = load_yaml(text)
    except DuplicateKeyError as exc:
        raise SamplingFileError([f"{source}:{exc.line}: duplicate key {exc.key!r}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SamplingFileError([f"{source}:{line}: not valid YAML: {problem}"]) from None
    base = default_table()
    if data is None:
        return SampleTable(base.sizes, base.automated, source=source)
    problems: list[str] = []

    def where(container: Any, key: str | int) -> str:
        return f"{source}:{line_of(container, key, 1)}"

    if not isinstance(data, dict):
        raise SamplingFileError(
            [f"{source}:1: expected a mapping with {', '.join(_TOP_KEYS)}, not a list or text"]
        )
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(
                f"{where(data, key)}: unknown key {key!r} (valid: {', '.join(_TOP_KEYS)})"
            )
    default_risk = DEFAULT_RISK
    if "default_risk" in data:
        value = data["default_risk"]
        if value not in RISKS:
            problems.append(
                f"{where(data, 'default_risk')}: default_risk: {value!r} is not one of "
                f"{', '.join(RISKS)}"
            )
        else:
            default_risk = str(value)
    sizes = {f: dict(v) for f, v in base.sizes.items()}
    overridden: set[str] = set()
    freqs = data.get("frequencies")
    if freqs is not None:
        if not isinstance(freqs, dict):
            problems.append(
                f"{where(data, 'frequencies')}: frequencies: expected a mapping of frequency "
                "to sizes"
            )
        else:
            for freq, value in freqs.items():
                if freq not in sizes:
                    problems.append(
                        f"{where(freqs, freq)}: unknown frequency {freq!r} (valid: "
                        f"{', '.join(sizes)})"
                    )
                    continue
                row = _row(value, sizes[freq], f"frequencies.{freq}", where(freqs, freq))
                if isinstance(row, list):
                    problems.extend(row)
                else:
                    sizes[freq] = row
                    overridden.add(freq)
    automated = dict(base.automated)
    if "automated" in data:
        row = _row(data["automated"], automated, "automated", where(data, "automated"))
        if isinstance(row, list):
            problems.extend(row)
        else:
            automated = row
            overridden.add("automated")
    if problems:
        raise SamplingFileError(problems)
    return SampleTable(sizes, automated, default_risk, source, frozenset(overridden))


def _row(value: Any, base: Mapping[str, int], name: str, at: str) -> dict[str, int] | list[str]:
    """A row from a number (every risk) or a {low, moderate, high} mapping (missing keys keep
    the built-in value); a list of problems when invalid."""
    if _count(value):
        return dict.fromkeys(RISKS, int(value))
    if not isinstance(value, dict):
        return [f"{at}: {name}: expected a whole number of at least 1 or {{low, moderate, high}}"]
    from workbench.core.catalog.yamlsrc import line_of

    problems: list[str] = []
    row = dict(base)
    prefix = at.rsplit(":", 1)[0]
    for risk, n in value.items():
        here = f"{prefix}:{line_of(value, risk, 1)}"
        if risk not in RISKS:
            problems.append(f"{here}: {name}: unknown risk {risk!r} (valid: {', '.join(RISKS)})")
        elif not _count(n):
            problems.append(f"{here}: {name}.{risk}: expected a whole number of at least 1")
        else:
            row[risk] = int(n)
    if not problems:
        low, mid, high = (row[r] for r in RISKS)
        if not low <= mid <= high:
            problems.append(
                f"{at}: {name}: sizes must not go down as risk goes up (low {low}, "
                f"moderate {mid}, high {high})"
            )
    return problems or row


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def operating_plan(
    table: SampleTable,
    frequency: str,
    nature: str,
    *,
    risk: str | None = None,
    population: int | None = None,
    required: int | None = None,
) -> tuple[OperatingPlan, SampleSize]:
    """The plan of an operating test: the table's size for the control, or `required` when the
    tester chose more (never fewer than the table in force asks for)."""
    size = table.size(frequency, nature, risk, population)
    if required is None:
        return OperatingPlan(size.required, size.basis, size.risk, population), size
    if required < size.required:
        raise ValidationError(
            f"{required} sample(s) is below the table in force ({size.required}: {size.basis}); "
            f"change {SETTINGS_FILE} if your auditor agreed a smaller size"
        )
    basis = f"{required} chosen by the tester; the table says {size.basis}"
    return OperatingPlan(required, basis, size.risk, population), size
