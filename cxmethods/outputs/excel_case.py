"""The Excel file's **Business case** sheet: the appraisal as live formulas an analyst can flex.

:func:`write_case_sheet` reads workbook 04's tables from a run folder and writes one sheet whose figures are
formulas over input cells, so a changed discount rate, value of customers' time, scale or yearly flow recalculates
the present values, NPV, cash NPV, benefit-cost ratio and value-for-money category of every initiative and option
in Excel (or LibreOffice), with no macro. Until an input changes, every figure equals the run's appraisal
(``appraisal.csv``, ``options.csv``): the sheet is the Python model's last step written out, not a second model.

What the sheet holds (all money real, in the run's price base):

- **Inputs** (yellow cells, blue figures): the discount rate schedule (the rate from each year of the appraisal,
  as the run applied it: recovered from the run's discount factors, ``cashflows.csv``); the value of an hour of
  customers' time (``assumptions.csv``, ``value_of_time``); a scale on all costs and one on all cash savings
  (100%); the costs per contact (``assumptions.csv``, ``unit_cost.<channel>``); the value-for-money bands
  (``vfm_bands.csv``); and, per initiative and year, its costs (with the optimism-bias uplift), the contacts'
  worth it saves on each channel and its other savings (``cash_drivers.csv``: its cash savings are then a formula,
  contacts' worth x cost per contact + other savings; without that table, an older run, the cash savings are
  inputs themselves), and the hours of customers' time it saves (its non-cash benefit divided by the value of an
  hour, exact because the model values customers' time linearly: minutes saved / 60 x contacts x value of an hour).
- **Options**: a package's costs and customers' hours are the sums of its initiatives' (they add in the model);
  its cash savings are the sum of its initiatives' plus an *overlap* row, the package's own savings
  (``option_flows.csv``) less that sum, because savings of the same kind on the same contacts combine
  (``1 - (1 - a)(1 - b)``) rather than add. The overlap is held at the run's figures (by channel, so that it
  follows the costs per contact). An option whose package flows the run folder lacks is left out, and the sheet
  says so.
- **Formulas**: discount factor of year t = factor of year t-1 / (1 + the rate from the schedule for year t),
  year 0 = 1 (:func:`cxmethods.methods.finance.discount_factors`); PV = scale x SUMPRODUCT(flows, factors);
  NPV = PV cash + PV non-cash - PV costs; cash NPV = PV cash - PV costs; the ratio under the run's convention
  (:func:`cxmethods.methods.finance.benefit_cost_ratio`); the category from the bands as
  ``cxmethods.workbooks.business_case._vfm`` reads it.

Not live: what produced the flows (contact volumes, lever shares, ramp-up and optimism bias on durations) stays in
workbook 04, so changing those needs a re-run; IRR, payback and the simulation's percentiles are not recomputed.
Costs per contact are exact but for automation, whose saving the model stops at zero (the sheet does not). The
sheet says all this in its notes.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cxmethods.io.artifacts import BUSINESS_CASE, read_table
from cxmethods.outputs.present import CURRENCY_SYMBOLS

__all__ = ["CaseSheet", "case_data", "write_case_sheet"]

TITLE = "Business case"
INPUT_FILL = PatternFill("solid", start_color="FFF2CC")  # inputs: yellow fill, blue figures (a common modelling
INPUT_FONT = Font(color="0000FF")  # convention, e.g. the FAST standard and ICAEW's financial modelling code)
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", start_color="1F5F8B")
_SECTION = Font(bold=True, size=12)
_BOLD = Font(bold=True)
_NOTE = Font(italic=True, color="595959")
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEAD_RIGHT = Alignment(wrap_text=True, vertical="top", horizontal="right")
_INDENT = Alignment(indent=1)
_RIGHT = Alignment(horizontal="right")
_OPTION_NAMES = {"do_nothing": "Do nothing", "do_minimum": "Do minimum", "preferred": "Preferred option"}


@dataclass
class CaseSheet:
    """Where the sheet put things (1-based rows), for tests and the Data dictionary sheet."""

    results: dict[str, int]  # output (initiative id or option name) -> its row in the results table
    inputs: dict[str, str]  # input name -> cell ("B6"), e.g. "value_of_time", "cost_scale", "rate.0"
    columns: list[tuple[str, str, str]]  # (header, meaning, unit) of the results table


@dataclass
class _Case:
    years: list[int]
    factors: np.ndarray
    bands: list[tuple[int, float]]  # (from year index, rate)
    value_of_time: float | None
    convention: str
    price_base: str
    names: dict[str, str]  # initiative id -> name
    flows: dict[str, pd.DataFrame]  # initiative id -> cost, cash_benefit, noncash_benefit by year
    options: list[tuple[str, tuple[str, ...], pd.DataFrame | None]]  # name, members, package flows
    run_npv: dict[str, float]
    vfm: list[tuple[str, float | None]]
    # output -> driver -> quantity by year (cash_drivers.csv), and each driver's cost per contact; None: not known
    drivers: dict[str, dict[str, np.ndarray]] | None = None
    left_out: list[str] = field(default_factory=list)  # options the tables cannot rebuild (an older run)
    unit_costs: dict[str, float] | None = None


def case_data(run_dir: str | Path) -> _Case | None:
    """Workbook 04's tables the sheet needs, or None when the run has no appraisal (no business case to show)."""
    tables = {
        n: read_table(run_dir, BUSINESS_CASE, n, optional=True)
        for n in ("cashflows", "appraisal", "options", "option_flows", "assumptions", "vfm_bands", "cash_drivers")
    }
    if any(tables[n] is None or not len(tables[n]) for n in ("cashflows", "appraisal", "options", "vfm_bands")):
        return None
    flows = tables["cashflows"]
    ids = list(dict.fromkeys(flows["initiative"].astype(str)))
    years = sorted(int(y) for y in flows["year"].unique())
    by_id = {i: flows[flows["initiative"].astype(str) == i].sort_values("year").reset_index(drop=True) for i in ids}
    factors = by_id[ids[0]]["discount_factor"].to_numpy(float)
    appraisal = tables["appraisal"]
    appraisal = appraisal.assign(initiative=appraisal["initiative"].astype(str)).set_index("initiative")
    options = tables["options"]
    package = tables["option_flows"]
    out_options, left_out = [], []
    for row in options.itertuples():
        members = tuple(m for m in str(row.initiatives if isinstance(row.initiatives, str) else "").split(";") if m)
        own = None
        if members and package is not None and len(package):
            own = package[package["option"].astype(str) == str(row.option)].sort_values("year").reset_index(drop=True)
        if members and (own is None or len(own) != len(years) or any(m not in by_id for m in members)):
            left_out.append(str(row.option))  # an older run without the package's flows: not reproducible here
            continue
        out_options.append((str(row.option), members, own))
    assumptions = tables["assumptions"]
    vot = None
    if assumptions is not None and "value_of_time" in set(assumptions["name"]):
        vot = float(assumptions.loc[assumptions["name"] == "value_of_time", "value"].iloc[0])
        vot = vot if math.isfinite(vot) and vot > 0 else None
    bands = tables["vfm_bands"]
    price = str(appraisal["price_base"].iloc[0]) if "price_base" in appraisal and len(appraisal) else ""
    run_npv = {i: float(appraisal.at[i, "npv"]) for i in ids if i in appraisal.index}
    run_npv.update({str(r.option): float(r.npv) for r in options.itertuples()})
    return _Case(
        years=years,
        factors=factors,
        bands=_rate_bands(factors),
        value_of_time=vot,
        convention=str(appraisal["bcr_convention"].iloc[0]) if "bcr_convention" in appraisal else "green_book",
        price_base=price,
        names={i: str(appraisal.at[i, "name"]) if i in appraisal.index else i for i in ids},
        flows=by_id,
        options=out_options,
        left_out=left_out,
        run_npv=run_npv,
        vfm=[(str(r.category), None if pd.isna(r.below) else float(r.below)) for r in bands.itertuples()],
        **_drivers(tables["cash_drivers"], assumptions, years),
    )


def _drivers(table: pd.DataFrame | None, assumptions: pd.DataFrame | None, years: list[int]) -> dict:
    """``drivers`` and ``unit_costs`` of the case from ``cash_drivers.csv``, or nothing (an older run, or a cost per
    contact the assumptions do not give): the cash savings are then inputs themselves."""
    if table is None or assumptions is None:
        return {}
    values = dict(zip(assumptions["name"].astype(str), assumptions["value"]))
    costs = {}
    for driver in dict.fromkeys(table["driver"].astype(str)):
        if driver != "other":
            if driver not in values or not math.isfinite(float(values[driver])):
                return {}
            costs[driver] = float(values[driver])
    out: dict[str, dict[str, np.ndarray]] = {}
    for (output, driver), rows in table.groupby([table["output"].astype(str), table["driver"].astype(str)], sort=False):
        by_year = rows.set_index("year")["quantity"].astype(float)
        out.setdefault(output, {})[driver] = by_year.reindex(years, fill_value=0.0).to_numpy()
    return {"drivers": out, "unit_costs": costs}


def _rate_bands(factors: np.ndarray) -> list[tuple[int, float]]:
    """The discount rate schedule the factors were made with: ``(from year index, rate)``, one per run of equal
    yearly rates (the factors compound year on year, so year t's rate is factor(t-1) / factor(t) - 1)."""
    rates = factors[:-1] / factors[1:] - 1 if len(factors) > 1 else np.array([0.0])
    bands: list[tuple[int, float]] = []
    for t, r in enumerate(rates, start=1):
        r = round(float(r), 10)
        if not bands or not math.isclose(r, bands[-1][1], abs_tol=1e-9):
            bands.append((0 if not bands else t, r))
    return bands


def _money(currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    return f'"{symbol}"#,##0;-"{symbol}"#,##0'


def write_case_sheet(ws, case: _Case, currency: str) -> CaseSheet:
    """Write the sheet (a write-only worksheet, rows in order) and say where its results and inputs are."""
    money = _money(currency)
    n = len(case.years)
    first, last = get_column_letter(3), get_column_letter(2 + n)  # years in columns C onwards
    rows: list[list] = []
    inputs: dict[str, str] = {}

    def cell(value, fmt: str | None = None, font: Font | None = None, fill: PatternFill | None = None, wrap=False):
        c = WriteOnlyCell(ws, value)
        if isinstance(value, str) and not value.startswith("="):
            c.data_type = "s"
        if fmt:
            c.number_format = fmt
        if font:
            c.font = font
        if fill:
            c.fill = fill
        if wrap:
            c.alignment = _WRAP
        return c

    def put(row: list) -> int:
        rows.append(row)
        return len(rows)

    def entry(value, fmt):
        return cell(value, fmt, INPUT_FONT, INPUT_FILL)

    def head(labels: list[str]) -> int:
        if any(len(label) > 14 for label in labels[1:]):
            ws.row_dimensions[len(rows) + 1].height = 30  # two lines: LibreOffice does not grow a row on load
        out = [cell(label, font=_HEAD_FONT, fill=_HEAD_FILL, wrap=True) for label in labels]
        for c in out[1:]:
            c.alignment = _HEAD_RIGHT  # over figures
        return put(out)

    def aside(text: str):
        c = cell(text)
        c.alignment = _INDENT
        return c

    gb = case.convention != "dft"
    put([cell(f"{TITLE}: the appraisal as live formulas", font=Font(bold=True, size=16))])
    for text in (
        f"All money in {case.price_base or currency} (real terms, before inflation). Change a yellow input "
        "and the present values, NPV, cash NPV, benefit-cost ratio and value for money of every initiative and option "
        "below recalculate. Until then they equal the run's appraisal.",
        (
            "Live: the discount rates, the value of an hour of customers' time, the costs per contact, the scales on "
            "costs and cash savings, every yearly figure in a yellow row and the value-for-money bands. Cash savings "
            "are contacts' worth saved x the cost per contact, plus other savings: exact for a changed cost, except "
            "that the model never lets an automated contact's saving go below zero and this sheet does. Not live: "
            "what produced the flows (contact volumes, the levers' shares, ramp-up, optimism bias) is in workbook 04; "
            "change those there and run it again. IRR, payback and the simulation's ranges are not recomputed here."
            if case.drivers is not None
            else "Live: the discount rates, the value of an hour of customers' time, the scales on costs and cash "
            "savings, every yearly figure in a yellow row and the value-for-money bands. Not live: what produced the "
            "flows (contact volumes, costs per contact, the levers' shares, ramp-up, optimism bias) is in workbook 04; "
            "change those there and run it again. IRR, payback and the simulation's ranges are not recomputed here."
        ),
        (
            f"Not shown: the option(s) {', '.join(_OPTION_NAMES.get(o, o) for o in case.left_out)}, whose yearly "
            "flows as a package this run folder does not hold (an earlier version's run); run workbook 04 again."
            if case.left_out
            else ""
        ),
    ):
        for line in textwrap.wrap(text, 150):
            put([cell(line, font=_NOTE)])
    put([])
    put([cell("Inputs", font=_SECTION)])
    r = put(
        [
            cell("Value of an hour of customers' time"),
            entry(case.value_of_time if case.value_of_time is not None else 1.0, f"{money[: money.index(';')]}.00"),
            aside(
                "per hour (the run's value; it turns the hours saved below into money)"
                if case.value_of_time is not None
                else "no customers' time in this run: the non-cash rows are money, and this multiplies them"
            ),
        ]
    )
    inputs["value_of_time"] = f"$B${r}"
    r = put([cell("Scale on all costs"), entry(1, "0%"), aside("100% is the run's costs (with the optimism-bias uplift)")])
    inputs["cost_scale"] = f"$B${r}"
    r = put([cell("Scale on all cash savings"), entry(1, "0%"), aside("100% is the run's savings to the budget")])
    inputs["cash_scale"] = f"$B${r}"
    for driver, value in (case.unit_costs or {}).items() if case.drivers is not None else ():
        r = put(
            [
                cell(f"Cost per contact: {_channel(driver)}"),
                entry(value, f"{money[: money.index(';')]}.00"),
                aside("the run's cost per contact; the cash savings below are contacts' worth saved x this"),
            ]
        )
        inputs[driver] = f"$B${r}"
    put(
        [
            cell("Benefit-cost ratio convention"),
            cell("Green Book" if gb else "DfT"),
            aside(
                "HM Treasury Green Book (2022): all benefits, cash and non-cash, / costs"
                if gb
                else "DfT Value for Money Framework, TAG A1.1: non-cash benefits / (costs - cash savings)"
            ),
        ]
    )
    put([])
    put([cell("Discount rates by year of the appraisal: year 0 is the first year and is not discounted.", font=_NOTE)])
    head(["Discount rate from year", "Real rate"])
    band_rows = []
    for i, (start, rate) in enumerate(case.bands):
        r = put([entry(start, "0"), entry(rate, "0.0%")])
        inputs[f"rate.{i}"] = f"$B${r}"
        band_rows.append(r)
    schedule = f"$A${band_rows[0]}:$B${band_rows[-1]}"
    put([])
    put([cell("Value for money by benefit-cost ratio: a ratio below the limit; the last category has none.", font=_NOTE)])
    head(["Value for money category", "Ratio below"])
    vfm_rows = []
    for category, below in case.vfm:
        r = put([cell(category), entry(below, "0.00") if below is not None else cell(None)])
        vfm_rows.append(r)
    put([])

    # the timeline: years, rate and discount factor
    put([cell("Discounting", font=_SECTION)])
    put([cell("Year", font=_BOLD), cell(None)] + [cell(y, "0", font=_BOLD) for y in case.years])
    r_t = put([cell("Year of the appraisal (0 = now)"), cell(None)] + [cell(t, "0") for t in range(n)])
    rate_cells = [cell(None)] + [
        cell(f"=VLOOKUP({get_column_letter(3 + t)}{r_t},{schedule},2,TRUE)", "0.0%") for t in range(1, n)
    ]
    r_rate = put([cell("Discount rate that year"), cell(None)] + rate_cells)
    r_df = len(rows) + 1
    put(
        [cell("Discount factor"), cell(None), cell(1, "0.0000")]
        + [cell(f"={get_column_letter(2 + t)}{r_df}/(1+{get_column_letter(3 + t)}{r_rate})", "0.0000") for t in range(1, n)]
    )
    factors = f"${first}${r_df}:${last}${r_df}"
    put([])

    # the results come next, above the flows they use: their rows are kept free now and written last
    outputs = list(case.flows) + [o for o, _, _ in case.options]
    option_notes = [
        line
        for key, members in ((o, m) for o, m, _ in case.options if m)
        for line in textwrap.wrap(f"{_OPTION_NAMES.get(key, key)}: {', '.join(case.names.get(m, m) for m in members)}.", 150)
    ]
    results_at = len(rows)  # the block: title, header, one row per output, a gap, the options' members, a gap
    results = {key: results_at + 3 + k for k, key in enumerate(outputs)}
    rows.extend([] for _ in range(2 + len(outputs) + 1 + len(option_notes) + 1))

    # the flows: inputs per initiative, year by year
    put([cell("Yearly flows of each initiative (inputs)", font=_SECTION)])
    hours_label = "customers' hours saved" if case.value_of_time is not None else "customers' time (money)"
    head(["Initiative and flow", "Total (undiscounted)"] + [str(y) for y in case.years])
    flow_rows: dict[str, dict[str, int]] = {}
    vot = case.value_of_time or 1.0

    def cash_block(prefix: str, quantities: dict[str, np.ndarray], label: str) -> int:
        """Rows of contacts' worth saved by channel and other savings (inputs), then the cash savings they make (a
        formula per year); the row of the cash savings."""
        terms, other = [], None
        for driver, q in quantities.items():
            r = len(rows) + 1
            is_other = driver == "other"
            fmt = money if is_other else "#,##0"
            what = "other cash savings" if is_other else f"contacts' worth saved, {_channel(driver)}"
            put([cell(f"{prefix}: {what}"), cell(f"=SUM({first}{r}:{last}{r})", fmt)] + [entry(float(v), fmt) for v in q])
            if is_other:
                other = r
            else:
                terms.append((inputs[driver], r))
        r = len(rows) + 1
        formulas = []
        for t in range(n):
            col = get_column_letter(3 + t)
            parts = [f"{u}*{col}{q}" for u, q in terms] + ([f"{col}{other}"] if other else [])
            formulas.append(cell("=" + ("+".join(parts) if parts else "0"), money))
        put([cell(f"{prefix}: {label}"), cell(f"=SUM({first}{r}:{last}{r})", money)] + formulas)
        return r

    for iid, table in case.flows.items():
        name = case.names.get(iid, iid)
        flow_rows[iid] = {}
        for key, label, values, fmt in (
            ("cost", "costs", table["cost"], money),
            ("cash", "cash savings", table["cash_benefit"], money),
            ("hours", hours_label, table["noncash_benefit"] / vot, "#,##0" if case.value_of_time else money),
        ):
            if key == "cash" and case.drivers is not None:
                flow_rows[iid][key] = cash_block(name, case.drivers.get(iid, {}), "cash savings (formula)")
                continue
            r = len(rows) + 1
            put(
                [cell(f"{name}: {label}"), cell(f"=SUM({first}{r}:{last}{r})", fmt)]
                + [entry(float(v), fmt) for v in values.to_numpy(float)]
            )
            flow_rows[iid][key] = r

    # options: the overlap of their initiatives' cash savings
    overlap_rows: dict[str, dict[str, int]] = {}
    adjusted = [(o, m, f) for o, m, f in case.options if m and f is not None and len(f) == n]
    if adjusted:
        put([])
        put([cell("Options: what combining overlapping savings changes (inputs, held at the run's figures)", font=_SECTION)])
        head(["Option and flow", "Total (undiscounted)"] + [str(y) for y in case.years])
    for option, members, own in adjusted:
        overlap_rows[option] = {}
        summed = {k: sum(case.flows[m][col].to_numpy(float) for m in members) for k, col in _COLUMNS}
        for key, col in _COLUMNS:
            gap = own[col].to_numpy(float) - summed[key]
            if key != "cash" and np.allclose(gap, 0, atol=0.005):
                continue  # costs and customers' time add: nothing to adjust
            if key == "cash" and case.drivers is not None:
                own_q = case.drivers.get(option, {})
                names = list(dict.fromkeys([*own_q, *(d for m in members for d in case.drivers.get(m, {}))]))
                zero = np.zeros(n)
                gaps = {d: own_q.get(d, zero) - sum((case.drivers.get(m, {}).get(d, zero) for m in members), zero) for d in names}
                gaps = {d: g for d, g in gaps.items() if np.any(np.abs(g) > 1e-6)}
                label = f"{_OPTION_NAMES.get(option, option)}"
                overlap_rows[option][key] = cash_block(label, gaps, "cash savings lost to overlap (formula)")
                continue
            label = {"cash": "cash savings lost to overlap", "cost": "costs, package less its initiatives'"}.get(
                key, "customers' time, package less its initiatives'"
            )
            values = gap / vot if key == "hours" else gap
            fmt = "#,##0" if key == "hours" and case.value_of_time else money
            r = len(rows) + 1
            put(
                [cell(f"{_OPTION_NAMES.get(option, option)}: {label}"), cell(f"=SUM({first}{r}:{last}{r})", fmt)]
                + [entry(float(v), fmt) for v in values]
            )
            overlap_rows[option][key] = r
    put([])

    # the results, in the rows kept for them
    block = [[cell("Appraisal of every initiative and option (formulas)", font=_SECTION)]]
    columns = [
        ("Initiative or option", "The initiative, or the option (a package of initiatives).", ""),
        ("Present value of costs", "Costs discounted to today, with the optimism-bias uplift and the scale.", currency),
        ("Present value of cash savings", "Savings to the organisation's budget, discounted.", currency),
        ("Present value of customers' time", "Hours saved x the value of an hour, discounted (non-cash).", currency),
        ("NPV", "Net present social value: cash savings + customers' time - costs.", currency),
        ("Cash NPV", "Net present value to the budget alone: cash savings - costs.", currency),
        ("Benefit-cost ratio", "By the convention above; empty where it is not defined.", "ratio"),
        ("Value for money", "The category of the ratio in the bands above.", ""),
        ("NPV in the run", "The run's figure (appraisal and options tables), to compare with.", currency),
    ]
    header = [cell(c[0], font=_HEAD_FONT, fill=_HEAD_FILL, wrap=True) for c in columns]
    for c in header[1:]:
        c.alignment = _HEAD_RIGHT
    block.append(header)
    ws.row_dimensions[results_at + 2].height = 30
    top, bottom = case.vfm[-1][0], case.vfm[0][0]

    def vfm_formula(r: int) -> str:
        chain = f'"{_quote(case.vfm[-1][0])}"'
        for (category, _), row in zip(reversed(case.vfm[:-1]), reversed(vfm_rows[:-1])):
            chain = f'IF(G{r}<$B${row},"{_quote(category)}",{chain})'
        return chain

    for key in outputs:
        r = results[key]
        if key in case.flows:
            f = flow_rows[key]
            label = case.names.get(key, key)
            pv_cost = f"={inputs['cost_scale']}*SUMPRODUCT({first}{f['cost']}:{last}{f['cost']},{factors})"
            pv_cash = f"={inputs['cash_scale']}*SUMPRODUCT({first}{f['cash']}:{last}{f['cash']},{factors})"
            pv_non = f"={inputs['value_of_time']}*SUMPRODUCT({first}{f['hours']}:{last}{f['hours']},{factors})"
            none = "no costs"
        else:
            members = next(m for o, m, _ in case.options if o == key)
            label = _OPTION_NAMES.get(key, key.replace("_", " ").capitalize())
            extra = overlap_rows.get(key, {})
            parts = {}
            for col, scale in (("B", "cost_scale"), ("C", "cash_scale"), ("D", "value_of_time")):
                terms = [f"{col}{results[m]}" for m in members]
                flow = {"B": "cost", "C": "cash", "D": "hours"}[col]
                if flow in extra:
                    terms.append(f"{inputs[scale]}*SUMPRODUCT({first}{extra[flow]}:{last}{extra[flow]},{factors})")
                parts[col] = "=" + ("+".join(terms) if terms else "0")
            pv_cost, pv_cash, pv_non = parts["B"], parts["C"], parts["D"]
            none = "no costs" if members else "baseline"
        if gb:
            bcr = f'=IF(B{r}<=0,"",(C{r}+D{r})/B{r})'
            vfm = f'=IF(B{r}<=0,"{none}",{vfm_formula(r)})'
        else:
            bcr = f'=IF(B{r}<=0,"",IF(B{r}-C{r}<=0,"",D{r}/(B{r}-C{r})))'
            vfm = f'=IF(B{r}<=0,"{none}",IF(B{r}-C{r}<=0,IF(E{r}>0,"{_quote(top)}","{_quote(bottom)}"),{vfm_formula(r)}))'
        category = cell(vfm)
        category.alignment = _RIGHT
        block.append(
            [
                cell(label),
                cell(pv_cost, money),
                cell(pv_cash, money),
                cell(pv_non, money),
                cell(f"=C{r}+D{r}-B{r}", money, _BOLD),
                cell(f"=C{r}-B{r}", money),
                cell(bcr, "0.00"),
                category,
                cell(case.run_npv.get(key), money, _NOTE),
            ]
        )
    block.append([])
    block += [[cell(line, font=_NOTE)] for line in option_notes]
    block.append([])
    rows[results_at : results_at + len(block)] = block

    ws.column_dimensions["A"].width = 58
    for i in range(2, 3 + max(n, len(columns))):
        ws.column_dimensions[get_column_letter(i)].width = 15
    for row in rows:
        ws.append(row)
    return CaseSheet(results, inputs, [c for c in columns])


_COLUMNS = (("cost", "cost"), ("cash", "cash_benefit"), ("hours", "noncash_benefit"))


def _channel(driver: str) -> str:
    """``"unit_cost.face_to_face"`` -> ``"face to face"``."""
    return driver.removeprefix("unit_cost.").replace("_", " ")


def _quote(text: str) -> str:
    return text.replace('"', '""')
