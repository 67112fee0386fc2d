"""GDP deflator series and the price base: factors against a hand computation from the shipped files, a user's own
series accepted, and a bad one refused with the file, column and rows named."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cxmethods.core.errors import ConfigError, InputError
from cxmethods.methodology.deflators import read_deflator_csv, shipped_deflator
from cxmethods.methods.prices import PriceBase

HERE = Path(__file__).resolve().parents[1] / "cxmethods" / "methodology" / "deflators"


def _by_hand(name: str) -> dict[int, float]:
    """The shipped file read with the csv module alone: comment lines dropped, then year -> index."""
    lines = [line for line in (HERE / name).read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    return {int(r["year"]): float(r["index"]) for r in rows}


def test_uk_factors_match_a_hand_computation_from_the_series():
    d = _by_hand("uk_hmt_gdp_deflator.csv")
    uk = shipped_deflator("GBP")
    assert (uk.first, uk.last) == (min(d), max(d)) == (1990, 2024)
    assert uk.factor(2012, 2024) == pytest.approx(d[2024] / d[2012])  # 100 / 71.9294
    assert uk.factor(2012, 2024) == pytest.approx(1.39025, abs=1e-5)
    assert uk.factor(2024, 2012) == pytest.approx(d[2012] / d[2024])
    # after 2024 the series is extended at 2% a year (sources.yaml), stated as an assumption
    assert uk.factor(2012, 2026) == pytest.approx(d[2024] * 1.02**2 / d[2012])
    assert uk.factor(2025, 2026) == pytest.approx(1.02)
    assert uk.extended_years(2012, 2025, 2026) == [2025, 2026]


def test_us_factors_match_a_hand_computation_from_the_series():
    d = _by_hand("us_bea_gdp_deflator.csv")
    us = shipped_deflator("USD")
    assert us.last == 2025 and us.factor(2017, 2025) == pytest.approx(d[2025] / d[2017])
    assert us.factor(2020, 2023) == pytest.approx(d[2023] / d[2020])
    assert us.factor(2025, 2027) == pytest.approx(1.02**2)


def test_a_currency_without_a_series_is_not_converted_and_says_so():
    assert shipped_deflator("EUR") is None
    base = PriceBase(2026, "EUR", None)
    assert base.factor(2012) == 1.0 and base.label == "EUR, 2026 prices"
    notes = " ".join(base.notes({"costs per contact": 2012}))
    assert "No GDP deflator series ships for EUR" in notes and "costs per contact (2012 prices)" in notes
    assert "none was needed" in " ".join(base.notes({"costs per contact": None}))


def test_the_price_base_notes_name_the_series_the_factor_and_the_extension():
    base = PriceBase(2026, "GBP", shipped_deflator("GBP"))
    notes = " ".join(base.notes({"the benchmark costs per contact": 2012, "the value of customers' time": 2025}))
    assert "GBP, 2026 prices" in notes and "HM Treasury GDP deflator" in notes
    assert f"from 2012 prices (x{base.factor(2012):.3f})" in notes and "(x1.020)" in notes
    assert "ends in 2024; 2025, 2026 are extended" in notes and "2% a year" in notes


def test_a_price_year_before_the_series_is_an_error():
    with pytest.raises(ConfigError, match=r"a price year of 1980 is before the deflator series starts \(1990\)"):
        shipped_deflator("GBP").factor(1980, 2026)


def test_a_users_own_series_is_accepted(tmp_path):
    path = tmp_path / "own.csv"
    path.write_text("# from our finance team\nYear,Index,note\n2020,90.0,\n2021,93.6,x\n2022,100,\n", encoding="utf-8")
    s = read_deflator_csv(path, extend_growth=0.03)
    assert (s.first, s.last, s.index) == (2020, 2022, (90.0, 93.6, 100.0))
    assert s.factor(2020, 2022) == pytest.approx(100 / 90)
    assert s.factor(2020, 2024) == pytest.approx(100 * 1.03**2 / 90)
    assert "own.csv" in s.extend_source and "3%" in s.extend_source


@pytest.mark.parametrize(
    ("text", "column", "rows", "message"),
    [
        ("year,index\n2019,90\n2020,92\n2022,96\n", "year", (), "year 2021 missing"),
        ("# a comment\nyear,index\n2020,90\n2021,n/a\n2022,abc\n", "index", (4, 5), "the index is not a number"),
        ("year,index\n2020,90\ntwenty,92\n", "year", (3,), "not a whole year"),
        ("year,index\n2020,90\n2020,91\n", "year", (3,), "more than once"),
        ("year,index\n2020,0\n", "index", (2,), "above zero"),
        ("year,value\n2020,90\n", "index", (), "column index missing"),
    ],
)
def test_a_bad_series_names_the_file_column_and_rows(tmp_path, text, column, rows, message):
    path = tmp_path / "ours.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_deflator_csv(path)
    found = [p for p in caught.value.problems if message in p.message]
    assert found, caught.value.problems
    assert found[0].where == str(path) and found[0].column == column and found[0].rows == rows
    assert "ours.csv" in str(caught.value)


def test_a_missing_series_file(tmp_path):
    with pytest.raises(InputError, match="deflator series not found"):
        read_deflator_csv(tmp_path / "nowhere.csv")
