"""Pilot sizing, site choice and difference in differences, checked against hand formulas and planted effects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from cxmethods import CxmError
from cxmethods.methods.pilot import (
    DidResult,
    areas_needed,
    choose_sites,
    design_effect,
    evaluate_did,
    evaluate_did_clusters,
    fewest_areas_for_inference,
    minimum_detectable_effect,
    minimum_detectable_effect_did,
    minimum_detectable_effect_means,
    pilot_duration,
    sample_size_did,
    sample_size_means,
    sample_size_proportions,
    simulate_pilot,
)
from cxmethods.plots.charts import Chart
from cxmethods.plots.pilot import plot_did

Z95, Z80 = 1.959963984540054, 0.8416212335729143  # normal quantiles at 0.975 and 0.80, from tables


# --- sample size and minimum detectable effect -------------------------------------------------------------


@pytest.mark.parametrize(
    "p0, mde, options, z",
    [
        (0.50, 0.10, {}, Z95 + Z80),
        (0.70, 0.05, {"ratio": 2.0}, Z95 + Z80),
        (0.30, -0.05, {"two_sided": False}, 1.6448536269514722 + Z80),
        (0.90, 0.04, {"alpha": 0.01, "power": 0.9}, 2.5758293035489004 + 1.2815515655446004),
    ],
)
def test_sample_size_for_proportions_by_hand(p0, mde, options, z):
    p1, ratio = p0 + mde, options.get("ratio", 1.0)
    by_hand = z**2 * (p1 * (1 - p1) + p0 * (1 - p0) / ratio) / mde**2
    assert sample_size_proportions(p0, mde, **options) == math.ceil(by_hand)


def test_textbook_value_and_its_power():
    # 50% -> 60%, 5% two-sided, 80% power: 385 per group unpooled (Fleiss); the pooled formula gives 388.
    assert sample_size_proportions(0.5, 0.1) == 385
    assert sample_size_means(1.0, 0.5) == 63  # 2 (1.96 + 0.84)^2 / 0.25 = 62.8 (t-based tables say 64)

    def power(n):
        se = math.sqrt((0.5 * 0.5 + 0.6 * 0.4) / n)
        return norm.cdf(0.1 / se - Z95)

    assert power(384) < 0.8 <= power(385)


def test_the_sample_size_gives_the_promised_power_in_simulation():
    rng = np.random.default_rng(1)
    n, trials = sample_size_proportions(0.7, 0.05), 4000
    pilot, comparison = rng.binomial(n, 0.75, trials) / n, rng.binomial(n, 0.70, trials) / n
    se = np.sqrt(pilot * (1 - pilot) / n + comparison * (1 - comparison) / n)
    detected = np.abs(pilot - comparison) / se > Z95
    assert 0.77 < detected.mean() < 0.83


@pytest.mark.parametrize("p0, n", [(0.5, 385), (0.7, 1248), (0.1, 500), (0.95, 2000)])
def test_mde_and_sample_size_round_trip(p0, n):
    mde = minimum_detectable_effect(p0, n)
    assert n <= sample_size_proportions(p0, mde) <= n + 1
    assert sample_size_proportions(p0, mde * 0.98) > n


@settings(max_examples=150, deadline=None)
@given(p0=st.floats(0.02, 0.95), n=st.integers(30, 200_000), ratio=st.floats(0.5, 3))
def test_round_trip_property(p0, n, ratio):
    assume(n > 2 * (Z95 + Z80) ** 2 * p0 / (ratio * (1 - p0)))  # else no rise below 100% is detectable
    mde = minimum_detectable_effect(p0, n, ratio=ratio)
    assert 0 < mde < 1 - p0
    assert n <= sample_size_proportions(p0, mde, ratio=ratio) <= n + 1


@settings(max_examples=150, deadline=None)
@given(p0=st.floats(0.01, 0.99), a=st.floats(0.001, 0.999), b=st.floats(0.001, 0.999), fall=st.booleans())
def test_a_larger_effect_never_needs_more_contacts(p0, a, b, fall):
    room = p0 if fall else 1 - p0
    small, large = sorted((a * room, b * room))
    assume(large - small > 1e-6)
    sign = -1 if fall else 1
    assert sample_size_proportions(p0, sign * small) >= sample_size_proportions(p0, sign * large)


@pytest.mark.parametrize("sd, n, ratio", [(4.0, 200, 1.0), (1.5, 1000, 2.0), (10.0, 50, 0.5)])
def test_means_by_hand_and_round_trip(sd, n, ratio):
    mde = minimum_detectable_effect_means(sd, n, ratio=ratio)
    assert mde == pytest.approx((Z95 + Z80) * sd * math.sqrt((1 + 1 / ratio) / n))
    assert sample_size_means(sd, mde, ratio=ratio) == n


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: sample_size_proportions(0.7, 0.05, alpha=1.5),
            r"The 'alpha' parameter of sample_size_proportions must be a number in \(0, 1\)\. Got 1\.5 instead\.",
        ),
        (lambda: sample_size_proportions(0.7, 0.05, power=0), r"The 'power' parameter .* a number in \(0, 1\)\. Got 0 instead"),
        (lambda: sample_size_proportions(1.2, 0.05), r"The 'p0' parameter .* a number in \(0, 1\)\. Got 1\.2 instead"),
        (lambda: sample_size_proportions(0.7, 0.3), r"'mde' .* keeps p0 \+ mde between 0 and 1 \(p0 is 0\.7\)\. Got 0\.3"),
        (lambda: sample_size_proportions(0.7, 0), r"'mde' parameter .* must be a non-zero change"),
        (lambda: sample_size_proportions(0.7, 0.05, ratio=0), r"'ratio' .* must be a number > 0\. Got 0 instead"),
        (lambda: sample_size_proportions(0.7, "0.05"), r"'mde' .* Got '0\.05' instead"),
        (lambda: sample_size_proportions(0.7, 0.05, power=0.01), r"'power' .* larger than the chance of a false alarm"),
        (lambda: sample_size_means(0, 1), r"The 'sd' parameter of sample_size_means must be a number > 0\. Got 0"),
        (
            lambda: minimum_detectable_effect(0.99, 100),
            (
                r"The 'n' parameter of minimum_detectable_effect must be more than 777 to detect any rise from p0 = 0\.99\. "
                r"Got 100 instead\."
            ),
        ),
    ],
)
def test_parameter_errors(call, match):
    with pytest.raises(CxmError, match=match):
        call()


# --- duration -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, options, weeks, pilot_weeks, comparison_weeks, says",
    [
        ((385, 100, 50), {}, 8, 4, 8, "the comparison sites need 8 weeks to reach 385 contacts at 50 a week"),
        ((385, 50, 100), {}, 8, 8, 4, "the pilot sites need 8 weeks"),
        ((385, 100, 100), {"ratio": 2}, 8, 4, 8, "reach 770 contacts"),
        ((100, 100, 100), {}, 4, 1, 1, "the sample needs only 1, but a pilot shorter than 4 full weeks"),
        ((100, 100, 100), {"min_weeks": 1}, 1, 1, 1, "Run the pilot for 1 weeks"),
        ((400, 100, 100), {}, 4, 4, 4, "need 4 weeks"),  # exactly four weeks' worth: no extra week
        ((3000, 100, 100), {}, 30, 30, 30, "over six months"),
    ],
)
def test_pilot_duration(args, options, weeks, pilot_weeks, comparison_weeks, says):
    plan = pilot_duration(*args, **options)
    assert (plan.weeks, plan.weeks_pilot, plan.weeks_comparison) == (weeks, pilot_weeks, comparison_weeks)
    assert plan.pilot_contacts == weeks * args[1] and plan.comparison_contacts == weeks * args[2]
    assert says in plan.note


@pytest.mark.parametrize(
    "args, options, match",
    [
        ((385, 0, 50), {}, r"The 'weekly_pilot' parameter of pilot_duration must be a number > 0 \(with no contacts a week"),
        ((385, 100, float("inf")), {}, r"'weekly_comparison' .* Got inf instead"),
        ((0, 100, 50), {}, r"'n_per_group' .* a number > 0\. Got 0 instead"),
        ((385, 100, 50), {"min_weeks": 2.5}, r"'min_weeks' .* an int >= 1\. Got 2\.5 instead"),
    ],
)
def test_pilot_duration_errors(args, options, match):
    with pytest.raises(CxmError, match=match):
        pilot_duration(*args, **options)


# --- choosing sites -----------------------------------------------------------------------------------------


def planted_sites() -> pd.DataFrame:
    """Four spread-out sites and a near twin; Typical (and Tiny, too small to pilot) sit exactly at their weighted mean."""
    others = pd.DataFrame(
        {
            "area": ["North", "South", "East", "West", "Twin"],
            "weekly": [600, 600, 500, 500, 400],
            "fcr_rate": [0.60, 0.80, 0.72, 0.68, 0.71],
            "repeat_share": [0.25, 0.15, 0.30, 0.10, 0.21],
        }
    )
    centre = others[["fcr_rate", "repeat_share"]].mul(others["weekly"], axis=0).sum() / others["weekly"].sum()
    typical = pd.DataFrame(
        {
            "area": ["Tiny", "Typical"],
            "weekly": [20, 450],
            "fcr_rate": [centre["fcr_rate"]] * 2,
            "repeat_share": [centre["repeat_share"]] * 2,
        }
    )
    return pd.concat([typical.iloc[:1], others.iloc[:3], typical.iloc[1:], others.iloc[3:]], ignore_index=True)


def z_scores(units: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    centre = np.average(units[metrics], axis=0, weights=units["weekly"])
    return (units[metrics] - centre) / units[metrics].std(ddof=1)


def test_picks_the_planted_typical_site_and_its_twin():
    sites = choose_sites(planted_sites(), unit="area", volume="weekly", metrics=["fcr_rate", "repeat_share"], min_volume=100)
    role = sites.set_index("unit")["role"]
    assert role["Typical"] == "pilot" and role["Twin"] == "comparison" and role["Tiny"] == "not eligible"
    assert set(role[["North", "South", "East", "West"]]) == {"not chosen"}
    assert list(sites["unit"][:2]) == ["Typical", "Twin"] and sites["unit"].iloc[-1] == "Tiny"
    row = sites.set_index("unit")
    assert row.loc["Typical", "distance_to_population"] == pytest.approx(0, abs=1e-12)
    assert row.loc["Typical", "matched_with"] == "Twin" and row.loc["Twin", "matched_with"] == "Typical"
    assert row.loc["Tiny", "reason"] == "weekly volume 20 is below the minimum of 100"
    assert list(sites.columns) == [
        "unit",
        "role",
        "matched_with",
        "volume",
        "distance_to_population",
        "distance_to_pilot",
        "fcr_rate",
        "repeat_share",
        "reason",
    ]


def test_distances_match_an_independent_computation():
    units = planted_sites()
    metrics = ["fcr_rate", "repeat_share"]
    sites = choose_sites(units, unit="area", volume="weekly", metrics=metrics, min_volume=100).set_index("unit")
    z = z_scores(units, metrics).set_index(units["area"])
    expected = np.sqrt((z**2).sum(axis=1))
    assert np.allclose(sites.loc[expected.index, "distance_to_population"], expected)
    to_typical = np.sqrt(((z - z.loc["Typical"]) ** 2).sum(axis=1))
    assert np.allclose(sites.loc[to_typical.index, "distance_to_pilot"], to_typical)


def test_each_pilot_takes_the_nearest_remaining_sites():
    rng = np.random.default_rng(7)
    units = pd.DataFrame(
        {
            "area": [f"A{i}" for i in range(30)],
            "weekly": rng.integers(50, 1000, 30),
            "fcr_rate": rng.uniform(0.5, 0.9, 30),
            "online_share": rng.uniform(0.1, 0.6, 30),
        }
    )
    metrics = ["fcr_rate", "online_share"]
    sites = choose_sites(units, unit="area", volume="weekly", metrics=metrics, min_volume=300, n_pilots=3, n_comparisons=2)
    z = z_scores(units, metrics).set_index(units["area"])
    eligible = units.loc[units["weekly"] >= 300, "area"].tolist()
    typical = np.sqrt((z.loc[eligible] ** 2).sum(axis=1)).sort_values()
    pilots = sites.loc[sites["role"] == "pilot", "unit"].tolist()
    assert pilots == typical.index[:3].tolist()
    taken = set(pilots)
    for pilot in pilots:
        free = [a for a in eligible if a not in taken]
        nearest = np.sqrt(((z.loc[free] - z.loc[pilot]) ** 2).sum(axis=1)).nsmallest(2).index.tolist()
        chosen = sites.loc[(sites["role"] == "comparison") & (sites["matched_with"] == pilot), "unit"].tolist()
        assert chosen == nearest
        taken |= set(nearest)
    assert (sites.loc[sites["role"] == "not eligible", "volume"] < 300).all()
    alone = choose_sites(units, unit="area", volume="weekly", metrics=metrics, min_volume=300, n_comparisons=0)
    assert alone["unit"].iloc[0] == pilots[0] and alone["matched_with"].isna().all() and "comparison" not in set(alone["role"])
    assert len(sites) == 30 and sites["distance_to_pilot"].notna().all()


@pytest.mark.parametrize(
    "options, match",
    [
        ({"metrics": ["fcr"]}, r"choose_sites: the units table has no column 'fcr'\. The columns are area, weekly, fcr_rate"),
        ({"volume": "calls"}, r"no column 'calls'"),
        ({"min_volume": 1000}, r"no site is eligible: the minimum weekly volume is 1000 and the largest seen is 600 \(North\)"),
        (
            {"min_volume": 501, "n_pilots": 2},
            (
                r"choose_sites needs 4 eligible sites \(2 pilot\(s\), each with 1 comparison\(s\)\) but only 2 have a weekly "
                r"volume of at least 501: North, South\."
            ),
        ),
        ({"n_pilots": 0}, r"The 'n_pilots' parameter of choose_sites must be an int >= 1\. Got 0 instead"),
        (
            {"metrics": []},
            r"The 'metrics' parameter of choose_sites must be a column name or a list of at least one\. Got \[\] instead\.",
        ),
    ],
)
def test_choose_sites_errors(options, match):
    arguments = {"unit": "area", "volume": "weekly", "metrics": ["fcr_rate", "repeat_share"], "min_volume": 100}
    with pytest.raises(CxmError, match=match):
        choose_sites(planted_sites(), **{**arguments, **options})


def test_choose_sites_data_errors():
    units = planted_sites().astype({"fcr_rate": object})
    units.loc[1, "fcr_rate"] = "n/a"
    with pytest.raises(CxmError, match=r"column 'fcr_rate' must be a number for every site; it is not for North\. Fix"):
        choose_sites(units, unit="area", volume="weekly", metrics=["fcr_rate"], min_volume=100)
    units = pd.concat([planted_sites(), planted_sites().iloc[[3]]])
    with pytest.raises(CxmError, match=r"column 'area' must name each site once; repeated: East"):
        choose_sites(units, unit="area", volume="weekly", metrics=["fcr_rate"], min_volume=100)


# --- difference in differences ------------------------------------------------------------------------------


def test_the_interval_covers_the_planted_effect_about_95_times_in_100():
    covered = 0
    for seed in range(200):
        data = simulate_pilot(n_per_cell=300, baseline=0.65, effect=0.06, trend=0.04, group_gap=-0.08, seed=seed)
        result = evaluate_did(data, outcome="outcome")
        covered += result.ci_low <= 0.06 <= result.ci_high
    assert 0.90 <= covered / 200 <= 0.99


@pytest.mark.parametrize(
    "binary, baseline, effect, trend, gap",
    [
        (True, 0.70, 0.05, 0.03, -0.10),
        (True, 0.40, -0.04, -0.05, 0.15),
        (False, 8.0, -1.5, 0.7, 2.0),
    ],
)
def test_a_large_sample_recovers_the_planted_effect_despite_trend_and_gap(binary, baseline, effect, trend, gap):
    data = simulate_pilot(n_per_cell=200_000, baseline=baseline, effect=effect, trend=trend, group_gap=gap, binary=binary, seed=3)
    result = evaluate_did(data, outcome="outcome")
    assert abs(result.effect - effect) < 0.01
    assert result.binary is binary
    naive = (
        data.query("group == 'pilot' and period == 'after'")["outcome"].mean()
        - data.query("group == 'comparison' and period == 'after'")["outcome"].mean()
    )
    assert abs(naive - effect) > 0.05  # the trend and gap are really there: comparing groups after would mislead


def test_standard_error_equals_ols_with_hc2_robust_errors():
    data = simulate_pilot(n_per_cell=50, baseline=0.6, effect=0.1, trend=0.05, group_gap=0.05, seed=11)
    data = data.drop(index=range(20))  # unequal cells
    result = evaluate_did(data, outcome="outcome", level=0.9)
    pilot, after = (data["group"] == "pilot").to_numpy(float), (data["period"] == "after").to_numpy(float)
    x = np.column_stack([np.ones(len(data)), pilot, after, pilot * after])
    y = data["outcome"].to_numpy(float)
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ x.T @ y
    leverage = np.einsum("ij,jk,ik->i", x, bread, x)
    meat = x.T @ (x * ((y - x @ beta) ** 2 / (1 - leverage))[:, None])
    se = math.sqrt((bread @ meat @ bread)[3, 3])
    assert result.effect == pytest.approx(beta[3]) and result.se == pytest.approx(se)
    assert result.ci_high - result.effect == pytest.approx(1.6448536269514722 * se)
    assert result.p_value == pytest.approx(2 * norm.sf(abs(beta[3]) / se))
    cells = result.cells.set_index(["group", "period"])
    assert cells.loc[("pilot", "before"), "n"] == 30 and list(result.cells.columns) == ["group", "period", "n", "mean"]


def test_contact_level_columns_can_have_other_names():
    data = simulate_pilot(n_per_cell=100, baseline=0.5, effect=0.1, seed=2).rename(
        columns={"group": "arm", "period": "phase", "outcome": "resolved"}
    )
    data["resolved"] = data["resolved"].astype(bool)
    result = evaluate_did(data, outcome="resolved", group="arm", period="phase")
    assert result.binary and result.outcome == "resolved"


def test_simulated_cells_have_the_planted_means():
    data = simulate_pilot(n_per_cell=100_000, baseline=0.5, effect=0.1, trend=0.05, group_gap=-0.2, seed=5)
    means = data.groupby(["group", "period"])["outcome"].mean()
    expected = {("pilot", "before"): 0.5, ("pilot", "after"): 0.65, ("comparison", "before"): 0.3, ("comparison", "after"): 0.35}
    for cell, value in expected.items():
        assert means[cell] == pytest.approx(value, abs=0.01)
    assert data.equals(simulate_pilot(n_per_cell=100_000, baseline=0.5, effect=0.1, trend=0.05, group_gap=-0.2, seed=5))
    with pytest.raises(CxmError, match=r"the pilot group's proportion after the change would be 1\.05, outside 0 to 1"):
        simulate_pilot(n_per_cell=10, baseline=0.9, effect=0.1, trend=0.05)


def did_data() -> pd.DataFrame:
    return simulate_pilot(n_per_cell=20, baseline=0.5, effect=0.1, seed=4)


@pytest.mark.parametrize(
    "change, match",
    [
        (
            lambda d: d[~((d["group"] == "comparison") & (d["period"] == "before"))],
            r"the comparison group has 0 row\(s\) before the change; each of the four cells .* needs at least 2",
        ),
        (
            lambda d: d.replace({"group": {"comparison": "control"}}),
            r"column 'group' must hold only 'pilot' and 'comparison'\. Got 'control' \(index 40, 41,",
        ),
        (lambda d: d.replace({"period": {"after": "post"}}), r"column 'period' must hold only 'before' and 'after'\. Got 'post'"),
        (
            lambda d: d.assign(outcome=d["outcome"].map({1: "yes", 0: "no"})),
            r"outcome 'outcome' is not a number in 80 row\(s\), e\.g\. index 0, 1, 2, 3, 4 \('(yes|no)'\)\. Fix: code it as numbers",
        ),
        (
            lambda d: d.assign(outcome=d["outcome"].where(d.index != 7)),
            r"outcome 'outcome' is missing in 1 row\(s\), e\.g\. index 7",
        ),
        (lambda d: d.assign(outcome=1), r"does not vary within any cell"),
        (lambda d: d.drop(columns="period"), r"evaluate_did: the data have no column 'period'"),
    ],
)
def test_evaluate_did_errors(change, match):
    with pytest.raises(CxmError, match=match):
        evaluate_did(change(did_data()), outcome="outcome")


def result_with(effect, low, high, binary=True, outcome="fcr_rate") -> DidResult:
    cells = pd.DataFrame(
        {
            "group": ["pilot", "pilot", "comparison", "comparison"],
            "period": ["before", "after"] * 2,
            "n": [100] * 4,
            "mean": [0.70, 0.78, 0.71, 0.74],
        }
    )
    return DidResult(
        effect=effect,
        se=(high - low) / 3.92,
        ci_low=low,
        ci_high=high,
        p_value=0.01,
        level=0.95,
        cells=cells,
        outcome=outcome,
        binary=binary,
    )


@pytest.mark.parametrize(
    "result, target, says",
    [
        (
            result_with(0.048, 0.021, 0.075),
            0.05,
            (
                "The pilot raised first-contact resolution by 4.8 points (95% CI 2.1 to 7.5): the target of 5 points is within "
                "the interval; the effect is real but may fall short of the target."
            ),
        ),
        (result_with(0.048, 0.021, 0.075), 0.02, "the whole interval reaches the target of 2 points; the pilot met its target."),
        (result_with(0.048, 0.021, 0.075), 0.10, "the effect is real but smaller than the target of 10 points"),
        (result_with(0.02, -0.01, 0.05), 0.04, "holds both no effect and the target of 4 points, so the pilot cannot tell yet"),
        (result_with(0.005, -0.01, 0.02), 0.04, "holds no effect and stays short of the target of 4 points"),
        (
            result_with(0.048, 0.021, 0.075),
            -0.02,
            "the whole interval is on the wrong side of zero; the pilot made first-contact resolution worse.",
        ),
        (
            result_with(-1.3, -2.2, -0.4, binary=False, outcome="handling_minutes"),
            -1,
            "The pilot lowered first-contact resolution by 1.3 (95% CI 0.4 to 2.2): the target of 1 is within the interval",
        ),
    ],
)
def test_verdicts_in_plain_language(result, target, says):
    text = result.verdict(target, label="first-contact resolution")
    assert says in text and text.startswith("The pilot ") and text.endswith(".")


def test_verdict_defaults_and_errors():
    assert (
        result_with(-1.3, -2.2, -0.4, binary=False, outcome="handling_minutes")
        .verdict(-0.3)
        .startswith("The pilot lowered handling minutes by 1.3 (95% CI 0.4 to 2.2): the whole interval reaches the target of 0.3")
    )
    with pytest.raises(
        CxmError,
        match=r"The 'target' parameter of DidResult.verdict must be a change in a proportion, "
        r"between -1 and 1 \(5 points is 0\.05\)\. Got 5 instead\.",
    ):
        result_with(0.048, 0.021, 0.075).verdict(5)
    with pytest.raises(CxmError, match=r"'target' .* must be a non-zero change"):
        result_with(0.048, 0.021, 0.075).verdict(0)


def test_plot_did_draws_both_groups_and_the_counterfactual():
    result = evaluate_did(simulate_pilot(n_per_cell=500, baseline=0.6, effect=0.08, trend=0.03, seed=1), outcome="outcome")
    chart = plot_did(result)
    assert isinstance(chart, Chart)
    lines = chart.axes[0].get_lines()
    assert len(lines) == 3 and lines[2].get_linestyle() == "--"
    counterfactual = lines[2].get_ydata()[1] / 100
    pilot_after = result.cells.set_index(["group", "period"]).loc[("pilot", "after"), "mean"]
    assert counterfactual == pytest.approx(pilot_after - result.effect)
    assert chart._repr_png_().startswith(b"\x89PNG")


# --- four cells exactly, areas as clusters, randomisation inference ------------------------------------------


@pytest.mark.parametrize("p0, effect", [(0.7, 0.05), (0.0225, -0.0113), (0.5, 0.1), (0.3, -0.08)])
def test_did_size_matches_statsmodels_on_the_equivalent_two_group_effect(p0, effect):
    """Four cells of n with variances summing to S behave as two groups of n/2 with variance S/4 each."""
    from statsmodels.stats.power import NormalIndPower

    total = 3 * p0 * (1 - p0) + (p0 + effect) * (1 - p0 - effect)
    per_group = NormalIndPower().solve_power(effect_size=abs(effect) / math.sqrt(total / 4), alpha=0.05, power=0.8)
    assert sample_size_did(p0, effect) == math.ceil(2 * per_group - 1e-6)  # statsmodels adds the far tail: < 1e-6


@pytest.mark.parametrize(
    "p0, n, icc, k", [(0.7, 2129.0, 0.0, 1), (0.0225, 2129.0, 0.0, 1), (0.3, 5000.0, 0.01, 1), (0.3, 8000.0, 0.02, 5)]
)
def test_did_mde_gives_the_planned_power_in_statsmodels(p0, n, icc, k):
    from statsmodels.stats.power import normal_power_het

    d = minimum_detectable_effect_did(p0, n, areas_per_arm=k, icc=icc)
    deff = 1 + (n / k - 1) * icc
    sd_null = math.sqrt(3 * p0 * (1 - p0) + (p0 + d) * (1 - p0 - d))
    power = normal_power_het(d, n / deff, 0.05, std_null=sd_null, std_alternative=sd_null)
    assert power == pytest.approx(0.8, abs=1e-4)


def test_the_old_factor_understated_the_mde():
    """The 26-week MDE used a two-group formula on n / 2.1; the four cells need the exact variance."""
    p0, reachable = 1 - 0.0225, 81.8904 * 26  # the sample engagement's failure-share pilot (a fall, sized as a rise)
    exact, old = minimum_detectable_effect_did(p0, reachable), minimum_detectable_effect(p0, reachable / 2.1)
    assert exact > 1.05 * old  # the old figure promised more than the pilot could detect


def test_did_mde_gives_the_planned_power_in_simulation():
    p0, n = 0.6, 1500
    d = minimum_detectable_effect_did(p0, n)
    found = [
        evaluate_did(simulate_pilot(n_per_cell=n, baseline=p0, effect=d, seed=s), outcome="outcome").p_value < 0.05
        for s in range(300)
    ]
    assert 0.75 <= np.mean(found) <= 0.85


def test_design_effect_and_areas_needed_by_hand():
    assert design_effect(1, 0.5) == 1 and design_effect(101, 0.01) == pytest.approx(2.0)
    z2 = (Z95 + Z80) ** 2
    p0, effect, m, icc = 0.7, 0.05, 3000, 0.02
    by_hand = z2 * (1 + (m - 1) * icc) * (3 * 0.21 + 0.75 * 0.25) / (m * effect**2)
    assert areas_needed(p0, effect, m, icc=icc) == math.ceil(by_hand)
    # with those areas the clustered MDE reaches the effect; with one fewer it does not
    k = areas_needed(p0, effect, m, icc=icc)
    assert minimum_detectable_effect_did(p0, k * m, areas_per_arm=k, icc=icc) <= effect
    assert minimum_detectable_effect_did(p0, (k - 1) * m, areas_per_arm=k - 1, icc=icc) > effect
    # more contacts cannot replace areas: the floor is z^2 icc (3 v0 + v1) / effect^2
    assert areas_needed(p0, effect, 10**9, icc=icc) == math.ceil(z2 * icc * (3 * 0.21 + 0.75 * 0.25) / effect**2)
    # and never below what randomisation inference needs to reach alpha
    assert areas_needed(0.5, 0.4, 10**6, icc=0.0) == fewest_areas_for_inference(0.05) == 4
    assert fewest_areas_for_inference(0.2) == 3 and fewest_areas_for_inference(0.01) == 5
    assert math.comb(8, 4) == 70 and 2 / 70 <= 0.05 < 2 / math.comb(6, 3)


def test_even_a_tiny_icc_more_than_doubles_the_mde_of_one_area_an_arm():
    n = 26 * 400  # half a year of a busy area
    assert minimum_detectable_effect_did(0.7, n, icc=0.001) > 2 * minimum_detectable_effect_did(0.7, n)


def _clustered(seed: int, *, areas: int = 6, contacts: int = 150, shock_sd: float = 0.06, effect: float = 0.0) -> pd.DataFrame:
    """Null (or planted) pilot data where each area moves by its own shock in each period: ICC about 0.015."""
    rng, n = np.random.default_rng(seed), 2 * areas
    level = 0.5 + rng.normal(0, 0.05, n)  # a lasting area difference, which the difference in differences removes
    pilot = np.arange(n) < areas
    p = level[:, None] + rng.normal(0, shock_sd, (n, 2)) + np.outer(pilot, [0.0, effect])  # columns: before, after
    y = rng.binomial(1, np.clip(p, 0, 1)[:, :, None], (n, 2, contacts))
    area, period, _ = np.meshgrid(np.arange(n), [0, 1], np.arange(contacts), indexing="ij")
    return pd.DataFrame(
        {
            "area": np.char.add("A", area.ravel().astype(str)),
            "group": np.where(pilot[area.ravel()], "pilot", "comparison"),
            "period": np.array(["before", "after"])[period.ravel()],
            "outcome": y.ravel(),
        }
    )


def test_randomisation_inference_holds_its_size_where_the_contact_level_test_does_not():
    ri, contact = [], []
    for s in range(200):
        data = _clustered(s)
        ri.append(evaluate_did_clusters(data, outcome="outcome", area="area").p_value <= 0.05)
        contact.append(evaluate_did(data, outcome="outcome").p_value <= 0.05)
    assert np.mean(ri) <= 0.08
    assert np.mean(contact) > 0.15  # the contact-level interval is far too narrow for these areas


def test_randomisation_inference_finds_a_planted_effect_and_is_deterministic():
    found = [evaluate_did_clusters(_clustered(s, effect=0.2), outcome="outcome", area="area").p_value <= 0.05 for s in range(40)]
    assert np.mean(found) >= 0.7  # about 3.4 standard errors: power near 0.9
    data = _clustered(7, effect=0.2)
    first = evaluate_did_clusters(data, outcome="outcome", area="area")
    assert first.exact and first.assignments == math.comb(12, 6)
    assert ("is unlikely" if first.p_value <= 0.05 else "is not unlikely") in first.note
    assert evaluate_did_clusters(data, outcome="outcome", area="area") == first
    sampled = evaluate_did_clusters(data, outcome="outcome", area="area", draws=200, seed=3)
    assert not sampled.exact and sampled == evaluate_did_clusters(data, outcome="outcome", area="area", draws=200, seed=3)
    # the effect is the difference of the areas' mean changes, each area weighted equally
    means = data.groupby(["area", "group", "period"])["outcome"].mean().unstack()
    change = (means["after"] - means["before"]).groupby(level="group").mean()
    assert first.effect == pytest.approx(change["pilot"] - change["comparison"])


def test_one_area_an_arm_is_said_to_show_nothing():
    data = _clustered(1, areas=1, effect=0.3)
    result = evaluate_did_clusters(data, outcome="outcome", area="area")
    assert result.p_value == 1.0 and result.smallest_p == 1.0
    assert "cannot estimate how much areas vary" in result.note and "at least 4 areas an arm" in result.note


@pytest.mark.parametrize(
    "change, match",
    [
        (
            lambda d: d.assign(
                group=np.where(d["area"] == "A0", d["group"].where(d["period"] == "before", "comparison"), d["group"])
            ),
            r"A0 has rows in both groups",
        ),
        (lambda d: d[~((d["area"] == "A3") & (d["period"] == "after"))], r"A3 does not"),
        (lambda d: d.assign(area=d["area"].where(d.index != 5)), r"column 'area' is missing in 1 row"),
        (lambda d: d.assign(group="pilot"), r"there are no comparison areas"),
        (lambda d: d.drop(columns="area"), r"no column 'area'"),
    ],
)
def test_evaluate_did_clusters_errors(change, match):
    with pytest.raises(CxmError, match=match):
        evaluate_did_clusters(change(_clustered(0, areas=2, contacts=10)), outcome="outcome", area="area")
