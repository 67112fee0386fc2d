"""Discounting, NPV, IRR and payback: against numpy-financial, the Green Book schedule, and their invariants."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxmethods import CxmError
from cxmethods.methodology.benchmarks import load_benchmarks
from cxmethods.methods.finance import benefit_cost_ratio, discount_factors, discounted_payback, irr, npv

GREEN_BOOK = load_benchmarks().discount_schedules["green_book"]
flows_strategy = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40)


@given(flows_strategy, st.floats(0, 0.2))
@settings(max_examples=150, deadline=None)
def test_npv_agrees_with_numpy_financial(flows, rate):
    assert npv(flows, rate) == pytest.approx(npf.npv(rate, flows), rel=1e-9, abs=1e-6)


@given(flows_strategy)
@settings(max_examples=100, deadline=None)
def test_npv_at_rate_zero_is_the_sum_of_flows(flows):
    assert npv(flows, 0.0) == pytest.approx(sum(flows), rel=1e-9, abs=1e-6)
    assert (
        npv(flows, discount_factors(GREEN_BOOK, len(flows))) == pytest.approx(npv(flows, 0.035), rel=1e-9, abs=1e-6)
        if len(flows) <= 31
        else True
    )


@given(flows_strategy, st.lists(st.floats(0, 1e5), min_size=40, max_size=40))
@settings(max_examples=100, deadline=None)
def test_more_benefit_never_lowers_npv(flows, extra):
    more = np.asarray(flows) + np.asarray(extra[: len(flows)])
    factors = discount_factors(GREEN_BOOK, len(flows))
    assert npv(more, factors) >= npv(flows, factors) - 1e-9


def test_green_book_factors_step_at_the_year_30_31_boundary():
    f = discount_factors(GREEN_BOOK, 130)
    assert f[0] == 1.0
    assert f[30] == pytest.approx(1.035**-30)
    assert f[31] == pytest.approx(1.035**-30 / 1.03)  # year 31 is discounted at 3.0% on top of thirty years at 3.5%
    assert f[75] == pytest.approx(1.035**-30 / 1.03**45)
    assert f[76] == pytest.approx(f[75] / 1.025)
    assert f[126] == pytest.approx(f[125] / 1.02)


def test_health_and_us_schedules_are_there_with_sources():
    schedules = load_benchmarks().discount_schedules
    assert schedules["green_book_health"].rates[0].rate == 0.015
    assert schedules["us_omb_a94_2023"].rates[0].rate < schedules["green_book"].rates[0].rate
    assert all(s.source for s in schedules.values())


@pytest.mark.parametrize(
    "rate, message",
    [
        (-0.01, r"The 'rate' parameter of discount_factors must be a rate in \[0, 1\) .* Got \[\(0, -0\.01\)\] instead\."),
        (1.5, r"The 'rate' parameter of discount_factors must be a rate in \[0, 1\) .* Got \[\(0, 1\.5\)\] instead\."),
    ],
)
def test_bad_rate(rate, message):
    with pytest.raises(CxmError, match=message):
        discount_factors(rate, 5)


def test_npv_needs_a_factor_per_year():
    with pytest.raises(
        CxmError,
        match=r"The 'rate' parameter of npv must be a rate, a schedule or one discount factor per year of flows \(3\)\. "
        r"Got 2 discount factors instead\.",
    ):
        npv([-100, 60, 60], discount_factors(0.035, 2))


def test_bad_years():
    with pytest.raises(CxmError, match=r"The 'years' parameter of discount_factors must be an int >= 1\. Got 0 instead\."):
        discount_factors(0.035, 0)


@pytest.mark.parametrize("flows", [[-100, 30, 40, 50, 20], [-500, 100, 100, 100, 100, 100, 100], [-10, 0, 0, 12]])
def test_irr_agrees_with_numpy_financial(flows):
    value, note = irr(flows)
    assert note == "" and value == pytest.approx(npf.irr(flows))
    assert npv(flows, value) == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize(
    "flows, note",
    [
        ([0, 0, 0], "no costs or benefits"),
        ([10, 20, 30], "benefits without any net cost"),
        ([-10, -20, 0], "costs without any net benefit"),
    ],
)
def test_undefined_irr_says_why(flows, note):
    value, why = irr(flows)
    assert math.isnan(value) and note in why


def test_negative_irr_is_flagged():
    value, note = irr([-100, 10, 10, 10])
    assert value < 0 and note.startswith("negative")


def test_discounted_payback():
    years, note = discounted_payback([-100, 60, 60], discount_factors(0.0, 3))
    assert years == pytest.approx(1 + 40 / 60) and note == ""
    years, note = discounted_payback([0, -100, 60, 60], discount_factors(0.0, 4))  # nothing happens in year 0
    assert years == pytest.approx(2 + 40 / 60)
    years, note = discounted_payback([-100, 10, 10], discount_factors(0.035, 3))
    assert math.isnan(years) and note == "not within the 3-year horizon"
    assert discounted_payback([5, 5], discount_factors(0.035, 2)) == (0.0, "")


REAL_COSTS = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata" / "uk_gds_2012_channel_cost_benchmarks.csv"


@pytest.mark.skipif(
    not REAL_COSTS.exists(),
    reason=f"UK channel-cost benchmarks not found at {REAL_COSTS} (../shared/realdata beside the checkout)",
)
def test_benchmark_channel_costs_agree_with_the_published_figures():
    import pandas as pd

    from cxmethods.methodology.deflators import shipped_deflator

    real = pd.read_csv(REAL_COSTS)
    costs = load_benchmarks().channel_costs.costs

    def published(source: str, channel: str) -> float:
        return real.loc[real["source"].str.startswith(source) & (real["channel"] == channel), "cost_per_transaction"].item()

    # the central figures are Socitm's (2012)
    assert costs["face_to_face"].cost == published("Socitm", "face-to-face") and costs["phone"].cost == published(
        "Socitm", "phone"
    )
    assert costs["web_form"].cost == published("Socitm", "online")
    assert costs["post"].cost == published("Aston", "post") and costs["post"].price_year == 2008
    # the ranges span the published figures in 2012 prices: Aston Campbell's 2008 figures deflated, and Norway's
    # kroner as ratios to a face-to-face visit, applied to Socitm's cost of a visit
    to_2012 = shipped_deflator("GBP").factor(2008, 2012)
    visit = published("Socitm", "face-to-face")
    norway = {c: published("Norwegian", c) / published("Norwegian", "face-to-face") for c in ("phone", "online")}
    assert costs["face_to_face"].high == pytest.approx(published("Aston", "face-to-face") * to_2012, abs=0.005)
    assert costs["phone"].high == pytest.approx(norway["phone"] * visit, abs=0.005)
    assert costs["phone"].low < costs["phone"].cost < published("Aston", "phone") * to_2012 < costs["phone"].high
    assert costs["web_form"].low == pytest.approx(published("Aston", "online") * to_2012, abs=0.0005)
    assert costs["web_form"].high == pytest.approx(norway["online"] * visit, abs=0.005)
    # every range is two-sided; a bound no source gives is an assumption, said so in a note
    for name, c in costs.items():
        assert c.low is not None and c.high is not None and c.low < c.cost < c.high, name
        assert c.to_confirm == (name != "web_form") and (c.note or not c.to_confirm), name
    assert "low bound" in costs["face_to_face"].note and "low bound" in costs["phone"].note
    assert costs["email"].to_confirm and "no published figure" in costs["email"].source.lower()


def test_benefit_cost_ratio_under_each_convention_by_hand():
    # a small case, discounted with numpy-financial (npf.npv discounts the first flow by 0 years, as we do)
    rate = 0.035
    cost = [1000.0, 100.0, 100.0, 100.0]  # what the organisation pays out
    cash = [0.0, 400.0, 400.0, 400.0]  # what it saves
    time = [0.0, 300.0, 300.0, 300.0]  # customers' time saved (not cash)
    pvc, pvb_cash, pvb_time = (npf.npv(rate, f) for f in (cost, cash, time))
    found, note = benefit_cost_ratio(pvc, pvb_cash, pvb_time, "green_book")
    assert found == pytest.approx((pvb_cash + pvb_time) / pvc) and note == ""
    found, note = benefit_cost_ratio(pvc, pvb_cash, pvb_time, "dft")
    assert found == pytest.approx(pvb_time / (pvc - pvb_cash)) and note == ""
    # the two ratios differ (savings in the numerator vs netted off the denominator); the NPV does not
    assert benefit_cost_ratio(pvc, pvb_cash, pvb_time, "dft")[0] > benefit_cost_ratio(pvc, pvb_cash, pvb_time)[0] > 1


def test_dft_ratio_is_not_defined_when_savings_repay_the_costs():
    assert benefit_cost_ratio(100.0, 150.0, 20.0)[0] == pytest.approx(1.7)
    ratio, note = benefit_cost_ratio(100.0, 150.0, 20.0, "dft")
    assert math.isnan(ratio) and note == "net saving to the budget"
    ratio, note = benefit_cost_ratio(0.0, 150.0, 20.0, "dft")
    assert math.isnan(ratio) and note == "no costs"
    with pytest.raises(CxmError, match="convention"):
        benefit_cost_ratio(100.0, 1.0, 1.0, "treasury")
