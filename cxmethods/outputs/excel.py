"""The run folder's tables as one Excel workbook, for people who never open a notebook.

:func:`write_excel` gathers every table under ``<run folder>/artifacts/<step>/`` into one ``.xlsx``
file: a **Contents** sheet linking to one formatted sheet per table, a **Data dictionary** sheet and, when the run
has an appraisal, a **Business case** sheet of live formulas. The same run folder always gives the same bytes, so
two hand-overs can be compared.

>>> import tempfile, openpyxl, pandas as pd
>>> from cxmethods import write_table
>>> with tempfile.TemporaryDirectory() as run:
...     _ = write_table(pd.DataFrame({"option": ["A"], "npv": [125000.0]}), run, "04_business_case", "options")
...     book = openpyxl.load_workbook(write_excel(run, name="Riverton"))
>>> book.sheetnames[:2], len(book.sheetnames)
(['Contents', 'Data dictionary'], 3)
>>> sheet = book.worksheets[2]
>>> sheet.cell(sheet.max_row, 2).value, sheet.cell(sheet.max_row, 2).number_format
(125000, '"£"#,##0;-"£"#,##0')
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import textwrap
import zipfile
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter

from cxmethods.core.checks import check_text, parameter_error
from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import BUSINESS_CASE, FORMULA_START, START_HERE, STEPS, restore_formulas
from cxmethods.outputs import present as dictionary_layer
from cxmethods.outputs.excel_case import TITLE as CASE_TITLE
from cxmethods.outputs.excel_case import case_data, write_case_sheet
from cxmethods.outputs.headlines import CURRENCY_SYMBOLS, read_manifest, run_date, run_started
from cxmethods.outputs.present import Field, format_value, humanise, unit_of

__all__ = ["write_excel"]

_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
_MAX_COLUMNS = 16_384
_MAX_TEXT = 32_767  # characters in one cell
_MAX_PARQUET_ROWS = 100_000  # bigger parquet files (row level) stay out
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
_FORMULA_START = FORMULA_START  # the one rule, as the CSV artifacts neutralise formulas

_FRACTION_WORDS = {"share", "proportion", "prob", "probability", "confidence"}
_RATE_WORDS = {"rate", "irr"}
_MONEY_PARTS = (
    "cost",
    "npv",
    "pv_",
    "saving",
    "benefit",
    "budget",
    "spend",
    "price",
    "revenue",
    "funding",
    "present_value",
    "value_of_money",
)
_MONEY_NAMES = {"p10", "p50", "p90", "net", "cash_p10", "cash_p90"}
_CODE_WORDS = {"year", "id", "code"}

#: Tables that show some rows of a bigger set, and what the sheet says about it.
_PARTIAL = {
    (START_HERE, "problems"): (
        "Each problem lists up to five example row numbers of the input file; its message says how many rows it affects in all."
    ),
}
#: Excel number formats of the data dictionary's kinds (money is in the engagement's currency, see _kind_format).
_KIND_FORMATS = {
    "count": "#,##0",
    "score": "0.0",
    "share": "0.0%",
    "points": "+0.0%;-0.0%;0.0%",
    "ratio": "0.00",
    "years": "0.0",
    "weeks": "0",
    "year": "0",  # a calendar year: 2026, not 2,026
    "hours": "#,##0.0",
    "date": "d mmm yyyy",
    "month": "mmm yyyy",
}
_TITLE_FONT = Font(bold=True, size=14)
_NOTE_FONT = Font(italic=True, color="595959")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", start_color="1F5F8B")  # the charts' "current" blue
_WRAP = Alignment(vertical="top", wrap_text=True)
_TOP = Alignment(vertical="top")


@dataclass(frozen=True)
class _Entry:  # one line of the Contents sheet
    step: str
    table: str
    sheet: str | None  # None: listed but not included
    rows: int | None
    note: str
    title: str = ""
    tells: str = ""
    columns: tuple[tuple[str, str, str, str], ...] = ()  # (header, meaning, unit, name in the data files)


def write_excel(run_dir: str | Path, *, name: str, currency: str = "GBP", out: Path | None = None) -> Path:
    """Write every table in a run folder's ``artifacts/`` to one Excel workbook and return its path.

    Parameters
    ----------
    run_dir : str or Path
        The run folder, holding ``artifacts/<step>/<table>.csv`` (and ``.parquet``).
    name : str
        The organisation or engagement name: the title on the Contents sheet and the file name.
    currency : str
        ISO 4217 code of the engagement's money: GBP, EUR and USD show as £, € and $, others as the code.
    out : Path, optional
        Where to write the ``.xlsx`` file; by default ``<run_dir>/<name>.xlsx``.

    Returns
    -------
    Path

    Notes
    -----
    **Contents** lists each sheet: a link, its workbook, the table's title, what it tells (both from the data
    dictionary, :func:`cxmethods.outputs.present.table_info`), rows and a note when not all of it is shown. The
    **Data dictionary** sheet follows: one row per sheet and column with its header, meaning, unit (money in
    ``currency``) and its name in the run's tables. When the run has an appraisal, the **Business case** sheet comes
    next: the appraisal as live formulas (:mod:`cxmethods.outputs.excel_case`). Then one sheet per table, in step
    order then file name, named by the table's title: cut to Excel's 31 characters (at a word break when one is
    near), made unique with ``" (2)"``. A parquet file with more than 100,000 rows is listed but not included. A
    sheet shows at most 1,048,575 rows, and a cell 32,766 characters and an ellipsis; both are noted, on Contents
    and above the table; so is a table that lists only example rows of a bigger set (the start-here problems: up
    to five example row numbers each).

    Table sheets have the table's title (row 1) and what it tells (row 2, more rows when long) above a bold,
    coloured header row kept in view and repeated on every printed page, a filter over the data, widths fitted
    to the content (10-60 characters) and wrapped long text. Headers are the data dictionary's labels
    (:func:`cxmethods.outputs.present.field`); a column it does not know shows its name in words. Every sheet prints
    A4 landscape, one page wide, with its title in the page header and "Page n of m" in the footer.
    Numbers stay numbers, gaps empty cells, booleans TRUE/FALSE, codes such as 007 text, infinities the text
    ``inf``; ISO dates (``2025-04-01``, ``2025-04-01 09:30``) become dates; a category's code values become words
    (``face_to_face``: "Face to face"); text starting ``=``, ``+``, ``-`` or ``@`` is stored as text, never run as
    a formula. A column the data dictionary knows is formatted by its kind: count ``#,##0``, share ``0.0%``,
    money in ``currency`` (whole units from 1,000 or when all are whole, else two decimals, unless the dictionary
    gives decimals), score ``0.0``, ratio ``0.00``, years ``0.0``, weeks ``0``, hours ``#,##0.0``, number with
    one decimal unless whole, points as a signed percentage. Any other number column is formatted by its name,
    whose words are the parts between underscores; the first rule that applies wins:

    1. **Percentage**, one decimal: a word is share, proportion, prob, probability or confidence and
       all values lie in [-1, 1], or a word is rate or irr and all lie in [-10, 10] (beyond those,
       the column is on another scale, such as 0-100).
    2. **Money** in ``currency``, with thousands separators: the name contains cost, npv, pv_, saving,
       benefit, budget, spend, price, revenue, funding, present_value or value_of_money, or is p10,
       p50, p90, cash_p10, cash_p90 or net. No decimals once a value reaches 1,000 or when all are whole; else two.
    3. **Code**, bare digits (2026, not 2,026): a word is year, id or code, and all values are whole.
    4. **Count**, thousands separators: all values are whole.
    5. **Other numbers**: thousands separators, two decimals.

    The workbook's created and modified times are the run's date (:func:`cxmethods.outputs.headlines.run_started`, midnight
    UTC) or, in a folder without run.json, the newest table's time: the same tables give the same bytes.

    Raises
    ------
    CxmError
        When ``artifacts/`` is missing or holds no tables, or a table cannot be read.
    """
    run_dir = Path(run_dir)
    check_text(name, "name", "write_excel", pattern=r"[^/\\]+", expected="a non-empty name without '/' or '\\'")
    check_text(
        currency, "currency", "write_excel", pattern="[A-Z]{3}", expected="a three-letter ISO 4217 code such as GBP, EUR or USD"
    )
    target = Path(out) if out is not None else run_dir / f"{name}.xlsx"
    if target.suffix.lower() != ".xlsx":
        raise parameter_error("out", "write_excel", "a path ending in .xlsx", str(target))
    manifest = read_manifest(run_dir)
    files = _table_files(run_dir / "artifacts", _steps(run_dir, manifest))
    started = run_started(manifest)
    stamp = (
        datetime(started.year, started.month, started.day)
        if started is not None
        else datetime.fromtimestamp(int(max(p.stat().st_mtime for _, p in files)), tz=UTC).replace(tzinfo=None)
    )

    book = Workbook(write_only=True)
    contents = book.create_sheet("Contents")
    glossary = book.create_sheet("Data dictionary")
    taken = {"contents", "history", "data dictionary"}  # "History" is reserved by Excel; names compare without case
    entries = []
    case = case_data(run_dir)
    if case is not None:
        sheet = book.create_sheet(CASE_TITLE)
        taken.add(CASE_TITLE.lower())
        _print_setup(sheet, f"{name}: {CASE_TITLE.lower()}", None)  # before any row: write-only sheets write it first
        placed = write_case_sheet(sheet, case, currency)
        entries.append(
            _Entry(
                BUSINESS_CASE,
                "",
                CASE_TITLE,
                None,
                "",
                "The appraisal as live formulas",
                "Change an input (yellow) and NPV, BCR and value for money recalculate for every initiative and option.",
                tuple((header, meaning, unit, "") for header, meaning, unit in placed.columns),
            )
        )
    names = dictionary_layer.id_names(run_dir)
    entries += [_add_table(book, step, path, taken, currency, names) for step, path in files]
    earlier = _earlier_steps(manifest)
    entries = [replace(e, note="; ".join(filter(None, [earlier[e.step], e.note]))) if e.step in earlier else e for e in entries]
    when = f"run on {run_date(read_manifest(run_dir))}" if started is not None else f"last written {stamp:%Y-%m-%d %H:%M} UTC"
    _print_setup(contents, f"{name}: contents", None)
    _print_setup(glossary, f"{name}: data dictionary", None)
    _write_contents(
        contents,
        entries,
        name,
        f"Tables from the run folder '{run_dir.resolve().name}', {when}. Click a sheet name to open the table; "
        f"the Data dictionary sheet gives every column's meaning and unit. Money is in {currency}.",
    )
    _write_dictionary(glossary, entries, currency)
    props = book.properties
    props.title, props.creator, props.created, props.modified = name, "cxmethods", stamp, stamp
    _save(book, target, stamp)
    return target


def _steps(run_dir: Path, manifest: dict) -> set[str]:
    """The workbooks whose tables belong in the file: the method's steps, the workbooks run.json records and those
    with an executed notebook in the folder. Any other folder under ``artifacts/`` is not a workbook's: left out."""
    recorded = {str(w.get("workbook")) for w in manifest.get("workbooks", []) if isinstance(w, dict)}
    return {*STEPS, *recorded, *(p.stem for p in run_dir.glob("[0-9][0-9]_*.ipynb"))}


def _earlier_steps(manifest: dict) -> dict[str, str]:
    """Step -> the Contents note for a workbook whose tables an earlier run left (run.json: ``earlier run``)."""
    notes = {}
    for w in manifest.get("workbooks", []):
        if isinstance(w, dict) and w.get("status") == "earlier run":
            when = f"the run of {w['run_at']}" if w.get("run_at") else "an earlier run"
            failed = f" (which {w['earlier_status']})" if w.get("earlier_status") in ("failed", "interrupted") else ""
            notes[str(w.get("workbook"))] = f"from {when}{failed}, not this one"
    return notes


def _table_files(artifacts: Path, steps: set[str] | None = None) -> list[tuple[str, Path]]:
    """``(step, path)`` of every table of ``steps`` (default: any folder), in step order then file name."""
    files = []
    if artifacts.is_dir():
        for step in sorted(p for p in artifacts.iterdir() if p.is_dir() and (steps is None or p.name in steps)):
            files += [(step.name, p) for p in sorted(step.iterdir()) if p.is_file() and p.suffix.lower() in (".csv", ".parquet")]
    if not files:
        raise CxmError(
            f"{artifacts} is missing or holds no tables (.csv or .parquet): run the workbooks first "
            "(cxm run), then write the Excel file."
        )
    return files


def _add_table(book: Workbook, step: str, path: Path, taken: set[str], currency: str, names: Mapping[str, str]) -> _Entry:
    """Write one table to its own sheet (or leave it out) and say what Contents should show."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        with _reading(step, path):
            rows = pq.ParquetFile(path).metadata.num_rows
        if rows > _MAX_PARQUET_ROWS:
            return _Entry(
                step,
                path.stem,
                None,
                rows,
                f"not included: {rows:,} rows, more than {_MAX_PARQUET_ROWS:,}; open artifacts/{step}/{path.name} instead",
            )
    frame = _read(step, path)
    notes = [
        f"first {limit:,} {what} of {size:,}"
        for what, size, limit in (("rows", frame.shape[0], _MAX_ROWS), ("columns", frame.shape[1], _MAX_COLUMNS))
        if size > limit
    ]
    key = f"{step}/{path.stem}"
    title, tells = dictionary_layer.table_info(key)
    sheet = _sheet_name(title, taken)
    ws = book.create_sheet(sheet)
    shown = frame.iloc[:_MAX_ROWS, :_MAX_COLUMNS]
    partial = _PARTIAL.get((step, path.stem), "")
    columns = [_column(str(label), shown.iloc[:, i], currency, key, shown, names) for i, label in enumerate(shown.columns)]
    lines = [tells, partial, *(f"This sheet shows the {n}." for n in notes)]
    _print_setup(ws, title, None)
    cut = _write_sheet(ws, columns, len(shown), title, " ".join(x for x in lines if x))
    if cut:
        notes.append(f"{cut:,} long text{'s' if cut > 1 else ''} cut to {_MAX_TEXT:,} characters")
    if frame.shape[1] == 0:
        notes.append("the file is empty")
    if partial:
        notes.append("example rows only: " + partial[:1].lower() + partial[1:].rstrip("."))
    glossary = tuple((c.label, c.meaning, c.unit, c.name) for c in columns)
    return _Entry(step, path.stem, sheet, len(frame), "; ".join(notes), title, tells, glossary)


@contextmanager
def _reading(step: str, path: Path):
    try:
        yield
    except Exception as error:  # any reader failure means a damaged file; say which one
        raise CxmError(
            f"{path} could not be read as a table ({type(error).__name__}: {error}). Fix: run workbook "
            f"{step} again (cxm run --only {step[:2]}), or remove the file."
        ) from error


def _read(step: str, path: Path) -> pd.DataFrame:
    with _reading(step, path):
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        try:
            # As text first: only an empty field is missing ("NA" in a comment is text) and 007 keeps its zeros
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
            frame = restore_formulas(frame)  # the real text: its cells are stored as text below, never run
        except pd.errors.EmptyDataError:
            return pd.DataFrame()
        return frame.apply(_typed) if frame.shape[1] else frame


def _typed(column: pd.Series) -> pd.Series:
    """A CSV column read as text, given its numbers and booleans back; codes such as 007 stay text."""
    present = column.dropna()
    if not len(present):
        return column.astype(float)
    if present.str.lower().isin(["true", "false"]).all():
        return column.str.lower().map({"true": True, "false": False})
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.notna().sum() < len(present) or present.str.match(r"[+-]?0\d").any():
        return column
    return numbers


def _sheet_name(title: str, taken: set[str]) -> str:
    """A unique sheet name from the table's title: at most 31 characters, none that Excel forbids."""
    base = _FORBIDDEN.sub("-", title).strip()
    if len(base) > 31:
        at = max(base[:32].rfind(" "), base[:32].rfind("_"))  # end at a word break when one is near
        base = base[:at] if at >= 20 else base[:31]
    base = base.strip("' _") or "table"  # a name may not start or end with an apostrophe
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[: 31 - len(f' ({n})')].rstrip()} ({n})"
    taken.add(name.lower())
    return name


def _write_sheet(ws, columns: list[_Column], rows: int, title: str, note: str) -> int:
    """Write a formatted table under its title (row 1) and what it tells (row 2), the header in row 3; return how
    many texts were cut."""
    wrap = any(c.wrap for c in columns)
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    heading = WriteOnlyCell(ws, _scalar(title))
    heading.font, heading.data_type = _TITLE_FONT, "s"
    lines = _note_lines(ws, note, sum(c.width for c in columns)) or [[]]
    top = 2 + len(lines)  # the header row
    ws.freeze_panes, ws.print_title_rows = f"A{top + 1}", f"{top}:{top}"  # before the first row: written with it
    ws.append([heading])
    for line in lines:
        ws.append(line)
    if any(len(c.label) > c.width - 3 for c in columns):
        ws.row_dimensions[top].height = 30  # room for a wrapped header: LibreOffice does not grow a row on load
    ws.append(_header(ws, [c.label for c in columns]))
    styles = [(c.number_format, (_WRAP if c.wrap else _TOP) if wrap else None) for c in columns]
    by_row = [(i, c.row_formats) for i, c in enumerate(columns) if c.row_formats]
    wrapped = [(i, c.width) for i, c in enumerate(columns) if c.wrap]
    for r, values in enumerate(zip(*(c.values for c in columns)), start=top + 1):
        _fit_row(ws, r, [(values[i], width) for i, width in wrapped])
        row_styles = styles
        if by_row:  # a column whose unit differs row by row (a KPI's target: a share on one row, days on the next)
            row_styles = list(styles)
            for i, formats in by_row:
                row_styles[i] = (formats[r - top - 1], styles[i][1])
        ws.append([_cell(ws, value, *style) for value, style in zip(values, row_styles)])
    if columns:
        ws.auto_filter.ref = f"A{top}:{get_column_letter(len(columns))}{rows + top}"
    return sum(c.cut for c in columns)


def _fit_row(ws, row: int, texts: list[tuple[object, float]]) -> None:
    """Give ``row`` the height its wrapped ``(text, column width)`` cells need: LibreOffice does not grow a row on
    load, and a taller text would run over the rows below."""
    lines = 1
    for text, width in texts:
        if isinstance(text, str) and text:
            per_line = max(1, int(width) - 2)
            lines = max(lines, sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n")))
    if lines > 1:
        ws.row_dimensions[row].height = min(409, 15 * lines)  # 409 points: Excel's tallest row


def _note_lines(ws, text: str, width: float) -> list[list]:
    """``text`` as rows of one italic cell each, at most about ``width`` characters (the table's width, 60 at
    least): a long line would spill past the table and shrink every printed page to fit it."""
    out = []
    for line in textwrap.wrap(text or "", width=max(60, int(width))):
        cell = WriteOnlyCell(ws, _scalar(line))
        cell.font, cell.data_type = _NOTE_FONT, "s"
        out.append([cell])
    return out


def _print_setup(ws, title: str, repeat: str | None) -> None:
    """A4 landscape, one page wide (as many pages tall as it takes), ``repeat`` rows on every page, the title in the
    header and the page number in the footer."""
    ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", "9"  # 9: A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if repeat:
        ws.print_title_rows = repeat
    ws.oddHeader.center.text = ILLEGAL_CHARACTERS_RE.sub("", title).replace("&", "&&")[:200]
    ws.oddFooter.center.text = "Page &P of &N"
    ws.print_options.gridLines = False


def _header(ws, labels: list[str]) -> list:
    cells = [WriteOnlyCell(ws, label) for label in labels]
    for cell in cells:
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
        cell.data_type = "s"  # a header "=x" is a name, not a formula
    return cells


@dataclass
class _Column:
    label: str
    values: list
    number_format: str | None
    width: float
    wrap: bool
    cut: int
    name: str = ""  # the column's name in the data files
    meaning: str = ""
    unit: str = ""
    row_formats: list | None = None  # one number format per row, for a column whose unit the rows give


def _known(name: str, table: str) -> bool:
    """Whether the data dictionary has an entry for the column (the table's own or the general one)."""
    data = dictionary_layer.dictionary()
    own = data["tables"].get(table) or {}
    return name in data["columns"] or name in (own.get("columns") or {}) or bool(own.get("other_columns"))


def _column(
    name: str,
    series: pd.Series,
    currency: str,
    table: str = "",
    frame: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
) -> _Column:
    """A column's header (the data dictionary's label), values, number format, width, wrapping, meaning and unit.

    A column the dictionary describes is formatted by its kind; one it does not know by its name (see
    :func:`write_excel`). Sentences and code values read as the report shows them (ids inside a sentence become
    names, ``web_form`` becomes "web form"); id columns keep their codes, for joining tables."""
    known = _known(name, table)
    f = dictionary_layer.field(name, table or None)
    kind, values = _values(series)
    row_formats = None
    if f.kind in ("category", "text") and kind == "text":  # in words, as the report shows them
        values = [format_value(v, f, names=names) if isinstance(v, str) else v for v in values]
    label = _scalar(f.label if known else humanise(name)) or ""
    fmt, content = None, 0
    if kind == "number":
        finite = pd.Series([v for v in values if isinstance(v, (int, float))], dtype=float)
        fmt = (_kind_format(f, finite, currency) if known else None) or _number_format(name, finite, currency)
        unit_column = getattr(f, "unit_column", None)  # the dictionary's unit given row by row
        if known and getattr(f, "units", None) and frame is not None and unit_column in frame:
            row_formats = [
                _kind_format(f.for_unit(u), pd.Series([v] if isinstance(v, (int, float)) else [], dtype=float), currency) or fmt
                for u, v in zip(frame[unit_column].tolist(), values)
            ]
        content = _number_width(finite, fmt) if len(finite) else 0
    elif kind in ("date", "datetime"):
        fmt = "yyyy-mm-dd" if kind == "date" else "yyyy-mm-dd hh:mm"
        content = len(fmt)
    elif kind == "bool":
        content = 5
    texts = [v for v in values if isinstance(v, str)]
    content = max([content] + [len(line) for v in texts for line in v.split("\n")])
    wrap = any(len(v) > 60 or "\n" in v for v in texts)
    cut = sum(1 for v in series if isinstance(v, str) and len(v) > _MAX_TEXT)
    width = min(60, max(10, min(len(label), 30) + 4, content + 2))  # the header needs room for its filter button
    unit = unit_of(f, currency) if known else _format_unit(fmt, currency)
    return _Column(label, values, fmt, width, wrap, cut, name, f.meaning if known else "", unit, row_formats)


def _kind_format(f: Field, numbers: pd.Series, currency: str) -> str | None:
    """The number format of a data dictionary kind (None: a kind that does not say, such as text)."""
    whole = bool((numbers % 1 == 0).all()) if len(numbers) else True
    if f.kind == "money":
        symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
        largest = float(numbers.abs().max()) if len(numbers) else 0.0
        decimals = f.decimals if f.decimals is not None else (0 if largest >= 1000 or whole else 2)
        digits = "#,##0" + (f".{'0' * decimals}" if decimals else "")
        return f'"{symbol}"{digits};-"{symbol}"{digits}'
    if f.kind == "share" and f.decimals is not None:
        return "0%" if f.decimals == 0 else f"0.{'0' * f.decimals}%"
    if f.kind == "number":
        decimals = f.decimals if f.decimals is not None else (0 if whole else 1)
        return "#,##0" + (f".{'0' * decimals}" if decimals else "")
    if f.kind in ("score", "ratio", "years", "hours") and f.decimals is not None:
        return ("#,##0" if f.kind == "hours" else "0") + (f".{'0' * f.decimals}" if f.decimals else "")
    return _KIND_FORMATS.get(f.kind)


def _format_unit(fmt: str | None, currency: str) -> str:
    """The unit a number format shows, for a column the data dictionary does not describe."""
    if fmt is None:
        return ""
    if fmt.endswith("%"):
        return "percent"
    return currency if fmt.startswith('"') else ""


def _values(series: pd.Series) -> tuple[str, list]:
    """The column's kind (number, bool, date, datetime, text) and its values as Excel stores them."""
    present = series.dropna()
    if pd.api.types.is_bool_dtype(series) or (len(present) and all(isinstance(v, bool) for v in present)):
        return "bool", [None if pd.isna(v) else bool(v) for v in series]
    if pd.api.types.is_numeric_dtype(series):
        return "number", [_scalar(v) for v in series.astype(object)]
    if pd.api.types.is_datetime64_any_dtype(series):
        return _dates(series)
    if len(present) and all(
        isinstance(v, date) or (isinstance(v, str) and (_DATE.fullmatch(v) or _DATETIME.fullmatch(v))) for v in present
    ):
        parsed = pd.to_datetime(series, format="ISO8601", errors="coerce")
        # Excel cannot show dates before 1900; such a column (or an impossible date) stays text
        if parsed.notna().sum() == len(present) and parsed.min().year >= 1900:
            return _dates(parsed)
    numbers = len(present) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)
    return "number" if numbers else "text", [_scalar(v) for v in series.astype(object)]


def _dates(series: pd.Series) -> tuple[str, list]:
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_localize(None)  # Excel has no time zones: keep the local clock time
    present = series.dropna()
    if (present == present.dt.normalize()).all():
        return "date", [None if pd.isna(v) else v.date() for v in series]
    return "datetime", [None if pd.isna(v) else v.to_pydatetime() for v in series]


def _scalar(value):
    """One value as Excel can store it: numbers and booleans kept, anything else as safe text."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    kind = (
        "b"
        if isinstance(value, bool)
        else "i"
        if isinstance(value, int)
        else "f"
        if isinstance(value, float)
        else getattr(getattr(value, "dtype", None), "kind", "")
    )  # numpy scalars from object columns
    if kind in ("b", "i", "u"):
        return bool(value) if kind == "b" else int(value)
    if kind == "f":
        value = float(value)
        return value if math.isfinite(value) else None if math.isnan(value) else f"{value}"  # Excel has no inf
    text = ILLEGAL_CHARACTERS_RE.sub("", value if isinstance(value, str) else str(value))
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _number_format(label: str, numbers: pd.Series, currency: str) -> str:
    """The number format for a column (the rules are in write_excel's docstring)."""
    name = label.lower()
    words = set(name.split("_"))
    largest = float(numbers.abs().max()) if len(numbers) else 0.0
    whole = bool((numbers % 1 == 0).all())
    if (words & _FRACTION_WORDS and largest <= 1) or (words & _RATE_WORDS and largest <= 10):
        return "0.0%"
    if name in _MONEY_NAMES or any(part in name for part in _MONEY_PARTS):
        symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
        digits = "#,##0" if largest >= 1000 or whole else "#,##0.00"
        return f'"{symbol}"{digits};-"{symbol}"{digits}'
    if words & _CODE_WORDS and whole:
        return "0"
    return "#,##0" if whole else "#,##0.00"


def _number_width(numbers: pd.Series, fmt: str) -> int:
    """Width of the widest number in ``fmt``."""
    largest, sign = float(numbers.abs().max()), int(bool((numbers < 0).any()))
    if fmt in ("0.0%", "0"):
        return len(f"{largest * 100:.1f}%" if fmt == "0.0%" else f"{largest:.0f}") + sign
    symbol = len(fmt.split('"')[1]) if fmt.startswith('"') else 0
    return len(f"{largest:,.{2 if '0.00' in fmt else 0}f}") + sign + symbol


def _cell(ws, value, fmt: str | None = None, alignment: Alignment | None = None):
    """The value as it is when it needs no style, else a styled cell."""
    formula_like = isinstance(value, str) and value.startswith(_FORMULA_START)
    fmt = None if isinstance(value, (str, bool)) else fmt
    if value is None or not (fmt or alignment or formula_like):
        return value
    cell = WriteOnlyCell(ws, value)
    if formula_like:
        cell.data_type, cell.quotePrefix = "s", True  # stored as text, and kept as text if someone edits it
    if fmt:
        cell.number_format = fmt
    if alignment:
        cell.alignment = alignment
    return cell


def _step_words(step: str) -> str:
    """``"04_business_case"`` -> ``"04 Business case"``."""
    number, _, rest = step.partition("_")
    return f"{number} {humanise(rest)}" if number.isdigit() and rest else humanise(step)


def _write_contents(ws, entries: list[_Entry], title: str, subtitle: str) -> None:
    headers = ["Sheet", "Workbook", "Table", "What it tells", "Rows", "Note"]
    rows = [
        [e.sheet or "", _step_words(e.step), _scalar(e.title or humanise(e.table)), _scalar(e.tells), e.rows, _scalar(e.note)]
        for e in entries
    ]
    limits = (34, 24, 40, 70, 10, 60)
    for i, label in enumerate(headers):
        longest = max([len(label)] + [len(f"{r[i]:,}" if isinstance(r[i], int) else (r[i] or "")) for r in rows])
        ws.column_dimensions[get_column_letter(i + 1)].width = min(limits[i], max(10, longest + 4))
    first = WriteOnlyCell(ws, _scalar(title))
    first.font, first.data_type = Font(bold=True, size=16), "s"
    lines = _note_lines(ws, subtitle, sum(limits) * 0.8)
    top = 3 + len(lines)
    ws.freeze_panes, ws.print_title_rows = f"A{top + 1}", f"{top}:{top}"
    ws.append([first])
    for line in lines:
        ws.append(line)
    ws.append([])
    ws.append(_header(ws, headers))
    widths = [ws.column_dimensions[get_column_letter(i + 1)].width for i in range(len(headers))]
    for r, row in enumerate(rows, start=top + 1):
        _fit_row(ws, r, [(row[i], widths[i]) for i in (1, 2, 3, 5)])
        sheet = WriteOnlyCell(ws, row[0] or None)
        if row[0]:
            sheet.hyperlink = Hyperlink(ref="", location=f"{quote_sheetname(row[0])}!A1", display=row[0])
            sheet.style, sheet.data_type = "Hyperlink", "s"
        sheet.alignment = _TOP
        ws.append(
            [sheet]
            + [_cell(ws, v or None, None, _WRAP) for v in row[1:4]]
            + [_cell(ws, row[4], "#,##0", _TOP), _cell(ws, row[5] or None, None, _WRAP)]
        )
    ws.auto_filter.ref = f"A{top}:F{top + len(entries)}"


def _write_dictionary(ws, entries: list[_Entry], currency: str) -> None:
    """One row per sheet and column: its header, meaning, unit and name in the run's data files."""
    headers = ["Sheet", "Column", "Meaning", "Unit", "Name in the data files"]
    for i, width in enumerate((34, 34, 80, 16, 30), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    heading = WriteOnlyCell(ws, "Data dictionary")
    heading.font = _TITLE_FONT
    lines = _note_lines(
        ws,
        f"Every column of every sheet: what it means and its unit. Money is in {currency}, in the price base the "
        "business case states (real terms). Shares are percentages of the row's total unless the meaning says "
        "otherwise. The last column is the column's name in the run folder's tables, for analysts who work with them.",
        150,
    )
    top = 2 + len(lines)
    ws.freeze_panes, ws.print_title_rows = f"A{top + 1}", f"{top}:{top}"
    ws.append([heading])
    for line in lines:
        ws.append(line)
    ws.append(_header(ws, headers))
    count = 0
    for e in entries:
        for header, meaning, unit, name in e.columns:
            _fit_row(ws, top + count + 1, [(meaning, 80)])
            ws.append(
                [
                    _cell(ws, _scalar(v) or None, None, _WRAP if i == 2 else _TOP)
                    for i, v in enumerate((e.sheet, header, meaning, unit, name))
                ]
            )
            count += 1
    ws.auto_filter.ref = f"A{top}:E{top + count}"


def _save(book: Workbook, target: Path, stamp: datetime) -> None:
    """Save with every zip entry dated ``stamp``, so the same tables give the same bytes."""
    buffer = io.BytesIO()
    # ExcelWriter directly: openpyxl's save() would stamp the current time as "modified"
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    when = max(stamp, datetime(1980, 1, 1)).timetuple()[:6]  # the zip format starts in 1980
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as copy:
            for item in source.infolist():
                entry = zipfile.ZipInfo(item.filename, date_time=when)
                entry.compress_type, entry.create_system = zipfile.ZIP_DEFLATED, 0
                with source.open(item) as src, copy.open(entry, "w") as dst:
                    shutil.copyfileobj(src, dst)
        os.replace(partial, target)
    except OSError as error:
        raise CxmError(
            f"{target} could not be written ({error.strerror}). Fix: close it in Excel, or choose another 'out' path."
        ) from error
    finally:
        partial.unlink(missing_ok=True)
