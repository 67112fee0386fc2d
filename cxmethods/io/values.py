"""Turning the text of one column into typed values, and saying how to fix the ones that will not go.

Used by :mod:`cxmethods.io.inputs`; every function takes a column of text (empty string = no value).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cxmethods.core.config import InputFile
from cxmethods.core.schemas import CHANNELS, KINDS, LEVERS, STAKEHOLDER_CATEGORIES, Field

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


def coerce(raw: pd.Series, kind: str, spec: InputFile, field: Field | None = None) -> tuple[pd.Series, dict[str, pd.Series]]:
    """Convert one column; return the values and boolean masks of bad rows by reason.

    ``field`` may carry a rating's own scale, answer codes and don't-know answers (:class:`Field`);
    don't-know answers become no value, for any kind.
    """
    missing = _missing_codes(kind, spec, field)
    if missing:
        raw = raw.mask(_matches(raw, missing), "")
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
    if kind == "likert" and field is not None and field.codes:
        codes = {str(label).strip().casefold(): float(point) for label, point in field.codes}
        number = raw.str.strip().str.casefold().map(codes).astype("float64").fillna(number)
    bad[""] = number.isna() & ~empty
    if kind == "likert":
        lo, hi = field.scale if field is not None and field.scale is not None else spec.scale
        whole = not (field is not None and field.codes)
        reason = likert_reason((lo, hi), missing, whole)
        bad[reason] = number.notna() & ((number < lo) | (number > hi) | ((number % 1 != 0) if whole else False))
        bad.pop("")  # one reason for every unreadable rating, so its hint sees every example
        bad[reason] |= number.isna() & ~empty
        value = number.where(~bad[reason])
        return (value.round().astype("Int64") if whole else value.astype("Float64")), bad
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


def rating_hint(examples: list[str], key: str, ours: str, field: Field | None, spec: InputFile) -> str:
    """How to fix ratings that do not fit: a scale to widen, don't-know codes to declare, labels to code."""
    lo, hi = field.scale if field is not None and field.scale is not None else spec.scale
    where = f"on the item for this column under {key}.items (or for the whole survey under {key})"
    numbers = pd.to_numeric(pd.Series(examples, dtype="string").str.strip(), errors="coerce")
    percent = [v for v in examples if v.strip().endswith("%")]
    if percent:
        return (
            f"'{percent[0]}' is a percentage, not an answer on the question's {lo:g}-{hi:g} scale: map the column "
            "holding each person's answer, or if this column holds scores from 0 to 100, remove the % signs and "
            f"set 'scale: [0, 100]' {where}."
        )
    words = [v for v in examples if pd.isna(pd.to_numeric(v, errors="coerce"))]
    if words:
        codes = ", ".join(dict.fromkeys(words))
        points = ", ".join(f'"{w}": <point>' for w in dict.fromkeys(words))
        if all(len(w.strip()) <= 3 or re.search(r"know|appl|refus|n/?a|skip|none", w, re.I) for w in words):
            return (
                f'If {codes} mean{"s" if len(words) == 1 else ""} "don\'t know", "not applicable" or a refusal, '
                f"declare {'it' if len(words) == 1 else 'them'}: 'dont_know: [{codes}]' on the item for this column under "
                f"{key}.items, or 'dont_know_codes: [{codes}]' under {key} for every question."
            )
        return (
            f"The answers are written as labels ({codes}): give the item a code list of each label's point, e.g. "
            f"'scale: {{{points}}}' on the item for this column under {key}.items, or recode them under {key}.values."
        )
    whole = numbers.dropna()
    above, below = whole[whole > hi], whole[whole < lo]
    if len(below) and (below == 0).all() and lo == 1:
        return (
            f'0 is below the {lo:g}-{hi:g} scale: if it means "don\'t know" or "not applicable", declare '
            f"'dont_know: [0]' {where}; if the question is scored from 0, set 'scale: [0, {hi:g}]'."
        )
    if len(above):
        top = max(float(above.max()), hi)
        wider = next((s for s in (7, 10, 100) if top <= s), 0)
        distinct = sorted(set(above))
        odd = ", ".join(f"{v:g}" for v in distinct)
        suggestion = {7: f"set 'scale: [{lo:g}, 7]'", 10: "set 'scale: [0, 10]' (or [1, 10])", 100: "set 'scale: [0, 100]'"}
        verb, means = ("is", "means") if len(distinct) == 1 else ("are", "mean")
        message = (
            f"{odd} {verb} above the {lo:g}-{hi:g} scale: if the question is on a wider scale, "
            f"{suggestion.get(wider, 'set its scale')} {where}"
        )
        if len(distinct) <= 2:  # a code or two such as 9 or 99: as likely a "don't know" as a wider scale
            message += f'; if {odd} {means} "don\'t know" or "not applicable", declare \'dont_know: [{odd}]\''
        return message + "."
    return f"Correct the values: each should be a whole number from {lo:g} to {hi:g}, or declare the scale {where}."


def likert_reason(scale: tuple[float, float], missing: tuple[str, ...], whole: bool = True) -> str:
    """What a valid rating looks like, for messages: ``whole numbers from 1 to 5 or a don't-know code (9)``."""
    lo, hi = scale
    what = f"whole numbers from {lo:g} to {hi:g}" if whole else "one of the declared answers"
    return what + (f" or a don't-know code ({', '.join(missing)})" if missing else "")


def _missing_codes(kind: str, spec: InputFile, field: Field | None) -> tuple[str, ...]:
    if field is not None and field.missing is not None:
        return field.missing
    return tuple(spec.dont_know_codes) if kind == "likert" else ()


def _matches(raw: pd.Series, codes: tuple[str, ...]) -> pd.Series:
    """Values equal to one of ``codes``: as text, ignoring case and spaces, or as the same number (9 = 9.0)."""
    text = {str(c).strip().casefold() for c in codes}
    hit = raw.str.strip().str.casefold().isin(text)
    numbers = pd.to_numeric(pd.Series(sorted(text)), errors="coerce").dropna()
    if len(numbers):
        hit |= pd.to_numeric(raw, errors="coerce").isin(numbers.to_numpy())
    return hit


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
