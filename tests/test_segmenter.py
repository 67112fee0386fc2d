"""Segmentation: the estimator contract, the planted sample segments, profiles and names, bad input, real data."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.base import clone, is_clusterer
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

from cxmethods import CxmError, load_engagement, read_input
from cxmethods.methods import segmenter
from cxmethods.methods.profiles import profile, segment_sizes, suggest_names
from cxmethods.methods.segmenter import ATTRIBUTES, Segmenter, select_k
from cxmethods.sample import make_sample

REALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"
SANDIEGO = REALDATA / "sandiego_resident_survey_2015_weighted.csv"
BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "segmentation.py"
SURVEY = read_input(load_engagement(), "survey")
# All eight needs, behaviour and circumstance fields: the sample plants each segment's profile on every one
# of them (household and employment carry the most; without household the best possible ARI drops to 0.86).
X = SURVEY[list(ATTRIBUTES)]
TRUTH = SURVEY["respondent_id"].map(make_sample().truth["survey_segment"]).to_numpy()
SELECT_COLUMNS = ["k", "silhouette", "inertia", "bic", "stability", "smallest_share", "useful", "stable", "recommended", "note"]


@pytest.fixture(scope="module")
def fitted() -> Segmenter:
    return Segmenter(5).fit(X)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return select_k(X)


def _planted(labels: np.ndarray) -> dict[int, str]:
    """The planted segment most members of each fitted segment belong to."""
    return pd.crosstab(labels, TRUTH).idxmax(axis=1).to_dict()


# -- the scikit-learn estimator contract ---------------------------------------------


def test_init_only_stores_settings_and_clone_and_params_work():
    seg = Segmenter(3, categorical=["digital_confidence"], random_state=7, n_init=2)
    assert (
        vars(seg)
        == seg.get_params()
        == {"n_segments": 3, "categorical": ["digital_confidence"], "random_state": 7, "n_init": 2, "max_iter": 300, "tol": 1e-4}
    )
    copy = clone(seg)
    assert copy is not seg and copy.get_params() == seg.get_params()
    assert seg.set_params(n_segments=4, n_init=1) is seg and seg.n_segments == 4 and seg.n_init == 1
    assert is_clusterer(seg)


def test_fit_returns_self_with_learned_attributes_ending_in_underscore(fitted):
    seg = Segmenter(2, n_init=1)
    assert seg.fit(X) is seg
    learned = set(vars(seg)) - set(seg.get_params())
    assert learned and all(name.endswith("_") for name in learned)
    assert {
        "labels_",
        "centers_",
        "weights_",
        "inertia_",
        "bic_",
        "feature_names_in_",
        "n_features_in_",
        "encoder_",
        "attributes_",
    } <= learned
    assert list(seg.feature_names_in_) == list(ATTRIBUTES) and seg.n_features_in_ == 8
    assert not hasattr(clone(fitted), "labels_")
    assert fitted.centers_.shape[0] == 5 and fitted.weights_.sum() == pytest.approx(1)


def test_the_same_random_state_gives_identical_segments_and_predict_reproduces_them(fitted):
    again = Segmenter(5, random_state=0).fit(X)
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    np.testing.assert_array_equal(fitted.predict(X), fitted.labels_)
    np.testing.assert_array_equal(fitted.predict(SURVEY), fitted.labels_)  # extra columns are ignored
    np.testing.assert_array_equal(Segmenter(5).fit_predict(X), fitted.labels_)
    np.testing.assert_array_equal(fitted.predict(X.iloc[::-1]), fitted.labels_[::-1])  # row by row, not batch


def test_segments_are_numbered_1_to_k_largest_first(fitted):
    sizes = segment_sizes(fitted.labels_)
    assert sizes["segment"].tolist() == [1, 2, 3, 4, 5]
    assert sizes["size"].is_monotonic_decreasing and sizes["size"].sum() == len(X)
    assert sizes["share"].sum() == pytest.approx(1)


# -- the planted sample segments ------------------------------------------------------


@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_the_planted_segments_are_recovered(random_state):
    labels = Segmenter(5, random_state=random_state).fit(X).labels_
    assert adjusted_rand_score(TRUTH, labels) >= 0.8  # about 0.95; 0.96 is the best possible with the true profiles
    assert len(set(_planted(labels).values())) == 5


def test_the_mixture_beats_kmeans_on_scaled_one_hot_columns(fitted):
    # the baseline the module docstring compares against: numbers standardised, one-hot columns / sqrt(2)
    numbers = X[["digital_confidence", "contacts_last_year"]].astype(float)
    categories = pd.get_dummies(X.drop(columns=numbers.columns).astype(str)).astype(float) / np.sqrt(2)
    encoded = np.hstack([((numbers - numbers.mean()) / numbers.std()).to_numpy(), categories.to_numpy()])
    baseline = adjusted_rand_score(TRUTH, KMeans(5, n_init=5, random_state=0).fit(encoded).labels_)
    assert baseline < 0.7 and adjusted_rand_score(TRUTH, fitted.labels_) > 0.9


def test_missing_values_are_handled_and_the_segments_survive_them():
    rng = np.random.default_rng(0)
    holed = X.copy()
    for name in holed:
        holed.loc[rng.random(len(holed)) < 0.1, name] = None
    seg = Segmenter(5).fit(holed)
    assert adjusted_rand_score(TRUTH, seg.labels_) >= 0.8
    assert "missing" in seg.encoder_.levels["language"]
    assert "missing" in set(profile(holed, seg.labels_).query("attribute == 'household'")["value"])


def test_an_unseen_level_is_ignored_when_predicting(fitted):
    new = X.head(3).copy()
    new["language"] = "Klingon"
    assert set(fitted.predict(new)) <= {1, 2, 3, 4, 5}


def test_select_k_recommends_the_planted_five(table):
    assert table.columns.tolist() == SELECT_COLUMNS and table["k"].tolist() == list(range(2, 9))
    assert table["recommended"].sum() == 1
    best = table.loc[table["recommended"]].iloc[0]
    assert best["k"] == 5 and best["stability"] >= 0.8 and best["useful"]
    assert table.loc[table["bic"].idxmin(), "k"] == 5
    assert (table["useful"] == (table["smallest_share"] >= 0.05)).all()
    assert table["silhouette"].between(-1, 1).all() and table["stability"].between(-1, 1).all()
    assert (table["stable"] == (table["stability"] >= 0.8)).all()
    assert best["note"].startswith("Recommended: of the numbers of segments that are stable") and "5 fits best" in best["note"]
    assert (table.loc[~table["recommended"], "note"] == "").all()


def test_when_no_k_is_stable_the_note_says_so_and_leaves_the_choice_to_the_workshop():
    # answers drawn independently of each other: there are no segments to find, so no k is stable
    rng = np.random.default_rng(3)
    noise = pd.DataFrame({c: rng.choice(list("abcd"), 600) for c in ("tenure", "ward", "transport")})
    table = select_k(noise, k_max=5, bootstrap=3)
    assert not table["stable"].any()
    best = table.loc[table["recommended"]].iloc[0]
    assert best["stability"] == table.loc[table["useful"], "stability"].max()  # the most stable useful k
    assert best["note"] == (
        f"No number of segments was stable across resamples (best stability {best['stability']:.2f} at k={best['k']}); "
        f"the {best['k']} shown are a starting point: the workshop should choose how many segments to keep "
        "(settings.segmentation.k)."
    )


def _planted_overlap(seed: int, n: int = 2000, sep: float = 2.5) -> tuple[pd.DataFrame, np.ndarray]:
    """Five segments that overlap moderately, on mixed attributes like a survey's.

    "Moderate" here: shares 28/24/20/16/12%; three numeric needs x0..x2 with within-segment SD 1 and segment
    means 0 or ``sep`` (= 2.5 SD): (0,0,0), (sep,0,0), (0,sep,0), (0,0,sep), (sep,sep,sep), so two segments
    are 2.5 to 4.3 SD apart and no single attribute separates all five; two categories c0 and c1 (4 levels)
    where a segment gives its own favourite level 55% of the time and each other level 15% (favourites
    shared by some segments); and four noise attributes (two numbers, two 3-level categories) unrelated to
    the segments. Even the right model assigns only about 3 respondents in 4 to their planted segment
    (ARI about 0.7).
    """
    rng = np.random.default_rng(seed)
    truth = rng.choice(5, n, p=[0.28, 0.24, 0.2, 0.16, 0.12])
    means = sep * np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]])
    columns = {f"x{j}": means[truth, j] + rng.normal(0, 1, n) for j in range(3)}
    levels = np.array(list("abcd"), dtype=object)
    for name, favourite in {"c0": [0, 1, 2, 3, 0], "c1": [1, 2, 3, 0, 2]}.items():
        probs = np.full((5, 4), 0.15)
        probs[np.arange(5), favourite] = 0.55
        columns[name] = levels[(rng.random(n)[:, None] > probs.cumsum(axis=1)[truth]).sum(axis=1).clip(max=3)]
    for j in range(2):
        columns[f"noise_number_{j}"] = rng.normal(0, 1, n)
        columns[f"noise_category_{j}"] = rng.choice(np.array(list("pqr"), dtype=object), n)
    return pd.DataFrame(columns), truth


def test_select_k_recovers_five_moderately_overlapping_segments():
    # The generator was designed on seeds 100-104; these seeds were not looked at while designing it.
    chosen, ari, baseline = [], [], []
    for seed in range(5):
        survey, truth = _planted_overlap(seed)
        table = select_k(survey)
        k = int(table.loc[table["recommended"], "k"].iloc[0])
        chosen.append(k)
        ari.append(adjusted_rand_score(truth, Segmenter(k, n_init=3).fit(survey).labels_))
        # k-means on standardised numbers and one-hot categories / sqrt(2) (the module docstring's baseline)
        numbers = survey.select_dtypes("number")
        encoded = np.hstack(
            [
                ((numbers - numbers.mean()) / numbers.std()).to_numpy(),
                pd.get_dummies(survey.select_dtypes(exclude="number"), dtype=float) / np.sqrt(2),
            ]
        )
        baseline.append(adjusted_rand_score(truth, KMeans(5, n_init=5, random_state=0).fit(encoded).labels_))
    figures = f"k chosen {chosen}, ARI at the chosen k {np.round(ari, 2)}, k-means at k = 5 {np.round(baseline, 2)}"
    print(figures)
    assert chosen.count(5) >= 4, figures
    assert np.mean(ari) > np.mean(baseline) and min(ari) > 0.6, figures


def _levels(rng, truth: np.ndarray, favourite: list[int], n_levels: int, p: float) -> np.ndarray:
    """A category where segment s answers its favourite level with probability p and each other level alike."""
    probs = np.full((len(favourite), n_levels), (1 - p) / (n_levels - 1))
    probs[np.arange(len(favourite)), favourite] = p
    levels = np.array(list("abcdef"[:n_levels]), dtype=object)
    return levels[(rng.random(len(truth))[:, None] > probs.cumsum(axis=1)[truth]).sum(axis=1).clip(max=n_levels - 1)]


def _with_noise(rng, columns: dict, n: int) -> pd.DataFrame:
    for j in range(2):  # attributes unrelated to the segments, as a survey has
        columns[f"noise_number_{j}"] = rng.normal(0, 1, n)
        columns[f"noise_category_{j}"] = rng.choice(np.array(list("pqr"), dtype=object), n)
    return pd.DataFrame(columns)


def _planted_nested(seed: int, n: int = 4000) -> tuple[pd.DataFrame, np.ndarray]:
    """Five segments of unequal size, two of them small and close beside a larger one (segments within segments).

    Shares 35/25/20/12/8%. Three numeric needs with within-segment SD 1: segments 1-3 at (0,0,0), (3,0,0) and
    (0,3,0), 3 SD apart; the 12% at (0,3,2.5), 2.5 SD beside the 20%, and the 8% at (0,0,2.5), 2.5 SD beside the
    35%. Two 4-level categories (a segment's favourite level 55%, each other 15%) and four noise attributes as in
    ``_planted_overlap``. Designed on seeds 100-104. Even the fit started from the planted segments beats the best
    four-segment fit by only 20 to 200 BIC points, so this is near the limit of what 4,000 respondents show.
    """
    rng = np.random.default_rng(seed)
    truth = rng.choice(5, n, p=[0.35, 0.25, 0.20, 0.12, 0.08])
    means = np.array([[0, 0, 0], [3, 0, 0], [0, 3, 0], [0, 3, 2.5], [0, 0, 2.5]])
    columns = {f"x{j}": means[truth, j] + rng.normal(0, 1, n) for j in range(3)}
    columns["c0"] = _levels(rng, truth, [0, 1, 2, 3, 0], 4, 0.55)
    columns["c1"] = _levels(rng, truth, [1, 2, 3, 2, 0], 4, 0.55)
    return _with_noise(rng, columns, n), truth


def _planted_three(seed: int, n: int = 2000) -> tuple[pd.DataFrame, np.ndarray]:
    """Three segments (50/30/20%) told apart mostly by categories: one number (means 0, 2 and 1 SD) and four
    5-level categories (favourite level 50%, each other 12.5%), plus the four noise attributes. Designed on
    seeds 100-104. Checks that the search for segments within segments does not simply favour more segments."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(3, n, p=[0.5, 0.3, 0.2])
    columns = {"x0": np.array([0, 2.0, 1.0])[truth] + rng.normal(0, 1, n)}
    for j, favourite in enumerate([[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 0, 3]]):
        columns[f"c{j}"] = _levels(rng, truth, favourite, 5, 0.5)
    return _with_noise(rng, columns, n), truth


def _planted_six(seed: int, n: int = 3000) -> tuple[pd.DataFrame, np.ndarray]:
    """Six segments (24/20/18/15/13/10%): four numbers with means 0 or 3 SD, (0,0,0,0), one need high each for
    four segments and all four high for the sixth; one 6-level category (favourite level 45%, others 11%); the
    four noise attributes. Checks that a true k above five is found too. (At 2.5 SD apart neither the old nor the
    new search finds a six-segment fit better by BIC than five: both choose 5 on seeds 0-4 and 100-104.)"""
    rng = np.random.default_rng(seed)
    truth = rng.choice(6, n, p=[0.24, 0.20, 0.18, 0.15, 0.13, 0.10])
    means = 3.0 * np.vstack([np.zeros(4), np.eye(4), np.ones(4)])
    columns = {f"x{j}": means[truth, j] + rng.normal(0, 1, n) for j in range(4)}
    columns["c0"] = _levels(rng, truth, [0, 1, 2, 3, 4, 5], 6, 0.45)
    return _with_noise(rng, columns, n), truth


def _peer(survey: pd.DataFrame, truth: np.ndarray) -> tuple[int, float]:
    """A scikit-learn Gaussian mixture (diagonal, variance floor 0.1 as the segmenter's) on standardised numbers
    and one-hot categories, k from 2 to 8 by its own BIC: (k, ARI)."""
    numbers = survey.select_dtypes("number")
    encoded = np.hstack(
        [
            ((numbers - numbers.mean()) / numbers.std()).to_numpy(),
            pd.get_dummies(survey.select_dtypes(exclude="number"), dtype=float),
        ]
    )
    fits = {
        k: GaussianMixture(k, covariance_type="diag", reg_covar=0.1, n_init=3, random_state=0).fit(encoded) for k in range(2, 9)
    }
    k = min(fits, key=lambda k: fits[k].bic(encoded))
    return k, adjusted_rand_score(truth, fits[k].predict(encoded))


def _choose(generator, seeds) -> tuple[list[int], list[float], list[int], list[float]]:
    chosen, ari, peer_k, peer_ari = [], [], [], []
    for seed in seeds:
        survey, truth = generator(seed)
        table = select_k(survey)
        chosen.append(int(table.loc[table["recommended"], "k"].iloc[0]))
        ari.append(adjusted_rand_score(truth, Segmenter(chosen[-1], n_init=3).fit(survey).labels_))
        k, a = _peer(survey, truth)
        peer_k.append(k), peer_ari.append(a)
    return chosen, ari, peer_k, peer_ari


def test_split_starts_fit_segments_within_segments_better_than_kmeans_starts():
    # The planted five-segment fit, started from the planted segments, is the mark: k-means++ starts alone end far
    # from it (a small segment beside a large one gets no centre of its own); growing the mixture by splits gets closer.
    gaps = []
    for seed in range(5):
        survey, truth = _planted_nested(seed)
        data = segmenter._prepare(survey, None, "test")[1]
        planted = segmenter._em(data, segmenter._m_step(data, np.eye(5)[truth]), 300, 1e-4)[1]
        mark = segmenter._fit_stats(planted, data, 5)[1]
        kmeans_only = segmenter._fit_stats(segmenter._fit_mixture(data, 5, 3, 0, 300, 1e-4)[1], data, 5)[1]
        gaps.append((kmeans_only - mark, Segmenter(5, n_init=3).fit(survey).bic_ - mark))
    gaps = np.array(gaps)
    print(f"BIC above the planted fit, k-means++ starts {np.round(gaps[:, 0])}, with split starts {np.round(gaps[:, 1])}")
    assert (gaps[:, 1] <= gaps[:, 0] + 1e-6).all()  # the k-means++ starts are among the starts
    assert gaps[:, 1].mean() < 0.7 * gaps[:, 0].mean(), gaps


def test_select_k_on_segments_within_segments():
    # The nested case is at the edge of what the data show: BIC itself prefers four segments (the 8% merged into
    # the 35%) on most seeds, so the planted five is not required; what is: never fewer than four, never more
    # than five, and the segments found agree with the planted ones better than the Gaussian mixture peer's.
    chosen, ari, peer_k, peer_ari = _choose(_planted_nested, range(5))
    figures = f"k chosen {chosen}, ARI {np.round(ari, 2)}; Gaussian mixture k {peer_k}, ARI {np.round(peer_ari, 2)}"
    print(figures)
    assert set(chosen) <= {4, 5} and min(ari) > 0.6, figures
    assert np.mean(ari) > np.mean(peer_ari), figures


def test_select_k_recovers_three_segments_and_does_not_favour_more():
    chosen, ari, peer_k, peer_ari = _choose(_planted_three, range(5))
    figures = f"k chosen {chosen}, ARI {np.round(ari, 2)}; Gaussian mixture k {peer_k}, ARI {np.round(peer_ari, 2)}"
    print(figures)
    assert chosen.count(3) >= 4 and max(chosen) == 3, figures
    assert np.mean(ari) > np.mean(peer_ari), figures


def test_select_k_recovers_six_segments():
    chosen, ari, peer_k, peer_ari = _choose(_planted_six, range(5))
    figures = f"k chosen {chosen}, ARI {np.round(ari, 2)}; Gaussian mixture k {peer_k}, ARI {np.round(peer_ari, 2)}"
    print(figures)
    assert chosen.count(6) >= 4, figures
    assert np.mean(ari) > np.mean(peer_ari) and min(ari) > 0.6, figures


def test_a_k_that_fits_decisively_better_but_is_only_moderately_stable_is_recommended_with_a_warning():
    def table(bic, stability):
        return pd.DataFrame({"k": [2, 3, 4], "bic": bic, "stability": stability, "smallest_share": [0.3, 0.2, 0.1]})

    # 4 is only moderately stable (0.7) but its BIC is 30 below 3's, the best stable k: 4 is recommended, saying so
    out = segmenter._recommend(table([1000.0, 960.0, 930.0], [0.95, 0.9, 0.7]), 0.05)
    assert out.loc[out["recommended"], "k"].tolist() == [4] and not out.loc[2, "stable"]
    assert out.loc[2, "note"] == (
        "Recommended: 4 segments fit decisively better than 3, the best of the stable numbers (BIC lower by 30; over "
        "10 is very strong evidence), but they are only moderately stable across resamples (0.70, under 0.8): the "
        "segments overlap, so check that they hold before acting on them."
    )
    out = segmenter._recommend(table([1000.0, 960.0, 930.0], [0.95, 0.9, 0.79996]), 0.05)  # not "0.80, under 0.8"
    assert "(just under 0.8): the segments overlap" in out.loc[2, "note"]
    # a gap of 10 or less, or stability under 0.6, or a segment too small: the best stable k, as before
    for bic, stability, shares in (
        ([1000.0, 960.0, 950.0], [0.95, 0.9, 0.7], [0.3, 0.2, 0.1]),
        ([1000.0, 960.0, 930.0], [0.95, 0.9, 0.55], [0.3, 0.2, 0.1]),
        ([1000.0, 960.0, 930.0], [0.95, 0.9, 0.7], [0.3, 0.2, 0.04]),
    ):
        out = segmenter._recommend(table(bic, stability).assign(smallest_share=shares), 0.05)
        assert out.loc[out["recommended"], "k"].tolist() == [3], (bic, stability, shares)
        assert out.loc[1, "note"].startswith("Recommended: of the numbers of segments that are stable")


def test_select_k_fits_are_the_segmenter_fits(table):
    seg = Segmenter(5, n_init=3).fit(X)
    row = table.set_index("k").loc[5]
    assert row["bic"] == pytest.approx(seg.bic_)
    assert row["inertia"] == pytest.approx(seg.inertia_)
    assert row["smallest_share"] == pytest.approx(segment_sizes(seg.labels_)["share"].min())


def test_select_k_is_deterministic():
    small = X.head(600)
    first, second = select_k(small, k_max=4, bootstrap=2), select_k(small, k_max=4, bootstrap=2)
    pd.testing.assert_frame_equal(first, second)


# -- profiles and names ------------------------------------------------------------


def test_the_index_is_100_where_a_segment_looks_like_everyone():
    X = pd.DataFrame({"channel": ["phone", "web_form", "phone", "web_form", "post", "post"], "contacts": [1, 5, 1, 5, 9, 9]})
    table = profile(X, [1, 1, 2, 2, 3, 3])
    assert table.columns.tolist() == ["segment", "attribute", "label", "value", "segment_share", "population_share", "index"]
    assert set(table["label"]) == {"channel", "contacts"}  # no labels given: the names, in words
    same = table[table["segment"].isin([1, 2]) & table["value"].isin(["phone", "web_form"])]
    assert (same["index"] == 150).all()  # 50% of the segment against 33% of everyone
    whole = profile(X, [1] * 6)
    np.testing.assert_allclose(whole["index"], 100)
    assert table.query("segment == 3 and value == 'mean'")["index"].iloc[0] == pytest.approx(900 / 5)


def test_profile_shares_add_up(fitted):
    table = profile(SURVEY[[*ATTRIBUTES, "area"]], fitted.labels_)
    levels = table[table["value"] != "mean"]
    np.testing.assert_allclose(levels.groupby(["segment", "attribute"])["segment_share"].sum(), 1)
    np.testing.assert_allclose(levels.groupby(["segment", "attribute"])["population_share"].sum(), 1)
    # the population is the size-weighted mix of the segments, levels and means alike
    sizes = segment_sizes(fitted.labels_).set_index("segment")["share"]
    mixed = (table["segment_share"] * table["segment"].map(sizes)).groupby([table["attribute"], table["value"]]).sum()
    np.testing.assert_allclose(mixed, table.groupby(["attribute", "value"])["population_share"].first().loc[mixed.index])
    assert set(table.loc[table["attribute"] == "disability", "value"]) == {"yes", "no"}
    means = table.query("attribute == 'contacts_last_year'").set_index("segment")["segment_share"]
    np.testing.assert_allclose(means, X["contacts_last_year"].astype(float).groupby(fitted.labels_).mean())


def test_suggested_names_describe_the_planted_segments(fitted):
    names = suggest_names(profile(X, fitted.labels_))
    assert names.columns.tolist() == ["segment", "suggested_name", "pen_portrait"] and len(names) == 5
    assert names["suggested_name"].is_unique
    for text in names["pen_portrait"]:
        assert 2 <= len(re.findall(r"\.(?: |$)", text)) <= 3, text
    by_planted = {planted: names.set_index("segment").loc[s] for s, planted in _planted(fitted.labels_).items()}
    older = by_planted["Older residents who prefer phone or face to face"]
    assert re.search(r"75\+|retired|pensioner", older["suggested_name"]) and "the phone" in older["pen_portrait"]
    assert "other than English" in by_planted["Newcomers with language needs"]["suggested_name"]
    assert "times a year" in by_planted["Frequent complex-needs contacts"]["pen_portrait"]


def _twins() -> tuple[pd.DataFrame, np.ndarray]:
    """Three planted groups; the two small ones alike (mostly cycling renters) but for age (18-45 and 46-80).
    Named on their two most distinctive attributes, they used to get the same name twice."""
    rng = np.random.default_rng(0)

    def group(n, transport, tenure, ages):
        return pd.DataFrame(
            {
                "transport": rng.choice(list(transport), n, p=list(transport.values())),
                "tenure": rng.choice(list(tenure), n, p=list(tenure.values())),
                "age": rng.integers(*ages, n),
            }
        )

    parts = [
        group(800, {"Car": 0.95, "Bus": 0.05}, {"Own": 0.7, "Rent": 0.3}, (18, 81)),
        group(100, {"Bike": 0.9, "Car": 0.1}, {"Rent": 0.9, "Own": 0.1}, (18, 46)),
        group(100, {"Bike": 0.9, "Car": 0.1}, {"Rent": 0.9, "Own": 0.1}, (46, 81)),
    ]
    return pd.concat(parts, ignore_index=True), np.repeat([1, 2, 3], [800, 100, 100])


def test_segments_alike_but_for_one_attribute_get_distinct_names_saying_how_they_differ():
    from cxmethods.methods.attributes import number_bins

    X, labels = _twins()
    banded = X.assign(age=number_bins(X["age"]))
    table = profile(banded, labels, attribute_labels={"transport": "Main transport", "tenure": "Tenure", "age": "Age"})
    assert table.query("segment == 2 and attribute == 'age'")["value"].tolist() == ["18-29", "30-44", "45-64", "65 and over"]
    names = suggest_names(table).set_index("segment")["suggested_name"]
    assert names.is_unique
    assert names[2] == "Mostly main transport Bike, age 18-29" and names[3] == "Mostly main transport Bike, age 65 and over"
    assert names[1] == "Mostly main transport Car, tenure Own"  # no twin: named as before
    # age as a number: the twins are told apart by their mean age
    names = suggest_names(profile(X, labels)).set_index("segment")["suggested_name"]
    assert names[2] == "Mostly transport Bike, age averaging 30.3" and names[3] == "Mostly transport Bike, age averaging 63.4"


def test_segments_alike_on_everything_are_numbered():
    X = pd.DataFrame({"tenure": ["Rent"] * 4 + ["Own"] * 2})
    names = suggest_names(profile(X, [1, 1, 2, 2, 3, 3]))["suggested_name"].tolist()
    assert names == ["Mostly tenure Rent (segment 1)", "Mostly tenure Rent (segment 2)", "Mostly tenure Own"]


def test_a_segment_like_everyone_gets_a_plain_name():
    X = pd.DataFrame({"channel": ["phone", "web_form"] * 4})
    names = suggest_names(profile(X, [1, 1, 1, 1, 2, 2, 2, 2]))
    assert names["suggested_name"].tolist() == ["Segment 1", "Segment 2"]


def test_a_channel_coded_as_numbers_is_named_as_a_number():
    # preferred_channel held as codes is profiled as a mean, which has no share of the segment; naming used to
    # compare that missing share with 0.5 and fail
    X = pd.DataFrame({"preferred_channel": [1, 1, 1, 2, 2, 2, 3, 3], "age_band": ["75+"] * 3 + ["25-34"] * 5})
    names = suggest_names(profile(X, [1, 1, 1, 2, 2, 2, 2, 2])).set_index("segment")
    assert names.loc[1, "suggested_name"] == "Mostly aged 75+, low preferred channel"
    assert names.loc[1, "pen_portrait"] == "Typically aged 75+. Preferred channel averages 1.0 (everyone: 1.9)."


# -- bad input ----------------------------------------------------------------------


def test_a_constant_column_is_named_in_a_warning_and_dropped():
    with pytest.warns(UserWarning, match=r"Column 'council' has the same value in every row \('Riverton'\)"):
        seg = Segmenter(5).fit(X.assign(council="Riverton"))
    assert "council" not in seg.attributes_ and seg.attributes_ == list(ATTRIBUTES)
    assert adjusted_rand_score(TRUTH, seg.labels_) >= 0.8


def test_an_all_missing_column_is_named():
    with pytest.raises(CxmError, match=r"Column 'household' has no values \(every row is missing\)"):
        Segmenter(5).fit(X.assign(household=None))


def test_an_id_column_is_named_with_its_number_of_values():
    with pytest.raises(
        CxmError,
        match=r"Column 'respondent_id' has 3,000 distinct values: an id or free text\? "
        r"Leave it out of settings\.segmentation\.attributes\.",
    ):
        Segmenter(5).fit(SURVEY[["respondent_id", *ATTRIBUTES]])


def test_fewer_respondents_than_segments():
    few = X.iloc[[0, 1, 3, 4]]
    with pytest.raises(
        CxmError,
        match=r"The 'n_segments' parameter of Segmenter must be at most the number of "
        r"respondents \(4\)\. Got 5 instead\.",
    ):
        Segmenter(5).fit(few)
    with pytest.raises(CxmError, match=r"'k_max' parameter of select_k must be at most the number of respondents \(4\)"):
        select_k(few, k_max=5)


def test_no_usable_attributes():
    with pytest.warns(UserWarning), pytest.raises(CxmError, match=r"Segmenter\.fit has no usable attributes"):
        Segmenter(2).fit(pd.DataFrame({"a": [1, 1, 1], "b": ["x", "x", "x"]}))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: Segmenter(1).fit(X), r"The 'n_segments' parameter of Segmenter must be an int >= 2\. Got 1 instead\."),
        (lambda: Segmenter(2.5).fit(X), r"'n_segments' parameter .* Got 2\.5 instead"),
        (lambda: Segmenter(True).fit(X), r"'n_segments' parameter .* Got True instead"),
        (lambda: Segmenter(n_init=0).fit(X), r"'n_init' parameter of Segmenter must be an int >= 1\. Got 0 instead\."),
        (lambda: Segmenter().fit(X.to_numpy()), r"'X' parameter of Segmenter\.fit must be a pandas DataFrame .* Got ndarray"),
        (
            lambda: Segmenter(categorical=["ward"]).fit(X),
            r"The 'X' parameter of Segmenter\.fit must be a table with respondents and every column named in 'categorical'\. Got 3000 rows, without ward instead\.",
        ),
        (lambda: select_k(X, k_min=4, k_max=3), r"The 'k_max' parameter of select_k must be an int >= 4\. Got 3 instead\."),
        (lambda: select_k(X, bootstrap=1), r"The 'bootstrap' parameter of select_k must be an int >= 2\. Got 1 instead\."),
        (
            lambda: profile(X, [1, 2]),
            r"The 'labels' parameter of profile must be one segment per row of X \(3000\)\. Got 2 labels instead\.",
        ),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises(CxmError, match=match):
        call()


def test_predict_names_a_missing_column(fitted):
    with pytest.raises(
        CxmError,
        match=r"The 'X' parameter of Segmenter\.predict must be a DataFrame with the columns the segments were fitted on\. Got no column 'language' instead\.",
    ):
        fitted.predict(X.drop(columns="language"))


def test_codes_can_be_declared_categorical():
    X = pd.DataFrame({"district": [1, 1, 2, 2, 3, 3] * 5, "age": [20, 22, 50, 52, 80, 82] * 5})
    seg = Segmenter(3, categorical=["district"]).fit(X)
    assert seg.encoder_.levels["district"] == ["1", "2", "3"]
    assert adjusted_rand_score(X["district"], seg.labels_) == 1


# -- a real survey, read through an engagement mapping alone ---------------------------------


def _age_band(age: int) -> str:
    for low, high in ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 74)):
        if low <= age <= high:
            return f"{low}-{high}"
    return "75+"


@pytest.mark.skipif(not SANDIEGO.is_file(), reason=f"real data not found beside the checkout: {SANDIEGO}")
def test_the_san_diego_resident_survey_segments_through_a_mapping(tmp_path):
    # What the dictionary supports, in our fields: Q18 preferred method for reporting problems (1 mobile
    # application, 2 web site, 3 cellular telephone; 4 text message and 5 social media have no channel code of
    # ours, and 9, not in the dictionary, is taken as don't know); Q20 age in years, banded by a recoding;
    # Q2_6 satisfaction with the quality of City services; Q15_4 staff responsiveness (timeliness, as in
    # test_drivers); Q28 council district (area, to describe segments, not to form them). It has no household
    # type, employment, language, disability or contact-count question: Q23 own/rent is tenure and Q26
    # Hispanic/Latino is ethnicity, so neither is mapped onto household or language.
    engagement = {
        "name": "sandiego",
        "organisation": "City of San Diego",
        "currency": "USD",
        "period": {"start": "2015-01-01", "end": "2015-12-31"},
        "allow_paths_outside": True,  # the real sample stays in ../shared
        "inputs": {
            "survey": {
                "path": str(SANDIEGO),
                "dont_know_codes": [9],
                "columns": {
                    "respondent_id": "Num",
                    "overall_satisfaction": "Q2_6",
                    "timeliness": "Q15_4",
                    "preferred_channel": "Q18",
                    "age_band": "Q20",
                    "area": "Q28",
                },
                "values": {
                    "preferred_channel": {"1": "mobile_app", "2": "web_form", "3": "phone", "4": None, "5": None, "9": None},
                    "age_band": {str(age): _age_band(age) for age in range(18, 100)},
                },
            }
        },
    }
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(engagement, sort_keys=False), encoding="utf-8")
    survey = read_input(load_engagement(tmp_path / "engagement.yaml"), "survey")
    raw = pd.read_csv(SANDIEGO)
    assert len(survey) == len(raw) == 2477
    assert survey["preferred_channel"].isna().sum() == raw["Q18"].isin([4, 5, 9]).sum()
    assert set(survey["age_band"]) == {"18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"}

    attributes = ["age_band", "preferred_channel", "overall_satisfaction", "timeliness"]
    table = select_k(survey[attributes])
    best = table.loc[table["recommended"]].iloc[0]
    assert table["recommended"].sum() == 1 and best["useful"] and best["stability"] >= 0.8
    k = int(best["k"])
    assert 2 <= k <= 8
    seg = Segmenter(k, n_init=3).fit(survey[attributes])
    sizes = segment_sizes(seg.labels_)
    assert sizes["share"].min() == pytest.approx(best["smallest_share"]) and sizes["share"].min() >= 0.05
    table = profile(survey[[*attributes, "area"]], seg.labels_)
    satisfaction = table.query("attribute == 'overall_satisfaction'")["index"]
    assert satisfaction.max() > 110 and satisfaction.min() < 90  # segments differ in what residents think
    names = suggest_names(table)
    assert len(names) == k and names["suggested_name"].is_unique and names["pen_portrait"].str.len().gt(0).all()


# -- the benchmark script still runs (a tiny size) ------------------------------------------


def test_the_benchmark_runs_on_a_small_survey(capsys):
    spec = importlib.util.spec_from_file_location("segmentation_benchmark", BENCHMARK)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    frame, truth = bench.make_survey(2000, 10, seed=1)
    assert frame.shape == (2000, 10) and frame.isna().mean().mean() == pytest.approx(0.03, abs=0.01)
    assert adjusted_rand_score(truth, Segmenter(6, n_init=3).fit(frame).labels_) > 0.5
    assert bench.main(["--rows", "2000", "--attributes", "6", "--k-max", "3", "--bootstrap", "2"]) == 0
    assert "peak RSS MB" in capsys.readouterr().out
