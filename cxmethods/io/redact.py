"""Redact personal data from free text before any of it reaches an output.

Each kind of personal data is replaced by a placeholder (``[EMAIL]``, ``[PHONE]`` ...). The
patterns run in a fixed order, most specific first, so a card number is not half-taken for a
phone number. They aim to catch what residents and consumers actually type (UK and US formats);
they are a safety net, not a guarantee: review a sample of the redacted text before it leaves the
team. Masks already in the data (the CFPB's ``XXXX``) are left as they are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pandas as pd

from cxmethods.core.checks import check_type, parameter_error

__all__ = ["PLACEHOLDERS", "find_personal_data", "personal_data_counts", "redact", "redact_series"]

#: Kind of personal data -> the placeholder that replaces it, in the order the patterns run.
PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "card": "[CARD]",
    "ssn": "[SSN]",
    "ni_number": "[NI NUMBER]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "zip": "[ZIP]",
    "postcode": "[POSTCODE]",
    "name": "[NAME]",
}

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-])?"  # local part, plus-addressing
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}\b"
)  # (sub)domains
# 13-19 digits, run together or in groups of four (Amex: 4-6-5); the Luhn check decides
_CARD = re.compile(
    r"(?<![\d-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5})"
    r"(?![\d]|-\d)"
)
_SSN = re.compile(r"(?<!\d)(?<!\d[ -])\d{3}([ -])\d{2}\1\d{4}(?!\d|[ -]\d)")
# two letters, six digits (optionally in pairs), A-D; lower case only when written without spaces
_NI = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]|[a-z]{2}\d{6}[a-d])(?![A-Za-z0-9])")
_UK_BODY = r"(?:\d{4}[ -]?\d{6}|\d{4}[ -]?\d{3}[ -]?\d{3}|\d{3}[ -]?\d{3}[ -]?\d{4}|\d{2}[ -]?\d{4}[ -]?\d{4})"
_PHONE = re.compile(
    r"(?<![\w/.,:-])(?:"
    rf"(?:\+44 ?(?:\(0\) ?)?|0){_UK_BODY}"  # UK: ten digits after the trunk 0 or +44
    r"|\(0\d{2,4}\) ?\d{3,6}(?:[ -]?\d{3,4})?"  # UK with the area code in brackets
    r"|(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}"  # US/NANP, with separators
    r")(?![\w/]|[.,:-]\d)"
)
_STREET_TYPES = (
    "street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|place|pl|court|ct|crescent|cres|terrace|"
    "boulevard|blvd|gardens|grove|square|sq|hill|row|mews|parkway|pkwy|highway|hwy|park|green|walk"
)
_ADDRESS = re.compile(
    rf"(?<![\w.,/-])\d{{1,5}}[A-Za-z]?,? +(?:(?:[A-Z][A-Za-z'’.-]*|\d{{1,3}}(?:st|nd|rd|th)) +){{1,3}}"
    rf"(?i:{_STREET_TYPES})\b\.?"
)
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
    "OH|OK|OR|PA|PR|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_ZIP_NUM = r"(\d{5}(?:-\d{4})?)(?![\d]|-\d)"
_ZIP = (
    re.compile(rf"\b(?:{_STATES}),? +{_ZIP_NUM}"),  # "Springfield, IL 62704"
    re.compile(rf"\[ADDRESS\](?:,? +[A-Z][A-Za-z.'-]*(?: +[A-Z][A-Za-z.'-]*){{0,2}})?,? +{_ZIP_NUM}"),
)
_POSTCODE = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|GIR ?0AA)(?![A-Za-z0-9])")
_SURNAME = r"[A-Z][a-z]*(?:['’-]?[A-Z][a-z]+)*\b"  # Smith, O'Neill, McDonald, Smith-Jones; not XXXX
_NOT_NAME = r"(?!(?:And|Or|The|On|In|At|To|From|Who|Said|Told|Is|Was|Has|Had|Of|For|But)\b)"
_NAMES = (
    re.compile(rf"\b(?:Mrs|Mr|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.? +(?:[A-Z]\.? +)?{_SURNAME}(?: +{_NOT_NAME}{_SURNAME})?"),
    re.compile(rf"\b(?i:my (?:full )?name(?: is|'s|’s)) +({_SURNAME}(?: +{_NOT_NAME}{_SURNAME}){{0,2}})"),
)
_DIGIT = re.compile(r"\d")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _is_card(match: re.Match) -> bool:
    digits = re.sub(r"\D", "", match.group())
    # a run of one repeated digit passes Luhn sometimes and is never a real card
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and _luhn(digits)


# (kind, pattern, group to replace (0 = whole match), test a match must pass or None, needs a digit)
_RULES: list[tuple[str, re.Pattern, int, Callable[[re.Match], bool] | None, bool]] = [
    ("email", _EMAIL, 0, None, False),
    ("card", _CARD, 0, _is_card, True),
    ("ssn", _SSN, 0, None, True),
    ("ni_number", _NI, 0, None, True),
    ("phone", _PHONE, 0, None, True),
    ("address", _ADDRESS, 0, None, True),
    ("zip", _ZIP[0], 1, None, True),
    ("zip", _ZIP[1], 1, None, True),
    ("postcode", _POSTCODE, 0, None, True),
    ("name", _NAMES[0], 0, None, False),
    ("name", _NAMES[1], 1, None, False),
]


def _redact_text(text: str, found: list[tuple[str, str]] | None = None) -> str:
    """Run every rule over ``text``; append (kind, matched text) to ``found`` when given."""
    has_digit = _DIGIT.search(text) is not None
    for kind, pattern, group, test, needs_digit in _RULES:
        if (needs_digit and not has_digit) or (kind == "email" and "@" not in text):
            continue

        def repl(m: re.Match, kind: str = kind, group: int = group, test=test) -> str:
            if test is not None and not test(m):
                return m.group()
            if found is not None:
                found.append((kind, m.group(group)))
            start, end = m.start(group) - m.start(), m.end(group) - m.start()
            whole = m.group()
            return whole[:start] + PLACEHOLDERS[kind] + whole[end:]

        text = pattern.sub(repl, text)
    return text


def redact(text: str | None) -> str | None:
    """Replace personal data in ``text`` with placeholders.

    Parameters
    ----------
    text : str or None
        Free text, e.g. a survey comment. None (or NaN / pd.NA) is returned as it is.

    Returns
    -------
    str or None
        The text with e-mails, card numbers (Luhn-checked), US social security numbers, UK
        National Insurance numbers, UK and US phone numbers, street addresses, US ZIP codes next
        to a state or an address, UK postcodes, and names after a title ("Mrs Patel") or in a
        self-introduction ("my name is Jane Doe") replaced by the placeholders in
        :data:`PLACEHOLDERS`. Amounts, dates, times, years and reference numbers are kept.

    Raises
    ------
    CxmError
        When ``text`` is neither a string nor missing.

    Examples
    --------
    >>> redact("Call me on 07700 900123 or e-mail j.smith@example.com.")
    'Call me on [PHONE] or e-mail [EMAIL].'
    >>> redact("Mrs Patel at 14 Acacia Avenue, RV1 2AB paid £1,250.00 on 12/03/2024 (case 123456).")
    '[NAME] at [ADDRESS], [POSTCODE] paid £1,250.00 on 12/03/2024 (case 123456).'
    >>> redact("My NI number is QQ 12 34 56 C; I live at 350 Fifth Ave, New York, NY 10118.")
    'My NI number is [NI NUMBER]; I live at [ADDRESS], New York, NY [ZIP].'
    >>> redact(None) is None
    True
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return text
    check_type(text, "text", "redact", str, "a str or None")
    return _redact_text(text)


def redact_series(texts: pd.Series) -> pd.Series:
    """:func:`redact` every text of a Series; missing values stay missing.

    Parameters
    ----------
    texts : pandas.Series
        Free text (object or string dtype).

    Returns
    -------
    pandas.Series
        Same index, name and dtype as ``texts``.

    Raises
    ------
    CxmError
        When a non-missing value is not a string (the message names its index).

    Examples
    --------
    >>> s = pd.Series(["Ring 020 7946 0018", None, "All fine, thanks"], name="comment")
    >>> redact_series(s).tolist()
    ['Ring [PHONE]', nan, 'All fine, thanks']
    """
    check_type(texts, "texts", "redact_series", pd.Series, "a pandas Series")
    out = texts.copy()
    mask = texts.notna().to_numpy()
    values = texts.to_numpy(dtype=object)[mask]
    bad = [i for i, v in zip(texts.index[mask], values) if not isinstance(v, str)]
    if bad:
        raise parameter_error(
            "texts", "redact_series", "strings or missing values", f"{texts[bad[0]]!r} at index {bad[0]!r}", as_text=True
        )
    if mask.any():
        out[mask] = [_redact_text(v) for v in values]
    return out


def find_personal_data(text: str | None) -> list[tuple[str, str]]:
    """The personal data :func:`redact` would remove from ``text``.

    Parameters
    ----------
    text : str or None
        Free text; None or NaN gives an empty list.

    Returns
    -------
    list of (str, str)
        ``(kind, matched text)`` pairs, kinds as the keys of :data:`PLACEHOLDERS`, grouped in the
        order the patterns run (not necessarily the order in the text).

    Examples
    --------
    >>> find_personal_data("Dr Smith, 212-555-0147, Springfield, IL 62704")
    [('phone', '212-555-0147'), ('zip', '62704'), ('name', 'Dr Smith')]
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    check_type(text, "text", "find_personal_data", str, "a str or None")
    found: list[tuple[str, str]] = []
    _redact_text(text, found)
    return found


def personal_data_counts(texts: pd.Series) -> pd.DataFrame:
    """How many items of each kind of personal data :func:`redact_series` removes from ``texts``.

    Parameters
    ----------
    texts : pandas.Series
        Free text; missing values are skipped.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind`` (every key of :data:`PLACEHOLDERS`, in that order, zero counts included)
        and ``count``.

    Examples
    --------
    >>> counts = personal_data_counts(pd.Series(["a@b.org or c@d.org", "Mr Hughes", None]))
    >>> counts.set_index("kind")["count"].loc[["email", "name", "phone"]].tolist()
    [2, 1, 0]
    """
    found: list[tuple[str, str]] = []
    for i, v in texts.items():
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            continue
        if not isinstance(v, str):
            raise parameter_error(
                "texts", "personal_data_counts", "strings or missing values", f"{v!r} at index {i!r}", as_text=True
            )
        _redact_text(v, found)
    counts = Counter(kind for kind, _ in found)
    return pd.DataFrame({"kind": list(PLACEHOLDERS), "count": [counts.get(k, 0) for k in PLACEHOLDERS]})
