"""The one presentation layer: how every table and number reaches a client (report, deck, Excel).

A run's artifacts keep code-style column names (``median_current``), raw fractions (``0.1344``), ids
(``I02``) and true/false flags, because the next workbook reads them. A client sees none of that: each column
has an entry in the **data dictionary** (``dictionary.yaml`` beside this module) giving its plain-English
``label``, its ``kind`` (how its values are shown, and its unit) and its ``meaning`` (one sentence, for the Excel
file's data dictionary sheet and the report's appendix). A table may override a column's entry where the same
name means something else there; ``tables`` also gives each table a ``title`` and what it ``tells``.

Kinds and how a value shows (``format_value``):

========== ===================================================== ======================
kind       shown as                                              unit (``unit_of``)
========== ===================================================== ======================
text       as written; ids inside it become names (``names``)    (none)
category   a code value in words: ``face_to_face`` → "Face to face" (none)
count      whole number with thousands separators: ``19,402``    count
number     one decimal place (``decimals`` to change): ``3.4``     as its meaning says
score      one decimal place, a maturity or survey score           level (1 to 5)
money      currency, whole units: ``£12,300`` (``decimals`` 2: ``£2.83``) the engagement's currency
share      a fraction as a percentage: 0.1344 → ``13%`` (``decimals`` for more) percent
points     a difference of two percentages, in points              percentage points
ratio      two decimal places: ``1.84``                            ratio
years      one decimal place and "years" unless whole               years
weeks      whole weeks                                             weeks
hours      one decimal place                                       hours
date       ``5 Dec 2026``                                          date
month      ``Dec 2026``                                            month
yes_no     ``Yes`` / ``No``                                        (none)
id         left out of client tables (shown in Excel's raw sheets) (none)
========== ===================================================== ======================

Missing values show as an en dash, never ``nan``, ``None`` or ``0``.

>>> format_value(0.1344, field("share")), format_value(19402.0, field("contacts"))
('13%', '19,402')
>>> format_value(True, Field("Met", "yes_no")), format_value(None, field("contacts"))
('Yes', '\u2013')
>>> format_value("face_to_face", field("channel"))
'Face to face'
>>> format_value(-4100.4, Field("Cost", "money"), currency="EUR"), format_value(2.834, Field("Cost", "money", decimals=2))
('-€4,100', '£2.83')
>>> frame = pd.DataFrame({"dimension_id": ["operations.systems"], "dimension": ["Systems"], "median_current": [2.0]})
>>> present(frame).to_dict("records")
[{'Dimension': 'Systems', 'Current level (median)': '2.0'}]
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import yaml

from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import BUSINESS_CASE, ROADMAP, SEGMENTATION, SELF_ASSESSMENT, read_table

__all__ = [
    "CURRENCY_SYMBOLS",
    "DICTIONARY",
    "KINDS",
    "MISSING",
    "Field",
    "dictionary",
    "field",
    "format_value",
    "humanise",
    "id_names",
    "present",
    "table_info",
    "unit_of",
]

DICTIONARY = Path(__file__).with_name("dictionary.yaml")
MISSING = "\u2013"  # an en dash
KINDS = (
    "text",
    "category",
    "count",
    "number",
    "score",
    "money",
    "share",
    "points",
    "ratio",
    "years",
    "weeks",
    "hours",
    "date",
    "month",
    "yes_no",
    "id",
)
_UNITS = {
    "count": "count",
    "score": "level (1 to 5)",
    "share": "percent",
    "points": "percentage points",
    "ratio": "ratio",
    "years": "years",
    "weeks": "weeks",
    "hours": "hours",
    "date": "date",
    "month": "month",
}
#: The sign shown before an amount in each currency that has one; others show their ISO code.
CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ACRONYMS = {"npv": "NPV", "bcr": "BCR", "irr": "IRR", "fcr": "FCR", "icc": "ICC", "mde": "MDE", "ami": "AMI", "vfm": "VfM"}


@dataclass(frozen=True)
class Field:
    """How one column reaches a client: its header, kind (see the module), meaning and decimals."""

    label: str
    kind: str = "text"
    meaning: str = ""
    decimals: int | None = None
    values: Mapping[str, str] | None = None  # code value -> words, for a category whose values are codes

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise CxmError(f"data dictionary: {self.label!r} has kind {self.kind!r}; use one of {', '.join(KINDS)}.")


@functools.cache
def dictionary() -> dict:
    """The data dictionary as read from ``dictionary.yaml``: ``{"columns": {...}, "tables": {...}}``."""
    data = yaml.safe_load(DICTIONARY.read_text(encoding="utf-8")) or {}
    return {"columns": data.get("columns") or {}, "tables": data.get("tables") or {}}


def _field(entry: Mapping, column: str) -> Field:
    values = entry.get("values")
    return Field(
        label=str(entry.get("label") or humanise(column)),
        kind=str(entry.get("kind", "text")),
        meaning=str(entry.get("meaning", "")),
        decimals=entry.get("decimals"),
        values=dict(values) if values else None,
    )


def field(column: str, table: str | None = None) -> Field:
    """The dictionary's entry for ``column``, as ``table`` (``"<step>/<name>"``) overrides it.

    A column the dictionary does not know shows its name in words (``humanise``) as plain text; the test of the
    dictionary makes sure every column a workbook writes is known.
    """
    data = dictionary()
    entry = dict(data["columns"].get(column) or {})
    if table is not None:
        entry.update(((data["tables"].get(table) or {}).get("columns") or {}).get(column) or {})
    return _field(entry, column)


def table_info(table: str) -> tuple[str, str]:
    """``(title, tells)`` of a table ``"<step>/<name>"``: its heading and one sentence of what it tells."""
    entry = dictionary()["tables"].get(table) or {}
    name = table.rsplit("/", 1)[-1]
    return str(entry.get("title") or humanise(name)), str(entry.get("tells") or "")


def humanise(name: str) -> str:
    """A code-style name in words: ``"median_current"`` → ``"Median current"``, ``"npv_high"`` → ``"NPV high"``."""
    words = [_ACRONYMS.get(w, w) for w in re.split(r"[_\s]+", name.strip()) if w]
    if not words:
        return name
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


def unit_of(f: Field, currency: str = "GBP") -> str:
    """The unit a column is in, for the data dictionary sheet (money: the currency's ISO code)."""
    return currency if f.kind == "money" else _UNITS.get(f.kind, "")


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in ("", "nan", "none", "<na>", "nat")


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _grouped(number: float, decimals: int) -> str:
    text = f"{abs(number):,.{decimals}f}"
    return f"-{text}" if number < 0 and text.strip("0.,") else text


def _when(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        stamp = pd.Timestamp(str(value))
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.date()


def _words(value: str) -> str:
    return humanise(value) if re.fullmatch(r"[a-z0-9]+(?:[_-][a-z0-9]+)*", value) else value


def format_value(value: object, f: Field, *, currency: str = "GBP", names: Mapping[str, str] | None = None) -> str:
    """One value as a client reads it (the rules are in the module's table)."""
    if _missing(value):
        return MISSING
    kind = f.kind
    if kind == "yes_no":
        text = str(value).strip().lower()
        return "Yes" if text in ("true", "1", "1.0", "yes") else "No" if text in ("false", "0", "0.0", "no") else str(value)
    if kind in ("date", "month"):
        when = _when(value)
        if when is None:
            return str(value)
        return f"{when.day} {_MONTHS[when.month - 1]} {when.year}" if kind == "date" else f"{_MONTHS[when.month - 1]} {when.year}"
    if kind in ("text", "category", "id"):
        text = str(value)
        if f.values and text in f.values:
            return f.values[text]
        if names:
            text = re.sub(r"[A-Za-z0-9_.:-]+", lambda m: names.get(m.group(0), m.group(0)), text)
        return _words(text) if kind == "category" else text
    number = _number(value)
    if number is None:
        return str(value)
    if kind == "count":
        return _grouped(round(number), 0)
    if kind == "money":
        symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
        text = _grouped(number, f.decimals or 0)
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    if kind == "share":
        return f"{_grouped(number * 100, f.decimals or 0)}%"
    if kind == "points":
        return f"{_grouped(number * 100, f.decimals or 0)} pts"
    if kind == "ratio":
        return _grouped(number, 2 if f.decimals is None else f.decimals)
    if kind == "weeks":
        return _grouped(number, f.decimals or 0)
    if kind == "years":
        return _grouped(number, 0 if number.is_integer() else (1 if f.decimals is None else f.decimals))
    decimals = 1 if f.decimals is None else f.decimals
    if kind == "number" and f.decimals is None and number.is_integer():
        decimals = 0
    return _grouped(number, decimals)


def present(
    frame: pd.DataFrame,
    table: str | None = None,
    *,
    currency: str = "GBP",
    names: Mapping[str, str] | None = None,
    columns: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``frame`` as a client sees it: plain headers, every value a formatted string, id columns left out.

    Parameters
    ----------
    frame : DataFrame
        An artifact table (or part of one), with its code-style column names.
    table : str, optional
        ``"<step>/<name>"``, for the table's own entries in the dictionary.
    currency : str
        ISO code for money columns.
    names : mapping, optional
        Id → name (e.g. ``{"I02": "Online forms"}``): ids inside text columns become names.
    columns : list of str, optional
        Which columns to show, in order (default: all but ``id`` kinds).
    labels : mapping, optional
        Column → header, overriding the dictionary's label for this one table.
    """
    fields = {c: field(str(c), table) for c in frame.columns}
    keep = columns if columns is not None else [c for c in frame.columns if fields[c].kind != "id"]
    shown = {}
    for c in keep:
        f = fields[c]
        if labels and c in labels:
            f = replace(f, label=labels[c])
        shown[f.label] = [format_value(v, f, currency=currency, names=names) for v in frame[c].tolist()]
    return pd.DataFrame(shown, index=range(len(frame)), columns=list(shown))


#: (step, table, id column, name column): where a run's ids get their names.
_NAMED = (
    (ROADMAP, "backlog", "id", "title"),
    (BUSINESS_CASE, "appraisal", "initiative", "name"),
    (SELF_ASSESSMENT, "scores", "dimension_id", "dimension"),
    (SEGMENTATION, "stakeholders", "group_id", "group"),
    (ROADMAP, "kpis", "standard_id", "standard"),
)


def id_names(run_dir: str | Path) -> dict[str, str]:
    """Every id a run's tables use, with the name a client knows it by (initiatives, dimensions, groups...).

    >>> id_names("/nonexistent/run")
    {}
    """
    names: dict[str, str] = {}
    for step, name, id_column, name_column in _NAMED:
        try:
            table = read_table(run_dir, step, name, optional=True)
        except CxmError:
            continue
        if table is None or id_column not in table or name_column not in table:
            continue
        for key, value in zip(table[id_column].astype(str), table[name_column], strict=True):
            if not _missing(value) and not _missing(key):
                names.setdefault(key, str(value))
    return names
