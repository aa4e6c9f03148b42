"""Sample sizes: the built-in table per frequency and risk, automated controls, population caps,
and overrides from sampling.yaml in the config directory (with file and line for bad files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.catalog.model import FREQUENCIES
from workbench.core.store import ValidationError
from workbench.core.testing import (
    ITGC_CAVEAT,
    SamplingFileError,
    default_table,
    load_sample_table,
    operating_plan,
    parse_sample_table,
)

# The numbers (domain-facts §3.2): low / moderate / high.
EXPECTED = {
    "annual": (1, 1, 1),
    "semiannual": (1, 1, 2),
    "quarterly": (2, 2, 3),
    "monthly": (2, 3, 5),
    "weekly": (5, 8, 15),
    "daily": (20, 30, 40),
    "multiple-daily": (25, 40, 60),
    "per-event": (25, 40, 60),
    # Continuous controls performed by people are sampled like multiple-daily ones; only the
    # `automated` nature earns a test of one (issue 12: SM-04 and DP-04 are manual).
    "continuous": (25, 40, 60),
}


def test_every_frequency_has_a_row() -> None:
    assert set(default_table().sizes) == set(FREQUENCIES) == set(EXPECTED)


@pytest.mark.parametrize("frequency", list(EXPECTED))
@pytest.mark.parametrize("risk", ["low", "moderate", "high"])
def test_size_per_frequency_and_risk(frequency: str, risk: str) -> None:
    want = EXPECTED[frequency][("low", "moderate", "high").index(risk)]
    size = default_table().size(frequency, "manual", risk)
    assert size.required == want == size.table_size
    assert size.risk == risk and size.frequency == frequency
    assert f"{frequency} control, {risk} risk: {want} (built-in table)" in size.basis


def test_baseline_is_the_low_column_by_default() -> None:
    table = default_table()
    baseline = {f: table.size(f, "manual").required for f in EXPECTED}
    assert baseline == {
        "annual": 1,
        "semiannual": 1,
        "quarterly": 2,
        "monthly": 2,
        "weekly": 5,
        "daily": 20,
        "multiple-daily": 25,
        "per-event": 25,
        "continuous": 25,
    }


@pytest.mark.parametrize("frequency", ["daily", "multiple-daily", "monthly", "annual"])
@pytest.mark.parametrize("risk", ["low", "moderate", "high"])
def test_automated_is_a_test_of_one_with_the_itgc_caveat(frequency: str, risk: str) -> None:
    size = default_table().size(frequency, "automated", risk)
    assert size.required == 1 and size.automated
    assert size.caveat == ITGC_CAVEAT and "IT general controls" in ITGC_CAVEAT
    assert "test of one" in size.basis


def test_only_the_automated_nature_is_a_test_of_one() -> None:
    table = default_table()
    assert table.size("continuous", "manual").caveat is None
    assert table.size("continuous", "it-dependent-manual").required == 25
    assert table.size("continuous", "automated").caveat == ITGC_CAVEAT
    assert table.size("daily", "manual").caveat is None
    assert table.size("daily", "it-dependent-manual", "high").required == 40


def test_a_smaller_population_caps_the_size() -> None:
    size = default_table().size("daily", "manual", "moderate", population=12)
    assert size.required == 12 and size.table_size == 30
    assert "population 12: every occurrence" in size.basis
    assert default_table().size("monthly", "manual", "low", population=100).required == 2


def test_unknown_risk_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown risk 'extreme'"):
        default_table().size("daily", "manual", "extreme")


def test_a_plan_can_ask_for_more_never_fewer() -> None:
    table = default_table()
    plan, size = operating_plan(table, "monthly", "manual", risk="moderate")
    assert (plan.required, plan.risk, plan.basis) == (3, "moderate", size.basis)
    more, _ = operating_plan(table, "monthly", "manual", risk="moderate", required=6)
    assert more.required == 6 and "chosen by the tester" in more.basis
    with pytest.raises(ValidationError, match="below the table in force"):
        operating_plan(table, "monthly", "manual", risk="moderate", required=2)


# -- the settings file ------------------------------------------------------------------------


def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    folder = tmp_path / "cfg"
    folder.mkdir(exist_ok=True)
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(folder))
    path = folder / "sampling.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_the_built_in_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path / "empty"))
    table = load_sample_table()
    assert table.source == "built-in table" and not table.overridden


def test_override_from_the_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = config(
        tmp_path,
        monkeypatch,
        "# our auditor's table\n"
        "default_risk: moderate\n"
        "frequencies:\n"
        "  monthly: {low: 2, moderate: 4, high: 6}\n"
        "  daily: 25\n"
        "  weekly: {high: 20}\n"
        "automated: {high: 2}\n",
    )
    table = load_sample_table()
    assert table.source == str(path)
    assert table.overridden == {"monthly", "daily", "weekly", "automated"}
    assert table.default_risk == "moderate"
    assert table.size("monthly", "manual").required == 4  # default risk: moderate
    assert table.size("monthly", "manual", "high").required == 6
    assert [table.size("daily", "manual", r).required for r in ("low", "moderate", "high")] == [
        25,
        25,
        25,
    ]
    assert table.size("weekly", "manual", "moderate").required == 8  # kept from built-in
    assert table.size("weekly", "manual", "high").required == 20
    assert table.size("quarterly", "manual").required == 2  # untouched row
    assert table.size("daily", "automated", "high").required == 2
    assert "(sampling.yaml)" in table.size("monthly", "manual").basis


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("frequencies:\n  fortnightly: 3\n", 2, "unknown frequency 'fortnightly'"),
        ("frequencies:\n  monthly:\n    low: 2\n    moderate: zero\n", 4, "monthly.moderate"),
        ("frequencies:\n  monthly: {low: 2, medium: 3}\n", 2, "unknown risk 'medium'"),
        ("frequencies:\n  monthly: {low: 6}\n", 2, "must not go down as risk goes up"),
        ("default_risk: extreme\n", 1, "default_risk: 'extreme' is not one of"),
        ("sizes: {}\n", 1, "unknown key 'sizes'"),
        ("automated: 0\n", 1, "automated: expected a whole number of at least 1"),
        ("frequencies:\n  monthly: 2\n  monthly: 3\n", 3, "duplicate key 'monthly'"),
        ("frequencies: [monthly\n", 2, "not valid YAML"),
        ("- monthly\n", 1, "expected a mapping"),
    ],
)
def test_a_bad_file_names_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, line: int, message: str
) -> None:
    path = config(tmp_path, monkeypatch, text)
    with pytest.raises(SamplingFileError) as info:
        load_sample_table()
    assert f"{path}:{line}:" in str(info.value)
    assert message in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SamplingFileError) as info:
        parse_sample_table("default_risk: x\nfrequencies:\n  hourly: 3\n  daily: -1\n", "s.yaml")
    assert len(info.value.problems) == 3
    assert "3 problems" in str(info.value)
    assert "s.yaml:1:" in str(info.value) and "s.yaml:3:" in str(info.value)
    assert "s.yaml:4:" in str(info.value)


def test_an_empty_file_keeps_the_defaults() -> None:
    table = parse_sample_table("# nothing yet\n", "s.yaml")
    assert table.size("monthly", "manual", "high").required == 5


def test_expansion_remediation_and_framework_tables_from_the_file() -> None:
    table = parse_sample_table(
        "expanded: {daily: 30}\n"
        "remediation:\n"
        "  monthly: {samples: 3, period: 3 months}\n"
        "  annual: {samples: 1}\n"
        "frameworks:\n"
        "  sox: {default_risk: moderate, frequencies: {monthly: {moderate: 4, high: 5}}}\n",
        "s.yaml",
    )
    assert table.expanded_size("daily") == 30
    assert table.expanded_size("multiple-daily") == 60  # the high-risk size by default
    assert table.expanded_size("monthly") is None  # tolerates no exception
    assert table.remediation_rule("monthly", "manual").text == (
        "3 samples over at least 3 months after the remediation"
    )
    assert table.remediation_rule("annual", "manual").text == "tested once after the remediation"
    assert table.remediation_rule("daily", "automated").samples == 1
    joint = table.size_for(["soc2", "sox"], "monthly", "manual")
    assert joint.required == 4 and "sox" in joint.basis
    assert table.size_for(["soc2"], "monthly", "manual").required == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("expanded: {monthly: 5}\n", "tolerates no exception"),
        ("remediation: {monthly: {samples: 2, period: two months}}\n", "expected e.g."),
        ("remediation: {hourly: {samples: 2}}\n", "unknown frequency 'hourly'"),
        ("frameworks: {sox: {expanded: {daily: 4}}}\n", "unknown key 'frameworks.sox.expanded'"),
    ],
)
def test_bad_rule_tables_are_refused(text: str, message: str) -> None:
    with pytest.raises(SamplingFileError, match=message):
        parse_sample_table(text, "s.yaml")
