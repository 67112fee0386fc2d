"""The run folder as one Excel workbook: every table, formatted, linked from Contents, reproducible."""

from __future__ import annotations

import csv
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxmethods import CxmError
from cxmethods.outputs.excel import write_excel

LONG_NAME = "respondent_level_channel_preferences_2025"  # 41 characters
NEWEST = datetime(2025, 3, 4, 5, 6, 7)  # the newest table's modification time (UTC)

APPRAISAL = """initiative,npv,unit_cost,prob_negative,irr,contacts,bcr,year,start,visit,met,comment
I01,-125000.5,2.83,0.816,1.151,1234567,0.88,2026,2026-04-01,2025-04-01 09:30,True,=SUM(A1)
I02,42481.7,12.1,0.0,-0.05,,3.49,2027,,2025-04-02 17:05,,+44 20 7946 0000
I03,,0.15,1.0,0.31,250,,2028,2026-07-01,,False,-not a number
I04,1500,,0.5,0.2,3,1.0,2029,2027-01-01,2025-04-03 00:00,True,@mention
I05,0,1.5,,,0,2.0,2030,2027-04-01,2025-04-04 08:00,False,NA
"""


def _put(table: pd.DataFrame, run: str | Path, step: str, name: str) -> Path:
    """A CSV under ``artifacts/<step>/``, registered or not: the Excel file shows whatever tables a run folder holds."""
    path = Path(run) / "artifacts" / step / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, lineterminator="\n")
    return path


def _fixture(root: Path) -> Path:
    """A small run folder: money, shares, counts, text, dates, gaps, an injection attempt, a parquet file."""
    _put(
        pd.DataFrame({"input": ["contact_log", "survey"], "rows": [51064, 3000], "code": ["007", "0012"]}),
        root,
        "00_start_here",
        "inputs",
    )
    _put(
        pd.DataFrame(
            {
                "reason": ["Missed bin", "Council tax"],
                "contacts": [6863, 120],
                "share": [0.1344, 0.0024],
                "cumulative_share": [0.1344, 0.1368],
            }
        ),
        root,
        "02_voice_of_customer",
        "contact_reasons",
    )
    (root / "artifacts" / "04_business_case").mkdir()
    (root / "artifacts" / "04_business_case" / "appraisal.csv").write_text(APPRAISAL, encoding="utf-8")
    long_text = "A very long comment. " * 5
    _put(
        pd.DataFrame({"segment": [1, 2], "note": [long_text, "short"], "top2_share": [45.0, 62.5]}),
        root,
        "03_segmentation",
        LONG_NAME,
    )
    _put(pd.DataFrame(columns=["severity", "where", "message", "fix"]), root, "03_segmentation", "rule_problems")
    pd.DataFrame(
        {
            "respondent_id": ["R1", "R2", "R3"],
            "segment": [2, 1, 2],
            "weight": pd.Series([0.5, None, float("inf")], dtype="float32"),
            "visits": pd.Series([1, None, 3000], dtype="Int64"),
            "seen": pd.to_datetime(["2025-04-01 09:30", None, "2025-04-02 10:00"]).tz_localize("Europe/London"),
        }
    ).to_parquet(root / "artifacts" / "03_segmentation" / "assignments.parquet", index=False)
    (root / "artifacts" / "05_roadmap").mkdir()
    (root / "artifacts" / "05_roadmap" / "timeline.png").write_bytes(b"\x89PNG not a table")
    stamp = NEWEST.replace(tzinfo=UTC).timestamp()
    for i, path in enumerate(sorted((root / "artifacts").rglob("*.*"))):
        os.utime(path, (stamp - 60 * (i + 1), stamp - 60 * (i + 1)))
    os.utime(root / "artifacts" / "02_voice_of_customer" / "contact_reasons.csv", (stamp, stamp))
    return root


#: A data dictionary for these tests (the package's own is filled in as the workbooks grow): some columns known,
#: one table with a title, a meaning and its own entry for a column; the rest fall back to their names.
DICTIONARY = {
    "columns": {
        "contacts": {"label": "Contacts", "kind": "count", "meaning": "Number of contacts in the log."},
        "share": {"label": "Share of contacts", "kind": "share", "meaning": "The reason's share of all contacts."},
        "npv": {"label": "Net present value", "kind": "money", "meaning": "Benefits less costs, discounted."},
        "unit_cost": {"label": "Cost per contact", "kind": "money", "meaning": "What one contact costs."},
        "reason": {"label": "Reason", "kind": "text", "meaning": "Why the customer got in touch."},
        "channel": {"label": "Channel", "kind": "category", "values": {"face_to_face": "Face to face"}},
        "segment": {"label": "Segment", "kind": "id", "meaning": "The segment's number."},
    },
    "tables": {
        "02_voice_of_customer/contact_reasons": {"title": "Contacts by reason", "tells": "Which reasons bring most contacts."},
        "04_business_case/appraisal": {
            "title": "Appraisal of each initiative",
            "columns": {"bcr": {"label": "Benefit-cost ratio", "kind": "ratio", "meaning": "Benefits / costs."}},
        },
    },
}
SHEETS = {
    "inputs": "Inputs",
    "reasons": "Contacts by reason",
    "assignments": "Assignments",
    "long": "Respondent level channel",  # the title cut at a word break
    "rules": "Rule problems",
    "appraisal": "Appraisal of each initiative",
}


@pytest.fixture(scope="module", autouse=True)
def _dictionary():
    from cxmethods.outputs import present

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(present, "dictionary", lambda: DICTIONARY)
        yield


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return _fixture(tmp_path_factory.mktemp("riverton"))


@pytest.fixture(scope="module")
def book(run):
    return openpyxl.load_workbook(write_excel(run, name="Riverton Borough Council"))


def _raw(run: Path, step: str, name: str) -> list[list[str]]:
    with open(run / "artifacts" / step / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _top(sheet) -> int:
    """The header row of a table sheet (where its filter starts)."""
    return int(re.match(r"[A-Z]+(\d+)", sheet.auto_filter.ref).group(1))


def _column(sheet, header: str) -> list:
    """The cells under ``header``."""
    top = _top(sheet)
    index = [c.value for c in sheet[top]].index(header) + 1
    return [sheet.cell(r, index) for r in range(top + 1, sheet.max_row + 1)]


def test_one_sheet_per_table_in_step_order_then_file_name(book):
    assert book.sheetnames == ["Contents", "Data dictionary", *SHEETS.values()]  # no business case in this run


def test_contents_lists_and_links_every_table(book, run):
    contents = book["Contents"]
    assert contents["A1"].value == "Riverton Borough Council" and contents["A1"].font.b
    assert "riverton" in contents["A2"].value and "2025-03-04 05:06 UTC" in contents["A2"].value
    top = _top(contents)
    assert [c.value for c in contents[top]] == ["Sheet", "Workbook", "Table", "What it tells", "Rows", "Note"]
    rows = list(contents.iter_rows(min_row=top + 1, values_only=True))
    assert [r[:5] for r in rows] == [
        ("Inputs", "00 Start here", "Inputs", None, 2),
        ("Contacts by reason", "02 Voice of customer", "Contacts by reason", "Which reasons bring most contacts.", 2),
        ("Assignments", "03 Segmentation", "Assignments", None, 3),
        ("Respondent level channel", "03 Segmentation", "Respondent level channel preferences 2025", None, 2),
        ("Rule problems", "03 Segmentation", "Rule problems", None, 0),
        ("Appraisal of each initiative", "04 Business case", "Appraisal of each initiative", None, 5),
    ]
    assert all(r[5] is None for r in rows)  # nothing cut, nothing left out
    for row in contents.iter_rows(min_row=top + 1):
        assert row[0].hyperlink.location == f"'{row[0].value}'!A1" and row[0].hyperlink.target is None


def test_headers_come_from_the_data_dictionary_and_the_sheet_says_what_it_tells(book):
    reasons = book[SHEETS["reasons"]]
    assert reasons["A1"].value == "Contacts by reason" and reasons["A2"].value == "Which reasons bring most contacts."
    assert [c.value for c in reasons[3]] == ["Reason", "Contacts", "Share of contacts", "Cumulative share"]
    appraisal = book[SHEETS["appraisal"]]
    headers = [c.value for c in appraisal[_top(appraisal)]]
    assert headers[:3] == ["Initiative", "Net present value", "Cost per contact"]  # unknown: the name in words
    assert "Benefit-cost ratio" in headers and "IRR" in headers and "Prob negative" in headers
    assert [c.value for c in book[SHEETS["long"]][3]] == ["Segment", "Note", "Top2 share"]  # an id keeps a plain header


def test_the_data_dictionary_sheet_lists_every_column_with_meaning_and_unit(book, run):
    sheet = book["Data dictionary"]
    top = _top(sheet)
    assert [c.value for c in sheet[top]] == ["Sheet", "Column", "Meaning", "Unit", "Name in the data files"]
    rows = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    columns = sum(
        len(_raw(run, s, n)[0])
        for s, n in (
            ("00_start_here", "inputs"),
            ("02_voice_of_customer", "contact_reasons"),
            ("03_segmentation", LONG_NAME),
            ("03_segmentation", "rule_problems"),
            ("04_business_case", "appraisal"),
        )
    )
    assert len(rows) == columns + 5  # and the parquet file's five
    found = {(r[0], r[4]): r for r in rows}
    assert found[(SHEETS["reasons"], "contacts")][1:4] == ("Contacts", "Number of contacts in the log.", "count")
    assert found[(SHEETS["reasons"], "share")][3] == "percent"
    assert found[(SHEETS["appraisal"], "npv")][1:4] == ("Net present value", "Benefits less costs, discounted.", "GBP")
    assert found[(SHEETS["appraisal"], "bcr")][1:4] == ("Benefit-cost ratio", "Benefits / costs.", "ratio")
    assert found[(SHEETS["appraisal"], "prob_negative")][2:4] == (None, "percent")  # unknown: unit from its format
    assert "GBP" in sheet["A2"].value


def test_values_equal_the_csv(book, run):
    """Every cell against the file read with the csv module: numbers as numbers, gaps empty, text kept."""
    for sheet, step, name in (
        (SHEETS["appraisal"], "04_business_case", "appraisal"),
        (SHEETS["inputs"], "00_start_here", "inputs"),
        (SHEETS["reasons"], "02_voice_of_customer", "contact_reasons"),
    ):
        raw = _raw(run, step, name)
        top = _top(book[sheet])
        got = [[c.value for c in row] for row in book[sheet].iter_rows(min_row=top + 1, max_col=len(raw[0]))]
        assert len(got) == len(raw) - 1
        for want_row, got_row in zip(raw[1:], got):
            for want, value in zip(want_row, got_row):
                if want == "":
                    assert value is None
                elif want in ("True", "False"):
                    assert value is (want == "True")
                elif isinstance(value, datetime):
                    assert value == datetime.fromisoformat(want)
                elif isinstance(value, (int, float)):
                    assert value == float(want)
                else:
                    assert value == want
    appraisal = book[SHEETS["appraisal"]]
    npv, contacts = _column(appraisal, "Net present value"), _column(appraisal, "Contacts")
    assert npv[0].value == -125000.5 and npv[0].data_type == "n"
    assert contacts[0].value == 1234567 and contacts[1].value is None  # a count with a gap stays a number
    assert _column(appraisal, "Comment")[4].value == "NA"  # the text "NA" is not a missing value
    assert _column(book[SHEETS["inputs"]], "Code")[0].value == "007"  # codes keep their leading zeros
    assert [c.data_type for c in _column(appraisal, "Met")[:3:2]] == ["b", "b"]


def test_parquet_types(book):
    sheet = book[SHEETS["assignments"]]
    rows = list(sheet.iter_rows(min_row=_top(sheet), values_only=True))
    assert rows[0] == ("Respondent id", "Segment", "Weight", "Visits", "Seen")
    assert rows[1] == ("R1", 2, 0.5, 1, datetime(2025, 4, 1, 9, 30))  # local clock time, as Excel has no zones
    assert rows[2] == ("R2", 1, None, None, None) and rows[3][2:4] == ("inf", 3000)
    assert _column(sheet, "Visits")[2].number_format == "#,##0"


def test_dates_become_dates(book):
    appraisal = book[SHEETS["appraisal"]]
    start, visit = _column(appraisal, "Start"), _column(appraisal, "Visit")
    assert start[0].is_date and start[0].value == datetime(2026, 4, 1)
    assert start[0].number_format == "yyyy-mm-dd" and start[1].value is None
    assert visit[0].value == datetime(2025, 4, 1, 9, 30) and visit[0].number_format == "yyyy-mm-dd hh:mm"


@pytest.mark.parametrize(
    "header, fmt",
    [
        ("Net present value", '"£"#,##0;-"£"#,##0'),  # money (the dictionary), large sums: no decimals
        ("Cost per contact", '"£"#,##0.00;-"£"#,##0.00'),  # small sums keep pence
        ("Benefit-cost ratio", "0.00"),  # the table's own entry: a ratio
        ("Prob negative", "0.0%"),  # not in the dictionary: by its name
        ("IRR", "0.0%"),  # a rate may exceed 100%
        ("Contacts", "#,##0"),
        ("Year", "0"),  # 2026, not 2,026
    ],
)
def test_number_format_follows_the_dictionary_else_the_column_name(book, header, fmt):
    cells = _column(book[SHEETS["appraisal"]], header)
    assert {c.number_format for c in cells if c.value is not None} == {fmt}


def test_shares_percentages_and_other_scales(book):
    reasons = book[SHEETS["reasons"]]
    assert {c.number_format for c in _column(reasons, "Share of contacts")} == {"0.0%"}  # its kind: share
    assert {c.number_format for c in _column(reasons, "Cumulative share")} == {"0.0%"}  # by its name
    assert {c.number_format for c in _column(reasons, "Contacts")} == {"#,##0"}
    assert _column(book[SHEETS["long"]], "Top2 share")[0].number_format == "#,##0.00"  # a share on a 0-100 scale


@pytest.mark.parametrize("currency, symbol", [("EUR", "€"), ("USD", "$"), ("CHF", "CHF ")])
def test_currency_symbol(run, tmp_path, currency, symbol):
    book = openpyxl.load_workbook(write_excel(run, name="x", currency=currency, out=tmp_path / "x.xlsx"))
    assert _column(book[SHEETS["appraisal"]], "Net present value")[0].number_format == f'"{symbol}"#,##0;-"{symbol}"#,##0'
    assert currency in book["Data dictionary"]["A2"].value


def test_layout_of_a_table_sheet(book):
    sheet = book[SHEETS["appraisal"]]
    assert sheet["A1"].value == SHEETS["appraisal"] and sheet["A1"].font.b
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:L8"
    assert all(c.font.b and c.fill.fgColor.rgb == "001F5F8B" for c in sheet[3])
    widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[3]]
    assert all(10 <= w <= 60 for w in widths) and widths[11] > widths[0]  # comments need more room than ids
    rules = book[SHEETS["rules"]]
    assert rules.auto_filter.ref == "A3:D3" and rules.max_row == 3
    wrapped = book[SHEETS["long"]]
    assert wrapped["B4"].alignment.wrap_text and wrapped.column_dimensions["B"].width == 60
    assert not book[SHEETS["reasons"]]["A4"].alignment.wrap_text


def test_every_sheet_prints_one_page_wide_with_its_header_repeated(book):
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.oddFooter.center.text == "Page &P of &N" and sheet.oddHeader.center.text
        top = _top(sheet)
        assert sheet.print_title_rows == f"${top}:${top}"
    assert book[SHEETS["reasons"]].oddHeader.center.text == "Contacts by reason"


def test_a_table_of_examples_says_so(tmp_path):
    problems = pd.DataFrame(
        {"severity": ["warning"], "rows": ["26, 253, 272, 323, 350"], "message": ["511 row(s) have no value"]}
    )
    _put(problems, tmp_path, "00_start_here", "problems")
    book = openpyxl.load_workbook(write_excel(tmp_path, name="n"))
    sheet = book.worksheets[2]
    assert "up to five example row numbers" in " ".join(str(sheet.cell(r, 1).value) for r in range(2, _top(sheet)))
    assert "example rows only" in book["Contents"].cell(_top(book["Contents"]) + 1, 6).value


def test_category_codes_become_words(tmp_path):
    _put(pd.DataFrame({"channel": ["face_to_face", "web_form"], "contacts": [3, 4]}), tmp_path, "02_voice_of_customer", "x")
    sheet = openpyxl.load_workbook(write_excel(tmp_path, name="n")).worksheets[2]
    assert [c.value for c in _column(sheet, "Channel")] == ["Face to face", "Web form"]


@dataclass(frozen=True)
class _RowUnits:
    """A dictionary entry whose unit the rows give (as a KPI's target: a share on one row, days on another)."""

    label: str = "Target"
    kind: str = "number"
    meaning: str = "The target."
    decimals: int | None = None
    values: None = None
    unit_column: str = "unit"
    units: tuple = (("^share$", {"kind": "share"}),)

    def for_unit(self, unit):
        return replace(self, kind="share") if unit == "share" else self


def test_a_column_whose_rows_give_its_unit_is_formatted_row_by_row(tmp_path, monkeypatch):
    from cxmethods.outputs import present

    known = present.field
    monkeypatch.setattr(present, "field", lambda column, table=None: _RowUnits() if column == "target" else known(column, table))
    monkeypatch.setattr(present, "dictionary", lambda: {**DICTIONARY, "columns": {**DICTIONARY["columns"], "target": {}}})
    _put(pd.DataFrame({"unit": ["share", "days", "share"], "target": [0.95, 2.5, 0.8]}), tmp_path, "05_roadmap", "kpis")
    sheet = openpyxl.load_workbook(write_excel(tmp_path, name="n")).worksheets[2]
    assert [(c.value, c.number_format) for c in _column(sheet, "Target")] == [(0.95, "0.0%"), (2.5, "#,##0.0"), (0.8, "0.0%")]


def test_formula_like_text_is_stored_as_text(book):
    cells = _column(book[SHEETS["appraisal"]], "Comment")
    for cell, text in zip(cells, ("=SUM(A1)", "+44 20 7946 0000", "-not a number", "@mention")):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert cells[4].quotePrefix is False


def test_text_a_csv_artifact_neutralised_is_shown_as_it_was_and_stays_text(tmp_path):
    from cxmethods.io.artifacts import VOICE_OF_CUSTOMER, write_table

    table = pd.DataFrame({"reason": ["=cmd|' /C calc'!A0", "'=quoted", "-5", "plain"], "contacts": [-1, 2, 3, 4]})
    write_table(table, tmp_path, VOICE_OF_CUSTOMER, "contact_reasons")
    sheet = openpyxl.load_workbook(write_excel(tmp_path, name="Riverton", out=tmp_path / "t.xlsx"))[SHEETS["reasons"]]
    cells = [(c.value, c.quotePrefix) for c in _column(sheet, "Reason")]
    assert cells == [("=cmd|' /C calc'!A0", True), ("'=quoted", False), ("-5", True), ("plain", False)]
    assert _column(sheet, "Contacts")[0].value == -1


def test_the_file_is_a_sound_zip_of_well_formed_xml(run, tmp_path):
    path = write_excel(run, name="Riverton", out=tmp_path / "sound.xlsx")
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        for item in archive.namelist():
            if item.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(item))


def test_the_same_run_folder_gives_the_same_file(run, tmp_path):
    first = write_excel(run, name="Riverton", out=tmp_path / "a" / "one.xlsx")
    second = write_excel(run, name="Riverton", out=tmp_path / "b" / "one.xlsx")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {item.date_time for item in archive.infolist()} == {(2025, 3, 4, 5, 6, 6)}  # zip keeps even seconds
    a, b = openpyxl.load_workbook(first), openpyxl.load_workbook(second)
    assert a.properties.created == a.properties.modified == NEWEST == b.properties.modified
    for sheet in a.sheetnames:
        assert list(a[sheet].values) == list(b[sheet].values)


def test_default_path_is_in_the_run_folder(tmp_path):
    run = _fixture(tmp_path / "r")
    assert write_excel(run, name="Riverton") == run / "Riverton.xlsx" and (run / "Riverton.xlsx").is_file()


def test_a_large_parquet_file_is_listed_but_not_included(tmp_path):
    run = tmp_path / "big"
    _put(pd.DataFrame({"a": [1]}), run, "03_segmentation", "segments")
    pd.DataFrame({"id": range(100_001)}).to_parquet(run / "artifacts" / "03_segmentation" / "assignments.parquet")
    book = openpyxl.load_workbook(write_excel(run, name="Big"))
    assert book.sheetnames == ["Contents", "Data dictionary", "Segments"]
    row = [c.value for c in book["Contents"][_top(book["Contents"]) + 1]]
    assert row[:5] == [None, "03 Segmentation", "Assignments", None, 100_001] and "not included" in row[5]
    assert "100,000" in row[5] and "assignments.parquet" in row[5]


def test_limits_are_kept_and_noted(tmp_path, monkeypatch):
    from cxmethods.outputs import excel

    monkeypatch.setattr(excel, "_MAX_ROWS", 3)
    run = tmp_path / "limits"
    _put(pd.DataFrame({"n": range(5), "text": ["x" * 40_000] + ["y"] * 4}), run, "02_voice_of_customer", "comments")
    book = openpyxl.load_workbook(write_excel(run, name="Limits"))
    sheet = book["Comments"]
    assert [c.value for c in _column(sheet, "N")] == [0, 1, 2]
    text = _column(sheet, "Text")[0].value
    assert len(text) == 32_767 and text.endswith("x…")
    assert sheet["A2"].value == "This sheet shows the first 3 rows of 5."
    assert book["Contents"].cell(_top(book["Contents"]) + 1, 6).value == "first 3 rows of 5; 1 long text cut to 32,767 characters"


@pytest.mark.parametrize(
    "stems, names",
    [
        (["x:y", "x?y", "X-y"], ["X-y", "X-y (2)", "X-y (3)"]),  # forbidden characters; names ignore case
        ([LONG_NAME], ["Respondent level channel"]),  # cut at a word break
        (["abcdefghijklmnopqrstuvwxyz0123456789"], ["Abcdefghijklmnopqrstuvwxyz01234"]),  # no break near: cut at 31
        (["[history]"], ["-history-"]),
        (["history"], ["History (2)"]),  # "History" is Excel's own
    ],
)
def test_sheet_names_are_valid_unique_and_short(tmp_path, stems, names):
    for stem in stems:
        _put(pd.DataFrame({"a": [1]}), tmp_path, "04_business_case", stem)
    assert openpyxl.load_workbook(write_excel(tmp_path, name="n")).sheetnames[2:] == names


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(
            st.characters(codec="utf-8", exclude_characters="/\x00", exclude_categories=("Cs",)), min_size=1, max_size=45
        ).filter(lambda s: s not in (".", "..") and len(s.encode()) < 200),
        min_size=1,
        max_size=6,
        unique_by=lambda s: s,
    )
)
def test_any_file_names_give_valid_unique_sheet_names(stems):
    with tempfile.TemporaryDirectory() as folder:
        for stem in stems:
            _put(pd.DataFrame({"a": [1]}), folder, "02_voice_of_customer", stem)
        names = openpyxl.load_workbook(write_excel(folder, name="n")).sheetnames
    assert len(names) == len(stems) + 2 and len({n.lower() for n in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\") and name[0] != "'" and name[-1] != "'"


@pytest.mark.parametrize(
    "make",
    [
        lambda run: None,  # no run folder at all
        lambda run: (run / "artifacts").mkdir(parents=True),  # empty artifacts/
        lambda run: (
            (run / "artifacts" / "05_roadmap").mkdir(parents=True)
            or (run / "artifacts" / "05_roadmap" / "t.png").write_bytes(b"")
        ),  # only a chart
    ],
)
def test_no_tables_says_to_run_the_workbooks_first(tmp_path, make):
    make(tmp_path / "run")
    with pytest.raises(CxmError, match=r"run[/\\]artifacts is missing or holds no tables .*run the workbooks first"):
        write_excel(tmp_path / "run", name="Riverton")


def test_a_damaged_table_is_named(tmp_path):
    (tmp_path / "artifacts" / "03_segmentation").mkdir(parents=True)
    (tmp_path / "artifacts" / "03_segmentation" / "assignments.parquet").write_bytes(b"not parquet")
    with pytest.raises(CxmError, match=r"assignments\.parquet could not be read as a table .*run workbook 03_segmentation again"):
        write_excel(tmp_path, name="Riverton")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"currency": "pounds"}, r"The 'currency' parameter of write_excel must be a three-letter ISO 4217 .* Got 'pounds'"),
        ({"name": "a/b"}, r"The 'name' parameter of write_excel must be a non-empty name without .* Got 'a/b' instead\."),
        ({"name": " "}, r"The 'name' parameter of write_excel .* Got ' ' instead\."),
        ({"out": Path("x.xls")}, r"The 'out' parameter of write_excel must be a path ending in \.xlsx\. Got 'x\.xls' instead\."),
    ],
)
def test_parameter_checks(run, kwargs, message):
    with pytest.raises(CxmError, match=message):
        write_excel(run, **{"name": "Riverton", **kwargs})


def test_a_file_that_cannot_be_written_is_named(run, tmp_path):
    (tmp_path / "taken.xlsx").mkdir()  # a folder where the workbook should go
    with pytest.raises(CxmError, match=r"taken\.xlsx could not be written .*Fix: close it in Excel"):
        write_excel(run, name="Riverton", out=tmp_path / "taken.xlsx")
    assert not list(tmp_path.glob(".*partial"))
