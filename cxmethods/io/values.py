"""Turning the text of one column into typed values, and saying how to fix the ones that will not go.

Used by :mod:`cxmethods.io.inputs`; every function takes a column of text (empty string = no value).
"""

from __future__ import annotations

import re
import unicodedata

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
#: Largest amount a money field accepts, in the engagement's currency: beyond it a figure is a typo, a unit mistake
#: (pence for pounds, thousands twice) or a hostile value such as 1e308 that would swamp every total it enters.
MONEY_LIMIT = 1e12
#: Characters that show as nothing: zero-width spaces and joiners, the byte-order mark, soft hyphens, direction marks.
#: Written into a label by a copy from a web page or a CRM, they split one reason into two look-alike categories.
#: Both as a character class, so the contact log's SQL reader removes exactly the same (RE2 takes them as written).
INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
#: Spaces of every width (no-break, en, em, ideographic...), made one plain space in a label.
SPACES = "\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_SPACE_RUN = re.compile(f"[{SPACES}]+")
#: Reasons that are not problems but data-quality notes: the values are kept (cleaned or converted), and
#: ``cxm validate`` reports the count as a warning with this fix.
NOTES = {
    "written with invisible characters or look-alike forms (zero-width spaces, non-breaking or full-width "
    "characters, repeated spaces): cleaned, so they count with the label they look like": (
        "Nothing to do: the labels are cleaned as they are read. To remove the note, clean the column in the source "
        "system (copying labels from web pages brings in invisible characters)."
    ),
    "written with a time-zone offset other than the column's most common one (mixed offsets)": (
        "Without 'timezone' in the engagement the clock time written is kept and the offset ignored, so times written "
        "in different zones are compared as written: set 'timezone: <zone>' (e.g. Europe/London) in the engagement to "
        "convert every time with an offset to that zone's clock time. With it set, they are converted already."
    ),
}
_CLEANED, _MIXED_OFFSETS = NOTES
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


def coerce(
    raw: pd.Series, kind: str, spec: InputFile, field: Field | None = None, *, timezone: str | None = None
) -> tuple[pd.Series, dict[str, pd.Series]]:
    """Convert one column; return the values and boolean masks of bad rows by reason.

    ``field`` may carry a rating's own scale, answer codes and don't-know answers (:class:`Field`);
    don't-know answers become no value, for any kind. Reasons in :data:`NOTES` mark values that were kept
    (cleaned labels, times written with mixed offsets), for a data-quality warning. ``timezone`` (the
    engagement's, or None) is the zone times with an offset are converted to (see :func:`parse_times`).
    """
    notes: dict[str, pd.Series] = {}
    if kind in ("id", "id_list", "category", "channel"):
        cleaned = clean_labels(raw, forms=kind != "id")
        notes[_CLEANED] = cleaned != raw
        raw = cleaned
    missing = _missing_codes(kind, spec, field)
    if missing:
        raw = raw.mask(_matches(raw, missing), "")
    empty = raw == ""
    bad: dict[str, pd.Series] = {"empty": empty, **notes}
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
        value, offset = parse_times(raw.mask(empty), spec.date_format, timezone)
        bad[""] = value.isna() & ~empty
        read = value.notna()
        bad[_MIXED_OFFSETS] = mixed_offsets(offset[read]).reindex(value.index, fill_value=False).astype(bool)
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
    if kind == "money":
        huge = f"amounts of at most {MONEY_LIMIT:,.0f} in the engagement's currency"
        bad[huge] = number > MONEY_LIMIT
        return number.where((number >= 0) & (number <= MONEY_LIMIT)).astype(float), bad
    return number.where(number >= 0).astype(float), bad


def clean_labels(raw: pd.Series, *, forms: bool = True) -> pd.Series:
    """Labels as they look: invisible characters removed, look-alike forms folded (Unicode NFKC: a full-width
    letter or a non-breaking space becomes the plain one) and runs of spaces made one, so two labels that read
    the same are one category. ``forms=False`` leaves forms alone (identifiers: the contact log's reader cannot
    fold them at its speed, and both readers must agree).

    >>> clean_labels(pd.Series(["Missed\u200b bin", "Missed\u00a0 bin", "\uff2dissed bin"], dtype="string")).tolist()
    ['Missed bin', 'Missed bin', 'Missed bin']
    """
    text = raw.astype("string")
    odd = text.str.contains(r"[^\x20-\x7e]|\s\s", regex=True, na=False)
    if not odd.any():  # plain ASCII with single spaces: nothing to do, and nothing to pay for a large export
        return raw
    fixed = text[odd].map(lambda v: _clean_label(v, forms), na_action="ignore")
    return raw.mask(odd, fixed.astype(raw.dtype) if raw.dtype == "string" else fixed)


def _clean_label(value: str, forms: bool) -> str:
    if forms:
        value = unicodedata.normalize("NFKC", value)
    return _SPACE_RUN.sub(" ", _INVISIBLE.sub("", value)).strip(" ")


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


#: A time-zone offset written after a time of day: ``Z``, ``+01:00``, ``-0500``, ``+01``. After a date alone
#: it is not looked for (``01-01-2025`` ends in ``-2025``, a year).
OFFSET = r"^(.*\d:\d\d(?::\d\d(?:[.,]\d+)?)?)\s*(Z|[+-]\d\d(?::?\d\d)?)$"


def parse_times(text: pd.Series, date_format: str | None, timezone: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse dates and times by the one rule both readers follow; return the times and each value's offset.

    The rule: a time written with an offset (``2025-03-01T09:30:00+01:00``) is converted to ``timezone``'s
    clock time when the engagement names one (``timezone: Europe/London``); without it the clock time written
    is kept and the offset ignored, which is right for an export written in one zone (what hour-of-day
    patterns need) and is why mixed offsets are reported. A time without an offset is taken as already in the
    engagement's zone. A value that misses ``date_format`` may still be ISO; ``%z`` in the format is not needed.
    The offsets are returned as minutes east of UTC (NaN where none is written).

    >>> times, offset = parse_times(pd.Series(["2025-03-01 09:30+01:00", "2025-03-01 08:45Z"]), None, "Europe/London")
    >>> [str(t) for t in times], offset.tolist()
    (['2025-03-01 08:30:00', '2025-03-01 08:45:00'], [60.0, 0.0])
    """
    text = text.astype("string")
    parts = text.str.extract(OFFSET)
    written = parts[1]
    local = parts[0].fillna(text)
    sign = written.str[0].map({"+": 1.0, "-": -1.0})
    digits = written.str.replace(":", "", regex=False).str[1:]
    offset = (
        sign * (pd.to_numeric(digits.str[:2], errors="coerce") * 60 + pd.to_numeric(digits.str[2:4], errors="coerce").fillna(0))
    ).astype("float64")
    offset = offset.mask((written == "Z").fillna(False).astype(bool), 0.0)
    iso = pd.to_datetime(local, format="ISO8601", errors="coerce")
    if date_format is not None:
        own = date_format.replace("%z", "").replace("%Z", "").strip()
        if own != date_format:  # the offset is read apart from the rest, by the rule above
            iso = pd.to_datetime(local.str.strip(), format=own, errors="coerce").fillna(iso)
        else:
            iso = pd.to_datetime(text, format=date_format, errors="coerce").fillna(iso)
    value = pd.Series(pd.DatetimeIndex(iso).as_unit("ns"), index=text.index)
    if timezone is not None and offset.notna().any():
        shift = offset.notna() & value.notna()
        utc = (value[shift] - pd.to_timedelta(offset[shift], unit="min")).dt.tz_localize("UTC")
        value = value.mask(shift, utc.dt.tz_convert(timezone).dt.tz_localize(None))
    return value, offset


def mixed_offsets(offset: pd.Series) -> pd.Series:
    """Values whose offset differs from the most common one (a value without offset among values with one counts
    too); all False when every value has the same offset or none. Read in chunks, each chunk is judged alone."""
    label = offset.map(lambda m: "none" if pd.isna(m) else m).astype(object)
    if offset.isna().all() or label.nunique() < 2:
        return pd.Series(False, index=offset.index)
    return label != label.value_counts().idxmax()


def hint(kind: str, examples: list[str], key: str, ours: str, spec: InputFile) -> str:
    sample = " ".join(examples)
    if kind in ("datetime", "date"):
        serial = excel_serials(examples)
        if serial:
            return serial
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
        numbers = pd.to_numeric(pd.Series(examples, dtype="string").str.strip(), errors="coerce").abs()
        if (numbers > MONEY_LIMIT).any():  # inf too
            return (
                f"Amounts above {MONEY_LIMIT:,.0f} (or infinite) are taken for a typo or a unit mistake: enter each cost "
                "in the engagement's currency as a plain figure (e.g. 250000), not in pence or cents or with extra zeros."
            )
        return "Enter costs as positive amounts; put savings in the business case, not as negative costs."
    return f"Correct the values: each should be {KINDS[kind]}."


#: Excel's day 0 in its 1900 date system: 1899-12-31, one day earlier than it should be, because Excel counts a
#: 29 February 1900 that never was (kept from Lotus 1-2-3). Serials from 61 on are right when counted from here.
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Serials read as dates: 1 January 1950 to 31 December 2100 (outside that, a number is more likely anything else).
_SERIALS = (18264, 73415)


def excel_serials(examples: list[str]) -> str | None:
    """The fix for a date column holding Excel serial numbers (45292 is 2024-01-01 in Excel's 1900 date system),
    else None. They are not read as dates: a number in a date column may as well be a Unix time or a row number,
    so the user is told what they look like and how to export real dates.

    >>> excel_serials(["45292", "45292.5"])[:64]
    'These look like Excel serial dates (45292 is 2024-01-01 00:00 in'
    """
    numbers = pd.to_numeric(pd.Series(examples, dtype="string").str.strip(), errors="coerce")
    lo, hi = _SERIALS
    if not len(numbers) or numbers.isna().any() or not numbers.between(lo, hi).all():
        return None
    first = _EXCEL_EPOCH + pd.to_timedelta(float(numbers.iloc[0]), unit="D")
    return (
        f"These look like Excel serial dates ({examples[0].strip()} is {first:%Y-%m-%d %H:%M} in Excel's 1900 date "
        "system): the cells lost their date format before export. In Excel, select the column, format it as a date "
        "(e.g. yyyy-mm-dd hh:mm:ss) and export again, or save the workbook as .xlsx and name that file."
    )


def _parses(value: str, fmt: str) -> bool:
    try:
        pd.to_datetime(value, format=fmt)
    except (ValueError, TypeError):
        return False
    return True
