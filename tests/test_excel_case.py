"""The Excel file's Business case sheet: live formulas that LibreOffice recalculates to the Python figures.

The workbook is written for the sample run, recalculated headless by LibreOffice (``soffice --convert-to xlsx``
computes every formula on load, as the file carries no cached values), and read back with openpyxl. The figures are
checked against the run's appraisal and options tables, then against numpy-financial after input cells change.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import numpy_financial as npf
import openpyxl
import pandas as pd
import pytest

from cxmethods.methodology.benchmarks import load_benchmarks
from cxmethods.outputs.excel import write_excel
from cxmethods.outputs.excel_case import TITLE, _rate_bands

OPTION_LABELS = {"do_nothing": "Do nothing", "do_minimum": "Do minimum", "preferred": "Preferred option"}
PENNY = 0.005


def _recalculate(path: Path, folder: Path) -> Path:
    """``path`` opened and saved again by LibreOffice (every formula computed); the copy's path."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: the recalculation check needs it (apt install libreoffice-calc)")
    out = folder / "recalculated"
    out.mkdir(exist_ok=True)
    profile = (folder / "lo-profile").resolve().as_uri()  # its own profile: runs beside another soffice
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    result = out / path.name
    assert done.returncode == 0 and result.is_file(), done.stderr
    return result


def _rows(sheet) -> dict[str, tuple]:
    """The appraisal table of the sheet: label -> (PV costs, PV cash, PV non-cash, NPV, cash NPV, BCR, VfM, run NPV)."""
    labels = [sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)]
    top = labels.index("Initiative or option") + 1
    out = {}
    for r in range(top + 1, sheet.max_row + 1):
        if sheet.cell(r, 1).value is None:
            break
        out[sheet.cell(r, 1).value] = tuple(sheet.cell(r, c).value for c in range(2, 10))
    return out


def _find(sheet, label: str) -> int:
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == label)


@pytest.fixture(scope="module")
def case(sample_run, tmp_path_factory):
    folder = tmp_path_factory.mktemp("case")
    path = write_excel(sample_run.out, name="riverton", out=folder / "riverton.xlsx")
    tables = {
        n: pd.read_csv(sample_run.out / "artifacts" / "04_business_case" / f"{n}.csv")
        for n in ("appraisal", "options", "cashflows", "option_flows")
    }
    return folder, path, tables


def _expected(tables: dict) -> dict[str, dict]:
    """The run's figures by the sheet's labels."""
    out = {}
    for r in tables["appraisal"].itertuples():
        out[r.name] = r._asdict()
    for r in tables["options"].itertuples():
        out[OPTION_LABELS.get(r.option, r.option)] = r._asdict()
    return out


def test_the_recalculated_sheet_gives_the_runs_figures(case):
    folder, path, tables = case
    sheet = openpyxl.load_workbook(_recalculate(path, folder), data_only=True)[TITLE]
    got, want = _rows(sheet), _expected(tables)
    assert set(got) == set(want)
    for label, row in got.items():
        w = want[label]
        figures = [w["pv_costs"], w["pv_cash_benefits"], w["pv_noncash_benefits"], w["npv"], w["cash_npv"]]
        assert row[:5] == pytest.approx(figures, abs=PENNY), label
        assert row[7] == pytest.approx(w["npv"], abs=PENNY)  # the run's figure shown beside
        if pd.isna(w["bcr"]):
            assert row[5] in (None, ""), label
        else:
            assert row[5] == pytest.approx(w["bcr"], rel=1e-9), label
        assert row[6] == w["vfm_category"], label


def test_changing_inputs_recalculates_npv_bcr_and_the_options(case):
    """A discount rate of 5%, customers' time valued 1.5 times, cash savings at 90% and 10,000 more cost in the third
    year of the first initiative: the sheet against numpy-financial on the run's flows with the same changes."""
    folder, path, tables = case
    book = openpyxl.load_workbook(path)
    sheet = book[TITLE]
    rate_row = _find(sheet, "Discount rate from year") + 1
    bands = 0
    while isinstance(sheet.cell(rate_row + bands, 2).value, (int, float)):
        sheet.cell(rate_row + bands, 2).value = 0.05  # every band: one flat rate
        bands += 1
    assert bands >= 1
    time_row = _find(sheet, "Value of an hour of customers' time")
    value_of_time = sheet.cell(time_row, 2).value
    sheet.cell(time_row, 2).value = value_of_time * 1.5
    sheet.cell(_find(sheet, "Scale on all cash savings"), 2).value = 0.9
    flows = tables["cashflows"]
    first = flows["initiative"].iloc[0]
    name = tables["appraisal"].set_index("initiative").at[first, "name"]
    cost_row = _find(sheet, f"{name}: costs")
    sheet.cell(cost_row, 5).value = sheet.cell(cost_row, 5).value + 10_000  # column E: the third year
    changed = folder / "changed.xlsx"
    book.save(changed)
    got = _rows(openpyxl.load_workbook(_recalculate(changed, folder), data_only=True)[TITLE])

    bench = load_benchmarks()  # the sample uses the shipped benchmarks
    extra = np.zeros(flows["year"].nunique())
    extra[2] = 10_000

    def figures(cost, cash, noncash):
        pv = [npf.npv(0.05, cost), 0.9 * npf.npv(0.05, cash), 1.5 * npf.npv(0.05, noncash)]
        return pv + [pv[1] + pv[2] - pv[0], pv[1] - pv[0]]

    for iid, rows in flows.groupby("initiative", sort=False):
        label = tables["appraisal"].set_index("initiative").at[iid, "name"]
        want = figures(rows["cost"].to_numpy() + (extra if iid == first else 0), rows["cash_benefit"], rows["noncash_benefit"])
        assert got[label][:5] == pytest.approx(want, abs=PENNY), label
        assert got[label][5] == pytest.approx((want[1] + want[2]) / want[0], rel=1e-9)  # the Green Book ratio
        assert got[label][6] == bench.vfm_category((want[1] + want[2]) / want[0])
    options = tables["options"].set_index("option")
    for option, rows in tables["option_flows"].groupby("option", sort=False):
        members = options.at[option, "initiatives"].split(";")
        want = figures(
            rows["cost"].to_numpy() + (extra if first in members else 0), rows["cash_benefit"], rows["noncash_benefit"]
        )
        label = OPTION_LABELS.get(option, option)
        assert got[label][:5] == pytest.approx(want, abs=PENNY), label
        assert got[label][6] == bench.vfm_category((want[1] + want[2]) / want[0])
    assert got["Do nothing"][:5] == (0, 0, 0, 0, 0) and got["Do nothing"][6] == "baseline"
    # the preferred option moved: its NPV at 5% is not the run's
    assert abs(got["Preferred option"][3] - options.at["preferred", "npv"]) > 1


def test_a_changed_cost_per_contact_gives_the_models_own_sensitivity(case, sample_run):
    """The cost per contact with the largest effect on the preferred option set to its low value: every NPV as the
    Python model computed it for the tornado (sensitivity.csv, one assumption at a time)."""
    folder, path, tables = case
    sensitivity = pd.read_csv(sample_run.out / "artifacts" / "04_business_case" / "sensitivity.csv")
    costs = sensitivity[
        sensitivity["assumption"].str.startswith("unit_cost.") & (sensitivity["assumption"] != "unit_cost.automated")
    ]
    preferred = costs[costs["output"] == "preferred"]
    driver = preferred.loc[(preferred["npv_low"] - preferred["npv_base"]).abs().idxmax(), "assumption"]
    rows = costs[costs["assumption"] == driver].set_index("output")
    book = openpyxl.load_workbook(path)
    sheet = book[TITLE]
    target = _find(sheet, f"Cost per contact: {driver.removeprefix('unit_cost.').replace('_', ' ')}")
    sheet.cell(target, 2).value = float(rows["low"].iloc[0])
    changed = folder / "cost.xlsx"
    book.save(changed)
    got = _rows(openpyxl.load_workbook(_recalculate(changed, folder), data_only=True)[TITLE])
    labels = dict(zip(tables["appraisal"]["initiative"], tables["appraisal"]["name"])) | OPTION_LABELS
    for output, row in rows.iterrows():
        assert got[labels[output]][3] == pytest.approx(row["npv_low"], abs=PENNY), output
    assert abs(rows.at["preferred", "npv_low"] - rows.at["preferred", "npv_base"]) > 100  # the change moved it


def test_the_dft_convention_gives_its_ratio_and_category(case, sample_run, tmp_path):
    """The run's tables marked as appraised under the DfT convention: the sheet's ratios and categories against
    finance.benefit_cost_ratio and the value-for-money rule (a net saving to the budget: the top category)."""
    from cxmethods.methods.finance import benefit_cost_ratio

    shutil.copytree(sample_run.out / "artifacts", tmp_path / "artifacts")
    for name in ("appraisal", "options"):
        path = tmp_path / "artifacts" / "04_business_case" / f"{name}.csv"
        pd.read_csv(path).assign(bcr_convention="dft").to_csv(path, index=False)
    path = write_excel(tmp_path, name="dft", out=tmp_path / "dft.xlsx")
    got = _rows(openpyxl.load_workbook(_recalculate(path, tmp_path), data_only=True)[TITLE])
    bench = load_benchmarks()
    bands = bench.value_for_money.bands
    for label, w in _expected(case[2]).items():
        ratio, note = benefit_cost_ratio(w["pv_costs"], w["pv_cash_benefits"], w["pv_noncash_benefits"], "dft")
        if w["pv_costs"] <= 0:
            assert got[label][5] in (None, "") and got[label][6] in ("no costs", "baseline")
        elif note == "net saving to the budget":
            assert got[label][5] in (None, "") and got[label][6] == (bands[-1] if w["npv"] > 0 else bands[0]).category
        else:
            assert got[label][5] == pytest.approx(ratio, rel=1e-9) and got[label][6] == bench.vfm_category(ratio), label
    assert any(v[5] in (None, "") for k, v in got.items() if k != "Do nothing")  # the sample has a net saving


def test_an_older_run_without_the_package_flows_leaves_the_options_out_and_says_so(sample_run, tmp_path):
    shutil.copytree(sample_run.out / "artifacts", tmp_path / "artifacts")
    for name in ("option_flows", "cash_drivers"):
        (tmp_path / "artifacts" / "04_business_case" / f"{name}.csv").unlink()
    sheet = openpyxl.load_workbook(write_excel(tmp_path, name="old", out=tmp_path / "old.xlsx"))[TITLE]
    text = " ".join(str(sheet.cell(r, 1).value) for r in range(1, 15))
    assert "Not shown: the option(s) Do minimum, Preferred option" in text and "run workbook 04 again" in text
    rows = _rows(sheet)
    assert "Preferred option" not in rows and rows["Do nothing"][0] == "=0"
    assert not any("contacts' worth saved" in str(sheet.cell(r, 1).value) for r in range(1, sheet.max_row + 1))


def test_the_schedule_is_recovered_from_the_discount_factors():
    from cxmethods.methodology.benchmarks import Band
    from cxmethods.methods.finance import discount_factors

    stepped = [Band(from_year=0, rate=0.035), Band(from_year=31, rate=0.03), Band(from_year=76, rate=0.025)]
    assert _rate_bands(discount_factors(stepped, 80)) == [(0, 0.035), (31, 0.03), (76, 0.025)]
    assert _rate_bands(discount_factors(0.035, 10)) == [(0, 0.035)]
