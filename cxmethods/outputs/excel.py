"""The run folder's tables as one Excel workbook, for people who never open a notebook.

:func:`write_excel` gathers every table under ``<run folder>/artifacts/<step>/`` into one ``.xlsx``
file: a **Contents** sheet linking to one formatted sheet per table. The same run folder always gives
the same bytes, so two hand-overs can be compared.

>>> import tempfile, openpyxl, pandas as pd
>>> from cxmethods import write_table
>>> with tempfile.TemporaryDirectory() as run:
...     _ = write_table(pd.DataFrame({"option": ["A"], "npv": [125000.0]}), run, "04_business_case", "options")
...     book = openpyxl.load_workbook(write_excel(run, name="Riverton"))
>>> book.sheetnames
['Contents', '04 options']
>>> book["04 options"]["B2"].value, book["04 options"]["B2"].number_format
(125000, '"£"#,##0;-"£"#,##0')
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
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
from cxmethods.io.artifacts import FORMULA_START, STEPS, restore_formulas
from cxmethods.outputs.headlines import CURRENCY_SYMBOLS, read_manifest, run_date, run_started

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

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", start_color="1F5F8B")  # the charts' "current" blue
_WRAP = Alignment(vertical="top", wrap_text=True)
_TOP = Alignment(vertical="top")


@dataclass(frozen=True)
class _Entry:  # one line of the Contents sheet
    step: str
    table: str
    sheet: str | None  # None: listed but not included
    rows: int
    note: str


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
    **Contents** lists each table: its sheet (a link), workbook step, table, rows and a note when not
    all of it is shown. One sheet per table follows, in step order then file name, named
    ``"<step number> <table>"``: cut to Excel's 31 characters (at a word break when one is near),
    made unique with ``" (2)"``. A parquet file with more than 100,000 rows is listed but not included.
    A sheet shows at most 1,048,575 rows, and a cell 32,766 characters and an ellipsis; both are noted.

    Table sheets have a bold, coloured header row kept in view, a filter over the data, widths fitted
    to the content (10-60 characters) and wrapped long text. Numbers stay numbers, gaps empty cells,
    booleans TRUE/FALSE, codes such as 007 text, infinities the text ``inf``; ISO dates
    (``2025-04-01``, ``2025-04-01 09:30``) become dates; text starting ``=``, ``+``, ``-`` or ``@`` is
    stored as text, never run as a formula. Number formats follow the column name, whose words are the parts between
    underscores; the first rule that applies wins:

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
    taken = {"contents", "history"}  # "History" is reserved by Excel; names compare without case
    entries = [_add_table(book, step, path, taken, currency) for step, path in files]
    earlier = _earlier_steps(manifest)
    entries = [
        _Entry(e.step, e.table, e.sheet, e.rows, "; ".join(filter(None, [earlier[e.step], e.note]))) if e.step in earlier else e
        for e in entries
    ]
    when = f"run on {run_date(read_manifest(run_dir))}" if started is not None else f"last written {stamp:%Y-%m-%d %H:%M} UTC"
    _write_contents(
        contents,
        entries,
        name,
        f"Tables from the run folder '{run_dir.resolve().name}', {when}. Click a sheet name to open the table.",
    )
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


def _add_table(book: Workbook, step: str, path: Path, taken: set[str], currency: str) -> _Entry:
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
    sheet = _sheet_name(step, path.stem, taken)
    cut = _write_sheet(book.create_sheet(sheet), frame.iloc[:_MAX_ROWS, :_MAX_COLUMNS], currency)
    if cut:
        notes.append(f"{cut:,} long text{'s' if cut > 1 else ''} cut to {_MAX_TEXT:,} characters")
    if frame.shape[1] == 0:
        notes.append("the file is empty")
    return _Entry(step, path.stem, sheet, len(frame), "; ".join(notes))


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


def _sheet_name(step: str, stem: str, taken: set[str]) -> str:
    """A unique sheet name: step number and table, at most 31 characters, none that Excel forbids."""
    prefix = re.match(r"\d+", step)
    base = _FORBIDDEN.sub("_", f"{prefix.group() if prefix else step} {stem}")
    if len(base) > 31:
        at = base[:32].rfind("_")  # end at a word break when one is near
        base = base[:at] if at >= 20 else base[:31]
    base = base.strip("' _") or "table"  # a name may not start or end with an apostrophe
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[: 31 - len(f' ({n})')].rstrip()} ({n})"
    taken.add(name.lower())
    return name


def _write_sheet(ws, frame: pd.DataFrame, currency: str) -> int:
    """Write a formatted table; return how many texts were cut."""
    columns = [_column(str(label), frame.iloc[:, i], currency) for i, label in enumerate(frame.columns)]
    wrap = any(c.wrap for c in columns)
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes, ws.print_title_rows, ws.page_setup.orientation = "A2", "1:1", "landscape"
    ws.append(_header(ws, [c.label for c in columns]))
    styles = [(c.number_format, (_WRAP if c.wrap else _TOP) if wrap else None) for c in columns]
    for values in zip(*(c.values for c in columns)):
        ws.append([_cell(ws, value, *style) for value, style in zip(values, styles)])
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"
    return sum(c.cut for c in columns)


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


def _column(label: str, series: pd.Series, currency: str) -> _Column:
    """A column's values, number format, width and wrapping."""
    kind, values = _values(series)
    label, fmt, content = _scalar(label) or "", None, 0
    if kind == "number":
        finite = pd.Series([v for v in values if isinstance(v, (int, float))], dtype=float)
        fmt = _number_format(label, finite, currency)
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
    width = min(60, max(10, len(label) + 4, content + 2))  # the header needs room for its filter button
    return _Column(label, values, fmt, width, wrap, cut)


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


def _write_contents(ws, entries: list[_Entry], title: str, subtitle: str) -> None:
    headers = ["Sheet", "Workbook", "Table", "Rows", "Note"]
    rows = [[e.sheet or "", _scalar(e.step), _scalar(e.table), e.rows, _scalar(e.note)] for e in entries]
    for i, label in enumerate(headers):
        longest = max([len(label)] + [len(f"{r[i]:,}" if isinstance(r[i], int) else r[i]) for r in rows])
        ws.column_dimensions[get_column_letter(i + 1)].width = min(80, max(10, longest + 4))
    ws.freeze_panes = "A5"
    first, second = WriteOnlyCell(ws, _scalar(title)), WriteOnlyCell(ws, _scalar(subtitle))
    first.font, first.data_type, second.font = Font(bold=True, size=16), "s", Font(italic=True, color="595959")
    ws.append([first])
    ws.append([second])
    ws.append([])
    ws.append(_header(ws, headers))
    for row in rows:
        sheet = WriteOnlyCell(ws, row[0] or None)
        if row[0]:
            sheet.hyperlink = Hyperlink(ref="", location=f"{quote_sheetname(row[0])}!A1", display=row[0])
            sheet.style, sheet.data_type = "Hyperlink", "s"
        ws.append([sheet] + [_cell(ws, v or None) for v in row[1:3]] + [_cell(ws, row[3], "#,##0"), _cell(ws, row[4] or None)])
    ws.auto_filter.ref = f"A4:E{4 + len(entries)}"


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
