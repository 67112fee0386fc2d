"""Interactive tables and charts for the client report, working offline from the report folder.

The report is a folder a client opens from disk or an intranet share, often with no internet: nothing here loads
from a CDN. :func:`copy_assets` writes the one script and style sheet (``assets/cxm.js``, ``assets/cxm.css``, a
few kilobytes of plain JavaScript and CSS shipped in the package) and :func:`asset_tags` links them from a page.

- :func:`table_html`: a real ``<table>`` (caption, column headers with ``scope``) whose headers become sort
  buttons (``aria-sort`` says the order) and which gains a text filter and a choice list for each column of a
  few repeated values. Money, counts and percentages sort as numbers (``£1,200`` after ``£900``), months and
  dates in time order, missing values last. Without JavaScript it is the same complete table, without the
  controls.
- :func:`filter_chart_html`: a chart drawn by the script as inline SVG from a small data cube embedded in the
  page as JSON, with a list for each dimension to filter on (month, channel, area, segment...; "All" by default).
  It carries alt text (``role="img"`` and ``aria-label``, which also states the figures now shown), a caption, and
  the figures as a table the script rewrites to match the filters, so a screen reader and a reader without
  JavaScript get the numbers too. A dimension the cube lacks, or that has a single value, gets no filter.

Every text reaching the page is escaped (names come from client data), and the JSON is embedded so that no value
can end its ``<script>`` element.

>>> html = table_html(pd.DataFrame({"Reason": ["Bins <late>"], "Cost": ["£1,200"]}), caption="Costs", table_id="costs")
>>> "Bins &lt;late&gt;" in html, 'data-sort="1200"' in html
(True, True)
>>> sort_key("-£4,100"), sort_key("13%"), sort_key("Dec 2026"), sort_key("\u2013")
(-4100.0, 0.13, '2026-12', None)
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from cxmethods.core.errors import CxmError
from cxmethods.outputs.present import CURRENCY_SYMBOLS, MISSING, Field, field, format_value, humanise

__all__ = [
    "ASSETS",
    "ASSET_FILES",
    "NOT_RECORDED",
    "asset_tags",
    "contact_charts",
    "copy_assets",
    "filter_chart_html",
    "sort_key",
    "survey_charts",
    "table_html",
]

#: The folder of the script and style sheet, in the package.
ASSETS = Path(__file__).with_name("assets")
ASSET_FILES = ("cxm.js", "cxm.css")
#: A column gets a choice list when it has at most this many distinct values, each on two rows or more on average.
MAX_CHOICES = 12
#: How a dimension's ``unknown`` (the value the cubes give a contact or respondent without one) reads.
NOT_RECORDED = "Not recorded"
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
# a number as present.format_value writes it: a sign, a currency sign or ISO code, thousands separators, a unit
_NUMBER = re.compile(
    r"(?P<sign>[-\u2212])?(?:[£€$]|[A-Z]{3} )?(?P<sign2>[-\u2212])?(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"\s*(?P<unit>%|pts|years?|weeks?|hours?|days?|minutes?|x)?"
)
_DATE = re.compile(r"(?:(?P<day>\d{1,2}) )?(?P<month>[A-Za-z]{3}) (?P<year>\d{4})")
_SAFE_JSON = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def copy_assets(report_dir: str | Path) -> list[Path]:
    """Write the script and style sheet to ``report_dir/assets/`` (the same bytes every time); return their paths."""
    folder = Path(report_dir) / "assets"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ASSET_FILES:
        target = folder / name
        data = (ASSETS / name).read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
        written.append(target)
    return written


def asset_tags(prefix: str = "assets/") -> str:
    """The ``<link>`` and ``<script>`` for a page's ``<head>``; ``prefix`` is the assets folder relative to the page."""
    href = html.escape(prefix, quote=True)
    return f'<link rel="stylesheet" href="{href}cxm.css">\n<script src="{href}cxm.js" defer></script>'


def _check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise CxmError(f"{what} {value!r} cannot be an HTML id: use letters, digits, '-' and '_', starting with a letter.")
    return value


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def sort_key(text: object) -> float | str | None:
    """What a presented value sorts by: a number for counts, money, percentages and points; ``YYYY-MM`` or
    ``YYYY-MM-DD`` for months and dates as :func:`~cxmethods.outputs.present.format_value` writes them; ``None``
    for a missing value (an en dash or empty); else the text itself."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    if isinstance(text, bool):
        return str(text)
    if isinstance(text, (int, float)):
        return float(text)
    value = str(text).strip()
    if value in ("", MISSING, "-", "nan", "None"):
        return None
    number = _NUMBER.fullmatch(value)
    if number:
        n = float(number["digits"].replace(",", "") + (number["frac"] or ""))
        if number["sign"] or number["sign2"]:
            n = -n
        return n / 100 if number["unit"] == "%" else n
    when = _DATE.fullmatch(value)
    if when and when["month"].lower() in _MONTHS:
        month = _MONTHS[when["month"].lower()]
        if when["day"]:
            try:
                return date(int(when["year"]), month, int(when["day"])).isoformat()
            except ValueError:
                return value
        return f"{when['year']}-{month:02d}"
    return value


def _kind_of(values: Sequence[object]) -> str:
    """``number`` when every value present sorts as a number, ``date`` when as a date, else ``text``."""
    keys = [sort_key(v) for v in values]
    present = [k for k in keys if k is not None]
    if not present:
        return "text"
    if all(isinstance(k, float) for k in present):
        return "number"
    if all(isinstance(k, str) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", k) for k in present):
        return "date"
    return "text"


def _number_text(value: float) -> str:
    """A sort value as the script reads it with parseFloat: exact, short, the same on every run."""
    if not math.isfinite(value):
        return ""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def table_html(
    frame: pd.DataFrame,
    *,
    caption: str,
    table_id: str,
    note: str | None = None,
    sortable: bool = True,
    filterable: bool = True,
    sort_values: pd.DataFrame | Mapping[str, Sequence[object]] | None = None,
    numeric_columns: Sequence[str] | None = None,
    row_headers: bool = True,
    max_choices: int = MAX_CHOICES,
) -> str:
    """An accessible HTML table of an already-presented frame, sortable and filterable in the browser.

    Parameters
    ----------
    frame : DataFrame
        The table as the client reads it: plain headers, every value text
        (:func:`~cxmethods.outputs.present.present`). Its index is not shown.
    caption : str
        The table's title (its ``<caption>``).
    table_id : str
        A unique id on the page (letters, digits, ``-``, ``_``).
    note : str, optional
        A sentence under the table (a source, what was left out).
    sortable, filterable : bool
        Whether the headers sort, and whether a text filter and choice lists are offered.
    sort_values : DataFrame or mapping, optional
        The raw values to sort by, where the text alone would not do: a mapping of header to one value per row,
        or a frame of the unformatted table (same rows; its columns matched to ``frame``'s by position when it
        has as many, else by header). Numbers given here also mark their column numeric.
    numeric_columns : sequence of str, optional
        The headers of the columns that sort as numbers (right-aligned); default: each column whose every value
        present reads as a number (``£1,200``, ``13%``, ``1,234``, ``2.5 pts``).
    row_headers : bool
        Make the first column's cells row headers (``<th scope="row">``) when it is not numeric.
    max_choices : int
        Columns of text with at most this many distinct values (repeated) get a choice list.

    Returns
    -------
    str
        A ``<div class="cxm-table">`` holding the controls (hidden until the script runs) and the table.
    """
    _check_id(table_id, "table_id")
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        raise CxmError(f"Table {caption!r} has repeated column headers: {columns}; give each column its own header.")
    cells = [[("" if v is None else str(v)) for v in frame[c].tolist()] for c in frame.columns]
    raw = _sort_values(sort_values, frame, columns)
    kinds = {c: _kind_of(cells[i]) for i, c in enumerate(columns)}
    for c, values in raw.items():
        if all(v is None or isinstance(v, float) for v in values) and any(isinstance(v, float) for v in values):
            kinds[c] = "number"
    if numeric_columns is not None:
        unknown = [c for c in numeric_columns if c not in columns]
        if unknown:
            raise CxmError(f"Table {caption!r}: numeric_columns {unknown} are not among its headers {columns}.")
        kinds = {c: "number" if c in numeric_columns else ("text" if k == "number" else k) for c, k in kinds.items()}
    n = len(frame)
    controls = filterable and n > 1
    classes = "cxm-table cxm-has-title" if controls else "cxm-table"
    out = [f'<div class="{classes}" id="{table_id}" data-cxm-table{" data-sortable" if sortable else ""}>']
    if controls:  # the caption, shown above the controls once they show (the <caption> stays for screen readers)
        out.append(f'<p class="cxm-title" aria-hidden="true">{_e(caption)}</p>')
    if controls:
        out.append('<div class="cxm-controls" hidden>')
        out.append(
            f'<div class="cxm-field cxm-find"><label for="{table_id}-filter">Find in the table</label>'
            f'<input type="search" id="{table_id}-filter" data-filter-text aria-controls="{table_id}-table" autocomplete="off">'
            "</div>"
        )
        for i, c in enumerate(columns):
            distinct = sorted(
                {v for v in cells[i] if v.strip() and v != MISSING}, key=lambda v: (sort_key(v) is None, str(sort_key(v)))
            )
            if kinds[c] != "text" or not 2 <= len(distinct) <= max_choices or len(distinct) * 2 > n:
                continue
            options = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in distinct)
            out.append(
                f'<div class="cxm-field"><label for="{table_id}-col{i}">{_e(c)}</label><select id="{table_id}-col{i}" '
                f'data-filter-col="{i}" aria-controls="{table_id}-table"><option value="">All</option>{options}</select></div>'
            )
        out.append('<p class="cxm-count" aria-live="polite"></p></div>')
    out.append(f'<div class="cxm-scroll" role="region" aria-labelledby="{table_id}-caption" tabindex="0">')
    out.append(f'<table id="{table_id}-table"><caption id="{table_id}-caption">{_e(caption)}</caption>')
    num = ' class="num"'
    heads = "".join(f'<th scope="col" data-type="{kinds[c]}"{num if kinds[c] == "number" else ""}>{_e(c)}</th>' for c in columns)
    out.append(f"<thead><tr>{heads}</tr></thead><tbody>")
    first_is_header = row_headers and bool(columns) and kinds[columns[0]] == "text"
    for r in range(n):
        row = []
        for i, c in enumerate(columns):
            text = cells[i][r]
            key = raw[c][r] if c in raw else sort_key(text) if kinds[c] != "text" else None
            attrs = ""
            if kinds[c] == "number":
                attrs = f' class="num" data-sort="{_number_text(key) if isinstance(key, float) else ""}"'
            elif kinds[c] == "date" or (c in raw and key is not None and str(key) != text):
                attrs = f' data-sort="{_e(key if key is not None else "")}"'
            tag = "th" if i == 0 and first_is_header else "td"
            scope = ' scope="row"' if tag == "th" else ""
            row.append(f"<{tag}{scope}{attrs}>{_e(text)}</{tag}>")
        out.append(f"<tr>{''.join(row)}</tr>")
    out.append("</tbody></table></div>")
    if note:
        out.append(f'<p class="cxm-note">{_e(note)}</p>')
    out.append("</div>")
    return "\n".join(out)


def _sort_values(
    values: pd.DataFrame | Mapping[str, Sequence[object]] | None, frame: pd.DataFrame, columns: list[str]
) -> dict[str, list[float | str | None]]:
    """The raw sort values by header: numbers as floats, missing as None, anything else as text."""
    if values is None:
        return {}
    if isinstance(values, pd.DataFrame):
        if len(values) != len(frame):
            raise CxmError(f"sort_values has {len(values)} rows but the table has {len(frame)}: give one value per row.")
        if len(values.columns) == len(columns) and [str(c) for c in values.columns] != columns:
            mapping = {h: values.iloc[:, i].tolist() for i, h in enumerate(columns)}
        else:
            mapping = {str(c): values[c].tolist() for c in values.columns if str(c) in columns}
    else:
        mapping = {str(k): list(v) for k, v in values.items()}
        unknown = [k for k in mapping if k not in columns]
        if unknown:
            raise CxmError(f"sort_values names {unknown}, which are not among the table's headers {columns}.")
    out: dict[str, list[float | str | None]] = {}
    for header, column in mapping.items():
        if len(column) != len(frame):
            raise CxmError(f"sort_values[{header!r}] has {len(column)} values but the table has {len(frame)} rows.")
        keys: list[float | str | None] = []
        for v in column:
            if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and not math.isfinite(v)):
                keys.append(None)
            elif isinstance(v, bool):
                keys.append(float(v))
            elif isinstance(v, (int, float)) or (hasattr(v, "__float__") and not isinstance(v, str)):
                try:
                    keys.append(float(v))
                except (TypeError, ValueError):
                    keys.append(str(v))
            elif isinstance(v, (date, pd.Timestamp)):
                keys.append(v.isoformat()[:10])
            else:
                keys.append(str(v))
        out[header] = keys
    return out


# -- charts -----------------------------------------------------------------------------------------


def _safe_json(data: object) -> str:
    """JSON that cannot close its ``<script>`` element or open a comment: ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _SAFE_JSON[m.group(0)], text)


def _is_time(name: str) -> bool:
    return name in ("month", "period", "week", "date", "quarter", "year") or field(name).kind in ("month", "date")


def filter_chart_html(
    cube: pd.DataFrame,
    *,
    chart_id: str,
    title: str,
    alt: str,
    measure: str | tuple[str, str],
    x: str,
    series: str | None = None,
    filters: Sequence[str] = (),
    kind: str = "bar",
    labels: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[object, str]] | None = None,
    currency: str = "GBP",
    note: str | None = None,
) -> str:
    """A chart of ``cube`` the reader can filter, drawn in the browser as inline SVG.

    Parameters
    ----------
    cube : DataFrame
        One row per combination of dimensions (e.g. month, channel, area, reason) with the measures summed in
        it; an artifact such as ``contact_cube`` as read. It is summed over the dimensions not used, so the page
        carries only what the chart needs.
    chart_id : str
        A unique id on the page.
    title : str
        The chart's caption: what it shows, as a client would say it.
    alt : str
        One or two sentences of what the chart shows and tells, for screen readers (``aria-label``) and under the
        title; the script adds the figures now shown.
    measure : str or (str, str)
        The column summed (``"contacts"``), or a numerator and denominator whose sums give a share
        (``("satisfied", "rated")``: the satisfied share of those who rated).
    x : str
        The dimension along the horizontal axis (``month`` in time order; others largest first).
    series : str, optional
        A dimension drawn as stacked bars or one line each (bars of shares are drawn side by side).
    filters : sequence of str
        The dimensions to filter on; those the cube lacks or where it has one value get no list.
    kind : {"bar", "line"}
        Bars, or lines with points.
    labels : mapping, optional
        Column → what a client calls it (default: the data dictionary's label).
    value_labels : mapping, optional
        Dimension → {value → text} (default: the data dictionary's formatting, e.g. ``2025-04`` → ``Apr 2025``).
    currency : str
        For a measure that is money.
    note : str, optional
        A sentence under the chart (how the cube was bounded, a source).

    Returns
    -------
    str
        A ``<figure class="cxm-chart">``.
    """
    _check_id(chart_id, "chart_id")
    if kind not in ("bar", "line"):
        raise CxmError(f"Chart {title!r}: kind must be 'bar' or 'line', not {kind!r}.")
    measures = [measure] if isinstance(measure, str) else list(measure)
    if len(measures) not in (1, 2):
        raise CxmError(f"Chart {title!r}: measure is a column, or a (numerator, denominator) pair; got {measure!r}.")
    missing = [c for c in [*measures, x] if c not in cube.columns]
    if missing:
        raise CxmError(f"Chart {title!r}: the data have no column(s) {missing}; they have {list(cube.columns)}.")
    if series is not None and series not in cube.columns:
        series = None
    labels = dict(labels or {})
    value_labels = dict(value_labels or {})

    def label(column: str) -> str:
        return labels.get(column) or field(column).label or humanise(column)

    data = cube.copy()
    for m in measures:
        data[m] = pd.to_numeric(data[m], errors="coerce")
        if data[m].isna().all():  # e.g. failure contacts where nothing says what failure is: a note, never zeros
            raise CxmError(f"Chart {title!r}: the data have no figures for {label(m).lower()}, so there is nothing to draw.")
        data[m] = data[m].fillna(0.0)
    if data[x].isna().all():
        raise CxmError(f"Chart {title!r}: the data have no {label(x).lower()} to draw along the axis.")
    shown_filters = [f for f in dict.fromkeys(filters) if f in data.columns and f not in (x,) and data[f].dropna().nunique() > 1]
    dims = list(dict.fromkeys([x, *([series] if series else []), *shown_filters]))
    data = data[dims + measures].copy()
    for d in dims:
        column = data[d].astype(object)
        # a contact without a month is on no month's bar; one without an area is "Not recorded" in the area list
        data[d] = column.where(column.notna(), None if _is_time(d) else "unknown")
    data = data[data[dims].notna().all(axis=1)]
    summed = data.groupby(dims, sort=False, dropna=True)[measures].sum().reset_index()

    dim_specs, codes = [], {}
    for d in dims:
        totals = summed.groupby(d, sort=False)[measures[0]].sum()
        values = list(totals.index)
        if _is_time(d):
            values.sort(key=lambda v: str(v))
        else:
            values.sort(key=lambda v: (-float(totals[v]), str(v)))
        f = field(d)
        if f.kind not in ("month", "date") and all(re.fullmatch(r"\d{4}-\d{2}", str(v)) for v in values):
            f = Field(f.label, "month")  # 2025-04: a month, whatever the dictionary says of the column
        names = value_labels.get(d) or {}
        texts = [
            str(names[v]) if v in names else NOT_RECORDED if str(v) == "unknown" else format_value(v, f, currency=currency)
            for v in values
        ]
        codes[d] = {v: i for i, v in enumerate(values)}
        all_text = "All " + (label(d).lower() + "s" if not label(d).lower().endswith("s") else label(d).lower())
        dim_specs.append({"name": d, "label": label(d), "values": [str(v) for v in values], "labels": texts, "all": all_text})
    rows = []
    for values in summed.to_dict("records"):
        row: list[float | int] = [codes[d][values[d]] for d in dims]
        row += [_compact(float(values[m])) for m in measures]
        rows.append(row)
    rows.sort()
    share = len(measures) == 2
    f_measure = field(measures[0])
    kind_of_value = "share" if share else f_measure.kind
    if kind_of_value not in ("share", "count", "money"):
        whole = bool(((summed[measures[0]] % 1) == 0).all())
        kind_of_value = "count" if whole and f_measure.kind in ("text", "number") and f_measure.decimals is None else "number"
    fmt = {
        "kind": kind_of_value,
        "symbol": CURRENCY_SYMBOLS.get(currency, f"{currency} "),
        "decimals": f_measure.decimals if not share else None,
    }
    measure_label = labels.get("measure") or (label(measures[0]) if not share else f"{label(measures[0])} share")
    spec = {
        "x": x,
        "series": series,
        "xTime": _is_time(x),
        "kind": kind,
        "dims": dim_specs,
        "measures": measures,
        "rows": rows,
        "format": fmt,
        "measureLabel": measure_label,
        "totalLabel": labels.get("total") or (measure_label.lower() if not share else label(measures[0]).lower()),
        "baseLabel": labels.get("base") or (label(measures[1]).lower() if share else ""),
    }
    out = [
        f'<figure class="cxm-chart" id="{chart_id}" data-cxm-chart data-alt="{_e(alt)}" aria-labelledby="{chart_id}-title">',
        f'<figcaption id="{chart_id}-title">{_e(title)}<span class="cxm-alt">{_e(alt)}</span></figcaption>',
    ]
    by_name = {s["name"]: s for s in dim_specs}
    if shown_filters:
        out.append('<div class="cxm-controls" hidden>')
        for k, d in enumerate(shown_filters):
            s = by_name[d]
            options = "".join(f'<option value="{i}">{_e(t)}</option>' for i, t in enumerate(s["labels"]))
            out.append(
                f'<div class="cxm-field"><label for="{chart_id}-f{k}">{_e(s["label"])}</label><select id="{chart_id}-f{k}" '
                f'data-dim="{_e(d)}" aria-controls="{chart_id}-canvas"><option value="">{_e(s["all"])}</option>{options}'
                "</select></div>"
            )
        out.append("</div>")
    out.append(f'<p class="cxm-status" aria-live="polite" id="{chart_id}-status"></p>')
    out.append(f'<div class="cxm-canvas" id="{chart_id}-canvas"></div>')
    out.append('<ul class="cxm-legend"></ul>' if series else "")
    out.append('<p class="cxm-nojs">The chart and its filters need JavaScript; the table below gives every figure.</p>')
    out.append(_figures_table(summed, by_name, x, series, measures, fmt, measure_label, title, currency, chart_id))
    if note:
        out.append(f'<p class="cxm-note">{_e(note)}</p>')
    out.append(f'<script type="application/json" id="{chart_id}-data">{_safe_json(spec)}</script>')
    out.append("</figure>")
    return "\n".join(part for part in out if part)


def _compact(value: float) -> float | int:
    return int(value) if value.is_integer() and abs(value) < 2**53 else round(value, 6)


def _figures_table(
    summed: pd.DataFrame,
    dims: Mapping[str, dict],
    x: str,
    series: str | None,
    measures: list[str],
    fmt: Mapping[str, object],
    measure_label: str,
    title: str,
    currency: str,
    chart_id: str,
) -> str:
    """The chart's figures before any filter, as a table (the script rewrites it when a filter changes)."""
    keys = [x, *([series] if series else [])]
    totals = summed.groupby(keys, sort=False)[measures].sum()
    xs = dims[x]
    ss = dims[series] if series else None
    columns = ss["values"] if ss else [None]

    lookup = {tuple(str(v) for v in (k if isinstance(k, tuple) else (k,))): row for k, row in totals.iterrows()}

    def value(xv: str, sv: str | None) -> str:
        row = lookup.get((xv, sv) if series else (xv,))
        if row is None:
            number = None if len(measures) == 2 else 0.0
        elif len(measures) == 2:
            number = row[measures[0]] / row[measures[1]] if row[measures[1]] > 0 else None
        else:
            number = float(row[measures[0]])
        return _format(number, fmt, currency)

    head = "".join(f'<th scope="col" class="num">{_e(t)}</th>' for t in (ss["labels"] if ss else [measure_label]))
    body = []
    for xv, xt in zip(xs["values"], xs["labels"], strict=True):
        cells = "".join(f'<td class="num">{_e(value(xv, sv))}</td>' for sv in columns)
        body.append(f'<tr><th scope="row">{_e(xt)}</th>{cells}</tr>')
    return (
        f'<details class="cxm-table-details" open><summary>The figures as a table</summary><div class="cxm-scroll">'
        f'<table class="cxm-figures" id="{chart_id}-figures"><caption>{_e(title)}</caption>'
        f'<thead><tr><th scope="col">{_e(xs["label"])}</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        "</div></details>"
    )


def _format(value: float | None, fmt: Mapping[str, object], currency: str) -> str:
    """A figure as the script's ``format`` writes it, so the table reads the same before and after a filter."""
    if value is None or not math.isfinite(value):
        return MISSING
    kind = str(fmt["kind"])
    decimals = fmt.get("decimals")
    if kind == "number":
        return format_value(value, Field("", "number", decimals=1 if decimals is None else int(decimals)))
    return format_value(value, Field("", kind, decimals=int(decimals) if decimals else None), currency=currency)


# -- the report's standard filterable charts ------------------------------------------------------------


def _note(text: str) -> str:
    return f'<p class="cxm-note">{_e(text)}</p>'


def _month_text(month: str) -> str:
    return format_value(month, Field("", "month"))


def _named(value: object) -> str:
    return format_value(value, field("channel"))  # the dictionary says "Not recorded" for an unknown channel


def contact_charts(run_dir: str | Path, *, currency: str = "GBP") -> list[str]:
    """The contact charts a client filters, from workbook 02's ``contact_cube``; a plain note for what cannot be drawn.

    Contacts each month by channel, contacts by channel, and failure contacts each month, each filterable by the
    channel, area, reason and month the cube has (a dimension the log lacks gets no list). Each chart's alt text
    says what it shows and what it tells (the busiest and quietest month, the largest channel, the failure share).
    """
    from cxmethods.io.artifacts import VOICE_OF_CUSTOMER, read_table

    cube = read_table(run_dir, VOICE_OF_CUSTOMER, "contact_cube", optional=True)
    if cube is None or cube.empty:
        return [_note("There is no contact log in this engagement, so there are no contact charts.")]
    total = float(cube["contacts"].sum())
    grouped = []
    if "All other areas" in set(cube["area"].dropna()):
        grouped.append("the areas with most contacts are named and the rest grouped as all other areas")
    if "All other reasons" in set(cube["reason"].dropna()):
        grouped.append("the reasons with most contacts are named and the rest grouped as all other reasons")
    bound = f"To keep the page light, {' and '.join(grouped)}." if grouped else None
    out = []
    months = cube.dropna(subset=["month"]).groupby("month")["contacts"].sum()
    if len(months) > 1:
        busiest, quietest = months.idxmax(), months.idxmin()
        alt = (
            f"Bars of contacts each month, stacked by channel. The busiest month was {_month_text(busiest)} with "
            f"{months[busiest]:,.0f} contacts, the quietest {_month_text(quietest)} with {months[quietest]:,.0f}."
        )
        out.append(
            filter_chart_html(
                cube,
                chart_id="contacts-by-month",
                title="Contacts each month, by channel",
                alt=alt,
                measure="contacts",
                x="month",
                series="channel",
                filters=["channel", "area", "reason"],
                currency=currency,
                note=bound,
            )
        )
    else:
        out.append(_note("The contact log covers a single month, so there is no monthly chart."))
    channels = cube.groupby("channel")["contacts"].sum().sort_values(ascending=False)
    top = channels.index[0]
    out.append(
        filter_chart_html(
            cube,
            chart_id="contacts-by-channel",
            title="Contacts by channel",
            alt=(
                f"Bars of contacts by channel, largest first. {_named(top)} carried {channels.iloc[0] / total:.0%} of "
                f"the {total:,.0f} contacts."
            ),
            measure="contacts",
            x="channel",
            filters=["month", "area", "reason"],
            currency=currency,
            note=bound,
        )
    )
    if cube["failure_contacts"].notna().any() and len(months) > 1:
        failure = float(cube["failure_contacts"].sum())
        out.append(
            filter_chart_html(
                cube,
                chart_id="failure-by-month",
                title="Failure demand each month, by channel",
                alt=(
                    f"Lines of failure contacts (chasing, repeats) each month, one per channel. Failure demand was "
                    f"{failure / total:.0%} of all contacts ({failure:,.0f})."
                ),
                measure="failure_contacts",
                x="month",
                series="channel",
                kind="line",
                filters=["area", "reason"],
                currency=currency,
                labels={"failure_contacts": "Failure contacts"},
                note=bound,
            )
        )
    elif cube["failure_contacts"].isna().all():
        out.append(
            _note(
                "Failure demand is not charted: the engagement names no failure reasons and the log has no customer "
                "reference to find repeat contacts."
            )
        )
    return out


def survey_charts(run_dir: str | Path) -> list[str]:
    """The survey charts a client filters, from workbook 03's ``survey_cube``: the satisfied share by segment and by
    preferred channel, filterable by segment, channel, area and month where the survey has them; plain notes
    otherwise."""
    from cxmethods.io.artifacts import SEGMENTATION, read_table

    cube = read_table(run_dir, SEGMENTATION, "survey_cube", optional=True)
    if cube is None or cube.empty:
        return [_note("There is no survey in this engagement, so there are no survey charts.")]
    if cube["rated"].isna().all() or not cube["rated"].sum():
        return [_note("The survey has no overall question (an outcome), so there is no satisfied share to chart.")]
    labels = {"satisfied": "Satisfied", "rated": "Respondents who answered"}
    overall = cube["satisfied"].sum() / cube["rated"].sum()
    out = []
    for x, title, chart_id in (
        ("segment", "Satisfied share by segment", "satisfied-by-segment"),
        ("channel", "Satisfied share by preferred channel", "satisfied-by-channel"),
    ):
        if cube[x].dropna().nunique() < 2:
            continue
        shares = cube.groupby(x)[["satisfied", "rated"]].sum()
        shares = (shares["satisfied"] / shares["rated"].where(shares["rated"] > 0)).dropna()
        high, low = shares.idxmax(), shares.idxmin()
        name = _named if x == "channel" else str
        alt = (
            f"Bars of the share of respondents satisfied (top two answers), by {'segment' if x == 'segment' else 'the channel they prefer'}: "
            f"from {shares[low]:.0%} ({name(low)}) to {shares[high]:.0%} ({name(high)}); {overall:.0%} overall."
        )
        out.append(
            filter_chart_html(
                cube,
                chart_id=chart_id,
                title=title,
                alt=alt,
                measure=("satisfied", "rated"),
                x=x,
                filters=[f for f in ("segment", "channel", "area", "month") if f != x],
                labels=labels,
            )
        )
    if not out:
        out.append(_note("The survey has no segments or preferred channels to compare satisfaction across."))
    return out
