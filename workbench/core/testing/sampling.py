"""How many samples a test of operating effectiveness needs: by control frequency and risk.

The built-in table is the common practice convention (no SEC or PCAOB rule prescribes these
numbers; firms publish internal tables and companies align with their external auditor): the
*low* column is the usual baseline (annual 1, quarterly 2, monthly 2, weekly 5, daily 20,
multiple-daily 25, per-event 25), moderate and high risk ask for more. A control whose nature
is `automated` needs a test of one whatever its frequency, valid only while the IT general
controls over its system are effective (AS 2201 .B28-.B33, benchmarking); a continuous control
performed by people is sampled like a multiple-daily one.

Override any part of it in `sampling.yaml` in the user config directory
(workbench.core.paths.config_dir(); WORKBENCH_CONFIG_DIR overrides it):

    default_risk: moderate          # low (the default) | moderate | high
    frequencies:
      monthly: {low: 2, moderate: 3, high: 4}
      daily: 25                     # one number: the same for every risk
    automated: 1                    # a number, or {low, moderate, high}
    expanded:                       # after one exception in a daily or more frequent control
      daily: 40
    remediation:                    # what a remediated control needs before the as-of date
      quarterly: {samples: 2, period: 2 quarters}
    frameworks:                     # one framework's auditor asks for more (a joint period
      sox:                          #   uses the larger size)
        frequencies: {monthly: 3}

Keys left out keep the built-in values (rules.py holds the expansion and remediation
defaults). A bad file is refused with its file and line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench.core.catalog.model import FREQUENCIES
from workbench.core.store.errors import ValidationError
from workbench.core.store.testing_records import RISKS, OperatingPlan

from .rules import DEFAULT_REMEDIATION, EXPANDABLE, RemediationRule, Span

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
    # Performed all the time by people (an automated one is sized by its nature: a test of one).
    "continuous": (25, 40, 60),
}
DEFAULT_AUTOMATED: tuple[int, int, int] = (1, 1, 1)

ITGC_CAVEAT = (
    "a test of one is valid only while the IT general controls over the system (program "
    "changes, access to programs, computer operations) are effective and the control is "
    "unchanged since it was last tested (AS 2201 .B28-.B33)"
)
_TOP_KEYS: tuple[str, ...] = (
    "default_risk",
    "frequencies",
    "automated",
    "expanded",
    "remediation",
    "frameworks",
)
_FRAMEWORK_KEYS: tuple[str, ...] = ("default_risk", "frequencies", "automated")


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
    expanded: Mapping[str, int] = field(default_factory=dict)  # set by the file only
    remediation: Mapping[str, RemediationRule] = field(
        default_factory=lambda: dict(DEFAULT_REMEDIATION)
    )
    frameworks: Mapping[str, SampleTable] = field(default_factory=dict)  # per-framework sizes
    framework: str | None = None  # set on a per-framework table

    @property
    def source_label(self) -> str:
        label = BUILT_IN if self.source == BUILT_IN else Path(self.source).name
        return f"{label}, {self.framework}" if self.framework else label

    def expanded_size(self, frequency: str) -> int | None:
        """The sample after one exception in a daily or more frequent control (default: the
        high-risk size of its frequency); None for a frequency that tolerates no exception."""
        if frequency not in EXPANDABLE:
            return None
        return self.expanded.get(frequency) or self.sizes[frequency][RISKS[-1]]

    def remediation_rule(self, frequency: str, nature: str) -> RemediationRule:
        key = "automated" if nature == "automated" else frequency
        return self.remediation.get(key) or DEFAULT_REMEDIATION[key]

    def for_framework(self, framework_id: str) -> SampleTable:
        return self.frameworks.get(framework_id, self)

    def size_for(
        self,
        frameworks: Sequence[str],
        frequency: str,
        nature: str = "manual",
        risk: str | None = None,
        population: int | None = None,
    ) -> SampleSize:
        """The larger size over these frameworks' tables (a joint period must satisfy each
        framework's auditor); the basis names the framework whose table decided it."""
        sizes = [
            self.for_framework(fw).size(frequency, nature, risk, population)
            for fw in dict.fromkeys(frameworks)
        ] or [self.size(frequency, nature, risk, population)]
        return max(sizes, key=lambda s: s.required)

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
        automated = nature == "automated"
        if automated:
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
            "expanded": {f: self.expanded_size(f) for f in EXPANDABLE if f in self.sizes},
            "remediation": {k: r.to_dict() for k, r in self.remediation.items()},
            "frameworks": {
                fw: {
                    "default_risk": t.default_risk,
                    "frequencies": {f: dict(t.sizes[f]) for f in t.sizes},
                    "automated": dict(t.automated),
                }
                for fw, t in self.frameworks.items()
            },
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

    from workbench.core.catalog.yamlsrc import DuplicateKeyError, load_yaml

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
    if not isinstance(data, dict):
        raise SamplingFileError(
            [f"{source}:1: expected a mapping with {', '.join(_TOP_KEYS)}, not a list or text"]
        )
    problems: list[str] = []
    table = _sizes(data, source, base, _TOP_KEYS, "", problems)
    expanded = _expanded(data, source, problems)
    remediation = _remediation(data, source, problems)
    frameworks: dict[str, SampleTable] = {}
    fws = data.get("frameworks")
    if fws is not None:
        if not isinstance(fws, dict):
            problems.append(
                f"{_where(source, data, 'frameworks')}: frameworks: expected a mapping of "
                "framework id to a table (default_risk, frequencies, automated)"
            )
        else:
            for fw, sub in fws.items():
                if not isinstance(sub, dict):
                    problems.append(
                        f"{_where(source, fws, fw)}: frameworks.{fw}: expected a mapping"
                    )
                    continue
                frameworks[str(fw)] = replace(
                    _sizes(sub, source, table, _FRAMEWORK_KEYS, f"frameworks.{fw}.", problems),
                    framework=str(fw),
                    expanded=expanded,
                    remediation=remediation,
                )
    if problems:
        raise SamplingFileError(problems)
    return replace(table, expanded=expanded, remediation=remediation, frameworks=frameworks)


def _where(source: str, container: Any, key: str | int) -> str:
    from workbench.core.catalog.yamlsrc import line_of

    return f"{source}:{line_of(container, key, 1)}"


def _sizes(
    data: dict[str, Any],
    source: str,
    base: SampleTable,
    keys: tuple[str, ...],
    prefix: str,
    problems: list[str],
) -> SampleTable:
    """default_risk, frequencies and automated of one mapping (the file, or one framework's
    part of it) over `base`; problems are appended."""
    for key in data:
        if key not in keys:
            problems.append(
                f"{_where(source, data, key)}: unknown key {prefix + str(key)!r} "
                f"(valid: {', '.join(keys)})"
            )
    default_risk = base.default_risk
    if "default_risk" in data:
        value = data["default_risk"]
        if value not in RISKS:
            problems.append(
                f"{_where(source, data, 'default_risk')}: {prefix}default_risk: {value!r} is not "
                f"one of {', '.join(RISKS)}"
            )
        else:
            default_risk = str(value)
    sizes = {f: dict(v) for f, v in base.sizes.items()}
    overridden: set[str] = set(base.overridden)
    freqs = data.get("frequencies")
    if freqs is not None:
        if not isinstance(freqs, dict):
            problems.append(
                f"{_where(source, data, 'frequencies')}: {prefix}frequencies: expected a "
                "mapping of frequency to sizes"
            )
        else:
            for freq, value in freqs.items():
                if freq not in sizes:
                    problems.append(
                        f"{_where(source, freqs, freq)}: unknown frequency {freq!r} (valid: "
                        f"{', '.join(sizes)})"
                    )
                    continue
                name = f"{prefix}frequencies.{freq}"
                row = _row(value, sizes[freq], name, _where(source, freqs, freq))
                if isinstance(row, list):
                    problems.extend(row)
                else:
                    sizes[freq] = row
                    overridden.add(freq)
    automated = dict(base.automated)
    if "automated" in data:
        name = f"{prefix}automated"
        row = _row(data["automated"], automated, name, _where(source, data, "automated"))
        if isinstance(row, list):
            problems.extend(row)
        else:
            automated = row
            overridden.add("automated")
    return SampleTable(sizes, automated, default_risk, source, frozenset(overridden))


def _expanded(data: dict[str, Any], source: str, problems: list[str]) -> dict[str, int]:
    raw = data.get("expanded")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(
            f"{_where(source, data, 'expanded')}: expanded: expected a mapping of frequency "
            f"({', '.join(EXPANDABLE)}) to a sample size"
        )
        return {}
    out: dict[str, int] = {}
    for freq, value in raw.items():
        at = _where(source, raw, freq)
        if freq not in EXPANDABLE:
            problems.append(
                f"{at}: expanded: {freq!r} tolerates no exception (valid: {', '.join(EXPANDABLE)})"
            )
        elif not _count(value):
            problems.append(f"{at}: expanded.{freq}: expected a whole number of at least 1")
        else:
            out[str(freq)] = int(value)
    return out


def _remediation(
    data: dict[str, Any], source: str, problems: list[str]
) -> dict[str, RemediationRule]:
    out = dict(DEFAULT_REMEDIATION)
    raw = data.get("remediation")
    if raw is None:
        return out
    if not isinstance(raw, dict):
        problems.append(
            f"{_where(source, data, 'remediation')}: remediation: expected a mapping of "
            "frequency (or automated) to {samples, period}"
        )
        return out
    for freq, value in raw.items():
        at = _where(source, raw, freq)
        if freq not in out:
            problems.append(
                f"{at}: remediation: unknown frequency {freq!r} (valid: {', '.join(out)})"
            )
            continue
        if not isinstance(value, dict) or set(value) - {"samples", "period"}:
            problems.append(
                f"{at}: remediation.{freq}: expected {{samples: N, period: 'N days|weeks|"
                "months|quarters'}} (period optional)"
            )
            continue
        samples = value.get("samples", out[freq].samples)
        if not _count(samples):
            problems.append(
                f"{at}: remediation.{freq}.samples: expected a whole number of at least 1"
            )
            continue
        span: Span | None = out[freq].span if "period" not in value else None
        period = value.get("period")
        if period is not None:
            span = Span.parse(str(period))
            if span is None:
                problems.append(
                    f"{at}: remediation.{freq}.period: expected e.g. '2 quarters', '5 weeks', "
                    f"'20 days', not {period!r}"
                )
                continue
        out[str(freq)] = RemediationRule(int(samples), span)
    return out


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
    frameworks: Sequence[str] = (),
) -> tuple[OperatingPlan, SampleSize]:
    """The plan of an operating test: the table's size for the control (the larger over the
    frameworks a joint period serves), or `required` when the tester chose more (never fewer
    than the table in force asks for)."""
    size = table.size_for(frameworks, frequency, nature, risk, population)
    if required is None:
        return OperatingPlan(size.required, size.basis, size.risk, population), size
    if required < size.required:
        raise ValidationError(
            f"{required} sample(s) is below the table in force ({size.required}: {size.basis}); "
            f"change {SETTINGS_FILE} if your auditor agreed a smaller size"
        )
    basis = f"{required} chosen by the tester; the table says {size.basis}"
    return OperatingPlan(required, basis, size.risk, population), size
