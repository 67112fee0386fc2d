"""The engagement's slide deck: workbooks 01-05's findings and key charts, for people who never open a notebook.

:func:`write_deck` reads only the run folder (artifacts, ``timeline.png``, ``run.json``), so the deck can be
made again without re-running the workbooks. Slides: a title slide; per workbook with artifacts, its findings
(:mod:`cxmethods.outputs.headlines`) and one or two chart slides whose titles state the point; the road map, last.
A workbook whose tables an earlier run left (``cxm run --only`` into that run's folder; run.json says which) has
each of its slides marked "From an earlier run (date), not this one" in the footer, as the report and the Excel
file mark it, and the title slide names those workbooks.
Bar charts are native, so a client can restyle them and see the numbers; key drivers and the tornado are
pictures. The same run folder gives the same bytes (fixed dates and zip times), so checksums compare.

>>> write_deck("/nonexistent/run", name="riverton", organisation="Riverton")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
cxmethods.core.errors.CxmError: /nonexistent/run has no workbook artifacts ...
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from cxmethods.core.checks import check_text
from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import (
    BUSINESS_CASE,
    ROADMAP,
    SEGMENTATION,
    SELF_ASSESSMENT,
    STEPS,
    VOICE_OF_CUSTOMER,
    artifact_path,
    read_table,
)
from cxmethods.methods.contacts import OTHER_REASONS
from cxmethods.methods.prioritisation import WAIT
from cxmethods.outputs.headlines import (
    CURRENCY_SYMBOLS,
    WORKBOOKS,
    channel_shift_sentence,
    earlier_runs,
    headlines,
    money,
    read_manifest,
    run_date,
)
from cxmethods.plots.charts import CURRENT, TARGET, plot_importance_performance

__all__ = ["TITLE", "write_deck"]

#: What the deck is about, shown under the organisation on the title slide.
TITLE = "Customer-focused service: findings and road map"

_STEPS = STEPS[1:]  # the method's workbooks 01-05; the start-here workbook has no slide of its own
_FIXED_TIME = datetime(2000, 1, 1)  # core properties: the deck must not change when made again from the same run
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry, as XlsxWriter uses for the embedded workbooks

# 16:9 geometry, in inches: one title band, one content area and one footer line on every slide.
_WIDTH, _HEIGHT, _MARGIN = 13.333, 7.5, 0.6
_TITLE_TOP, _TITLE_HEIGHT = 0.35, 1.0
_BODY_TOP, _BODY_HEIGHT = 1.5, 5.25
_FOOTER_TOP = 6.9
_TITLE_PT, _BODY_PT, _CHART_PT, _FOOTER_PT = 28, 20, 12, 11
_DARK, _GREY = RGBColor(0x1F, 0x29, 0x33), RGBColor(0x61, 0x6E, 0x7C)
_WARN = RGBColor(0x9A, 0x4D, 0x00)  # dark amber: stands out from the grey footer, readable on white (contrast 6:1)
_EARLIER_MARK = "Earlier run"  # the name of the footer box marking a slide whose tables an earlier run left
_LAYOUT_TITLE, _LAYOUT_CONTENT, _LAYOUT_TITLE_ONLY = 0, 1, 5  # python-pptx's default template


@dataclass(frozen=True)
class _Bars:
    """A native bar chart: categories top to bottom, one or more series, and how to format the numbers."""

    categories: list[str]
    series: dict[str, list[float | None]]
    number_format: str
    value_range: tuple[float, float] | None = None
    colours: list[str] | None = None  # one per category (single series only), e.g. negative NPVs in another colour


def write_deck(run_dir: str | Path, *, name: str, organisation: str, currency: str = "GBP", out: Path | None = None) -> Path:
    """Write the engagement's slide deck (16:9 PowerPoint) from a run folder and return its path.

    Parameters
    ----------
    run_dir : path
        The run folder ``cxm run`` wrote (``artifacts/<step>/`` and ``run.json``).
    name : str
        The engagement's name: the file is ``<run_dir>/<name>.pptx``, and the title slide names it.
    organisation : str
        The organisation, the title slide's title.
    currency : str
        ISO code for money in the findings and on the business-case chart (``GBP`` shows ``£``).
    out : path, optional
        Where to write the deck instead of ``<run_dir>/<name>.pptx``.

    Returns
    -------
    Path
        The deck written.

    Raises
    ------
    CxmError
        When the run folder has no artifacts of workbooks 01-05, or an artifact lacks a column the deck needs.
    """
    check_text(name, "name", "write_deck", pattern=r"[^/\\]+", expected="a non-empty file name without slashes")
    check_text(organisation, "organisation", "write_deck")
    run_dir = Path(run_dir)
    art = run_dir / "artifacts"
    if not any((art / step).is_dir() and any((art / step).iterdir()) for step in _STEPS):
        raise CxmError(
            f"{run_dir} has no workbook artifacts (nothing in artifacts/01_self_assessment ... 05_roadmap): "
            f"run the workbooks first (cxm run --out {run_dir})."
        )
    found = headlines(run_dir, currency=currency)
    manifest = read_manifest(run_dir)
    earlier = earlier_runs(manifest)

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(_WIDTH), Inches(_HEIGHT)
    _title_slide(prs, organisation, name, run_date(manifest), [step for step in _STEPS if step in earlier])
    for step in _STEPS:
        first = len(prs.slides)
        if found[step]:
            _findings_slide(prs, WORKBOOKS[step], found[step])
        for make in _CHARTS[step]:
            make(prs, run_dir, currency)
        if step in earlier:  # every slide the workbook's tables made, findings and charts alike
            for slide in list(prs.slides)[first:]:
                _mark_earlier(slide, earlier[step])

    props = prs.core_properties
    props.title, props.subject = f"{organisation}: {TITLE}", f"Engagement {name}"
    props.author = props.last_modified_by = "cxmethods"
    props.created = props.modified = props.last_printed = _FIXED_TIME
    props.comments, props.revision = "Made by cxmethods from the run folder's artifacts.", 1
    buffer = io.BytesIO()
    prs.save(buffer)
    path = Path(out) if out is not None else run_dir / f"{name}.pptx"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(_fixed_zip(buffer.getvalue()))
    os.replace(partial, path)  # a reader never sees half a deck
    return path


# Slides ------------------------------------------------------------------------------------------------------------


def _title_slide(prs, organisation: str, name: str, date: str | None, earlier: list[str]) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE])
    title, subtitle = slide.placeholders[0], slide.placeholders[1]
    _place(title, _MARGIN, 2.1, _WIDTH - 2 * _MARGIN, 1.6)
    _place(subtitle, _MARGIN, 3.9, _WIDTH - 2 * _MARGIN, 1.8)
    _text(title.text_frame, [organisation], 40, bold=True)
    lines = [TITLE, f"Engagement: {name}" + (f" · {date}" if date else "")]
    if earlier:  # the date above is this run's: say at once that some slides are not from it
        books, several = ", ".join(step[:2] for step in earlier), len(earlier) > 1
        lines.append(f"Workbook{'s' * several} {books} from an earlier run, marked on {'their' if several else 'its'} slides")
    _text(subtitle.text_frame, lines, 22, colour=_GREY)


def _findings_slide(prs, title: str, findings: list[str]) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_CONTENT])
    _title(slide, title)
    body = slide.placeholders[1]
    _place(body, _MARGIN, _BODY_TOP, _WIDTH - 2 * _MARGIN, _BODY_HEIGHT)
    size = _BODY_PT if sum(map(len, findings)) <= 700 else _BODY_PT - 2  # long findings still fit the box
    _text(body.text_frame, findings[:5], size, space_after=10)


def _chart_slide(prs, title: str, source: str, step: str):
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE_ONLY])
    _title(slide, title)
    box = slide.shapes.add_textbox(Inches(_MARGIN), Inches(_FOOTER_TOP), Inches(_WIDTH - 2 * _MARGIN), Inches(0.35))
    _text(box.text_frame, [f"Source: {source} ({step})"], _FOOTER_PT, colour=_GREY)
    return slide


def _mark_earlier(slide, note: str) -> None:
    """Say in the footer's right half that the slide's tables are from an earlier run (the source, if any, keeps
    the left half, so the two never overlap)."""
    half = (_WIDTH - 2 * _MARGIN) / 2
    for shape in slide.shapes:
        if shape.has_text_frame and shape.top == Inches(_FOOTER_TOP):
            shape.width = Inches(half)
    box = slide.shapes.add_textbox(Inches(_MARGIN + half), Inches(_FOOTER_TOP), Inches(half), Inches(0.35))
    box.name = _EARLIER_MARK
    _text(box.text_frame, [note], _FOOTER_PT, bold=True, colour=_WARN, align=PP_ALIGN.RIGHT)


def _title(slide, title: str) -> None:
    shape = slide.shapes.title
    _place(shape, _MARGIN, _TITLE_TOP, _WIDTH - 2 * _MARGIN, _TITLE_HEIGHT)
    _text(shape.text_frame, [title], _TITLE_PT, bold=True, align=PP_ALIGN.LEFT)


def _place(shape, left: float, top: float, width: float, height: float) -> None:
    shape.left, shape.top, shape.width, shape.height = Inches(left), Inches(top), Inches(width), Inches(height)


def _text(
    frame,
    lines: list[str],
    size: int,
    *,
    bold: bool = False,
    colour: RGBColor = _DARK,
    align: PP_ALIGN | None = None,
    space_after: int = 0,
) -> None:
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE  # fixed sizes: every slide of a kind looks the same
    frame.text = lines[0]
    for line in lines[1:]:
        frame.add_paragraph().text = line
    for paragraph in frame.paragraphs:
        if align is not None:
            paragraph.alignment = align
        paragraph.space_after = Pt(space_after)
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, colour


def _bar_slide(prs, title: str, bars: _Bars, source: str, step: str) -> None:
    slide = _chart_slide(prs, title, source, step)
    data = CategoryChartData(number_format=bars.number_format)
    data.categories = bars.categories
    for label, values in bars.series.items():
        data.add_series(label, values)
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.BAR_CLUSTERED, Inches(_MARGIN), Inches(_BODY_TOP), Inches(_WIDTH - 2 * _MARGIN), Inches(_BODY_HEIGHT), data
    )
    chart = frame.chart
    chart.has_title = False
    chart.font.size = Pt(_CHART_PT)
    categories = chart.category_axis
    categories.reverse_order = True  # bar charts list categories bottom up; ours are ranked top down
    categories.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # names at the left edge, clear of negative bars
    categories.tick_labels.font.size = Pt(_CHART_PT)
    axis = chart.value_axis
    axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = bars.number_format, False
    if bars.value_range is not None:
        axis.minimum_scale, axis.maximum_scale = bars.value_range
    labelled = len(bars.categories) * len(bars.series) <= 24  # beyond that, labels crowd each other
    if labelled:
        axis.visible = False  # the labels carry the numbers (and the axis would sit on top, categories being reversed)
    else:
        axis.has_major_gridlines = True
        axis.major_gridlines.format.line.color.rgb = RGBColor(0xE4, 0xE7, 0xEB)
    chart.has_legend = len(bars.series) > 1
    if chart.has_legend:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = labelled
    if plot.has_data_labels:
        labels = plot.data_labels
        labels.number_format, labels.number_format_is_linked = bars.number_format, False
        labels.position, labels.font.size = XL_LABEL_POSITION.OUTSIDE_END, Pt(_CHART_PT - 1)
    for i, series in enumerate(plot.series):
        _fill(series.format.fill, (CURRENT, TARGET)[i % 2])
        if bars.colours is not None and len(bars.series) == 1:
            for j, colour in enumerate(bars.colours):
                _fill(series.points[j].format.fill, colour)


def _fill(fill, colour: str) -> None:
    fill.solid()
    fill.fore_color.rgb = RGBColor.from_string(colour.lstrip("#").upper())


def _picture_slide(prs, title: str, png: bytes, source: str, step: str) -> None:
    slide = _chart_slide(prs, title, source, step)
    width_px, height_px = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
    box_w, box_h = _WIDTH - 2 * _MARGIN, _BODY_HEIGHT
    scale = min(box_w / width_px, box_h / height_px)  # fit the box, keep the aspect ratio
    w, h = width_px * scale, height_px * scale
    slide.shapes.add_picture(
        io.BytesIO(png),
        Inches(_MARGIN + (box_w - w) / 2),
        Inches(_BODY_TOP + (box_h - h) / 2),
        Emu(int(Inches(w))),
        Emu(int(Inches(h))),
    )


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


# Tables -----------------------------------------------------------------------------------------------------------


def _table(run_dir: Path, step: str, name: str, columns: tuple[str, ...]) -> pd.DataFrame | None:
    """An artifact table, or None when the file is missing (its slide is skipped); an error when it lacks a column."""
    table = read_table(run_dir, step, name, optional=True)
    missing = [c for c in columns if table is not None and c not in table.columns]
    if missing:
        raise CxmError(
            f"{artifact_path(run_dir, step, name)} has no column {', '.join(repr(c) for c in missing)}, which the slide "
            f"deck needs: re-run workbook {step} (cxm run --only {step[:2]}) to rewrite it."
        )
    return table


def _values(column: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in column]


def _money_format(currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    quoted = '"' + symbol.replace('"', "") + '"'
    return f"{quoted}#,##0;-{quoted}#,##0"


def _short(text: str, width: int = 80) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# Chart slides per workbook -----------------------------------------------------------------------------------------


def _gaps(prs, run_dir: Path, currency: str) -> None:
    gaps = _table(run_dir, SELF_ASSESSMENT, "gaps", ("dimension", "current", "target", "gap"))
    if gaps is None:
        return
    rows = gaps.dropna(subset=["gap"]).head(8)  # gaps.csv is ranked, largest priority first
    if rows.empty:
        return
    top = rows.iloc[0]
    title = f"Largest gap: {_short(top['dimension'], 40)}, level {top['current']:g} now against {top['target']:g} wanted"
    bars = _Bars(
        [_short(d) for d in rows["dimension"]],
        {"Current level": _values(rows["current"]), "Target level": _values(rows["target"])},
        "General",
        value_range=(0, 5),
    )
    _bar_slide(prs, title, bars, "gaps.csv", SELF_ASSESSMENT)


def _reasons(prs, run_dir: Path, currency: str) -> None:
    reasons = _table(run_dir, VOICE_OF_CUSTOMER, "contact_reasons", ("reason", "share"))
    if reasons is None or reasons.empty:
        return
    rows = reasons.sort_values("share", ascending=False, kind="stable").head(10)
    title = f"The top {len(rows)} reasons make {rows['share'].sum():.0%} of all contacts"
    _bar_slide(
        prs,
        title,
        _Bars([_short(r) for r in rows["reason"]], {"Share of contacts": _values(rows["share"])}, "0%"),
        "contact_reasons.csv",
        VOICE_OF_CUSTOMER,
    )


def _trends(prs, run_dir: Path, currency: str) -> None:
    """Contacts by channel and by top reason over time: a slide each, when the log is long enough to have a trend."""
    from cxmethods.plots.trends import plot_channel_trend, plot_reason_trend

    trend = _table(run_dir, VOICE_OF_CUSTOMER, "volumes_over_time", ("granularity", "period_start", "complete", "breakdown"))
    if trend is None or not (trend["complete"].astype(str) == "True").any():
        return
    unit = str(trend["granularity"].iloc[0])
    shift = channel_shift_sentence(trend)
    title = shift.rstrip(".") if shift else f"How the channel mix moved, {unit} by {unit}"
    _picture_slide(prs, title, _png(plot_channel_trend(trend, figsize=(11, 5.4))), "volumes_over_time.csv", VOICE_OF_CUSTOMER)
    reasons = trend[(trend["breakdown"] == "reason") & (trend["category"] != OTHER_REASONS)]["category"].drop_duplicates()
    title = f"The top {len(reasons)} reasons for contact, {unit} by {unit}"
    _picture_slide(prs, title, _png(plot_reason_trend(trend, figsize=(11, 5.2))), "volumes_over_time.csv", VOICE_OF_CUSTOMER)


def _drivers(prs, run_dir: Path, currency: str) -> None:
    drivers = _table(run_dir, VOICE_OF_CUSTOMER, "drivers", ("driver", "share", "performance", "quadrant"))
    if drivers is None or drivers.empty:
        return
    names = drivers["question"] if "question" in drivers else drivers["driver"].astype(str).str.replace("_", " ")
    fix = [_short(n, 40) for n, q in zip(names, drivers["quadrant"]) if str(q).startswith("Fix first")]
    outcome = _short(drivers["outcome"].iloc[0], 40) if "outcome" in drivers else "satisfaction"
    if fix:
        title = f"Fix first: {' and '.join(fix[:2])} matter{'s' if len(fix) == 1 else ''} most to '{outcome}' and score lowest"
        if len(title) > 90:  # two lines at the title's size: long questions are named on the chart instead
            title = f"{len(fix)} of {len(drivers)} questions matter most to '{_short(outcome, 30)}' and score lowest: fix first"
    else:
        title = f"'{_short(names.iloc[0], 40)}' drives '{outcome}' most"
    _picture_slide(prs, title, _png(plot_importance_performance(drivers)), "drivers.csv", VOICE_OF_CUSTOMER)


def _segments(prs, run_dir: Path, currency: str) -> None:
    segments = _table(run_dir, SEGMENTATION, "segments", ("segment", "name", "share"))
    if segments is None or segments.empty:
        return
    segments = segments.sort_values("share", ascending=False, kind="stable")
    names = [
        _short(n) if pd.notna(n) and str(n).strip() else f"Segment {s}" for s, n in zip(segments["segment"], segments["name"])
    ]
    largest = segments["share"].max()
    selection = read_table(run_dir, SEGMENTATION, "model_selection", optional=True)
    if selection is not None and {"chosen", "stable"} <= set(selection.columns):  # (an older run has no 'stable')
        chosen = selection[selection["chosen"].astype(str) == "True"]
        draft = len(chosen) > 0 and str(chosen["stable"].iloc[0]) != "True"
    else:
        draft = False
    what = "draft customer segments (not stable across resamples)" if draft else "customer segments"
    title = f"{len(segments)} {what}: the largest is {largest:.0%} of respondents, the smallest {segments['share'].min():.0%}"
    _bar_slide(prs, title, _Bars(names, {"Share of respondents": _values(segments["share"])}, "0%"), "segments.csv", SEGMENTATION)


def _npv(prs, run_dir: Path, currency: str) -> None:
    appraisal = _table(run_dir, BUSINESS_CASE, "appraisal", ("initiative", "name", "npv"))
    if appraisal is None or appraisal.empty:
        return
    rows = appraisal.sort_values("npv", ascending=False, kind="stable")
    names = [_short(n) if pd.notna(n) else str(i) for i, n in zip(rows["initiative"], rows["name"])]
    positive = int((rows["npv"] > 0).sum())
    best = rows.iloc[0]
    title = (
        f"{positive} of {len(rows)} initiatives have a positive net present value; "
        f"best: {_short(names[0], 40)} ({money(best['npv'], currency)})"
    )
    colours = [CURRENT if v > 0 else TARGET for v in rows["npv"].fillna(0)]
    prices = rows["price_base"].dropna() if "price_base" in rows else pd.Series(dtype=object)
    label = f"Net present value ({str(prices.iloc[0]).split(', ')[-1]})" if len(prices) else "Net present value"
    _bar_slide(
        prs,
        title,
        _Bars(names, {label: _values(rows["npv"])}, _money_format(currency), colours=colours),
        "appraisal.csv",
        BUSINESS_CASE,
    )


def _tornado(prs, run_dir: Path, currency: str) -> None:
    # risk pulls in the Monte Carlo machinery: import it only when the slide is made
    from cxmethods.plots.risk import plot_tornado

    table = _table(
        run_dir, BUSINESS_CASE, "sensitivity", ("output", "assumption", "low", "high", "npv_low", "npv_high", "npv_base", "swing")
    )
    if table is None or not (table["output"] == "preferred").any():
        return
    rows = table[table["output"] == "preferred"].sort_values("swing", ascending=False, kind="stable")
    ends = rows[["npv_low", "npv_high"]]
    flips = rows[(ends < 0).any(axis=1)] if rows["npv_base"].iloc[0] > 0 else rows[(ends > 0).any(axis=1)]
    sign = "positive" if rows["npv_base"].iloc[0] > 0 else "negative"
    if flips.empty:
        title = f"The preferred package's NPV stays {sign} across every assumption's range"
    else:
        title = f"The preferred package's NPV changes sign within the range of {_short(flips['assumption'].iloc[0], 40)}"
    figure = plot_tornado(table, "preferred", top=6)  # six bars keep the labels readable at slide size
    _picture_slide(prs, title, _png(figure), "sensitivity.csv", BUSINESS_CASE)


def _timeline(prs, run_dir: Path, currency: str) -> None:
    path = artifact_path(run_dir, ROADMAP, "timeline")
    schedule = _table(run_dir, ROADMAP, "schedule", ("horizon",))
    if schedule is not None and schedule["horizon"].eq(WAIT).all():
        return  # nothing scheduled: the road map's headline says why, an empty timeline would say nothing
    if path.is_file():
        _picture_slide(prs, "Road map", path.read_bytes(), "timeline.png", ROADMAP)


_CHARTS: dict[str, tuple[Callable, ...]] = {
    SELF_ASSESSMENT: (_gaps,),
    VOICE_OF_CUSTOMER: (_reasons, _trends, _drivers),
    SEGMENTATION: (_segments,),
    BUSINESS_CASE: (_npv, _tornado),
    ROADMAP: (_timeline,),  # last: the deck ends on the road map
}


# Determinism -------------------------------------------------------------------------------------------------------


def _fixed_zip(blob: bytes) -> bytes:
    """The same package with every zip entry's time fixed, and the embedded chart workbooks' dates fixed too.

    python-pptx stamps zip entries with the time of saving, and XlsxWriter stamps each chart's workbook with
    its creation time; neither says anything about the run, and both would change the file's checksum.
    """
    source, target = zipfile.ZipFile(io.BytesIO(blob)), io.BytesIO()
    with source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".xlsx"):
                data = _fixed_zip(data)
            elif info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, _ZIP_TIME)
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            out.writestr(fixed, data)
    return target.getvalue()
