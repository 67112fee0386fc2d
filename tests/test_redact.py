"""Redaction: every kind of personal data is removed, and ordinary numbers and words survive."""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from redact_planted import controls, held_out_controls, planted  # tests/ is on the path (rootdir conftest, no package)

from cxmethods.core.errors import CxmError
from cxmethods.io.redact import (
    MEASURED_RECALL,
    PLACEHOLDERS,
    RULES_NAME_RECALL,
    find_personal_data,
    personal_data_counts,
    redact,
    redact_names,
    redact_series,
)
from cxmethods.sample import make_sample

# (kind, value): each is planted in a sentence and must come out as its placeholder
POSITIVE = [
    ("email", "j.smith@example.com"),
    ("email", "first.last+survey@mail.example.co.uk"),
    ("email", "A_B-c@sub.domain.example.org"),
    ("email", "resident42@council.gov.uk"),
    ("phone", "07700 900123"),
    ("phone", "07700900123"),
    ("phone", "+44 7700 900123"),
    ("phone", "+44 (0)20 7946 0018"),
    ("phone", "020 7946 0018"),
    ("phone", "(020) 7946 0018"),
    ("phone", "0161 496 0000"),
    ("phone", "01632 960123"),
    ("phone", "(212) 555-0147"),
    ("phone", "(212)555-0147"),
    ("phone", "212-555-0147"),
    ("phone", "212.555.0147"),
    ("phone", "+1 212 555 0147"),
    ("phone", "1-800-555-0199"),
    ("ni_number", "QQ 12 34 56 C"),
    ("ni_number", "QQ123456C"),
    ("ni_number", "AB 98 76 54 A"),
    ("ni_number", "qq123456d"),
    ("ssn", "123-45-6789"),
    ("ssn", "123 45 6789"),
    ("ssn", "078-05-1120"),
    ("card", "4111 1111 1111 1111"),
    ("card", "4111-1111-1111-1111"),
    ("card", "4111111111111111"),
    ("card", "5500 0000 0000 0004"),
    ("card", "3782 822463 10005"),
    ("card", "6011000990139424"),
    ("address", "14 Acacia Avenue"),
    ("address", "221B Baker Street"),
    ("address", "350 Fifth Ave"),
    ("address", "10 Downing St"),
    ("address", "1600 Pennsylvania Avenue"),
    ("address", "7 St Mary's Road"),
    ("address", "42 Wallaby Way"),
    ("address", "3 Mill Lane"),
    ("postcode", "SW1A 1AA"),
    ("postcode", "M1 1AE"),
    ("postcode", "EC1A 1BB"),
    ("postcode", "B33 8TH"),
    ("postcode", "CR2 6XH"),
    ("name", "Mrs Patel"),
    ("name", "Mr. O'Neill"),
    ("name", "Dr Smith"),
    ("name", "Ms Okafor"),
    ("name", "Mrs Jane Doe"),
    ("name", "Dr. McDonald"),
    ("name", "MR JONES"),
    ("name", "mrs patel"),
    ("name", "John Smith"),
    ("name", "SARAH CONNOR"),
    ("name", "Иван Петров"),
    ("iban", "GB82 WEST 1234 5698 7654 32"),
    ("iban", "GB82WEST12345698765432"),
    ("iban", "de89 3704 0044 0532 0130 00"),
    ("bank_account", "20-00-00 12345678"),
    ("card", "4111.1111.1111.1111"),
    ("ip_address", "192.0.2.45"),
    ("ip_address", "2001:db8::8a2e:370:7334"),
    ("ip_address", "fe80::1ff:fe23:4567:890a"),
    ("date_of_birth", "14/07/1979"),
    ("date_of_birth", "3 March 1985"),
    ("nhs_number", "943 476 5919"),
    ("phone", "+48 22 123 45 67"),
    ("phone", "+33 1 23 45 67 89"),
    ("phone", "0048 601 234 567"),
    ("address", "17 high street"),
    ("address", "221b baker street"),
    ("address", "Flat 3, 12 Station Road"),
    ("postcode", "sw1a 1aa"),
    ("postcode", "m1 1ae"),
]


@pytest.mark.parametrize(("kind", "value"), POSITIVE, ids=[v for _, v in POSITIVE])
def test_positive_is_redacted(kind, value):
    text = f"Please note {value} for the record."
    out = redact(text)
    assert out == f"Please note {PLACEHOLDERS[kind]} for the record."
    assert find_personal_data(text) == [(kind, value)]


# only the personal part goes; the words that locate it stay
CONTEXT = [
    ("Springfield, IL 62704", "Springfield, IL [ZIP]", ("zip", "62704")),
    ("Austin, TX 78701-1234", "Austin, TX [ZIP]", ("zip", "78701-1234")),
    ("350 Fifth Ave, New York 10118", "[ADDRESS], New York [ZIP]", ("zip", "10118")),
    ("my name is Jane Doe and", "my name is [NAME] and", ("name", "Jane Doe")),
    ("My name's Tom.", "My name's [NAME].", ("name", "Tom")),
    ("my name is john smith and I", "my name is [NAME] and I", ("name", "john smith")),
    ("mrs patel rang twice", "[NAME] rang twice", ("name", "mrs patel")),
    ("I spoke to Priya at the desk", "I spoke to [NAME] at the desk", ("name", "Priya")),
    ("I spoke to محمد علي yesterday", "I spoke to [NAME] yesterday", ("name", "محمد علي")),
    ("I spoke to 王伟 yesterday", "I spoke to [NAME] yesterday", ("name", "王伟")),
    ("王先生很好", "[NAME]先生很好", ("name", "王")),
    ("DOB: 03/04/1985.", "DOB: [DATE OF BIRTH].", ("date_of_birth", "03/04/1985")),
    ("I was born on 3rd of May 2001.", "I was born on [DATE OF BIRTH].", ("date_of_birth", "3rd of May 2001")),
    ("Sort code 20 00 00, account 12345678.", "Sort code [BANK ACCOUNT].", ("bank_account", "20 00 00, account 12345678")),
    ("NHS number 9434765919 please", "NHS number [NHS NUMBER] please", ("nhs_number", "9434765919")),
]


@pytest.mark.parametrize(("text", "expected", "item"), CONTEXT, ids=[c[0] for c in CONTEXT])
def test_positive_in_context(text, expected, item):
    assert redact(text) == expected
    assert item in find_personal_data(text)


NEGATIVE = [
    "I was charged £1,250.00 twice.",
    "They owe me $3,400 since March.",
    "The payment of $12,345.67 was returned.",
    "It happened on 12/03/2024 at the office.",
    "Due 2024-03-12, paid 2024-04-01.",
    "Back in 2019 and again in 2021.",
    "From 2015-2020 nothing changed.",
    "My appointment was at 10:30 and I waited until 11:45.",
    "Please quote case 123456 when you call.",
    "See ticket #4521 and ref 99817.",
    "Reference 1234567812345678 on the letter.",  # 16 digits failing Luhn
    "Account 0000 0000 0000 0000 was closed.",
    "I live on the 2nd floor of the block.",
    "Get your kicks on Route 66.",
    "Rates went up 12.5% this year and 3% last year.",
    "I asked for Mr and got nobody.",
    "The Mayor promised to fix it.",
    "Version 2.10.3 of the app, build 10.0.19041.",
    "The bus number 73 was late by 25 minutes.",
    "I have been waiting 3 years for 2 repairs.",
    "Sold for 62704 dollars in total.",
    "I paid with XXXX XXXX XXXX 1234 on XX/XX/XXXX.",
    "Mr. XXXX from the bank called on XX/XX/2019.",
    "Dear Sir or Madam, my name is not on the account.",
    "Tax year 2023/24, band D, £1,987.12 a year.",
    "The man on the phone knew exactly what to do about my council tax.",
    "I called 3 times on the road home.",
    "Order no. 100200300 arrived in 5 days.",
    "The lift was fixed at 10:30:15 on 2024-05-01.",
    "We met on 3 March 2023 and again on 14/07/2024.",
    "Room 12 on the 3rd floor, 2 people walk past.",
    "I waited 2 hours in the queue at the main road.",
    "The dr said my next appointment is in June.",
    "Will Council Tax go up? May Day was busy.",
    "Grace Period Extension and Customer Services Review.",
    "The app is at version 1.4.2 and build 2.0.19041.",
    "Ticket 1234567890 was closed.",  # ten digits failing the NHS check
    "My name is on the letter.",
    "I called Customer Services about it.",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative_survives(text):
    assert redact(text) == text
    assert find_personal_data(text) == []


def test_corpus_sizes():
    assert len(POSITIVE) + len(CONTEXT) >= 40 and len(NEGATIVE) >= 20
    assert {k for k, _ in POSITIVE} | {i[0] for _, _, i in CONTEXT} == set(PLACEHOLDERS)


# look-alike and invisible characters are normalised before matching
DISGUISED = [
    ("Ring 07700\u200b900123 today", "Ring [PHONE] today"),  # zero-width space inside
    ("Ring 07700\u00a0900\u2060123 today", "Ring [PHONE] today"),  # non-breaking space, word joiner
    ("Ring \uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13 today", "Ring [PHONE] today"),  # full-width
    ("Mail j.smith\uff20example.com now", "Mail [EMAIL] now"),  # full-width @
    ("Mail j.sm\u200dith@exam\ufeffple.com now", "Mail [EMAIL] now"),
    ("Card 4111\u20111111\u20111111\u20111111 used", "Card [CARD] used"),  # non-breaking hyphens
]


@pytest.mark.parametrize(("text", "expected"), DISGUISED)
def test_disguised_characters_are_normalised(text, expected):
    assert redact(text) == expected


def test_text_without_personal_data_is_returned_as_written():
    text = "Caf\u00e9 staff\u00a0were kind \u2014 thanks\u200b!"
    assert redact(text) is text


def test_several_kinds_in_one_text():
    text = "Mr Hughes (07700 900321, hughes@example.net) of 3 Mill Lane, RV1 2AB paid £40 on 01/02/2025."
    assert redact(text) == "[NAME] ([PHONE], [EMAIL]) of [ADDRESS], [POSTCODE] paid £40 on 01/02/2025."
    assert Counter(k for k, _ in find_personal_data(text)) == Counter(["name", "phone", "email", "address", "postcode"])


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_missing_stays_missing(missing):
    assert redact(missing) is missing
    assert find_personal_data(missing) == []


def test_non_text_is_an_error():
    with pytest.raises(CxmError, match=r"The 'text' parameter of redact must be a str or None\. Got 5 instead\."):
        redact(5)
    with pytest.raises(
        CxmError, match=r"The 'texts' parameter of redact_series must be strings or missing values\. Got 7 at index 'b' instead\."
    ):
        redact_series(pd.Series(["ok", 7], index=["a", "b"], dtype=object))


@pytest.mark.parametrize("dtype", [object, "string"])
def test_redact_series_keeps_index_name_dtype(dtype):
    s = pd.Series(["Ring 020 7946 0018", None, "Fine"], index=[10, 20, 30], name="comment", dtype=dtype)
    out = redact_series(s)
    assert out.index.equals(s.index) and out.name == "comment" and out.dtype == s.dtype
    assert out[10] == "Ring [PHONE]" and pd.isna(out[20]) and out[30] == "Fine"
    assert s[10] == "Ring 020 7946 0018"  # the input is left alone


def test_personal_data_counts_every_kind():
    counts = personal_data_counts(pd.Series(["a@b.org or c@d.org", "Mr Hughes, SW1A 1AA", None, "nothing"]))
    assert list(counts.columns) == ["kind", "count", "measured_recall", "note"]
    note = counts.set_index("kind").loc["name", "note"]
    assert f"caught {RULES_NAME_RECALL:.0%} of the planted names" in note and "not what was there" in note
    assert f"{MEASURED_RECALL['name']:.0%} with the name model" in note
    assert counts["kind"].tolist() == list(PLACEHOLDERS)
    assert counts.set_index("kind")["count"].to_dict() == {**dict.fromkeys(PLACEHOLDERS, 0), "email": 2, "name": 1, "postcode": 1}


@pytest.fixture(scope="module")
def sample():
    return make_sample()


def test_sample_planted_personal_data_is_removed(sample):
    planted = sample.truth["planted_personal_data"]
    comments = sample.survey.set_index("resp_id")["comment"]
    redacted = redact_series(comments)
    assert len(planted) > 40 and {p["kind"] for p in planted} == {"email", "phone", "ni_number", "name"}
    for p in planted:
        text = redacted[p["resp_id"]]
        assert p["value"] not in text, p
        assert PLACEHOLDERS[p["kind"]] in text, p
        if p["kind"] == "phone":
            assert re.sub(r"\D", "", p["value"]) not in re.sub(r"\D", "", text), p
    ordinary = comments.index.difference([p["resp_id"] for p in planted])
    assert comments[ordinary].notna().sum() > 1000
    pd.testing.assert_series_equal(redacted[ordinary], comments[ordinary])


def test_sample_counts_match_what_was_planted(sample):
    planted = Counter(p["kind"] for p in sample.truth["planted_personal_data"])
    counts = personal_data_counts(sample.survey["comment"]).set_index("kind")["count"]
    assert counts.to_dict() == {k: planted.get(k, 0) for k in PLACEHOLDERS}


def test_fifty_thousand_comments_in_a_few_seconds(sample):
    texts = pd.concat([sample.survey["comment"]] * 17, ignore_index=True)
    assert len(texts) >= 50_000
    start = time.perf_counter()
    redact_series(texts)
    assert time.perf_counter() - start < 5


def _caught(value: str, sentence: str, *, model: bool = True) -> bool:
    """The value is gone from the redacted sentence (also in its normalised spelling) and a placeholder stands in."""
    out = redact(sentence, model=model)
    plain = unicodedata.normalize("NFKC", value).translate(dict.fromkeys(map(ord, "\u200b\u200d"), None))
    return out != sentence and value not in out and plain not in out


def test_recall_on_the_planted_set():
    """Recall per kind on ~300 planted items, and no clean sentence touched; the figures the redactor states
    (MEASURED_RECALL, in personal_data_redacted.csv and the README) must be true: met, and not far below."""
    items = planted()
    assert len(items) >= 200 and {k for k, _, _ in items} == set(PLACEHOLDERS) - {"zip"}
    caught: dict[str, list[bool]] = {}
    for kind, value, sentence in items:
        caught.setdefault(kind, []).append(_caught(value, sentence))
    recall = {kind: sum(v) / len(v) for kind, v in caught.items()}
    names = [(v, s) for k, v, s in items if k == "name"]
    recall_rules = sum(_caught(v, s, model=False) for v, s in names) / len(names)
    print({k: round(r, 3) for k, r in recall.items()}, "rules alone:", round(recall_rules, 3))  # README's figures
    for kind, measured in [*recall.items(), ("rules", recall_rules)]:
        stated = RULES_NAME_RECALL if kind == "rules" else MEASURED_RECALL[kind]
        assert measured >= stated, (kind, measured)
        assert measured - stated < 0.05, (kind, measured)  # a better figure is stated, not hidden
    assert recall["name"] > recall_rules  # the model finds names no rule or list knows
    changed = [text for text in controls() if redact(text, model=True) != text]
    assert len(controls()) >= 50 and changed == []


def test_false_alarms_on_held_out_sentences():
    """Clean sentences the filter was not written against: how many lose a place or body to [NAME], as the README
    states (2 of 30 by the rules, 4 of 30 with the model)."""
    held = held_out_controls()
    rules = [t for t in held if redact(t) != t]
    both = [t for t in held if redact(t, model=True) != t]
    print(f"false alarms: rules {len(rules)} of {len(held)}, with the model {len(both)}")
    assert len(held) == 30 and len(rules) <= 2 and len(both) <= 4
    assert set(rules) <= set(both)  # the model only adds


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Zanele Dlamini fixed it at last", "[NAME] fixed it at last"),  # in no list: the model's find
        ("the form wanted john smith", "the form wanted [NAME]"),  # lower case: the model finds, the lists confirm
        ("Иван Петров called", "[NAME] called"),
        ("The missed bin again", "The missed bin again"),  # a lower-case word the model takes for a person
        ("Recycling Centre was shut", "Recycling Centre was shut"),
        ("I paid XXXX XXXX on XX/XX/2019", "I paid XXXX XXXX on XX/XX/2019"),  # masks stay masks
        ("all lower case, no names here", "all lower case, no names here"),
    ],
)
def test_name_model(text, expected):
    assert redact(text, model=True) == expected
    assert redact_names(redact(text)) == expected


def test_model_is_off_unless_asked():
    assert redact("Zanele Dlamini fixed it") == "Zanele Dlamini fixed it"
    out = redact_series(pd.Series(["Zanele Dlamini fixed it", None]), model=True)
    assert out[0] == "[NAME] fixed it" and pd.isna(out[1])
    assert find_personal_data("Zanele Dlamini fixed it", model=True) == [("name", "Zanele Dlamini")]
