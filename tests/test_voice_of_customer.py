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
    assert result.skipped["drivers"].startswith("The engagement names no survey input: add inputs.survey (")
    assert result.skipped["drivers"].endswith("to find which of its questions drive satisfaction, and hints of segments.")
    note = result.table("repeat_contact")
    assert isinstance(note, Note) and "map them under inputs.contact_log.columns" in note
    assert note._repr_markdown_().startswith("**Not available:** This analysis needs")  # shown in full, not cut
    assert isinstance(result.view("top_repeats"), Note)
    # the mapping names no failure reasons and the export has no customer ids: nothing to count, so a note, not 0%
    assert "no share is given rather than 0%" in result.skipped["failure_demand"]
    assert "volumes" in result.tables  # the business case's baseline is still there
    assert not result.table("anomalies").empty
    # one day of contacts: no trend, and the charts' place says why; auto-closed cases are counted and said
    assert "covers 1 day (2023-02-28 to 2023-02-28): too short" in result.skipped["volumes_over_time"]
    assert isinstance(result.chart("channel_trend"), Note) and isinstance(result.chart("reason_trend"), Note)
    auto = result.table("resolution_times").set_index("reason").loc["(all)", "auto_closed"]
    assert auto == 141 and any(n.startswith("141 cases (3% of those closed) were closed within a second") for n in result.notes)
    # a reason that two agencies record is named, with each agency's count, not shown under one of them
    assert any(
        n.startswith("5 reasons are recorded under several services") and "Graffiti (DSNY 123, NYPD 2)" in n for n in result.notes
    )
    assert result.table("contact_reasons").set_index("reason").loc["Graffiti", "service"] == "DSNY; NYPD"


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


def test_a_log_over_years_gets_trend_charts_and_the_channel_shift_headline(tiny, years_of_contacts, tmp_path):
    from cxmethods.outputs.headlines import headlines

    frame = years_of_contacts()
    result = run(load_engagement(tiny.path), tmp_path / "run")
    for name in ("channel_trend", "reason_trend"):
        assert result.chart(name)._repr_png_()[:4] == b"\x89PNG"
    result.write()
    year = pd.to_datetime(frame["Date Opened"]).dt.year
    share = frame["Channel"].groupby(year).value_counts(normalize=True)  # every contact's channel is recorded
    said = headlines(tmp_path / "run")["02_voice_of_customer"]
    assert (
        f"Web form rose from {share[2011, 'Web']:.0%} to {share[2015, 'Web']:.0%} of contacts between 2011 and 2015, "
        f"while phone fell from {share[2011, 'Telephone']:.0%} to {share[2015, 'Telephone']:.0%}."
    ) in said


def test_a_log_of_one_day_gets_a_note_in_place_of_the_trend_and_no_shift_headline(tiny, tmp_path):
    from cxmethods.outputs.headlines import headlines

    one_day = tiny.files["contacts.csv"]
    for day in ("2025-04-02", "2025-04-03", "2025-04-05"):
        one_day = one_day.replace(day, "2025-04-01")
    tiny.set_file("contacts.csv", one_day)
    result = run(load_engagement(tiny.path), tmp_path / "run")
    assert result.chart("channel_trend") == result.skipped["volumes_over_time"]
    assert "Day by day, the counts would show the weekly cycle" in result.skipped["volumes_over_time"]
    result.write()
    said = headlines(tmp_path / "run")["02_voice_of_customer"]
    assert not any(" rose " in s or " fell " in s for s in said) and "Phone carries 50% of contacts." in said
