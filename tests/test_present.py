"""The presentation layer: every column a workbook writes is in the data dictionary, and what reaches a client reads
as plain English (no code names, no raw decimals, no true/false, no ids)."""

from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import ARTIFACTS, START_HERE, Artifact, read_table
from cxmethods.outputs.present import (
    KINDS,
    MISSING,
    Field,
    dictionary,
    field,
    format_value,
    glossary,
    humanise,
    id_names,
    present,
    table_info,
    unit_of,
)

# ------------------------------------------------------------------------------------------------- the dictionary


def _key(a: Artifact) -> str:
    return f"{a.step}/{a.name}"


def _undocumented(artifacts, data: dict) -> list[str]:
    """Every registered column without an entry of its own: in ``columns``, in its table's ``columns``, or (for a
    table whose columns depend on the data) in its table's ``other_columns``."""
    missing = []
    for a in artifacts:
        own = data["tables"].get(_key(a)) or {}
        for c in a.columns:
            known = c in data["columns"] or c in (own.get("columns") or {})
            if not known and not (a.more_columns and own.get("other_columns")):
                missing.append(f"{_key(a)}: {c}")
    return missing


def test_every_registered_column_is_in_the_dictionary():
    assert _undocumented(ARTIFACTS, dictionary()) == []
    for a in ARTIFACTS:
        for c in a.columns:
            f = field(c, _key(a))
            assert f.label.strip() and f.kind in KINDS and f.meaning.strip(), (_key(a), c, f)
            assert f.meaning.rstrip().endswith((".", ")")), (_key(a), c, "a meaning is a sentence")


def test_a_column_added_without_an_entry_is_caught():
    # the check above is no formality: a table registered with a new column it does not know fails it
    extra = Artifact("02_voice_of_customer", "contact_reasons", ("reason", "contacts", "callback_share"))
    assert _undocumented([extra], dictionary()) == ["02_voice_of_customer/contact_reasons: callback_share"]
    # a table whose columns depend on the data takes its other_columns entry, and only then
    hints = Artifact("02_voice_of_customer", "segment_hints", ("attribute", "sms"), more_columns="one per channel")
    assert _undocumented([hints], dictionary()) == []
    assert _undocumented([Artifact("02_voice_of_customer", "segment_hints", ("sms",))], dictionary()) == [
        "02_voice_of_customer/segment_hints: sms"
    ]


def test_every_artifact_has_a_title_and_what_it_tells():
    tables = dictionary()["tables"]
    for a in ARTIFACTS:
        entry = tables.get(_key(a)) or {}
        assert str(entry.get("title", "")).strip() and str(entry.get("tells", "")).strip(), _key(a)
        title, tells = table_info(_key(a))
        assert title == entry["title"] and tells.endswith(".") and "_" not in title + tells, _key(a)


def test_the_dictionary_names_only_registered_tables_and_columns():
    # a typo in a table or column name would otherwise leave an entry that never applies
    data, registered = dictionary(), {_key(a): a for a in ARTIFACTS}
    assert sorted(set(data["tables"]) - set(registered)) == []
    every = {c for a in ARTIFACTS for c in a.columns}
    assert sorted(set(data["columns"]) - every) == []
    for key, entry in data["tables"].items():
        assert sorted(set(entry.get("columns") or {}) - set(registered[key].columns)) == [], key
        assert not entry.get("other_columns") or registered[key].more_columns, key


def test_labels_are_unique_within_a_table():
    # present() keys its columns by label: two columns with one label would lose one
    for a in ARTIFACTS:
        labels = [field(c, _key(a)).label for c in a.columns]
        assert len(labels) == len(set(labels)), (_key(a), sorted(x for x in labels if labels.count(x) > 1))


def test_labels_and_meanings_are_plain_english():
    code = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
    for a in ARTIFACTS:
        for c in a.columns:
            f = field(c, _key(a))
            assert not code.search(f.label) and not code.search(f.meaning), (_key(a), c, f.label, f.meaning)
            assert not any(code.search(v) for v in (f.values or {}).values()), (_key(a), c)


def test_a_column_of_the_data_takes_the_tables_other_columns_entry():
    f = field("sms", "02_voice_of_customer/segment_hints")
    assert (f.label, f.kind) == ("SMS", "share") and "sms channel" in f.meaning
    assert field("web_form", "03_segmentation/suitability").kind == "number"
    assert field("sms", "03_segmentation/segments").kind == "text"  # no other_columns there: plain text, in words
    assert field("sms").label == "SMS"


def test_a_bad_kind_is_named():
    with pytest.raises(CxmError, match="'Cost' has kind 'cash'"):
        Field("Cost", "cash")
    with pytest.raises(CxmError, match="unit of kind 'percent'"):
        Field("Target", "number", units=(("share", {"kind": "percent"}),))


# -------------------------------------------------------------------------------------------------- format_value


@pytest.mark.parametrize(
    ("value", "kind", "decimals", "shown"),
    [
        # count: whole, grouped, signed; a float from a CSV is still a count
        (19402.0, "count", None, "19,402"),
        (-408.4, "count", None, "-408"),
        (0, "count", None, "0"),
        (np.int64(3_000_000_000), "count", None, "3,000,000,000"),
        # share: whole from 10%, one place below, "under 0.1%" above zero, exact zero and negatives
        (0.1344, "share", None, "13%"),
        (0.0995, "share", None, "10%"),
        (0.042, "share", None, "4.2%"),
        (0.0004, "share", None, "under 0.1%"),
        (0.0, "share", None, "0%"),
        (1.0, "share", None, "100%"),
        (-0.061, "share", None, "-6.1%"),
        (-0.25, "share", None, "-25%"),
        (0.7366, "share", 1, "73.7%"),
        (np.float64(0.5), "share", None, "50%"),
        # points: a difference of two percentages
        (-0.0243, "points", None, "-2.4 pts"),
        (0.15, "points", None, "15 pts"),
        (0.0, "points", None, "0 pts"),
        # ratio, score, hours
        (1.8401, "ratio", None, "1.84"),
        (-0.2835, "ratio", None, "-0.28"),
        (0.0, "ratio", None, "0.00"),
        (22.28, "ratio", 1, "22.3"),
        (3.5, "score", None, "3.5"),
        (2, "score", None, "2.0"),
        (265.601, "hours", None, "265.6"),
        # number: as precise as its size needs, trailing zeros dropped
        (1234.56, "number", None, "1,235"),
        (12.345, "number", None, "12.3"),
        (4.0934, "number", None, "4.09"),
        (0.035, "number", None, "0.035"),
        (0.03512, "number", None, "0.035"),
        (6.0, "number", None, "6"),
        (-1.5, "number", None, "-1.5"),
        (2.25, "number", 2, "2.25"),
        (1e15, "number", None, "1,000,000,000,000,000"),
        # years (a length), year (a calendar year), weeks
        (7.5284, "years", None, "7.5"),
        (3.0, "years", None, "3"),
        (2026.0, "year", None, "2026"),
        (np.int64(2027), "year", None, "2027"),
        (59, "weeks", None, "59"),
        # yes/no from bools, numpy bools, strings and numbers
        (True, "yes_no", None, "Yes"),
        (np.False_, "yes_no", None, "No"),
        ("False", "yes_no", None, "No"),
        (1.0, "yes_no", None, "Yes"),
        # dates and months from strings, dates, datetimes and timestamps
        ("2026-04-01", "date", None, "1 Apr 2026"),
        (date(2026, 12, 5), "date", None, "5 Dec 2026"),
        (datetime(2025, 4, 1, 9, 30), "date", None, "1 Apr 2025"),
        (pd.Timestamp("2029-03-31"), "date", None, "31 Mar 2029"),
        ("2025-04", "month", None, "Apr 2025"),
        (pd.Timestamp("2025-05-01"), "month", None, "May 2025"),
        # text and categories
        ("face_to_face", "category", None, "Face to face"),
        ("quick win", "category", None, "quick win"),
        (3.0, "text", None, "3"),
        ("Missed bin collection", "text", None, "Missed bin collection"),
    ],
)
def test_format_value(value, kind, decimals, shown):
    assert format_value(value, Field("X", kind, decimals=decimals)) == shown


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT, "", "nan", "None", "<NA>", np.float64("nan")])
@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_value_is_a_dash_whatever_the_kind(missing, kind):
    assert format_value(missing, Field("X", kind)) == MISSING


@pytest.mark.parametrize(
    ("currency", "value", "decimals", "shown"),
    [
        ("GBP", 12300.4, None, "£12,300"),
        ("GBP", 2.834, 2, "£2.83"),
        ("GBP", -37800.0, None, "-£37,800"),
        ("GBP", -0.3, None, "£0"),  # no "-£0"
        ("GBP", 0, None, "£0"),
        ("EUR", -4100.4, None, "-€4,100"),
        ("USD", 1_234_567_890.0, None, "$1,234,567,890"),
        ("USD", 0.2169, 2, "$0.22"),
        ("NOK", 812, None, "NOK 812"),
        ("CHF", -5.5, 2, "-CHF 5.50"),
        ("GBP", np.float64(55862.6), None, "£55,863"),
    ],
)
def test_money_in_each_currency(currency, value, decimals, shown):
    assert format_value(value, Field("Cost", "money", decimals=decimals), currency=currency) == shown


def test_a_category_in_words():
    channel = field("channel")
    assert [format_value(v, channel) for v in ("web_form", "(all)", "unknown", "mobile_app")] == [
        "Web form",
        "All channels",
        "Not recorded",
        "Mobile app",
    ]
    vfm = field("vfm_category", "04_business_case/appraisal")
    assert [format_value(v, vfm) for v in ("very high", "poor", "not defined")] == ["Very high", "Poor", "Not defined"]
    hats = field("hats", "03_segmentation/stakeholders")
    assert format_value("indirect_customer; customer_representative", hats) == "Indirect customer; Customer representative"
    assert format_value("green_book", field("bcr_convention")) == "Green Book: all benefits / costs"


def test_ids_in_text_become_names():
    names = {"I02": "First-contact resolution training", "I10": "CRM replacement", "G06": "Children"}
    text = field("initiatives")
    assert format_value("I02;I10", text, names=names) == "First-contact resolution training; CRM replacement"
    note = "it turns negative if I02.failure_demand falls to 0.33; see I10."
    assert format_value(note, field("note"), names=names) == (
        "it turns negative if First-contact resolution training (failure demand) falls to 0.33; see CRM replacement."
    )
    assert format_value("no one lists G06 under represents", field("detail"), names=names) == (
        "no one lists Children under represents"
    )
    assert format_value("I99", field("initiative"), names=names) == "I99"  # an id the run does not name stays


def test_channel_codes_in_a_sentence_read_as_words():
    text = "Share of face_to_face contacts moved to web_form (all contacts)"
    assert format_value(text, field("description")) == "Share of face to face contacts moved to web form (all contacts)"


def test_unit_of():
    assert unit_of(field("failure_cost"), "EUR") == "EUR" and unit_of(field("share")) == "percent"
    assert unit_of(field("effect")) == "percentage points" and unit_of(field("channel")) == ""
    assert unit_of(field("case_start_year")) == "calendar year"


def test_glossary_describes_every_column_a_client_sees():
    sheet = glossary(currency="EUR")
    shown = sum(1 for a in ARTIFACTS for c in a.columns if field(c, _key(a)).kind != "id")
    further = sum(1 for a in ARTIFACTS if a.more_columns)
    assert len(sheet) == shown + further and sheet["Meaning"].str.strip().ne("").all()
    assert set(sheet["Table"]) == {table_info(_key(a))[0] for a in ARTIFACTS if a.columns}
    npv = sheet[(sheet["Table"] == "The appraisal of each initiative") & (sheet["Column"] == "NPV")]
    assert npv["Unit"].tolist() == ["EUR"]
    target = sheet[(sheet["Table"] == "Service standards and KPIs") & (sheet["Column"] == "Target")]
    assert target["Unit"].tolist() == ["as its row's unit says"]
    with pytest.raises(CxmError, match="no table '02_voice_of_customer/nothing'"):
        glossary(["02_voice_of_customer/nothing"])


def test_humanise():
    assert humanise("median_current") == "Median current" and humanise("npv_high") == "NPV high"
    assert humanise("ip_address") == "IP address" and humanise("") == ""


# ----------------------------------------------------------------------------------------------------- present()


def test_a_column_in_units_row_by_row():
    kpis = pd.DataFrame(
        {
            "unit": ["share", "days", "score 1-5", "minutes"],
            "target": [0.8, 2.5, 4.0, 3.0],
            "current": [0.913, 3.25, np.nan, 2.0],
            "gap": [-0.113, -0.75, np.nan, -1.0],
        }
    )
    shown = present(kpis, "05_roadmap/kpis")
    assert shown["Unit"].tolist() == ["Percentage", "Days", "Score (1 to 5)", "Minutes"]
    assert shown["Target"].tolist() == ["80%", "2.5", "4.0", "3.0"]
    assert shown["Today"].tolist() == ["91%", "3.2", MISSING, "2.0"]
    assert shown["Still to go"].tolist() == ["-11 pts", "-0.8", MISSING, "-1.0"]
    assumptions = pd.DataFrame(
        {"name": ["unit_cost.phone", "I01.failure_demand", "x"], "value": [4.0934, 0.45, 6.0]}
        | {"unit": ["GBP per contact (2026 prices)", "share", "minutes per contact"]}
    )
    assert present(assumptions, "04_business_case/assumptions", currency="GBP")["Value"].tolist() == ["£4.09", "45%", "6"]


def test_present_drops_ids_and_keeps_order():
    frame = pd.DataFrame({"id": ["I02"], "title": ["Online forms"], "npv": [1234.4], "bcr": [1.5], "prob_negative": [0.004]})
    shown = present(frame, "05_roadmap/backlog")
    assert shown.to_dict("records") == [
        {"Initiative": "Online forms", "NPV": "£1,234", "Benefit-cost ratio": "1.50", "Chance of a loss": "0.4%"}
    ]
    chosen = present(frame, "05_roadmap/backlog", columns=["npv", "id"], labels={"npv": "Net value"})
    assert list(chosen.columns) == ["Net value", "Initiative id"]


def test_present_keeps_two_columns_that_share_a_label():
    shown = present(pd.DataFrame({"a": [1], "b": [2]}), labels={"a": "Same", "b": "Same"})
    assert list(shown.columns) == ["Same", "Same (B)"]


def test_present_of_an_empty_table_keeps_its_headers():
    frame = pd.DataFrame(columns=["severity", "where", "message", "fix"])
    assert list(present(frame, "03_segmentation/rule_problems").columns) == ["Severity", "Where", "Problem", "What to do"]
    assert present(frame, "03_segmentation/rule_problems").empty


# -------------------------------------------------------------------------------- the sample run, as a client sees it

_RAW = re.compile(r"\b(True|False|nan|NaN|None|NaT|<NA>)\b")
_DECIMALS = re.compile(r"\d\.\d{4,}")  # more than three decimals
_CODE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")  # lowercase words joined by underscores
_FILE = re.compile(r"[\w./-]+\.(?:csv|gz|xlsx|yaml|json|parquet)\b")  # a file's name is what the client calls it


def _client_tables(run):
    names = id_names(run)
    for a in ARTIFACTS:
        if a.kind != "csv":
            continue
        table = read_table(run, a.step, a.name, optional=True)
        if table is not None:
            yield a, table, present(table, _key(a), names=names)


def _ids(run) -> re.Pattern:
    """Any of the run's ids (initiatives, dimensions, groups, standards) standing as a word of its own."""
    ids = sorted(id_names(run), key=len, reverse=True)
    return re.compile(r"(?<![\w.:-])(?:" + "|".join(map(re.escape, ids)) + r")(?![\w:-]|\.\w)")


def test_every_table_of_a_run_reads_as_plain_english(sample_run):
    run = sample_run.out
    ids, seen = _ids(run), 0
    for a, table, shown in _client_tables(run):
        seen += 1
        assert len(shown) == len(table), _key(a)
        for header in shown.columns:
            assert not _CODE.search(header) and not _RAW.search(header), (_key(a), header)
        for column in table.columns:
            f = field(str(column), _key(a))
            if f.kind == "id":
                continue
            for cell in shown[f.label if f.label in shown else column]:
                where = (_key(a), column, cell[:120])
                assert not ids.search(cell) and not _RAW.fullmatch(cell.strip()), where
                if f.kind != "text":  # what the presentation layer writes itself: no code names, raw values or decimals
                    assert not _CODE.search(_FILE.sub("", cell)) and not _DECIMALS.search(cell), where
                    assert not _RAW.search(cell), where
    assert seen >= 50  # the sample engagement runs every workbook


def test_sentences_the_workbooks_write_name_no_code(sample_run):
    """Every sentence a workbook writes into a table reads as words: no code names, ids or long decimals. Only the
    start-here tables are left out: they name the user's own files and the fields the engagement maps, which is
    what an analyst needs to fix an input (the report's appendix summarises them without those names)."""
    found = []
    for a, table, shown in _client_tables(sample_run.out):
        if a.step == START_HERE:
            continue
        for column in table.columns:
            f = field(str(column), _key(a))
            if f.kind == "text":
                for cell in shown[f.label]:
                    found += [(_key(a), column, m.group(0)) for m in _CODE.finditer(_FILE.sub("", cell))]
                    found += [(_key(a), column, m.group(0)) for m in _DECIMALS.finditer(cell)]
    assert found == []
