"""The slide deck, read back with python-pptx: slides in order, native charts holding the artifacts' numbers,
pictures where matplotlib draws, skipped slides for missing artifacts, and the same bytes from the same run."""

from __future__ import annotations

import itertools
import json
import shutil
import time
import zipfile
from datetime import datetime

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches

from cxmethods import CxmError, load_engagement
from cxmethods.outputs.deck import TITLE, write_deck
from cxmethods.outputs.headlines import WORKBOOKS, headlines

STEPS = ["01_self_assessment", "02_voice_of_customer", "03_segmentation", "04_business_case", "05_roadmap"]


@pytest.fixture(scope="module")
def run(tmp_path_factory, sample_run):
    """A run folder with every workbook's artifacts: those of the session's run of the sample, copied."""
    eng = load_engagement()
    folder = tmp_path_factory.mktemp("run")
    shutil.copytree(sample_run.out / "artifacts", folder / "artifacts")
    (folder / "run.json").write_text(
        json.dumps({"started_at": "2026-03-09T23:58:00+00:00", "finished_at": "2026-03-10T00:01:00+00:00"})
    )
    path = write_deck(folder, name=eng.name, organisation=eng.organisation, currency=eng.currency)
    return {"dir": folder, "eng": eng, "path": path, "written": time.monotonic(), "prs": Presentation(path)}


def _title(slide) -> str:
    return slide.shapes.title.text_frame.text


def _charts(prs) -> dict[str, object]:
    """Chart slides' titles -> their native chart."""
    return {_title(s): sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart}


def _chart_by_source(prs, source: str):
    for slide in prs.slides:
        if any(sh.has_text_frame and sh.text_frame.text.startswith(f"Source: {source}") for sh in slide.shapes):
            return slide
    raise AssertionError(f"no slide cites {source}")


def _footer(slide) -> str:
    return next(sh.text_frame.text for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.TEXT_BOX)


def _copy_steps(run, tmp_path, *steps):
    for step in steps:
        shutil.copytree(run["dir"] / "artifacts" / step, tmp_path / "artifacts" / step)
    return tmp_path


def test_written_where_promised_and_16_by_9(run):
    prs = run["prs"]
    assert run["path"] == run["dir"] / "riverton.pptx"
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, abs=0.01)
    for slide in prs.slides:  # nothing hangs off the slide
        for shape in slide.shapes:
            assert 0 <= shape.left and shape.left + shape.width <= prs.slide_width
            assert 0 <= shape.top and shape.top + shape.height <= prs.slide_height


def test_slides_in_order(run):
    titles = [_title(s) for s in run["prs"].slides]
    # title, then per workbook its findings and charts: 01 gaps, 02 reasons, channels and reasons over time, drivers,
    # 03 segments, 04 NPV and tornado, 05 the road map
    assert len(titles) == 1 + 5 + 9
    assert titles[0] == run["eng"].organisation
    findings_at = [titles.index(WORKBOOKS[step]) for step in STEPS]
    assert findings_at == [1, 3, 8, 10, 13]
    assert titles[-1] == "Road map"


def test_title_slide_names_the_engagement_and_the_run_date(run):
    subtitle = run["prs"].slides[0].placeholders[1].text_frame.text
    assert TITLE in subtitle and "riverton" in subtitle
    assert "9 March 2026" in subtitle  # the start, not the finish just after midnight


@pytest.mark.parametrize("step", STEPS)
def test_findings_slides_show_the_headlines(run, step):
    expected = headlines(run["dir"], currency="GBP")[step]
    slide = next(s for s in run["prs"].slides if _title(s) == WORKBOOKS[step])
    bullets = [p.text for p in slide.placeholders[1].text_frame.paragraphs]
    assert 3 <= len(bullets) <= 5 and bullets == expected[:5]
    sizes = {r.font.size.pt for p in slide.placeholders[1].text_frame.paragraphs for r in p.runs}
    assert sizes and min(sizes) >= 18


def test_native_charts_are_clustered_bars_with_sources(run):
    charts = _charts(run["prs"])
    assert len(charts) == 4
    assert all(c.chart_type == XL_CHART_TYPE.BAR_CLUSTERED for c in charts.values())
    for slide in list(run["prs"].slides)[1:]:
        if _title(slide) not in WORKBOOKS.values():
            assert _footer(slide).startswith("Source: ")
    assert _footer(_chart_by_source(run["prs"], "appraisal.csv")) == "Source: appraisal.csv (04_business_case)"


def test_npv_chart_holds_each_initiatives_npv_best_first(run):
    appraisal = pd.read_csv(run["dir"] / "artifacts" / "04_business_case" / "appraisal.csv")
    slide = _chart_by_source(run["prs"], "appraisal.csv")
    chart = next(sh.chart for sh in slide.shapes if sh.has_chart)
    plot = chart.plots[0]
    expected = appraisal.sort_values("npv", ascending=False)
    assert list(plot.categories) == list(expected["name"])
    assert list(plot.series[0].values) == pytest.approx(list(expected["npv"]))
    assert not chart.has_legend
    assert "£" in plot.data_labels.number_format and "£" in chart.value_axis.tick_labels.number_format
    positive = int((appraisal["npv"] > 0).sum())
    assert _title(slide).startswith(f"{positive} of {len(appraisal)} initiatives have a positive net present value")


def test_gaps_chart_compares_current_and_target_for_the_top_eight(run):
    gaps = pd.read_csv(run["dir"] / "artifacts" / "01_self_assessment" / "gaps.csv").dropna(subset=["gap"]).head(8)
    chart = next(sh.chart for sh in _chart_by_source(run["prs"], "gaps.csv").shapes if sh.has_chart)
    current, target = chart.plots[0].series
    assert (current.name, target.name) == ("Current level", "Target level")
    assert list(chart.plots[0].categories) == list(gaps["dimension"])
    assert list(current.values) == list(gaps["current"]) and list(target.values) == list(gaps["target"])
    assert chart.has_legend  # two series need one
    assert (chart.value_axis.minimum_scale, chart.value_axis.maximum_scale) == (0, 5)


@pytest.mark.parametrize(
    "source, step, category, value",
    [
        ("contact_reasons.csv", "02_voice_of_customer", "reason", "share"),
        ("segments.csv", "03_segmentation", "name", "share"),
    ],
)
def test_share_charts_are_percentages(run, source, step, category, value):
    table = pd.read_csv(run["dir"] / "artifacts" / step / source).sort_values(value, ascending=False, kind="stable").head(10)
    slide = _chart_by_source(run["prs"], source)
    plot = next(sh.chart for sh in slide.shapes if sh.has_chart).plots[0]
    assert list(plot.categories) == list(table[category])
    assert list(plot.series[0].values) == pytest.approx(list(table[value]))
    assert plot.data_labels.number_format == "0%"
    if source == "contact_reasons.csv":
        assert f"{table[value].sum():.0%} of all contacts" in _title(slide)


def test_pictures_and_the_road_map_last(run):
    prs = run["prs"]
    pictures = [_title(s) for s in prs.slides for sh in s.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 5 and pictures[-1] == "Road map"
    last = prs.slides[len(prs.slides) - 1]
    picture = next(sh for sh in last.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE)
    assert picture.image.blob == (run["dir"] / "artifacts" / "05_roadmap" / "timeline.png").read_bytes()
    assert picture.width <= prs.slide_width - 2 * Inches(0.5)


def test_volumes_over_time_are_two_picture_slides_titled_with_the_shift(run, tmp_path):
    slide = _chart_by_source(run["prs"], "volumes_over_time.csv")  # the sample's mix holds through its year
    assert _title(slide) == "How the channel mix moved, month by month"
    folder = _copy_steps(run, tmp_path, "02_voice_of_customer")
    path = folder / "artifacts" / "02_voice_of_customer" / "volumes_over_time.csv"
    trend = pd.read_csv(path)
    first = trend["period_start"] == trend["period_start"].min()
    trend.loc[first & (trend["category"] == "web_form"), "contacts"] *= 5  # April: web carried far more than later
    trend.to_csv(path, index=False)
    prs = Presentation(write_deck(folder, name="x", organisation="Org"))
    cited = "Source: volumes_over_time.csv (02_voice_of_customer)"
    slides = [s for s in prs.slides if any(sh.has_text_frame and sh.text_frame.text == cited for sh in s.shapes)]
    assert len(slides) == 2
    assert [_title(s) for s in slides][1] == "The top 5 reasons for contact, month by month"
    assert _title(slides[0]).startswith("Web form fell from ") and "between April 2025 and March 2026" in _title(slides[0])
    assert all(any(sh.shape_type == MSO_SHAPE_TYPE.PICTURE for sh in s.shapes) for s in slides)
    path.unlink()  # a log too short for a trend: no slide, not an empty one
    titles = [_title(s) for s in Presentation(write_deck(folder, name="x", organisation="Org")).slides]
    assert not any("month by month" in t or " fell from " in t for t in titles)


def test_tornado_title_from_the_sensitivity_table(run):
    table = pd.read_csv(run["dir"] / "artifacts" / "04_business_case" / "sensitivity.csv")
    preferred = table[table["output"] == "preferred"]
    assert (preferred[["npv_low", "npv_high"]] > 0).all().all()  # the sample's preferred package never flips
    slide = _chart_by_source(run["prs"], "sensitivity.csv")
    assert _title(slide) == "The preferred package's NPV stays positive across every assumption's range"


def test_a_planted_sign_change_is_named(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "04_business_case")
    path = folder / "artifacts" / "04_business_case" / "sensitivity.csv"
    table = pd.read_csv(path)
    row = table.index[(table["output"] == "preferred") & (table["assumption"] == "value_of_time")][0]
    table.loc[row, "npv_low"] = -5000.0
    table.to_csv(path, index=False)
    prs = Presentation(write_deck(folder, name="x", organisation="Org"))
    titles = [_title(s) for s in prs.slides]
    assert "The preferred package's NPV changes sign within the range of value_of_time" in titles


def test_same_run_folder_same_bytes(run, tmp_path):
    time.sleep(max(0.0, 2.1 - (time.monotonic() - run["written"])))  # a later second, so a clock in the file would show
    again = write_deck(run["dir"], name="riverton", organisation=run["eng"].organisation, out=tmp_path / "again.pptx")
    assert again == tmp_path / "again.pptx"
    with zipfile.ZipFile(run["path"]) as first, zipfile.ZipFile(again) as second:
        slides = sorted(n for n in first.namelist() if n.startswith("ppt/slides/slide"))
        assert len(slides) == 15
        assert all(first.read(n) == second.read(n) for n in slides)
    assert again.read_bytes() == run["path"].read_bytes()
    props = run["prs"].core_properties
    assert props.created == props.modified == props.last_printed == datetime(2000, 1, 1)
    assert props.author == "cxmethods" and props.title.startswith(run["eng"].organisation)


def test_only_the_voice_of_the_customer(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "02_voice_of_customer")
    path = write_deck(folder, name="voc", organisation="Org")
    titles = [_title(s) for s in Presentation(path).slides]
    assert titles[:2] == ["Org", WORKBOOKS["02_voice_of_customer"]]
    assert len(titles) == 6 and "Road map" not in titles
    assert "·" not in Presentation(path).slides[0].placeholders[1].text_frame.text  # no run.json: no date


@pytest.mark.parametrize("currency, symbol", [("EUR", '"€"'), ("NOK", '"NOK "')])
def test_currency_on_the_npv_axis(run, tmp_path, currency, symbol):
    folder = _copy_steps(run, tmp_path, "04_business_case")
    prs = Presentation(write_deck(folder, name="x", organisation="Org", currency=currency))
    chart = next(sh.chart for sh in _chart_by_source(prs, "appraisal.csv").shapes if sh.has_chart)
    assert chart.plots[0].data_labels.number_format.startswith(symbol)


def test_a_missing_chart_table_skips_only_its_slide(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "02_voice_of_customer")
    (folder / "artifacts" / "02_voice_of_customer" / "drivers.csv").unlink()
    prs = Presentation(write_deck(folder, name="x", organisation="Org"))
    assert len(prs.slides) == 5 and len(_charts(prs)) == 1


@pytest.mark.parametrize("present", ["nothing", "empty step folders", "only 00_start_here"])
def test_no_artifacts_is_an_error_naming_the_folder(tmp_path, present):
    if present == "empty step folders":
        for step in STEPS:
            (tmp_path / "artifacts" / step).mkdir(parents=True)
    if present == "only 00_start_here":  # the inputs check alone makes no deck
        (tmp_path / "artifacts" / "00_start_here").mkdir(parents=True)
        (tmp_path / "artifacts" / "00_start_here" / "inputs.csv").write_text("input,rows\n")
    with pytest.raises(CxmError, match=rf"{tmp_path.name} has no workbook artifacts .* run the workbooks first"):
        write_deck(tmp_path, name="x", organisation="Org")
    assert not (tmp_path / "x.pptx").exists()


def test_an_artifact_of_the_wrong_shape_names_file_and_column(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "01_self_assessment")
    path = folder / "artifacts" / "01_self_assessment" / "gaps.csv"
    pd.read_csv(path).drop(columns=["gap"]).to_csv(path, index=False)
    with pytest.raises(
        CxmError,
        match=r"gaps\.csv has no column\(s\) gap: it was written by another version of cxmethods\. "
        r"Fix: run workbook 01_self_assessment again \(cxm run --only 01\)",
    ):
        write_deck(folder, name="x", organisation="Org")


def test_a_column_only_the_deck_needs_is_named_too(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "01_self_assessment")
    path = folder / "artifacts" / "01_self_assessment" / "gaps.csv"
    pd.read_csv(path).drop(columns=["target"]).to_csv(path, index=False)
    with pytest.raises(
        CxmError,
        match=r"gaps\.csv has no column 'target', which the slide deck needs: re-run workbook "
        r"01_self_assessment \(cxm run --only 01\)",
    ):
        write_deck(folder, name="x", organisation="Org")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"name": "", "organisation": "Org"},
            r"The 'name' parameter of write_deck must be a non-empty file name without slashes\. Got ''",
        ),
        ({"name": "a/b", "organisation": "Org"}, r"The 'name' parameter of write_deck .* Got 'a/b' instead"),
        ({"name": "x", "organisation": " "}, r"The 'organisation' parameter of write_deck must be a non-empty string\. Got ' '"),
    ],
)
def test_parameter_checks(run, kwargs, message):
    with pytest.raises(CxmError, match=message):
        write_deck(run["dir"], **kwargs)


@pytest.mark.parametrize("initiatives, labelled", [(12, True), (30, False)])
def test_data_labels_while_readable_else_a_value_axis(run, tmp_path, initiatives, labelled):
    folder = tmp_path / "artifacts" / "04_business_case"
    folder.mkdir(parents=True)
    npv = [1000.0 * (i - 10) for i in range(initiatives)]
    pd.DataFrame(
        {
            "initiative": [f"I{i:02d}" for i in range(initiatives)],
            "name": [f"Initiative {i}" for i in range(initiatives)],
            "npv": npv,
        }
    ).to_csv(folder / "appraisal.csv", index=False)
    prs = Presentation(write_deck(tmp_path, name="x", organisation="Org"))
    assert len(prs.slides) == 2  # title and the NPV chart: no findings without options.csv, no tornado without sensitivity.csv
    chart = next(sh.chart for sh in prs.slides[1].shapes if sh.has_chart)
    assert chart.plots[0].has_data_labels is labelled and chart.value_axis.visible is not labelled
    assert list(chart.plots[0].series[0].values) == sorted(npv, reverse=True)
    assert _title(prs.slides[1]).startswith(f"{initiatives - 11} of {initiatives} initiatives have a positive")


def test_a_road_map_with_nothing_scheduled_gets_no_empty_timeline(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "05_roadmap")
    schedule = folder / "artifacts" / "05_roadmap" / "schedule.csv"
    table = pd.read_csv(schedule).assign(horizon="wait and see", reason="no effort estimate")
    table.to_csv(schedule, index=False)
    titles = [_title(s) for s in Presentation(write_deck(folder, name="x", organisation="Org")).slides]
    assert "Road map" not in titles and "Road map and pilot" in titles  # the headline says why instead


def test_long_questions_make_a_short_drivers_title(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "02_voice_of_customer")
    path = folder / "artifacts" / "02_voice_of_customer" / "drivers.csv"
    table = pd.read_csv(path)
    table["question"] = [f"Maintenance and repair of the city's streets, sidewalks and bridges ({i})" for i in range(len(table))]
    table.to_csv(path, index=False)
    titles = [_title(s) for s in Presentation(write_deck(folder, name="x", organisation="Org")).slides]
    fixing = [t for t in titles if "fix first" in t.lower()]
    assert len(fixing) == 1 and len(fixing[0]) <= 90 and fixing[0].endswith("and score lowest: fix first")


# Slides from an earlier run ----------------------------------------------------------------------------------------


def _step_of(slide) -> str | None:
    """The workbook a slide shows: its findings title, or the step its source line names; None for the title slide."""
    for step, title in WORKBOOKS.items():
        if _title(slide) == title:
            return step
    texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
    return next((s for s in STEPS for t in texts if t.startswith("Source: ") and t.endswith(f"({s})")), None)


def _marks(slide) -> list[str]:
    return [
        sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text.startswith("From an earlier run")
    ]


def test_only_into_an_earlier_run_marks_the_slides_of_the_workbooks_not_run_again(sample_run, tmp_path):
    from cxmethods import run_engagement

    out = tmp_path / "riverton"
    shutil.copytree(sample_run.out, out)
    first = json.loads((out / "run.json").read_text())["started_at"]
    result = run_engagement(out=out, only="05")
    assert result.ok
    prs = Presentation(out / "riverton.pptx")
    day = datetime.fromisoformat(first)
    expected = f"From an earlier run ({day.day} {day.strftime('%B')} {day.year}), not this one"
    by_step: dict[str | None, list] = {}
    for slide in prs.slides:
        by_step.setdefault(_step_of(slide), []).append(slide)
    assert set(by_step) == {None, *STEPS}  # every slide belongs to a workbook, but the title slide
    for step in STEPS[:4]:  # not run again: every slide says so, once
        assert [_marks(s) for s in by_step[step]] == [[expected]] * len(by_step[step])
    assert [_marks(s) for s in by_step["05_roadmap"]] == [[]] * len(by_step["05_roadmap"])  # this run's
    subtitle = prs.slides[0].placeholders[1].text_frame.text
    assert subtitle.endswith("Workbooks 01, 02, 03, 04 from an earlier run, marked on their slides")


def test_the_mark_shares_the_footer_with_the_source_without_overlapping(run, tmp_path):
    folder = _copy_steps(run, tmp_path, *STEPS)
    manifest = {
        "started_at": "2026-05-02T09:00:00+00:00",
        "workbooks": [
            {"workbook": s, "status": "ok"}
            if s != "02_voice_of_customer"
            else {"workbook": s, "status": "earlier run", "run_at": "2026-03-09T23:58:00+00:00", "earlier_status": "failed"}
            for s in STEPS
        ],
    }
    (folder / "run.json").write_text(json.dumps(manifest))
    prs = Presentation(write_deck(folder, name="riverton", organisation="Riverton"))
    marked = [s for s in prs.slides if _marks(s)]
    assert marked and {_step_of(s) for s in marked} == {"02_voice_of_customer"}
    assert len(marked) == sum(_step_of(s) == "02_voice_of_customer" for s in prs.slides)
    assert prs.slides[0].placeholders[1].text_frame.text.endswith("Workbook 02 from an earlier run, marked on its slides")
    for slide in marked:
        assert _marks(slide) == ["From an earlier run (9 March 2026, which failed), not this one"]
        footer = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.TEXT_BOX]
        assert all(sh.top == footer[-1].top for sh in footer)  # on the footer line, below the content
        for left, right in itertools.pairwise(footer):
            assert left.left + left.width <= right.left
        assert footer[-1].left + footer[-1].width <= prs.slide_width
