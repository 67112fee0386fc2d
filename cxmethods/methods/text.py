"""Free text: themes and sentiment, offline and seeded.

:func:`themes` finds topics the way commercial voice-of-the-customer tools do (TF-IDF terms,
factorised with NMF), always on redacted text, so no example it quotes carries personal data.
:func:`sentiment` scores each comment with VADER, whose lexicon ships inside the package (no
network). :func:`theme_sentiment` puts the two together per theme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
import pandas as pd

from cxmethods.core.checks import check_int, check_type, parameter_error
from cxmethods.io.redact import PLACEHOLDERS, redact_series

__all__ = ["Themes", "sentiment", "theme_sentiment", "themes"]

_NEGATIVE, _POSITIVE = -0.05, 0.05  # VADER's own recommended cut-offs for the compound score
_LABELS = ("negative", "neutral", "positive")
# placeholders and masks carry no topic: "[PHONE]" must not look like residents talking about phones
_NOISE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()) + r"|\b[Xx]{2,}\b|\{\$[\d.,]+\}")
_EXAMPLE_CHARS = 200
_CLAUSE = re.compile(r"[.!?;:,()\[\]{}|\n]+")  # phrases never run across these
_WORD = re.compile(r"(?u)\b[^\W\d_][^\W\d_]+\b")


@dataclass(frozen=True, eq=False)
class Themes:
    """Themes found in a set of comments.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per theme, largest first: ``theme`` (int, 1 = largest), ``label`` (its top three
        terms joined by " / "), ``top_terms`` (comma-separated), ``comments`` (how many comments
        have it as their main theme), ``share`` (of the comments that got a theme) and
        ``examples`` (a few representative redacted comments, each at most ~200 characters,
        joined by " | ").
    assignment : pandas.Series
        The main theme of each input text, on the input's index; ``<NA>`` for empty or missing
        texts and for texts with none of the theme vocabulary.
    """

    table: pd.DataFrame
    assignment: pd.Series


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _non_empty(texts: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Where the texts with something in them are (a boolean mask, by position), and those texts."""
    values = texts.to_numpy(dtype=object)
    keep = np.array([isinstance(v, str) and v.strip() != "" for v in values], dtype=bool)
    return keep, values[keep].tolist()


def sentiment(texts: pd.Series) -> pd.DataFrame:
    """Score the sentiment of each text with VADER.

    Parameters
    ----------
    texts : pandas.Series
        Free text. Sentiment needs no redaction (no text is returned), so raw text is fine.

    Returns
    -------
    pandas.DataFrame
        On the index of ``texts``: ``compound`` (VADER's normalised score, -1 most negative to
        1 most positive) and ``label`` ("negative" below -0.05, "positive" above 0.05, else
        "neutral"). Both are missing for empty or missing texts: they have no sentiment.

    Examples
    --------
    >>> s = sentiment(pd.Series(["Brilliant, helpful staff.", "Rude and useless.", "I rang on Tuesday."]))
    >>> s["label"].tolist()
    ['positive', 'negative', 'neutral']
    >>> bool(s["compound"].between(-1, 1).all())
    True
    """
    check_type(texts, "texts", "sentiment", pd.Series, "a pandas Series")
    keep, body = _non_empty(texts)
    scores = np.full(len(texts), np.nan)
    if body:
        analyzer = _analyzer()
        scores[keep] = [analyzer.polarity_scores(t)["compound"] for t in body]
    label = np.full(len(texts), None, dtype=object)
    label[keep] = np.where(scores[keep] < _NEGATIVE, "negative", np.where(scores[keep] > _POSITIVE, "positive", "neutral"))
    return pd.DataFrame({"compound": scores, "label": label}, index=texts.index)


def _terms(text: str) -> list[str]:
    """Words (letters only, two or more, no stop words) and two-word phrases of words side by side.

    Unlike scikit-learn's own analyser, a phrase never spans a full stop, a comma or a dropped stop
    word, so "no fuss. Good service" does not make "fuss good", nor "came back for my missed bin"
    "came missed".
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    out: list[str] = []
    for clause in _CLAUSE.split(_NOISE.sub(" . ", text).lower()):
        words = [w if w not in ENGLISH_STOP_WORDS else None for w in _WORD.findall(clause)]
        out += [w for w in words if w]
        out += [f"{a} {b}" for a, b in pairwise(words) if a and b]
    return out


def _min_df(n_docs: int) -> int:
    """A term must appear in this many comments: 1 for a handful, rising to 5 from ~1,000 comments."""
    return min(5, 1 + n_docs // 250)


def _pick_terms(terms: np.ndarray, weights: np.ndarray, k: int) -> list[str]:
    """The k strongest terms, a phrase standing in for the single words it contains ("missed bin", not "bin")."""
    chosen: list[str] = []
    for j in np.argsort(-weights, kind="stable"):
        if weights[j] <= 0 or len(chosen) >= k:
            break
        term = str(terms[j])
        words = term.split()
        covered = {w for t in chosen for w in t.split()}
        if all(w in covered for w in words):
            continue  # says nothing a chosen term does not
        if len(words) > 1:
            chosen = [t for t in chosen if t not in words]
        chosen.append(term)
    return chosen[:k]


def _trim(text: str, limit: int = _EXAMPLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def themes(texts: pd.Series, *, n_themes: int = 6, random_state: int = 0, top_terms: int = 8, examples: int = 3) -> Themes:
    """Find the main themes in free-text comments (TF-IDF + NMF, on redacted text).

    The texts are redacted first (:func:`cxmethods.io.redact.redact_series`), whatever the caller
    passed, so neither the terms nor the examples can carry personal data. Terms are single words
    and two-word phrases, English stop words removed; a term must appear in a few comments (more
    as the corpus grows) to count. Each comment gets the theme with the largest weight.

    Parameters
    ----------
    texts : pandas.Series
        Free text; empty and missing texts are skipped.
    n_themes : int, default 6
        How many themes to find; at least 1, at most the number of non-empty texts and of
        distinct terms. Try a few values: the right number is the one a workshop can act on.
    random_state : int, default 0
        Seed of the factorisation's initialisation: the same seed gives the same themes.
    top_terms : int, default 8
        Terms listed per theme.
    examples : int, default 3
        Representative comments quoted per theme (distinct texts, strongest first).

    Returns
    -------
    Themes
        ``table`` (one row per theme, largest first) and ``assignment`` (theme per text).

    Raises
    ------
    CxmError
        When a parameter is out of range, or there are too few non-empty texts (or distinct
        terms) for ``n_themes`` themes.

    Examples
    --------
    >>> comments = pd.Series(["My bin was missed again", "Missed bin collection, third week",
    ...                       "Bin collection missed, nobody came", "Waited an hour on the phone",
    ...                       "Phone queue too long, waited ages", "On hold on the phone for ages"])
    >>> th = themes(comments, n_themes=2)
    >>> th.table[["theme", "comments"]].values.tolist()
    [[1, 3], [2, 3]]
    >>> sorted(th.assignment.tolist()) == [1, 1, 1, 2, 2, 2]
    True
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    check_type(texts, "texts", "themes", pd.Series, "a pandas Series")
    for name, value, low in (("n_themes", n_themes, 1), ("top_terms", top_terms, 1), ("examples", examples, 0)):
        check_int(value, name, "themes", low=low)
    keep, body = _non_empty(redact_series(texts))
    n_docs = len(body)
    if n_docs < max(2, n_themes):
        raise parameter_error(
            "n_themes", "themes", f"at most the number of non-empty texts ({n_docs}, and at least 2 are needed)", n_themes
        )
    vectorizer = TfidfVectorizer(
        analyzer=_terms, min_df=_min_df(n_docs), max_df=0.95 if n_docs >= 20 else 1.0, sublinear_tf=True, dtype=np.float64
    )
    try:
        x = vectorizer.fit_transform(body)
    except ValueError:  # nothing left after stop words and min_df
        x = None
    n_terms = 0 if x is None else x.shape[1]
    if n_terms < n_themes:
        raise parameter_error(
            "n_themes",
            "themes",
            f"at most the number of distinct terms in the texts ({n_terms} after stop words and rare terms are dropped)",
            n_themes,
        )
    nmf = NMF(n_components=n_themes, init="nndsvda", random_state=random_state, max_iter=500)
    w = nmf.fit_transform(x)
    h = nmf.components_
    terms = vectorizer.get_feature_names_out()
    has_theme = w.max(axis=1) > 0
    main = np.where(has_theme, w.argmax(axis=1), -1)
    sizes = np.bincount(main[has_theme], minlength=n_themes)
    order = sorted(range(n_themes), key=lambda k: (-sizes[k], k))  # largest first, ties by factor
    number = {k: i + 1 for i, k in enumerate(order)}
    rows = []
    for k in order:
        picked = _pick_terms(terms, h[k], top_terms)
        members = np.flatnonzero(main == k)
        quotes: list[str] = []
        for j in members[np.argsort(-w[members, k], kind="stable")]:
            if len(quotes) >= examples:
                break
            quote = _trim(body[j])
            if quote not in quotes:
                quotes.append(quote)
        rows.append(
            {
                "theme": number[k],
                "label": " / ".join(picked[:3]),
                "top_terms": ", ".join(picked),
                "comments": int(sizes[k]),
                "share": sizes[k] / max(1, has_theme.sum()),
                "examples": " | ".join(quotes),
            }
        )
    table = pd.DataFrame(rows, columns=["theme", "label", "top_terms", "comments", "share", "examples"])
    theme_of = np.zeros(n_docs, dtype=np.int64)
    theme_of[has_theme] = [number[k] for k in main[has_theme]]
    values = np.zeros(len(texts), dtype=np.int64)
    values[keep] = theme_of
    missing = np.ones(len(texts), dtype=bool)
    missing[np.flatnonzero(keep)[has_theme]] = False
    assignment = pd.Series(pd.arrays.IntegerArray(values, missing), index=texts.index, name="theme")
    return Themes(table=table, assignment=assignment)


def theme_sentiment(themes: Themes, sentiment: pd.DataFrame) -> pd.DataFrame:
    """Sentiment per theme: how negative is what people say about each topic?

    Parameters
    ----------
    themes : Themes
        From :func:`themes`.
    sentiment : pandas.DataFrame
        From :func:`sentiment` on the same texts (same index).

    Returns
    -------
    pandas.DataFrame
        One row per theme, in ``themes.table`` order: ``theme``, ``label``, ``comments`` (with
        both a theme and a sentiment), ``mean_compound``, ``share_negative``, ``share_neutral``,
        ``share_positive``.

    Raises
    ------
    CxmError
        When ``sentiment`` lacks the columns or the index of the themed texts.

    Examples
    --------
    >>> comments = pd.Series(["Missed bin again, awful", "Bin collection missed, useless",
    ...                       "Lovely helpful staff", "Staff were lovely and kind"])
    >>> th = themes(comments, n_themes=2)
    >>> ts = theme_sentiment(th, sentiment(comments))
    >>> ts["comments"].tolist(), sorted(ts["share_negative"].tolist())
    ([2, 2], [0.0, 1.0])
    """
    check_type(themes, "themes", "theme_sentiment", Themes, "a Themes")
    if not isinstance(sentiment, pd.DataFrame) or not {"compound", "label"} <= set(sentiment.columns):
        raise parameter_error(
            "sentiment",
            "theme_sentiment",
            "a DataFrame with columns 'compound' and 'label' (from cxmethods.methods.text.sentiment)",
            type(sentiment),
        )
    assignment = themes.assignment
    if not sentiment.index.equals(assignment.index):
        missing = assignment.dropna().index.difference(sentiment.index)
        if len(missing) or not (sentiment.index.is_unique and assignment.index.is_unique):
            where = f"no row for index {missing[0]!r} ({len(missing)} missing)" if len(missing) else "a repeated index"
            raise parameter_error(
                "sentiment", "theme_sentiment", "on the index of the texts given to themes", where, as_text=True
            )
        sentiment = sentiment.reindex(assignment.index)
    joined = pd.DataFrame(
        {
            "theme": assignment.to_numpy(dtype=float, na_value=np.nan),
            "compound": sentiment["compound"].to_numpy(dtype=float),
            "label": sentiment["label"].to_numpy(dtype=object),
        }
    ).dropna(subset=["theme", "compound"])
    rows = []
    for theme, label in zip(themes.table["theme"], themes.table["label"]):
        part = joined[joined["theme"] == theme]
        n = len(part)
        shares = {f"share_{lab}": (part["label"] == lab).sum() / n if n else np.nan for lab in _LABELS}
        rows.append(
            {"theme": theme, "label": label, "comments": n, "mean_compound": part["compound"].mean() if n else np.nan, **shares}
        )
    return pd.DataFrame(
        rows, columns=["theme", "label", "comments", "mean_compound", "share_negative", "share_neutral", "share_positive"]
    )
