"""Workbook 03's orchestration on the sample: planted segments, names from the workshop, artifacts, notes."""

from __future__ import annotations

import pandas as pd
import pytest
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
    assert len(result.table("process")) >= 8
    cap = result.table("self_service")
    assert (cap["capacity"] >= 0).all() and cap["capacity"].max() > 0.8


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
    assert result.skipped["segments"] == "The engagement names no survey."
    assert isinstance(result.table("segments"), Note) and isinstance(result.view("distinctive"), Note)
    assert result.chart("stakeholders") == "The engagement names no stakeholder map."
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
    assert "rule_segments" in small.tables  # the rule-based tree still sizes them
    (tmp_path / "resident_survey.csv").write_text("\n".join(lines[:401]) + "\n")
    cfg = yaml.safe_load((tmp_path / "engagement.yaml").read_text())
    cfg["settings"]["segmentation"].update({"k": 10, "k_max": 4, "bootstrap": 2})
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(cfg))
    chosen = run(load_engagement(tmp_path / "engagement.yaml"), tmp_path / "run")
    selection = chosen.table("model_selection")
    assert selection["k"].max() == 10 and selection.loc[selection["chosen"], "k"].tolist() == [10]
    assert chosen.table("segments")["below_min_share"].any()


def test_chart_names_are_checked():
    with pytest.raises(
        CxmError, match=r"The 'name' parameter of Segmentation\.chart must be 'stakeholders'\. Got 'map' instead\."
    ):
        Segmentation().chart("map")
