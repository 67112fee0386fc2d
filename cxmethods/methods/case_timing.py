"""The business case re-appraised on the road map's start years.

Workbook 04 appraises each initiative as if it starts in its own start year (``start_year`` in
``initiatives.csv``, else the year of its earliest start, else the base year); workbook 05's road map may start
it later (capacity, dependencies) or, rarely, earlier. :func:`reappraise_at_starts` moves each initiative's
yearly flows by the difference and discounts them again on the same factors over the same horizon, so the NPV of
the plan as scheduled stands beside the NPV as appraised.

Moving the flows is a re-appraisal, not an approximation, because the case model
(:mod:`cxmethods.methods.case_model`) depends on the year only through the initiative's start and ramp: costs fall
in the start year and then yearly while the benefit ramps, benefits ramp from the start, and every price and
volume is constant in real terms. Started ``k`` years later, its flow in year ``t`` is the flow it had in year
``t - k`` (nothing before the start), and the last ``k`` years of the horizon fall outside the appraisal, exactly
as the model would compute them. Started ``k`` years earlier, its flow in year ``t`` is the flow it had in
``t + k``; the last ``k`` years, beyond what workbook 04 computed, repeat its final year, which is exact once the
ramp is complete (running costs and full benefits are constant) and is flagged in ``note`` otherwise.

>>> import pandas as pd
>>> flows = pd.DataFrame({"initiative": "A", "year": [2026, 2027, 2028], "cost": [100.0, 10, 10],
...                       "cash_benefit": [0.0, 60, 60], "noncash_benefit": 0.0, "discount_factor": [1, 0.5, 0.25]})
>>> reappraise_at_starts(flows, {"A": 2026}, {"A": 2027})[["initiative", "years_later", "npv_as_appraised",
...                                                         "npv_as_scheduled"]]
  initiative  years_later  npv_as_appraised  npv_as_scheduled
0          A            1             -62.5             -37.5
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cxmethods.core.errors import CxmError

__all__ = ["REAPPRAISAL_COLUMNS", "reappraise_at_starts", "shift_flows"]

#: Columns of :func:`reappraise_at_starts`'s table (registered as workbook 05's ``reappraisal``).
REAPPRAISAL_COLUMNS = [
    "initiative",
    "case_start_year",
    "scheduled_start_year",
    "years_later",
    "npv_as_appraised",
    "npv_as_scheduled",
    "change",
    "note",
]
_FLOWS = ("cost", "cash_benefit", "noncash_benefit")


def shift_flows(flows: np.ndarray, years: int) -> np.ndarray:
    """Yearly flows (year 0 first) of an initiative started ``years`` later (negative: earlier), same horizon.

    Later: zeros first, the last ``years`` fall off the horizon. Earlier: the first ``-years`` fall before year 0
    (they must be zero: nothing happens before the start) and the final year repeats (a ramp already complete).

    >>> shift_flows(np.array([0.0, -5, 3, 4]), 1).tolist(), shift_flows(np.array([0.0, -5, 3, 4]), -1).tolist()
    ([0.0, 0.0, -5.0, 3.0], [-5.0, 3.0, 4.0, 4.0])
    """
    flows = np.asarray(flows, dtype=float)
    n = len(flows)
    if years >= 0:
        return np.concatenate([np.zeros(min(years, n)), flows[: max(n - years, 0)]])
    k = -years
    if k >= n or np.any(flows[:k] != 0):
        raise CxmError(f"Cannot start an initiative {k} year(s) earlier: it has flows in its first {k} year(s).")
    return np.concatenate([flows[k:], np.repeat(flows[-1:], k)])


def reappraise_at_starts(
    cashflows: pd.DataFrame, case_start: Mapping[str, int], scheduled_start: Mapping[str, int | None]
) -> pd.DataFrame:
    """NPV of each initiative as appraised (workbook 04's start year) and as scheduled (the road map's start year).

    Parameters
    ----------
    cashflows : DataFrame
        Workbook 04's ``cashflows``: ``initiative, year, cost, cash_benefit, noncash_benefit, discount_factor``, one
        row per initiative and year of the horizon.
    case_start : mapping of str to int
        Initiative -> the year the business case starts it.
    scheduled_start : mapping of str to int or None
        Initiative -> the calendar year of the road map's start quarter; None (or absent) when it is not scheduled.

    Returns
    -------
    DataFrame
        One row per initiative in ``cashflows``: ``initiative, case_start_year, scheduled_start_year, years_later,
        npv_as_appraised, npv_as_scheduled`` (None when not scheduled), ``change`` and ``note`` (what was assumed,
        or "").
    """
    missing = [c for c in ("initiative", "year", "discount_factor", *_FLOWS) if c not in cashflows]
    if missing:
        raise CxmError(f"The business case's cash flows have no {', '.join(missing)} column. Fix: re-run workbook 04.")
    rows = []
    for iid, group in cashflows.groupby("initiative", sort=False):
        group = group.sort_values("year")
        years, factors = group["year"].to_numpy(int), group["discount_factor"].to_numpy(float)
        net = (group["cash_benefit"] + group["noncash_benefit"] - group["cost"]).to_numpy(float)
        appraised = float(net @ factors)
        case, planned = case_start.get(str(iid)), scheduled_start.get(str(iid))
        row = {"initiative": iid, "case_start_year": case, "scheduled_start_year": planned, "npv_as_appraised": appraised}
        if case is None or planned is None or pd.isna(planned):
            rows.append({**row, "note": "not scheduled" if case is not None else "no start year in the business case"})
            continue
        later, note = int(planned) - int(case), ""
        if int(planned) < years[0]:
            later, note = years[0] - int(case), f"the plan starts before the appraisal's first year {years[0]}: moved to it"
        if later < 0 and len(net) > 1 and not np.isclose(net[-1], net[-2]):
            note = "started earlier: its final year is repeated though its ramp is not complete (approximate)"
        moved = float(shift_flows(net, later) @ factors)
        rows.append({**row, "years_later": later, "npv_as_scheduled": moved, "change": moved - appraised, "note": note})
    table = pd.DataFrame(rows, columns=REAPPRAISAL_COLUMNS)
    return table.astype({"case_start_year": "Int64", "scheduled_start_year": "Int64", "years_later": "Int64"})
