"""Tornado, switching values and Monte Carlo on small models whose answers are known by hand."""

from __future__ import annotations

import time

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxmethods import ConfigError, CxmError
from cxmethods.methods.risk import MonteCarlo, monte_carlo, switching_values, tornado
from cxmethods.plots.charts import Chart
from cxmethods.plots.risk import plot_npv_distribution, plot_tornado

RATE, YEARS = 0.035, 10
ANNUITY = sum(1 / (1 + RATE) ** t for t in range(1, YEARS + 1))  # a yearly benefit for ten years, from year 1


def table(**changes) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "name": ["benefit", "cost", "ob", "share", "years_fixed"],
            "value": [30.0, 100.0, 0.2, 0.5, 10.0],
            "low": [20.0, 90.0, 0.1, 0.3, 10.0],
            "high": [40.0, 130.0, 0.5, 0.9, np.nan],
            "min": [0.0, 0.0, 0.0, 0.0, np.nan],
            "max": [np.nan, np.nan, np.nan, 1.0, np.nan],
            "unit": ["£k a year", "£k", "share", "share", "years"],
        }
    )
    for column, values in changes.items():
        rows[column] = values
    return rows


def model(v):
    """A: benefit x share for ten years against the cost with optimism bias; B: all the benefit, three times the cost."""
    a = v["benefit"] * v["share"] * ANNUITY - v["cost"] * (1 + v["ob"])
    b = v["benefit"] * ANNUITY - 3 * v["cost"]
    return np.column_stack([a, b])


def npv_a(benefit=30.0, cost=100.0, ob=0.2, share=0.5):
    return benefit * share * ANNUITY - cost * (1 + ob)


def npv_b(benefit=30.0, cost=100.0, **_):
    return benefit * ANNUITY - 3 * cost


class Counting:
    """Wraps a model: counts the calls and records the range of every assumption it was given."""

    def __init__(self, inner):
        self.inner, self.calls, self.seen = inner, 0, {}

    def __call__(self, values):
        self.calls += 1
        for name, array in values.items():
            lo, hi = self.seen.get(name, (np.inf, -np.inf))
            self.seen[name] = (min(lo, array.min()), max(hi, array.max()))
        return self.inner(values)


def at(values: dict, column: int, **point) -> float:
    """The model's NPV for one output at the base case with some assumptions moved."""
    scenario = {n: np.array([point.get(n, v)]) for n, v in values.items()}
    return float(model(scenario)[0, column])


BASE = dict(zip(table()["name"], table()["value"]))


# -- tornado --------------------------------------------------------------------------------------


def test_tornado_swings_match_the_analytic_values_and_call_the_model_once():
    counted = Counting(model)
    result = tornado(table(), counted, ["A", "B"])
    assert counted.calls == 1
    a = result[result["output"] == "A"].set_index("assumption")
    expected = {
        "benefit": (npv_a(benefit=20), npv_a(benefit=40)),
        "cost": (npv_a(cost=90), npv_a(cost=130)),
        "ob": (npv_a(ob=0.1), npv_a(ob=0.5)),
        "share": (npv_a(share=0.3), npv_a(share=0.9)),
    }
    for name, (low, high) in expected.items():
        assert a.loc[name, "npv_low"] == pytest.approx(low) and a.loc[name, "npv_high"] == pytest.approx(high)
        assert a.loc[name, "swing"] == pytest.approx(abs(high - low))
    assert np.allclose(a["npv_base"], npv_a())
    # analytic swings: share 0.6 x 30 x annuity, benefit 20 x 0.5 x annuity, cost 40 x 1.2, ob 0.4 x 100
    assert a.loc["share", "swing"] == pytest.approx(18 * ANNUITY) and a.loc["ob", "swing"] == pytest.approx(40)


def test_tornado_order_columns_and_what_is_left_out():
    result = tornado(table(), model, ["A", "B"])
    assert list(result.columns) == ["output", "assumption", "low", "high", "npv_low", "npv_high", "npv_base", "swing", "unit"]
    assert list(dict.fromkeys(result["output"])) == ["A", "B"]
    for _, rows in result.groupby("output"):
        assert rows["swing"].is_monotonic_decreasing
    assert list(result.loc[result["output"] == "A", "assumption"]) == ["share", "benefit", "cost", "ob"]
    assert "years_fixed" not in set(result["assumption"])  # low == value, high empty: not uncertain
    # B ignores share and ob: they are there with no swing, after the rest
    b = result[result["output"] == "B"]
    assert list(b["assumption"]) == ["benefit", "cost", "ob", "share"] and b["swing"].iloc[2:].eq(0).all()
    assert result.set_index(["output", "assumption"]).loc[("A", "cost"), "unit"] == "£k"


@settings(max_examples=150, deadline=None)
@given(
    base=st.floats(-1e4, 1e4),
    below=st.floats(0, 1e4),
    above=st.floats(0, 1e4),
    scale=st.floats(1e-3, 1e3),
    curve=st.floats(0, 5),
    cost=st.floats(-1e5, 1e5),
)
def test_tornado_on_a_model_increasing_in_benefit_puts_high_above_low(base, below, above, scale, curve, cost):
    assumptions = pd.DataFrame(
        {"name": ["benefit", "cost"], "value": [base, cost], "low": [base - below, cost], "high": [base + above, cost]}
    )

    def monotone(v):
        b = v["benefit"]
        return np.column_stack([scale * b + curve * np.arctan(b) - v["cost"], np.cbrt(b) * scale])

    result = tornado(assumptions, monotone, ["linear", "cube_root"])
    assert (result["npv_high"] >= result["npv_low"]).all()
    assert set(result["assumption"]) <= {"benefit"}


# -- switching values -----------------------------------------------------------------------------


def test_each_switching_value_really_zeroes_the_npv():
    result = switching_values(table(), model, ["A", "B"])
    found = result.dropna(subset=["switching_value"])
    assert len(found) >= 5
    for _, row in found.iterrows():
        column = ["A", "B"].index(row["output"])
        assert abs(at(BASE, column, **{row["assumption"]: row["switching_value"]})) < 1e-6 * abs(row["npv_base"])


@pytest.mark.parametrize(
    ("output", "name", "expected"),
    [
        ("A", "cost", 30 * 0.5 * ANNUITY / 1.2),  # cost = benefit x share x annuity / (1 + ob)
        ("A", "benefit", 100 * 1.2 / (0.5 * ANNUITY)),
        ("A", "ob", 30 * 0.5 * ANNUITY / 100 - 1),
        ("A", "share", 100 * 1.2 / (30 * ANNUITY)),
        ("B", "cost", 30 * ANNUITY / 3),
        ("B", "benefit", 300 / ANNUITY),
    ],
)
def test_switching_values_match_the_analytic_values(output, name, expected):
    row = switching_values(table(), model, ["A", "B"]).set_index(["output", "assumption"]).loc[(output, name)]
    assert row["switching_value"] == pytest.approx(expected, rel=1e-9)
    assert row["change_pct"] == pytest.approx((expected - BASE[name]) / abs(BASE[name]) * 100, rel=1e-9)
    assert row["within_range"] == bool(
        table().set_index("name").loc[name, "low"] <= expected <= table().set_index("name").loc[name, "high"]
    )


def test_switching_value_notes_say_which_way_and_whether_it_is_in_range():
    result = switching_values(table(), model, ["A", "B"]).set_index(["output", "assumption"])
    cost = result.loc[("A", "cost")]  # NPV 4.7 at base, zero when the cost rises 4% to 103.96: inside 90-130
    assert cost["npv_base"] > 0 and cost["within_range"]
    assert (
        cost["note"] == "NPV is positive at the base value; it turns negative if cost rises to 104 (+4%), "
        "inside the range considered (90 to 130)."
    )
    benefit = result.loc[("B", "benefit")]  # NPV -50.5 at base, zero when the benefit rises to 36.07
    assert benefit["npv_base"] < 0 and benefit["within_range"]
    assert (
        benefit["note"] == "NPV is negative at the base value; it turns positive if benefit rises to 36.07 (+20%), "
        "inside the range considered (20 to 40)."
    )
    assert not result.loc[("B", "cost"), "within_range"] and "falls to 83.17 (-17%), outside" in result.loc[("B", "cost"), "note"]


def test_no_crossing_gives_nan_and_a_note_that_says_so():
    result = switching_values(table(), model, ["A", "B"], all_assumptions=True).set_index(["output", "assumption"])
    share = result.loc[("B", "share")]  # B does not use share: no value of it changes the sign
    assert np.isnan(share["switching_value"]) and not share["within_range"]
    assert share["note"] == (
        "NPV stays negative for any value of share from 0 to 1 (its bounds); share does not "
        "change this NPV, so there is no switching value."
    )
    fixed = result.loc[("A", "years_fixed")]  # included on request, searched 100 x its scale either side
    assert np.isnan(fixed["switching_value"]) and "from -990 to 1,010 (the range searched)" in fixed["note"]
    missing = result["switching_value"].isna()
    assert missing.sum() >= 4 and result.loc[missing, "note"].str.contains("there is no switching value").all()


def test_a_crossing_beyond_the_bounds_is_not_reported():
    # NPV = share - 1.5 is negative for every share in [0, 1]; unbounded it would cross at 1.5
    assumptions = pd.DataFrame({"name": ["share"], "value": [0.5], "low": [0.2], "high": [0.8], "min": [0.0], "max": [1.0]})
    row = switching_values(assumptions, lambda v: (v["share"] - 1.5)[:, None], ["x"]).iloc[0]
    assert np.isnan(row["switching_value"])
    assert row["note"].startswith("NPV stays negative for any value of share from 0 to 1 (its bounds)")


def test_the_search_never_leaves_the_bounds():
    counted = Counting(model)
    switching_values(table(), counted, ["A", "B"], all_assumptions=True)
    assert 0.0 <= counted.seen["share"][0] and counted.seen["share"][1] <= 1.0
    assert counted.seen["share"] == (0.0, 1.0)  # the whole of [0, 1] is searched
    assert counted.seen["cost"][0] >= 0.0 and counted.seen["benefit"][0] >= 0.0
    assert counted.calls == 2  # a linear model: the grid and one secant step, no brentq


def test_the_crossing_nearest_the_base_is_the_one_reported():
    # NPV = -(x - 1)(x - 3.2): crossings at 1 and 3.2; from the base 2.5 the nearer is 3.2
    assumptions = pd.DataFrame({"name": ["x"], "value": [2.5], "low": [2.0], "high": [3.0]})
    row = switching_values(assumptions, lambda v: (-(v["x"] - 1) * (v["x"] - 3.2))[:, None], ["x"]).iloc[0]
    assert row["switching_value"] == pytest.approx(3.2, rel=1e-10) and not row["within_range"]
    assert "rises to 3.2 (+28%), outside the range considered (2 to 3)" in row["note"]


def test_a_non_linear_npv_is_refined_to_its_root():
    # NPV of 12 a year for ten years against 100 now, as a function of the discount rate: zero at the IRR
    assumptions = pd.DataFrame({"name": ["rate"], "value": [0.035], "low": [0.02], "high": [0.06], "min": [0.001], "max": [0.5]})
    years = np.arange(1, 11)

    def npv(v):
        return (12 * (1 / (1 + v["rate"][:, None]) ** years).sum(axis=1) - 100)[:, None]

    counted = Counting(npv)
    row = switching_values(assumptions, counted, ["x"]).iloc[0]
    assert counted.seen["rate"] == (0.001, 0.5) and counted.calls > 3  # brentq's calls stay inside the bounds too
    assert row["switching_value"] == pytest.approx(npf.irr([-100] + [12] * 10), rel=1e-9)
    assert row["note"].startswith("NPV is negative at the base value; it turns positive if rate falls to 0.035 (-1%), inside")


def test_a_base_value_of_zero_and_an_npv_of_zero():
    assumptions = pd.DataFrame({"name": ["grant", "fee"], "value": [0.0, 5.0], "low": [-10.0, 4.0], "high": [10.0, 6.0]})
    rows = switching_values(assumptions, lambda v: np.column_stack([v["grant"] - 5, v["fee"] - 5]), ["g", "f"])
    grant = rows.set_index(["output", "assumption"]).loc[("g", "grant")]
    assert grant["switching_value"] == pytest.approx(5.0) and np.isnan(grant["change_pct"])
    assert grant["note"] == (
        "NPV is negative at the base value; it turns positive if grant rises to 5, inside the range considered (-10 to 10)."
    )
    fee = rows.set_index(["output", "assumption"]).loc[("f", "fee")]
    assert (
        fee["switching_value"] == 5.0
        and fee["change_pct"] == 0.0
        and fee["note"] == "NPV is exactly zero at the base value of fee."
    )


def test_nothing_uncertain_gives_empty_tables_with_their_columns():
    assumptions = table(low=np.nan, high=np.nan)
    assert tornado(assumptions, model, ["A", "B"]).empty and switching_values(assumptions, model, ["A", "B"]).empty
    assert "swing" in tornado(assumptions, model, ["A", "B"]).columns
    assert np.all(monte_carlo(assumptions, model, ["A", "B"], draws=100).npv[:, 0] == npv_a())


def test_a_step_in_the_model_is_named_not_passed_off_as_a_root():
    assumptions = pd.DataFrame({"name": ["x"], "value": [1.0], "low": [0.0], "high": [3.0]})
    row = switching_values(assumptions, lambda v: np.where(v["x"] < 2, 5.0, -5.0)[:, None], ["x"]).iloc[0]
    assert row["switching_value"] == pytest.approx(2.0, abs=1e-9)
    assert "jumps to negative at 2 without passing through zero" in row["note"]


@settings(max_examples=100, deadline=None)
@given(benefit=st.floats(0.1, 1e4), share=st.floats(0.01, 1.0), cost=st.floats(1.0, 1e6))
def test_switching_value_of_the_cost_is_benefit_times_share_times_annuity(benefit, share, cost):
    assumptions = table(value=[benefit, cost, 0.2, share, 10.0], low=np.nan, high=np.nan)
    row = switching_values(assumptions, model, ["A", "B"], all_assumptions=True).set_index(["output", "assumption"])
    expected, searched_to = benefit * share * ANNUITY / 1.2, cost + 100 * max(cost, 1)  # the cost has min 0, no max
    found = row.loc[("A", "cost")]
    if expected < searched_to * (1 - 1e-9):
        assert found["switching_value"] == pytest.approx(expected, rel=1e-9)
        assert abs(npv_a(benefit=benefit, share=share, cost=found["switching_value"])) < 1e-6 * max(abs(found["npv_base"]), cost)
    elif expected > searched_to * (1 + 1e-9):
        assert np.isnan(found["switching_value"]) and found["note"].startswith("NPV stays positive")


# -- Monte Carlo ----------------------------------------------------------------------------------


def identity(names):
    """A model whose outputs are the assumptions themselves, so the NPV draws are the assumption draws."""
    return lambda v: np.column_stack([v[n] for n in names])


def spread(**rows) -> pd.DataFrame:
    return pd.DataFrame([{"name": n, "value": m, "low": lo, "high": hi, "distribution": d} for n, (lo, m, hi, d) in rows.items()])


def test_the_same_seed_gives_the_same_draws_and_another_seed_others():
    first, again = monte_carlo(table(), model, ["A", "B"], seed=7), monte_carlo(table(), model, ["A", "B"], seed=7)
    assert np.array_equal(first.npv, again.npv)
    assert not np.array_equal(first.npv, monte_carlo(table(), model, ["A", "B"], seed=8).npv)
    assert isinstance(first, MonteCarlo) and first.npv.shape == (10_000, 2) and first.outputs == ("A", "B")
    assert (first.seed, first.draws) == (7, 10_000)


@pytest.mark.parametrize(
    ("kind", "low", "mode", "high"),
    [("pert", 0.0, 2.0, 10.0), ("pert", -5.0, 1.0, 1.5), ("triangular", 0.0, 2.0, 10.0), ("triangular", -5.0, 1.0, 1.5)],
)
def test_draws_stay_in_range_with_the_analytic_mean_and_variance(kind, low, mode, high):
    mc = monte_carlo(spread(x=(low, mode, high, "")), identity(["x"]), ["x"], draws=200_000, distribution=kind)
    x = mc.npv[:, 0]
    assert low <= x.min() and x.max() <= high
    if kind == "pert":
        mean = (low + 4 * mode + high) / 6
        variance = (mean - low) * (high - mean) / 7
    else:
        mean = (low + mode + high) / 3
        variance = (low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18
    assert x.mean() == pytest.approx(mean, abs=5 * np.sqrt(variance / x.size))
    assert x.var() == pytest.approx(variance, rel=0.02)


@pytest.mark.parametrize(
    ("low", "mode", "high", "kind", "expected"),
    [
        (-1.0, 0.0, 1.0, "pert", 0.5),  # symmetric around zero
        (-1.0, 0.0, 3.0, "triangular", 0.25),  # P(X < mode) = (mode - low) / (high - low)
        (-3.0, 0.0, 1.0, "triangular", 0.75),
        (1.0, 2.0, 3.0, "pert", 0.0),
        (0.0, 0.0, 0.0, "pert", 0.0),  # an NPV of exactly zero is not negative
    ],
)
def test_probability_of_a_negative_npv(low, mode, high, kind, expected):
    mc = monte_carlo(spread(x=(low, mode, high, kind)), identity(["x"]), ["x"], draws=100_000)
    assert mc.summary.loc[0, "prob_negative"] == pytest.approx(expected, abs=0.006)


def test_fixed_and_certain_assumptions_stay_constant_and_rows_override_the_default():
    rows = spread(
        fixed=(1.0, 2.0, 3.0, "fixed"),
        certain=(5.0, 5.0, 5.0, ""),
        tri=(0.0, 0.0, 1.0, "triangular"),
        default=(0.0, 0.0, 1.0, None),
    )
    mc = monte_carlo(rows, identity(["fixed", "certain", "tri", "default"]), ["f", "c", "t", "d"], draws=50_000)
    assert np.all(mc.npv[:, 0] == 2.0) and np.all(mc.npv[:, 1] == 5.0)
    assert np.array_equal(mc.values["fixed"], mc.npv[:, 0])
    assert mc.npv[:, 2].mean() == pytest.approx(1 / 3, abs=0.01)  # triangular on its own row
    assert mc.npv[:, 3].mean() == pytest.approx(1 / 6, abs=0.01)  # the default, PERT
    everything_fixed = monte_carlo(rows, identity(["tri", "default"]), ["t", "d"], distribution="fixed")
    assert everything_fixed.npv[:, 0].std() > 0 and np.all(everything_fixed.npv[:, 1] == 0.0)


def test_changing_one_range_or_the_row_order_leaves_the_other_draws_alone():
    before = monte_carlo(table(), model, ["A", "B"])
    after = monte_carlo(table(high=[40.0, 200.0, 0.5, 0.9, np.nan]).iloc[::-1], model, ["A", "B"])
    assert all(np.array_equal(before.values[n], after.values[n]) for n in ("benefit", "ob", "share"))
    assert not np.array_equal(before.values["cost"], after.values["cost"])


def test_summary_columns_and_numbers():
    mc = monte_carlo(table(), model, ["A", "B"])
    assert list(mc.summary.columns) == ["output", "mean", "p10", "p50", "p90", "prob_negative"]
    a = mc.npv[:, 0]
    row = mc.summary.iloc[0]
    assert row["output"] == "A" and row["mean"] == pytest.approx(a.mean())
    assert row["p10"] == pytest.approx(np.sort(a)[999], abs=np.ptp(a) * 1e-3) and row["p10"] < row["p50"] < row["p90"]
    assert row["prob_negative"] == (a < 0).sum() / a.size
    with pytest.raises(ValueError):
        mc.npv[0, 0] = 1.0  # read-only: the result cannot drift from its seed


def test_ten_thousand_draws_of_twenty_initiatives_over_ten_years_are_quick():
    n_init, factors = 20, 1 / (1 + RATE) ** np.arange(10)
    ramp = np.clip(np.arange(10)[None, :] - np.arange(n_init)[:, None] % 3, 0, 2) / 2  # initiatives start in years 0-2
    names = [f"I{i:02d}.{kind}" for i in range(n_init) for kind in ("share", "cost", "ob")]
    assumptions = pd.DataFrame(
        {
            "name": names + ["unit_cost.phone"],
            "value": [0.3, 1e5, 0.2] * n_init + [7.5],
            "low": [0.1, 8e4, 0.1] * n_init + [5.0],
            "high": [0.5, 2e5, 0.6] * n_init + [9.0],
            "min": [0.0, 0.0, 0.0] * n_init + [0.0],
            "max": [1.0, np.nan, np.nan] * n_init + [np.nan],
        }
    )
    counted = Counting(
        lambda v: np.column_stack(
            [
                (v[f"I{i:02d}.share"] * 20_000 * v["unit_cost.phone"])[:, None] * ramp[i] @ factors
                - v[f"I{i:02d}.cost"] * (1 + v[f"I{i:02d}.ob"])
                for i in range(n_init)
            ]
        )
    )
    start = time.perf_counter()
    mc = monte_carlo(assumptions, counted, [f"I{i:02d}" for i in range(n_init)], draws=10_000)
    assert time.perf_counter() - start < 2.0
    assert counted.calls == 1 and mc.npv.shape == (10_000, n_init)


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("name", ["benefit", "cost", "benefit", "share", "years_fixed"], r"assumption 'benefit': the name appears 2 times"),
        ("low", [35.0, 90.0, 0.1, 0.3, 10.0], r"assumption 'benefit': low 35 is above the base value 30\."),
        ("high", [40.0, 95.0, 0.5, 0.9, np.nan], r"assumption 'cost': high 95 is below the base value 100\."),
        ("value", [30.0, 100.0, 0.2, 1.5, 10.0], r"assumption 'share': the base value 1\.5 is outside its bounds \[0, 1\]"),
        ("high", [40.0, 130.0, 0.5, 1.2, np.nan], r"assumption 'share': the range 0\.3 to 1\.2 goes outside its bounds"),
        (
            "distribution",
            ["pert", "normal", "", None, "fixed"],
            r"assumption 'cost': distribution must be one of pert, triangular, fixed or empty\. Got 'normal' instead",
        ),
        ("low", ["20", "ninety", 0.1, 0.3, 10.0], r"assumption 'cost': low is 'ninety', not a number"),
        ("value", [30.0, np.nan, 0.2, 0.5, 10.0], r"assumption 'cost': there is no base value"),
    ],
)
@pytest.mark.parametrize("function", [tornado, switching_values, monte_carlo])
def test_bad_assumptions_are_named(function, column, values, message):
    with pytest.raises(ConfigError, match=message):
        function(table(**{column: values}), model, ["A", "B"])


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError, match=r"The assumptions table has problems \(2\)") as raised:
        tornado(table(low=[35.0, 90.0, 0.1, 0.3, 10.0], distribution=["", "", "", "lognormal", ""]), model, ["A", "B"])
    assert [p.where for p in raised.value.problems] == ["assumption 'benefit'", "assumption 'share'"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"draws": 10}, r"The 'draws' parameter of monte_carlo must be an int >= 100\. Got 10 instead\."),
        ({"draws": 500.0}, r"The 'draws' parameter of monte_carlo must be an int >= 100\. Got 500\.0 instead\."),
        ({"seed": -1}, r"The 'seed' parameter of monte_carlo must be an int >= 0\. Got -1 instead\."),
        (
            {"distribution": "normal"},
            (
                r"The 'distribution' parameter of monte_carlo must be one of 'pert', 'triangular', "
                r"'fixed'\. Got 'normal' instead\."
            ),
        ),
    ],
)
def test_monte_carlo_parameter_checks(options, message):
    with pytest.raises(CxmError, match=message):
        monte_carlo(table(), model, ["A", "B"], **options)


@pytest.mark.filterwarnings("ignore:divide by zero")
@pytest.mark.parametrize(
    ("outputs", "bad_model", "message"),
    [
        (
            ["A"],
            model,
            (
                r"The 'model' parameter of tornado must be a model that returns an array of shape \(scenarios, outputs\) = "
                r"\(9, 1\) when given 9 scenarios and 1 outputs\. Got shape \(9, 2\) instead\."
            ),
        ),
        ("A", model, r"The 'outputs' parameter of tornado must be a list of unique output names"),
        (["A", "A"], model, r"The 'outputs' parameter of tornado must be a list of unique output names"),
        (["A", "B"], "model", r"The 'model' parameter of tornado must be a callable"),
        (
            ["A", "B"],
            lambda v: model(v) / (v["share"] - 0.3)[:, None],
            r"NaN or infinite NPV for output 'A' in 1 of 9 scenarios \(first with share=0\.3\)",
        ),
    ],
)
def test_model_and_output_checks(outputs, bad_model, message):
    with pytest.raises(CxmError, match=message):
        tornado(table(), bad_model, outputs)


def test_a_table_without_the_needed_columns():
    with pytest.raises(CxmError, match=r"The 'assumptions' parameter of tornado must be a table .* Got columns \['name'\]"):
        tornado(pd.DataFrame({"name": ["x"]}), model, ["A"])


# -- plots ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("top", "bars"), [(12, 4), (2, 2)])
def test_plot_tornado_draws_two_bars_per_assumption(top, bars):
    chart = plot_tornado(tornado(table(), model, ["A", "B"]), "A", top=top)
    ax = chart.axes[0]
    assert isinstance(chart, Chart) and len(ax.patches) == 2 * bars
    assert ax.get_yticklabels()[-1].get_text().startswith("share")  # the largest swing on top
    with pytest.raises(CxmError, match=r"The 'output' parameter of plot_tornado must be an output of the table \(A, B\)"):
        plot_tornado(tornado(table(), model, ["A", "B"]), "C")


def test_plot_npv_distribution_marks_the_percentiles_and_the_risk():
    mc = monte_carlo(table(), model, ["A", "B"], draws=1_000)
    chart = plot_npv_distribution(mc, "A")
    ax = chart.axes[0]
    assert isinstance(chart, Chart) and len(ax.lines) == 4
    assert 0.01 < mc.summary.loc[0, "prob_negative"] < 0.99
    assert ax.get_title().endswith(
        f"NPV over 1,000 draws. Probability of a negative NPV: {mc.summary.loc[0, 'prob_negative']:.0%}"
    )
    assert chart._repr_png_().startswith(b"\x89PNG")
