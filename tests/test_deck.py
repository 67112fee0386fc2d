"""The slide deck, read back with python-pptx: the agenda follows the slides made, the executive summary and the
decision slides carry the summary's decisions, native charts hold the artifacts' numbers (checked against the CSVs
read here), the road map is a timeline of shapes with names, every content slide has speaker notes and every
chart, table and group alt text, nothing is under 12 pt, no client text carries code names, and the same run
folder gives the same bytes."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import time
import zipfile
from datetime import datetime

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE

from cxmethods import CxmError, load_engagement
from cxmethods.outputs.deck import MIN_PT, SECTIONS, TITLE, write_deck
from cxmethods.outputs.summary import executive_summary

STEPS = ["01_self_assessment", "02_voice_of_customer", "03_segmentation", "04_business_case", "05_roadmap"]
WORKBOOK_TITLES = {
    "01_self_assessment": "Self-assessment: where we are",
    "02_voice_of_customer": "Voice of the customer",
    "03_segmentation": "Segmentation: who our customers are",
    "04_business_case": "Business case",
    "05_roadmap": "Road map and pilot",
}
#: What must not reach a client (the issue's scan, and the shared client-scan tool's patterns).
CODE = re.compile(
    r"\b[a-z]+(_[a-z0-9]+)+\b|\b(nan|NaN|None|True|False)\b|\b[\w-]+\.(csv|parquet|ipynb|yaml|json|png)\b|\d+\.\d{4,}"
    r"|\bI\d{2}\b|\b[SVDG]:[\w.-]+"
)


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


def _csv(run, step, name) -> pd.DataFrame:
    return pd.read_csv(run["dir"] / "artifacts" / step / f"{name}.csv")


def _footer(slide) -> str:
    return next((sh.text_frame.text for sh in slide.shapes if sh.name == "Footer"), "")


def _by_source(prs, what: str):
    """The slide whose source line ends with '(what)'."""
    for slide in prs.slides:
        if _footer(slide).endswith(f"({what})"):
            return slide
    raise AssertionError(f"no slide cites {what}")


def _chart(slide):
    return next(sh.chart for sh in slide.shapes if sh.has_chart)


def _copy_steps(run, tmp_path, *steps):
    for step in steps:
        shutil.copytree(run["dir"] / "artifacts" / step, tmp_path / "artifacts" / step)
    return tmp_path


def _agenda(prs) -> list[str]:
    slide = prs.slides[1]
    assert _title(slide) == "Agenda"
    box = next(sh for sh in slide.shapes if sh.has_text_frame and sh != slide.shapes.title)
    return [re.sub(r"^\d+\.\s+", "", p.text) for p in box.text_frame.paragraphs]


def _gbp(value: float) -> str:
    text = f"{abs(value):,.0f}"
    return f"-£{text}" if value < 0 else f"£{text}"


# The whole deck ----------------------------------------------------------------------------------------------------


def test_written_where_promised_16_by_9_and_nothing_off_the_slide(run):
    prs = run["prs"]
    assert run["path"] == run["dir"] / "riverton.pptx"
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, abs=0.01)
    for slide in prs.slides:
        for shape in slide.shapes:
            assert 0 <= shape.left and shape.left + shape.width <= prs.slide_width, _title(slide)
            assert 0 <= shape.top and shape.top + shape.height <= prs.slide_height, _title(slide)


def test_the_deck_runs_title_agenda_summary_findings_decisions_next_steps(run):
    prs, eng = run["prs"], run["eng"]
    titles = [_title(s) for s in prs.slides]
    assert titles[0] == eng.organisation and titles[1] == "Agenda"
    summary = executive_summary(run["dir"])
    n = len(summary.decisions)
    assert (
        titles[2] == f"We ask you to take {('one', 'two', 'three', 'four', 'five')[n - 1]} decisions"
        and titles[3] == "Key findings"
    )
    assert titles[-(n + 1) : -1] == [f"Decision {i}: {d.title}" for i, d in enumerate(summary.decisions, 1)]
    assert titles[-1] == "Next steps"
    assert _agenda(prs) == list(SECTIONS)  # the sample has slides for every section
    # every finding slide the brief asks for is there, once
    for what in (
        "gaps by dimension",
        "contact reasons",
        "failure demand",
        "channel mix",
        "contacts month by month",
        "drivers of satisfaction",
        "segments",
        "options appraisal",
        "appraisal of each initiative",
        "risk simulation",
        "sensitivity analysis",
        "schedule",
        "pilot plan",
        "service standards",
    ):
        assert sum(_footer(s).endswith(f"({what})") for s in prs.slides) == (2 if what == "contacts month by month" else 1), what


def test_title_slide_names_the_organisation_and_the_run_date(run):
    slide = run["prs"].slides[0]
    subtitle = slide.placeholders[1].text_frame.text
    assert slide.placeholders[0].text_frame.text == run["eng"].organisation and TITLE in subtitle
    assert "riverton" not in subtitle  # the engagement's file name is the team's, not the client's
    assert "9 March 2026" in subtitle  # the start, not the finish just after midnight


def test_the_summary_slides_carry_the_decisions_and_the_findings(run):
    prs = run["prs"]
    summary = executive_summary(run["dir"])
    decisions = [
        p.text
        for sh in prs.slides[2].shapes
        if sh.has_text_frame and sh.name not in ("Footer", prs.slides[2].shapes.title.name)
        for p in sh.text_frame.paragraphs
    ]
    assert [re.sub(r" \(cost .*\)$", "", t) for t in decisions] == [f"{i}. {d.title}" for i, d in enumerate(summary.decisions, 1)]
    first = summary.decisions[0]
    assert first.cost.split(" ")[0] in decisions[0]  # the package's cost, as the summary states it
    findings = [
        p.text
        for sh in prs.slides[3].shapes
        if sh.has_text_frame and sh.name not in ("Footer", prs.slides[3].shapes.title.name)
        for p in sh.text_frame.paragraphs
    ]
    assert findings == [f"•  {f.text}" for f in summary.findings]


def test_every_content_slide_has_speaker_notes_and_a_source(run):
    for slide in list(run["prs"].slides)[1:]:
        assert slide.has_notes_slide and len(slide.notes_slide.notes_text_frame.text) > 40, _title(slide)
        if _title(slide) != "Agenda":
            assert _footer(slide).startswith("Source: "), _title(slide)


def _sizes(xml: bytes) -> list[int]:
    return [int(s) for s in re.findall(rb'\bsz="(\d+)"', xml)]


def test_nothing_under_12_pt_in_slides_tables_and_charts(run):
    with zipfile.ZipFile(run["path"]) as package:
        slides = [n for n in package.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
        charts = [n for n in package.namelist() if re.fullmatch(r"ppt/charts/chart\d+\.xml", n)]
        assert charts
        for name in slides + charts:
            sizes = _sizes(package.read(name))
            assert sizes and min(sizes) >= MIN_PT * 100, (name, min(sizes))
        for name in charts:  # the chart's own default, which every label without a size of its own takes
            xml = package.read(name)
            assert re.search(rb'<c:txPr>.*?sz="(\d+)"', xml[xml.rfind(b"<c:txPr>") :], re.S), name
    for slide in run["prs"].slides:  # every run of text sets its size (none falls back to a smaller default)
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [c.text_frame for row in shape.table.rows for c in row.cells]
            for frame in frames:
                for p in frame.paragraphs:
                    for r in p.runs:
                        assert r.font.size is not None and r.font.size.pt >= MIN_PT, (_title(slide), r.text)


def test_alt_text_on_every_chart_table_and_group_and_no_pictures(run):
    for slide in run["prs"].slides:
        for shape in slide.shapes:
            assert shape.shape_type != MSO_SHAPE_TYPE.PICTURE  # native charts and shapes only
            if shape.has_chart or shape.has_table or shape.shape_type == MSO_SHAPE_TYPE.GROUP:
                alt = shape._element.xpath(".//p:cNvPr/@descr")
                assert alt and len(alt[0]) > 30 and alt[0] != "image.png", _title(slide)


def _client_texts(prs):
    for i, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            if shape.has_text_frame:
                yield i, shape.text_frame.text
            if shape.has_table:
                yield from ((i, c.text) for row in shape.table.rows for c in row.cells)
            if shape.has_chart:
                plot = shape.chart.plots[0]
                yield from ((i, str(c)) for c in plot.categories)
                yield from ((i, s.name) for s in plot.series)
            if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
                yield from ((i, sh.text_frame.text) for sh in shape.shapes if sh.has_text_frame)
                yield i, shape._element.xpath(".//p:cNvPr/@descr")[0]
        if slide.has_notes_slide:
            yield i, slide.notes_slide.notes_text_frame.text


def test_no_code_names_ids_file_names_or_raw_decimals_anywhere(run):
    found = [(i, m.group(0)) for i, text in _client_texts(run["prs"]) for m in CODE.finditer(text)]
    assert found == []


def test_finding_slides_state_a_figure_or_a_name_in_their_title(run):
    for slide in list(run["prs"].slides)[4:]:
        title = _title(slide)
        if slide.shapes.title and (any(sh.has_chart or sh.has_table for sh in slide.shapes)) and not title.startswith("Decision"):
            assert re.search(r"\d|'", title), title  # a figure, or the name of what it found
            assert len(title) <= 160, title


# Charts hold the artifacts' numbers ------------------------------------------------------------------------------


def test_npv_chart_holds_each_initiatives_npv_best_first(run):
    appraisal = _csv(run, "04_business_case", "appraisal")
    slide = _by_source(run["prs"], "appraisal of each initiative")
    chart = _chart(slide)
    expected = appraisal.sort_values("npv", ascending=False)
    assert chart.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    assert list(chart.plots[0].categories) == list(expected["name"])
    assert list(chart.plots[0].series[0].values) == pytest.approx(list(expected["npv"]))
    assert "£" in chart.plots[0].data_labels.number_format
    positive = int((appraisal["npv"] > 0).sum())
    assert _title(slide).startswith(f"{positive} of {len(appraisal)} initiatives have a positive net present value")


def test_options_show_cash_and_customers_time_side_by_side(run):
    options = _csv(run, "04_business_case", "options")
    shown = options[options["initiatives"].notna() & (options["option"] != "do_nothing")]
    slide = _by_source(run["prs"], "options appraisal")
    chart = _chart(slide)
    assert chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    cash, time_, npv = chart.plots[0].series
    assert list(cash.values) == pytest.approx(list(shown["cash_npv"]))
    assert list(time_.values) == pytest.approx(list(shown["pv_noncash_benefits"]))
    assert list(npv.values) == pytest.approx(list(shown["npv"]))
    p = shown.set_index("option").loc["preferred"]
    assert _gbp(p["npv"]) in _title(slide) and _gbp(p["cash_npv"]) in _title(slide)


def test_the_simulation_shows_each_options_range_in_all_value_and_cash(run):
    options = _csv(run, "04_business_case", "options")
    shown = options[options["initiatives"].notna() & (options["option"] != "do_nothing")]
    chart = _chart(_by_source(run["prs"], "risk simulation"))
    low, high = chart.plots[0].series
    assert list(low.values) == pytest.approx([v for r in shown.itertuples() for v in (r.p10, r.cash_p10)])
    assert list(high.values) == pytest.approx([v for r in shown.itertuples() for v in (r.p90, r.cash_p90)])
    p = shown.set_index("option").loc["preferred"]
    assert f"chance of a cash loss {p['prob_cash_negative']:.0%}" in _title(_by_source(run["prs"], "risk simulation"))


def test_the_tornado_names_assumptions_in_words(run):
    table = _csv(run, "04_business_case", "sensitivity")
    preferred = table[table["output"] == "preferred"].sort_values("swing", ascending=False).head(6)
    chart = _chart(_by_source(run["prs"], "sensitivity analysis"))
    categories = list(chart.plots[0].categories)
    assert len(categories) == len(preferred)
    assert not any(re.search(r"[a-z]_[a-z]|\.\w", c) for c in categories)  # no 'optimism_bias.equipment_development'
    assert list(chart.plots[0].series[0].values) == pytest.approx(list(preferred["npv_low"]))
    assert (preferred[["npv_low", "npv_high"]] > 0).all().all()  # the sample's preferred package never flips
    assert "stays positive" in _title(_by_source(run["prs"], "sensitivity analysis"))


def test_a_planted_sign_change_is_named_by_its_description(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "04_business_case")
    path = folder / "artifacts" / "04_business_case" / "sensitivity.csv"
    table = pd.read_csv(path)
    row = table.index[(table["output"] == "preferred") & (table["assumption"] == "value_of_time")][0]
    table.loc[row, ["npv_low", "swing"]] = [-5000.0, 1e9]
    table.to_csv(path, index=False)
    titles = [_title(s) for s in Presentation(write_deck(folder, name="x", organisation="Org")).slides]
    assert (
        "The preferred package's NPV changes sign within the range of one assumption: value of an hour of a customer's time"
        in titles
    )


def test_gaps_reasons_failure_and_channels_hold_their_tables(run):
    prs = run["prs"]
    gaps = _csv(run, "01_self_assessment", "gaps").dropna(subset=["gap"]).head(8)
    chart = _chart(_by_source(prs, "gaps by dimension"))
    current, target = chart.plots[0].series
    assert list(chart.plots[0].categories) == list(gaps["dimension"])
    assert list(current.values) == list(gaps["current"]) and list(target.values) == list(gaps["target"])
    reasons = _csv(run, "02_voice_of_customer", "contact_reasons").sort_values("share", ascending=False, kind="stable").head(10)
    slide = _by_source(prs, "contact reasons")
    assert list(_chart(slide).plots[0].series[0].values) == pytest.approx(list(reasons["share"]))
    assert f"make up {reasons['share'].sum():.0%} of contacts" in _title(slide)
    failure = _csv(run, "02_voice_of_customer", "failure_demand")
    overall = failure.set_index("channel").loc["(all)"]
    slide = _by_source(prs, "failure demand")
    costs = failure[(failure["channel"] != "(all)") & failure["failure_cost_a_year"].notna()].sort_values(
        "failure_cost_a_year", ascending=False
    )
    assert list(_chart(slide).plots[0].series[0].values) == pytest.approx(list(costs["failure_cost_a_year"]))
    assert _title(slide).startswith(
        f"{overall['failure_share']:.0%} of contacts are failure demand, costing about {_gbp(overall['failure_cost_a_year'])} a year"
    )
    mix = _csv(run, "02_voice_of_customer", "channel_mix")
    overall_mix = mix[mix["reason"] == "(all)"].sort_values("share", ascending=False)
    chart = _chart(_by_source(prs, "channel mix"))
    assert chart.chart_type == XL_CHART_TYPE.DOUGHNUT
    assert list(chart.plots[0].series[0].values) == pytest.approx(list(overall_mix["share"]))


def test_trends_are_native_line_charts_of_complete_periods(run):
    trend = _csv(run, "02_voice_of_customer", "volumes_over_time")
    complete = trend[trend["complete"].astype(str) == "True"]
    slides = [s for s in run["prs"].slides if _footer(s).endswith("(contacts month by month)")]
    assert len(slides) == 2
    chart = _chart(slides[0])
    assert chart.chart_type == XL_CHART_TYPE.LINE_MARKERS
    assert len(list(chart.plots[0].categories)) == complete["period_start"].nunique()
    phone = complete[(complete["breakdown"] == "channel") & (complete["category"] == "phone")].sort_values("period_start")
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    assert series["Phone"] == pytest.approx(list(phone["share"]))


# The road map, the pilot and the standards -----------------------------------------------------------------------


def test_the_road_map_is_a_timeline_of_named_shapes_with_dependency_arrows(run):
    schedule = _csv(run, "05_roadmap", "schedule")
    planned = schedule[schedule["horizon"] != "wait and see"].dropna(subset=["start"])
    slide = _by_source(run["prs"], "schedule")
    group = next(sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.GROUP)
    bars = [sh.name.removeprefix("Initiative: ") for sh in group.shapes if sh.name.startswith("Initiative: ")]
    assert sorted(bars) == sorted(planned["title"])
    texts = [sh.text_frame.text for sh in group.shapes if sh.has_text_frame]
    assert all(any(t.startswith(title[:40]) for t in texts) for title in planned["title"])  # named, not ids
    shown = set(planned["id"])
    arrows = sum(
        1
        for r in planned.itertuples()
        for d in str(r.dependencies).split(",")
        if d.strip() in shown and str(r.dependencies) != "nan"
    )
    connectors = [sh for sh in group.shapes if sh.shape_type == MSO_SHAPE_TYPE.LINE or sh._element.tag.endswith("cxnSp")]
    assert arrows >= 1 and len(connectors) == arrows
    now = int((planned["horizon"] == "now").sum())
    assert _title(slide).lower().startswith(f"{('one', 'two', 'three', 'four', 'five', 'six')[now - 1]} initiatives start now")
    waiting = int((schedule["horizon"] == "wait and see").sum())
    assert f"{waiting} more wait or come later" in " ".join(texts)


def test_the_pilot_table_says_what_the_design_can_detect(run):
    plan = _csv(run, "05_roadmap", "pilot_plan")
    slide = _by_source(run["prs"], "pilot plan")
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert len(rows) == len(plan) + 1
    assert [r[1] for r in rows[1:]] == list(plan["pilot_site"])
    assert [r[4] for r in rows[1:]] == [f"{n:,}" for n in plan["n_per_cell"]]
    assert [r[6] for r in rows[1:]] == [f"{int(n):,}" for n in plan["areas_per_arm_needed"]]
    assert "cannot show whether they work" in _title(slide)


def test_the_road_map_with_nothing_scheduled_gets_no_empty_timeline(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "05_roadmap")
    schedule = folder / "artifacts" / "05_roadmap" / "schedule.csv"
    pd.read_csv(schedule).assign(horizon="wait and see", reason="no effort estimate").to_csv(schedule, index=False)
    prs = Presentation(write_deck(folder, name="x", organisation="Org"))
    assert not any(_footer(s).endswith("(schedule)") for s in prs.slides)


# Missing data: fewer slides, never empty ones --------------------------------------------------------------------


def test_only_the_voice_of_the_customer(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "02_voice_of_customer")
    prs = Presentation(write_deck(folder, name="voc", organisation="Org"))
    titles = [_title(s) for s in prs.slides]
    assert titles[:3] == ["Org", "Agenda", "Key findings"]  # no decision can be asked without the later workbooks
    assert _agenda(prs) == ["Executive summary", "What customers tell us", "Decisions and next steps"]
    assert titles[-1] == "Next steps"
    steps = prs.slides[len(prs.slides) - 1].shapes
    text = " ".join(sh.text_frame.text for sh in steps if sh.has_text_frame)
    assert "No funding decision yet" in text and "£0" not in text
    assert "·" not in prs.slides[0].placeholders[1].text_frame.text  # no run.json: no date


def test_a_missing_chart_table_skips_only_its_slide(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "02_voice_of_customer")
    before = len(Presentation(write_deck(folder, name="x", organisation="Org")).slides)
    (folder / "artifacts" / "02_voice_of_customer" / "drivers.csv").unlink()
    prs = Presentation(write_deck(folder, name="x", organisation="Org"))
    assert len(prs.slides) == before - 1
    assert not any(_footer(s).endswith("(drivers of satisfaction)") for s in prs.slides)


@pytest.mark.parametrize("currency, symbol", [("EUR", '"€"'), ("NOK", '"NOK "')])
def test_currency_on_the_npv_axis(run, tmp_path, currency, symbol):
    folder = _copy_steps(run, tmp_path, "04_business_case")
    prs = Presentation(write_deck(folder, name="x", organisation="Org", currency=currency))
    chart = _chart(_by_source(prs, "appraisal of each initiative"))
    assert chart.plots[0].data_labels.number_format.startswith(symbol)


@pytest.mark.parametrize("initiatives, labelled", [(12, True), (30, False)])
def test_data_labels_while_readable_else_a_value_axis(tmp_path, initiatives, labelled):
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
    chart = _chart(_by_source(prs, "appraisal of each initiative"))
    assert chart.plots[0].has_data_labels is labelled and chart.value_axis.visible is not labelled
    assert list(chart.plots[0].series[0].values) == sorted(npv, reverse=True)


@pytest.mark.parametrize("present", ["nothing", "empty step folders", "only 00_start_here"])
def test_no_artifacts_is_an_error_naming_the_folder(tmp_path, present):
    if present == "empty step folders":
        for step in STEPS:
            (tmp_path / "artifacts" / step).mkdir(parents=True)
    if present == "only 00_start_here":
        (tmp_path / "artifacts" / "00_start_here").mkdir(parents=True)
        (tmp_path / "artifacts" / "00_start_here" / "inputs.csv").write_text("input,rows\n")
    with pytest.raises(CxmError, match=rf"{tmp_path.name} has no workbook artifacts .* run the workbooks first"):
        write_deck(tmp_path, name="x", organisation="Org")
    assert not (tmp_path / "x.pptx").exists()


def test_an_artifact_of_the_wrong_shape_names_file_and_column(run, tmp_path):
    folder = _copy_steps(run, tmp_path, "01_self_assessment")
    path = folder / "artifacts" / "01_self_assessment" / "gaps.csv"
    pd.read_csv(path).drop(columns=["target"]).to_csv(path, index=False)
    with pytest.raises(CxmError, match=r"gaps\.csv has no column 'target', which the slide deck needs: re-run workbook"):
        write_deck(folder, name="x", organisation="Org")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "", "organisation": "Org"}, r"The 'name' parameter of write_deck must be a non-empty file name"),
        ({"name": "a/b", "organisation": "Org"}, r"The 'name' parameter of write_deck .* Got 'a/b' instead"),
        ({"name": "x", "organisation": " "}, r"The 'organisation' parameter of write_deck must be a non-empty string"),
    ],
)
def test_parameter_checks(run, kwargs, message):
    with pytest.raises(CxmError, match=message):
        write_deck(run["dir"], **kwargs)


def test_same_run_folder_same_bytes(run, tmp_path):
    time.sleep(max(0.0, 2.1 - (time.monotonic() - run["written"])))  # a later second, so a clock in the file would show
    again = write_deck(run["dir"], name="riverton", organisation=run["eng"].organisation, out=tmp_path / "again.pptx")
    assert again == tmp_path / "again.pptx"
    assert again.read_bytes() == run["path"].read_bytes()
    props = run["prs"].core_properties
    assert props.created == props.modified == props.last_printed == datetime(2000, 1, 1)
    assert props.author == "cxmethods" and props.title.startswith(run["eng"].organisation)


# Slides from an earlier run ----------------------------------------------------------------------------------------


def _step_of(slide) -> str | None:
    footer = _footer(slide)
    return next((step for step, title in WORKBOOK_TITLES.items() if footer.startswith(f"Source: {title} (")), None)


def _marks(slide) -> list[str]:
    return [
        sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text.startswith("From an earlier run")
    ]


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
        footer = sorted((sh for sh in slide.shapes if sh.name in ("Footer", "Earlier run")), key=lambda sh: sh.left)
        assert len(footer) == 2 and footer[0].top == footer[1].top
        for left, right in itertools.pairwise(footer):
            assert left.left + left.width <= right.left
        assert footer[-1].left + footer[-1].width <= prs.slide_width


# A real engagement without initiatives ---------------------------------------------------------------------------


def test_the_cfpb_example_degrades_to_what_its_data_support(pipeline_runs):
    """The CFPB complaints have no initiatives and no self-assessment scores: no business-case slides and no empty
    ones, the missing decisions named in the next steps, and every rule of the deck still held."""
    from test_examples import CFPB, RUN_CFPB

    if not CFPB.is_file():
        pytest.skip(f"the real public data is not beside the checkout ({CFPB} is missing)")
    folder = pipeline_runs.result(RUN_CFPB).folder / "cfpb_complaints"
    prs = Presentation(next(folder.glob("*.pptx")))
    titles = [_title(s) for s in prs.slides]
    assert "The business case" not in _agenda(prs) and not any("net present value" in t for t in titles)
    found = [(i, m.group(0)) for i, text in _client_texts(prs) for m in CODE.finditer(text)]
    assert found == []
    text = " ".join(sh.text_frame.text for sh in prs.slides[len(prs.slides) - 1].shapes if sh.has_text_frame)
    assert titles[-1] == "Next steps" and "No funding decision yet" in text
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_chart:
                assert shape._element.xpath(".//p:cNvPr/@descr")


def test_chart_axes_keep_the_schema_order_powerpoint_needs(run):
    """A category axis's label skip sits before c:noMultiLvlLbl (PowerPoint repairs a file where it does not)."""
    from lxml import etree

    with zipfile.ZipFile(run["path"]) as package:
        charts = [n for n in package.namelist() if re.fullmatch(r"ppt/charts/chart\d+\.xml", n)]
        skipped = 0
        for name in charts:
            for axis in etree.fromstring(package.read(name)).iter("{*}catAx"):
                tags = [etree.QName(child).localname for child in axis]
                if "tickLblSkip" in tags:
                    skipped += 1
                    assert tags.index("tickLblSkip") < tags.index("tickMarkSkip")
                    if "noMultiLvlLbl" in tags:
                        assert tags.index("tickMarkSkip") < tags.index("noMultiLvlLbl"), name
        assert skipped >= 1
