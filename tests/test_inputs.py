"""Reading inputs through the column mapping; broken files give errors naming file, column, row and fix."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from cxmethods import ConfigError, CxmError, InputError, load_engagement, read_input, validate_engagement
from cxmethods.core.schemas import Field
from cxmethods.io.inputs import check_input
from cxmethods.io.kinds import SETTINGS_FILES


def problems(tiny, name: str, severity: str | None = None) -> list[str]:
    found = check_input(load_engagement(tiny.path), name)
    return [str(p) for p in found if severity is None or p.severity == severity]


def test_contact_log_is_read_with_our_field_names_and_types(tiny):
    log = read_input(load_engagement(tiny.path), "contact_log")
    assert list(log.columns) == [
        "contact_id",
        "created_at",
        "closed_at",
        "channel",
        "reason",
        "area",
        "customer_id",
        "resolved_first_contact",
        "handling_minutes",
    ]
    assert log["channel"].tolist() == ["phone", "web_form", "phone", "mobile_app"]  # recoded by `values:`
    assert log["resolved_first_contact"].tolist() == [True, False, True, False]
    assert str(log["created_at"].dtype).startswith("datetime64")
    assert log["closed_at"].isna().tolist() == [False, True, False, False]
    assert log["handling_minutes"].sum() == pytest.approx(15.0)
    assert log.attrs["problems"] == []


def test_survey_dont_know_becomes_missing_and_fields_default_to_same_named_columns(tiny):
    survey = read_input(load_engagement(tiny.path), "survey")
    assert survey["timeliness"].tolist()[:1] == [5] and survey["timeliness"].isna().tolist() == [False, True, False]
    assert str(survey["overall_satisfaction"].dtype) == "Int64"
    assert "trust" not in survey  # not in the file, not mapped: absent


def test_missing_file(tiny):
    (tiny.folder / "survey.csv").unlink()
    with pytest.raises(
        InputError, match=r"survey\.csv: file not found \(inputs\.survey\.path is 'survey\.csv'.*Fix: Correct the path"
    ):
        read_input(load_engagement(tiny.path), "survey")


def _special(kind: str, where: Path) -> None:
    """Put at ``where`` a path that is not a regular file. A device is outside the engagement's folder, so the
    engagement beside it (``where``'s folder) is let read from outside: what is then refused is the device itself."""
    engagement = where.parent / "engagement.yaml"
    if kind == "device":
        engagement.write_text("allow_paths_outside: true\n" + engagement.read_text(encoding="utf-8"), encoding="utf-8")
    if kind == "symlink loop":
        where.symlink_to(where.name)
    elif kind == "fifo":
        os.mkfifo(where)
    elif kind == "device":
        where.symlink_to("/dev/zero")  # a device, reached through a link in the engagement's folder
    else:
        where.mkdir()


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("symlink loop", r"is a loop of symbolic links \(a link that leads, through links, back to itself\), not a file"),
        ("fifo", r"is a named pipe \(FIFO\), not a file: reading it would wait for whatever writes into it"),
        ("device", r"is a device \(such as /dev/zero or a disk\), not a file"),
        ("folder", r"is a folder, not a file"),
    ],
)
def test_a_path_that_is_not_a_file_is_named_for_what_it_is(tiny, kind, said):
    """Said at once, without opening it: a FIFO would wait for a writer forever, /dev/zero never ends."""
    (tiny.folder / "survey.csv").unlink()
    _special(kind, tiny.folder / "survey.csv")
    fix = r"Fix: Point inputs\.survey\.path at the survey file itself \(a CSV, Excel or Parquet file\)\.$"
    found = [p for p in problems(tiny, "survey") if re.search(said, p)]
    assert found and re.search(fix, found[0]), problems(tiny, "survey")
    assert not [p for p in validate_engagement(tiny.path).problems if "file not found" in str(p)]
    with pytest.raises(InputError, match=said):
        read_input(load_engagement(tiny.path), "survey")


NOT_FILES = {
    "symlink loop": r"is a loop of symbolic links \(a link that leads, through links, back to itself\), not a file",
    "fifo": r"is a named pipe \(FIFO\), not a file: reading it would wait for whatever writes into it",
    "device": r"is a device \(such as /dev/zero or a disk\), not a file",
    "folder": r"is a folder, not a file",
}


@pytest.mark.parametrize("setting", [s for s, _, _ in SETTINGS_FILES.values()])
@pytest.mark.parametrize("kind", sorted(NOT_FILES))
def test_a_settings_file_that_is_not_a_file_is_refused_unread(tiny, kind, setting):
    """Every file setting, through the loader a run uses, names the path for what it is (no 'not found')."""
    _special(kind, tiny.folder / "own.file")
    _, section, key = setting.split(".")
    text = tiny.path.read_text(encoding="utf-8")
    tiny.path.write_text(text + f"\nsettings:\n  {section}:\n    {key}: own.file\n", encoding="utf-8")
    shown = [str(p) for p in validate_engagement(tiny.path).errors]
    said = rf"(/own\.file|^/dev/zero): {re.escape(setting)} names this path, but it {NOT_FILES[kind]}\. Fix: Point {re.escape(setting)} at "
    assert len(shown) == 1 and re.search(said, shown[0]), shown


@pytest.mark.parametrize("kind", ["symlink loop", "fifo", "folder"])
def test_an_engagement_path_that_is_not_a_file_is_refused_unread(tmp_path, kind):
    (tmp_path / "eng").mkdir()
    _special(kind, tmp_path / "eng" / "engagement.yaml")
    with pytest.raises(ConfigError) as info:
        load_engagement(tmp_path / "eng")
    [problem] = info.value.problems
    assert re.fullmatch(
        rf".*engagement\.yaml: {NOT_FILES[kind]}\. Fix: Give the path of the engagement YAML file itself\.", str(problem)
    )


def test_mapping_to_a_column_not_in_the_file_suggests_a_close_one(tiny):
    tiny.set_file("contacts.csv", tiny.files["contacts.csv"].replace("Enquiry", "Enquiry Type"))
    found = problems(tiny, "contact_log")
    assert len(found) == 1
    assert (
        "column 'Enquiry', row 1: inputs.contact_log.columns maps 'reason' to column 'Enquiry', which is not in the file. "
        "Did you mean 'Enquiry Type'?" in found[0]
    )


def test_required_field_not_mapped(tiny):
    tiny.set_yaml(tiny.yaml.replace("      channel: Channel\n", ""))
    with pytest.raises(
        InputError,
        match=r"required field 'channel' \(Channel the customer used\) "
        r"is not mapped.*Add 'channel: <your column>' under inputs\.contact_log\.columns",
    ):
        read_input(load_engagement(tiny.path), "contact_log")


def test_a_survey_needs_no_id_and_no_outcome_column(tiny):
    text = tiny.files["survey.csv"]
    header = text.splitlines()[0].split(",")
    keep = [i for i, c in enumerate(header) if c not in ("respondent_id", "overall_satisfaction")]
    rows = [",".join(line.split(",")[i] for i in keep) for line in text.splitlines()]
    tiny.set_file("survey.csv", "\n".join(rows) + "\n")
    survey = read_input(load_engagement(tiny.path), "survey")
    assert "overall_satisfaction" not in survey
    assert survey["respondent_id"].tolist()[:2] == ["row 2", "row 3"]  # spreadsheet rows: unique and findable


def test_latin1_file_names_the_row_and_the_setting(tiny):
    text = tiny.files["survey.csv"].replace("Great", "Très bien")
    tiny.set_file("survey.csv", text.encode("latin-1"))
    found = problems(tiny, "survey")
    assert found == [
        f"{tiny.folder / 'survey.csv'}, row 4: row 4 is not valid utf-8 text (byte 0xe8); the file looks like "
        "cp1252 (Windows) or latin-1. Fix: Set 'encoding: cp1252' under inputs.survey, or re-save the file as CSV UTF-8."
    ]


def test_latin1_file_reads_once_the_encoding_is_set(tiny):
    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace("Great", "Très bien").encode("latin-1"))
    tiny.set_yaml(tiny.yaml.replace("    dont_know_codes: [9]", "    dont_know_codes: [9]\n    encoding: cp1252"))
    assert read_input(load_engagement(tiny.path), "survey")["comment"].iloc[2] == "Très bien"


def test_utf8_bom_is_accepted(tiny):
    tiny.set_file("survey.csv", b"\xef\xbb\xbf" + tiny.files["survey.csv"].encode())
    assert len(read_input(load_engagement(tiny.path), "survey")) == 3


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", r"survey\.csv: the file is empty \(no header, no rows\)\."),
        (b"respondent_id,overall_satisfaction\n", r"the file has a header but no data rows\."),
        (b"\n\n", r"row 1 should hold the column names but is empty"),
    ],
)
def test_empty_files(tiny, content, message):
    tiny.set_file("survey.csv", content)
    with pytest.raises(InputError, match=message):
        read_input(load_engagement(tiny.path), "survey")


def test_wrong_delimiter_is_detected(tiny):
    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace(",", ";"))
    with pytest.raises(
        InputError,
        match=r"row 1 has a single column; the file seems to use ';' between values.*"
        r"Set 'delimiter: \";\"' under inputs\.survey",
    ):
        read_input(load_engagement(tiny.path), "survey")


def test_header_on_row_3_is_detected_and_header_row_reads_it(tiny):
    tiny.set_file("survey.csv", "Resident survey 2025\nExported by X\n" + tiny.files["survey.csv"])
    with pytest.raises(InputError, match=r"the column names seem to be on row 3, not row 1.*Set 'header_row: 3'"):
        read_input(load_engagement(tiny.path), "survey")
    tiny.set_yaml(tiny.yaml.replace("    dont_know_codes: [9]", "    dont_know_codes: [9]\n    header_row: 3"))
    survey = read_input(load_engagement(tiny.path), "survey")
    assert survey["respondent_id"].tolist() == ["R1", "R2", "R3"]


def test_excel_file_given_as_csv(tiny):
    buf = io.BytesIO()
    pd.read_csv(io.StringIO(tiny.files["survey.csv"])).to_excel(buf, index=False)
    tiny.set_file("survey.csv", buf.getvalue())
    with pytest.raises(InputError, match=r"this is an Excel workbook, not a CSV file.*rename it to \.xlsx"):
        read_input(load_engagement(tiny.path), "survey")
    (tiny.folder / "survey.csv").rename(tiny.folder / "survey.xlsx")
    tiny.set_yaml(tiny.yaml.replace("path: survey.csv", "path: survey.xlsx"))
    assert read_input(load_engagement(tiny.path), "survey")["overall_satisfaction"].tolist() == [4, 2, 5]


def test_parquet_and_gzip_inputs(tiny):
    pd.read_csv(io.StringIO(tiny.files["survey.csv"])).to_parquet(tiny.folder / "survey.parquet")
    tiny.set_yaml(tiny.yaml.replace("path: survey.csv", "path: survey.parquet"))
    assert read_input(load_engagement(tiny.path), "survey")["timeliness"].isna().sum() == 1
    import gzip

    tiny.set_file("contacts.csv.gz", gzip.compress(tiny.files["contacts.csv"].encode()))
    tiny.set_yaml(tiny.yaml.replace("path: contacts.csv", "path: contacts.csv.gz"))
    assert len(read_input(load_engagement(tiny.path), "contact_log")) == 4


def test_dates_in_another_format_suggest_date_format(tiny):
    text = tiny.files["contacts.csv"]
    for iso, uk in [
        ("2025-04-01 09:00:00", "01/04/2025 09:00"),
        ("2025-04-02 10:30:00", "02/04/2025 10:30"),
        ("2025-04-03 11:00:00", "03/04/2025 11:00"),
        ("2025-04-05 12:00:00", "05/04/2025 12:00"),
    ]:
        text = text.replace(iso, uk)
    tiny.set_file("contacts.csv", text)
    with pytest.raises(
        InputError,
        match=r"column 'Date Opened', rows 2, 3, 4, 5: 4 value\(s\) of created_at are not a date and time.*"
        r"Set 'date_format: \"%d/%m/%Y %H:%M\"' under inputs\.contact_log",
    ):
        read_input(load_engagement(tiny.path), "contact_log")
    tiny.set_yaml(tiny.yaml.replace("    values:", "    date_format: '%d/%m/%Y %H:%M'\n    values:", 1))
    log = read_input(load_engagement(tiny.path), "contact_log")  # Date Closed keeps ISO values: still read
    assert log["created_at"].dt.day.tolist() == [1, 2, 3, 5] and log["closed_at"].notna().sum() == 3


def test_a_few_bad_values_in_a_big_export_are_warnings_and_become_missing(tiny):
    rows = [f"A{i},2025-04-01 09:00:00,,Telephone,Missed bin,North,P{i},1,5" for i in range(100, 130)]
    tiny.set_file(
        "contacts.csv", tiny.files["contacts.csv"] + "\n".join(rows) + "\nA999,yesterday,,Fax,Missed bin,North,P9,1,5\n"
    )
    found = problems(tiny, "contact_log")
    assert any(
        "column 'Date Opened', row 36: 1 value(s) of created_at are not a date and time" in p and "treated as missing" in p
        for p in found
    )
    assert any(
        "column 'Channel', row 36: 1 value(s) of channel are not one of the channel codes" in p and 'channel: {"Fax": ...}' in p
        for p in found
    )
    assert all(p.severity == "warning" for p in check_input(load_engagement(tiny.path), "contact_log"))
    log = read_input(load_engagement(tiny.path), "contact_log")
    assert len(log) == 35 and log["channel"].isna().sum() == 1


def test_money_with_currency_symbols_and_negative_costs(tiny):
    tiny.set_file("initiatives.csv", tiny.files["initiatives.csv"].replace("50000", '"£50,000"').replace(",1000,", ",-1000,"))
    found = problems(tiny, "initiatives")
    assert any(
        "column 'capital_cost', row 2: 1 value(s) of capital_cost are not an amount of money" in p
        and "Remove currency symbols and thousands separators" in p
        for p in found
    )
    assert any(
        "column 'annual_operating_cost', row 3: 1 value(s) of annual_operating_cost are not amounts of zero or more (costs cannot be negative)"
        in p
        for p in found
    )


def test_likert_text_labels_suggest_codes_or_a_mapping(tiny):
    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace("R1,4,", "R1,Satisfied,").replace("R3,5,", "R3,Very satisfied,"))
    with pytest.raises(
        InputError,
        match=r"column 'overall_satisfaction', rows 2, 4: 2 value\(s\) of overall_satisfaction are not whole numbers.*"
        r"give the item a code list of each label's point, e.g. 'scale: \{\"Satisfied\": <point>, \"Very satisfied\": "
        r"<point>\}'.*or recode them under inputs\.survey\.values",
    ):
        read_input(load_engagement(tiny.path), "survey")


def test_out_of_scale_rating(tiny):
    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace("R3,5,", "R3,7,"))
    with pytest.raises(
        InputError,
        match=r"row 4: 1 value\(s\) of overall_satisfaction are not whole numbers from 1 to 5 or a don't-know code \(9\).*"
        r"Fix: 7 is above the 1-5 scale: if the question is on a wider scale, set 'scale: \[1, 7\]'",
    ):
        read_input(load_engagement(tiny.path), "survey")


def test_duplicated_ids_are_errors_in_hand_made_tables_and_warnings_in_exports(tiny):
    tiny.set_file("initiatives.csv", tiny.files["initiatives.csv"].replace("I02,", "I01,"))
    assert any(
        "1 value(s) of initiative_id appear more than once (e.g. 'I01'); 2 rows are involved" in p
        for p in problems(tiny, "initiatives", "error")
    )
    tiny.set_file("contacts.csv", tiny.files["contacts.csv"].replace("A2,", "A1,"))
    assert any("contact_id appear more than once" in p for p in problems(tiny, "contact_log", "warning"))


def test_blank_rows_are_skipped_and_reported(tiny):
    lines = tiny.files["survey.csv"].splitlines()
    tiny.set_file("survey.csv", "\n".join(lines[:2] + [",,,,", ""] + lines[2:]) + "\n")
    survey = read_input(load_engagement(tiny.path), "survey")
    assert survey["respondent_id"].tolist() == ["R1", "R2", "R3"]
    assert [str(p) for p in survey.attrs["problems"]] == [
        f"{tiny.folder / 'survey.csv'}, rows 3, 4: 2 blank row(s) were skipped. Fix: Nothing to do unless rows are missing from the export."
    ]


def test_required_values_missing_in_hand_made_table(tiny):
    tiny.set_file("initiatives.csv", tiny.files["initiatives.csv"].replace("I02,Web redesign,", "I02,,"))
    with pytest.raises(
        InputError, match=r"column 'name', row 3: 1 row\(s\) have no value in this required column\. Fix: Fill in"
    ):
        read_input(load_engagement(tiny.path), "initiatives")


def test_ragged_rows_are_reported_not_a_traceback(tiny):
    tiny.set_file("survey.csv", tiny.files["survey.csv"] + "R4,3,3,too,many,fields,here\n")
    with pytest.raises(
        InputError,
        match=r"survey\.csv, row 5: row 5 has 7 values but the header has 5: a value probably "
        r"contains ',' without quotes around it\. Fix: Put double quotes around values",
    ):
        read_input(load_engagement(tiny.path), "survey")


def test_label_recoded_to_null_means_unknown_and_many_gaps_in_an_export_stay_warnings(tiny):
    text = tiny.files["contacts.csv"].replace("Web,", "UNKNOWN,").replace("App,", "UNKNOWN,")  # half the rows
    tiny.set_file("contacts.csv", text)
    tiny.set_yaml(tiny.yaml.replace("App: mobile_app}", "App: mobile_app, UNKNOWN: null}"))
    log = read_input(load_engagement(tiny.path), "contact_log")
    assert log["channel"].isna().sum() == 2
    assert [p.severity for p in log.attrs["problems"]] == ["warning"]
    assert (
        "2 row(s) have no value or a label recoded to null (UNKNOWN) in this required column" in log.attrs["problems"][0].message
    )


def test_a_required_column_with_no_values_at_all_is_an_error(tiny):
    lines = [line.split(",") for line in tiny.files["contacts.csv"].splitlines()]
    tiny.set_file(
        "contacts.csv", "\n".join(",".join(f[:4] + [""] + f[5:]) if i else ",".join(f) for i, f in enumerate(lines)) + "\n"
    )
    with pytest.raises(InputError, match=r"column 'Enquiry', rows 2, 3, 4, 5: 4 row\(s\) have no value in this required column"):
        read_input(load_engagement(tiny.path), "contact_log")


def test_unknown_channel_examples_are_distinct_and_the_fix_offers_null(tiny):
    text = tiny.files["contacts.csv"].replace("Telephone", "Fax").replace("Web,", "Pigeon,")
    tiny.set_file("contacts.csv", text)
    found = problems(tiny, "contact_log", "error")
    assert len(found) == 1
    assert "3 value(s) of channel are not one of the channel codes" in found[0] and "(e.g. 'Fax', 'Pigeon')" in found[0]
    assert 'or to null where it means unknown, e.g. channel: {"Fax": ..., "Pigeon": ...}' in found[0]


REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"
NYC = REAL / "nyc311_service_requests_2023-02-28_sample.csv"


@pytest.mark.skipif(not NYC.exists(), reason=f"real NYC 311 sample not found at {NYC} (../shared/realdata beside the checkout)")
def test_real_nyc_311_export_reads_through_a_mapping_alone(tmp_path):
    (tmp_path / "engagement.yaml").write_text(f"""\
name: nyc311
organisation: New York City 311
currency: USD
period: {{start: 2023-02-28, end: 2023-02-28}}
allow_paths_outside: true  # the real sample stays in ../shared
inputs:
  contact_log:
    path: {NYC}
    date_format: "%m/%d/%Y %I:%M:%S %p"
    columns: {{contact_id: Unique Key, created_at: Created Date, closed_at: Closed Date,
              channel: Open Data Channel Type, reason: Complaint Type, service: Agency, area: Borough}}
    values:
      channel: {{PHONE: phone, ONLINE: web_form, MOBILE: mobile_app, UNKNOWN: null}}
""")
    log = read_input(load_engagement(tmp_path / "engagement.yaml"), "contact_log")
    assert len(log) == 4999 and log["contact_id"].is_unique
    assert log["channel"].value_counts().to_dict() == {"web_form": 2099, "phone": 1589, "mobile_app": 727}
    assert log["created_at"].dt.date.astype(str).unique().tolist() == ["2023-02-28"]
    assert int((log["closed_at"] < log["created_at"]).sum()) == 2  # real faults are kept, not dropped
    assert sorted(str(p).split(": ", 1)[1] for p in log.attrs["problems"]) == [
        "2 row(s) have closed_at before created_at. Fix: The rows are kept and reported in the data-quality table; check the export.",
        "584 row(s) have no value or a label recoded to null (UNKNOWN) in this required column. "
        "Fix: The rows are kept and counted as unknown in the analysis; correct the source system if you can.",
    ]


# --- cases from a review of real exports -------------------------------------------------------------


def test_timestamps_with_utc_offsets_across_the_clock_change_read_as_local_time(tiny):
    text = (
        tiny.files["contacts.csv"]
        .replace("2025-04-01 09:00:00", "2025-04-01T09:00:00+01:00")
        .replace("2025-04-02 10:30:00", "2025-12-02T10:30:00+00:00")
        .replace("2025-04-03 11:00:00", "2025-04-03T11:00:00Z")
    )
    tiny.set_file("contacts.csv", text)
    tiny.set_yaml(tiny.yaml.replace("end: 2025-04-30", "end: 2025-12-31"))
    log = read_input(load_engagement(tiny.path), "contact_log")
    assert log["created_at"].dt.tz is None
    assert log["created_at"].dt.hour.tolist() == [9, 10, 11, 12]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("contacts.csv.gz", b"Case Ref,Date Opened\nA1,2025-04-01\n", r"cannot be read as CSV: Not a gzipped file"),
        ("contacts.csv.gz", None, r"cannot be read as CSV: Compressed file ended before the end-of-stream marker"),
        ("contacts.zip", b"PK\x03\x04rest-of-zip", r"this is a zip archive.*Unzip it and point inputs\.contact_log\.path"),
        (
            "contacts.xlsx",
            b"Case Ref,Date Opened\n",
            r"this is not an Excel workbook \(it looks like a text file\).*Rename it to \.csv",
        ),
        ("contacts.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", r"old-style Excel file \(\.xls\).*Save it as \.xlsx"),
        ("contacts.parquet", b"Case Ref\n", r"this is not a Parquet file"),
    ],
)
def test_files_of_the_wrong_kind_or_damaged(tiny, name, content, message):
    import gzip

    if content is None:  # a truncated gzip file
        content = gzip.compress(tiny.files["contacts.csv"].encode() * 50)[:200]
    tiny.set_file(name, content)
    tiny.set_yaml(tiny.yaml.replace("path: contacts.csv", f"path: {name}"))
    with pytest.raises(InputError, match=message):
        read_input(load_engagement(tiny.path), "contact_log")


def test_bz2_and_xz_compressed_csv(tiny):
    import bz2
    import lzma

    for name, data in (
        ("c.csv.bz2", bz2.compress(tiny.files["contacts.csv"].encode())),
        ("c.csv.xz", lzma.compress(tiny.files["contacts.csv"].encode())),
    ):
        tiny.set_file(name, data)
        tiny.set_yaml(tiny.yaml.replace("path: contacts.csv", f"path: {name}"))
        assert len(read_input(load_engagement(tiny.path), "contact_log")) == 4


def test_utf16_export_is_recognised(tiny):
    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace(",", "\t").encode("utf-16"))
    with pytest.raises(InputError, match=r"the file is UTF-16 text.*Set 'encoding: utf-16'.*'delimiter: \"\\t\"'"):
        read_input(load_engagement(tiny.path), "survey")
    tiny.set_yaml(
        tiny.yaml.replace("    dont_know_codes: [9]", '    dont_know_codes: [9]\n    encoding: utf-16\n    delimiter: "\\t"')
    )
    assert read_input(load_engagement(tiny.path), "survey")["overall_satisfaction"].tolist() == [4, 2, 5]


def test_excel_title_rows_and_wrong_sheet(tiny):
    frame = pd.read_csv(io.StringIO(tiny.files["initiatives.csv"]), dtype=str)
    with pd.ExcelWriter(tiny.folder / "initiatives.xlsx") as xl:
        frame.to_excel(xl, sheet_name="Initiatives", index=False, startrow=2)
    tiny.set_yaml(tiny.yaml.replace("path: initiatives.csv", "path: initiatives.xlsx\n    sheet: Initiative"))
    with pytest.raises(
        InputError, match=r"the workbook has no sheet 'Initiative'\. Did you mean 'Initiatives'\?.*one of: Initiatives"
    ):
        read_input(load_engagement(tiny.path), "initiatives")
    tiny.set_yaml(tiny.yaml.replace("path: initiatives.csv", "path: initiatives.xlsx\n    sheet: Initiatives"))
    with pytest.raises(InputError, match=r"the column names seem to be on row 3, not row 1.*Set 'header_row: 3'"):
        read_input(load_engagement(tiny.path), "initiatives")
    tiny.set_yaml(tiny.yaml.replace("path: initiatives.csv", "path: initiatives.xlsx\n    sheet: Initiatives\n    header_row: 3"))
    table = read_input(load_engagement(tiny.path), "initiatives")
    assert table["initiative_id"].tolist() == ["I01", "I02"] and table["capital_cost"].tolist() == [50000.0, 20000.0]


def test_decimal_comma_export(tiny):
    text = tiny.files["contacts.csv"].replace(",", ";").replace(";5.5", ";5,5").replace(";1.5", ";1,5")
    tiny.set_file("contacts.csv", text)
    tiny.set_yaml(tiny.yaml.replace("    values:", "    delimiter: ';'\n    decimal: ','\n    values:", 1))
    assert read_input(load_engagement(tiny.path), "contact_log")["handling_minutes"].tolist() == [5.5, 2.0, 6.0, 1.5]


def test_infinite_or_negative_minutes_are_reported(tiny):
    tiny.set_file("contacts.csv", tiny.files["contacts.csv"].replace(",5.5\n", ",inf\n").replace(",1.5\n", ",-4\n"))
    found = problems(tiny, "contact_log")
    assert any("column 'Minutes', row 2: 1 value(s) of handling_minutes are not a number of zero or more" in p for p in found)
    assert any("column 'Minutes', row 5: 1 value(s) of handling_minutes are not numbers of zero or more" in p for p in found)


def test_contacts_outside_the_period_and_closed_before_opened_are_data_quality_warnings(tiny):
    text = (
        tiny.files["contacts.csv"]
        .replace("A2,2025-04-02 10:30:00", "A2,2019-04-02 10:30:00")
        .replace("2025-04-06 12:00:00", "2025-04-04 12:00:00")
    )
    tiny.set_file("contacts.csv", text)
    found = check_input(load_engagement(tiny.path), "contact_log")
    assert {str(p).split(": ", 1)[1].split(" Fix")[0] for p in found} == {
        "1 row(s) have closed_at before created_at.",
        "1 row(s) fall outside the engagement period (2025-04-01 to 2025-04-30).",
    }
    assert {p.rows for p in found} == {(5,), (3,)} and all(p.severity == "warning" for p in found)


def test_common_channel_labels_are_understood_without_a_mapping(tiny):
    tiny.set_file(
        "survey.csv",
        tiny.files["survey.csv"].replace(",phone", ",E-mail").replace(",web_form", ",Web Form").replace(",email", ",Telephone"),
    )
    survey = read_input(load_engagement(tiny.path), "survey")
    assert survey["preferred_channel"].tolist() == ["email", "web_form", "phone"]


def test_column_names_match_in_either_unicode_form(tiny):
    import unicodedata

    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace("respondent_id", unicodedata.normalize("NFD", "Référence")))
    tiny.set_yaml(
        tiny.yaml.replace("    dont_know_codes: [9]", "    dont_know_codes: [9]\n    columns: {respondent_id: Référence}")
    )
    assert read_input(load_engagement(tiny.path), "survey")["respondent_id"].tolist() == ["R1", "R2", "R3"]


def test_duplicate_ids_name_their_rows_and_two_fields_on_one_column_is_flagged(tiny):
    tiny.set_file("initiatives.csv", tiny.files["initiatives.csv"].replace("I02,", "I01,"))
    found = check_input(load_engagement(tiny.path), "initiatives")
    assert [p.rows for p in found] == [(2, 3)]
    tiny.set_yaml(tiny.yaml.replace("      area: Ward", "      area: Ward\n      service: Ward"))
    found = check_input(load_engagement(tiny.path), "contact_log")
    assert [(p.severity, p.message) for p in found] == [("warning", "fields service and area both read column 'Ward'.")]


CFPB = REAL / "cfpb_complaints_sample_2015_2020.csv"
SAN_DIEGO = REAL / "sandiego_resident_survey_2015_weighted.csv"


@pytest.mark.skipif(
    not (CFPB.exists() and SAN_DIEGO.exists()),
    reason=f"real CFPB / San Diego samples not found in {REAL} (../shared/realdata beside the checkout)",
)
def test_real_complaints_log_and_resident_survey(tmp_path):
    (tmp_path / "engagement.yaml").write_text(f"""\
name: real-us
organisation: CFPB complaints and the San Diego resident survey
currency: USD
period: {{start: 2015-01-01, end: 2020-12-31}}
allow_paths_outside: true  # the real samples stay in ../shared
inputs:
  contact_log:
    path: {CFPB}
    columns: {{contact_id: Complaint ID, created_at: Date received, channel: Submitted via, reason: Issue,
              service: Product, area: State}}
  survey:
    path: {SAN_DIEGO}
    dont_know_codes: [9]
    columns: {{respondent_id: Num, overall_satisfaction: Q2_6, knowledge: Q15_2, timeliness: Q15_4, preferred_channel: Q18}}
""")
    first = validate(tmp_path)
    # the complaints log's own labels are named so the user can map them
    assert any("of channel are not one of the channel codes" in p and "'Referral'" in p and "'Postal mail'" in p for p in first)
    text = (tmp_path / "engagement.yaml").read_text()
    text = text.replace("area: State}", "area: State}\n    values: {channel: {Referral: null, Postal mail: post, Fax: null}}")
    text = text.replace(
        "preferred_channel: Q18}",
        "preferred_channel: Q18}\n    values: {preferred_channel: "
        "{'1': mobile_app, '2': web_form, '3': phone, '4': null, '5': null, '9': null}}",
    )
    (tmp_path / "engagement.yaml").write_text(text)
    eng = load_engagement(tmp_path / "engagement.yaml")
    log, survey = read_input(eng, "contact_log"), read_input(eng, "survey")
    assert len(log) == 6623
    assert log["channel"].value_counts(dropna=False).to_dict() == {
        "web_form": 5143,
        pd.NA: 729,
        "phone": 482,
        "post": 267,
        "email": 2,
    }
    assert len(survey) == 2477
    assert survey["overall_satisfaction"].dropna().between(1, 5).all()
    raw = pd.read_csv(SAN_DIEGO, usecols=["Q15_2"])["Q15_2"]
    assert survey["knowledge"].isna().sum() == (raw == 9).sum() + raw.isna().sum() > 0  # 9 = don't know: missing
    assert survey["knowledge"].max() == 5


def validate(folder):
    from cxmethods import validate_engagement

    return [str(p) for p in validate_engagement(folder / "engagement.yaml").problems]


def test_a_field_kind_is_checked_where_the_schema_is_written():
    with pytest.raises(
        CxmError, match=r"The 'kind' parameter of Field must be one of 'bool', 'category', .* Got 'colour' instead\."
    ):
        Field("colour", "the colour of the bin")


@pytest.mark.parametrize(
    "header, mapping, message",
    [
        # the mapping names an empty header cell: said by its position, never a KeyError
        (
            "Case Ref,Date Opened,Date Closed,Channel,,Ward",
            "reason: ''",
            r"maps 'reason' to a column with no name \(''\); column 5 \(E\) of row 1 has none",
        ),
        (
            "Case Ref,Date Opened,Date Closed,Channel,,Ward",
            "reason: '   '",
            r"maps 'reason' to a column with no name \(''\); column 5 \(E\) of row 1 has none",
        ),
        (
            "Case Ref,Date Opened,Date Closed,Channel,,",
            "reason: ''",
            r"maps 'reason' to a column with no name \(''\); columns 5 \(E\) and 6 \(F\) of row 1 have none",
        ),
        (
            "Case Ref,Date Opened,Date Closed,Channel,,Ward",
            "reason: 'Unnamed: 4'",
            r"maps 'reason' to 'Unnamed: 4', the name pandas makes up for column 5 \(E\), which has no name in row 1",
        ),
        (
            "Case Ref,Date Opened,Date Closed,Channel,Enquiry,Ward",
            "reason: ''",
            r"maps 'reason' to a column with no name \(''\), but every column in row 1 has a name\. Fix: Write the name "
            r"of the column that holds reason, one of: Case Ref, Date Opened",
        ),
        (
            "Case Ref,Date Opened,Date Closed,Channel,ENQUIRY ,Ward",
            "reason: Enquiry",
            r"maps 'reason' to column 'Enquiry', which is not in the file; it has 'ENQUIRY', which differs only in "
            r"capitals, spaces or punctuation\. Fix: Write the name exactly as in row 1 of the file: 'reason: ENQUIRY'",
        ),
    ],
)
def test_a_mapping_to_a_nameless_or_near_column_says_which_and_how_to_fix(tiny, header, mapping, message):
    rows = tiny.files["contacts.csv"].splitlines()[1:]
    tiny.set_file("contacts.csv", "\n".join([header, *(",".join(r.split(",")[:6]) for r in rows)]) + "\n")
    tiny.set_yaml(
        "name: tiny\norganisation: Tiny\ncurrency: GBP\nperiod: {start: 2025-04-01, end: 2025-04-30}\n"
        "inputs:\n  contact_log:\n    path: contacts.csv\n    columns:\n      contact_id: Case Ref\n"
        f"      created_at: Date Opened\n      channel: Channel\n      {mapping}\n"
        "    values:\n      channel: {Telephone: phone, Web: web_form, App: mobile_app}\n"
    )
    for found in (problems(tiny, "contact_log"), [str(p) for p in validate_engagement(tiny.path).errors]):
        assert len(found) == 1 and re.search(message, found[0]), found
    with pytest.raises(InputError, match=message):
        read_input(load_engagement(tiny.path), "contact_log")


def test_an_empty_header_cell_is_pointed_at_when_the_column_looked_for_is_not_found(tiny):
    lines = tiny.files["contacts.csv"].splitlines()
    tiny.set_file("contacts.csv", "\n".join([lines[0].replace("Enquiry", ""), *lines[1:]]) + "\n")
    hint = "Column 5 (E) of row 1 has no name: if it holds reason, give it a name in the file and map it."
    found = problems(tiny, "contact_log")
    assert len(found) == 1 and "maps 'reason' to column 'Enquiry', which is not in the file. " + hint in found[0], found
    assert "Use one of the file's columns: Case Ref, Date Opened, Date Closed, Channel, (column 5, no name), Ward" in found[0]
    tiny.set_yaml(tiny.yaml.replace("      reason: Enquiry\n", ""))
    found = problems(tiny, "contact_log")
    assert found == [
        f"{tiny.folder / 'contacts.csv'}: required field 'reason' (Why the customer made contact) is not "
        f"mapped to a column. {hint} Fix: Add 'reason: <your column>' under inputs.contact_log.columns."
    ]


def test_settings_of_a_table_that_do_nothing_are_warnings(tiny):
    tiny.set_yaml(
        tiny.yaml.replace("    dont_know_codes: [9]\n", "    dont_know_codes: [9]\n    sheet: Results\n").replace(
            "      channel: {Telephone: phone, Web: web_form, App: mobile_app}\n",
            "      channel: {Telephone: phone, Web: web_form, App: mobile_app}\n      service: {Bins: Waste}\n",
        )
    )
    survey = [p for p in check_input(load_engagement(tiny.path), "survey") if p.severity == "warning"]
    assert any("inputs.survey.sheet is 'Results', but this file is read as CSV, which has no sheets" in str(p) for p in survey)
    contacts = [str(p) for p in check_input(load_engagement(tiny.path), "contact_log")]
    assert any("inputs.contact_log.values recodes 'service', but the file has no column for it" in p for p in contacts)
    read_input(load_engagement(tiny.path), "contact_log")  # still read: a warning never stops a run


def test_a_web_address_as_a_path_says_to_download_it(tiny):
    tiny.set_yaml(tiny.yaml.replace("path: survey.csv", "path: https://example.org/survey.csv"))
    with pytest.raises(
        InputError, match=r"this is a web address, not a file .* Fix: Download the file and set inputs\.survey\.path"
    ):
        read_input(load_engagement(tiny.path), "survey")


def _widened(text: str, extra: int) -> str:
    """The CSV ``text`` with ``extra`` empty columns added on the right (a wide export, small on disk)."""
    lines = text.strip("\n").split("\n")
    pad = "," * extra
    names = ",".join(f"x{i}" for i in range(extra))
    return "\n".join([lines[0] + "," + names] + [line + pad for line in lines[1:]]) + "\n"


def test_a_survey_with_20000_columns_is_refused_before_it_is_read(tiny):
    import time

    tiny.set_file("survey.csv", _widened(tiny.files["survey.csv"], 20_000))
    began = time.perf_counter()
    with pytest.raises(
        InputError,
        match=r"row 1 names 20,0\d\d columns, more than the 2,000 an input may have .* Fix: Export only the columns the engagement maps under inputs\.survey\.columns",
    ):
        read_input(load_engagement(tiny.path), "survey")
    assert time.perf_counter() - began < 2.0
    problems = validate_engagement(tiny.path)
    assert any("more than the 2,000 an input may have" in str(p) for p in problems.problems)


def test_a_wide_parquet_file_is_refused_from_its_schema_and_a_narrow_one_reads_only_mapped_columns(tiny):
    survey = pd.read_csv(io.StringIO(tiny.files["survey.csv"]))
    wide = pd.concat([survey, pd.DataFrame(0, index=survey.index, columns=[f"x{i}" for i in range(2_001)])], axis=1)
    wide.to_parquet(tiny.folder / "survey.parquet")
    tiny.set_yaml(tiny.yaml.replace("path: survey.csv", "path: survey.parquet"))
    with pytest.raises(InputError, match=r"names 2,0\d\d columns, more than the 2,000 an input may have"):
        read_input(load_engagement(tiny.path), "survey")
    survey.assign(unused=1).to_parquet(tiny.folder / "survey.parquet")
    assert "unused" not in read_input(load_engagement(tiny.path), "survey").columns


def test_more_cells_than_the_limit_are_refused_from_an_estimate_before_reading(tiny, monkeypatch):
    import cxmethods.io.inputs as inputs

    monkeypatch.setattr(inputs, "MAX_CELLS", 10)
    with pytest.raises(
        InputError, match=r"the file holds about \d+ values \(\d+ columns x about \d+ rows\), more than the 10 an input"
    ):
        read_input(load_engagement(tiny.path), "survey")
