"""Workbook 02's orchestration: every analysis the inputs allow, notes for the rest, no personal data out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxmethods import load_engagement
from cxmethods.core.paths import templates_dir
from cxmethods.sample import make_sample
from cxmethods.workbooks.results import Note
from cxmethods.workbooks.voice_of_customer import ARTIFACTS, run, segment_hints

TRUTH = make_sample().truth


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run(load_engagement(), tmp_path_factory.mktemp("run"))


def test_every_analysis_runs_on_the_sample(result):
    assert result.skipped == {}
    assert set(result.tables) == set(ARTIFACTS)


def test_headline_findings_match_the_planted_structure(result):
    drivers = result.table("drivers")
    assert drivers.sort_values("rank")["driver"].tolist() == list(TRUTH["driver_weights"])
    top = result.table("anomalies").iloc[0]
    assert (top["area"], top["reason"]) == (TRUTH["spike"]["ward"], TRUTH["spike"]["reason"])
    hints = result.table("segment_hints").set_index(["attribute", "value"])
    assert hints.loc[("age_band", "16-24"), "web_form"] > 3 * hints.loc[("age_band", "75+"), "web_form"]


def test_no_personal_data_reaches_any_written_table(result):
    written = result.write()
    assert {p.stem for p in written} == set(ARTIFACTS)
    planted = [p["value"] for p in TRUTH["planted_personal_data"]]
    text = "\n".join(p.read_text() for p in written) + result.comments.to_csv()
    assert [v for v in planted if v in text] == []
    assert result.table("personal_data_redacted")["count"].sum() >= len(planted)


def test_charts_or_notes(result):
    assert result.chart("pareto")._repr_png_()[:4] == b"\x89PNG"
    assert result.chart("drivers")._repr_png_()[:4] == b"\x89PNG"


NYC = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata" / "nyc311_service_requests_2023-02-28_sample.csv"


@pytest.mark.skipif(not NYC.exists(), reason=f"real NYC 311 sample not found at {NYC}")
def test_nyc_311_without_customer_ids_or_a_survey_gets_notes_not_failures(tmp_path):
    result = run(load_engagement(templates_dir() / "examples" / "nyc311.yaml"), tmp_path)
    assert {"contact_reasons", "channel_mix", "patterns_time", "anomalies", "resolution_times", "data_quality"} <= set(
        result.tables
    )
    assert "customer_id" in result.skipped["repeat_contact"]
    assert result.skipped["drivers"] == "The engagement names no survey."
    note = result.table("repeat_contact")
    assert isinstance(note, Note) and "map them under inputs.contact_log.columns" in note
    assert note._repr_markdown_().startswith("**Not available:** This analysis needs")  # shown in full, not cut
    assert isinstance(result.view("top_repeats"), Note)
    # the mapping names no failure reasons and the export has no customer ids: nothing to count, so a note, not 0%
    assert "no share is given rather than 0%" in result.skipped["failure_demand"]
    assert "volumes" in result.tables  # the business case's baseline is still there
    assert not result.table("anomalies").empty


def test_segment_hints_need_a_preferred_channel():
    from cxmethods import CxmError

    with pytest.raises(CxmError, match="preferred_channel"):
        segment_hints(pd.DataFrame({"age_band": ["16-24"]}))


def test_segment_hints_use_the_declared_attributes_numbers_in_the_bands_segmentation_describes():
    from cxmethods.core.config import InputFile
    from cxmethods.methods.attributes import attribute_frame

    spec = InputFile(
        path="survey.csv",
        attributes=[
            {"column": "Q20", "label": "Age", "kind": "number"},
            {"column": "Q23", "label": "Tenure"},
            {"column": "Q99", "label": "Email", "name": "email"},  # an id-like column: left out of the hints
        ],
    )
    n = 400
    ages = pd.Series(np.arange(n) % 70 + 18, dtype=float)
    survey = pd.DataFrame(
        {
            "q20": ages,
            "q23": pd.array(np.where(np.arange(n) % 3, "Own", "Rent"), dtype="string"),
            "email": pd.array([f"p{i}@example.org" for i in range(n)], dtype="string"),
            "age_band": pd.array(np.where(ages < 40, "young", "old"), dtype="string"),  # a standard field too
            "preferred_channel": pd.array(np.where(ages < 40, "web_form", "phone"), dtype="string"),
        }
    )
    hints = segment_hints(survey, spec)
    assert hints.columns.tolist()[:4] == ["attribute", "label", "value", "respondents"]
    assert hints["attribute"].unique().tolist() == ["q20", "q23", "age_band"]  # declared first, then the standard
    age = hints[hints["attribute"] == "q20"]
    bands = attribute_frame(survey, ["q20"], spec)["q20"]
    assert set(age["label"]) == {"Age"} and age["value"].tolist() == [str(b) for b in bands.cat.categories]
    assert age["respondents"].sum() == n and age["web_form"].iloc[0] == 1 and age["phone"].iloc[-1] == 1
    assert set(hints.loc[hints["attribute"] == "q23", "value"]) == {"Own", "Rent"}
