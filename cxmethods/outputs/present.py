"""The one presentation layer: how every table and number reaches a client (report, deck, Excel).

A run's artifacts keep code-style column names (``median_current``), raw fractions (``0.1344``), ids
(``I02``) and true/false flags, because the next workbook reads them. A client sees none of that: each column
has an entry in the **data dictionary** (``dictionary.yaml`` beside this module) giving its plain-English
``label``, its ``kind`` (how its values are shown, and its unit) and its ``meaning`` (one sentence, for the Excel
file's data dictionary sheet and the report's appendix). A table may override a column's entry where the same
name means something else there; ``tables`` also gives each table a ``title`` and what it ``tells``, and, for a
table whose columns depend on the data (one per channel), the entry of the columns it does not list
(``other_columns``: the label is then the column's name in words, and ``{name}`` in its meaning that name).

Kinds and how a value shows (``format_value``). The header carries the unit words ("Cost a year",
"Handling time (minutes)"); a cell carries only the universal signs (a currency sign, ``%``):

========== ====================================================== =====================
kind       shown as                                               unit (``unit_of``)
========== ====================================================== =====================
text       as written; ids inside it become names (``names``)     (none)
category   a code value in words: ``face_to_face`` → "Face to face" (none)
count      whole number with thousands separators: ``19,402``     count
number     as precise as its size needs: ``1,234``, ``12.3``, ``1.23``, ``0.035`` as its meaning says
score      one decimal place, a maturity or survey score            level (1 to 5)
money      currency, whole units: ``£12,300`` (``decimals`` 2: ``£2.83``) the engagement's currency
share      a fraction as a percentage: ``13%``; ``4.2%`` below 10%   percent
points     a difference of two percentages: ``-2.4 pts``           percentage points
ratio      two decimal places: ``1.84``                            ratio
years      a length of time: one decimal place, ``3`` when whole   years
year       a calendar year: ``2026`` (no thousands separator)      calendar year
weeks      whole weeks                                             weeks
hours      one decimal place                                       hours
date       ``5 Dec 2026``                                          date
month      ``Dec 2026``                                            month
yes_no     ``Yes`` / ``No``                                        (none)
id         left out of client tables (shown in Excel's raw sheets) (none)
========== ====================================================== =====================

Percentages (``share``, ``points``): whole numbers from 10 up, one decimal place below 10 (a 0.4% share is not
"0%", and 4.2% against 4.6% is a difference a reader should see), "under 0.1%" for a share that is not zero
but rounds to it; ``decimals`` fixes the places instead. A ``number`` without ``decimals`` takes its places from
its size (none from 100, one from 10, two from 1, three below), trailing zeros dropped, so that one column can
hold figures of different sizes (an assumption's value) without raw decimals.

A column whose unit differs row by row (a KPI's target is a share on one row and days on the next) names the
column holding each row's unit (``unit_column``) and, in ``units``, the entry to use for each unit (the keys are
regular expressions, the first that matches wins); :func:`present` applies it row by row.

Missing values show as an en dash, never ``nan``, ``None`` or ``0``.

>>> format_value(0.1344, field("share")), format_value(19402.0, field("contacts")), format_value(0.042, field("share"))
('13%', '19,402', '4.2%')
>>> format_value(True, Field("Met", "yes_no")), format_value(None, field("contacts"))
('Yes', '\u2013')
>>> format_value("face_to_face", field("channel"))
'Face to face'
>>> format_value(-4100.4, Field("Cost", "money"), currency="EUR"), format_value(2.834, Field("Cost", "money", decimals=2))
('-€4,100', '£2.83')
>>> frame = pd.DataFrame({"dimension_id": ["operations.systems"], "dimension": ["Systems"], "median_current": [2.0]})
>>> present(frame).to_dict("records")
[{'Dimension': 'Systems', 'Current level (median)': '2.0'}]
>>> kpis = pd.DataFrame({"unit": ["share", "days"], "target": [0.8, 2.5]})
>>> present(kpis, "05_roadmap/kpis")["Target"].tolist()
['80%', '2.5']
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import numpy as np
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
    "as_number",
    "dictionary",
    "field",
    "format_value",
    "glossary",
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
    "year",
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
    "year": "calendar year",
    "weeks": "weeks",
    "hours": "hours",
    "date": "date",
    "month": "month",
}
#: The sign shown before an amount in each currency that has one; others show their ISO code.
CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ACRONYMS = {
    "npv": "NPV",
    "bcr": "BCR",
    "irr": "IRR",
    "fcr": "FCR",
    "icc": "ICC",
    "mde": "MDE",
    "ami": "AMI",
    "vfm": "VfM",
    "crm": "CRM",
    "kpi": "KPI",
    "kpis": "KPIs",
    "dft": "DfT",
    "iban": "IBAN",
    "ip": "IP",
    "nhs": "NHS",
    "ni": "NI",
    "ssn": "SSN",
    "sms": "SMS",
}


@dataclass(frozen=True)
class Field:
    """How one column reaches a client: its header, kind (see the module), meaning and decimals.

    ``unit_column`` and ``units`` are for a column whose unit differs row by row: the column that names each row's
    unit, and ``(pattern, entry)`` pairs giving the entry's changes for the units the pattern matches.
    """

    label: str
    kind: str = "text"
    meaning: str = ""
    decimals: int | None = None
    values: Mapping[str, str] | None = None  # code value -> words, for a category whose values are codes
    unit_column: str | None = None
    units: tuple[tuple[str, Mapping], ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise CxmError(f"data dictionary: {self.label!r} has kind {self.kind!r}; use one of {', '.join(KINDS)}.")
        for _, entry in self.units or ():
            kind = entry.get("kind", self.kind)
            if kind not in KINDS:
                raise CxmError(f"data dictionary: {self.label!r} has a unit of kind {kind!r}; use one of {', '.join(KINDS)}.")

    def for_unit(self, unit: object) -> Field:
        """This field as it shows a value in ``unit`` (the row's ``unit_column``): itself when no pattern matches."""
        if not self.units or _missing(unit):
            return self
        for pattern, entry in self.units:
            if re.search(pattern, str(unit)):
                changes = {k: entry[k] for k in ("kind", "decimals") if k in entry}
                return replace(self, **changes)
        return self


@functools.cache
def dictionary() -> dict:
    """The data dictionary as read from ``dictionary.yaml``: ``{"columns": {...}, "tables": {...}, "text_codes": {...}}``.

    ``text_codes`` are code values that workbooks write inside sentences (``face_to_face``), with the words a
    text column shows instead (``face to face``).
    """
    data = yaml.safe_load(DICTIONARY.read_text(encoding="utf-8")) or {}
    return {
        "columns": data.get("columns") or {},
        "tables": data.get("tables") or {},
        "text_codes": {str(k): str(v) for k, v in (data.get("text_codes") or {}).items()},
    }


def _field(entry: Mapping, column: str) -> Field:
    values = entry.get("values")
    units = entry.get("units")
    return Field(
        label=str(entry.get("label") or humanise(column)),
        kind=str(entry.get("kind", "text")),
        meaning=str(entry.get("meaning", "")).replace("{name}", humanise(column).lower()),
        decimals=entry.get("decimals"),
        values={str(k): str(v) for k, v in values.items()} if values else None,
        unit_column=entry.get("unit_column"),
        units=tuple((str(k), dict(v)) for k, v in units.items()) if units else None,
    )


def field(column: str, table: str | None = None) -> Field:
    """The dictionary's entry for ``column``, as ``table`` (``"<step>/<name>"``) overrides it.

    A column the table's entry lists under ``columns`` takes that entry over the general one; a column the
    dictionary does not know takes the table's ``other_columns`` entry when it has one (the columns that depend on
    the data, such as one per channel), its label the column's name in words. Otherwise it shows its name in words
    (``humanise``) as plain text; the test of the dictionary makes sure every column a workbook writes is known.
    """
    data = dictionary()
    entry = dict(data["columns"].get(column) or {})
    if table is not None:
        own = data["tables"].get(table) or {}
        override = (own.get("columns") or {}).get(column)
        if override:
            entry.update(override)
        elif not entry and own.get("other_columns"):
            entry = {**own["other_columns"], "label": humanise(column)}
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
    """The unit a column is in, for the data dictionary sheet (money: the currency's ISO code; a column in units
    row by row: "as its row's unit says")."""
    if f.units:
        return "as its row's unit says"
    return currency if f.kind == "money" else _UNITS.get(f.kind, "")


def glossary(tables: list[str] | None = None, *, currency: str = "GBP") -> pd.DataFrame:
    """The data dictionary as a client reads it, for the Excel file's data dictionary sheet and the report's appendix.

    One row per column a client sees (``id`` columns are left out) of each table ``"<step>/<name>"`` (default: every
    registered artifact with columns, in run order): ``Table`` (its title), ``Column`` (the header), ``Unit``
    (:func:`unit_of`) and ``Meaning``. A table's data-dependent columns (one per channel) are described once, by
    its ``other_columns`` entry, as "Each further column".

    >>> sheet = glossary(["02_voice_of_customer/contact_reasons"])
    >>> sheet.iloc[2].to_dict()
    {'Table': 'Why customers make contact', 'Column': 'Contacts', 'Unit': 'count', 'Meaning': 'Number of contacts in the log.'}
    """
    from cxmethods.io.artifacts import ARTIFACTS

    registered = {f"{a.step}/{a.name}": a for a in ARTIFACTS}
    rows = []
    for key in tables if tables is not None else list(registered):
        art = registered.get(key)
        if art is None:
            raise CxmError(f"glossary: no table {key!r} is registered; use '<step>/<name>' of cxmethods/io/artifacts.py.")
        title = table_info(key)[0]
        own = dictionary()["tables"].get(key) or {}
        for column in art.columns:
            f = field(column, key)
            if f.kind != "id":
                rows.append({"Table": title, "Column": f.label, "Unit": unit_of(f, currency), "Meaning": f.meaning})
        if art.more_columns and own.get("other_columns"):
            f = _field({**own["other_columns"], "label": "Each further column"}, "each")
            meaning = str(own["other_columns"].get("meaning", "")).replace("{name}", "column's")
            rows.append({"Table": title, "Column": f.label, "Unit": unit_of(f, currency), "Meaning": meaning})
    return pd.DataFrame(rows, columns=["Table", "Column", "Unit", "Meaning"])


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in ("", "nan", "none", "<na>", "nat")


def as_number(value: object) -> float | None:
    """``value`` as a finite float (a bool as 0 or 1); None for text, missing values and infinities."""
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


_TOKEN = re.compile(r"[A-Za-z0-9_.:-]+")


def _named(text: str, names: Mapping[str, str]) -> str:
    """``text`` with each id in it replaced by its name; ``I02.customer_time`` (an id's part) becomes
    "<name> (customer time)"; a list of ids separated by ";" reads as one, separated by "; "."""

    def name(match: re.Match) -> str:
        token = match.group(0)
        core = token.rstrip(".:")  # an id at the end of a sentence or before a colon
        if core in names:
            return names[core] + token[len(core) :]
        head, _, tail = core.partition(".")
        if tail and head in names and re.fullmatch(r"[a-z0-9_.]+", tail):
            return f"{names[head]} ({humanise(tail.replace('.', ' ')).lower()})" + token[len(core) :]
        return token

    named = _TOKEN.sub(name, text)
    return re.sub(r";(?=\S)", "; ", named) if named != text else named


def _decimals_for(number: float) -> int:
    """Places a ``number`` without set ``decimals`` needs: none from 100, one from 10, two from 1, three below."""
    size = abs(number)
    return 0 if size >= 100 or number.is_integer() else 1 if size >= 10 else 2 if size >= 1 else 3


def _percent(number: float, decimals: int | None) -> str:
    """A fraction as a percentage, without its sign: whole from 10%, one place below, "under 0.1%" above 0."""
    size = abs(number) * 100
    if decimals is None:
        if 0 < size < 0.05:
            return "under 0.1"
        decimals = 0 if size >= 9.95 or size == 0 else 1
    return f"{size:,.{decimals}f}"


def format_value(value: object, f: Field, *, currency: str = "GBP", names: Mapping[str, str] | None = None) -> str:
    """One value as a client reads it (the rules are in the module's table)."""
    if _missing(value):
        return MISSING
    kind = f.kind
    if isinstance(value, (np.integer, np.floating, np.bool_)):  # a numpy number or bool: the plain Python one
        value = value.item()
    if kind == "yes_no":
        text = str(value).strip().lower()
        return "Yes" if text in ("true", "1", "1.0", "yes") else "No" if text in ("false", "0", "0.0", "no") else str(value)
    if kind in ("date", "month"):
        when = _when(value)
        if when is None:
            return str(value)
        return f"{when.day} {_MONTHS[when.month - 1]} {when.year}" if kind == "date" else f"{_MONTHS[when.month - 1]} {when.year}"
    if kind in ("text", "category", "id"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a whole number read from a CSV as a float: 3, not 3.0
        text = str(value)
        if f.values and text in f.values:
            return f.values[text]
        if kind == "category" and ";" in text:  # several codes: each in words
            return "; ".join(format_value(part.strip(), f, names=names) for part in text.split(";") if part.strip())
        if names:
            text = _named(text, names)
        if kind == "category":
            return _words(text)
        codes = dictionary().get("text_codes") or {}
        return re.sub(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", lambda m: codes.get(m.group(0), m.group(0)), text) if codes else text
    number = as_number(value)
    if number is None:
        return str(value)
    if kind == "count":
        return _grouped(round(number), 0)
    if kind == "year":
        return str(round(number))
    if kind == "money":
        symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
        text = _grouped(number, f.decimals or 0)
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    if kind in ("share", "points"):
        text = _percent(number, f.decimals)
        sign = "-" if number < 0 and text.strip("0.,") and not text.startswith("under") else ""
        return f"{sign}{text}%" if kind == "share" else f"{sign}{text} pts"
    if kind == "ratio":
        return _grouped(number, 2 if f.decimals is None else f.decimals)
    if kind == "weeks":
        return _grouped(number, f.decimals or 0)
    if kind == "years":
        return _grouped(number, 0 if number.is_integer() else (1 if f.decimals is None else f.decimals))
    if kind == "number":
        decimals = _decimals_for(number) if f.decimals is None else f.decimals
        text = _grouped(number, decimals)
        return text.rstrip("0").rstrip(".") if f.decimals is None and "." in text else text
    return _grouped(number, 1 if f.decimals is None else f.decimals)


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

    A column whose entry has a ``unit_column`` the frame holds is formatted row by row in each row's unit. Two
    columns with the same label (only possible through ``labels`` or columns the dictionary does not know) keep
    both: the second gets its column's name in words after the label.
    """
    fields = {c: field(str(c), table) for c in frame.columns}
    keep = columns if columns is not None else [c for c in frame.columns if fields[c].kind != "id"]
    shown: dict[str, list[str]] = {}
    for c in keep:
        f = fields[c]
        if labels and c in labels:
            f = replace(f, label=labels[c])
        label = f.label if f.label not in shown else f"{f.label} ({humanise(str(c))})"
        values = frame[c].tolist()
        if f.units and f.unit_column in frame:
            units = frame[f.unit_column].tolist()
            shown[label] = [
                format_value(v, f.for_unit(u), currency=currency, names=names) for v, u in zip(values, units, strict=True)
            ]
        else:
            shown[label] = [format_value(v, f, currency=currency, names=names) for v in values]
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
