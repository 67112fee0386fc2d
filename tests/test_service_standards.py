"""Service standards: the bundled template is complete, the KPI table's arithmetic is right in both directions,
and a broken file is refused with every problem listed on its line."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cxmethods import ConfigError, CxmError
from cxmethods.core.paths import templates_dir
from cxmethods.methodology.service_standards import (
    DIRECTIONS,
    KNOWN_METRICS,
    UNITS,
    Principle,
    ServiceStandards,
    Standard,
    kpi_table,
    load_service_standards,
    standards_table,
    stretch_target,
)

KPI_COLUMNS = [
    "principle",
    "standard_id",
    "standard",
    "measure",
    "metric",
    "unit",
    "direction",
    "target",
    "current",
    "gap",
    "met",
    "looser_than_today",
    "proposed_target",
    "frequency",
    "data_source",
    "note",
]


# --------------------------------------------------------------------------- the bundled template


def test_template_has_the_five_principles_each_with_measurable_standards():
    standards = load_service_standards()
    assert [p.id for p in standards.principles] == ["dignity", "trust", "accessibility", "transparency", "clarity"]
    assert [p.name for p in standards.principles] == ["Dignity", "Trust", "Accessibility", "Transparency", "Clarity"]
    assert all(2 <= len(p.standards) <= 3 and p.meaning for p in standards.principles)
    ids = [s.id for s in standards.standards]
    assert len(ids) == len(set(ids))
    for s in standards.standards:
        assert s.measure.strip() and s.frequency.strip() and s.data_source.strip(), s.id
        assert isinstance(s.target, float) and math.isfinite(s.target), s.id
        assert s.unit in UNITS and s.direction in DIRECTIONS, s.id
        assert re.search(r"\b(I|me|my)\b", s.standard), f"{s.id} is not in the customer's voice"
    mapped = [s for s in standards.standards if s.metric is not None]
    assert len(mapped) >= 4 and 0.3 <= len(mapped) / len(ids) <= 0.7  # about half
    assert {s.metric for s in mapped} <= set(KNOWN_METRICS)
    assert re.search(r"\b(I|me|my)\b", standards.vision) and len(standards.vision) > 100
    assert "PwC" in standards.source and "Component 4" in standards.source


def test_template_loads_the_same_from_an_explicit_path_and_from_a_copy(tmp_path):
    default = load_service_standards()
    assert load_service_standards(templates_dir() / "service_standards.yaml") == default
    own = yaml.safe_load((templates_dir() / "service_standards.yaml").read_text(encoding="utf-8"))
    own["principles"][1]["standards"][0]["target"] = 0.99
    (tmp_path / "ours.yaml").write_text(yaml.safe_dump(own), encoding="utf-8")
    ours = load_service_standards(str(tmp_path / "ours.yaml"))
    assert ours.principle("trust").standards[0].target == 0.99
    assert ours.principles[0] == default.principles[0]


# --------------------------------------------------------------------------- KPI arithmetic


def _standards(*rows: tuple) -> ServiceStandards:
    """A one-principle file: each row is (id, metric, target, unit, direction, data_source)."""
    standards = tuple(
        Standard(sid, f"I can rely on {sid}.", f"How {sid} is measured.", metric, target, unit, direction, "monthly", source)
        for sid, metric, target, unit, direction, source in rows
    )
    return ServiceStandards("I am served well.", "test", (Principle("trust", "Trust", "Reliable.", standards),))


@pytest.mark.parametrize(
    ("metric", "target", "unit", "direction", "current", "gap", "met", "note"),
    [
        (
            "first_contact_resolution",
            0.8,
            "share",
            "at_least",
            0.62,
            0.18,
            False,
            "62% now against a target of at least 80%: 18 percentage points to go",
        ),
        (
            "first_contact_resolution",
            0.8,
            "share",
            "at_least",
            0.85,
            -0.05,
            True,
            "met: 85% now against a target of at least 80%; the target is looser than today: propose at least 87.2% "
            "(15% of the way from today's figure to 100%)",
        ),
        (
            "repeat_rate",
            0.1,
            "share",
            "at_most",
            0.125,
            0.025,
            False,
            "12.5% now against a target of at most 10%: 2.5 percentage points to go",
        ),
        (
            "repeat_rate",
            0.1,
            "share",
            "at_most",
            0.04,
            -0.06,
            True,
            "met: 4% now against a target of at most 10%; the target is looser than today: propose at most 3.4% "
            "(15% of the way from today's figure to 0%)",
        ),
        (
            "median_resolution_days",
            5,
            "days",
            "at_most",
            6.5,
            1.5,
            False,
            "6.5 days now against a target of at most 5 days: 1.5 days to go",
        ),
        (
            "median_resolution_days",
            5,
            "days",
            "at_most",
            2,
            -3,
            True,
            "met: 2 days now against a target of at most 5 days; the target is looser than today: propose at most "
            "1.7 days (15% of the way from today's figure to 0 days)",
        ),
        (
            "median_resolution_days",
            2,
            "days",
            "at_least",
            1.5,
            0.5,
            False,
            "1.5 days now against a target of at least 2 days: 0.5 days to go",
        ),
        # 0.1 + 0.7 is 0.7999999999999999 in binary: exactly on target still counts as met
        ("trust", 0.8, "share", "at_least", 0.1 + 0.7, 0.0, True, "met: 80% now against a target of at least 80%"),
    ],
)
def test_kpi_gap_and_met_in_both_directions(metric, target, unit, direction, current, gap, met, note):
    table = kpi_table(_standards(("s1", metric, target, unit, direction, "contact log")), {metric: current})
    assert list(table.columns) == KPI_COLUMNS
    row = table.iloc[0]
    assert row["current"] == pytest.approx(current) and row["target"] == target
    assert row["gap"] == pytest.approx(gap, abs=1e-12)
    assert row["met"] is met or bool(row["met"]) == met
    assert row["note"] == note


def test_kpi_for_metrics_not_measured_is_missing_not_zero():
    standards = _standards(
        ("fcr", "first_contact_resolution", 0.8, "share", "at_least", "contact log"),
        ("consistency", None, 1.0, "share", "at_least", "mystery shopping"),
        ("ease", "ease", 0.8, "share", "at_least", "customer survey"),
        ("trust", "trust", 0.8, "share", "at_least", "customer survey"),
    )
    table = kpi_table(standards, {"ease": None, "trust": float("nan"), "satisfaction": 0.9}).set_index("standard_id")
    assert table["current"].isna().all() and table["gap"].isna().all()
    assert table["met"].dtype == "boolean" and table["met"].isna().all()
    assert table.at["consistency", "note"] == "not measured yet: collect it (mystery shopping)"
    assert table.at["fcr", "note"] == "not measured yet: the data gave no current figure (source: contact log)"
    assert pd.isna(table.at["consistency", "metric"])


def test_kpi_table_of_the_template_takes_each_known_metric_from_current():
    standards = load_service_standards()
    current = {name: 0.5 for name in KNOWN_METRICS} | {"median_resolution_days": 7.0}
    table = kpi_table(standards, current)
    assert table["standard_id"].tolist() == [s.id for s in standards.standards]
    assert table["principle"].unique().tolist() == ["Dignity", "Trust", "Accessibility", "Transparency", "Clarity"]
    mapped = table["metric"].notna()
    assert table.loc[mapped, "current"].tolist() == [current[m] for m in table.loc[mapped, "metric"]]
    assert table.loc[~mapped, "current"].isna().all() and table.loc[~mapped, "note"].str.startswith("not measured yet").all()
    days = table.set_index("standard_id").loc["accessibility.quick_decision"]
    assert (days["gap"], days["met"]) == (2.0, False)  # 7 days against at most 5


@settings(max_examples=150, deadline=None)
@given(target=st.floats(0, 1), current=st.floats(0, 1), direction=st.sampled_from(DIRECTIONS))
def test_met_means_the_current_value_is_on_the_right_side_of_the_target(target, current, direction):
    assume(abs(target - current) > 1e-6)
    row = kpi_table(_standards(("s", "ease", target, "share", direction, "survey")), {"ease": current}).iloc[0]
    better = current > target if direction == "at_least" else current < target
    assert bool(row["met"]) == better
    assert row["gap"] == pytest.approx(abs(target - current) * (-1 if better else 1), abs=1e-9)


@pytest.mark.parametrize(
    ("current", "message"),
    [
        (
            {"first_contact_resolutoin": 0.6},
            r"Got unknown metric 'first_contact_resolutoin' instead\. Fix: check the spelling\. Did you mean 'first_contact_resolution'\?",
        ),
        (
            {"trust": 62},
            r"The 'current\['trust'\]' parameter of kpi_table must be a share in \[0, 1\]\. Got 62 instead\. Fix: write shares as fractions",
        ),
        (
            {"median_resolution_days": -1},
            r"The 'current\['median_resolution_days'\]' parameter of kpi_table must be a number >= 0\. Got -1 instead\.",
        ),
        ({"ease": "80%"}, r"The 'current\['ease'\]' parameter of kpi_table must be a number\. Got '80%' instead\."),
        ([0.5], r"The 'current' parameter of kpi_table must be a mapping of metric to value\. Got list instead"),
    ],
)
def test_kpi_table_refuses_bad_current_values(current, message):
    with pytest.raises(CxmError, match=message):
        kpi_table(load_service_standards(), current)


def test_tables_need_loaded_standards():
    with pytest.raises(CxmError, match=r"The 'standards' parameter of kpi_table must be a ServiceStandards .* Got dict instead"):
        kpi_table({}, {})
    with pytest.raises(CxmError, match=r"The 'standards' parameter of standards_table must be a ServiceStandards"):
        standards_table("templates/service_standards.yaml")


def test_standards_table_writes_targets_in_words():
    standards = load_service_standards()
    table = standards_table(standards)
    assert list(table.columns) == ["principle", "meaning", "standard", "target", "measure"]
    assert len(table) == len(standards.standards)
    by_standard = table.set_index("standard")["target"]
    assert by_standard["I get an answer or a decision quickly."] == "at most 5 days"
    assert by_standard["My query is sorted the first time I get in touch."] == "at least 80%"
    assert by_standard["I only have to explain my situation once."] == "at most 10%"
    assert by_standard["When I phone, I soon speak to someone who can help."] == "at most 3 minutes"
    assert by_standard["I get a decision I can understand."] == "at least 4 out of 5"
    assert table.loc[table["principle"] == "Trust", "meaning"].nunique() == 1


# --------------------------------------------------------------------------- broken files

VALID = """\
vision: I get a decision I can understand, quickly.
source: test
principles:
  - id: trust
    name: Trust
    meaning: Accurate and reliable.
    standards:
      - id: trust.fcr
        standard: My query is sorted first time.
        measure: Share resolved at first contact.
        metric: first_contact_resolution
        target: 0.8
        unit: share
        direction: at_least
        frequency: monthly
        data_source: Contact log
      - id: trust.accuracy
        standard: The decision on my case is right.
        measure: Share correct in a sample check.
        metric: null
        target: 0.95
        unit: share
        direction: at_least
        frequency: quarterly
        data_source: mystery shopping
"""


def _problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "standards.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_service_standards(path)
    assert str(info.value).startswith(f"The service standards have problems ({path}) ({len(info.value.problems)}):")
    return [str(p).replace(str(path), "FILE") for p in info.value.problems]


def test_the_small_valid_file_loads(tmp_path):
    (tmp_path / "ok.yaml").write_text(VALID, encoding="utf-8")
    standards = load_service_standards(tmp_path / "ok.yaml")
    assert [(s.id, s.metric, s.target) for s in standards.standards] == [
        ("trust.fcr", "first_contact_resolution", 0.8),
        ("trust.accuracy", None, 0.95),
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "metric: first_contact_resolution",
            "metric: first_contact_resolutoin",
            "FILE line 11: standard 'trust.fcr': unknown metric 'first_contact_resolutoin'. Did you mean 'first_contact_resolution'? "
            + "Fix: Use one of first_contact_resolution, repeat_rate, failure_demand_share, online_share, median_resolution_days, "
            + "satisfaction, trust, ease, complaint_share, or null when you collect it yourself.",
        ),
        (
            "target: 0.8",
            "target: 80",
            "FILE line 12: standard 'trust.fcr': the target is a share, so it must be between 0 and 1. Got 80 instead. "
            + "Fix: Write shares as fractions: 0.8 for 80%.",
        ),
        (
            "target: 0.95",
            "target: 95%",
            "FILE line 21: standard 'trust.accuracy': the target should be a number. Got '95%' instead. "
            + "Fix: Write the target as a number in its unit. Write shares as fractions: 0.8 for 80%.",
        ),
        (
            "target: 0.95",
            "target: yes",
            "FILE line 21: standard 'trust.accuracy': the target should be a number. Got True instead.",
        ),
        (
            "target: 0.95\n        unit: share",
            "target: 7\n        unit: score 1-5",
            "FILE line 21: standard 'trust.accuracy': the target is a score, so it must be between 1 and 5. Got 7 instead.",
        ),
        (
            "unit: share\n        direction: at_least\n        frequency: quarterly",
            "unit: percent\n        direction: at_least\n        frequency: quarterly",
            "FILE line 22: standard 'trust.accuracy': unknown unit 'percent'. Fix: Use one of share, days",
        ),
        (
            "direction: at_least\n        frequency: monthly",
            "direction: at least\n        frequency: monthly",
            "FILE line 14: standard 'trust.fcr': unknown direction 'at least'. Did you mean 'at_least'? Fix: Use at_least",
        ),
        (
            "metric: first_contact_resolution",
            "metric: median_resolution_days",
            "FILE line 13: standard 'trust.fcr': metric 'median_resolution_days' is measured in days, but the unit is 'share'. "
            + "Fix: Set unit: days, or metric: null",
        ),
        (
            "id: trust.accuracy",
            "id: trust.fcr",
            "FILE line 17: duplicate standard id 'trust.fcr'. Fix: Give every standard its own id.",
        ),
        (
            "        measure: Share correct in a sample check.\n",
            "",
            "FILE line 17: standard 'trust.accuracy': missing key measure. Fix: Add measure as in templates/service_standards.yaml.",
        ),
        (
            "        metric: null\n",
            "",
            "FILE line 17: standard 'trust.accuracy': missing key metric. Fix: Add metric as in templates/service_standards.yaml "
            + "(metric: null when you collect the figure yourself).",
        ),
        ("    meaning: Accurate and reliable.\n", "", "FILE line 4: principle 'trust': missing key meaning."),
        ("vision: I get a decision I can understand, quickly.\n", "", "FILE: the file: missing key vision."),
        (
            "        frequency: monthly",
            "        frequency: monthly\n        how_often: weekly",
            "FILE line 16: standard 'trust.fcr': unknown key 'how_often'. Fix: Allowed keys here: id, standard, measure",
        ),
        (
            "        data_source: Contact log",
            "        data_source: Contact log\n        target: 0.9",
            "FILE line 17: key 'target' appears twice (also on line 12).",
        ),
        ("data_source: mystery shopping", "data_source: ''", "FILE line 25: 'data_source' should be text. Got '' instead."),
    ],
)
def test_each_problem_is_reported_with_its_line(tmp_path, old, new, expected):
    assert VALID.count(old) == 1
    found = _problems(tmp_path, VALID.replace(old, new))
    assert len(found) == 1 and found[0].startswith(expected), found


BROKEN = """\
vision: I get what I need.
principles:
  - id: trust
    name: Trust
    meaning: Reliable.
    standards:
      - id: trust.fcr
        standard: My query is sorted first time.
        measure: Share resolved at first contact.
        metric: first_contact_resolutoin
        target: 80
        unit: share
        direction: at_least
        frequency: monthly
        data_source: Contact log
        metirc: repeat_rate
  - id: trust
    name: Clarity
    meaning: Plain.
    standards: []
  - just a sentence
"""


def test_several_problems_are_reported_at_once_in_file_order(tmp_path):
    found = _problems(tmp_path, BROKEN)
    assert [re.match(r"FILE line (\d+): ", p).group(1) for p in found] == ["10", "11", "16", "17", "20", "21"]
    assert "unknown metric 'first_contact_resolutoin'. Did you mean 'first_contact_resolution'?" in found[0]
    assert "the target is a share" in found[1]
    assert "unknown key 'metirc'. Did you mean 'metric'?" in found[2]
    assert "duplicate principle id 'trust'." in found[3]
    assert "'standards' should be a non-empty list." in found[4]
    assert "principle 3 under principles should be a mapping" in found[5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("principles:\n  - {id: a, name: [b}\n", r"FILE line 2: cannot be read as YAML"),
        ("- just\n- a list\n", r"FILE: should be a YAML mapping with vision, source and principles"),
        ("", r"FILE: should be a YAML mapping"),
    ],
)
def test_files_that_are_not_standards_at_all(tmp_path, text, expected):
    path = tmp_path / "standards.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_service_standards(path)
    assert len(info.value.problems) == 1
    assert re.match(expected, str(info.value.problems[0]).replace(str(path), "FILE"))


def test_a_missing_file_says_where_to_start(tmp_path):
    with pytest.raises(ConfigError, match=r"service standards file not found\. Fix: Check the path, or copy templates/"):
        load_service_standards(tmp_path / "nowhere.yaml")


def test_kpi_columns_are_typed_for_the_workbook():
    table = kpi_table(load_service_standards(), {"trust": 0.7})
    assert pd.api.types.is_float_dtype(table["target"]) and pd.api.types.is_float_dtype(table["current"])
    assert pd.api.types.is_float_dtype(table["gap"]) and table["met"].dtype == "boolean"
    assert table["met"].notna().sum() == 1


# --------------------------------------------------------------------------- targets looser than today


def test_the_issues_loose_targets_are_flagged_and_stretched_from_todays_figure():
    # issue 19: failure demand at most 20% with 12.2% today; repeat contact at most 10% with 3.9% today
    table = kpi_table(
        load_service_standards(), {"failure_demand_share": 0.122, "repeat_rate": 0.039, "first_contact_resolution": 0.62}
    ).set_index("standard_id")
    chasing, repeats, fcr = (table.loc[k] for k in ("transparency.no_chasing", "dignity.tell_once", "trust.sorted_first_time"))
    assert chasing["looser_than_today"] and repeats["looser_than_today"] and not fcr["looser_than_today"]
    # the rule, computed independently: 15% below today's figure, to 0.1 of a percentage point
    assert chasing["proposed_target"] == pytest.approx(round(0.122 * (1 - 0.15), 3)) == pytest.approx(0.104)
    assert repeats["proposed_target"] == pytest.approx(round(0.039 * 0.85, 3)) == pytest.approx(0.033)
    assert chasing["proposed_target"] < chasing["current"] < chasing["target"]  # stretches beyond today, not to it
    assert math.isnan(fcr["proposed_target"])  # 62% against at least 80%: the target already stretches
    assert table["looser_than_today"].dtype == "boolean" and table["looser_than_today"].notna().sum() == 3
    stricter = kpi_table(load_service_standards(), {"repeat_rate": 0.039}, stretch=0.3).set_index("standard_id")
    assert stricter.at["dignity.tell_once", "proposed_target"] == pytest.approx(round(0.039 * 0.7, 3))


def test_an_at_least_target_beaten_today_is_stretched_towards_the_top():
    standards = _standards(
        ("fcr", "first_contact_resolution", 0.8, "share", "at_least", "contact log"),
        ("ease", "ease", 0.8, "share", "at_least", "survey"),
    )
    table = kpi_table(standards, {"first_contact_resolution": 0.9, "ease": 0.8}).set_index("standard_id")
    # 90% today against at least 80%: 15% of the 10 points left to 100%
    assert table.at["fcr", "looser_than_today"] and table.at["fcr", "proposed_target"] == pytest.approx(0.915)
    assert table.at["fcr", "note"].endswith("propose at least 91.5% (15% of the way from today's figure to 100%)")
    # exactly on target: met, but the target still asks the service to hold today's level
    assert table.at["ease", "met"] and not table.at["ease", "looser_than_today"]
    assert math.isnan(table.at["ease", "proposed_target"])


@settings(max_examples=150, deadline=None)
@given(
    today=st.floats(0.01, 0.99),
    target=st.floats(0, 1),
    direction=st.sampled_from(DIRECTIONS),
    stretch=st.floats(0.05, 0.5),
)
def test_a_proposed_target_is_always_better_than_today_and_than_the_old_target(today, target, direction, stretch):
    assume(abs(today - target) > 1e-6)
    row = kpi_table(_standards(("s", "ease", target, "share", direction, "survey")), {"ease": today}, stretch=stretch).iloc[0]
    better = (lambda a, b: a > b) if direction == "at_least" else (lambda a, b: a < b)
    assert bool(row["looser_than_today"]) == better(today, target)
    if row["looser_than_today"]:
        # rounded to 0.1 of a point, so "better" allows that rounding
        assert better(row["proposed_target"] + (-0.0005 if direction == "at_least" else 0.0005), today)
        assert 0 <= row["proposed_target"] <= 1
    else:
        assert math.isnan(row["proposed_target"])


@pytest.mark.parametrize(
    ("today", "unit", "direction", "stretch", "expected"),
    [
        (0.122, "share", "at_most", 0.15, 0.104),
        (0.9, "share", "at_least", 0.2, 0.92),
        (4.0, "days", "at_most", 0.1, 3.6),
        (3.0, "minutes", "at_least", 0.1, 3.3),  # no best value: raised by the share
        (4.2, "score 1-5", "at_least", 0.25, 4.4),  # a quarter of the way from 4.2 to 5
        (2.0, "score 1-5", "at_most", 0.5, 1.5),  # half way from 2 to 1
    ],
)
def test_stretch_target_rule(today, unit, direction, stretch, expected):
    assert stretch_target(today, unit, direction, stretch) == pytest.approx(expected)


@pytest.mark.parametrize("stretch", [0, 1, 1.5, -0.1])
def test_stretch_is_a_share_strictly_between_0_and_1(stretch):
    with pytest.raises(CxmError, match=r"The 'stretch' parameter of kpi_table must be a number"):
        kpi_table(load_service_standards(), {}, stretch=stretch)
