"""Voice of the customer (workbook 02): survey item scores and key-driver analysis.

Which service drivers matter most to overall satisfaction, and how well does the service do on
each? Importance comes from a regression of overall satisfaction on the drivers, split fairly
between correlated drivers by Johnson's relative weights or by the Shapley decomposition of R^2
(LMG); performance is each driver's mean score on 0-100. Together they give the
importance x performance quadrant (:func:`cxmethods.plots.charts.plot_importance_performance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from cxmethods.core.checks import check_int, check_number, check_one_of, parameter_error
from cxmethods.core.errors import CxmError
from cxmethods.core.schemas import STANDARD_ITEMS
from cxmethods.io.questionnaire import Item, Questionnaire

__all__ = [
    "ITEM_SETS",
    "METHODS",
    "MIN_ROWS",
    "QUADRANTS",
    "RESAMPLES",
    "item_scores",
    "key_drivers",
    "logistic_relative_weights",
    "relative_weights",
    "satisfaction_cube",
    "shapley_r2",
    "to_0_100",
]

#: Standard survey items, by source (our field names, see :mod:`cxmethods.core.schemas`).
#:
#: * ``citizens_first``: the five drivers of satisfaction found by Canada's Citizens First
#:   research (Institute for Citizen-Centred Service), on which its Common Measurements Tool
#:   builds surveys: timeliness, knowledge and competence, courtesy/extra mile, fairness, outcome.
#: * ``a11``: the US OMB Circular A-11 section 280 standard post-transaction questions, asked
#:   beside overall satisfaction.
ITEM_SETS: dict[str, tuple[str, ...]] = {
    "citizens_first": ("timeliness", "knowledge", "courtesy", "fairness", "outcome"),
    "a11": ("trust", "effectiveness", "ease", "efficiency", "equity", "employee_helpfulness"),
}

#: Quadrant names: (important, high performance) -> name. Split at the mean share and mean performance.
QUADRANTS: dict[tuple[bool, bool], str] = {
    (True, False): "Fix first: important, low performance",
    (True, True): "Keep it up: important, high performance",
    (False, False): "Lower priority",
    (False, True): "Possible overkill",
}

METHODS = ("relative_weights", "shapley")
RESAMPLES = 200  # bootstrap resamples for the intervals: enough for stable 2.5th and 97.5th percentiles of a share
MIN_ROWS = 30  # complete responses below which a regression on five or so drivers is noise
_MAX_SHAPLEY = 15  # 2^15 subsets: beyond this the exact decomposition is too slow to be useful
_MAX_SHAPLEY_BOOTSTRAP = 8  # 2^8 subsets x 200 resamples take about a second; above it intervals refit relative weights

_ITEM_COLUMNS = ("item", "question", "role", "scale", "n", "missing_share", "mean", "score", "top2_share")


def _items(questionnaire: Questionnaire | None, scale: tuple[int, int]) -> dict[str, Item]:
    """The questions by field name: the questionnaire's, or the standard ones on ``scale``."""
    if questionnaire is None:
        questionnaire = Questionnaire(
            tuple(Item(k, label, role, tuple(scale)) for k, (label, role, _) in STANDARD_ITEMS.items()), {}, {}
        )
    return {item.key: item for item in questionnaire.items}


def to_0_100(values, scale: tuple[float, ...] = (1, 5)):
    """Rescale ratings linearly so the bottom of the scale is 0 and the top is 100.

    Parameters
    ----------
    values : scalar, array or Series
        Ratings on ``scale``.
    scale : (int, int)
        Lowest and highest point of the scale (``engagement.inputs.survey.scale``).

    Returns
    -------
    Same shape as ``values``: ``(x - lo) / (hi - lo) * 100``.

    Examples
    --------
    >>> to_0_100(4)
    75.0
    >>> to_0_100(pd.Series([0, 5, 10]), scale=(0, 10)).tolist()
    [0.0, 50.0, 100.0]
    """
    lo, hi = _check_scale(scale, "to_0_100")
    if isinstance(values, pd.Series | pd.DataFrame):
        values = values.astype("Float64")
    elif not np.isscalar(values):
        values = np.asarray(values, dtype=float)
    return (values - lo) / (hi - lo) * 100.0


def item_scores(
    survey: pd.DataFrame,
    items: str | Sequence[str] | None = None,
    *,
    scale: tuple[int, int] = (1, 5),
    questionnaire: Questionnaire | None = None,
) -> pd.DataFrame:
    """Summarise each rated question: how many answered, mean, 0-100 score and top-two-box share.

    Parameters
    ----------
    survey : DataFrame
        From ``read_input(engagement, "survey")``: ratings on ``scale``, "don't know" already missing.
    items : str or sequence of str, optional
        Fields to summarise, or the name of an :data:`ITEM_SETS` entry. Default: the questionnaire's
        items the survey has (without a questionnaire: overall satisfaction, then the Citizens First and
        A-11 items).
    scale : (int, int)
        The scale of items the questionnaire does not describe (``engagement.inputs.survey.scale``).
    questionnaire : Questionnaire, optional
        The survey's questions (:func:`cxmethods.io.questionnaire.questionnaire`): each item's own
        label, role and scale. A yes/no item's mean, score and top-box share are its share of yes.

    Returns
    -------
    DataFrame
        One row per item: ``item``, ``question`` (its label), ``role``, ``scale``, ``n`` (answered),
        ``missing_share`` (don't know or blank), ``mean`` (on the scale), ``score`` (0-100),
        ``top2_share`` (share of those answering who gave one of the top two points; yes for yes/no).

    Examples
    --------
    >>> survey = pd.DataFrame({"overall_satisfaction": pd.array([5, 4, 2, None], dtype="Int64")})
    >>> item_scores(survey).iloc[0][["item", "n", "missing_share", "mean", "score", "top2_share"]].to_dict()
    {'item': 'overall_satisfaction', 'n': 3, 'missing_share': 0.25, 'mean': 3.6666666666666665, 'score': 66.66666666666666, 'top2_share': 0.6666666666666666}
    """
    _check_scale(scale, "item_scores")
    known = _items(questionnaire, scale)
    if items is None:
        names = [k for k in known if k in survey.columns]
    else:
        names = list(ITEM_SETS.get(items, (items,)) if isinstance(items, str) else items)
        _require_columns(survey, names, "items", "item_scores")
    rows = []
    for name in names:
        item = known.get(name) or Item(name, name, "other", tuple(scale))
        hi = item.scale[1]
        answers = survey[name].dropna().astype(float)
        n = len(answers)
        mean = float(answers.mean()) if n else np.nan
        top = answers >= hi if item.binary else answers >= hi - 1
        rows.append(
            {
                "item": name,
                "question": item.label,
                "role": item.role,
                "scale": item.scale_text,
                "n": n,
                "missing_share": 1 - n / len(survey) if len(survey) else np.nan,
                "mean": mean,
                "score": float(to_0_100(mean, item.scale)) if n else np.nan,
                "top2_share": float(top.mean()) if n else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=list(_ITEM_COLUMNS))


def relative_weights(X: pd.DataFrame, y: pd.Series) -> pd.Series:
    """Johnson's (2000) relative weights: each predictor's share of R^2, fair to correlated predictors.

    The predictors are replaced by their closest orthogonal counterparts, through the
    eigen-decomposition ``R = V diag(lambda) V'`` of their correlation matrix; ``y`` is regressed on
    those (``beta = R^(-1/2) r_xy``) and predictor j's weight is ``sum_k (R^(1/2))_jk^2 beta_k^2``.

    Parameters
    ----------
    X : DataFrame
        Predictors, one column each, no missing values.
    y : Series
        Outcome, aligned with ``X``.

    Returns
    -------
    Series
        Raw weight per predictor (indexed by column name); the weights sum to the model R^2.

    Examples
    --------
    >>> from cxmethods import load_engagement, read_input
    >>> survey = read_input(load_engagement(), "survey")
    >>> complete = survey[["overall_satisfaction", "outcome", "timeliness", "courtesy"]].dropna()
    >>> w = relative_weights(complete[["outcome", "timeliness", "courtesy"]], complete["overall_satisfaction"])
    >>> w.round(3).to_dict(), round(float(w.sum()), 3)
    ({'outcome': 0.304, 'timeliness': 0.211, 'courtesy': 0.113}, 0.628)
    """
    R, r = _correlations(X, y, "relative_weights")
    eigval, eigvec = np.linalg.eigh(R)
    keep = eigval > 1e-10 * eigval.max()  # a perfectly collinear pair shares its weight instead of failing
    root = (eigvec[:, keep] * np.sqrt(eigval[keep])) @ eigvec[:, keep].T
    beta = eigvec[:, keep] @ ((eigvec[:, keep].T @ r) / np.sqrt(eigval[keep]))
    return pd.Series((root**2) @ beta**2, index=list(X.columns), name="importance")


def shapley_r2(X: pd.DataFrame, y: pd.Series) -> pd.Series:
    """Shapley decomposition of R^2 (LMG): each predictor's R^2 gain averaged over every order of entry.

    Exact, over all ``2^p`` subsets of predictors: quick up to about 12.

    Parameters
    ----------
    X : DataFrame
        Predictors, one column each, no missing values (at most 15).
    y : Series
        Outcome, aligned with ``X``.

    Returns
    -------
    Series
        Shapley value per predictor (indexed by column name); the values sum to the model R^2.

    Examples
    --------
    >>> ratings = pd.DataFrame({"overall": [2, 3, 3, 4, 4, 5, 1, 2], "timeliness": [1, 3, 2, 4, 3, 5, 2, 2],
    ...                         "courtesy": [3, 3, 4, 4, 5, 5, 2, 3]})
    >>> shares = shapley_r2(ratings[["timeliness", "courtesy"]], ratings["overall"])
    >>> shares.round(3).to_dict(), round(float(shares.sum()), 3)
    ({'timeliness': 0.414, 'courtesy': 0.547}, 0.961)
    """
    R, r = _correlations(X, y, "shapley_r2")
    p = len(r)
    if p > _MAX_SHAPLEY:
        raise parameter_error(
            "X",
            "shapley_r2",
            f"a table of at most {_MAX_SHAPLEY} columns",
            f"{p} columns",
            fix="use relative_weights, which gives nearly the same answer for any number of predictors.",
            as_text=True,
        )
    r2: dict[tuple[int, ...], float] = {(): 0.0}
    for size in range(1, p + 1):
        for subset in combinations(range(p), size):
            idx = list(subset)
            r2[subset] = float(r[idx] @ np.linalg.pinv(R[np.ix_(idx, idx)]) @ r[idx])
    values = np.zeros(p)
    for subset, fit in r2.items():
        k = len(subset)
        if k == p:
            continue
        weight = factorial(k) * factorial(p - k - 1) / factorial(p)
        for j in set(range(p)) - set(subset):
            values[j] += weight * (r2[tuple(sorted(subset + (j,)))] - fit)
    return pd.Series(values, index=list(X.columns), name="importance")


def logistic_relative_weights(X: pd.DataFrame, y: pd.Series) -> pd.Series:
    """Relative weights for a yes/no outcome (Tonidandel and LeBreton, 2010): each predictor's share of R^2_O.

    As :func:`relative_weights`, the predictors are replaced by their closest orthogonal counterparts Z;
    a logistic regression of ``y`` on Z gives coefficients b, standardised as
    ``b_k * sd(Z_k) * R_O / sd(logit(p))``, where R^2_O is the squared correlation between the outcome and
    the predicted probability p; the weights, mapped back to the predictors, sum to R^2_O.

    Parameters
    ----------
    X : DataFrame
        Predictors, one column each, no missing values.
    y : Series
        Outcome, 1 for yes and 0 for no, aligned with ``X``.

    Returns
    -------
    Series
        Raw weight per predictor (indexed by column name); the weights sum to R^2_O.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame(rng.integers(1, 6, size=(400, 2)), columns=["ease", "speed"]).astype(float)
    >>> y = pd.Series((X["ease"] * 1.2 + X["speed"] * 0.3 + rng.normal(0, 1, 400) > 5).astype(int))
    >>> w = logistic_relative_weights(X, y)
    >>> bool(w["ease"] > 3 * w["speed"]), bool(0 < w.sum() < 1)
    (True, True)
    """
    return _logistic_weights(X, y, _sklearn_logit)


def _sklearn_logit(Z: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and linear predictor of an unpenalised logistic regression of ``values`` on ``Z`` (scikit-learn)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():  # a near-separable sample converges slowly; the weights are still the best fit found
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(C=np.inf, max_iter=2000).fit(Z, values)
    return model.coef_[0], model.decision_function(Z)


def _newton_logit(Z: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same fit by Newton's method (iteratively reweighted least squares): a bootstrap refits it hundreds of times.

    Ten or so steps reach the maximum likelihood that scikit-learn's solver finds in many more; on a resample
    that is (nearly) separable the steps are capped, as the solver's iterations are.
    """
    design = np.column_stack([np.ones(len(values)), Z])
    beta = np.zeros(design.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -30, 30)))
        hessian = (design * (p * (1 - p))[:, None]).T @ design
        step = np.linalg.lstsq(hessian, design.T @ (values - p), rcond=None)[0]
        beta += step
        if np.abs(step).max() < 1e-10:
            break
    return beta[1:], design @ beta


def _logistic_weights(X: pd.DataFrame, y: pd.Series, fit) -> pd.Series:
    """Logistic relative weights, ``fit(Z, values)`` giving coefficients and linear predictor (see logistic_relative_weights)."""
    R, _ = _correlations(X, y, "logistic_relative_weights")
    values = np.asarray(y, dtype=float)
    if not set(np.unique(values)) <= {0.0, 1.0}:
        raise parameter_error("y", "logistic_relative_weights", "a yes/no outcome coded 1 and 0", sorted(set(values))[:5])
    eigval, eigvec = np.linalg.eigh(R)
    keep = eigval > 1e-10 * eigval.max()
    root = (eigvec[:, keep] * np.sqrt(eigval[keep])) @ eigvec[:, keep].T
    inverse_root = (eigvec[:, keep] / np.sqrt(eigval[keep])) @ eigvec[:, keep].T
    data = X.to_numpy(dtype=float)
    Z = ((data - data.mean(axis=0)) / data.std(axis=0, ddof=1)) @ inverse_root
    coef, logit = fit(Z, values)
    p = 1 / (1 + np.exp(-logit))
    r2 = float(np.corrcoef(values, p)[0, 1] ** 2) if np.std(p) > 0 else 0.0
    beta = coef * Z.std(axis=0, ddof=1) * np.sqrt(r2) / (np.std(logit, ddof=1) or 1.0)
    return pd.Series((root**2) @ beta**2, index=list(X.columns), name="importance")


def key_drivers(
    survey: pd.DataFrame,
    *,
    outcome: str | None = None,
    drivers: Sequence[str] | None = None,
    method: str = "relative_weights",
    scale: tuple[int, int] = (1, 5),
    questionnaire: Questionnaire | None = None,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Key-driver analysis: how much each driver matters to the outcome, and how well it performs.

    Respondents missing the outcome or any driver are left out (listwise deletion). A rated outcome
    is modelled by linear regression: importance is each driver's share of R^2 (:func:`relative_weights`,
    or :func:`shapley_r2`). A yes/no outcome is modelled by logistic regression: importance is each
    driver's share of R^2_O, the squared correlation between the outcome and the predicted probability
    of yes (:func:`logistic_relative_weights`).

    Parameters
    ----------
    survey : DataFrame
        From ``read_input(engagement, "survey")``.
    outcome : str, optional
        The field to explain; default: the questionnaire's outcome item (``overall_satisfaction`` without
        a questionnaire).
    drivers : sequence of str, optional
        Driver fields; default: the questionnaire's driver items the survey has (without a
        questionnaire: the Citizens First items, :data:`ITEM_SETS`).
    method : {"relative_weights", "shapley"}
        :func:`relative_weights` (exact and fast for any number of drivers) or :func:`shapley_r2` (exact,
        over every subset: up to 15 drivers; above that, relative weights are used and ``attrs["method"]``
        says so). A yes/no outcome always uses logistic relative weights.
    scale : (int, int)
        The scale of items the questionnaire does not describe, for performance on 0-100.
    questionnaire : Questionnaire, optional
        The survey's questions: labels, roles and each item's scale.
    resamples : int
        Bootstrap resamples for each share's interval (0: no intervals). Respondents are drawn with
        replacement, the same method is refitted on each resample (Shapley on more than
        ``_MAX_SHAPLEY_BOOTSTRAP`` drivers is refitted by relative weights, which ``attrs["interval"]`` says),
        and the interval is the percentile interval of the resampled shares.
    level : float
        Confidence level of the intervals (0.95: the 2.5th to 97.5th percentile).
    seed : int
        Seeds the resampling, so the same survey gives the same intervals.

    Returns
    -------
    DataFrame
        One row per driver, most important first: ``driver``, ``question`` (its label), ``importance``
        (raw weight), ``share`` (importance / R^2, sums to 1), ``share_low`` and ``share_high`` (the
        bootstrap percentile interval of the share; NaN when ``resamples`` is 0), ``rank`` (1 = most important),
        ``performance`` (mean score on 0-100 over everyone who rated the driver; share of yes for yes/no),
        ``quadrant`` (one of :data:`QUADRANTS`, split at the mean share and mean performance) and
        ``outcome`` (the outcome's label). ``attrs``: ``n`` complete responses, ``r2``, ``method`` (what was
        computed, in words), ``outcome``, ``binary``, ``interval`` (how the intervals were found, in words).

    Raises
    ------
    CxmError
        When the outcome is not in the survey, fewer than two drivers are, or fewer than
        :data:`MIN_ROWS` responses are complete.

    Examples
    --------
    >>> from cxmethods import load_engagement, read_input
    >>> table = key_drivers(read_input(load_engagement(), "survey"), method="shapley")
    >>> table[["driver", "quadrant"]].head(2).to_numpy().tolist()
    [['outcome', 'Fix first: important, low performance'], ['timeliness', 'Fix first: important, low performance']]
    >>> table.attrs["n"], round(table.attrs["r2"], 2), round(float(table["share"].sum()), 6)
    (2457, 0.7, 1.0)
    """
    check_one_of(method, "method", "key_drivers", METHODS)
    check_int(resamples, "resamples", "key_drivers", low=0)
    check_number(level, "level", "key_drivers", low=0, high=1, closed="neither")
    check_int(seed, "seed", "key_drivers", low=0)
    _check_scale(scale, "key_drivers")
    known = _items(questionnaire, scale)
    if outcome is None:
        found = questionnaire.outcome if questionnaire is not None else known["overall_satisfaction"]
        if found is None:
            raise CxmError(
                "The questionnaire has no outcome to explain, so no key drivers can be found. Fix: give one item "
                "'role: outcome' under inputs.survey.items (e.g. overall satisfaction, or 'would recommend')."
            )
        outcome = found.key
    if outcome not in survey.columns:
        raise CxmError(
            f"The survey has no '{outcome}' column, the outcome key_drivers explains. "
            f"Fix: map it under inputs.survey.columns in the engagement (e.g. '{outcome}: <your column>'), "
            "declare the outcome under inputs.survey.items with 'role: outcome', or pass outcome= another rating field."
        )
    if drivers is None:
        candidates = [i.key for i in questionnaire.drivers] if questionnaire is not None else list(ITEM_SETS["citizens_first"])
        drivers = [d for d in candidates if d in survey.columns]
    else:
        drivers = list(drivers)
        _require_columns(survey, drivers, "drivers", "key_drivers")
    if outcome in drivers:
        raise parameter_error("drivers", "key_drivers", f"a list without the outcome ({outcome!r})", drivers)
    if len(drivers) < 2:
        raise CxmError(
            f"key_drivers needs at least 2 drivers in the survey. Got {len(drivers)} ({', '.join(drivers) or 'none'}) "
            "instead. Fix: declare the questions that may drive the outcome under inputs.survey.items (role: driver), "
            "or pass drivers=."
        )
    complete = survey[[outcome, *drivers]].dropna()
    if len(complete) < MIN_ROWS:
        raise CxmError(
            f"key_drivers needs at least {MIN_ROWS} responses that rate {outcome} and every driver. "
            f"Got {len(complete)} of {len(survey)} instead. Fix: collect more responses, or use fewer "
            'drivers (those most often left blank or answered "don\'t know" remove most rows).'
        )
    X, y = complete[drivers].astype(float), complete[outcome].astype(float)
    item = known.get(outcome) or Item(outcome, outcome, "outcome", tuple(scale))
    binary = item.binary or set(y.unique()) <= {0.0, 1.0}
    weigh = relative_weights  # what the intervals refit
    if binary:
        importance = logistic_relative_weights(X, y)
        weigh = _newton_logistic_weights
        used = "relative weights on a logistic model (share of R² between the outcome and the predicted chance of yes)"
    elif method == "shapley" and len(drivers) <= _MAX_SHAPLEY:
        importance = shapley_r2(X, y)
        weigh = shapley_r2 if len(drivers) <= _MAX_SHAPLEY_BOOTSTRAP else relative_weights
        used = "Shapley decomposition of R² (exact)"
    else:
        importance = relative_weights(X, y)
        used = "relative weights (share of R², exact)"
        if method == "shapley":
            used += f": {len(drivers)} drivers are too many for the exact Shapley decomposition (at most {_MAX_SHAPLEY})"
    r2 = float(importance.sum())
    if not r2 > 0:
        raise CxmError(
            f"The drivers explain none of {outcome} (R^2 = 0): no importance can be given. "
            "Check that the columns are mapped to the right questions."
        )
    share_low, share_high, interval = _bootstrap_shares(X, y, weigh, resamples=resamples, level=level, seed=seed)
    if resamples and method == "shapley" and not binary and weigh is relative_weights and len(drivers) <= _MAX_SHAPLEY:
        interval += (
            f", refitted by relative weights (Shapley on every resample is too slow above {_MAX_SHAPLEY_BOOTSTRAP} drivers)"
        )
    scores = item_scores(survey, drivers, scale=scale, questionnaire=questionnaire).set_index("item")
    table = pd.DataFrame(
        {
            "driver": drivers,
            "question": scores["question"].reindex(drivers).to_numpy(),
            "importance": importance.to_numpy(),
            "share": importance.to_numpy() / r2,
            "share_low": share_low,
            "share_high": share_high,
            "performance": scores["score"].reindex(drivers).to_numpy(),
        }
    )
    table = table.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(6, "rank", np.arange(1, len(table) + 1))
    important = table["share"] >= table["share"].mean()
    high = table["performance"] >= table["performance"].mean()
    table["quadrant"] = [QUADRANTS[(bool(i), bool(h))] for i, h in zip(important, high)]
    table["outcome"] = item.label
    table.attrs.update(n=len(complete), r2=r2, method=used, outcome=outcome, binary=binary, interval=interval)
    return table


def _newton_logistic_weights(X: pd.DataFrame, y: pd.Series) -> pd.Series:
    return _logistic_weights(X, y, _newton_logit)


def _bootstrap_shares(
    X: pd.DataFrame, y: pd.Series, weigh, *, resamples: int, level: float, seed: int
) -> tuple[np.ndarray, np.ndarray, str]:
    """Percentile bootstrap interval of each driver's share of R^2: (low, high, how it was found in words).

    Respondents are resampled with replacement and ``weigh`` refitted on each resample. A resample in
    which a driver or the outcome happens to be constant, or explains nothing, cannot be weighed: it is
    left out and counted.
    """
    p = X.shape[1]
    if resamples == 0:
        return np.full(p, np.nan), np.full(p, np.nan), "no intervals (resamples = 0)"
    rng = np.random.default_rng(seed)
    data, target = X.to_numpy(dtype=float), np.asarray(y, dtype=float)
    n = len(target)
    shares = np.full((resamples, p), np.nan)
    for b in range(resamples):
        rows = rng.integers(0, n, size=n)
        try:
            weights = weigh(pd.DataFrame(data[rows], columns=X.columns), pd.Series(target[rows])).to_numpy()
        except CxmError:
            continue  # a constant column in this resample
        total = weights.sum()
        if total > 0:
            shares[b] = weights / total
    used = int(np.isfinite(shares[:, 0]).sum())
    how = f"{level:.0%} percentile bootstrap over {used} of {resamples} resamples of respondents (seed {seed})"
    if used < 2:
        return np.full(p, np.nan), np.full(p, np.nan), how + ": too few could be weighed for an interval"
    tail = (1 - level) / 2 * 100
    low, high = np.nanpercentile(shares, [tail, 100 - tail], axis=0)
    return low, high, how


def _correlations(X: pd.DataFrame, y: pd.Series, function: str) -> tuple[np.ndarray, np.ndarray]:
    """Predictor correlation matrix and predictor-outcome correlations, checking the data can give them."""
    if X.shape[1] == 0 or len(X) != len(y):
        raise parameter_error("X", function, "a table with columns and as many rows as y", f"shape {X.shape}", as_text=True)
    data = np.column_stack([X.to_numpy(dtype=float, na_value=np.nan), np.asarray(y, dtype=float)])
    if np.isnan(data).any():
        raise parameter_error(
            "X",
            function,
            "complete, with no missing values in X or y",
            f"{int(np.isnan(data).any(axis=1).sum())} incomplete rows",
            fix="drop them first (key_drivers does).",
            as_text=True,
        )
    constant = [name for name, sd in zip([*X.columns, getattr(y, "name", None) or "y"], data.std(axis=0)) if not sd > 0]
    if constant:
        raise CxmError(
            f"{function} cannot weigh a column where every answer is the same: {', '.join(map(str, constant))}. "
            "Leave it out of the analysis."
        )
    corr = np.corrcoef(data, rowvar=False)
    return corr[:-1, :-1], corr[:-1, -1]


def _require_columns(survey: pd.DataFrame, names: list[str], parameter: str, function: str) -> None:
    absent = [n for n in names if n not in survey.columns]
    if absent:
        raise parameter_error(
            parameter,
            function,
            f"a list of the survey's fields (it has no {', '.join(absent)})",
            names,
            fix="map them under inputs.survey.columns, or leave them out.",
        )


def _check_scale(scale, function: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in scale)
    except (TypeError, ValueError):
        lo = hi = np.nan
    if not hi > lo:
        raise parameter_error("scale", function, "(lowest, highest) with lowest < highest", scale)
    return lo, hi


#: The survey cube's bound (:func:`satisfaction_cube`): areas named, the rest grouped.
CUBE_AREAS = 20
#: The areas beyond the largest few (as the contact cube names them).
OTHER_AREAS = "All other areas"
_NONE = "\x00none"
_CUBE_COLUMNS = ("segment", "channel", "area", "month", "respondents", "rated", "satisfied")


def satisfaction_cube(
    survey: pd.DataFrame,
    *,
    outcome: Item | None,
    segments: pd.Series | None = None,
    top_areas: int = CUBE_AREAS,
) -> pd.DataFrame:
    """Respondents and how many are satisfied, by segment, preferred channel, area and month: for the report's filters.

    Parameters
    ----------
    survey : DataFrame
        The survey as read (``preferred_channel`` and ``area`` used where present).
    outcome : Item or None
        The outcome question (:attr:`~cxmethods.io.questionnaire.Questionnaire.outcome`); ``satisfied`` counts
        the respondents who gave one of its top two points (yes for yes/no), as ``top2_share`` in
        :func:`item_scores` does, so that the cube's overall satisfied share is that figure. None: no outcome,
        ``rated`` and ``satisfied`` are left empty.
    segments : Series, optional
        Each respondent's segment name, on the survey's index (workbook 03's assignments); empty without.
    top_areas : int
        Areas named, largest first; the rest are summed as :data:`OTHER_AREAS`.

    Returns
    -------
    DataFrame
        ``segment``, ``channel`` (the preferred channel; ``unknown`` when not given), ``area`` (``unknown`` when not
        given), ``month`` (``2025-04``, from the survey's ``date``; empty for a respondent without one),
        ``respondents``, ``rated`` (answered the outcome), ``satisfied``; a dimension the survey lacks is empty
        throughout. Unweighted counts, as :func:`item_scores`.

    Examples
    --------
    >>> survey = pd.DataFrame({"overall_satisfaction": [5, 4, 2, None], "preferred_channel": ["phone", "phone", "web_form", None]})
    >>> cube = satisfaction_cube(survey, outcome=Item("overall_satisfaction", "Overall satisfaction", "outcome", (1, 5)))
    >>> cube[["channel", "respondents", "rated", "satisfied"]].to_dict("records")
    [{'channel': 'phone', 'respondents': 2, 'rated': 2, 'satisfied': 2}, {'channel': 'unknown', 'respondents': 1, 'rated': 0, 'satisfied': 0}, {'channel': 'web_form', 'respondents': 1, 'rated': 1, 'satisfied': 0}]
    """
    check_int(top_areas, "top_areas", "satisfaction_cube", low=1)
    n = len(survey)
    frame = pd.DataFrame(index=survey.index)
    if segments is not None:
        if not segments.index.equals(survey.index):
            raise parameter_error(
                "segments", "satisfaction_cube", "a Series on the survey's index", "another index", as_text=True
            )
        frame["segment"] = segments.astype(object).where(segments.notna(), "unknown")
    else:
        frame["segment"] = None
    for column in ("channel", "area"):
        source = "preferred_channel" if column == "channel" else "area"
        if source in survey:
            values = survey[source].astype(object)
            frame[column] = values.where(values.notna() & (values.astype(str).str.strip() != ""), "unknown").astype(str)
        else:
            frame[column] = None
    if "date" in survey:  # when they answered: the month, as the contact cube's
        when = pd.to_datetime(survey["date"], errors="coerce")
        frame["month"] = when.dt.strftime("%Y-%m").astype(object).where(when.notna(), None)
    else:
        frame["month"] = None
    if frame["area"].notna().any():
        sizes = frame.loc[frame["area"] != "unknown", "area"].value_counts()
        ranked = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))
        named = {a for a, _ in ranked[:top_areas]} | {"unknown"}
        frame["area"] = frame["area"].where(frame["area"].isin(named), OTHER_AREAS)
    frame["respondents"] = 1
    if outcome is not None and outcome.key in survey:
        answers = pd.to_numeric(survey[outcome.key], errors="coerce").astype("float64")  # NA (nullable) as NaN
        hi = outcome.scale[1]
        frame["rated"] = answers.notna().astype(int)
        frame["satisfied"] = ((answers >= hi) if outcome.binary else (answers >= hi - 1)).astype(int)
    else:
        frame["rated"] = frame["satisfied"] = np.nan
    dims = ["segment", "channel", "area", "month"]
    keys = frame[dims].astype(object).fillna(_NONE)  # a missing dimension groups as one value, made empty again below
    counts = frame[["respondents", "rated", "satisfied"]].groupby([keys[d] for d in dims], sort=True).sum(min_count=1)
    table = counts.reset_index()
    for d in dims:
        table[d] = table[d].astype(object).where(table[d].astype(object) != _NONE, None)
    if outcome is None or outcome.key not in survey:
        table["rated"] = table["satisfied"] = pd.NA
    table = table.astype({"respondents": "int64"})
    if n and int(table["respondents"].sum()) != n:  # every respondent once: a guard against a grouping slip
        raise CxmError(f"satisfaction_cube counted {int(table['respondents'].sum())} respondents of {n}.")
    for c in ("rated", "satisfied"):
        if table[c].notna().all():
            table[c] = table[c].astype("int64")
    return table[list(_CUBE_COLUMNS)]
