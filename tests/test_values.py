"""Dirty values read by one rule in both readers (cxmethods.io.values and the contact log's DuckDB load)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cxmethods import load_engagement, validate_engagement
from cxmethods.core.config import InputFile
from cxmethods.core.errors import ConfigError
from cxmethods.io.values import clean_labels, coerce, excel_serials, parse_times
from cxmethods.methods.contacts import ContactLog


def _engagement(folder: Path, rows: list[dict], **extra) -> Path:
    pd.DataFrame(rows).to_csv(folder / "log.csv", index=False)
    doc = {
        "name": "dirty",
        "organisation": "Dirty Council",
        "currency": "GBP",
        "period": {"start": "2025-04-01", "end": "2026-03-31"},
        **extra,
        "inputs": {"contact_log": {"path": "log.csv"}},
    }
    path = folder / "engagement.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def _shifted_log() -> list[dict]:
    """60 cases opened at 10:00+05:00 and closed at 08:00Z (three hours later, though the clock reads earlier),
    and 40 written without an offset and closed an hour after opening."""
    rows = [
        {
            "contact_id": f"Z{i}",
            "created_at": "2025-05-01T10:00:00+05:00",
            "closed_at": "2025-05-01T08:00:00Z",
            "channel": "phone",
            "reason": "Missed bin",
        }
        for i in range(60)
    ]
    rows += [
        {
            "contact_id": f"L{i}",
            "created_at": "2025-05-02 10:00:00",
            "closed_at": "2025-05-02 11:00:00",
            "channel": "phone",
            "reason": "Missed bin",
        }
        for i in range(40)
    ]
    return rows


def _validated(report, what: str) -> int:
    found = [p for p in report.problems if re.search(what, p.message)]
    return int(re.match(r"(\d+)", found[0].message).group(1)) if found else 0


@pytest.mark.parametrize(
    ("zone", "closed_before", "date_format"),
    [
        (None, 60, None),
        ("UTC", 0, None),
        ("Asia/Karachi", 0, None),
        (None, 60, "%Y-%m-%dT%H:%M:%S%z"),
        ("UTC", 0, "%Y-%m-%dT%H:%M:%S%z"),
    ],
)
def test_validate_and_the_analysis_agree_on_mixed_offsets(tmp_path, zone, closed_before, date_format):
    path = _engagement(tmp_path, _shifted_log(), **({"timezone": zone} if zone else {}))
    if date_format:  # %z in the format once made pandas refuse mixed offsets while DuckDB converted them
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["inputs"]["contact_log"]["date_format"] = date_format
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    report = validate_engagement(path)
    assert report.ok, report.errors
    assert _validated(report, "closed_at before created_at") == closed_before
    assert _validated(report, r"created_at are written with a time-zone offset other") == 40
    with ContactLog(load_engagement(path)) as log:
        quality = log.data_quality().set_index("check")["rows"]
        assert quality["closed before it was opened"] == closed_before
        assert quality["created_at written with a time-zone offset other than the column's most common one"] == 40
        hours = log.resolution_times().set_index("reason").loc["(all)"]
    assert hours["closed"] == 100 - closed_before


@pytest.mark.parametrize("zone", [None, "Europe/London"])
def test_the_contact_log_reads_every_way_of_writing_a_time_as_parse_times_does(tmp_path, zone):
    """The DuckDB reader searches for an offset only in texts whose last characters could hold one: every form an
    offset takes (Z, +01:00, -0500, +01), and texts with none (dashes in a date, fractions of a second), must come
    out as the pandas reader reads them."""
    written = [
        "2025-07-01T08:45:00Z",
        "2025-07-01 09:30+01:00",
        "2025-07-01 09:30:15-0500",
        "2025-07-01 09:30+01",
        "2025-07-01 23:30:00.250-03:30",
        "2025-07-01 10:00",
        "2025-07-01 10:00:00.5",
        "2025-07-01",
        "not a time",
    ]
    rows = [{"contact_id": f"C{i}", "created_at": t, "channel": "phone", "reason": "Bins"} for i, t in enumerate(written)]
    with ContactLog(load_engagement(_engagement(tmp_path, rows, **({"timezone": zone} if zone else {})))) as log:
        read = log.con.execute("SELECT created_at FROM contacts ORDER BY contact_id").df()["created_at"]
        assert [c for c, *_ in log.con.execute("DESCRIBE contacts").fetchall() if c.startswith("_")] == []
    expected, _ = parse_times(pd.Series(written), None, zone)
    assert read.tolist() == pd.Series(expected).sort_index().astype("datetime64[us]").tolist()


def test_a_zone_converts_times_with_an_offset_and_keeps_the_rest():
    times, offset = parse_times(
        pd.Series(["2025-07-01 09:30+01:00", "2025-07-01T08:45:00Z", "2025-07-01 10:00", "01-07-2025"]),
        "%d-%m-%Y",
        "America/New_York",
    )
    assert [str(t) for t in times] == ["2025-07-01 04:30:00", "2025-07-01 04:45:00", "2025-07-01 10:00:00", "2025-07-01 00:00:00"]
    assert offset.tolist()[:2] == [60.0, 0.0] and offset.iloc[2:].isna().all()  # a year after a date is no offset


def test_an_unknown_time_zone_is_refused_with_a_suggestion(tmp_path):
    path = _engagement(tmp_path, _shifted_log(), timezone="Europe/Londn")
    with pytest.raises(ConfigError, match=r"'Europe/Londn' is not a time zone.*Did you mean 'Europe/London'"):
        load_engagement(path)


def test_invisible_characters_do_not_split_a_reason_in_either_reader(tmp_path):
    rows = _shifted_log()[40:]  # 60 rows without offsets
    looks = ["Missed bin", "Missed\u200b bin", "Missed\u00a0bin", "\uff2dissed  bin", "\ufeffMissed bin"]
    for i, row in enumerate(rows):
        row["reason"] = looks[i % len(looks)]
    path = _engagement(tmp_path, rows)
    report = validate_engagement(path)
    assert _validated(report, "reason are written with invisible characters") == 48
    with ContactLog(load_engagement(path)) as log:
        assert log.reasons()[["reason", "contacts"]].values.tolist() == [["Missed bin", 60]]
        quality = log.data_quality().set_index("check")["rows"]
        assert quality["reason written with invisible characters or look-alike forms"] == 48


def test_labels_and_ids_are_cleaned_the_same_way():
    raw = pd.Series(["A\u200bB", "A\u00a0\u00a0B", "\uff21B", "AB"], dtype="string")
    assert clean_labels(raw).tolist() == ["AB", "A B", "AB", "AB"]
    assert clean_labels(raw, forms=False).tolist() == ["AB", "A B", "\uff21B", "AB"]  # ids: no form folding


def test_money_beyond_a_trillion_or_infinite_is_refused():
    spec = InputFile(path="x.csv")
    value, bad = coerce(pd.Series(["250000", "1e308", "1e12", "inf"], dtype="string"), "money", spec)
    assert value.iloc[0] == 250000.0 and pd.isna(value.iloc[1]) and value.iloc[2] == 1e12
    assert bad["amounts of at most 1,000,000,000,000 in the engagement's currency"].tolist() == [False, True, False, False]
    assert bad[""].tolist() == [False, False, False, True]


def test_excel_serials_are_named_with_the_date_they_stand_for():
    assert excel_serials(["45292"]).startswith("These look like Excel serial dates (45292 is 2024-01-01 00:00")
    assert excel_serials(["60"]) is None and excel_serials(["20250101"]) is None and excel_serials(["x"]) is None
