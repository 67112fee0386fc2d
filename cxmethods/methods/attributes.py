"""Respondent attributes: which ones segmentation uses, numbers in readable bins, columns too varied to use.

A survey's attributes are the client's own, declared under ``inputs.survey.attributes`` (a column, a
label, ``kind: category`` or ``number``, optional ``bins``), or the standard fields of templates/survey.csv
(``age_band``, ``preferred_channel`` ...). Workbook 03 segments on them and workbook 02 shows channel
preference by each (``segment_hints``); both take the attributes and bin numbers here, so a band means
the same in both.

A declared number is **modelled as a number** (the segmenter gives it a normal distribution within each
segment) and **described in bands**: profiles, draft names and hints show "35-54", never a mean nobody
can picture. Banding before modelling was tried and rejected: it throws away the order of the values (18-29
is as far from 30-44 as from 75 and over), and on planted surveys whose groups differ by age it recovered
them far worse (adjusted Rand index 0.39-0.66 against 0.87-0.96 as a number, tests/test_attributes.py
has the comparison). Bands are the user's ``bins`` or about four of similar size with round edges
(:func:`round_edges`). A number's don't-know codes (99 for a refused age) must be declared (``dont_know``),
or they would be read as ages.

>>> ages = pd.Series([19, 23, 31, 38, 44, 52, 58, 61, 67, 72, 80, 88])
>>> round_edges(ages)
[19, 35, 55, 70]
>>> number_bins(ages).value_counts(sort=False).to_dict()
{'19-34': 3, '35-54': 3, '55-69': 3, '70 and over': 3}
>>> number_bins(pd.Series([16, 18, 40, 75, None]), bins=[18, 35, 55, 75]).tolist()
['under 18', '18-34', '35-54', '75 and over', nan]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmethods.core.config import InputFile
from cxmethods.methods.segmenter import ATTRIBUTES, MAX_LEVELS, as_text, is_numeric

__all__ = [
    "Attribute",
    "attribute_frame",
    "attribute_labels",
    "attributes_of",
    "level_problems",
    "number_bins",
    "round_edges",
    "segmentation_attributes",
]

_BANDS = 4  # automatic bands: enough to tell the young from the old, few enough to read in a profile
_STEPS = (1, 2, 5, 10)  # round edges are multiples of one of these times a power of ten


@dataclass(frozen=True)
class Attribute:
    """One respondent attribute: its field name, the label outputs show, its kind and, for a number, its bins.

    ``declared`` is true for the engagement's own attributes (``inputs.survey.attributes``), false for the
    standard fields; ``column`` is the file's column it is read from.
    """

    key: str
    label: str
    kind: str = "category"
    bins: tuple[float, ...] | None = None
    declared: bool = False
    column: str = ""

    @property
    def binned(self) -> bool:
        """Whether the attribute is described in bands (declared numbers; the standard ones show their mean)."""
        return self.declared and self.kind == "number"


def attributes_of(spec: InputFile | None) -> dict[str, Attribute]:
    """The survey's declared attributes by field name (empty without a survey or declarations).

    >>> from cxmethods.core.config import InputFile
    >>> spec = InputFile(path="s.csv", attributes=[{"column": "Q20", "label": "Age", "kind": "number"}])
    >>> attributes_of(spec)["q20"]
    Attribute(key='q20', label='Age', kind='number', bins=None, declared=True, column='Q20')
    """
    if spec is None:
        return {}
    return {
        a.key: Attribute(a.key, a.label or a.column, a.kind, tuple(a.bins) if a.bins else None, True, a.column)
        for a in spec.attributes
    }


def _describe(key: str, spec: InputFile | None) -> Attribute:
    declared = attributes_of(spec)
    if key in declared:
        return declared[key]
    column = spec.columns.get(key, key) if spec is not None else key
    return Attribute(key, key.replace("_", " "), column=str(column))


def segmentation_attributes(named: Sequence[str], spec: InputFile | None, columns: Sequence[str]) -> list[str]:
    """The attributes to segment on: those ``named`` (``settings.segmentation.attributes``); by default the
    declared attributes when the survey has any, else the standard needs and behaviour fields in ``columns``.

    >>> segmentation_attributes([], None, ["respondent_id", "language", "age_band"])
    ['age_band', 'language']
    """
    if named:
        return list(named)
    declared = [key for key in attributes_of(spec) if key in columns]
    return declared or [a for a in ATTRIBUTES if a in columns]


def attribute_frame(survey: pd.DataFrame, keys: Sequence[str], spec: InputFile | None) -> pd.DataFrame:
    """The survey's ``keys`` as profiles, names and hints describe them: declared numbers in bands, the rest as read."""
    declared = attributes_of(spec)
    out = {}
    for key in keys:
        attribute = declared.get(key)
        out[key] = number_bins(survey[key], bins=attribute.bins) if attribute and attribute.binned else survey[key]
    return pd.DataFrame(out, index=survey.index)


def attribute_labels(keys: Sequence[str], spec: InputFile | None) -> dict[str, str]:
    """Each attribute's label: the declared label, else the field name in words (``age_band`` -> "age band")."""
    return {key: _describe(key, spec).label for key in keys}


def level_problems(
    survey: pd.DataFrame, keys: Sequence[str], spec: InputFile | None, *, named: bool
) -> list[tuple[str, str, str]]:
    """Attributes read as categories with too many distinct values to segment on: ``(column, message, fix)`` each.

    More than :data:`~cxmethods.methods.segmenter.MAX_LEVELS` levels is an id, free text or a number read
    as a category (an age mapped onto ``age_band``): the segments would describe individuals. ``named``
    says whether the user listed the attributes (``settings.segmentation.attributes``) or took the default,
    which changes the fix.
    """
    found = []
    for key in keys:
        if key not in survey:
            continue
        attribute, values = _describe(key, spec), survey[key]
        if attribute.binned or (not attribute.declared and is_numeric(values)):
            continue  # numbers: modelled as numbers
        levels = as_text(values.dropna()).unique()
        if len(levels) <= MAX_LEVELS:
            continue
        numbers = pd.to_numeric(pd.Series(levels), errors="coerce")
        examples = ", ".join(str(v) for v in levels[:3])
        what = "a number read as a category" if numbers.notna().mean() >= 0.9 else "an id or free text"
        column = attribute.column or key
        message = (
            f"attribute '{key}' (column '{column}') has {len(levels):,} distinct values (e.g. {examples}), too many to "
            f"segment on (at most {MAX_LEVELS}): {what}?"
        )
        leave_out = (
            f"leave '{key}' out of settings.segmentation.attributes"
            if named
            else f"list the attributes to segment on, without '{key}', under settings.segmentation.attributes"
        )
        if what.startswith("a number"):
            declare = (
                "set kind: number on its entry under inputs.survey.attributes"
                if attribute.declared
                else f"declare it under inputs.survey.attributes, e.g. {{column: {column}, label: ..., kind: number}}, "
                f"instead of mapping it to {key}"
            )
            fix = (
                f"Segment on it as a number: {declare} (it is described in bands; bins: [18, 35, 55, 75] sets your own); "
                f"or {leave_out}."
            )
        else:
            fix = f"{leave_out[0].upper()}{leave_out[1:]}, or group its values into a few levels under inputs.survey.values."
        found.append((column, message, fix))
    return found


def round_edges(values: pd.Series, *, bands: int = _BANDS) -> list[float]:
    """Lower edges of about ``bands`` bands of similar size, rounded to round numbers; the first is the lowest value.

    The step of the rounding is a round number near a twentieth of the middle 90% of the values (5 for
    ages, 10,000 for incomes), at least 1 for whole numbers; edges that round together merge.

    >>> round_edges(pd.Series([0, 0, 0, 0, 1, 2, 3, 8, 12, 40]))
    [0, 2, 6]
    """
    v = pd.Series(np.asarray(values.dropna(), dtype=float))
    if v.empty:
        return []
    low, high = float(v.min()), float(v.max())
    whole = bool((v % 1 == 0).all())
    spread = float(v.quantile(0.95) - v.quantile(0.05)) or high - low
    if spread <= 0:
        return [_tidy(low)]
    step = _round_step(spread / 20)
    step = max(step, 1.0) if whole else step
    cuts = (round(q / step) * step for q in v.quantile(np.linspace(0, 1, bands + 1)[1:-1]))
    first = low if whole else math.floor(low / step) * step
    return [_tidy(first), *sorted({_tidy(c) for c in cuts if first < c <= high})]


def number_bins(values: pd.Series, *, bins: Sequence[float] | None = None) -> pd.Series:
    """Numbers as ordered bands with readable labels ("18-34", "75 and over"); missing stays missing.

    ``bins`` are lower edges (default: :func:`round_edges`): a band runs from one edge to below the next,
    the last is open ("75 and over") and values below the first edge get a band of their own ("under 18"),
    so nobody falls outside. Bands of whole numbers read "18-34"; others "2.5 to under 5".
    """
    numbers = pd.Series(np.asarray(pd.to_numeric(values, errors="coerce"), dtype=float), index=values.index)
    edges = [float(e) for e in (bins if bins is not None else round_edges(numbers))]
    if not edges:
        return pd.Series(pd.Categorical([None] * len(numbers)), index=values.index, name=values.name)
    present = numbers.dropna()
    whole = bool((present % 1 == 0).all()) and all(e % 1 == 0 for e in edges)
    labels = [f"under {_text(edges[0])}"]
    for low, high in itertools.pairwise(edges):
        if not whole:
            labels.append(f"{_text(low)} to under {_text(high)}")
        else:
            labels.append(_text(low) if high - 1 == low else f"{_text(low)}-{_text(high - 1)}")
    labels.append(f"{_text(edges[-1])} and over")
    codes = np.searchsorted(np.asarray(edges), numbers.to_numpy(), side="right")  # 0: below the first edge
    codes = np.where(numbers.isna().to_numpy(), -1, codes)
    bands = pd.Categorical.from_codes(codes, pd.Index(labels), ordered=True).remove_unused_categories()
    return pd.Series(bands, index=values.index, name=values.name)


def _round_step(rough: float) -> float:
    power = 10 ** math.floor(math.log10(rough))
    return next(s * power for s in _STEPS if s * power >= rough)


def _tidy(x: float) -> float:
    """Float noise off (0.30000000000000004 -> 0.3), and whole numbers as int so that they print as such."""
    x = float(f"{x:.10g}")
    return int(x) if x.is_integer() else x


def _text(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.3f}".rstrip("0").rstrip(".")
