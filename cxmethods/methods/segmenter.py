"""Workbook 03: segment survey respondents on mixed numeric and categorical attributes.

A **latent class model** (finite mixture): within a segment each category has its own
distribution over levels and each number a normal one, independent given the segment; EM fits it
from k-means++ starts and from the fit of one segment fewer with a segment split in two (which
finds a small segment beside a large one). k-means or k-prototypes on one-hot columns need a
weight between numbers and categories (Huang's gamma) that no survey can justify; the mixture
weighs each attribute by how well it separates segments. On the sample, k-means with one-hot columns scaled by 1/sqrt(2)
recovers the planted segments with adjusted Rand index 0.49, the mixture 0.95 (0.96 is the best
possible with the true profiles). Its likelihood gives BIC for choosing k. A missing category is
a level ("missing"); a missing number is left out of the likelihood (the median in the encoded
space used for starts, silhouette and inertia). Booleans are categories "no" and "yes".
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from cxmethods.core.checks import check_int, check_type, parameter_error
from cxmethods.core.errors import CxmError

__all__ = ["ATTRIBUTES", "MAX_LEVELS", "MIN_STABILITY", "Segmenter", "segment_silhouettes", "select_k"]

#: Needs and behaviour fields of the survey (:mod:`cxmethods.core.schemas`): the default attributes.
ATTRIBUTES = (
    "age_band",
    "digital_confidence",
    "preferred_channel",
    "language",
    "disability",
    "contacts_last_year",
    "household",
    "employment_status",
)
MAX_LEVELS = 50  # more distinct values in a category: an id or free text
MIN_STABILITY = 0.8  # mean adjusted Rand index from which a segmentation counts as stable
# Under overlap a k that fits far better can be only moderately stable. From this stability (0.6: the lower end of
# Hennig's "patterns" band, C. Hennig, "Cluster-wise assessment of cluster stability", Computational Statistics &
# Data Analysis 52(1), 2007, and the fpc clusterboot help, "Details"), a k whose BIC is lower than the best stable
# k's by more than DECISIVE_BIC (Kass and Raftery, "Bayes factors", JASA 90(430), 1995, section 3.2: a difference
# over 10 is very strong evidence) is recommended instead, with a note that it is only moderately stable.
MODERATE_STABILITY, DECISIVE_BIC = 0.6, 10.0
_REG = 0.1  # added to variances (standardised): a segment all answering 5 would have zero variance, infinite likelihood
_ALPHA = 0.01  # pseudo-count per level: an unseen level is unlikely, not impossible
_FIT_ROWS = 20_000  # above this, starts and bootstrap fits use this many respondents
_MAX_ITER, _TOL = 300, 1e-4  # EM defaults, shared by select_k so that Segmenter reproduces its fits
MISSING = "missing"


class _Data:
    """Level indicators (sparse), standardised numbers (0 if missing), their mask, encoded space."""

    def __init__(self, D, Z, M, offsets, E=None):
        self.D, self.Z, self.Z2, self.M, self.offsets, self.E = D, Z, Z**2, M, offsets, E

    def take(self, idx) -> _Data:
        return _Data(self.D[idx], self.Z[idx], self.M[idx], self.offsets, self.E[idx])


class _Encoder:
    """Each attribute's kind, levels and scale, learned from the fitting data (not kept)."""

    def __init__(self, X: pd.DataFrame, categorical: list[str], where: str):
        self.stats, self.levels = {}, {}
        for name in X.columns:
            col = X[name]
            numeric = is_numeric(col) and name not in categorical
            if col.isna().all():
                raise CxmError(
                    f"Column '{name}' has no values (every row is missing). Leave it out of "
                    "settings.segmentation.attributes, or check its mapping under inputs.survey.columns."
                )
            if col.nunique(dropna=not numeric) < 2:
                warnings.warn(
                    f"Column '{name}' has the same value in every row ({col.dropna().iloc[:1].tolist()[0]!r}): it cannot "
                    f"separate segments, so {where} left it out.",
                    UserWarning,
                    stacklevel=4,
                )
            elif numeric:
                v = col.to_numpy(dtype=float, na_value=np.nan)
                self.stats[name] = (float(np.nanmedian(v)), float(np.nanmean(v)), float(np.nanstd(v)))
            else:
                self.levels[name] = sorted(as_text(col).unique())
                if len(self.levels[name]) > MAX_LEVELS:
                    raise CxmError(
                        f"Column '{name}' has {len(self.levels[name]):,} distinct values: an id or free "
                        "text? Leave it out of settings.segmentation.attributes."
                    )
        self.attributes = [c for c in X.columns if c in self.stats or c in self.levels]
        if not self.attributes:
            raise CxmError(
                f"{where} has no usable attributes: every column was empty or constant. "
                "Choose needs and behaviour fields in settings.segmentation.attributes."
            )
        self.offsets = np.cumsum([0] + [len(v) for v in self.levels.values()])

    def transform(self, X: pd.DataFrame) -> _Data:
        absent = [c for c in self.attributes if c not in X.columns]
        if absent:
            raise parameter_error(
                "X",
                "Segmenter.predict",
                "a DataFrame with the columns the segments were fitted on",
                f"no column {', '.join(map(repr, absent))}",
                as_text=True,
            )
        Z = np.column_stack(
            [np.zeros(len(X))]
            + [(X[c].to_numpy(dtype=float, na_value=np.nan) - mean) / sd for c, (_, mean, sd) in self.stats.items()]
        )[:, 1:]
        rows, cols = [np.zeros(0, int)], [np.zeros(0, int)]
        for j, (name, levels) in enumerate(self.levels.items()):
            code = pd.Index(levels).get_indexer(as_text(X[name]))  # unseen level: -1, left out of the likelihood
            rows.append(np.flatnonzero(code >= 0))
            cols.append(code[code >= 0] + self.offsets[j])
        r, c = np.concatenate(rows), np.concatenate(cols)
        D = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(X), self.offsets[-1]))
        return _Data(D, np.nan_to_num(Z), (~np.isnan(Z)).astype(float), self.offsets)


def _prepare(X, categorical, where: str) -> tuple[_Encoder, _Data]:
    """Check and encode ``X``. Encoded space: standardised numbers (median if missing) and centred level indicators;
    a category's variance, 1 - sum(share^2), is at most a number's (1), so each weighs about the same."""
    check_type(X, "X", where, pd.DataFrame, "a pandas DataFrame (one row per respondent, one column per attribute)")
    categorical = [categorical] if isinstance(categorical, str) else list(categorical or ())
    absent = [c for c in categorical if c not in X.columns]
    if absent or len(X) == 0:
        raise parameter_error(
            "X",
            where,
            "a table with respondents and every column named in 'categorical'",
            f"{len(X)} rows{', without ' + ', '.join(absent) if absent else ''}",
            as_text=True,
        )
    enc = _Encoder(X, categorical, where)
    data = _encoded(enc, enc.transform(X))
    return enc, data


def _encoded(enc: _Encoder, data: _Data) -> _Data:
    """``data`` with its encoded space ``E`` (numbers standardised, a missing one at the median; levels centred)."""
    medians = np.array([(med - mean) / sd for med, mean, sd in enc.stats.values()])
    data.E = np.hstack([np.where(data.M > 0, data.Z, medians), data.D.toarray() - data.D.mean(axis=0).A1])
    return data


class Segmenter(ClusterMixin, BaseEstimator):  # this order: scikit-learn's is_clusterer needs it
    """Segment respondents with a latent class model on mixed attributes (see the module docstring).

    Parameters
    ----------
    n_segments : int
        Number of segments (at least 2).
    categorical : sequence of str, optional
        Numeric columns to treat as categories (codes). Text, category and boolean columns always are.
    random_state : int
        Seed of the k-means++ starts: the same seed gives the same segments.
    n_init : int
        k-means++ starts; the most likely fit is kept. The mixture is grown from 2 segments: each k
        also starts from the fit of k - 1 with one of its segments split in two (one start per
        segment), which finds a small segment beside a large one that k-means++ starts miss. Above
        20,000 respondents the starts run on a seeded sample of 20,000 and EM refines the best on
        everyone.
    max_iter, tol
        EM stops after ``max_iter`` iterations or when the mean log-likelihood gains under ``tol``.

    Attributes
    ----------
    labels_ : ndarray of int
        Segment of each respondent, 1..k by size (1 = largest).
    weights_, centers_, inertia_
        Model share of each segment; segment means and within-segment sum of squares in the encoded space.
    log_likelihood_, bic_, n_iter_
        Fit of the mixture (lower BIC is better) and EM iterations.
    attributes_, encoder_
        Attributes used (constant columns are dropped with a warning) and their learned encoding.

    Examples
    --------
    >>> from cxmethods import load_engagement, read_input
    >>> survey = read_input(load_engagement(), "survey")
    >>> seg = Segmenter(5).fit(survey[list(ATTRIBUTES)])
    >>> from cxmethods.methods.profiles import segment_sizes
    >>> segment_sizes(seg.labels_)["size"].tolist(), bool((seg.predict(survey) == seg.labels_).all())
    ([855, 719, 654, 441, 331], True)
    """

    def __init__(
        self,
        n_segments: int = 5,
        *,
        categorical: Sequence[str] | None = None,
        random_state: int = 0,
        n_init: int = 5,
        max_iter: int = _MAX_ITER,
        tol: float = _TOL,
    ):
        self.n_segments = n_segments
        self.categorical = categorical
        self.random_state = random_state
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X: pd.DataFrame, y=None) -> Segmenter:
        """Fit segments to ``X`` (one row per respondent, one column per attribute). Returns ``self``."""
        k = check_int(self.n_segments, "n_segments", "Segmenter", low=2)
        check_int(self.n_init, "n_init", "Segmenter", low=1), check_int(self.max_iter, "max_iter", "Segmenter", low=1)
        self.encoder_, data = _prepare(X, self.categorical, "Segmenter.fit")
        if len(X) < k:
            raise parameter_error("n_segments", "Segmenter", f"at most the number of respondents ({len(X)})", k)
        self.feature_names_in_, self.n_features_in_ = np.asarray(X.columns, dtype=object), X.shape[1]
        self.attributes_ = list(self.encoder_.attributes)
        self.params_, L, self.n_iter_ = _fit_chain(data, k, self.n_init, self.random_state, self.max_iter, self.tol)
        raw = L.argmax(axis=1)
        self.order_ = np.argsort(-np.bincount(raw, minlength=k), kind="stable")  # largest first
        self.labels_ = np.argsort(self.order_)[raw] + 1
        self.weights_ = np.exp(self.params_[0][self.order_])
        self.log_likelihood_, self.bic_ = _fit_stats(L, data, k)
        self.centers_, self.inertia_ = _spread(data.E, self.labels_ - 1, k)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Most likely segment (1..k) of each respondent in ``X``, which needs the columns used in ``fit``."""
        check_is_fitted(self, "params_")
        check_type(X, "X", "Segmenter.predict", pd.DataFrame, "a pandas DataFrame")
        return np.argsort(self.order_)[_log_joint(self.encoder_.transform(X), self.params_).argmax(axis=1)] + 1


def select_k(
    X: pd.DataFrame,
    *,
    k_min: int = 2,
    k_max: int = 8,
    bootstrap: int = 5,
    min_share: float = 0.05,
    random_state: int = 0,
    sample_size: int = 5000,
    categorical: Sequence[str] | None = None,
    n_init: int = 3,
) -> pd.DataFrame:
    """Compare numbers of segments by fit, stability and usefulness.

    ``stability`` is the mean adjusted Rand index between the full fit and fits to bootstrap
    resamples, compared on the resampled respondents. For speed, above 20,000 respondents a
    resample has 20,000 (m-out-of-n bootstrap) and the full fit's starts run on 20,000 before EM
    refines the best on everyone: 100,000 x 20 attributes, k = 2..10, 5 resamples of 3 starts
    take about 40 s on a busy 2-core machine (``benchmarks/segmentation.py``; 32 s before each k
    also started from splits of the fit of k - 1). Silhouette is near 0 on survey data (segments
    overlap) and favours few segments, so it is shown but BIC, the mixture's own criterion, chooses.

    Parameters
    ----------
    X, categorical, n_init
        As for :class:`Segmenter`; k from ``k_min`` to ``k_max``, ``bootstrap`` resamples per k.
    min_share : float
        Smallest segment share for a segmentation to be useful.
    random_state, sample_size : int
        Seed of fits, resamples and the silhouette's sample of ``sample_size`` respondents;
        ``Segmenter(k, random_state=random_state, n_init=n_init)`` reproduces the fit of any k.

    Returns
    -------
    DataFrame
        One row per k: ``k``, ``silhouette`` and ``inertia`` (encoded space; inertia always falls
        with k), ``bic``, ``stability``, ``smallest_share``, ``useful`` (``smallest_share >=
        min_share``), ``stable`` (``stability >= 0.8``), ``recommended``: the lowest BIC among
        useful, stable k, unless a useful k at least moderately stable (0.6) has a BIC lower by more
        than 10 (segments that overlap can fit far better yet reproduce less well: that k is
        recommended, and its note says it is only moderately stable); with no stable k, the most
        stable useful k; failing that, ``k_min``; and
        ``note``, on the recommended row, why it is recommended, saying plainly when no k was
        stable (then the recommendation is only a starting point for the workshop to choose from).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"channel": rng.choice(["phone", "web_form", "post"], 300), "age": rng.normal(50, 5, 300)})
    >>> X["age"] += X["channel"].map({"phone": 20, "web_form": -20, "post": 0})
    >>> table = select_k(X, k_max=4, bootstrap=2)
    >>> table.loc[table["recommended"], "k"].tolist()
    [3]
    """
    k_min, k_max = check_int(k_min, "k_min", "select_k", low=2), check_int(k_max, "k_max", "select_k", low=k_min)
    check_int(bootstrap, "bootstrap", "select_k", low=2), check_int(n_init, "n_init", "select_k", low=1)
    data, n = _prepare(X, categorical, "select_k")[1], len(X)
    if n < k_max:
        raise parameter_error("k_max", "select_k", f"at most the number of respondents ({n})", k_max)
    rng = np.random.default_rng(random_state)
    probe = rng.choice(n, min(n, sample_size), replace=False)
    resamples = [rng.choice(n, min(n, _FIT_ROWS), replace=True) for _ in range(bootstrap)]
    fits: dict = {}
    chains: list[dict] = [{} for _ in resamples]
    rows = []
    for k in range(k_min, k_max + 1):
        L = _fit_chain(data, k, n_init, random_state, _MAX_ITER, _TOL, fits)[1]
        labels = L.argmax(axis=1)
        scores = []
        for b, idx in enumerate(resamples):
            first = np.unique(idx, return_index=True)[1]
            Lb = _fit_chain(data.take(idx), k, n_init, random_state + 1 + b, _MAX_ITER, _TOL, chains[b])[1]
            scores.append(adjusted_rand_score(labels[idx[first]], Lb.argmax(axis=1)[first]))
        several = len(set(labels[probe])) > 1
        rows.append(
            {
                "k": k,
                "silhouette": float(silhouette_score(data.E[probe], labels[probe])) if several else np.nan,
                "inertia": _spread(data.E, labels, k)[1],
                "bic": _fit_stats(L, data, k)[1],
                "stability": float(np.mean(scores)),
                "smallest_share": float(np.bincount(labels, minlength=k).min() / n),
            }
        )
    return _recommend(pd.DataFrame(rows), min_share)


def segment_silhouettes(model: Segmenter, X: pd.DataFrame, *, sample_size: int = 5000, random_state: int = 0) -> pd.DataFrame:
    """How distinct each segment is: the mean silhouette of its members, in the encoded space the model was fitted in.

    A member's silhouette is (b - a) / max(a, b), with a its mean distance to its own segment and b to the nearest
    other: above 0, nearer its own segment than any other. Survey segments overlap, so values near 0.1-0.3 are
    usual; a segment below 0 is not distinct from its neighbour. Above ``sample_size`` respondents a seeded sample
    is used.

    Returns
    -------
    DataFrame
        ``segment`` (1..k, as ``model.labels_``), ``silhouette`` (missing for a segment with no member in the sample).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"channel": rng.choice(["phone", "web_form"], 200), "age": rng.normal(50, 5, 200)})
    >>> X["age"] += np.where(X["channel"] == "phone", 25, -25)
    >>> table = segment_silhouettes(Segmenter(2).fit(X), X)
    >>> bool((table["silhouette"] > 0.5).all())
    True
    """
    from sklearn.metrics import silhouette_samples

    check_is_fitted(model, "params_")
    labels = np.asarray(model.predict(X))
    E = _encoded(model.encoder_, model.encoder_.transform(X)).E
    rng = np.random.default_rng(random_state)
    probe = np.sort(rng.choice(len(X), min(len(X), sample_size), replace=False))
    k = int(model.n_segments)
    out = pd.DataFrame({"segment": np.arange(1, k + 1), "silhouette": np.nan})
    if len(set(labels[probe])) < 2:
        return out
    values = silhouette_samples(E[probe], labels[probe])
    means = pd.Series(values).groupby(labels[probe]).mean()
    out["silhouette"] = out["segment"].map(means)
    return out


def _recommend(table: pd.DataFrame, min_share: float) -> pd.DataFrame:
    """Add ``useful``, ``stable``, ``recommended`` and ``note`` to a table of k, bic, stability and smallest_share."""
    table["useful"] = table["smallest_share"] >= min_share
    table["stable"] = table["stability"] >= MIN_STABILITY
    stable = table["useful"] & table["stable"]
    if stable.any():
        best = _lowest_bic(table, stable)
        fitter = _lowest_bic(table, table["useful"] & (table["stability"] >= MODERATE_STABILITY))  # best is one of them
        bic = table["bic"].to_numpy(dtype=float)
        if bic[fitter] < bic[best] - DECISIVE_BIC:
            best = fitter
    else:
        best = table.loc[table["useful"], "stability"].idxmax() if table["useful"].any() else 0
    table["recommended"] = table.index == best
    table["note"] = ""
    table.loc[best, "note"] = _why(table, best, min_share)
    return table


def _lowest_bic(table: pd.DataFrame, among: pd.Series) -> int:
    """Position of the lowest BIC among the rows ``among`` marks (at least one)."""
    return int(np.argmin(np.where(among, table["bic"], np.inf)))


def _why(table: pd.DataFrame, best, min_share: float) -> str:
    """Why row ``best`` of a :func:`select_k` table is recommended, in words for the workshop."""
    k = int(table.loc[best, "k"])
    if table.loc[best, "useful"] and table.loc[best, "stable"]:
        return f"Recommended: of the numbers of segments that are stable across resamples and useful, {k} fits best (lowest BIC)."
    stable = table["useful"] & table["stable"]
    if table.loc[best, "useful"] and stable.any():  # a moderately stable k that fits decisively better
        other = table.iloc[_lowest_bic(table, stable)]
        shown = f"{table.loc[best, 'stability']:.2f}"
        under = f"just under {MIN_STABILITY}" if shown == f"{MIN_STABILITY:.2f}" else f"{shown}, under {MIN_STABILITY}"
        return (
            f"Recommended: {k} segments fit decisively better than {int(other['k'])}, the best of the stable numbers "
            f"(BIC lower by {float(other['bic']) - float(table['bic'].iloc[best]):,.0f}; over 10 is very strong "
            f"evidence), but they are only moderately stable across resamples ({under}): the segments overlap, so "
            "check that they hold before acting on them."
        )
    if table.loc[best, "useful"]:  # then it is the most stable of the useful k
        found = f"No number of segments was stable across resamples (best stability {table.loc[best, 'stability']:.2f} at k={k})"
    else:
        found = f"Every number of segments from {int(table['k'].min())} to {int(table['k'].max())} left a segment under {min_share:.0%} of respondents"
    return (
        f"{found}; the {k} shown are a starting point: the workshop should choose how many segments to keep "
        "(settings.segmentation.k)."
    )


def _fit_mixture(data: _Data, k: int, n_init: int, seed: int, max_iter: int, tol: float, previous=None):
    """Best of ``n_init`` EM runs from k-means++ starts and, given the fitted parameters ``previous`` of k - 1
    segments, of one run per segment of ``previous`` split in two: (parameters, log joint per row and segment,
    iterations). One thread: the steps are many and small, so threads cost more than they save (3 times slower
    on a busy 2-core machine)."""
    with threadpool_limits(limits=1):
        return _fit_mixture_now(data, k, n_init, seed, max_iter, tol, previous)


def _fit_mixture_now(data: _Data, k: int, n_init: int, seed: int, max_iter: int, tol: float, previous=None):
    n, rng, best = data.D.shape[0], np.random.default_rng(seed), None
    sub = data.take(np.sort(rng.choice(n, _FIT_ROWS, replace=False))) if n > _FIT_ROWS else data
    starts = [np.eye(k)[KMeans(k, n_init=1, random_state=int(rng.integers(2**31 - 1))).fit(sub.E).labels_] for _ in range(n_init)]
    if previous is not None:
        starts += _splits(sub, previous, int(rng.integers(2**31 - 1)))
    for resp in starts:
        params, L, it = _em(sub, _m_step(sub, resp), max_iter, tol)
        if best is None or _logsumexp(L).mean() > best[0]:
            best = (_logsumexp(L).mean(), params, L, it)
    _, params, L, it = best  # type: ignore[misc]  # set: the callers check n_init >= 1
    if sub is not data:
        params, L, more = _em(data, params, max_iter, tol)
        it += more
    return params, L, it


def _splits(data: _Data, previous, seed: int) -> list[np.ndarray]:
    """Starts for k segments from a fit of k - 1: each segment in turn split in two by a two-segment fit to its members.

    k-means++ starts seldom put two centres inside one segment, so a small segment beside a large one (a
    segment within a segment) is missed even with many starts; growing the mixture one split at a time finds
    it (greedy EM: Verbeek, Vlassis and Kroese, "Efficient greedy learning of Gaussian mixture models", Neural
    Computation 15(2), 2003, section 3; the split move of Ueda et al., "SMEM algorithm for mixture models",
    Neural Computation 12(9), 2000). The likelihood still chooses among all starts, and BIC among k."""
    L = _log_joint(data, previous)
    resp = np.exp(L - _logsumexp(L)[:, None])
    hard, starts = L.argmax(axis=1), []
    for j in range(resp.shape[1]):
        members = np.flatnonzero(hard == j)
        if len(members) < 4:  # too few to split
            continue
        with warnings.catch_warnings():  # members all alike: k-means finds one distinct cluster and says so
            warnings.simplefilter("ignore", ConvergenceWarning)
            half = _fit_mixture_now(data.take(members), 2, 1, seed, _MAX_ITER, _TOL)[1].argmax(axis=1) == 1
        moved = np.zeros(len(resp))
        moved[members[half]] = resp[members[half], j]
        split = np.column_stack([resp, moved])
        split[members[half], j] = 0
        starts.append(split)
    return starts


def _fit_chain(data: _Data, k: int, n_init: int, seed: int, max_iter: int, tol: float, fits: dict | None = None):
    """The fit of k segments grown from 2: each k starts from k-means++ and from splits of the fit of k - 1.
    ``fits`` caches the fits by k (select_k grows one chain through every k)."""
    fits = {} if fits is None else fits
    for j in range(2, k + 1):
        if j not in fits:
            fits[j] = _fit_mixture(data, j, n_init, seed, max_iter, tol, fits[j - 1][0] if j > 2 else None)
            if j > 2:  # the next k needs only the parameters: free the log joint of every row
                fits[j - 1] = (fits[j - 1][0], None, fits[j - 1][2])
    return fits[k]


def _em(data: _Data, params, max_iter: int, tol: float):
    prev = -np.inf
    for it in range(1, max_iter + 1):  # noqa: B007 (the count of iterations is returned)
        L = _log_joint(data, params)
        norm = _logsumexp(L)
        if norm.mean() - prev < tol:
            break
        prev = norm.mean()
        params = _m_step(data, np.exp(L - norm[:, None]))
    return params, L, it


def _m_step(data: _Data, resp: np.ndarray):
    nk = resp.sum(axis=0) + 1e-6
    counts = np.asarray((data.D.T @ resp).T) + _ALPHA
    if counts.shape[1]:  # level probabilities within each attribute (its levels are contiguous)
        counts /= np.repeat(np.add.reduceat(counts, data.offsets[:-1], axis=1), np.diff(data.offsets), axis=1)
    seen = resp.T @ data.M + 1e-10
    mu = resp.T @ data.Z / seen
    var = np.maximum(resp.T @ data.Z2 / seen - mu**2, 0) + _REG
    return np.log(nk / nk.sum()), np.log(counts), mu, var


def _log_joint(data: _Data, params) -> np.ndarray:
    log_weights, log_theta, mu, var = params
    L = np.asarray(log_weights + data.D @ log_theta.T)
    if data.Z.shape[1]:
        L -= 0.5 * (data.Z2 @ (1 / var).T - 2 * data.Z @ (mu / var).T + data.M @ (mu**2 / var + np.log(2 * np.pi * var)).T)
    return L


def _logsumexp(L: np.ndarray) -> np.ndarray:
    top = L.max(axis=1)
    return top + np.log(np.exp(L - top[:, None]).sum(axis=1))


def _fit_stats(L: np.ndarray, data: _Data, k: int) -> tuple[float, float]:
    """Log-likelihood and BIC; free parameters per segment: 2 per number, levels - 1 per category; k - 1 shares."""
    ll = float(_logsumexp(L).sum())
    free = k - 1 + k * (2 * data.Z.shape[1] + data.D.shape[1] - (len(data.offsets) - 1))
    return ll, -2 * ll + free * np.log(len(L))


def _spread(E: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Segment means (0-based labels) in the encoded space, and the within-segment sum of squares."""
    counts = np.bincount(labels, minlength=k)
    centers: np.ndarray = np.vstack([np.bincount(labels, weights=E[:, j], minlength=k) for j in range(E.shape[1])]).T
    centers = centers / np.where(counts > 0, counts, np.nan)[:, None]
    return centers, float(((E - np.nan_to_num(centers)[labels]) ** 2).sum())


def is_numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def as_text(col: pd.Series) -> pd.Series:
    """Levels as text: booleans as no/yes, whole numbers without ".0", missing as a level of its own."""
    if pd.api.types.is_bool_dtype(col):
        col = col.map({True: "yes", False: "no"})
    elif pd.api.types.is_float_dtype(col) and (col.dropna() % 1 == 0).all():
        col = col.astype("Int64")
    return col.astype("string").fillna(MISSING).astype(object)
