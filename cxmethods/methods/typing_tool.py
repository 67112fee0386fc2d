"""Workbook 03: a typing tool, a few questions that place a new customer in a segment without the full survey.

A segmentation is only used if staff can tell, for the person in front of them, which segment they are in.
Market researchers call the short question set that does this a *typing tool* (or "golden questions"). This
one is a points card: each answer to each question gives points to each segment; add them up, and the segment
with the most points is the one the person is placed in. It needs no computer, and can be printed for an
adviser or built into a web form.

How it is made, and tested against the segments it stands in for (the segmenter's own assignments):

1. A share of the respondents (``holdout``, 30%) is set aside, segment by segment, and never used to build the tool.
2. Questions are chosen one at a time from the segmentation's attributes: each time the one that, added to those
   already chosen, agrees most often with the segments, measured by cross-validation on the rest (``folds``).
   Questions are added while the next one adds at least ``min_gain`` (one percentage point), from
   ``min_questions`` (3) up to ``max_questions`` (7).
3. The points are the logarithm of how common each answer is within each segment (naive Bayes: answers are taken
   as independent within a segment, as the segmenter's latent class model also takes them), times 10, rounded.
4. The tool is applied to the set-aside respondents: the share placed in the segment the full analysis gave them
   is the **agreement** reported, with the confusion table (segment by the tool's placement).

Numbers with more than seven distinct values are asked in bands (:func:`cxmethods.methods.attributes.round_edges`,
or the bands a column already has); a missing answer ("don't know", no answer) is an answer of its own. Everything
is seeded: the same data and ``random_state`` give the same tool.

>>> rng = np.random.default_rng(0)
>>> seg = np.repeat([1, 2, 3], 200)
>>> X = pd.DataFrame({"channel": np.where(seg == 1, "phone", np.where(seg == 2, "web", "post")),
...                   "age": rng.normal(np.select([seg == 1, seg == 2], [70, 30], 50), 4),
...                   "noise": rng.choice(["a", "b"], 600)})
>>> tool = TypingTool(min_questions=1).fit(X, seg)
>>> tool.questions_, tool.agreement_
(['channel'], 1.0)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from cxmethods.core.checks import check_int, check_number, check_type, parameter_error
from cxmethods.core.errors import CxmError
from cxmethods.methods.attributes import number_bins, round_edges
from cxmethods.methods.segmenter import MAX_LEVELS, MISSING, as_text, is_numeric

__all__ = ["MAX_VALUES", "TypingTool", "typing_summary"]

MAX_VALUES = 7  # a number with more distinct values is asked in bands ("35-54"), not value by value
_SCALE = 10  # points per unit of log-likelihood: whole points lose almost nothing (tests compare with exact scores)
_PSEUDO = 0.5  # added to each answer's count in each segment: an answer unseen in a segment is unlikely, not impossible


class TypingTool(ClassifierMixin, BaseEstimator):
    """A short question set that places a respondent in a segment (see the module docstring).

    Parameters
    ----------
    min_questions, max_questions : int
        The fewest and most questions asked (3 and 7); fewer when the data has fewer usable attributes.
    min_gain : float
        A further question is asked only if it raises cross-validated agreement by at least this (0.01).
    holdout : float
        Share of each segment set aside to test the finished tool, in (0, 0.5].
    folds : int
        Cross-validation folds used to choose the questions.
    random_state : int
        Seed of the set-aside share and of the folds.

    Attributes
    ----------
    questions_ : list of str
        The columns asked, in the order they were chosen (the most telling first).
    classes_ : ndarray
        The segments, in order; ties go to the first.
    answers_ : dict
        Each question's answers, as the tool shows them (bands for numbers asked in bands).
    edges_ : dict
        Lower band edges of the numbers asked in bands.
    start_ : ndarray of int
        Points each segment starts with (its size: a large segment needs less evidence).
    points_ : dict
        Each question's points: an int array, answers x segments.
    steps_ : DataFrame
        ``order``, ``attribute``, ``cv_agreement`` (cross-validated agreement with the questions up to this one),
        ``gain`` and ``asked`` (whether the tool asks it), one row per question tried in turn.
    agreement_ : float
        Share of the set-aside respondents the tool places in their segment.
    agreement_all_ : float
        The same over every respondent (the set-aside ones and those the tool was built on).
    n_heldout_ : int
        Respondents set aside.
    confusion_ : DataFrame
        ``segment``, ``typed``, ``respondents``: the set-aside respondents by segment and by the tool's placement,
        every pair listed (zeros included).

    Examples
    --------
    >>> X = pd.DataFrame({"tenure": ["own", "rent"] * 60, "car": ["yes", "yes", "no", "no"] * 30})
    >>> y = np.where(X["tenure"] == "own", "owners", "renters")
    >>> TypingTool(min_questions=1).fit(X, y).predict(pd.DataFrame({"tenure": ["rent", "own", "lodger"]})).tolist()
    ['renters', 'owners', 'owners']
    """

    def __init__(
        self,
        *,
        min_questions: int = 3,
        max_questions: int = 7,
        min_gain: float = 0.01,
        holdout: float = 0.3,
        folds: int = 5,
        random_state: int = 0,
    ):
        self.min_questions = min_questions
        self.max_questions = max_questions
        self.min_gain = min_gain
        self.holdout = holdout
        self.folds = folds
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y) -> TypingTool:
        """Choose the questions and their points from ``X`` (respondents x attributes) and ``y`` (their segments).

        Rows whose segment is missing are left out. Returns ``self``.
        """
        where = "TypingTool.fit"
        low = check_int(self.min_questions, "min_questions", "TypingTool", low=1)
        high = check_int(self.max_questions, "max_questions", "TypingTool", low=low)
        check_number(self.min_gain, "min_gain", "TypingTool", low=0, high=1)
        check_number(self.holdout, "holdout", "TypingTool", low=0, high=0.5, closed="right")
        check_int(self.folds, "folds", "TypingTool", low=2)
        check_type(X, "X", where, pd.DataFrame, "a pandas DataFrame (one row per respondent, one column per attribute)")
        values = np.asarray(y, dtype=object)
        if values.ndim != 1 or len(values) != len(X):
            raise parameter_error("y", where, f"one segment per row of X ({len(X)})", f"{values.size} segments", as_text=True)
        labels = pd.Series(values, index=X.index)
        keep = labels.notna().to_numpy()
        X, labels = X.loc[keep], labels[keep]
        self.classes_ = np.array(sorted(labels.unique(), key=_order))
        if len(self.classes_) < 2:
            raise parameter_error("y", where, "at least two segments", f"{len(self.classes_)}", as_text=True)
        y_code = pd.Index(self.classes_).get_indexer(labels)
        self.answers_, self.edges_, codes = {}, {}, {}
        for name in X.columns:
            answers, edges, code = _encode(X[name])
            if 2 <= len(answers) <= MAX_LEVELS:  # one answer tells nothing; dozens are an id or free text
                self.answers_[name], codes[name] = answers, code
                if edges is not None:
                    self.edges_[name] = edges
        if not codes:
            raise CxmError(
                "The typing tool has no question to ask: every attribute has a single answer, or more than "
                f"{MAX_LEVELS} (an id or free text)."
            )
        rng = np.random.default_rng(self.random_state)
        test = _set_aside(y_code, self.holdout, rng)
        if not test.any():  # too few respondents to set any aside: the tool is tested on those it was built on
            test = np.ones(len(y_code), bool)
        train = ~test if (~test).any() else test
        sizes = {q: len(a) for q, a in self.answers_.items()}
        self.steps_, self.questions_ = _choose(codes, sizes, y_code, train, self.folds, rng, low, high, self.min_gain)
        self.start_, self.points_ = _points(codes, sizes, y_code, train, self.questions_, len(self.classes_))
        typed = self._typed(codes)
        self.n_heldout_, self.n_total_ = int(test.sum()), len(y_code)
        self.agreement_ = float((typed[test] == y_code[test]).mean())
        self.agreement_all_ = float((typed == y_code).mean())
        k = len(self.classes_)
        counts = np.bincount(y_code[test] * k + typed[test], minlength=k * k)
        self.confusion_ = pd.DataFrame(
            {"segment": np.repeat(self.classes_, k), "typed": np.tile(self.classes_, k), "respondents": counts}
        )
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The segment each row of ``X`` is placed in; ``X`` needs the columns the tool asks (an answer the tool has
        not seen scores no points)."""
        check_is_fitted(self, "points_")
        check_type(X, "X", "TypingTool.predict", pd.DataFrame, "a pandas DataFrame")
        absent = [q for q in self.questions_ if q not in X.columns]
        if absent:
            raise parameter_error(
                "X",
                "TypingTool.predict",
                "a DataFrame with the columns the tool asks",
                f"no column {', '.join(map(repr, absent))}",
                as_text=True,
            )
        codes = {q: pd.Index(self.answers_[q]).get_indexer(pd.Index(_answers(X[q], self.edges_.get(q)))) for q in self.questions_}
        return self.classes_[self._typed(codes)]

    def _typed(self, codes: Mapping[str, np.ndarray]) -> np.ndarray:
        """Position in ``classes_`` of the segment with most points (the first on a tie); unknown answers (-1) score 0."""
        n = len(next(iter(codes.values())))
        score = np.tile(self.start_, (n, 1))
        for q in self.questions_:
            table = np.vstack([self.points_[q], np.zeros(len(self.classes_), int)])  # row -1: an unseen answer
            score = score + table[codes[q]]
        return score.argmax(axis=1)

    def scorecard(self, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
        """The points card: ``order``, ``attribute``, ``label``, ``answer`` ("no answer" for a missing one or a
        don't know) and one column of points per segment (``segment_<segment>``); the first row (order 0) holds the
        points each segment starts with.

        ``labels`` gives each question in words (default: its column name, ``_`` as spaces).
        """
        check_is_fitted(self, "points_")
        columns = [f"segment_{c}" for c in self.classes_]
        rows = [[0, "", "Starting points", "", *self.start_]]
        for order, q in enumerate(self.questions_, start=1):
            label = (labels or {}).get(q) or str(q).replace("_", " ")
            rows += [
                [order, q, label, "no answer" if answer == MISSING else answer, *points]
                for answer, points in zip(self.answers_[q], self.points_[q], strict=True)
            ]
        table = pd.DataFrame(rows, columns=["order", "attribute", "label", "answer", *columns])
        return table.astype({c: int for c in columns})


def typing_summary(tool: TypingTool, *, without: TypingTool | None = None, left_out: Sequence[str] = ()) -> pd.DataFrame:
    """The checks of a fitted tool as a table: ``check``, ``questions``, ``respondents``, ``agreement``, ``note``.

    One row for the set-aside respondents (the test), one for everyone; with ``without`` (a tool built without the
    questions ``left_out``, e.g. protected characteristics), its test too.
    """
    asked = len(tool.questions_)
    rows = [
        {
            "check": "heldout",
            "questions": asked,
            "respondents": tool.n_heldout_,
            "agreement": tool.agreement_,
            "note": f"{_words(asked).capitalize()} question{'s' if asked != 1 else ''} place {tool.agreement_:.0%} of "
            "the respondents set aside (never used to build the tool) in the same segment as the full analysis.",
        },
        {
            "check": "everyone",
            "questions": asked,
            "respondents": tool.n_total_,
            "agreement": tool.agreement_all_,
            "note": "Every respondent, including those the tool was built on (usually a little higher than the test, "
            "which is the fairer figure).",
        },
    ]
    if without is not None:
        n = len(without.questions_)
        rows.append(
            {
                "check": "without_protected",
                "questions": n,
                "respondents": without.n_heldout_,
                "agreement": without.agreement_,
                "note": f"Built without asking about {', '.join(left_out)}: {_words(n)} question{'s' if n != 1 else ''} "
                f"place {without.agreement_:.0%} of the respondents set aside in the same segment "
                f"({(without.agreement_ - tool.agreement_) * 100:+.0f} percentage points).",
            }
        )
    return pd.DataFrame(rows, columns=["check", "questions", "respondents", "agreement", "note"])


def _words(n: int) -> str:
    return ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")[n] if 0 <= n <= 10 else str(n)


def _order(value) -> tuple:
    """Segments in their natural order: numbers by value, then text."""
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def _encode(col: pd.Series) -> tuple[list[str], list[float] | None, np.ndarray]:
    """A column's answers in their order, the band edges of a number asked in bands (else None), each row's answer."""
    edges = None
    if is_numeric(col) and col.nunique() > MAX_VALUES:
        edges = [float(e) for e in round_edges(col)]
    text = _answers(col, edges)
    if (isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered) or edges is not None:
        bands = number_bins(col, bins=edges) if edges is not None else col
        answers = [str(c) for c in bands.cat.categories if str(c) in set(text)]
    elif is_numeric(col):  # a few values (a 1-5 scale): in their order
        answers = sorted(set(text) - {MISSING}, key=float)
    else:  # text in natural order: "$25k-50k" before "$100k-150k", "ward 9" before "ward 10"
        answers = sorted(set(text) - {MISSING}, key=_natural)
    if (text == MISSING).any():
        answers.append(MISSING)
    return answers, edges, pd.Index(answers).get_indexer(pd.Index(text))


def _natural(text: str) -> tuple:
    """A sort key that reads the numbers in a text as numbers (then the text, for ties)."""
    parts = re.split(r"(\d+(?:\.\d+)?)", text.casefold())
    return (tuple((1, float(p), "") if i % 2 else (0, 0.0, p) for i, p in enumerate(parts) if p), text)


def _answers(col: pd.Series, edges: list[float] | None) -> np.ndarray:
    """Each row's answer as text: its band for a number asked in bands, ``missing`` where there is none."""
    if edges is not None:
        col = number_bins(col, bins=edges)
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.astype(object).where(col.notna(), MISSING).astype(str).to_numpy()
    return as_text(col).to_numpy(dtype=object).astype(str)


def _set_aside(y: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Rows set aside to test the tool: ``share`` of each segment (rounded), drawn at random with the seed."""
    test = np.zeros(len(y), bool)
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        test[members[: round(share * len(members))]] = True
    return test


def _stratified_folds(y: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    """A fold (0..folds-1) for each row: within each segment, rows in a seeded random order dealt out in turn."""
    fold = np.empty(len(y), int)
    start = 0
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        fold[members] = (start + np.arange(len(members))) % folds
        start += len(members)  # the next segment's first row goes to the next fold: folds stay even in size
    return fold


def _log_tables(codes, sizes, y, rows, questions, k) -> tuple[np.ndarray, dict]:
    """Log prior and, per question, log share of each answer within each segment (answers x segments)."""
    prior = np.log(np.bincount(y[rows], minlength=k) + _PSEUDO)
    tables = {}
    for q in questions:
        n = sizes[q]
        counts = np.bincount(y[rows] * n + codes[q][rows], minlength=k * n).reshape(k, n) + _PSEUDO
        tables[q] = np.log(counts / counts.sum(axis=1, keepdims=True)).T
    return prior, tables


def _choose(codes, sizes, y, train, folds: int, rng, low: int, high: int, min_gain: float) -> tuple[pd.DataFrame, list[str]]:
    """Forward selection by cross-validated agreement on the ``train`` rows; the questions asked and every step.

    A step's ``gain`` is over the step before; the first's over asking nothing (everyone in the largest segment)."""
    k = int(y.max()) + 1
    rows = np.flatnonzero(train)
    fold = _stratified_folds(y[rows], folds, rng)
    parts = [(rows[fold != f], rows[fold == f]) for f in range(folds) if (fold == f).any() and (fold != f).any()]
    if not parts:  # a single row to build on: it is its own test
        parts = [(rows, rows)]
    scores = [np.tile(np.log(np.bincount(y[fit], minlength=k) + _PSEUDO), (len(test), 1)) for fit, test in parts]
    baseline = sum(int((s.argmax(axis=1) == y[test]).sum()) for s, (_, test) in zip(scores, parts, strict=True))
    tested = sum(len(test) for _, test in parts)
    chosen: list[str] = []
    steps = []
    for order in range(1, min(high, len(codes)) + 1):
        best = None
        for q in codes:  # in the data's column order: a tie goes to the first column
            if q in chosen:
                continue
            hits = 0
            for (fit_rows, test), score in zip(parts, scores, strict=True):
                table = _log_tables(codes, sizes, y, fit_rows, [q], k)[1][q]
                hits += int(((score + table[codes[q][test]]).argmax(axis=1) == y[test]).sum())
            if best is None or hits > best[0]:
                best = (hits, q)
        assert best is not None
        q = best[1]
        for (fit_rows, test), score in zip(parts, scores, strict=True):
            score += _log_tables(codes, sizes, y, fit_rows, [q], k)[1][q][codes[q][test]]
        chosen.append(q)
        steps.append({"order": order, "attribute": q, "cv_agreement": best[0] / tested})
    table = pd.DataFrame(steps)
    table["gain"] = table["cv_agreement"].diff().fillna(table["cv_agreement"] - baseline / tested)
    asked = len(table)
    for i in range(min(low, len(table)), len(table)):
        if table["gain"].iloc[i] < min_gain:
            asked = i
            break
    table["asked"] = table["order"] <= asked
    return table, chosen[:asked]


def _points(codes, sizes, y, train, questions, k) -> tuple[np.ndarray, dict]:
    """Whole points: 10 x log share, shifted so the least likely segment of each answer gets 0."""
    prior, tables = _log_tables(codes, sizes, y, np.flatnonzero(train), questions, k)
    start = np.rint(_SCALE * (prior - prior.min())).astype(int)
    return start, {q: np.rint(_SCALE * (t - t.min(axis=1, keepdims=True))).astype(int) for q, t in tables.items()}
