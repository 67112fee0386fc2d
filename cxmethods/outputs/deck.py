"""The engagement's slide deck: the deck a consultant presents, made from the run folder's artifacts alone.

:func:`write_deck` reads only the run folder (artifacts and ``run.json``), so the deck can be made again without
re-running the workbooks. The deck runs:

1. a title slide and an agenda (the sections that have slides);
2. the executive summary: the decisions the organisation is asked to take, then the key findings
   (:mod:`cxmethods.outputs.summary`);
3. one message per slide, its title stating the finding: the self-assessment's gaps; contact reasons, failure
   demand in money, the channel mix, trends over time and the drivers of satisfaction; the segments; the options
   with their cash and non-cash value side by side, each initiative's NPV, the simulation's spread and the
   assumptions that move the NPV most; the road map as a timeline and the pilot;
4. each decision on a slide of its own (cost, cash value, value to customers, timing, evidence, risk), then the
   next steps.

Charts are native (PowerPoint's own, editable, holding the numbers) and the road map is drawn with shapes, one
per initiative, so a client can restyle and move them. Every chart and the timeline carry alt text saying what
they show; every content slide has speaker notes with the detail and the analysis it comes from; nothing is
smaller than 12 pt. A slide whose data are missing is left out, and the agenda follows. A workbook whose tables
an earlier run left (``cxm run --only`` into that run's folder; run.json says which) has each of its slides
marked "From an earlier run (date), not this one" in the footer, and the title slide names those workbooks. The
same run folder gives the same bytes (fixed dates and zip times), so checksums compare.

>>> write_deck("/nonexistent/run", name="riverton", organisation="Riverton")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
cxmethods.core.errors.CxmError: /nonexistent/run has no workbook artifacts ...
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

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
from cxmethods.methods.prioritisation import NOW, WAIT
from cxmethods.outputs.headlines import (
    CURRENCY_SYMBOLS,
    WORKBOOKS,
    channel_shift_sentence,
    earlier_runs,
    read_manifest,
    run_date,
)
from cxmethods.outputs.present import MISSING, Field, format_value, id_names
from cxmethods.outputs.present import field as dictionary_field
from cxmethods.outputs.summary import NOT_ESTIMATED, Summary, chance, decision_lines, executive_summary, standard_value
from cxmethods.plots.charts import CURRENT, TARGET

__all__ = ["MIN_PT", "TITLE", "write_deck"]

#: What the deck is about, shown under the organisation on the title slide.
TITLE = "Customer-focused service: findings, business case and road map"
#: The smallest type anywhere in the deck (slides, charts, tables), in points.
MIN_PT = 12

_STEPS = STEPS[1:]  # the method's workbooks 01-05; the start-here workbook has no slide of its own
_FIXED_TIME = datetime(2000, 1, 1)  # core properties: the deck must not change when made again from the same run
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry, as XlsxWriter uses for the embedded workbooks

# 16:9 geometry, in inches: one title band, one content area and one footer line on every slide.
_WIDTH, _HEIGHT, _MARGIN = 13.333, 7.5, 0.6
_TITLE_TOP, _TITLE_HEIGHT = 0.3, 1.1
_BODY_TOP, _BODY_HEIGHT = 1.5, 5.2
_FOOTER_TOP = 6.85
_TITLE_PT, _BODY_PT, _SMALL_PT = 26, 18, 14
_DARK, _GREY = RGBColor(0x1F, 0x29, 0x33), RGBColor(0x61, 0x6E, 0x7C)
_LIGHT = RGBColor(0xE4, 0xE7, 0xEB)
_WARN = RGBColor(0x9A, 0x4D, 0x00)  # dark amber: stands out from the grey footer, readable on white (contrast 6:1)
_EARLIER_MARK = "Earlier run"  # the name of the footer box marking a slide whose tables an earlier run left
_FOOTER = "Footer"  # the name of the source line's box
_LAYOUT_TITLE, _LAYOUT_TITLE_ONLY = 0, 5  # python-pptx's default template
_MONEY = Field("Amount", "money")
_SHARE = Field("Share", "share")

#: The deck's sections, in order: the agenda lists those with slides.
SECTIONS = (
    "Executive summary",
    "Where we are: the self-assessment",
    "What customers tell us",
    "Who our customers are",
    "The business case",
    "The road map and the pilot",
    "Decisions and next steps",
)
_SECTION_OF = {
    SELF_ASSESSMENT: SECTIONS[1],
    VOICE_OF_CUSTOMER: SECTIONS[2],
    SEGMENTATION: SECTIONS[3],
    BUSINESS_CASE: SECTIONS[4],
    ROADMAP: SECTIONS[5],
}


@dataclass
class _Slide:
    """A slide to draw: its title (the message), section, the workbook it shows (for the earlier-run mark), the
    source line, the speaker notes and the function that draws its body."""

    title: str
    section: str
    draw: Callable
    notes: list[str] = field(default_factory=list)
    source: str = ""
    step: str | None = None


@dataclass(frozen=True)
class _Deck:
    """What the slide makers read: the run folder, its currency and ids' names, and the executive summary."""

    run_dir: Path
    currency: str
    names: dict[str, str]
    summary: Summary

    def table(self, step: str, name: str, columns: tuple[str, ...] = ()) -> pd.DataFrame | None:
        """An artifact table, or None when the file is missing (its slide is left out); an error when it lacks a column."""
        table = read_table(self.run_dir, step, name, optional=True)
        missing = [c for c in columns if table is not None and c not in table.columns]
        if missing:
            raise CxmError(
                f"{artifact_path(self.run_dir, step, name)} has no column {', '.join(repr(c) for c in missing)}, which "
                f"the slide deck needs: re-run workbook {step} (cxm run --only {step[:2]}) to rewrite it."
            )
        return table

    def money(self, value: object) -> str:
        return format_value(value, _MONEY, currency=self.currency)

    def name(self, key: object) -> str:
        return self.names.get(str(key), str(key))


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
        ISO code for money (``GBP`` shows ``£``).
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
    manifest = read_manifest(run_dir)
    earlier = earlier_runs(manifest)
    deck = _Deck(run_dir, currency, id_names(run_dir), executive_summary(run_dir, currency=currency))

    planned: list[_Slide] = []
    for make in _MAKERS:
        planned += [s for s in make(deck) if s is not None]
    planned += _decision_slides(deck, planned)

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(_WIDTH), Inches(_HEIGHT)
    _title_slide(prs, organisation, run_date(manifest), [step for step in _STEPS if step in earlier])
    _agenda_slide(prs, planned)
    for plan in planned:
        slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE_ONLY])
        _title(slide, plan.title)
        plan.draw(slide)
        if plan.source:
            _footer(slide, plan.source)
        if plan.notes:
            slide.notes_slide.notes_text_frame.text = "\n".join(plan.notes)
        if plan.step in earlier:
            _mark_earlier(slide, earlier[plan.step])

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


# Slide furniture ---------------------------------------------------------------------------------------------------


def _title_slide(prs, organisation: str, date: str | None, earlier: list[str]) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE])
    title, subtitle = slide.placeholders[0], slide.placeholders[1]
    _place(title, _MARGIN, 2.1, _WIDTH - 2 * _MARGIN, 1.6)
    _place(subtitle, _MARGIN, 3.9, _WIDTH - 2 * _MARGIN, 1.8)
    _text(title.text_frame, [organisation], 40, bold=True)
    lines = [TITLE, *([date] if date else [])]
    if earlier:  # the date above is this run's: say at once that some slides are not from it
        books, several = ", ".join(step[:2] for step in earlier), len(earlier) > 1
        lines.append(f"Workbook{'s' * several} {books} from an earlier run, marked on {'their' if several else 'its'} slides")
    _text(subtitle.text_frame, lines, 22, colour=_GREY)


def _agenda_slide(prs, planned: list[_Slide]) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE_ONLY])
    _title(slide, "Agenda")
    sections = [s for s in SECTIONS if any(p.section == s for p in planned)]
    box = slide.shapes.add_textbox(Inches(_MARGIN), Inches(_BODY_TOP), Inches(_WIDTH - 2 * _MARGIN), Inches(_BODY_HEIGHT))
    _text(box.text_frame, [f"{i}.  {s}" for i, s in enumerate(sections, 1)], 24, space_after=14)
    slide.notes_slide.notes_text_frame.text = "The deck's sections; each slide's title states its finding."


def _title(slide, title: str) -> None:
    shape = slide.shapes.title
    _place(shape, _MARGIN, _TITLE_TOP, _WIDTH - 2 * _MARGIN, _TITLE_HEIGHT)
    size = _TITLE_PT if len(title) <= 110 else _TITLE_PT - 6  # three lines would run into the body
    _text(shape.text_frame, [title], size, bold=True, align=PP_ALIGN.LEFT)
    shape.text_frame.vertical_anchor = MSO_ANCHOR.TOP


def _footer(slide, source: str) -> None:
    box = slide.shapes.add_textbox(Inches(_MARGIN), Inches(_FOOTER_TOP), Inches(_WIDTH - 2 * _MARGIN), Inches(0.4))
    box.name = _FOOTER
    _text(box.text_frame, [f"Source: {source}"], MIN_PT, colour=_GREY)


def _mark_earlier(slide, note: str) -> None:
    """Say in the footer's right half that the slide's tables are from an earlier run (the source, if any, keeps
    the left half, so the two never overlap)."""
    half = (_WIDTH - 2 * _MARGIN) / 2
    for shape in slide.shapes:
        if shape.name == _FOOTER:
            shape.width = Inches(half)
    box = slide.shapes.add_textbox(Inches(_MARGIN + half), Inches(_FOOTER_TOP), Inches(half), Inches(0.4))
    box.name = _EARLIER_MARK
    _text(box.text_frame, [note], MIN_PT, bold=True, colour=_WARN, align=PP_ALIGN.RIGHT)


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
            run.font.size, run.font.bold, run.font.color.rgb = Pt(max(size, MIN_PT)), bold, colour


def _bullets(lines: list[str], size: int = _BODY_PT, *, top: float = _BODY_TOP, height: float = _BODY_HEIGHT) -> Callable:
    def draw(slide) -> None:
        box = slide.shapes.add_textbox(Inches(_MARGIN), Inches(top), Inches(_WIDTH - 2 * _MARGIN), Inches(height))
        _text(box.text_frame, [f"•  {line}" for line in lines], size, space_after=10)

    return draw


def _alt(shape, text: str) -> None:
    """Alt text (what a screen reader says) on a chart, picture or group: the cNvPr's ``descr``."""
    for element in shape._element.iter(qn("p:cNvPr")):
        element.set("descr", text)
        break


def _fill(fill, colour: str) -> None:
    fill.solid()
    fill.fore_color.rgb = RGBColor.from_string(colour.lstrip("#").upper())


def _money_format(currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    quoted = '"' + symbol.replace('"', "") + '"'
    return f"{quoted}#,##0;-{quoted}#,##0"


def _short(text: object, width: int = 60) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _values(column: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in column]


def _true(column: pd.Series) -> pd.Series:
    return column.astype(str).str.lower().isin(["true", "1", "1.0", "yes"])


def _channel(value: object) -> str:
    return format_value(value, dictionary_field("channel"))


def _share(value: object, decimals: int = 0) -> str:
    return format_value(value, Field("Share", "share", decimals=decimals))


# Native charts -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chart:
    """A native chart: type, categories, series, the number format, and the alt text saying what it shows."""

    kind: object  # an XL_CHART_TYPE
    categories: list[str]
    series: dict[str, list[float | None]]
    number_format: str
    alt: str
    value_range: tuple[float | None, float | None] | None = None
    colours: list[str] | None = None  # per point (single series) or per series
    labels: bool | None = None  # data labels; None: when they stay readable
    box: tuple[float, float, float, float] | None = None  # left, top, width, height in inches
    overlap: int | None = None
    label_skip: int | None = None


def _chart(c: _Chart) -> Callable:
    def draw(slide) -> None:
        data = CategoryChartData(number_format=c.number_format)
        data.categories = c.categories
        for label, values in c.series.items():
            data.add_series(label, values)
        left, top, width, height = c.box or (_MARGIN, _BODY_TOP, _WIDTH - 2 * _MARGIN, _BODY_HEIGHT)
        frame = slide.shapes.add_chart(c.kind, Inches(left), Inches(top), Inches(width), Inches(height), data)
        _alt(frame, c.alt)
        chart = frame.chart
        chart.has_title = False
        chart.font.size = Pt(MIN_PT + 2)
        chart.font.color.rgb = _DARK
        doughnut = c.kind == XL_CHART_TYPE.DOUGHNUT
        bar = c.kind in (XL_CHART_TYPE.BAR_CLUSTERED, XL_CHART_TYPE.BAR_STACKED)
        plot = chart.plots[0]
        if not doughnut:
            categories = chart.category_axis
            categories.tick_labels.font.size = Pt(MIN_PT + 2)
            categories.format.line.color.rgb = _LIGHT
            if bar:
                categories.reverse_order = True  # bar charts list categories bottom up; ours are ranked top down
                categories.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # names at the left, clear of negative bars
            skip = c.label_skip or (1 if bar else None)  # a bar chart names every bar (no label left out for room)
            if skip:
                _skip(categories._element, skip)
            if bar and len(c.categories) > 10:
                categories.tick_labels.font.size = Pt(MIN_PT)
            axis = chart.value_axis
            axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = c.number_format, False
            axis.tick_labels.font.size = Pt(MIN_PT)
            if c.value_range is not None:
                low, high = c.value_range
                if low is not None:
                    axis.minimum_scale = low
                if high is not None:
                    axis.maximum_scale = high
            axis.has_major_gridlines = True
            axis.major_gridlines.format.line.color.rgb = _LIGHT
            axis.format.line.fill.background()
        labelled = c.labels if c.labels is not None else len(c.categories) * len(c.series) <= 24
        if labelled and not doughnut and bar:
            chart.value_axis.visible = False  # the labels carry the numbers
            chart.value_axis.has_major_gridlines = False
        chart.has_legend = len(c.series) > 1 or doughnut
        if chart.has_legend:
            chart.legend.position = XL_LEGEND_POSITION.RIGHT if doughnut else XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
            chart.legend.font.size = Pt(MIN_PT + 2)
        if hasattr(plot, "gap_width"):
            plot.gap_width = 60
        if c.overlap is not None:
            plot.overlap = c.overlap
        plot.has_data_labels = labelled
        if labelled:
            labels = plot.data_labels
            labels.number_format, labels.number_format_is_linked = c.number_format, False
            labels.font.size = Pt(MIN_PT + 1)
            if bar:
                labels.position = XL_LABEL_POSITION.OUTSIDE_END
            elif doughnut:
                labels.show_percentage, labels.show_value = False, True
        palette = [CURRENT, TARGET, "#7a8a99", "#2e8540", "#8c4799", "#b8860b", "#555555"]
        if doughnut:
            for j in range(len(c.categories)):
                _fill(plot.series[0].points[j].format.fill, (c.colours or palette)[j % len(c.colours or palette)])
            return
        for i, series in enumerate(plot.series):
            colour = (c.colours or palette)[i % len(c.colours or palette)] if len(c.series) > 1 else palette[0]
            if c.kind == XL_CHART_TYPE.LINE_MARKERS or c.kind == XL_CHART_TYPE.LINE:
                series.format.line.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())
                series.format.line.width = Pt(2.5)
                series.smooth = False
            else:
                _fill(series.format.fill, colour)
        if c.colours is not None and len(c.series) == 1 and c.kind != XL_CHART_TYPE.LINE_MARKERS:
            for j, colour in enumerate(c.colours):
                _fill(plot.series[0].points[j].format.fill, colour)

    return draw


def _skip(axis, every: int) -> None:
    """Label every n-th category (1: every one), the elements placed where the chart schema wants them: before
    ``c:noMultiLvlLbl`` and ``c:extLst`` (PowerPoint repairs a file whose elements are out of order)."""
    for tag in ("c:tickLblSkip", "c:tickMarkSkip"):
        for old in axis.findall(qn(tag)):
            axis.remove(old)
    later = next((child for child in axis if child.tag in (qn("c:noMultiLvlLbl"), qn("c:extLst"))), None)
    for tag in ("c:tickLblSkip", "c:tickMarkSkip"):
        element = etree.Element(qn(tag))
        element.set("val", str(every))
        if later is not None:
            later.addprevious(element)
        else:
            axis.append(element)


def _notes_box(text: list[str], top: float, height: float, size: int = _SMALL_PT) -> Callable:
    def draw(slide) -> None:
        box = slide.shapes.add_textbox(Inches(_MARGIN), Inches(top), Inches(_WIDTH - 2 * _MARGIN), Inches(height))
        _text(box.text_frame, text, size, colour=_GREY)

    return draw


def _both(*draws: Callable) -> Callable:
    def draw(slide) -> None:
        for d in draws:
            d(slide)

    return draw


def _source(step: str, what: str) -> str:
    return f"{WORKBOOKS[step]} ({what})"


# Executive summary ------------------------------------------------------------------------------------------------


def _summary_slides(d: _Deck) -> list[_Slide]:
    s, out = d.summary, []
    if s.decisions:
        n = len(s.decisions)
        lines, notes = [], ["The decisions this engagement asks for, each detailed on its own slide at the end."]
        for i, decision in enumerate(s.decisions, 1):
            figures = [
                f"cost {decision.cost.split(' over ')[0].split(' (')[0]}" if decision.cost else "",
                f"cash to the budget {decision.cash_value.split(' net')[0]}" if decision.cash_value else "",
                f"customers' time {decision.noncash_value.split(' of ')[0]}" if decision.noncash_value else "",
            ]
            said = "; ".join(f for f in figures if f)
            lines.append(f"{i}. {decision.title}" + (f" ({said})" if said else ""))
            notes.append(f"{i}. {decision.title}. " + " ".join(f"{k}: {v}." for k, v in decision_lines(decision)))
        notes += [f"Not yet possible: {note}" for note in s.notes]
        size = _BODY_PT if sum(map(len, lines)) <= 650 else _SMALL_PT + 2
        out.append(
            _Slide(
                title=f"We ask you to take {_count(n)} decision{'s' if n > 1 else ''}",
                section=SECTIONS[0],
                draw=_both(_numbered(lines, size), _notes_box(["Not yet possible:", *s.notes], 4.4, 2.3))
                if n <= 2 and s.notes
                else _numbered(lines, size),
                notes=notes,
                source="Executive summary, from "
                + _and_words(list(dict.fromkeys(f"the {d.source.split(':')[0].lower()}" for d in s.decisions))),
            )
        )
    if s.findings:
        notes = [f"{f.text} (From {f.source}.)" for f in s.findings]
        if not s.decisions:
            notes += [f"Not yet possible: {note}" for note in s.notes]
        size = _BODY_PT if sum(len(f.text) for f in s.findings) <= 650 else _SMALL_PT + 2
        out.append(
            _Slide(
                title="Key findings",
                section=SECTIONS[0],
                draw=_bullets([f.text for f in s.findings], size),
                notes=notes,
                source="Executive summary, from the self-assessment, the voice of the customer and the segmentation",
            )
        )
    return out


def _and_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int) -> str:
    return ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")[n - 1] if 1 <= n <= 10 else f"{n:,}"


def _numbered(lines: list[str], size: int) -> Callable:
    def draw(slide) -> None:
        box = slide.shapes.add_textbox(Inches(_MARGIN), Inches(_BODY_TOP), Inches(_WIDTH - 2 * _MARGIN), Inches(_BODY_HEIGHT))
        _text(box.text_frame, lines, size, space_after=12)

    return draw


# Self-assessment --------------------------------------------------------------------------------------------------


def _gaps(d: _Deck) -> list[_Slide | None]:
    gaps = d.table(SELF_ASSESSMENT, "gaps", ("dimension", "current", "target", "gap"))
    if gaps is None:
        return []
    rows = gaps.dropna(subset=["gap"]).head(8)  # gaps.csv is ranked, largest priority first
    if rows.empty:
        return []
    top = rows.iloc[0]
    title = f"The largest gap is {_short(top['dimension'], 50)}: level {top['current']:g} today against {top['target']:g} wanted"
    chart = _Chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        [_short(x) for x in rows["dimension"]],
        {"Current level": _values(rows["current"]), "Target level": _values(rows["target"])},
        "General",
        alt=(
            f"Bar chart: the {len(rows)} largest self-assessment gaps, current level against target level on a 1 to 5 "
            f"scale; largest: {top['dimension']}, {top['current']:g} now, {top['target']:g} wanted."
        ),
        value_range=(0, 5),
    )
    notes = [f"{r.dimension}: level {r.current:g} today, {r.target:g} wanted, a gap of {r.gap:g}." for r in rows.itertuples()]
    components = d.table(SELF_ASSESSMENT, "components")
    if components is not None and "priority" in components and len(components.dropna(subset=["gap"])):
        worst = components.dropna(subset=["gap"]).sort_values("priority", ascending=False).iloc[0]
        notes.append(
            f"By component, '{worst['component_name']}' has the largest priority gap: {float(worst['current']):.1f} now "
            f"against {float(worst['target']):.1f} wanted (the median of the room's scores per dimension, averaged)."
        )
    notes.append("From the self-assessment workshop: the room's scores of where the organisation is and wants to be.")
    return [_Slide(title, SECTIONS[1], _chart(chart), notes, _source(SELF_ASSESSMENT, "gaps by dimension"), SELF_ASSESSMENT)]


# Voice of the customer ---------------------------------------------------------------------------------------------


def _reasons(d: _Deck) -> list[_Slide | None]:
    reasons = d.table(VOICE_OF_CUSTOMER, "contact_reasons", ("reason", "share"))
    if reasons is None or reasons.empty:
        return []
    rows = reasons.sort_values("share", ascending=False, kind="stable").head(10)
    top = rows.iloc[0]
    title = (
        f"{_count(len(rows)).capitalize()} reasons make up {_share(rows['share'].sum())} of contacts; "
        f"'{_short(top['reason'], 40)}' alone is {_share(top['share'])}"
    )
    chart = _Chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        [_short(r) for r in rows["reason"]],
        {"Share of contacts": _values(rows["share"])},
        "0%",
        alt=f"Bar chart: the {len(rows)} most common reasons for contact as shares of all contacts, largest first.",
    )
    notes = (
        [
            f"{r.reason}: {_share(r.share, 1)} of contacts ({format_value(r.contacts, Field('n', 'count'))})."
            for r in rows.itertuples()
        ]
        if "contacts" in rows
        else []
    )
    notes.append("From the contact log: every contact counted by its recorded reason.")
    return [_Slide(title, SECTIONS[2], _chart(chart), notes, _source(VOICE_OF_CUSTOMER, "contact reasons"), VOICE_OF_CUSTOMER)]


def _failure(d: _Deck) -> list[_Slide | None]:
    failure = d.table(VOICE_OF_CUSTOMER, "failure_demand", ("channel", "failure_share"))
    if failure is None or failure.empty or "(all)" not in set(failure["channel"].astype(str)):
        return []
    overall = failure.set_index("channel").loc["(all)"]
    cost_column = "failure_cost_a_year" if "failure_cost_a_year" in failure else "failure_cost"
    if pd.isna(overall["failure_share"]) or cost_column not in failure:
        return []
    rows = failure[(failure["channel"] != "(all)") & failure[cost_column].notna()].sort_values(cost_column, ascending=False)
    if rows.empty or pd.isna(overall[cost_column]):
        return []
    yearly = d.money(overall[cost_column])
    top = rows.iloc[0]
    title = (
        f"{_share(overall['failure_share'])} of contacts are failure demand, costing about {yearly} a year; "
        f"{_channel(top['channel']).lower()} carries the most ({d.money(top[cost_column])})"
    )
    chart = _Chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        [_channel(c) for c in rows["channel"]],
        {"Cost of failure demand a year": _values(rows[cost_column])},
        _money_format(d.currency),
        alt=f"Bar chart: the yearly cost of failure demand by channel, {yearly} in all; largest: {_channel(top['channel'])}.",
    )
    notes = [
        "Failure demand is contact caused by a failure to do something or do it right for the customer: chasing, "
        "repeats, unclear letters.",
        *[
            f"{_channel(r.channel)}: {format_value(r.failure_contacts, Field('n', 'count'))} failure contacts "
            f"({_share(r.failure_share)} of its contacts) at {format_value(r.unit_cost, Field('c', 'money', decimals=2), currency=d.currency)} "
            f"each."
            for r in rows.itertuples()
        ],
        "From the contact log (failure by reason and by repeat contact) and the unit cost of each channel.",
    ]
    return [_Slide(title, SECTIONS[2], _chart(chart), notes, _source(VOICE_OF_CUSTOMER, "failure demand"), VOICE_OF_CUSTOMER)]


def _channels(d: _Deck) -> list[_Slide | None]:
    mix = d.table(VOICE_OF_CUSTOMER, "channel_mix", ("reason", "channel", "share"))
    if mix is None:
        return []
    rows = mix[mix["reason"] == "(all)"].sort_values("share", ascending=False, kind="stable")
    if rows.empty:
        return []
    recorded = rows[rows["channel"].astype(str) != "unknown"]
    first = recorded.iloc[0] if len(recorded) else rows.iloc[0]
    second = recorded.iloc[1] if len(recorded) > 1 else None
    title = f"{_channel(first['channel'])} carries {_share(first['share'])} of contacts" + (
        f", {_channel(second['channel']).lower()} {_share(second['share'])}" if second is not None else ""
    )
    chart = _Chart(
        XL_CHART_TYPE.DOUGHNUT,
        [f"{_channel(c)} ({_share(v)})" for c, v in zip(rows["channel"], rows["share"], strict=True)],
        {"Share of contacts": _values(rows["share"])},
        "0%",
        alt="Doughnut chart: each channel's share of all contacts; "
        + ", ".join(f"{_channel(r.channel)} {_share(r.share)}" for r in rows.itertuples())
        + ".",
        box=(_MARGIN + 1.5, _BODY_TOP, _WIDTH - 2 * _MARGIN - 3.0, _BODY_HEIGHT),
        labels=False,
    )
    notes = [f"{_channel(r.channel)}: {_share(r.share, 1)} of contacts." for r in rows.itertuples()]
    notes.append("From the contact log: every contact by the channel it came through.")
    return [_Slide(title, SECTIONS[2], _chart(chart), notes, _source(VOICE_OF_CUSTOMER, "channel mix"), VOICE_OF_CUSTOMER)]


def _month(value: object, unit: str) -> str:
    stamp = pd.Timestamp(value)
    if unit == "year":
        return str(stamp.year)
    text = format_value(stamp, Field("m", "month"))
    return text if unit == "month" else f"{stamp.day} {text}"


def _trends(d: _Deck) -> list[_Slide | None]:
    trend = d.table(VOICE_OF_CUSTOMER, "volumes_over_time", ("granularity", "period_start", "complete", "breakdown"))
    if trend is None or not _true(trend["complete"]).any():
        return []
    trend = trend[_true(trend["complete"])]
    unit = str(trend["granularity"].iloc[0])
    out: list[_Slide | None] = []
    for breakdown in ("channel", "reason"):
        part = trend[(trend["breakdown"] == breakdown) & (trend["category"] != OTHER_REASONS)]
        if part.empty:
            continue
        value = "share" if breakdown == "channel" else "contacts"
        grid = part.pivot_table(index="period_start", columns="category", values=value, aggfunc="sum").sort_index()
        totals = trend[trend["breakdown"] == "channel"].groupby("period_start")["contacts"].sum()
        thin = [p for p in grid.index if totals.get(p, 0) < _MIN_CONTACTS]  # a share of a handful swings 0-100%
        grid = grid.drop(index=thin)
        if len(grid) < 2:
            continue
        order = grid.sum().sort_values(ascending=False).index[:6]
        if breakdown == "channel":
            order = [c for c in order if grid[c].max() >= 0.01] or list(order)
        periods = [_month(p, unit) for p in grid.index]
        series = {(_channel(c) if breakdown == "channel" else _short(c, 40)): _values(grid[c]) for c in order}
        skip = max(1, -(-len(periods) // 12))
        if breakdown == "channel":
            shift = channel_shift_sentence(trend)
            lead = order[0]
            title = (
                shift.rstrip(".")
                if shift
                else f"{_channel(lead)} carried {_share(grid[lead].iloc[0])} of contacts in {periods[0]} and "
                f"{_share(grid[lead].iloc[-1])} in {periods[-1]}"
            )
            alt = f"Line chart: each channel's share of contacts {unit} by {unit}, {periods[0]} to {periods[-1]}."
            fmt, notes = "0%", [shift or "No channel's share moved enough over the period to call it a shift."]
        else:
            peak = grid[order[0]].idxmax()
            title = (
                f"'{_short(order[0], 40)}' is the most common reason over the period, peaking at "
                f"{int(grid[order[0]].max()):,} contacts in {_month(peak, unit)}"
            )
            alt = (
                f"Line chart: contacts {unit} by {unit} for the {len(order)} most common reasons, {periods[0]} to {periods[-1]}."
            )
            fmt, notes = "#,##0", [f"{_short(c, 60)}: {int(grid[c].sum()):,} contacts over the period." for c in order]
        if thin:
            notes.append(f"{len(thin)} {unit}{'s' if len(thin) > 1 else ''} of fewer than {_MIN_CONTACTS} contacts left out.")
        notes.append(f"From the contact log: complete {unit}s only (a {unit} the log only partly covers is left out).")
        chart = _Chart(
            XL_CHART_TYPE.LINE_MARKERS,
            periods,
            series,
            fmt,
            alt=alt,
            labels=False,
            label_skip=skip,
            value_range=(0, min(1.0, float(grid.max().max()) + 0.1)) if breakdown == "channel" else (0, None),
        )
        out.append(
            _Slide(
                title,
                SECTIONS[2],
                _chart(chart),
                notes,
                _source(VOICE_OF_CUSTOMER, f"contacts {unit} by {unit}"),
                VOICE_OF_CUSTOMER,
            )
        )
    return out


def _drivers(d: _Deck) -> list[_Slide | None]:
    drivers = d.table(VOICE_OF_CUSTOMER, "drivers", ("driver", "share", "performance", "quadrant"))
    if drivers is None or drivers.empty:
        return []
    drivers = drivers.sort_values("share", ascending=False, kind="stable")
    every = drivers
    all_names = every["question"] if "question" in every else every["driver"].astype(str).str.replace("_", " ")
    drivers = every.head(_DRIVERS)  # more bars than this cannot each be named at 12 pt
    names = all_names.head(_DRIVERS)
    outcome = _short(drivers["outcome"].iloc[0], 40) if "outcome" in drivers else "satisfaction"
    fix = [_short(n, 40) for n, q in zip(all_names, every["quadrant"], strict=True) if str(q).startswith("Fix first")]
    if fix:
        quoted = " and ".join(f"'{f}'" for f in fix[:2])
        title = f"{quoted} matter{'s' if len(fix) == 1 else ''} most to '{outcome}' and score{'s' if len(fix) == 1 else ''} lowest: fix first"
        if len(title) > 110:
            title = (
                f"{len(fix)} of {len(every)} questions matter most to '{_short(outcome, 30)}' and score lowest: fix them first"
            )
    else:
        title = f"'{_short(names.iloc[0], 40)}' drives '{outcome}' most"
    labels = [f"{_short(n, 45)} (scores {p:.0f} of 100)" for n, p in zip(names, drivers["performance"], strict=True)]
    colours = [TARGET if str(q).startswith("Fix first") else CURRENT for q in drivers["quadrant"]]
    chart = _Chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        labels,
        {f"Share of what explains '{outcome}'": _values(drivers["share"])},
        "0%",
        alt=(
            f"Bar chart: how much each of the {len(drivers)} leading survey questions explains '{outcome}', largest first, with its score; "
            f"orange bars: important and low-scoring (fix first)."
        ),
        colours=colours,
    )
    notes = [
        f"{n}: {_share(s)} of what the survey explains, scores {p:.0f} of 100; {q}."
        for n, s, p, q in zip(all_names, every["share"], every["performance"], every["quadrant"], strict=True)
    ]
    if len(every) > len(drivers):
        notes.append(f"The chart shows the {len(drivers)} questions that explain most; all {len(every)} are listed above.")
    notes.append("From the customer survey: key-driver analysis (each question's share of the explained variation).")
    return [
        _Slide(title, SECTIONS[2], _chart(chart), notes, _source(VOICE_OF_CUSTOMER, "drivers of satisfaction"), VOICE_OF_CUSTOMER)
    ]


# Segmentation -----------------------------------------------------------------------------------------------------


def _segments(d: _Deck) -> list[_Slide | None]:
    segments = d.table(SEGMENTATION, "segments", ("segment", "name", "share"))
    if segments is None or segments.empty:
        return []
    segments = segments.sort_values("share", ascending=False, kind="stable")
    names = [
        _short(n, 80) if pd.notna(n) and str(n).strip() else f"Segment {s}"
        for s, n in zip(segments["segment"], segments["name"], strict=True)
    ]
    selection = d.table(SEGMENTATION, "model_selection")
    draft = False
    if selection is not None and {"chosen", "stable"} <= set(selection.columns):
        chosen = selection[_true(selection["chosen"])]
        draft = len(chosen) > 0 and not _true(chosen["stable"]).iloc[0]
    what = "draft customer segments (not stable across resamples)" if draft else "customer segments"
    title = f"{_count(len(segments)).capitalize()} {what}: the largest is {_share(segments['share'].max())} of respondents, the smallest {_share(segments['share'].min())}"
    chart = _Chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        names,
        {"Share of respondents": _values(segments["share"])},
        "0%",
        alt=f"Bar chart: the {len(segments)} customer segments' shares of survey respondents, largest first.",
    )
    notes = [
        f"{n}: {_share(s)} of respondents." + (f" {p}" if isinstance(p, str) and p.strip() else "")
        for n, s, p in zip(names, segments["share"], segments.get("pen_portrait", pd.Series([None] * len(segments))), strict=True)
    ]
    service = d.table(SEGMENTATION, "self_service")
    if service is not None and "capacity" in service and service["capacity"].notna().any():
        low = service.dropna(subset=["capacity"]).sort_values("capacity").iloc[0]
        notes.append(f"Least able to self-serve: '{low['segment']}' ({_share(low['capacity'])}): keep assisted channels open.")
    typing = d.table(SEGMENTATION, "typing_check")
    if typing is not None and "note" in typing and len(typing) and isinstance(typing["note"].iloc[0], str):
        notes.append(f"Placing a new customer: {typing['note'].iloc[0]}")
    notes.append("From the customer survey: respondents grouped by their answers (clustering), named from their profiles.")
    return [_Slide(title, SECTIONS[3], _chart(chart), notes, _source(SEGMENTATION, "segments"), SEGMENTATION)]


# Business case ----------------------------------------------------------------------------------------------------

_DRIVERS = 12  # the most drivers one chart shows
_MIN_CONTACTS = 30  # a period with fewer contacts is left off the trend charts (as the trend plots do)
_OPTION_NAMES = {"do_minimum": "Do minimum", "preferred": "Preferred package"}


def _option_label(option: str) -> str:
    return _OPTION_NAMES.get(option, option.replace("_", " ").capitalize())


def _options(d: _Deck) -> list[_Slide | None]:
    options = d.table(BUSINESS_CASE, "options", ("option", "initiatives", "npv", "cash_npv", "pv_noncash_benefits"))
    if options is None:
        return []
    rows = options[options["initiatives"].notna() & (options["option"] != "do_nothing")]
    if rows.empty:
        return []
    by = rows.set_index("option")
    p = by.loc["preferred"] if "preferred" in by.index else rows.iloc[-1]
    title = (
        f"The preferred package is worth {d.money(p['npv'])} in present value: {d.money(p['cash_npv'])} in cash to the "
        f"budget and {d.money(p['pv_noncash_benefits'])} in customers' time"
    )
    chart = _Chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED,
        [_option_label(o) for o in rows["option"]],
        {
            "Cash to the budget (net)": _values(rows["cash_npv"]),
            "Customers' time (not cash)": _values(rows["pv_noncash_benefits"]),
            "Net present value (both)": _values(rows["npv"]),
        },
        _money_format(d.currency),
        alt=(
            "Column chart: each option's net present value split into its cash value to the organisation's budget and "
            "the value of customers' time, side by side."
        ),
        colours=[CURRENT, TARGET, "#7a8a99"],
        labels=True,
    )
    notes = []
    for r in rows.itertuples():
        names = ", ".join(d.name(i) for i in str(r.initiatives).split(";"))
        ratio = f", benefit-cost ratio {r.bcr:.1f}" if pd.notna(getattr(r, "bcr", None)) else ""
        notes.append(
            f"{_option_label(r.option)} ({names}): NPV {d.money(r.npv)}, cash {d.money(r.cash_npv)}, customers' time "
            f"{d.money(r.pv_noncash_benefits)}{ratio}."
        )
    notes.append("Do nothing is the baseline (NPV zero by definition). Present values at the Green Book discount rate.")
    notes.append("From the business case: the options appraisal.")
    return [_Slide(title, SECTIONS[4], _chart(chart), notes, _source(BUSINESS_CASE, "options appraisal"), BUSINESS_CASE)]


def _npv(d: _Deck) -> list[_Slide | None]:
    appraisal = d.table(BUSINESS_CASE, "appraisal", ("initiative", "name", "npv"))
    if appraisal is None or appraisal.empty:
        return []
    rows = appraisal.sort_values("npv", ascending=False, kind="stable")
    names = [_short(n) if pd.notna(n) else d.name(i) for i, n in zip(rows["initiative"], rows["name"], strict=True)]
    positive = int((rows["npv"] > 0).sum())
    best = rows.iloc[0]
    title = (
        f"{positive} of {len(rows)} initiatives have a positive net present value; "
        f"the best is {_short(_lower(names[0]), 40)} ({d.money(best['npv'])})"
    )
    colours = [CURRENT if v > 0 else TARGET for v in rows["npv"].fillna(0)]
    prices = rows["price_base"].dropna() if "price_base" in rows else pd.Series(dtype=object)
    label = f"Net present value ({str(prices.iloc[0]).split(', ')[-1]})" if len(prices) else "Net present value"
    chart = _Chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        names,
        {label: _values(rows["npv"])},
        _money_format(d.currency),
        alt=f"Bar chart: each initiative's net present value, best first; {positive} of {len(rows)} are positive (blue), the rest negative (orange).",
        colours=colours,
    )
    notes = [
        f"{n}: NPV {d.money(r.npv)}"
        + (f" (cash {d.money(r.cash_npv)}, customers' time {d.money(r.pv_noncash_benefits)})" if "cash_npv" in rows else "")
        + "."
        for n, r in zip(names, rows.itertuples(), strict=True)
    ]
    notes.append("From the business case: each initiative appraised alone.")
    return [
        _Slide(title, SECTIONS[4], _chart(chart), notes, _source(BUSINESS_CASE, "appraisal of each initiative"), BUSINESS_CASE)
    ]


def _simulation(d: _Deck) -> list[_Slide | None]:
    options = d.table(BUSINESS_CASE, "options")
    if options is None or not {"p10", "p90", "prob_negative"} <= set(options.columns):
        return []
    rows = options[options["initiatives"].notna() & (options["option"] != "do_nothing") & options["p10"].notna()]
    if rows.empty:
        return []
    has_cash = "cash_p10" in rows and rows["cash_p10"].notna().all()
    categories, low, high = [], [], []
    for r in rows.itertuples():
        categories.append(f"{_option_label(r.option)}: all value")
        low.append(float(r.p10))
        high.append(float(r.p90))
        if has_cash:
            categories.append(f"{_option_label(r.option)}: cash only")
            low.append(float(r.cash_p10))
            high.append(float(r.cash_p90))
    by = rows.set_index("option")
    p = by.loc["preferred"] if "preferred" in by.index else rows.iloc[-1]
    title = (
        f"In eight of ten simulations the preferred package's NPV lies between {d.money(p['p10'])} and {d.money(p['p90'])}"
        + (
            f"; chance of a cash loss {chance(p['prob_cash_negative'])}"
            if has_cash
            else f"; chance of a loss {chance(p['prob_negative'])}"
        )
    )
    chart = _Chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        categories,
        {"Low (one in ten simulations below)": low, "High (one in ten above)": high},
        _money_format(d.currency),
        alt=(
            "Bar chart: the range of net present value in eight of ten simulations for each option, all value and "
            "cash to the budget only; bars left of zero are losses."
        ),
        colours=[CURRENT, TARGET],
        labels=True,
    )
    notes = []
    for r in rows.itertuples():
        line = (
            f"{_option_label(r.option)}: NPV between {d.money(r.p10)} and {d.money(r.p90)} (middle {d.money(r.p50)}); "
            f"chance of a loss {chance(r.prob_negative)}"
        )
        if has_cash:
            line += f"; cash between {d.money(r.cash_p10)} and {d.money(r.cash_p90)}, chance of a cash loss {chance(r.prob_cash_negative)}"
        notes.append(line + ".")
    notes.append(
        "From the business case: a Monte Carlo simulation drawing every assumption from its range. 'All value' counts "
        "customers' time; 'cash only' is what the organisation's budget sees."
    )
    return [_Slide(title, SECTIONS[4], _chart(chart), notes, _source(BUSINESS_CASE, "risk simulation"), BUSINESS_CASE)]


def _tornado(d: _Deck) -> list[_Slide | None]:
    table = d.table(
        BUSINESS_CASE, "sensitivity", ("output", "assumption", "low", "high", "npv_low", "npv_high", "npv_base", "swing")
    )
    if table is None or not (table["output"] == "preferred").any():
        return []
    rows = table[table["output"] == "preferred"].sort_values("swing", ascending=False, kind="stable").head(6)
    base = float(rows["npv_base"].iloc[0])
    described = rows["description"] if "description" in rows else rows["assumption"]
    names = [_assumption(d, a, x) for a, x in zip(rows["assumption"], described, strict=True)]
    ends = rows[["npv_low", "npv_high"]]
    flips = rows[(ends < 0).any(axis=1)] if base > 0 else rows[(ends > 0).any(axis=1)]
    sign = "positive" if base > 0 else "negative"
    if flips.empty:
        title = f"The preferred package's NPV stays {sign} across the range of every assumption tested"
    else:
        i = list(rows.index).index(flips.index[0])
        title = f"The preferred package's NPV changes sign within the range of one assumption: {_lower(names[i])}"
    chart = _Chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        names,
        {"At the assumption's low value": _values(rows["npv_low"]), "At its high value": _values(rows["npv_high"])},
        _money_format(d.currency),
        alt=(
            f"Bar chart: the preferred package's NPV with each of the {len(rows)} most influential assumptions at its "
            f"low and its high value (base case {d.money(base)})."
        ),
        colours=[CURRENT, TARGET],
        labels=True,
    )
    notes = [
        f"{n}: NPV {d.money(r.npv_low)} at its low value, {d.money(r.npv_high)} at its high value."
        for n, r in zip(names, rows.itertuples(), strict=True)
    ]
    notes.insert(0, f"Base case NPV {d.money(base)}; each bar moves one assumption alone across its range.")
    notes.append("From the business case: one-way sensitivity analysis.")
    return [_Slide(title, SECTIONS[4], _chart(chart), notes, _source(BUSINESS_CASE, "sensitivity analysis"), BUSINESS_CASE)]


def _assumption(d: _Deck, assumption: object, description: object) -> str:
    """An assumption as a client reads it: its description (code words in plain words), with the initiative it
    belongs to when it is one initiative's ('First-contact resolution training: minutes of the customer's time...')."""
    text = str(description) if pd.notna(description) and str(description).strip() else str(assumption)
    text = re.sub(r"\s*\(mitigation[^)]*\)", "", text)
    text = re.sub(r"\b[a-z]+(?:_[a-z0-9]+)+\b", lambda m: _channel(m.group(0)).lower(), text)
    owner = str(assumption).split(".")[0]
    if owner in d.names and owner != str(assumption):
        text = f"{d.names[owner]}: {_lower(text)}"
    if len(text) > 100:  # the scope in brackets goes first, then the words at the end
        text = re.sub(r"\s*\([^)]*\)$", "", text)
    return _short(text, 100)


def _optimal_mix(d: _Deck) -> list[_Slide | None]:
    mix = d.table(BUSINESS_CASE, "channel_mix_summary", ("segment", "current_cost", "optimal_cost", "saving_share"))
    if mix is None or "(all)" not in set(mix["segment"].astype(str)):
        return []
    overall = mix.set_index("segment").loc["(all)"]
    rows = mix[mix["segment"] != "(all)"].sort_values("current_cost", ascending=False)
    if rows.empty:
        return []
    title = (
        f"A channel mix that respects each segment's abilities would cut contact-handling costs by "
        f"{_share(overall['saving_share'])} ({d.money(overall['current_cost'] - overall['optimal_cost'])}): a ceiling"
    )
    chart = _Chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        [_short(s, 80) for s in rows["segment"]],
        {"Cost today": _values(rows["current_cost"]), "Cost with the best mix each can use": _values(rows["optimal_cost"])},
        _money_format(d.currency),
        alt="Bar chart: each segment's contact-handling cost a year today against the cost with the channel mix it could use.",
        colours=[CURRENT, TARGET],
        labels=True,
    )
    notes = [
        f"{r.segment}: {d.money(r.current_cost)} today, {d.money(r.optimal_cost)} with the best mix it can use "
        f"({_share(r.saving_share)} less)."
        for r in rows.itertuples()
    ]
    notes.append(
        "A ceiling rather than a forecast: it moves contacts to the cheapest channel each segment is able to use. "
        "From the business case: the channel-mix model."
    )
    return [_Slide(title, SECTIONS[4], _chart(chart), notes, _source(BUSINESS_CASE, "channel mix by segment"), BUSINESS_CASE)]


# Road map ---------------------------------------------------------------------------------------------------------

_ROW_MAX = 12  # timeline rows that stay readable at 12 pt


def _timeline(d: _Deck) -> list[_Slide | None]:
    schedule = d.table(ROADMAP, "schedule", ("id", "title", "start", "end", "horizon"))
    if schedule is None:
        return []
    planned = schedule.dropna(subset=["start", "end"])
    planned = planned[planned["horizon"] != WAIT] if (planned["horizon"] != WAIT).any() else planned.iloc[:0]
    if planned.empty:
        return []  # nothing scheduled: the road map's notes say why; an empty timeline would say nothing
    planned = planned.assign(start_at=pd.to_datetime(planned["start"]), end_at=pd.to_datetime(planned["end"]))
    planned = planned.sort_values(["start_at", "end_at"], kind="stable")
    shown, hidden = planned.head(_ROW_MAX), planned.iloc[_ROW_MAX:]
    first = pd.Period(shown["start_at"].min(), "Q")
    last = pd.Period(shown["end_at"].max(), "Q")
    quarters = list(pd.period_range(first, last, freq="Q"))
    waiting = schedule[schedule["horizon"] == WAIT]
    owners = None
    for frame in (schedule, d.table(ROADMAP, "backlog")):
        if frame is not None and "owner" in frame:
            owners = dict(zip(frame["id"].astype(str), frame["owner"], strict=True))
            break
    now = int((shown["horizon"] == NOW).sum())
    title = (
        f"{_count(now).capitalize() if now else 'No'} initiative{'s' if now != 1 else ''} start{'s' if now == 1 else ''} now "
        f"and {_count(len(shown) - now) if len(shown) > now else 'none'} next; the road map runs from {_quarter(quarters[0])} "
        f"to {_quarter(quarters[-1])}"
    )
    id_title = dict(zip(schedule["id"].astype(str), schedule["title"], strict=True))

    def draw(slide) -> None:
        label_w = 3.6
        left, top = _MARGIN + label_w, _BODY_TOP + 0.45
        width = _WIDTH - 2 * _MARGIN - label_w
        col = width / len(quarters)
        row_h = min(0.5, (_BODY_HEIGHT - 1.2) / max(len(shown), 1))
        shapes = slide.shapes.add_group_shape()
        for j, q in enumerate(quarters):  # the quarter headings, with a light band every other quarter
            head = shapes.shapes.add_textbox(Inches(left + j * col), Inches(_BODY_TOP), Inches(col), Inches(0.4))
            _text(head.text_frame, [_quarter(q, short=len(quarters) > 8)], MIN_PT, colour=_GREY, align=PP_ALIGN.CENTER)
            if j % 2 == 0:
                band = shapes.shapes.add_shape(
                    MSO_SHAPE.RECTANGLE, Inches(left + j * col), Inches(top), Inches(col), Inches(row_h * len(shown))
                )
                _fill(band.fill, "#F3F4F6")
                band.line.fill.background()
        ends: dict[str, tuple[float, float, float]] = {}
        for i, r in enumerate(shown.itertuples()):
            y = top + i * row_h
            owner = f" ({owners.get(str(r.id))})" if owners and pd.notna(owners.get(str(r.id))) else ""
            name = shapes.shapes.add_textbox(Inches(_MARGIN), Inches(y), Inches(label_w - 0.1), Inches(row_h))
            _text(name.text_frame, [_short(f"{r.title}{owner}", 2 * 44 if row_h >= 0.45 else 44)], MIN_PT)
            name.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            _margins(name.text_frame)
            a = quarters.index(pd.Period(r.start_at, "Q"))
            b = quarters.index(pd.Period(r.end_at, "Q"))
            x0, x1 = left + a * col + 0.04, left + (b + 1) * col - 0.04
            bar = shapes.shapes.add_shape(
                MSO_SHAPE.ROUNDED_RECTANGLE, Inches(x0), Inches(y + 0.06), Inches(x1 - x0), Inches(row_h - 0.12)
            )
            _fill(bar.fill, CURRENT if r.horizon == NOW else TARGET)
            bar.line.fill.background()
            bar.name = f"Initiative: {r.title}"
            ends[str(r.id)] = (x0, x1, y + row_h / 2)
        for r in shown.itertuples():  # an arrow from what an initiative waits for to its start
            for dep in [x.strip() for x in str(r.dependencies).split(",") if x.strip() and str(r.dependencies) != "nan"]:
                if dep in ends and str(r.id) in ends:
                    x_from, y_from = ends[dep][1], ends[dep][2]
                    x_to, y_to = ends[str(r.id)][0], ends[str(r.id)][2]
                    line = shapes.shapes.add_connector(
                        MSO_CONNECTOR.ELBOW, Inches(x_from), Inches(y_from), Inches(x_to), Inches(y_to)
                    )
                    line.line.color.rgb, line.line.width = _DARK, Pt(1.5)
                    _arrow(line)
        legend_y = top + row_h * len(shown) + 0.15
        for k, (colour, label) in enumerate(((CURRENT, "Starts now"), (TARGET, "Starts next year"))):
            x = _MARGIN + k * 2.2
            key = shapes.shapes.add_shape(
                MSO_SHAPE.ROUNDED_RECTANGLE, Inches(x), Inches(legend_y + 0.08), Inches(0.35), Inches(0.22)
            )
            _fill(key.fill, colour)
            key.line.fill.background()
            text = shapes.shapes.add_textbox(Inches(x + 0.4), Inches(legend_y), Inches(1.7), Inches(0.38))
            _text(text.text_frame, [label], MIN_PT, colour=_GREY)
        if any(str(r.dependencies) not in ("", "nan") for r in shown.itertuples()):
            text = shapes.shapes.add_textbox(Inches(_MARGIN + 4.4), Inches(legend_y), Inches(3.3), Inches(0.38))
            _text(text.text_frame, ["Arrow: what must come first"], MIN_PT, colour=_GREY)
        rest = len(waiting) + len(hidden)
        if rest:
            x = _MARGIN + 7.8
            text = shapes.shapes.add_textbox(Inches(x), Inches(legend_y), Inches(_WIDTH - _MARGIN - x), Inches(0.38))
            _text(text.text_frame, [f"{rest} more wait or come later: see the notes"], MIN_PT, colour=_GREY, align=PP_ALIGN.RIGHT)
        _alt(
            shapes,
            f"Timeline: {len(shown)} initiatives by quarter from {_quarter(quarters[0])} to {_quarter(quarters[-1])}; "
            + "; ".join(
                f"{r.title} {_quarter(pd.Period(r.start_at, 'Q'))} to {_quarter(pd.Period(r.end_at, 'Q'))}"
                for r in shown.itertuples()
            )
            + ".",
        )

    notes = [
        f"{r.title}: {_quarter(pd.Period(r.start_at, 'Q'))} to {_quarter(pd.Period(r.end_at, 'Q'))}"
        + (
            f", after {', '.join(id_title.get(x.strip(), x.strip()) for x in str(r.dependencies).split(','))}"
            if str(r.dependencies) not in ("", "nan")
            else ""
        )
        + (f"; {_readable_reason(str(r.reason), id_title)}" if "reason" in shown and pd.notna(r.reason) else "")
        + "."
        for r in shown.itertuples()
    ]
    if len(hidden):
        notes.append(
            "Later, not drawn: "
            + "; ".join(f"{r.title} ({_quarter(pd.Period(r.start_at, 'Q'))})" for r in hidden.itertuples())
            + "."
        )
    if len(waiting):
        reasons = waiting["reason"].astype(str) if "reason" in waiting else pd.Series([""] * len(waiting))
        notes.append(
            "Wait and see: "
            + "; ".join(
                f"{t} ({_readable_reason(x, id_title)})" if x not in ("", "nan") else str(t)
                for t, x in zip(waiting["title"], reasons, strict=True)
            )
            + "."
        )
    notes.append(
        "From the road map: initiatives ranked by value, effort and confidence, scheduled within the capacity per quarter."
    )
    return [_Slide(title, SECTIONS[5], draw, notes, _source(ROADMAP, "schedule"), ROADMAP)]


def _readable_reason(reason: str, titles: dict[str, str]) -> str:
    return re.sub(r"\b[A-Z]\d{2,}\b", lambda m: titles.get(m.group(0), m.group(0)), reason)


def _quarter(q: pd.Period, *, short: bool = False) -> str:
    return f"Q{q.quarter} {q.year % 100:02d}" if short else f"Q{q.quarter} {q.year}"


def _margins(frame) -> None:
    frame.margin_left = frame.margin_right = Inches(0.04)
    frame.margin_top = frame.margin_bottom = Inches(0)


def _arrow(connector) -> None:
    line = connector.line._get_or_add_ln()
    tail = etree.SubElement(line, qn("a:tailEnd"))
    tail.set("type", "triangle")


def _pilot(d: _Deck) -> list[_Slide | None]:
    plan = d.table(ROADMAP, "pilot_plan", ("initiative", "title", "pilot_site", "comparison_site", "n_per_cell", "weeks"))
    if plan is None or plan.empty:
        return []
    blind = plan[plan["areas_per_arm_needed"].notna()] if "areas_per_arm_needed" in plan else plan.iloc[:0]
    titles = [d.name(i) if str(i) in d.names else str(t) for i, t in zip(plan["initiative"], plan["title"], strict=True)]
    if len(blind):
        need = blind["areas_per_arm_needed"].astype(int)
        span = f"{need.min():,}" if need.min() == need.max() else f"{need.min():,} to {need.max():,}"
        title = (
            f"As designed, {'the pilots' if len(plan) > 1 else 'the pilot'} cannot show whether "
            f"{'they work' if len(plan) > 1 else 'it works'}: detecting the effect needs about {span} areas in each arm"
        )
    else:
        title = f"{'The pilots' if len(plan) > 1 else 'The pilot'} can detect the change sought within {int(plan['weeks'].max()):,} weeks"
    header = ["Initiative", "Pilot area", "Compared with", "Change sought", "Contacts per group", "Weeks", "Areas per arm needed"]
    body = []
    for name, r in zip(titles, plan.itertuples(), strict=True):
        change = _effect(r.effect, getattr(r, "metric", "")) if pd.notna(getattr(r, "effect", None)) else MISSING
        needed = getattr(r, "areas_per_arm_needed", None)
        body.append(
            [
                _short(name, 40),
                str(r.pilot_site),
                str(r.comparison_site),
                change,
                f"{int(r.n_per_cell):,}",
                f"{int(r.weeks):,}",
                f"{int(needed):,}" if needed is not None and pd.notna(needed) else "One is enough",
            ]
        )
    widths = [3.1, 1.5, 1.6, 1.5, 1.6, 0.9, 1.9]
    draw = _both(
        _table(
            header,
            body,
            widths,
            alt=f"Table: the pilot plan for {len(plan)} initiative{'s' if len(plan) > 1 else ''}: areas, change sought, contacts, weeks and areas needed.",
        ),
        _notes_box(
            _pilot_explained(plan, titles),
            _BODY_TOP + 0.55 * (len(body) + 1) + 0.3,
            _FOOTER_TOP - (_BODY_TOP + 0.55 * (len(body) + 1) + 0.3) - 0.1,
        ),
    )
    notes = [
        f"{name}: {r.pilot_site} against {r.comparison_site}, {int(r.n_per_cell):,} contacts in each group before and after, "
        f"about {int(r.weeks):,} weeks. Success: {r.success_criterion}."
        for name, r in zip(titles, plan.itertuples(), strict=True)
        if "success_criterion" in plan
    ]
    if len(blind) and "cluster_note" in blind:
        notes.append(
            _readable_reason(
                str(blind["cluster_note"].iloc[0]).replace("(an assumption: settings.roadmap.pilot_icc) ", ""), d.names
            )
        )
    notes.append("From the road map: the pilot plan (sample size, duration and matched areas).")
    return [_Slide(title, SECTIONS[5], draw, notes, _source(ROADMAP, "pilot plan"), ROADMAP)]


def _is_share(metric: object) -> bool:
    """Whether a pilot's measure is a share (its change is in percentage points): its name says share or rate."""
    return bool(re.search(r"share|rate|resolution", str(metric)))


def _effect(effect: object, metric: object) -> str:
    size = abs(float(effect))  # type: ignore[arg-type]
    return f"{size * 100:.1f} points" if _is_share(metric) else format_value(size, Field("n", "number", decimals=2))


def _pilot_explained(plan: pd.DataFrame, titles: list[str]) -> list[str]:
    """The lines under the pilot table: the design in words and what each pilot measures."""
    lines = []
    if "design" in plan and plan["design"].notna().any():
        design = re.sub(r"\s*\([a-z_]+\)", "", str(plan["design"].dropna().iloc[0]))  # a function's name is not for a client
        lines.append(f"Design: {design}.")
    if "measure" in plan:
        measures = [f"{_short(t, 40)}: {m}" for t, m in zip(titles, plan["measure"], strict=True) if pd.notna(m)]
        if measures:
            lines.append("Change sought, in " + "; ".join(measures) + ".")
    return lines or ["The pilot compares a pilot area with a matched comparison area, before and during the pilot."]


def _table(header: list[str], body: list[list[str]], widths: list[float], *, alt: str, size: int = _SMALL_PT) -> Callable:
    def draw(slide) -> None:
        rows, cols = len(body) + 1, len(header)
        total = sum(widths)
        scale = (_WIDTH - 2 * _MARGIN) / total
        frame = slide.shapes.add_table(
            rows, cols, Inches(_MARGIN), Inches(_BODY_TOP), Inches(_WIDTH - 2 * _MARGIN), Inches(0.5 * rows)
        )
        _alt(frame, alt)
        table = frame.table
        for j, w in enumerate(widths):
            table.columns[j].width = Inches(w * scale)
        for i, values in enumerate([header, *body]):
            for j, value in enumerate(values):
                cell = table.cell(i, j)
                cell.text = value
                cell.margin_left = cell.margin_right = Inches(0.06)
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        run.font.size, run.font.bold = Pt(size), i == 0
                        if i > 0:
                            run.font.color.rgb = _DARK

    return draw


def _standards(d: _Deck) -> list[_Slide | None]:
    kpis = d.table(ROADMAP, "kpis", ("standard", "target", "current"))
    if kpis is None or kpis.empty:
        return []
    measured = kpis[kpis["current"].notna()]
    if measured.empty:
        return []
    met = int(_true(measured["met"]).sum()) if "met" in measured else 0
    looser = int(_true(measured["looser_than_today"]).sum()) if "looser_than_today" in measured else 0
    title = f"{len(measured)} of {len(kpis)} service standards can be measured today; {met} {'is' if met == 1 else 'are'} met" + (
        f", {looser} by a target looser than today's performance" if looser else ""
    )
    header = ["Standard", "Today", "Target", "Proposed target"]
    body = []
    for r in measured.itertuples():
        unit = str(getattr(r, "unit", ""))
        direction = "at most" if getattr(r, "direction", "") == "at_most" else "at least"
        proposed = getattr(r, "proposed_target", None)
        body.append(
            [
                _short(str(r.standard).rstrip("."), 70),
                standard_value(r.current, unit),
                f"{direction} {standard_value(r.target, unit)}",
                standard_value(proposed, unit) if proposed is not None and pd.notna(proposed) else MISSING,
            ]
        )
    draw = _table(
        header,
        body,
        [6.6, 1.6, 2.2, 1.8],
        alt=f"Table: the {len(measured)} service standards measured today, with today's figure, the target and a proposed target.",
    )
    unmeasured = kpis[kpis["current"].isna()]
    notes = (
        [
            f"Not measured yet ({len(unmeasured)}): "
            + "; ".join(
                f"{str(r.standard).rstrip('.')} (needs {r.data_source})" if "data_source" in unmeasured else str(r.standard)
                for r in unmeasured.itertuples()
            )
            + "."
        ]
        if len(unmeasured)
        else []
    )
    notes.append("A proposed target is given where today's performance already beats the target.")
    notes.append("From the road map: service standards measured from the contact log and the survey.")
    return [_Slide(title, SECTIONS[5], draw, notes, _source(ROADMAP, "service standards"), ROADMAP)]


# Decisions and next steps -----------------------------------------------------------------------------------------


def _decision_slides(d: _Deck, planned: list[_Slide]) -> list[_Slide]:
    out = []
    for i, decision in enumerate(d.summary.decisions, 1):
        lines = [(k, v) for k, v in decision_lines(decision) if not (v == NOT_ESTIMATED and k != "Cost")]
        body = [[k, v] for k, v in lines]
        out.append(
            _Slide(
                title=f"Decision {i}: {decision.title}",
                section=SECTIONS[6],
                draw=_label_table(body),
                notes=[f"{k}: {v}" for k, v in decision_lines(decision)] + [f"From: {decision.source}."],
                source=decision.source,
            )
        )
    steps = _next_steps(d)
    if steps:
        out.append(
            _Slide(
                title="Next steps",
                section=SECTIONS[6],
                draw=_bullets(steps, _BODY_PT if sum(map(len, steps)) < 600 else _SMALL_PT + 2),
                notes=[
                    "Next steps drawn from the decisions, the service standards not measured yet and the road map's waiting list."
                ],
                source="The decisions, the service standards and the road map",
            )
        )
    return out


def _label_table(body: list[list[str]]) -> Callable:
    def draw(slide) -> None:
        size = _SMALL_PT + 2 if sum(len(v) for _, v in body) < 700 else _SMALL_PT
        frame = slide.shapes.add_table(
            len(body), 2, Inches(_MARGIN), Inches(_BODY_TOP + 0.2), Inches(_WIDTH - 2 * _MARGIN), Inches(0.5 * len(body))
        )
        _alt(frame, "Table: the decision's cost, value, timing, evidence and risk.")
        table = frame.table
        table.first_row = False
        table.columns[0].width = Inches(3.0)
        table.columns[1].width = Inches(_WIDTH - 2 * _MARGIN - 3.0)
        for i, (label, value) in enumerate(body):
            for j, text in enumerate((label, value)):
                cell = table.cell(i, j)
                cell.text = text
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        run.font.size, run.font.bold = Pt(size), j == 0
                        run.font.color.rgb = _DARK
                _fill(cell.fill, "#EEF2F6" if j == 0 else "#FFFFFF")

    return draw


def _next_steps(d: _Deck) -> list[str]:
    steps = []
    n = len(d.summary.decisions)
    if n:
        steps.append(
            f"Take the {_count(n)} decision{'s' if n > 1 else ''} set out in this deck, each with its cost, value and timing."
        )
    kpis = d.table(ROADMAP, "kpis")
    if kpis is not None and "current" in kpis and kpis["current"].isna().any():
        missing = kpis[kpis["current"].isna()]
        sources = list(dict.fromkeys(missing["data_source"].dropna().astype(str))) if "data_source" in missing else []
        said = f": {'; '.join(_short(s, 60) for s in sources[:3])}{' and more' if len(sources) > 3 else ''}" if sources else ""
        steps.append(f"Start collecting the data for the {len(missing)} service standards not measured yet{said}.")
    schedule = d.table(ROADMAP, "schedule")
    if schedule is not None and "reason" in schedule:
        unscored = schedule[schedule["reason"].astype(str).str.startswith("no effort")]
        if len(unscored):
            steps.append(
                f"Estimate value, effort and confidence with the room for {len(unscored)} candidate initiative"
                f"{'s' if len(unscored) > 1 else ''} that wait for them, so the road map can place them."
            )
    steps += d.summary.notes  # what input would add the decisions this engagement cannot ask for yet
    return steps


_MAKERS: tuple[Callable[[_Deck], list], ...] = (
    _summary_slides,
    _gaps,
    _reasons,
    _failure,
    _channels,
    _trends,
    _drivers,
    _segments,
    _options,
    _npv,
    _simulation,
    _tornado,
    _optimal_mix,
    _timeline,
    _pilot,
    _standards,
)


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
