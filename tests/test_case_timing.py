"""The business case re-appraised on the road map's start years: against the case model run with the moved start,
and against numpy-financial's NPV of the moved flows."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest

from cxmethods import CxmError
from cxmethods.methods.case_model import CaseModel, InitiativeCosts, Lever
from cxmethods.methods.case_timing import reappraise_at_starts, shift_flows
from cxmethods.methods.finance import discount_factors

YEARS, BASE = 10, 2026
FACTORS = discount_factors(0.035, YEARS)


def _model(start: int, *, ramp: int = 2, uplift: float = 0.0) -> tuple[CaseModel, dict]:
    """One initiative with capital, running costs and a failure-demand saving on one phone row, starting in ``start``."""
    cost = InitiativeCosts(
        "A", capital=20_000.0, one_off=3_000.0, operating=2_500.0, start=start, ramp_up_years=ramp, ob="ob", ob_duration="obd"
    )
    by_row = np.array([[5_000.0, 0.0]])
    lever = Lever("A", "failure_demand", "A.failure_demand", by_row.sum(axis=0), (), frozenset({0}), -1, -1, 1.0, by_row)
    values = {
        "unit_cost.phone": np.array([4.0]),
        "unit_cost.web_form": np.array([0.5]),
        "A.failure_demand": np.array([0.4]),
        "ob": np.array([0.2]),
        "obd": np.array([uplift]),
    }
    return CaseModel(("phone", "web_form"), [cost], [lever], {}, FACTORS), values


def _cashflows(start: int, **kw) -> pd.DataFrame:
    model, values = _model(start, **kw)
    cost, cash, noncash = (a[0] for a in model.flows(values, ("A",)))
    return pd.DataFrame(
        {
            "initiative": "A",
            "year": BASE + np.arange(YEARS),
            "cost": cost,
            "cash_benefit": cash,
            "noncash_benefit": noncash,
            "discount_factor": FACTORS,
        }
    )


@pytest.mark.parametrize("uplift", [0.0, 0.35])
@pytest.mark.parametrize(("case", "planned"), [(0, 0), (0, 1), (0, 3), (1, 4), (3, 1), (2, 0), (0, 9)])
def test_moving_the_flows_is_the_case_model_run_with_the_moved_start(case, planned, uplift):
    """Independent check: the case model itself, with the initiative's start moved, gives the same NPV, whether the
    plan starts it later (the last years fall past the horizon) or earlier (the ramp is complete by the final year)."""
    table = reappraise_at_starts(_cashflows(case, uplift=uplift), {"A": BASE + case}, {"A": BASE + planned})
    model, values = _model(planned, uplift=uplift)
    expected = float(model(values)[0, 0])
    x = table.iloc[0]
    assert (x["case_start_year"], x["scheduled_start_year"], x["years_later"]) == (BASE + case, BASE + planned, planned - case)
    assert x["npv_as_scheduled"] == pytest.approx(expected, rel=1e-12, abs=1e-6)
    model0, values0 = _model(case, uplift=uplift)
    assert x["npv_as_appraised"] == pytest.approx(float(model0(values0)[0, 0]))
    assert x["change"] == pytest.approx(x["npv_as_scheduled"] - x["npv_as_appraised"])
    assert x["note"] == ""


def test_npv_as_scheduled_is_numpy_financials_npv_of_the_moved_flows():
    flows = _cashflows(1)
    net = (flows["cash_benefit"] + flows["noncash_benefit"] - flows["cost"]).to_numpy()
    table = reappraise_at_starts(flows, {"A": 2027}, {"A": 2029})
    moved = np.concatenate([np.zeros(2), net[:-2]])
    assert table.at[0, "npv_as_scheduled"] == pytest.approx(npf.npv(0.035, moved))
    assert table.at[0, "npv_as_appraised"] == pytest.approx(npf.npv(0.035, net))


def test_unscheduled_and_unknown_and_approximate_rows_say_so():
    flows = pd.concat([_cashflows(0), _cashflows(0).assign(initiative="B")])
    table = reappraise_at_starts(flows, {"A": 2026}, {}).set_index("initiative")
    assert table.at["A", "note"] == "not scheduled" and pd.isna(table.at["A", "npv_as_scheduled"])
    assert table.at["B", "note"] == "no start year in the business case"
    # started earlier while its ramp is still running in the final year: the extrapolation is flagged
    late = reappraise_at_starts(_cashflows(8, ramp=3), {"A": 2034}, {"A": 2032})
    assert late.at[0, "note"].endswith("(approximate)")
    before = reappraise_at_starts(_cashflows(2), {"A": 2028}, {"A": 2020})
    assert before.at[0, "years_later"] == -2 and "first year 2026" in before.at[0, "note"]


def test_shift_flows_refuses_to_move_flows_before_year_zero():
    assert shift_flows(np.array([1.0, 2.0]), 5).tolist() == [0.0, 0.0]
    with pytest.raises(CxmError, match="earlier"):
        shift_flows(np.array([1.0, 2.0, 3.0]), -1)
