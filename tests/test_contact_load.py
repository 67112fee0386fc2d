"""The contact log's one-pass load (cxmethods.methods.contact_load): repeat flags from one sort agree with the SQL
window they replace, and columns the file types are read as their text would be."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from cxmethods import load_engagement
from cxmethods.methods.contacts import ContactLog

#: What the flags were before one sort gave them: two window passes over the log (view ``flagged`` holds both).
WINDOWS = """
    SELECT contact_id, created_at, is_repeat, is_follow_up,
           coalesce(created_at - lag(created_at) OVER (PARTITION BY customer_id, reason ORDER BY created_at, contact_id)
                    <= INTERVAL {days} DAY, false) AND customer_id IS NOT NULL AS by_window_repeat,
           coalesce(created_at - lag(created_at) OVER (PARTITION BY customer_id ORDER BY created_at, contact_id)
                    <= INTERVAL {days} DAY, false) AND customer_id IS NOT NULL AS by_window_follow_up
    FROM flagged"""


def _engagement(folder: Path, log: str, columns: dict | None = None, **extra) -> Path:
    doc = {
        "name": "load",
        "organisation": "Load Council",
        "currency": "GBP",
        "period": {"start": "2025-04-01", "end": "2025-06-30"},
        **extra,
        "inputs": {"contact_log": {"path": log, **({"columns": columns} if columns else {})}},
    }
    path = folder / "engagement.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def _dirty_log(rows: int = 4000, seed: int = 5) -> pd.DataFrame:
    """Few customers with many contacts: times on the hour (so ties in time are common), look-alike reasons and ids,
    missing customers, reasons, times and contact ids, and unreadable times."""
    rng = np.random.default_rng(seed)
    customers = np.array([f"P{i}" for i in range(150)] + ["P1\u200b", " P2 ", "P3  x", ""], dtype=object)
    reasons = np.array(["Bins", "Bins\u200b", " Bins", "Potholes", "Chasing repair", "Noise", ""], dtype=object)
    hours = rng.integers(0, 60 * 24, rows)
    times = (pd.Timestamp("2025-04-01") + pd.to_timedelta(hours, unit="h")).strftime("%Y-%m-%d %H:%M:%S").to_numpy(object)
    times[rng.random(rows) < 0.03] = ""
    times[rng.random(rows) < 0.02] = "not a time"
    ids = np.array([f"C{i:05d}" for i in range(rows)], dtype=object)
    ids[rng.random(rows) < 0.03] = ""
    return pd.DataFrame(
        {
            "contact_id": ids,
            "created_at": times,
            "channel": rng.choice(["phone", "web_form", "email"], rows),
            "reason": reasons[rng.integers(0, len(reasons), rows)],
            "customer_id": customers[rng.integers(0, len(customers), rows)],
        }
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("days", [7, 1, 30])
def test_repeat_flags_from_one_sort_are_the_window_functions_flags(tmp_path, fmt, days):
    log = _dirty_log()
    if fmt == "csv":
        log.to_csv(tmp_path / "log.csv", index=False)
    else:
        log.replace("", None).to_parquet(tmp_path / "log.parquet")
    path = _engagement(tmp_path, f"log.{fmt}", settings={"voc": {"repeat_window_days": days}})
    with ContactLog(load_engagement(path)) as opened:
        both = opened.query(WINDOWS.format(days=days))
        repeats = opened.repeat_contact().set_index("reason")
    assert len(both) == len(log)
    assert both["is_follow_up"].sum() > 100 and both["is_repeat"].sum() > 20  # the log has plenty of each
    assert (both["is_repeat"] == both["by_window_repeat"]).all()
    assert (both["is_follow_up"] == both["by_window_follow_up"]).all()
    # look-alike reasons are one reason, and a customer's contacts about it repeat across the spellings
    assert {"Bins", "Potholes", "Chasing repair", "Noise", "unknown"} == set(repeats.index) - {"(all)"}
    assert repeats.loc["(all)", "repeats"] == both["is_repeat"].sum()


def test_a_contact_at_the_same_time_as_another_follows_it_by_contact_id(tmp_path):
    # two contacts in the same second: the one with the lower contact id comes first, on every run
    rows = pd.DataFrame(
        {
            "contact_id": ["B2", "B1", "B3"],
            "created_at": ["2025-04-02 10:00:00"] * 2 + ["2025-04-20 10:00:00"],
            "channel": ["phone", "email", "phone"],
            "reason": ["Bins"] * 3,
            "customer_id": ["P1"] * 3,
        }
    )
    rows.to_csv(tmp_path / "log.csv", index=False)
    with ContactLog(load_engagement(_engagement(tmp_path, "log.csv"))) as opened:
        flags = opened.query("SELECT contact_id, is_repeat, is_follow_up FROM flagged ORDER BY contact_id")
    assert flags["is_repeat"].tolist() == [False, True, False]
    assert flags["is_follow_up"].tolist() == [False, True, False]


def _typed_log(folder: Path) -> tuple[Path, Path]:
    """The same log as Parquet with typed columns (whole-number ids, nanosecond times before and after 1970, dates,
    doubles, integers for a flag) and as CSV holding each value's text."""
    con = duckdb.connect()
    con.execute("""
        CREATE TABLE log AS SELECT
            CAST(i AS BIGINT) AS ref,
            CAST(TIMESTAMP_NS '1969-12-31 23:00:00.123456789' + to_microseconds(i * 3600 * 1000000 + i)
                 + CAST(i % 5 AS BIGINT) * INTERVAL 1 SECOND AS TIMESTAMP_NS) AS opened,
            CAST(DATE '1970-01-03' + CAST(i // 10 AS INTEGER) AS DATE) AS closed,
            ['phone', 'web_form', 'Email '][i % 3 + 1] AS channel,
            ['Bins', 'Potholes'][i % 2 + 1] AS reason,
            CASE WHEN i % 7 = 0 THEN NULL ELSE CAST(i % 4 AS BIGINT) END AS customer,
            CAST(i % 2 AS INTEGER) AS fcr,
            [2.5, -1.0, 'nan'::DOUBLE, 'inf'::DOUBLE, 0.1, 1e300, -0.0][i % 7 + 1] AS minutes
        FROM range(60) t(i)""")
    parquet, csv = folder / "typed.parquet", folder / "typed.csv"
    con.execute(f"COPY log TO '{parquet}' (FORMAT parquet)")
    texts = ", ".join(
        f"CAST({c} AS VARCHAR) AS {c}" for c in ("ref", "opened", "closed", "channel", "reason", "customer", "fcr", "minutes")
    )
    con.execute(f"COPY (SELECT {texts} FROM log) TO '{csv}' (HEADER, DELIMITER ',')")
    types = dict(con.execute(f"SELECT name, type FROM parquet_schema('{parquet}')").fetchall())
    assert types["opened"] == "INT64" and types["closed"] == "INT32"  # typed in the file (nanoseconds; a date)
    return parquet, csv


@pytest.mark.parametrize("date_format", [None, "%Y-%m-%d"])
def test_typed_parquet_columns_read_as_their_text_would_be(tmp_path, date_format):
    parquet, csv = _typed_log(tmp_path)
    columns = {
        "contact_id": "ref",
        "created_at": "opened",
        "closed_at": "closed",
        "channel": "channel",
        "reason": "reason",
        "customer_id": "customer",
        "resolved_first_contact": "fcr",
        "handling_minutes": "minutes",
    }
    read = {}
    for path in (parquet, csv):
        extra = {"date_format": date_format} if date_format else {}
        doc = yaml.safe_load(_engagement(tmp_path, path.name, columns).read_text())
        doc["inputs"]["contact_log"].update(extra)
        (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
        with ContactLog(load_engagement(tmp_path / "engagement.yaml")) as opened:
            table = opened.query("SELECT * FROM flagged ORDER BY contact_id")
            quality = opened.data_quality()
        # the salt is drawn from the file's bytes, so the two files' pseudonyms differ: compare who is who instead
        table["customer_id"] = table["customer_id"].map({c: i for i, c in enumerate(table["customer_id"].dropna().unique())})
        read[path.suffix] = (table, quality)
    (typed, typed_quality), (text, text_quality) = read[".parquet"], read[".csv"]
    pd.testing.assert_frame_equal(typed, text)
    pd.testing.assert_frame_equal(typed_quality, text_quality)
    assert typed["created_at"].iloc[0] == pd.Timestamp("1969-12-31 23:00:00.123456")  # cut to microseconds, not rounded
    unread = sum(i % 7 in (1, 2, 3) for i in range(60))  # negative, not a number and infinite: no value
    assert typed["handling_minutes"].isna().sum() == unread
    assert typed["is_repeat"].any() and typed["is_follow_up"].any()
