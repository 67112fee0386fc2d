"""The run folder as one Excel workbook: every table, formatted, linked from Contents, reproducible."""

from __future__ import annotations

import csv
import os
import tempfile
import zipfile
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


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return _fixture(tmp_path_factory.mktemp("riverton"))


@pytest.fixture(scope="module")
def book(run):
    return openpyxl.load_workbook(write_excel(run, name="Riverton Borough Council"))


def _raw(run: Path, step: str, name: str) -> list[list[str]]:
    with open(run / "artifacts" / step / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_one_sheet_per_table_in_step_order_then_file_name(book):
    assert book.sheetnames == [
        "Contents",
        "00 inputs",
        "02 contact_reasons",
        "03 assignments",
        "03 respondent_level_channel",
        "03 rule_problems",
        "04 appraisal",
    ]


def test_contents_lists_and_links_every_table(book, run):
    contents = book["Contents"]
    assert contents["A1"].value == "Riverton Borough Council" and contents["A1"].font.b
    assert "riverton" in contents["A2"].value and "2025-03-04 05:06 UTC" in contents["A2"].value
    assert [c.value for c in contents[4]] == ["Sheet", "Workbook", "Table", "Rows", "Note"]
    rows = list(contents.iter_rows(min_row=5, values_only=True))
    assert [r[:4] for r in rows] == [
        ("00 inputs", "00_start_here", "inputs", 2),
        ("02 contact_reasons", "02_voice_of_customer", "contact_reasons", 2),
        ("03 assignments", "03_segmentation", "assignments", 3),
        ("03 respondent_level_channel", "03_segmentation", LONG_NAME, 2),
        ("03 rule_problems", "03_segmentation", "rule_problems", 0),
        ("04 appraisal", "04_business_case", "appraisal", 5),
    ]
    assert all(r[4] is None for r in rows)  # nothing cut, nothing left out
    for row in contents.iter_rows(min_row=5):
        assert row[0].hyperlink.location == f"'{row[0].value}'!A1" and row[0].hyperlink.target is None


def test_values_equal_the_csv(book, run):
    """Every cell against the file read with the csv module: numbers as numbers, gaps empty, text kept."""
    for sheet, step, name in (
        ("04 appraisal", "04_business_case", "appraisal"),
        ("00 inputs", "00_start_here", "inputs"),
        ("02 contact_reasons", "02_voice_of_customer", "contact_reasons"),
    ):
        raw = _raw(run, step, name)
        got = [[c.value for c in row] for row in book[sheet].iter_rows(max_col=len(raw[0]))]
        assert got[0] == raw[0] and len(got) == len(raw)
        for want_row, got_row in zip(raw[1:], got[1:]):
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
    appraisal = book["04 appraisal"]
    assert appraisal["B2"].value == -125000.5 and appraisal["B2"].data_type == "n"
    assert appraisal["F2"].value == 1234567 and appraisal["F3"].value is None  # a count with a gap stays a number
    assert appraisal["L6"].value == "NA"  # the text "NA" is not a missing value
    assert book["00 inputs"]["C2"].value == "007"  # codes keep their leading zeros
    assert [appraisal.cell(r, 11).data_type for r in (2, 4)] == ["b", "b"]


def test_parquet_types(book):
    rows = list(book["03 assignments"].values)
    assert rows[0] == ("respondent_id", "segment", "weight", "visits", "seen")
    assert rows[1] == ("R1", 2, 0.5, 1, datetime(2025, 4, 1, 9, 30))  # local clock time, as Excel has no zones
    assert rows[2] == ("R2", 1, None, None, None) and rows[3][2:4] == ("inf", 3000)
    assert book["03 assignments"]["D4"].number_format == "#,##0"


def test_dates_become_dates(book):
    appraisal = book["04 appraisal"]
    assert appraisal["I2"].is_date and appraisal["I2"].value == datetime(2026, 4, 1)
    assert appraisal["I2"].number_format == "yyyy-mm-dd" and appraisal["I3"].value is None
    assert appraisal["J2"].value == datetime(2025, 4, 1, 9, 30) and appraisal["J2"].number_format == "yyyy-mm-dd hh:mm"


@pytest.mark.parametrize(
    "column, fmt",
    [
        ("npv", '"£"#,##0;-"£"#,##0'),  # large sums: no decimals
        ("unit_cost", '"£"#,##0.00;-"£"#,##0.00'),  # small sums keep pence
        ("prob_negative", "0.0%"),
        ("irr", "0.0%"),  # a rate may exceed 100%
        ("contacts", "#,##0"),
        ("bcr", "#,##0.00"),
        ("year", "0"),  # 2026, not 2,026
    ],
)
def test_number_format_follows_the_column_name(book, column, fmt):
    sheet = book["04 appraisal"]
    index = [c.value for c in sheet[1]].index(column) + 1
    assert {sheet.cell(r, index).number_format for r in range(2, 7) if sheet.cell(r, index).value is not None} == {fmt}


def test_shares_percentages_and_other_scales(book):
    reasons = book["02 contact_reasons"]
    assert reasons["C2"].number_format == "0.0%" and reasons["D3"].number_format == "0.0%"
    assert reasons["B2"].number_format == "#,##0"
    assert book["03 respondent_level_channel"]["C2"].number_format == "#,##0.00"  # a share on a 0-100 scale


@pytest.mark.parametrize("currency, symbol", [("EUR", "€"), ("USD", "$"), ("CHF", "CHF ")])
def test_currency_symbol(run, tmp_path, currency, symbol):
    sheet = openpyxl.load_workbook(write_excel(run, name="x", currency=currency, out=tmp_path / "x.xlsx"))["04 appraisal"]
    assert sheet["B2"].number_format == f'"{symbol}"#,##0;-"{symbol}"#,##0'


def test_layout_of_a_table_sheet(book):
    sheet = book["04 appraisal"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:L6"
    assert all(c.font.b and c.fill.fgColor.rgb == "001F5F8B" for c in sheet[1])
    widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
    assert all(10 <= w <= 60 for w in widths) and widths[11] > widths[0]  # comments need more room than ids
    assert book["03 rule_problems"].auto_filter.ref == "A1:D1" and book["03 rule_problems"].max_row == 1
    wrapped = book["03 respondent_level_channel"]
    assert wrapped["B2"].alignment.wrap_text and wrapped.column_dimensions["B"].width == 60
    assert not book["02 contact_reasons"]["A2"].alignment.wrap_text


def test_formula_like_text_is_stored_as_text(book):
    sheet = book["04 appraisal"]
    for row, text in ((2, "=SUM(A1)"), (3, "+44 20 7946 0000"), (4, "-not a number"), (5, "@mention")):
        cell = sheet.cell(row, 12)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert sheet["L6"].quotePrefix is False


def test_text_a_csv_artifact_neutralised_is_shown_as_it_was_and_stays_text(tmp_path):
    from cxmethods.io.artifacts import VOICE_OF_CUSTOMER, write_table

    table = pd.DataFrame({"reason": ["=cmd|' /C calc'!A0", "'=quoted", "-5", "plain"], "contacts": [-1, 2, 3, 4]})
    write_table(table, tmp_path, VOICE_OF_CUSTOMER, "contact_reasons")
    sheet = openpyxl.load_workbook(write_excel(tmp_path, name="Riverton", out=tmp_path / "t.xlsx"))["02 contact_reasons"]
    cells = [(sheet.cell(r, 1).value, sheet.cell(r, 1).quotePrefix) for r in range(2, 6)]
    assert cells == [("=cmd|' /C calc'!A0", True), ("'=quoted", False), ("-5", True), ("plain", False)]
    assert sheet["B2"].value == -1


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
    assert book.sheetnames == ["Contents", "03 segments"]
    row = [c.value for c in book["Contents"][5]]
    assert row[:4] == [None, "03_segmentation", "assignments", 100_001] and "not included" in row[4]
    assert "100,000" in row[4] and "assignments.parquet" in row[4]


def test_limits_are_kept_and_noted(tmp_path, monkeypatch):
    from cxmethods.outputs import excel

    monkeypatch.setattr(excel, "_MAX_ROWS", 3)
    run = tmp_path / "limits"
    _put(pd.DataFrame({"n": range(5), "text": ["x" * 40_000] + ["y"] * 4}), run, "02_voice_of_customer", "comments")
    book = openpyxl.load_workbook(write_excel(run, name="Limits"))
    sheet = book["02 comments"]
    assert sheet.max_row == 4 and [sheet.cell(r, 1).value for r in range(2, 5)] == [0, 1, 2]
    assert len(sheet["B2"].value) == 32_767 and sheet["B2"].value.endswith("x…")
    assert book["Contents"]["E5"].value == "first 3 rows of 5; 1 long text cut to 32,767 characters"


@pytest.mark.parametrize(
    "stems, names",
    [
        (["x:y", "x?y", "X_Y"], ["04 X_Y", "04 x_y (2)", "04 x_y (3)"]),  # forbidden characters; names ignore case
        ([LONG_NAME], ["04 respondent_level_channel"]),  # cut at a word break
        (["abcdefghijklmnopqrstuvwxyz0123456789"], ["04 abcdefghijklmnopqrstuvwxyz01"]),  # no break near: cut at 31
        (["[history]"], ["04 _history"]),
    ],
)
def test_sheet_names_are_valid_unique_and_short(tmp_path, stems, names):
    for stem in stems:
        _put(pd.DataFrame({"a": [1]}), tmp_path, "04_business_case", stem)
    assert openpyxl.load_workbook(write_excel(tmp_path, name="n")).sheetnames[1:] == names


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
    assert len(names) == len(stems) + 1 and len({n.lower() for n in names}) == len(names)
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
