"""Turning the text of one column into typed values, and saying how to fix the ones that will not go.

Used by :mod:`cxmethods.io.inputs`; every function takes a column of text (empty string = no value).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cxmethods.core.config import InputFile
from cxmethods.core.schemas import CHANNELS, KINDS, LEVERS, STAKEHOLDER_CATEGORIES

_CHANNEL_SYNONYMS = {
    "e_mail": "email",
    "telephone": "phone",
    "tel": "phone",
    "webform": "web_form",
    "web": "web_form",
    "online": "web_form",
    "app": "mobile_app",
    "mobile": "mobile_app",
    "letter": "post",
    "in_person": "face_to_face",
    "f2f": "face_to_face",
    "walk_in": "face_to_face",
}
_CHOICES = {
    "yes_no": ("yes", "no"),
    "yes_partly_no": ("yes", "partly", "no"),
    "priority": ("high", "medium", "low"),
    "stakeholder_category": STAKEHOLDER_CATEGORIES,
    "lever": tuple(LEVERS),
}
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}
_DATE_GUESSES = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d %b %Y",
)


def coerce(raw: pd.Series, kind: str, spec: InputFile) -> tuple[pd.Series, dict[str, pd.Series]]:
    """Convert one column; return the values and boolean masks of bad rows by reason."""
    empty = raw == ""
    bad: dict[str, pd.Series] = {"empty": empty}
    if kind in ("id", "text", "category"):
        return raw.mask(empty), bad
    if kind == "id_list":
        return raw.str.replace(r"\s*[;,]\s*", ";", regex=True).mask(empty), bad
    if kind == "channel":
        norm = raw.str.lower().str.replace(r"[\s-]+", "_", regex=True)
        norm = norm.replace(_CHANNEL_SYNONYMS)
        ok = norm.isin(CHANNELS)
        bad[f"one of the channel codes ({', '.join(CHANNELS)})"] = ~ok & ~empty
        return norm.where(ok), bad
    if kind in ("datetime", "date"):
        value = _dates(raw.mask(empty), spec.date_format)
        bad[""] = value.isna() & ~empty
        return (value.dt.normalize() if kind == "date" else value), bad
    if kind in _CHOICES:
        low = raw.str.lower().str.replace(r"[\s-]+", "_", regex=True)
        allowed = _CHOICES[kind]
        bad[""] = ~low.isin(allowed) & ~empty
        return low.where(low.isin(allowed)), bad
    if kind == "bool":
        low = raw.str.lower()
        value = pd.Series(pd.NA, index=raw.index, dtype="boolean")
        value[low.isin(_TRUE)] = True
        value[low.isin(_FALSE)] = False
        bad[""] = value.isna() & ~empty
        return value, bad
    text = raw.str.replace(",", ".", regex=False) if spec.decimal == "," else raw
    number = pd.to_numeric(text.mask(empty), errors="coerce").astype("float64")
    number = number.where(np.isfinite(number))
    bad[""] = number.isna() & ~empty
    if kind == "likert":
        dont_know = number.isin(spec.dont_know_codes)
        number = number.mask(dont_know)
        lo, hi = spec.scale
        reason = f"whole numbers from {lo} to {hi} or a don't-know code {spec.dont_know_codes}"
        bad[reason] = number.notna() & ((number < lo) | (number > hi) | (number % 1 != 0))
        return number.where(~bad[reason]).round().astype("Int64"), bad
    if kind == "level":
        bad["whole numbers from 1 to 5"] = number.notna() & ((number < 1) | (number > 5) | (number % 1 != 0))
        return number.where(~bad["whole numbers from 1 to 5"]).round().astype("Int64"), bad
    if kind == "count":
        bad["whole numbers of zero or more"] = number.notna() & ((number < 0) | (number % 1 != 0))
        return number.where(~bad["whole numbers of zero or more"]).round().astype("Int64"), bad
    if kind == "share":
        bad["proportions between 0 and 1"] = number.notna() & ((number < 0) | (number > 1))
        return number.where(~bad["proportions between 0 and 1"]).astype(float), bad
    negative = "amounts of zero or more (costs cannot be negative)" if kind == "money" else "numbers of zero or more"
    bad[negative] = number < 0
    return number.where(number >= 0).astype(float), bad


def _dates(text: pd.Series, date_format: str | None) -> pd.Series:
    """Parse dates; a value that misses ``date_format`` may still be ISO. Offsets such as +01:00 are dropped:
    times are read as the local clock time written in the export (what hour-of-day patterns need)."""
    local = text.str.replace(r"(?:Z|[+-]\d{2}:?\d{2})$", "", regex=True)
    iso = pd.to_datetime(local, format="ISO8601", errors="coerce")
    if date_format is None:
        return iso
    return pd.to_datetime(text, format=date_format, errors="coerce").fillna(iso)


def hint(kind: str, examples: list[str], key: str, ours: str, spec: InputFile) -> str:
    sample = " ".join(examples)
    if kind in ("datetime", "date"):
        for fmt in _DATE_GUESSES:
            if all(_parses(v, fmt) for v in examples):
                return f"Set 'date_format: \"{fmt}\"' under {key} (check it against your file), or write dates as YYYY-MM-DD."
        return f"Write dates as YYYY-MM-DD HH:MM:SS, or set date_format under {key} (Python strftime codes)."
    if kind in ("number", "money", "count", "share") and re.search(r"[£$€¥]|\d,\d{3}", sample):
        return "Remove currency symbols and thousands separators (write 12500, not £12,500)."
    if kind == "likert" and re.search(r"[A-Za-z]", sample):
        return (
            f"Use the numeric codes ({spec.scale[0]}-{spec.scale[1]}), or map the labels under {key}.values, "
            f'e.g. {ours}: {{"Very satisfied": "5", "Satisfied": "4"}}.'
        )
    if kind == "channel":
        labels = ", ".join(f'"{v}": ...' for v in examples)
        return f"Map each label to one of ours under {key}.values, or to null where it means unknown, e.g. {ours}: {{{labels}}}."
    if kind == "money":
        return "Enter costs as positive amounts; put savings in the business case, not as negative costs."
    return f"Correct the values: each should be {KINDS[kind]}."


def _parses(value: str, fmt: str) -> bool:
    try:
        pd.to_datetime(value, format=fmt)
    except (ValueError, TypeError):
        return False
    return True
