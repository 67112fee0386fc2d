"""Key-driver analysis: known answers, the planted sample truth, a real survey read through a mapping, errors."""

from __future__ import annotations

import textwrap
from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxmethods import CxmError, load_engagement, read_input
from cxmethods.io.questionnaire import Item, Questionnaire
from cxmethods.methods.drivers import (
    ITEM_SETS,
    QUADRANTS,
    item_scores,
    key_drivers,
    logistic_relative_weights,
    relative_weights,
    shapley_r2,
    to_0_100,
)
from cxmethods.plots.charts import plot_importance_performance
from cxmethods.sample import make_sample

SEEDS = [0, 1, 2, 3, 4]
REALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"
SURVEY = read_input(load_engagement(), "survey")
TRUTH = make_sample().truth


def _ols_r2(X: np.ndarray, y: np.ndarray) -> float:
    """R^2 of a least-squares fit with intercept, computed directly (not from correlations)."""
    design = np.column_stack([np.ones(len(y)), X])
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return 1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum()


def _orthogonal(seed: int, n: int = 200, p: int = 4) -> tuple[pd.DataFrame, pd.Series]:
    """Predictors with sample correlations exactly zero: an orthonormal basis of centred random columns."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, p))
    Q, _ = np.linalg.qr(Z - Z.mean(axis=0))
    X = Q * np.sqrt(n)  # standardised: mean 0, unit variance, uncorrelated
    y = X @ rng.uniform(0.2, 1.5, size=p) + rng.normal(scale=1.5, size=n)
    return pd.DataFrame(X, columns=[f"x{j}" for j in range(p)]), pd.Series(y)


def _correlated(seed: int, n: int = 500, p: int = 5) -> tuple[pd.DataFrame, pd.Series]:
    """Predictors sharing a common factor (pairwise correlation around 0.5), as survey drivers do."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 1)) + rng.normal(size=(n, p))
    y = X @ np.linspace(1.0, 0.2, p) + rng.normal(scale=2.0, size=n)
    return pd.DataFrame(X, columns=[f"x{j}" for j in range(p)]), pd.Series(y)


# -- known answers ------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_with_orthogonal_predictors_every_method_gives_the_squared_correlations(seed):
    X, y = _orthogonal(seed)
    assert np.allclose(np.corrcoef(X.to_numpy(), rowvar=False), np.eye(X.shape[1]), atol=1e-12)
    squared = np.array([np.corrcoef(X[c], y)[0, 1] ** 2 for c in X])
    rw, sv = relative_weights(X, y), shapley_r2(X, y)
    np.testing.assert_allclose(rw.to_numpy(), squared, atol=1e-10)
    np.testing.assert_allclose(sv.to_numpy(), squared, atol=1e-10)
    assert rw.sum() == pytest.approx(_ols_r2(X.to_numpy(), y.to_numpy()), abs=1e-10)
    assert list(rw.index) == list(X.columns)


@pytest.mark.parametrize("seed", SEEDS)
def test_two_predictor_shapley_has_a_closed_form(seed):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=300)
    x2 = 0.6 * x1 + rng.normal(size=300)
    y = 1.0 * x1 + 0.4 * x2 + rng.normal(size=300)
    r1, r2, r12 = np.corrcoef(x1, y)[0, 1], np.corrcoef(x2, y)[0, 1], np.corrcoef(x1, x2)[0, 1]
    full = (r1**2 + r2**2 - 2 * r1 * r2 * r12) / (1 - r12**2)
    expected = [(r1**2 + full - r2**2) / 2, (r2**2 + full - r1**2) / 2]  # average of the two orders of entry
    got = shapley_r2(pd.DataFrame({"x1": x1, "x2": x2}), pd.Series(y))
    np.testing.assert_allclose(got.to_numpy(), expected, atol=1e-12)
    assert full == pytest.approx(_ols_r2(np.column_stack([x1, x2]), y))


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_shapley_equals_the_average_gain_over_every_order_of_entry(seed):
    X, y = _correlated(seed, p=4)
    gains = np.zeros(4)
    orders = list(permutations(range(4)))
    for order in orders:
        before = 0.0
        for k, j in enumerate(order):
            after = _ols_r2(X.to_numpy()[:, list(order[: k + 1])], y.to_numpy())
            gains[j] += after - before
            before = after
    np.testing.assert_allclose(shapley_r2(X, y).to_numpy(), gains / len(orders), atol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_relative_weights_and_shapley_agree_closely_on_correlated_data(seed):
    X, y = _correlated(seed)
    rw, sv = relative_weights(X, y), shapley_r2(X, y)
    r2 = _ols_r2(X.to_numpy(), y.to_numpy())
    assert rw.sum() == pytest.approx(r2, abs=1e-10)
    assert sv.sum() == pytest.approx(r2, abs=1e-10)
    assert np.abs(rw / r2 - sv / r2).max() < 0.02
    assert list(rw.sort_values().index) == list(sv.sort_values().index)


def test_a_column_mapped_twice_shares_its_weight_instead_of_failing():
    X, y = _correlated(0, p=3)
    X["copy"] = X["x0"]
    rw = relative_weights(X, y)
    assert rw["x0"] == pytest.approx(rw["copy"])
    assert rw.sum() == pytest.approx(_ols_r2(X.to_numpy(), y.to_numpy()))


@pytest.mark.parametrize(
    "value, scale, expected", [(1, (1, 5), 0.0), (5, (1, 5), 100.0), (3, (1, 5), 50.0), (4, (1, 7), 50.0), (7, (0, 10), 70.0)]
)
def test_to_0_100_is_linear(value, scale, expected):
    assert to_0_100(value, scale) == pytest.approx(expected)


def test_item_scores_count_answers_means_and_top_two_box():
    survey = pd.DataFrame(
        {
            "overall_satisfaction": pd.array([5, 4, 3, 1, None], dtype="Int64"),
            "timeliness": pd.array([2, None, None, 5, 4], dtype="Int64"),
        }
    )
    got = item_scores(survey).set_index("item")
    assert got.loc["overall_satisfaction", ["question", "role", "scale"]].tolist() == ["Overall satisfaction", "outcome", "1-5"]
    assert got.loc["overall_satisfaction", ["n", "missing_share", "mean", "score", "top2_share"]].to_dict() == pytest.approx(
        {"n": 4, "missing_share": 0.2, "mean": 3.25, "score": 56.25, "top2_share": 0.5}
    )
    assert got.loc["timeliness", "top2_share"] == pytest.approx(2 / 3)
    seven = item_scores(survey, ["timeliness"], scale=(1, 7)).iloc[0]
    assert seven["top2_share"] == 0 and seven["score"] == pytest.approx((11 / 3 - 1) / 6 * 100)


# -- the client's own questionnaire: any number of items, their labels and scales, a yes/no outcome -----------


def _questionnaire_survey(seed: int, n: int = 600, p: int = 14):
    """p service items on mixed scales (1-5 and 0-10) and a yes/no outcome driven mostly by the first two."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, p))
    effects = np.r_[1.5, 1.0, np.full(p - 2, 0.1)]
    said_yes = latent @ effects + rng.normal(0, 1, n) > 0
    items = [Item(f"q{j}", f"Question {j} as asked", "driver", (1, 5) if j % 2 else (0, 10)) for j in range(p)] + [
        Item("recommend", "Would recommend the service", "outcome", (0, 1), binary=True)
    ]
    data = {
        item.key: np.clip(np.round(latent[:, j] * 1.2 + (3 if item.scale == (1, 5) else 5)), *item.scale)
        for j, item in enumerate(items[:-1])
    }
    survey = pd.DataFrame(data).astype("Int64").assign(recommend=pd.array(said_yes.astype(int), dtype="Int64"))
    return survey, Questionnaire(tuple(items), {}, {})


@pytest.mark.parametrize("seed", SEEDS)
def test_a_yes_no_outcome_is_modelled_by_logistic_relative_weights_over_every_item(seed):
    survey, questions = _questionnaire_survey(seed)
    table = key_drivers(survey, questionnaire=questions)
    assert len(table) == 14 and table["driver"].iloc[:2].tolist() == ["q0", "q1"]
    assert table["question"].iloc[0] == "Question 0 as asked" and table["outcome"].iloc[0] == "Would recommend the service"
    assert table.attrs["binary"] and "logistic" in table.attrs["method"]
    # independent check: the weights add up to R²_O of a logistic fit on the items themselves
    from sklearn.linear_model import LogisticRegression

    X, y = survey.drop(columns="recommend").astype(float), survey["recommend"].astype(int)
    probability = LogisticRegression(C=np.inf, max_iter=5000).fit(X, y).predict_proba(X)[:, 1]
    assert table.attrs["r2"] == pytest.approx(np.corrcoef(y, probability)[0, 1] ** 2, rel=1e-3)
    scores = item_scores(survey, questionnaire=questions).set_index("item")
    assert scores.loc["recommend", "score"] == pytest.approx(100 * y.mean())  # a yes/no score is the share of yes
    assert scores.loc["recommend", "scale"] == "yes/no" and scores.loc["q0", "scale"] == "0-10"
    assert scores.loc["q1", "score"] == pytest.approx((survey["q1"].mean() - 1) / 4 * 100)


def test_logistic_weights_refuse_an_outcome_that_is_not_yes_no():
    X = pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 1], "b": [2.0, 1, 4, 3, 5, 2]})
    with pytest.raises(CxmError, match=r"must be a yes/no outcome coded 1 and 0"):
        logistic_relative_weights(X, pd.Series([1, 2, 3, 1, 2, 3]))


def test_more_drivers_than_shapley_can_take_use_relative_weights_and_say_so():
    survey, _ = _questionnaire_survey(0, p=20)
    rated = survey.assign(recommend=survey["q0"] + survey["q1"])  # a rated outcome, explained by 19 items
    table = key_drivers(rated, outcome="recommend", drivers=[f"q{j}" for j in range(1, 20)], method="shapley")
    assert "relative weights" in table.attrs["method"] and "too many for the exact Shapley" in table.attrs["method"]
    assert table["share"].sum() == pytest.approx(1)


def test_a_questionnaire_without_an_outcome_says_how_to_declare_one():
    survey, questions = _questionnaire_survey(0)
    no_outcome = Questionnaire(tuple(i for i in questions.items if i.role != "outcome"), {}, {})
    with pytest.raises(CxmError, match=r"no outcome to explain.*'role: outcome' under inputs\.survey\.items"):
        key_drivers(survey, questionnaire=no_outcome)


# -- the sample engagement's planted truth ---------------------------------------


@pytest.mark.parametrize("method", ["relative_weights", "shapley"])
def test_the_planted_driver_order_is_recovered(method):
    table = key_drivers(SURVEY, method=method)
    planted = sorted(TRUTH["driver_weights"], key=TRUTH["driver_weights"].get, reverse=True)
    assert planted == ["outcome", "timeliness", "knowledge", "courtesy", "fairness"]
    assert table["driver"].tolist() == planted
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]
    assert table["share"].sum() == pytest.approx(1)
    np.testing.assert_allclose(table["share"], [TRUTH["driver_weights"][d] for d in planted], atol=0.04)
    assert table.attrs["n"] == len(SURVEY[["overall_satisfaction", *planted]].dropna())
    assert 0.5 < table.attrs["r2"] < 0.9
    assert table["importance"].sum() == pytest.approx(table.attrs["r2"])


def test_timeliness_is_the_driver_to_fix_first():
    table = key_drivers(SURVEY).set_index("driver")
    assert table.loc["timeliness", "quadrant"] == QUADRANTS[(True, False)] == "Fix first: important, low performance"
    shift = TRUTH["driver_performance_shift"]
    assert table["performance"].idxmin() == min(shift, key=shift.get) == "timeliness"
    assert table["performance"].idxmax() == max(shift, key=shift.get) == "courtesy"
    assert set(table["quadrant"]) <= set(QUADRANTS.values())


def test_sample_item_scores_are_on_0_to_100():
    scores = item_scores(SURVEY)
    assert scores["item"].tolist() == ["overall_satisfaction", *ITEM_SETS["citizens_first"], *ITEM_SETS["a11"]]
    assert scores["score"].between(0, 100).all() and scores["top2_share"].between(0, 1).all()
    np.testing.assert_allclose(scores["score"], (scores["mean"] - 1) / 4 * 100)
    assert (scores["n"] + scores["missing_share"] * len(SURVEY)).round().eq(len(SURVEY)).all()
    assert item_scores(SURVEY, "citizens_first")["item"].tolist() == list(ITEM_SETS["citizens_first"])


def test_the_quadrant_chart_labels_every_driver():
    table = key_drivers(SURVEY)
    chart = plot_importance_performance(table)
    texts = [t.get_text() for t in chart.axes[0].texts]
    assert set(table["question"]) <= set(texts)  # the questions as asked, next to their points
    assert sum(t.startswith(("Fix first", "Keep it up", "Lower priority", "Possible overkill")) for t in texts) == 4
    assert chart._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_long_questionnaire_numbers_its_points_and_lists_the_questions_beside():
    survey, questions = _questionnaire_survey(0)
    table = key_drivers(survey, questionnaire=questions)
    chart = plot_importance_performance(table)
    points = {t.get_text() for t in chart.axes[0].texts}
    assert {str(i) for i in range(1, 15)} <= points  # labels would overlap: numbers instead
    key = chart.axes[1].texts[0].get_text()
    assert all(f"{rank}. {question}" in key for rank, question in zip(table["rank"], table["question"]))


# -- a real survey, read through an engagement mapping alone -----------------------


SANDIEGO = REALDATA / "sandiego_resident_survey_2015_weighted.csv"


@pytest.mark.skipif(not SANDIEGO.is_file(), reason=f"real data not found beside the checkout: {SANDIEGO}")
@pytest.mark.parametrize("method", ["relative_weights", "shapley"])
def test_the_san_diego_resident_survey_runs_through_a_mapping(tmp_path, method):
    # Q2_6 = satisfaction with the quality of services provided by the City (the outcome);
    # Q15_* rate the City employees last contacted (5 excellent .. 1 very poor; Q15_1 courtesy is
    # not in the weighted file). Two Q2_* items stand in for drivers the survey has no question for:
    # Q2_7 "value that you receive for your City tax dollars and fees" for outcome (did residents get
    # what they pay for) and Q2_3 "financial stability of the City government" for trust (confidence
    # in how the City is run). Q2_* are 5 very satisfied .. 1 very dissatisfied; 9 is don't know.
    (tmp_path / "engagement.yaml").write_text(
        textwrap.dedent(f"""\
        name: sandiego
        organisation: City of San Diego
        currency: USD
        period: {{start: 2015-01-01, end: 2015-12-31}}
        allow_paths_outside: true  # the real sample stays in ../shared
        inputs:
          survey:
            path: {SANDIEGO}
            dont_know_codes: [9]
            columns:
              respondent_id: Num
              overall_satisfaction: Q2_6
              knowledge: Q15_2
              timeliness: Q15_4
              outcome: Q2_7
              trust: Q2_3
        """),
        encoding="utf-8",
    )
    engagement = load_engagement(tmp_path / "engagement.yaml")
    survey = read_input(engagement, "survey")
    drivers = ["knowledge", "timeliness", "outcome", "trust"]
    table = key_drivers(survey, drivers=drivers, method=method, scale=engagement.inputs.survey.scale)

    raw = pd.read_csv(SANDIEGO)
    complete = raw[["Q2_6", "Q15_2", "Q15_4", "Q2_7", "Q2_3"]].isin(range(1, 6)).all(axis=1)
    assert table.attrs["n"] == complete.sum() == 1920
    assert 0 < table.attrs["r2"] < 1
    assert np.isfinite(table["share"]).all() and table["share"].sum() == pytest.approx(1)
    assert table["performance"].between(0, 100).all()
    assert set(table["driver"]) == set(drivers)
    # the default drivers are the Citizens First items present: here three of them
    assert key_drivers(survey, method=method)["driver"].tolist() == ["outcome", "timeliness", "knowledge"]


# -- errors -------------------------------------------------------------------


def test_a_missing_outcome_is_named_with_its_fix():
    with pytest.raises(CxmError, match=r"no 'overall_satisfaction' column.*map it under inputs\.survey\.columns"):
        key_drivers(SURVEY.drop(columns="overall_satisfaction"))


def test_too_few_complete_rows():
    columns = ["overall_satisfaction", *ITEM_SETS["citizens_first"]]
    complete = SURVEY[columns].dropna()
    incomplete = SURVEY[SURVEY[columns].isna().any(axis=1)].head(10)
    with pytest.raises(CxmError, match=r"at least 30 responses .* Got 29 of 39 instead"):
        key_drivers(pd.concat([complete.head(29), incomplete]))
    assert key_drivers(pd.concat([complete.head(30), incomplete])).attrs["n"] == 30


def test_an_unknown_method():
    with pytest.raises(
        CxmError,
        match=r"The 'method' parameter of key_drivers must be 'relative_weights' or 'shapley'\. Got 'lmg' instead\.",
    ):
        key_drivers(SURVEY, method="lmg")


def test_fewer_than_two_drivers():
    with pytest.raises(CxmError, match=r"at least 2 drivers in the survey\. Got 1 \(timeliness\)"):
        key_drivers(SURVEY[["overall_satisfaction", "timeliness"]])


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: key_drivers(SURVEY, drivers=["timeliness", "speed"]),
            r"The 'drivers' parameter of key_drivers must be a list of the survey's fields \(it has no speed\)\. Got \['timeliness', 'speed'\] instead\. Fix: map them",
        ),
        (
            lambda: to_0_100(3, (5, 1)),
            r"The 'scale' parameter of to_0_100 must be \(lowest, highest\) with lowest < highest\. Got \(5, 1\) instead\.",
        ),
        (
            lambda: relative_weights(SURVEY[["timeliness", "courtesy"]], SURVEY["overall_satisfaction"]),
            r"The 'X' parameter of relative_weights must be complete, with no missing values in X or y\. Got 185 incomplete rows instead\. Fix: drop them",
        ),
        (
            lambda: shapley_r2(pd.DataFrame({"a": [1, 2, 3], "b": [4, 4, 4]}), pd.Series([1, 2, 4])),
            r"every answer is the same: b",
        ),
        (
            lambda: shapley_r2(pd.DataFrame(np.random.default_rng(0).normal(size=(40, 16))), pd.Series(np.arange(40.0))),
            r"The 'X' parameter of shapley_r2 must be a table of at most 15 columns\. Got 16 columns instead\. Fix: use relative_weights",
        ),
    ],
)
def test_other_errors_say_what_is_wrong(call, match):
    with pytest.raises(CxmError, match=match):
        call()


# -- bootstrap intervals of the shares ----------------------------------------------


def _dominant(seed: int, n: int) -> pd.DataFrame:
    """Ratings where one driver clearly dominates the outcome: 'speed' carries most of it."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = 2.0 * X[:, 0] + 0.4 * X[:, 1] + 0.2 * X[:, 2] + rng.normal(size=n)
    return pd.DataFrame({"overall_satisfaction": y, "speed": X[:, 0], "tone": X[:, 1], "letters": X[:, 2]})


def _reference_interval(survey: pd.DataFrame, drivers: list[str], resamples: int, seed: int) -> np.ndarray:
    """Percentile bootstrap computed independently: resample rows, shares from an OLS R^2 Shapley by brute force."""
    rng = np.random.default_rng(seed)
    data = survey[["overall_satisfaction", *drivers]].to_numpy()
    n, p = len(data), len(drivers)
    shares = []
    for _ in range(resamples):
        rows = data[rng.integers(0, n, size=n)]
        y, X = rows[:, 0], rows[:, 1:]
        values = np.zeros(p)
        for order in permutations(range(p)):
            before = 0.0
            for k, j in enumerate(order):
                after = _ols_r2(X[:, list(order[: k + 1])], y)
                values[j] += (after - before) / len(list(permutations(range(p))))
                before = after
        shares.append(values / values.sum())
    return np.percentile(np.array(shares), [2.5, 97.5], axis=0)


def test_intervals_contain_the_dominant_drivers_share_and_match_an_independent_bootstrap():
    survey = _dominant(0, 400)
    table = key_drivers(survey, drivers=["speed", "tone", "letters"], method="shapley", resamples=60, seed=3)
    top = table.iloc[0]
    assert top["driver"] == "speed" and top["share_low"] < top["share"] < top["share_high"]
    assert top["share_low"] > table.iloc[1]["share_high"]  # clearly first: the intervals do not overlap
    assert (table["share_low"] <= table["share"]).all() and (table["share"] <= table["share_high"]).all()
    # the same resamples (same seed, same draws) through least squares fitted directly and every order of entry
    reference = _reference_interval(survey, ["speed", "tone", "letters"], 60, seed=3)
    found = table.set_index("driver").loc[["speed", "tone", "letters"], ["share_low", "share_high"]].to_numpy().T
    np.testing.assert_allclose(found, reference, atol=1e-9)
    assert "95% percentile bootstrap over 60 of 60 resamples" in table.attrs["interval"]


def test_intervals_are_deterministic_and_narrow_with_more_respondents():
    small, large = _dominant(1, 200), _dominant(1, 5_000)
    first = key_drivers(small, drivers=["speed", "tone", "letters"])
    again = key_drivers(small, drivers=["speed", "tone", "letters"])
    pd.testing.assert_frame_equal(first, again)
    other = key_drivers(small, drivers=["speed", "tone", "letters"], seed=1)
    assert not np.allclose(first["share_low"], other["share_low"])  # the seed is what makes it repeatable
    width = lambda t: (t["share_high"] - t["share_low"]).to_numpy()  # noqa: E731
    wide, narrow = width(first), width(key_drivers(large, drivers=["speed", "tone", "letters"]))
    assert (narrow < wide / 2).all()  # 25 times the respondents: about a fifth of the width


def test_intervals_are_quick_on_ten_thousand_respondents_and_can_be_turned_off():
    import time

    survey = _dominant(2, 10_000)
    drivers = ["speed", "tone", "letters"]
    started = time.perf_counter()
    table = key_drivers(survey, drivers=drivers)
    assert time.perf_counter() - started < 10
    assert table["share_high"].notna().all()
    binary = survey.assign(overall_satisfaction=(survey["overall_satisfaction"] > 0).astype(int))
    started = time.perf_counter()
    logistic = key_drivers(binary, drivers=drivers)
    assert time.perf_counter() - started < 30
    assert logistic["driver"].iloc[0] == "speed" and (logistic["share_low"] <= logistic["share"]).all()
    none = key_drivers(survey, drivers=drivers, resamples=0)
    assert none[["share_low", "share_high"]].isna().all().all() and "no intervals" in none.attrs["interval"]


@pytest.mark.parametrize(("name", "value"), [("resamples", -1), ("level", 1.0), ("seed", 1.5)])
def test_interval_settings_are_checked(name, value):
    with pytest.raises(CxmError, match=rf"The '{name}' parameter of key_drivers"):
        key_drivers(SURVEY, **{name: value})


@pytest.mark.parametrize("seed", [0, 1])
def test_the_bootstraps_newton_fit_gives_the_same_logistic_weights(seed):
    from cxmethods.methods.drivers import _newton_logistic_weights

    survey, _ = _questionnaire_survey(seed)
    X, y = survey.drop(columns="recommend").astype(float), survey["recommend"].astype(float)
    np.testing.assert_allclose(_newton_logistic_weights(X, y), logistic_relative_weights(X, y), atol=1e-4)


# -- the survey cube (the report's filters) ----------------------------------------------------------------


def test_the_satisfaction_cube_adds_up_to_the_top_two_box_share():
    from cxmethods.io.questionnaire import questionnaire
    from cxmethods.methods.drivers import satisfaction_cube

    outcome = questionnaire(load_engagement().inputs.survey).outcome
    segments = pd.Series(np.where(np.arange(len(SURVEY)) % 3 == 0, "Busy families", "Older residents"), index=SURVEY.index)
    cube = satisfaction_cube(SURVEY, outcome=outcome, segments=segments)
    assert list(cube.columns) == ["segment", "channel", "area", "month", "respondents", "rated", "satisfied"]
    assert cube["month"].isna().all()  # the sample survey has no date
    assert cube["respondents"].sum() == len(SURVEY)
    top2 = item_scores(SURVEY).set_index("item").loc[outcome.key]
    assert cube["rated"].sum() == top2["n"]
    assert cube["satisfied"].sum() / cube["rated"].sum() == pytest.approx(top2["top2_share"], abs=1e-12)
    # by segment and channel, the counts pandas gives directly
    answers = SURVEY[outcome.key].astype(float)
    channel = SURVEY["preferred_channel"].astype(object).where(SURVEY["preferred_channel"].notna(), "unknown")
    direct = (answers >= outcome.scale[1] - 1).groupby([segments, channel]).sum()
    got = cube.groupby(["segment", "channel"])["satisfied"].sum()
    assert got.to_dict() == {k: int(v) for k, v in direct.items()}


def test_the_satisfaction_cube_groups_small_areas_and_leaves_missing_dimensions_empty():
    from cxmethods.methods.drivers import OTHER_AREAS, satisfaction_cube

    ratings = pd.array([5, 4, 1, 2, 5, None, 3], dtype="Int64")  # as the reader gives ratings: nullable whole numbers
    survey = pd.DataFrame({"area": ["A", "A", "A", "B", "B", "C", None], "overall_satisfaction": ratings})
    cube = satisfaction_cube(survey, outcome=Item("overall_satisfaction", "Overall", "outcome", (1, 5)), top_areas=1)
    assert cube["segment"].isna().all() and cube["channel"].isna().all()
    by_area = cube.set_index("area")
    assert by_area.loc["A", ["respondents", "rated", "satisfied"]].tolist() == [3, 3, 2]
    assert by_area.loc[OTHER_AREAS, ["respondents", "rated", "satisfied"]].tolist() == [3, 2, 1]  # B and C
    assert by_area.loc["unknown", "respondents"] == 1
    no_outcome = satisfaction_cube(survey, outcome=None)
    assert no_outcome["rated"].isna().all() and no_outcome["respondents"].sum() == 7
    # with the day each answered, the month
    dated = survey.assign(
        date=pd.to_datetime(["2025-04-02", "2025-04-30", "2025-05-01", None, "2025-05-31", "2025-06-01", "2025-06-02"])
    )
    months = satisfaction_cube(dated, outcome=None).groupby("month", dropna=False)["respondents"].sum()
    assert months.to_dict() == {"2025-04": 2, "2025-05": 2, "2025-06": 2} | {k: 1 for k in months.index if pd.isna(k)}
