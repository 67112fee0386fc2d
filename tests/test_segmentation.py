"""Workbook 03's orchestration on the sample: planted segments, names from the workshop, artifacts, notes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import adjusted_rand_score

from cxmethods import CxmError, load_engagement
from cxmethods.io.answers import store_for
from cxmethods.sample import make_sample
from cxmethods.workbooks.results import Note
from cxmethods.workbooks.segmentation import Segmentation, run

TRUTH = make_sample().truth


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run(load_engagement(), tmp_path_factory.mktemp("run"))


def test_the_planted_segments_are_recovered(result):
    a = result.assignments
    assert adjusted_rand_score(a["respondent_id"].map(TRUTH["survey_segment"]), a["segment"]) >= 0.8
    assert result.table("model_selection").set_index("k").loc[5, "recommended"]
    assert len(result.table("segments")) == 5 and result.table("segments")["share"].sum() == pytest.approx(1)


def test_every_part_runs_on_the_sample(result):
    assert result.skipped == {}
    assert set(result.table("stakeholder_findings")["group_id"]) >= {"G06", "G07", "G08"}
    assert result.table("rule_segments")["size"].sum() == 3000 and result.table("rule_problems").empty
    assert len(result.table("process")) >= 10 and result.table("process")["id"].iloc[0] == "decisions"
    assert len(result.table("decisions")) >= 3 and {"owner", "refresh"} <= set(result.table("embedding")["id"])
    cap = result.table("self_service")
    assert (cap["capacity"] >= 0).all() and cap["capacity"].max() > 0.8


def test_the_typing_tool_agrees_with_the_segments_on_respondents_set_aside(result):
    check = result.table("typing_check").set_index("check")
    asked = result.table("typing_questions").query("asked")
    assert 3 <= check.loc["heldout", "questions"] == len(asked) <= 7
    assert check.loc["heldout", "agreement"] >= 0.9 and check.loc["heldout", "respondents"] == pytest.approx(900, abs=5)
    assert check.loc["everyone", "respondents"] == 3000
    # tested against the segmenter's own assignments: the confusion table's diagonal is the agreement
    confusion = result.table("typing_confusion")
    same = confusion.loc[confusion["segment"] == confusion["typed"], "respondents"].sum()
    assert same / confusion["respondents"].sum() == pytest.approx(check.loc["heldout", "agreement"])
    assert set(confusion["segment_name"]) == set(result.table("segments")["name"])
    card = result.table("typing_tool")
    assert set(card["attribute"]) - {""} == set(asked["attribute"]) and card.filter(like="segment_").shape[1] == 5
    view = result.view("confusion")
    assert view.shape == (5, 5) and int(view.to_numpy().trace()) == same


def test_the_five_tests_and_the_equality_check_on_the_sample(result):
    tests = result.table("segment_tests")
    assert len(tests) == 25 and set(tests["test"]) == {"Measurable", "Substantial", "Reachable", "Distinct", "Actionable"}
    assert set(tests["verdict"]) <= {"meets", "check", "room"}
    grid = result.view("tests_grid")
    assert grid.shape == (5, 5) and (grid["Substantial"] == "meets").all()  # the sample's segments are all 11% or more
    # no objective is written yet: actionable is to check for every segment
    assert (grid["Actionable"] == "check").all()
    bases = result.table("bases").set_index("attribute")
    assert bases.loc["preferred_channel", "base"] == "do" and bases.loc["digital_confidence", "base"] == "think"
    assert bases.loc["disability", "characteristic"] == "Disability" and bases.loc["area", "role"] == "described"
    equality = result.table("equality_check")
    flagged = equality[equality["check"] == "basis"]["attribute"].tolist()
    assert flagged == ["age_band", "disability"]
    # the planted segment of disabled residents shows up as a segment whose profile differs strongly by disability
    disabled = equality[(equality["check"] == "profile") & (equality["attribute"] == "disability")]
    assert len(disabled) == 1 and "disabled" in disabled["segment"].iloc[0]
    assert (equality["check"] == "always").sum() == 3


def test_objectives_the_room_writes_reach_the_actionable_test(result, tmp_path):
    import copy

    from cxmethods.sample import write_sample

    write_sample(tmp_path)
    eng = load_engagement(tmp_path / "engagement.yaml")
    result = copy.deepcopy(result)
    store_for(eng, "segment_names").upsert({"segment": "2"}, {"name": "Busy families", "objective": "Sorted online in one go."})
    result.refresh_names(eng)
    tests = result.table("segment_tests").set_index(["segment", "test"])
    assert (
        tests.loc[(2, "Actionable"), "verdict"] == "room"
        and "Sorted online in one go." in tests.loc[(2, "Actionable"), "evidence"]
    )
    assert tests.loc[(2, "Actionable"), "name"] == "Busy families"
    assert "Busy families" in set(result.table("typing_confusion")["typed_name"])


def test_names_typed_in_the_workshop_replace_the_suggestions(result, tmp_path):
    import copy

    from cxmethods.sample import write_sample

    write_sample(tmp_path)  # a copy of the sample, so the workshop's typing does not touch the bundled files
    eng = load_engagement(tmp_path / "engagement.yaml")
    result = copy.deepcopy(result)  # the same segments: refresh_names needs no refit
    assert set(result.table("segments")["named_by"]) == {"suggestion"}
    store_for(eng, "segment_names").upsert(
        {"segment": "1"}, {"name": "Online and confident", "objective": "Everything online first time"}
    )
    table = result.refresh_names(eng).set_index("segment")
    assert table.loc[1, "name"] == "Online and confident" and table.loc[1, "named_by"] == "workshop"
    assert table.loc[2, "named_by"] == "suggestion"
    assert (result.assignments.loc[result.assignments["segment"] == 1, "segment_name"] == "Online and confident").all()
    written = result.write(tmp_path / "run")
    assert {p.name for p in written} >= {
        "segments.csv",
        "profiles.csv",
        "assignments.parquet",
        "model_selection.csv",
        "segment_channels.csv",
        "stakeholders.csv",
    }
    parquet = pd.read_parquet(tmp_path / "run" / "artifacts" / "03_segmentation" / "assignments.parquet")
    assert len(parquet) == 3000 and {"respondent_id", "segment", "segment_name", "rule_segment"} <= set(parquet.columns)


def test_without_a_survey_the_stakeholder_map_still_runs(tiny):
    tiny.set_yaml(tiny.yaml.replace("  survey:\n    path: survey.csv\n    dont_know_codes: [9]\n", ""))
    result = run(load_engagement(tiny.path), tiny.folder / "run")
    assert result.skipped["segments"].startswith("The engagement names no survey input: add inputs.survey (")
    assert result.skipped["typing_tool"] == result.skipped["segment_tests"] == result.skipped["segments"]
    assert len(result.table("decisions")) >= 3  # what the segmentation is for does not need data
    assert isinstance(result.table("segments"), Note) and isinstance(result.view("distinctive"), Note)
    assert result.chart("stakeholders").startswith("The engagement names no stakeholders input: add inputs.stakeholders")
    assert (
        "an answers file"
        in __import__("cxmethods.workshop.forms", fromlist=["x"])
        .segment_names_form(load_engagement(tiny.path), result.suggestions)
        .value
    )


def test_a_tiny_survey_is_not_segmented_and_a_chosen_k_is_evaluated_and_flagged(tmp_path):
    import yaml

    from cxmethods.sample import write_sample

    write_sample(tmp_path)
    lines = (tmp_path / "resident_survey.csv").read_text().splitlines()
    (tmp_path / "resident_survey.csv").write_text("\n".join(lines[:21]) + "\n")
    small = run(load_engagement(tmp_path / "engagement.yaml"), tmp_path / "run")
    assert "Segmenting 20 respondents would describe individuals" in small.table("segments")
    assert "Segmenting 20 respondents would describe individuals" in small.table("typing_tool")
    assert "rule_segments" in small.tables  # the rule-based tree still sizes them
    (tmp_path / "resident_survey.csv").write_text("\n".join(lines[:401]) + "\n")
    cfg = yaml.safe_load((tmp_path / "engagement.yaml").read_text())
    cfg["settings"]["segmentation"].update({"k": 10, "k_max": 4, "bootstrap": 2})
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(cfg))
    chosen = run(load_engagement(tmp_path / "engagement.yaml"), tmp_path / "run")
    selection = chosen.table("model_selection")
    assert selection["k"].max() == 10 and selection.loc[selection["chosen"], "k"].tolist() == [10]
    assert chosen.table("segments")["below_min_share"].any()


def test_a_rule_tree_with_a_scope_counts_the_rows_outside_apart(tmp_path):
    from cxmethods.sample import write_sample

    write_sample(tmp_path)
    (tmp_path / "segment_rules.yaml").write_text(
        "name: Frequent and occasional callers\nsource: test\n"
        "parameters:\n  most_contacts: {value: 20, source: a cap set for this test}\n"
        "scope:\n  - {field: contacts_last_year, '<': most_contacts}\n"
        "segments:\n"
        "  - {id: frequent, when: {field: contacts_last_year, '>=': 6}, objective: Fewer repeat contacts.}\n"
        "  - {id: occasional, when: otherwise, objective: Done first time.}\n",
        encoding="utf-8",
    )
    eng = load_engagement(tmp_path / "engagement.yaml")
    survey = pd.read_csv(tmp_path / "resident_survey.csv")
    outside = int((survey["contacts_last_year"] >= 20).sum())
    assert outside > 0
    result = Segmentation(tmp_path / "run")
    from cxmethods.io.inputs import read_input
    from cxmethods.workbooks.segmentation import _rules

    _rules(result, eng, read_input(eng, "survey"))
    sizes = result.table("rule_segments").set_index("leaf_id")
    assert sizes.loc["(outside)", "size"] == outside and pd.isna(sizes.loc["(outside)", "share"])
    assert sizes.drop("(outside)")["size"].sum() == len(survey) - outside
    assert sizes.drop("(outside)")["share"].sum() == pytest.approx(1)
    notes = " ".join(result.notes)
    assert "most contacts = 20 (a cap set for this test)" in notes
    assert f"{outside:,} respondents outside it are counted apart" in notes


def test_chart_names_are_checked():
    with pytest.raises(
        CxmError, match=r"The 'name' parameter of Segmentation\.chart must be 'stakeholders'\. Got 'map' instead\."
    ):
        Segmentation().chart("map")


# -- the client's own attributes: declared, banded, labelled; twins told apart; k the workshop chooses -------------


def _write_survey(folder, groups, *, seed: int = 0, settings: str = "", age: str = "") -> object:
    """A survey of planted groups (size, transport shares, tenure shares, age range or ("normal", mean, sd)) with its
    engagement, declaring
    the attributes as a client would (age as a number with 99 = refused)."""
    rng = np.random.default_rng(seed)
    parts = []
    for n, transport, tenure, ages in groups:
        parts.append(
            pd.DataFrame(
                {
                    "Q24": rng.choice(list(transport), n, p=list(transport.values())),
                    "Q23": rng.choice(list(tenure), n, p=list(tenure.values())),
                    "Q20": rng.normal(*ages[1:], n).round().clip(18, 95) if ages[0] == "normal" else rng.integers(*ages, n),
                    "Q18": rng.choice(["1", "2", "3"], n),
                }
            )
        )
    survey = pd.concat(parts, ignore_index=True)
    survey.loc[::50, "Q20"] = 99  # refused
    survey.insert(0, "Num", range(1, len(survey) + 1))
    survey.to_csv(folder / "survey.csv", index=False)
    (folder / "engagement.yaml").write_text(
        "name: attributes\norganisation: Test\ncurrency: USD\nperiod: {start: 2025-01-01, end: 2025-12-31}\n"
        "inputs:\n  survey:\n    path: survey.csv\n    columns: {respondent_id: Num, preferred_channel: Q18}\n"
        "    values: {preferred_channel: {'1': mobile_app, '2': web_form, '3': phone}}\n"
        "    attributes:\n"
        f"      - {{column: Q20, label: Age, kind: number, dont_know: ['99']{age}}}\n"
        "      - {column: Q24, label: Main transport}\n"
        "      - {column: Q23, label: Tenure}\n"
        f"settings:\n  segmentation:\n    k_max: 4\n{settings}"
    )
    return load_engagement(folder / "engagement.yaml")


TWINS = [  # two small groups alike (cycling renters) but for their age: named on two attributes, they were twins
    (800, {"Car": 0.9, "Bus": 0.1}, {"Own": 0.7, "Rent": 0.3}, (35, 60)),
    (150, {"Bike": 0.9, "Car": 0.1}, {"Rent": 0.9, "Own": 0.1}, (18, 35)),
    (150, {"Bike": 0.9, "Car": 0.1}, {"Rent": 0.9, "Own": 0.1}, (60, 81)),
]


def test_declared_attributes_are_segmented_banded_labelled_and_named_apart(tmp_path):
    result = run(_write_survey(tmp_path, TWINS, settings="    k: 3\n"), tmp_path / "run")
    profiles = result.table("profiles")
    assert set(profiles["attribute"]) == {"q20", "q24", "q23"}  # the declared attributes: the default
    age = profiles[(profiles["attribute"] == "q20") & (profiles["segment"] == 1)]
    bands = age["value"].tolist()  # in their order, from the youngest: not A-Z
    assert (
        set(age["label"]) == {"Age"} and len(bands) == 5 and bands[0].startswith("18-") and bands[-2:] == [bands[-2], "missing"]
    )
    assert bands[-2].endswith(" and over") and [int(b[:2]) for b in bands[:-1]] == sorted(int(b[:2]) for b in bands[:-1])
    assert (
        "Age is segmented as a number and described in bands (chosen from the data; give bins: under "
        "inputs.survey.attributes to set them): " in result.remarks()
    )
    names = result.table("segments").set_index("segment")["name"]
    assert names.is_unique
    cyclists = sorted(n for n in names if "main transport Bike" in n)  # named by their age band, then transport
    assert cyclists == [f"Mostly age {bands[0]}, main transport Bike", f"Mostly age {bands[-2]}, main transport Bike"]


def test_user_bins_are_used_and_the_attributes_can_be_named(tmp_path):
    settings = "    k: 3\n    attributes: [q20, preferred_channel]\n"
    result = run(_write_survey(tmp_path, TWINS, settings=settings, age=", bins: [18, 40, 60]"), tmp_path / "run")
    profiles = result.table("profiles")
    assert set(profiles["attribute"]) == {"q20", "preferred_channel"}
    assert set(profiles.loc[profiles["attribute"] == "q20", "value"]) == {"18-39", "40-59", "60 and over", "missing"}
    assert "Age is segmented as a number and described in bands (as declared): 18-39, 40-59, 60 and over." in result.remarks()


# answers drawn independently of each other: no segments to find
NOISE = [(600, {"Car": 1 / 3, "Bus": 1 / 3, "Bike": 1 / 3}, {"Own": 1 / 3, "Rent": 1 / 3, "Social": 1 / 3}, ("normal", 48, 15))]


def test_when_no_k_is_stable_the_workbook_says_so_and_the_headline_too(tmp_path):
    from cxmethods.outputs.headlines import headlines

    # from 3 segments up (2 can split a single normal age at its middle, stably enough)
    result = run(_write_survey(tmp_path, NOISE, settings="    k_min: 3\n"), tmp_path / "run")
    selection = result.table("model_selection")
    assert not selection["stable"].any() and selection["chosen"].equals(selection["recommended"])
    chosen = selection.loc[selection["chosen"]].iloc[0]
    assert chosen["note"].startswith("No number of segments was stable across resamples (best stability ")
    assert f"the {chosen['k']} shown are a starting point: the workshop should choose" in chosen["note"]
    assert chosen["note"] in result.notes
    result.write()
    found = headlines(tmp_path / "run")["03_segmentation"]
    assert found[0].startswith(f"{chosen['k']} draft segments: ") and found[1] == chosen["note"]


def test_a_k_the_workshop_chose_is_kept_and_flagged_when_unstable(tmp_path):
    result = run(_write_survey(tmp_path, NOISE, settings="    k: 3\n"), tmp_path / "run")
    selection = result.table("model_selection").set_index("k")
    assert len(result.table("segments")) == 3 and selection.loc[3, "chosen"] and not selection.loc[3, "stable"]
    assert selection.loc[3, "note"].startswith(
        f"The workshop chose 3 segments (settings.segmentation.k); they are not stable across resamples (stability "
        f"{selection.loc[3, 'stability']:.2f})"
    )
    assert selection.loc[3, "note"].endswith(": check that they hold before acting on them.")


def test_a_survey_without_attributes_gets_a_note_not_a_crash(tmp_path):
    pd.DataFrame({"Num": range(150), "Q2": np.arange(150) % 5 + 1}).to_csv(tmp_path / "survey.csv", index=False)
    (tmp_path / "engagement.yaml").write_text(
        "name: items-only\norganisation: Test\ncurrency: USD\nperiod: {start: 2025-01-01, end: 2025-12-31}\n"
        "inputs:\n  survey:\n    path: survey.csv\n    columns: {respondent_id: Num}\n"
        "    items: [{column: Q2, label: Overall quality, role: outcome}]\n"
    )
    result = run(load_engagement(tmp_path / "engagement.yaml"), tmp_path / "run")
    assert result.table("segments").startswith("The survey has no attributes to segment on: declare")
    assert result.table("equality_check").startswith("The survey has no attributes to segment on: declare")
    assert isinstance(result.table("profiles"), Note) and isinstance(result.table("segment_channels"), Note)


SANDIEGO = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata" / "sandiego_resident_survey_2015_weighted.csv"


@pytest.mark.skipif(not SANDIEGO.is_file(), reason=f"real data not found beside the checkout: {SANDIEGO}")
def test_the_san_diego_survey_segments_on_its_own_declared_attributes(tmp_path):
    from cxmethods import validate_engagement

    # Q20 age and Q21 years lived in San Diego (99: no answer), Q23 own/rent (9: don't know), Q18 preferred channel
    survey = {
        "path": str(SANDIEGO),
        "columns": {"respondent_id": "Num", "preferred_channel": "Q18"},
        "values": {
            "preferred_channel": {"1": "mobile_app", "2": "web_form", "3": "phone", "4": None, "5": None, "9": None},
            "q23": {"1": "Own", "2": "Rent"},
        },
        "attributes": [
            {"column": "Q20", "label": "Age", "kind": "number", "dont_know": ["99"]},
            {"column": "Q21", "label": "Years in San Diego", "kind": "number", "dont_know": ["99"]},
            {"column": "Q23", "label": "Home", "dont_know": ["9"]},
        ],
    }
    engagement = {
        "name": "sandiego",
        "organisation": "City of San Diego",
        "currency": "USD",
        "period": {"start": "2015-01-01", "end": "2015-12-31"},
        "allow_paths_outside": True,  # the real sample stays in ../shared
        "inputs": {"survey": survey},
    }
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(engagement, sort_keys=False), encoding="utf-8")
    assert validate_engagement(tmp_path / "engagement.yaml").ok
    result = run(load_engagement(tmp_path / "engagement.yaml"), tmp_path / "run")
    profiles = result.table("profiles").set_index(["segment", "attribute", "value"])
    age = profiles.loc[1].loc["q20"]
    assert set(age["label"]) == {"Age"} and age.index[-2].endswith(" and over") and age.index[-1] == "missing"
    raw = pd.read_csv(SANDIEGO, usecols=["Q20"])["Q20"]
    assert age.loc["missing", "population_share"] == pytest.approx((raw == 99).mean())  # no answer is not an age of 99
    names = result.table("segments")["name"]
    assert names.is_unique and names.str.contains("age |years in San Diego |home ", regex=True).all()
    chosen = result.table("model_selection").query("chosen").iloc[0]
    assert chosen["note"] and (chosen["stable"] or chosen["note"].startswith("No number of segments was stable"))
    # the symptom: the age mapped onto age_band is refused before anything runs, with the fix
    survey["columns"]["age_band"] = "Q20"
    engagement["settings"] = {"segmentation": {"attributes": ["age_band", "q23"]}}
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(engagement, sort_keys=False), encoding="utf-8")
    [error] = validate_engagement(tmp_path / "engagement.yaml").errors
    assert error.message.startswith("attribute 'age_band' (column 'Q20') has 71 distinct values")
    assert "declare it under inputs.survey.attributes, e.g. {column: Q20, label: ..., kind: number}" in error.fix
