"""Free text: themes and sentiment, offline and seeded.

:func:`themes` finds topics the way commercial voice-of-the-customer tools do (TF-IDF terms, like comments
grouped by k-means in a latent semantic space, or the terms factorised with NMF), always on redacted text, so
no example it quotes carries personal data; unless told how many, it chooses the number of themes from the data
(:func:`theme_selection`). :func:`sentiment` scores each comment's tone (:mod:`cxmethods.methods.tone`: the scorer
that best follows the ratings, comments not in English counted rather than scored). :func:`theme_sentiment` puts
the two
together per theme, :func:`comment_themes` lists them comment by comment (by row, never the text), and
:func:`theme_categories` compares the themes with the categories the comments came with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from cxmethods.core.checks import check_int, check_type, parameter_error
from cxmethods.core.errors import CxmError
from cxmethods.core.parallel import map_parts
from cxmethods.io.redact import PLACEHOLDERS, redact_names, redact_series
from cxmethods.methods.tone import NOT_ENGLISH

__all__ = ["Themes", "comment_themes", "sentiment", "theme_categories", "theme_selection", "theme_sentiment", "themes"]

_LABELS = ("negative", "neutral", "positive")
# placeholders and masks carry no topic: "[PHONE]" must not look like residents talking about phones
_NOISE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()) + r"|\b[Xx]{2,}\b|\{\$[\d.,]+\}")
_EXAMPLE_CHARS = 200
_CLAUSE = re.compile(r"[.!?;:,()\[\]{}|\n]+")  # phrases never run across these
_WORD = re.compile(r"(?u)\b[^\W\d_][^\W\d_]+\b")
# a word (as _WORD finds it) or one clause break (as _CLAUSE splits at): the text's terms in one pass
_TOKEN = re.compile(r"(?u)\b[^\W\d_][^\W\d_]+\b|[.!?;:,()\[\]{}|\n]")
_BREAKS = frozenset(".!?;:,()[]{}|\n")
_ASCII_TERMS = str.maketrans(
    {
        chr(c): chr(c).lower()
        if chr(c).isalpha()
        else "0"
        if chr(c).isdigit() or chr(c) == "_"
        else "."
        if chr(c) in _BREAKS
        else " "
        for c in range(128)
    }
)
# Words scikit-learn's English stop-word list keeps that say nothing about what a comment is about, whatever the
# service: reporting verbs, vague people and things, fillers and intensifiers. They stay in the factorisation (in a
# form letter or a stock phrase they do mark a theme) but never name one. Topic words (phone, letter, wait, week,
# help, knew) are not here: they are what themes are made of.
_FILLER = frozenset(
    """
    able absolutely actually ask asked asking basically came certainly clearly come comes coming completely definitely
    did does doing    don doesn didn done exactly fact far gave getting give given go goes going gone got gotten guy guys just
    lady let like literally lot lots make makes making man maybe mr mrs ms oh ok okay people person
    probably quite really said say saying says simply someone somebody sure tell telling thing things think
    thought totally told try tried trying use used using ve want wanted way went woman yes
    """.split()
)
_THEMES_TRIED = (2, 10)  # numbers of themes compared when the caller gives none
_SELECTION_SAMPLE = 5_000  # comments the choice of the number of themes is made on (the fit uses its whole sample)
#: Most comments the themes are found in (TF-IDF vocabulary, k-means groups or NMF); above it, a seeded random
#: sample of this many is used and every comment is then given its themes with the profiles or factors held fixed.
#: 50,000 comments find the themes of any survey (more only cost time and memory: a million comments would need ~10 GB fitted at once).
FIT_SAMPLE = 50_000
_CHUNK = 20_000  # comments redacted, scored or given their themes at a time: memory stays flat however many there are
_PROJECT_SWEEPS = 60  # coordinate-descent sweeps giving a comment its theme weights with the factors held fixed
_PHRASE_KEEPS = 0.75  # a phrase replaces a chosen word when it is this strong (of the word's weight)
_QUALITY_TERMS = 10  # a theme's strongest terms, on which its coherence and diversity are measured
_LSA_DIMENSIONS = 100  # of the semantic space the comments are grouped in (see _lsa for the source)
_KMEANS_STARTS = 10  # seeded k-means++ starts per grouping, the best kept (scikit-learn's own default before 1.4)
_SELECTION_STARTS = 3  # fewer when only comparing numbers of themes: nine groupings to make, not one
_SILHOUETTE_SAMPLE = 2_000  # comments (of the 5,000 compared) the silhouette is measured on: it costs n squared
_METHODS = ("clusters", "nmf")


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
    weights : pandas.DataFrame
        How much of each text each theme explains: one column per theme number, each row summing to 1, on the
        input's index; missing where ``assignment`` is.
    selection : pandas.DataFrame or None
        How the number of themes was chosen (:func:`theme_selection`); None when the caller gave it.
    """

    table: pd.DataFrame
    assignment: pd.Series
    weights: pd.DataFrame
    selection: pd.DataFrame | None = None


def _non_empty(texts: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Where the texts with something in them are (a boolean mask, by position), and those texts."""
    values = texts.to_numpy(dtype=object)
    keep = np.array([isinstance(v, str) and v.strip() != "" for v in values], dtype=bool)
    return keep, values[keep].tolist()


def _chunks(n: int, chunk: int):
    """Slices of ``range(n)``, ``chunk`` long: a column is converted to Python strings a part at a time, never whole."""
    return (slice(start, min(start + chunk, n)) for start in range(0, n, chunk))


def _texts_at(texts: pd.Series, positions: np.ndarray, chunk: int) -> list[str]:
    """The texts at ``positions`` (sorted), gathered a slice at a time: a take over a whole Arrow-backed column would
    first copy every text in it."""
    out: list[str] = []
    for part in _chunks(len(texts), chunk):
        lo, hi = np.searchsorted(positions, [part.start, part.stop])
        if hi > lo:
            out += texts.iloc[part].to_numpy(dtype=object)[positions[lo:hi] - part.start].tolist()
    return out


def _redacted(texts: pd.Series, chunk: int = _CHUNK) -> pd.Series:
    """:func:`~cxmethods.io.redact.redact_series`, a part at a time (same result, without a Python list of every text)."""
    if len(texts) <= chunk:
        return redact_series(texts)
    return pd.concat([redact_series(texts.iloc[part]) for part in _chunks(len(texts), chunk)])


def sentiment(
    texts: pd.Series,
    *,
    chunk: int = _CHUNK,
    ratings: pd.Series | None = None,
    scorer: str | None = None,
    workers: int = 1,
    sample: int | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """The tone of each text, and its language: :func:`cxmethods.methods.tone.tone`.

    Parameters
    ----------
    texts : pandas.Series
        Free text. Sentiment needs no redaction (no text is returned), so raw text is fine.
    chunk : int, default 20,000
        Texts scored at a time (the result does not depend on it; memory does).
    ratings : pandas.Series, optional
        The rating each commenter gave (overall satisfaction), on the index of ``texts``: the scorer whose tone
        follows them most closely is used (:func:`cxmethods.methods.tone.compare_scorers`).
    scorer : str, optional
        One of :data:`cxmethods.methods.tone.SCORERS`, to skip the choice.
    workers : int, default 1
        Processes that detect the languages and score the texts (the result does not depend on it).
    sample, random_state : int, optional
        Most English texts to score, and the seed of the random sample above it (:func:`~cxmethods.methods.tone.tone`).

    Returns
    -------
    pandas.DataFrame
        On the index of ``texts``: ``compound`` (-1 most negative to 1 most positive), ``label`` ("negative"
        below -0.05, "positive" above 0.05, else "neutral"; "not English" for a comment in another language, which
        is not scored) and ``language``. ``compound`` and ``label`` are missing for empty or missing texts, and
        ``compound`` for comments not in English. ``attrs["scorer"]`` names the scorer used, ``attrs["scorers"]``
        compares them when ratings were given.

    Examples
    --------
    >>> s = sentiment(pd.Series(["Brilliant, helpful staff.", "Rude and useless.", "I rang on Tuesday."]))
    >>> s["label"].tolist()
    ['positive', 'negative', 'neutral']
    >>> bool(s["compound"].between(-1, 1).all())
    True
    """
    from cxmethods.methods.tone import tone

    check_type(texts, "texts", "sentiment", pd.Series, "a pandas Series")
    check_int(chunk, "chunk", "sentiment", low=1)
    return tone(texts, ratings=ratings, scorer=scorer, chunk=chunk, workers=workers, sample=sample, random_state=random_state)


def _terms(text: str) -> list[str]:
    """Words (letters only, two or more, no stop words) and two-word phrases of words side by side.

    Unlike scikit-learn's own analyser, a phrase never spans a full stop, a comma or a dropped stop
    word, so "no fuss. Good service" does not make "fuss good", nor "came back for my missed bin"
    "came missed".

    An ASCII text's words and breaks are found by one translation of its characters and a split (letters lower-cased,
    digits and "_" made "0", breaks ".", anything else a space: a piece with a "0" in it was a run of word characters
    with a digit, no word, as was a letter alone); any other text's by one pattern (a break is never a word character,
    so each word is found where splitting at the breaks first would find it). A break or a stop word ends a run of
    words side by side. Each clause's words come first, then its phrases, as when the text was split into clauses
    first (tests/test_text_speed.py compares this with that).
    """
    out: list[str] = []
    pairs: list[str] = []
    stop = ENGLISH_STOP_WORDS
    previous = ""
    if "[" in text or "{" in text or "xx" in text.lower():  # what any noise needs: a placeholder, a mask, an amount
        text = _NOISE.sub(" . ", text)
    if text.isascii():
        tokens = text.translate(_ASCII_TERMS).replace(".", " . ").split()
    else:
        tokens = _TOKEN.findall(text.lower())
    for token in tokens:
        if len(token) < 2:
            if token in _BREAKS:  # the clause's phrases after its words
                previous = ""
                if pairs:
                    out += pairs
                    pairs = []
            continue  # (a letter alone is no word)
        if token in stop:
            previous = ""
        elif "0" not in token:
            out.append(token)
            if previous:
                pairs.append(f"{previous} {token}")
            previous = token
    return out + pairs if pairs else out


def _term_counts(texts: list[str], vocabulary: dict[str, int], dtype) -> object:
    """The count of each of ``vocabulary``'s terms (:func:`_terms`) in each text: what a vectoriser fitted with
    ``analyzer=_terms`` counts in its ``transform``, in one loop without an exception per unknown term (scikit-learn's
    raises and catches one for every term outside the vocabulary, most of a comment's two-word phrases). Indices and
    counts are gathered in typed arrays, not lists of Python numbers: a third of the memory."""
    from array import array

    from scipy.sparse import csr_array

    indices, counts, indptr = array("q"), array("i"), array("q", [0])
    get = vocabulary.get
    for text in texts:
        found: dict[int, int] = {}
        for term in _terms(text):
            j = get(term)
            if j is not None:
                found[j] = found.get(j, 0) + 1
        indices.extend(found)
        counts.extend(found.values())
        indptr.append(len(indices))
    index_type = np.int32 if len(indices) <= np.iinfo(np.int32).max else np.int64
    x = csr_array(
        (
            np.frombuffer(counts, dtype=np.intc),
            np.frombuffer(indices, dtype=np.int64).astype(index_type),
            np.frombuffer(indptr, dtype=np.int64).astype(index_type),
        ),
        shape=(len(texts), len(vocabulary)),
        dtype=dtype,
    )
    x.sort_indices()
    return x


def _min_df(n_docs: int) -> int:
    """A term must appear in this many comments: 1 for a handful, rising to 5 from ~1,000 comments."""
    return min(5, 1 + n_docs // 250)


def _pick_terms(terms: np.ndarray, weights: np.ndarray, k: int) -> list[str]:
    """The k strongest terms, a phrase standing in for the single words it contains ("missed bin", not "bin").

    A phrase takes the place of a word already chosen only when it is nearly as strong (``_PHRASE_KEEPS``
    of the word's weight): "council tax" for "council", but not "phone queue" for a "phone" that most of the
    theme's comments use without "queue". A phrase that adds nothing to the words chosen is left out.
    """
    chosen: list[str] = []
    strength: dict[str, float] = {}
    for j in np.argsort(-weights, kind="stable"):
        if weights[j] <= 0 or len(chosen) >= k:
            break
        term, weight = str(terms[j]), float(weights[j])
        words = term.split()
        covered = {_singular(w) for t in chosen for w in t.split()}
        if all(_singular(w) in covered for w in words):
            continue  # says nothing a chosen term does not ("payments" after "payment")
        inside = [t for t in chosen if t in words]
        if inside and weight < _PHRASE_KEEPS * max(strength[t] for t in inside):
            continue  # a rarer use of a word already chosen
        if inside:
            chosen[chosen.index(inside[0])] = term
            chosen = [t for t in chosen if t not in inside[1:]]
        else:
            chosen.append(term)
        strength[term] = weight
    return chosen[:k]


def _singular(word: str) -> str:
    """A plural's singular, roughly ("payments" -> "payment"), so that a label does not list both."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _trim(text: str, limit: int = _EXAMPLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def themes(
    texts: pd.Series,
    *,
    n_themes: int | None = None,
    tried: tuple[int, int] = _THEMES_TRIED,
    random_state: int = 0,
    top_terms: int = 8,
    examples: int = 3,
    compare: bool = False,
    sample: int | None = FIT_SAMPLE,
    chunk: int = _CHUNK,
    redacted: bool = False,
    method: str = "clusters",
    workers: int = 1,
) -> Themes:
    """Find the main themes in free-text comments (TF-IDF, then k-means groups or NMF factors, on redacted text).

    The texts are redacted first (:func:`cxmethods.io.redact.redact_series`), whatever the caller
    passed, so neither the terms nor the examples can carry personal data. Terms are single words
    and two-word phrases, English stop words removed; a term must appear in a few comments (more as the
    corpus grows) to count. Each comment gets the theme with the largest weight.

    By default (``method="clusters"``) a theme is a group of like comments: the comments are placed in a latent
    semantic space (the TF-IDF matrix's leading 100 singular directions, Deerwester et al. 1990) and grouped by
    k-means on their unit vectors (spherical k-means, Dhillon and Modha 2001), the way people code comments, one
    main subject each; a theme's profile is the mean TF-IDF of its comments, and each comment's weights are its
    non-negative least-squares fit on the profiles. ``method="nmf"`` factorises the TF-IDF matrix instead (NMF),
    each comment a mixture of themes: for comments that list several things. Against the products 1,532 consumers
    filed their complaints under (CFPB), the groups agree more (adjusted mutual information ~0.32 at 6 themes,
    against ~0.24 for NMF); see ``benchmarks/theme_quality.py``.

    A theme's terms are ranked by how much more often its comments use them than the other comments do
    (the share of the theme's comments that contain the term, less the share of the others that do), so
    the label names what sets the theme apart rather than words every comment uses; a two-word phrase
    stands in for the words it contains ("council tax", not "council / tax"), and filler words ("told",
    "exactly", "man") never name a theme.

    Parameters
    ----------
    texts : pandas.Series
        Free text; empty and missing texts are skipped.
    n_themes : int, optional
        How many themes to find; at least 1, at most the number of non-empty texts and of
        distinct terms. None (the default) chooses it from the data: :func:`theme_selection`.
    tried : (int, int), default (2, 10)
        The fewest and most themes compared when ``n_themes`` is None.
    random_state : int, default 0
        Seed of the semantic space, the k-means starts or the factorisation's initialisation (and of the
        sample the choice is made on, for more than 5,000 comments): the same seed gives the same themes.
    top_terms : int, default 8
        Terms listed per theme.
    examples : int, default 3
        Representative comments quoted per theme (distinct texts, strongest first).
    compare : bool, default False
        With ``n_themes`` given, still score every number of themes in ``tried`` (``selection``), so that a
        number someone fixed can be weighed against the others.
    sample : int or None, default 50,000 (:data:`FIT_SAMPLE`)
        Most comments the themes are found in. With more non-empty texts than this, the terms and factors are
        fitted on a random sample of this many (seeded by ``random_state``; ``table.attrs["sample"]`` says how
        many, ``table.attrs["of"]`` of how many), the terms' ranking and the examples come from that sample,
        and every text is then given its themes with the factors held fixed, ``chunk`` texts at a time; the
        counts and shares are over every text. None fits on every text, however many.
    chunk : int, default 20,000
        Texts redacted and given their themes at a time when sampling (the result does not depend on it).
    redacted : bool, default False
        The caller has already passed the texts through :func:`~cxmethods.io.redact.redact_series` (as workbook 02
        does): they are not redacted a second time.
    workers : int, default 1
        Processes that give every text its themes when sampling, a chunk each at a time
        (:func:`cxmethods.core.parallel.map_parts`; the result does not depend on it).
    method : {"clusters", "nmf"}, default "clusters"
        Themes as groups of like comments, or as NMF factors (above).

    Returns
    -------
    Themes
        ``table`` (one row per theme, largest first), ``assignment`` (theme per text), ``weights`` and,
        when the number of themes was chosen or ``compare`` is true, ``selection``.

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
    >>> th.table["label"].tolist()
    ['phone / ages / waited', 'bin / missed / collection']
    """
    check_type(texts, "texts", "themes", pd.Series, "a pandas Series")
    _check_method(method, "themes")
    for name, value, low in (("top_terms", top_terms, 1), ("examples", examples, 0)):
        check_int(value, name, "themes", low=low)
    if n_themes is not None:
        check_int(n_themes, "n_themes", "themes", low=1)
    fewest, most = _check_tried(tried, "themes")
    check_int(chunk, "chunk", "themes", low=1)
    check_int(workers, "workers", "themes", low=1)
    if sample is not None:
        check_int(sample, "sample", "themes", low=max(2, n_themes or fewest))
    texts = texts if redacted else _redacted(texts, chunk)
    keep = np.zeros(len(texts), dtype=bool)
    for part in _chunks(len(texts), chunk):
        keep[part] = _non_empty(texts.iloc[part])[0]
    positions = np.flatnonzero(keep)  # of the non-empty texts, by position
    n_docs = len(positions)
    if n_docs < max(2, n_themes or fewest):
        wanted = "n_themes" if n_themes is not None else "tried"
        raise parameter_error(
            wanted,
            "themes",
            f"at most the number of non-empty texts ({n_docs}, and at least 2 are needed)",
            n_themes if n_themes is not None else tried,
        )
    sampled = sample is not None and n_docs > sample
    # the fit's texts: all of them, or a seeded sample (in input order, so the fit does not depend on the draw's order)
    fitted = np.sort(np.random.default_rng(random_state).choice(n_docs, sample, replace=False)) if sampled else None
    body = _texts_at(texts, positions[fitted] if sampled else positions, chunk)
    x, terms, vectorizer = _term_matrix(body)
    n_fit, n_terms = len(body), len(terms)
    if n_terms < (n_themes or fewest):
        raise parameter_error(
            "n_themes" if n_themes is not None else "tried",
            "themes",
            f"at most the number of distinct terms in the texts ({n_terms} after stop words and rare terms are dropped)",
            n_themes if n_themes is not None else tried,
        )
    z = _lsa(x, random_state) if method == "clusters" else None
    selection = None
    if n_themes is None or (compare and min(most, n_fit, n_terms) >= fewest):
        selection = _selection(x, z, (fewest, min(most, n_fit, n_terms)), random_state, method)
        if n_themes is None:
            n_themes = int(selection.loc[selection["best"], "k"].iloc[0])
        selection["chosen"] = selection["k"] == n_themes
    if z is not None:  # themes = groups of like comments; each comment weighed on the groups' term profiles
        h = _profiles(x, _clusters(z, n_themes, random_state), n_themes)
        w = _project(x, h)
    else:  # themes = factors of the term matrix; each comment a mixture of them
        nmf = _nmf(n_themes, random_state)
        w = nmf.fit_transform(x)
        h = nmf.components_
    if sampled:  # every text's weights with the factors held fixed (the sample's too, so all are given theirs alike)
        inside = (texts.iloc[part].to_numpy(dtype=object)[keep[part]].tolist() for part in _chunks(len(texts), chunk))
        # slices, in order: the rows come out in the order of positions
        w_all = np.vstack(list(map_parts(partial(_weights, vectorizer, h), (t for t in inside if t), workers)))
        w = w_all[fitted]
    else:
        w_all = w
    present = (x > 0).astype(np.float64).tocsr()
    has_theme = w.max(axis=1) > 0
    main = np.where(has_theme, w.argmax(axis=1), -1)
    has_all = w_all.max(axis=1) > 0
    sizes = np.bincount(w_all.argmax(axis=1)[has_all], minlength=n_themes)
    order = sorted(range(n_themes), key=lambda k: (-sizes[k], k))  # largest first, ties by factor
    number = {k: i + 1 for i, k in enumerate(order)}
    rows = []
    for k in order:
        picked = _pick_terms(*_distinctive(terms, h[k], present, main == k), top_terms)
        members = np.flatnonzero(main == k)
        quotes: list[str] = []
        for j in members[np.argsort(-w[members, k], kind="stable")]:
            if len(quotes) >= examples:
                break
            quote = _trim(redact_names(body[j]))  # quoted word for word: the name model too
            if quote not in quotes:
                quotes.append(quote)
        rows.append(
            {
                "theme": number[k],
                "label": " / ".join(picked[:3]),
                "top_terms": ", ".join(picked),
                "comments": int(sizes[k]),
                "share": sizes[k] / max(1, has_all.sum()),
                "examples": " | ".join(quotes),
            }
        )
    table = pd.DataFrame(rows, columns=["theme", "label", "top_terms", "comments", "share", "examples"])
    if sampled:
        table.attrs.update(sample=n_fit, of=n_docs)
    renumber = np.array([number[k] for k in range(n_themes)], dtype=np.int64)
    values = np.zeros(len(texts), dtype=np.int64)
    values[positions[has_all]] = renumber[w_all[has_all].argmax(axis=1)]
    missing = np.ones(len(texts), dtype=bool)
    missing[positions[has_all]] = False
    assignment = pd.Series(pd.arrays.IntegerArray(values, missing), index=texts.index, name="theme")
    shares = np.full((len(texts), n_themes), np.nan)
    shares[positions[has_all]] = (w_all[has_all] / w_all[has_all].sum(axis=1, keepdims=True))[:, order]
    weights = pd.DataFrame(shares, index=texts.index, columns=[number[k] for k in order])
    return Themes(table=table, assignment=assignment, weights=weights, selection=selection)


def _check_tried(tried: tuple[int, int], caller: str) -> tuple[int, int]:
    if not (isinstance(tried, tuple | list) and len(tried) == 2):
        raise parameter_error("tried", caller, "a pair (fewest, most) of numbers of themes", tried)
    fewest, most = tried
    check_int(fewest, "tried[0]", caller, low=1)
    check_int(most, "tried[1]", caller, low=fewest)
    return int(fewest), int(most)


def _weights(vectorizer, h: np.ndarray, texts: list[str]) -> np.ndarray:
    """The theme weights of ``texts`` (:func:`_project` of their TF-IDF rows), the factors ``h`` held fixed.

    The rows are what ``vectorizer.transform(texts)`` gives (its counts, then its fitted TF-IDF weighting), counted
    by :func:`_term_counts`: scikit-learn's loop raises and catches an exception for every term outside the
    vocabulary, most of a comment's two-word phrases."""
    counts = _term_counts(texts, vectorizer.vocabulary_, vectorizer.dtype)
    return _project(vectorizer._tfidf.transform(counts, copy=False), h)


def _project(x, h: np.ndarray, sweeps: int = _PROJECT_SWEEPS) -> np.ndarray:
    """Theme weights ``w >= 0`` of texts ``x`` (TF-IDF rows) that minimise ``||x - w h||``, the factors ``h`` held fixed.

    Coordinate descent, as scikit-learn's NMF solver, but with a fixed number of sweeps and no stopping rule
    over the whole batch: each text's weights depend on that text alone, so giving the texts their themes in
    chunks gives what one pass over all of them would.
    """
    gram = h @ h.T
    xh = np.asarray(x @ h.T)
    w = np.zeros((x.shape[0], h.shape[0]))
    for _ in range(sweeps):
        for t in range(h.shape[0]):
            if gram[t, t] > 0:
                w[:, t] = np.maximum(0.0, w[:, t] - (w @ gram[:, t] - xh[:, t]) / gram[t, t])
    return w


def _term_matrix(body: list[str]):
    """TF-IDF of the terms (:func:`_terms`) of the non-empty texts, the terms and the fitted vectoriser (None when
    no term is left: an empty matrix)."""
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

    n_docs = len(body)
    vectorizer = TfidfVectorizer(
        analyzer=_terms, min_df=_min_df(n_docs), max_df=0.95 if n_docs >= 20 else 1.0, sublinear_tf=True, dtype=np.float64
    )
    try:
        return vectorizer.fit_transform(body), vectorizer.get_feature_names_out(), vectorizer
    except ValueError:  # nothing left after stop words and min_df
        return csr_matrix((n_docs, 0)), np.array([], dtype=object), None


def _distinctive(terms: np.ndarray, weights: np.ndarray, present, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A theme's candidate terms (its strongest by factor weight, no filler) scored by how much more its comments use them:
    the share of the theme's comments with the term less the share of the other comments with it. A factor that
    is no comment's main theme keeps its factor weights."""
    candidates = np.flatnonzero(weights > 0)
    candidates = candidates[np.argsort(-weights[candidates], kind="stable")]
    candidates = np.array([j for j in candidates if not _FILLER.intersection(str(terms[j]).split())][:50], dtype=int)
    inside, outside = members.sum(), (~members).sum()
    if not inside or not candidates.size:
        return terms[candidates], weights[candidates]
    sub = present[:, candidates]
    share_in = np.asarray(sub[members].sum(axis=0)).ravel() / inside
    share_out = np.asarray(sub[~members].sum(axis=0)).ravel() / max(1, outside)
    return terms[candidates], share_in - share_out


def theme_selection(
    x, *, tried: tuple[int, int] = _THEMES_TRIED, random_state: int = 0, method: str = "clusters"
) -> pd.DataFrame:
    """Compare numbers of themes on a term matrix and choose the one whose themes are most clearly apart.

    The comments are placed in a latent semantic space (:func:`_lsa`) and grouped by k-means for each number of
    themes tried (:func:`_clusters`). The number chosen is the one of highest mean **silhouette** (Rousseeuw 1987,
    *Silhouettes: a graphical aid to the interpretation and validation of cluster analysis*; cosine distance, as
    for text): how much closer, on average, each comment is to the comments of its own theme than to those of the
    next nearest theme, from -1 to 1. A tie goes to fewer themes. Above 5,000 comments the comparison is made on a
    random 5,000 (seeded), with three k-means starts for each number (ten for the themes themselves), and the
    silhouette is measured on a seeded 2,000 of them. With ``method="nmf"`` the themes are NMF's factors for each
    number, and the highest quality (below) wins instead.

    Each row also says how readable the themes are, for whoever weighs a number against another (used to choose
    only by ``method="nmf"``). **Coherence** is the mean normalised pointwise mutual information (NPMI, Bouma
    2009; the kind of coherence that best follows people's judgements in Röder et al., 2015) of each pair of a
    theme's ten strongest terms, counted in the comments themselves: 1 when the terms are always used together, 0 when independently,
    -1 when never together. **Diversity** is the share of distinct terms among those same ten strongest terms of
    every theme. **Quality** is (1 + coherence) / 2 times diversity (after Dieng, Ruiz and Blei, 2020, *Topic
    modeling in embedding spaces*).

    Parameters
    ----------
    x : sparse matrix
        Texts by terms (TF-IDF or counts), as :func:`themes` builds it.
    tried : (int, int), default (2, 10)
        The fewest and most themes compared (at most the number of texts and of terms).
    random_state : int, default 0
        Seed of the semantic space, of the k-means starts (or NMF's) and of the samples.
    method : {"clusters", "nmf"}, default "clusters"
        How themes are found (:func:`themes`).

    Returns
    -------
    pandas.DataFrame
        One row per number of themes tried: ``k``, ``silhouette`` (missing where it is not defined: one theme, or
        as many themes as texts), ``coherence``, ``diversity``, ``quality``, ``best`` (True on the row of highest
        silhouette) and ``chosen`` (the number used: here the best; :func:`themes` marks the number it was given
        instead, when it was given one).

    Raises
    ------
    CxmError
        When ``tried`` is not a pair of whole numbers with 1 <= fewest <= most, or the matrix has fewer
        texts or terms than the fewest themes tried.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import CountVectorizer
    >>> texts = ["missed bin again", "bin missed twice", "missed bin collection", "phone queue ages",
    ...          "waited phone queue", "phone queue long", "pothole road repair", "road pothole deep"]
    >>> table = theme_selection(CountVectorizer().fit_transform(texts), tried=(2, 4))
    >>> table["k"].tolist(), int(table.loc[table["best"], "k"].iloc[0])
    ([2, 3, 4], 3)
    """
    _check_method(method, "theme_selection")
    fewest, most = _check_tried(tried, "theme_selection")
    n_docs, n_terms = x.shape
    if min(n_docs, n_terms) < fewest:
        raise parameter_error(
            "tried", "theme_selection", f"within the number of texts ({n_docs}) and of terms ({n_terms})", tried
        )
    if n_docs > _SELECTION_SAMPLE:
        rows = np.sort(np.random.default_rng(random_state).choice(n_docs, _SELECTION_SAMPLE, replace=False))
        x = x[rows]
    z = _lsa(x, random_state) if method == "clusters" else None
    return _selection(x, z, (fewest, min(most, n_docs, n_terms)), random_state, method)


def _selection(x, z: np.ndarray | None, tried: tuple[int, int], random_state: int, method: str) -> pd.DataFrame:
    """:func:`theme_selection` on texts ``x`` already placed in the semantic space (``z``, one row per text; None for
    ``method="nmf"``)."""
    from sklearn.metrics import silhouette_score

    fewest, most = tried
    if x.shape[0] > _SELECTION_SAMPLE:
        rows = np.sort(np.random.default_rng(random_state).choice(x.shape[0], _SELECTION_SAMPLE, replace=False))
        x, z = x[rows], (None if z is None else z[rows])
    present = (x > 0).astype(np.float64).tocsc()
    n = present.shape[0]
    together = (present.T @ present).tocsr()  # comments with both terms (the diagonal: with the term)
    used = np.asarray((x != 0).sum(axis=1)).ravel() > 0  # a text with none of the terms belongs to no theme
    records = []
    for k in range(fewest, most + 1):
        if z is not None:
            labels = _clusters(z, k, random_state, starts=_SELECTION_STARTS)
            h = _profiles(x, labels, k)
        else:
            h = _nmf(k, random_state).fit(x).components_
        tops = [(order := np.argsort(-row, kind="stable"))[row[order] > 0] for row in h]  # a theme's own terms
        coherence = float(np.mean([_npmi(together, top[:_QUALITY_TERMS], n) for top in tops]))
        strongest = np.concatenate([top[:_QUALITY_TERMS] for top in tops])
        diversity = len(set(strongest.tolist())) / max(1, len(strongest))
        silhouette = np.nan
        if z is not None and 2 <= len(np.unique(labels[used])) < used.sum():
            size = _SILHOUETTE_SAMPLE if used.sum() > _SILHOUETTE_SAMPLE else None
            silhouette = float(
                silhouette_score(z[used], labels[used], metric="cosine", sample_size=size, random_state=random_state)
            )
        records.append(
            {
                "k": k,
                "silhouette": silhouette,
                "coherence": coherence,
                "diversity": diversity,
                "quality": (1 + coherence) / 2 * diversity,  # NPMI runs from -1: moved to 0-1 for the product
            }
        )
    table = pd.DataFrame(records, columns=["k", "silhouette", "coherence", "diversity", "quality"])
    criterion = table["silhouette"] if z is not None else table["quality"]
    best = criterion.round(9).fillna(-np.inf).idxmax()  # idxmax takes the first of ties: the fewer themes
    table["best"] = table.index == best
    table["chosen"] = table["best"]
    return table


def _check_method(method: str, caller: str) -> None:
    if method not in _METHODS:
        raise parameter_error("method", caller, " or ".join(repr(m) for m in _METHODS), method)


def _nmf(k: int, random_state: int):
    from sklearn.decomposition import NMF

    return NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=500)


def _lsa(x, random_state: int) -> np.ndarray:
    """The texts in a latent semantic space (Deerwester et al. 1990, *Indexing by latent semantic analysis*): the
    TF-IDF matrix's leading ``_LSA_DIMENSIONS`` singular directions, each text's vector scaled to length 1 (so that
    k-means on them groups by cosine, the usual likeness of texts). 100 dimensions, as scikit-learn's example
    *Clustering text documents using k-means* (section "Performing dimensionality reduction using LSA"), within
    the 100-300 Manning, Raghavan and Schütze advise (*Introduction to Information Retrieval*, 2008, section 18.4);
    fewer for a few texts or terms. Words used in like comments fall on like directions, so comments sharing no
    word but the same subject ("bin" and "recycling") can still come together, as they cannot in raw TF-IDF."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    dimensions = min(_LSA_DIMENSIONS, x.shape[0] - 1, x.shape[1] - 1)
    if dimensions < 2:  # too few texts or terms for a reduced space: the TF-IDF rows themselves
        return normalize(np.asarray(x.toarray() if hasattr(x, "toarray") else x, dtype=np.float32))
    z = TruncatedSVD(n_components=dimensions, algorithm="randomized", random_state=random_state).fit_transform(x)
    return normalize(z).astype(np.float32)  # single precision: half the memory and time of k-means, same groups


def _clusters(z: np.ndarray, k: int, random_state: int, *, starts: int = _KMEANS_STARTS) -> np.ndarray:
    """Each text's theme (0 to k - 1) by k-means on its unit-length vector (spherical k-means, Dhillon and Modha 2001,
    as nearly as Euclidean k-means on unit vectors gives it), ``starts`` seeded k-means++ starts, the best
    kept. Texts with no term (zero vectors) are left out of the grouping (-1): their weights are all 0, no theme."""
    import warnings

    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    used = np.abs(z).sum(axis=1) > 0
    if used.sum() < k:  # too few texts with terms to group: every text is grouped, as the matrix allows
        used[:] = True
    labels = np.full(len(z), -1, dtype=np.int64)
    with warnings.catch_warnings():  # fewer distinct texts than themes: some themes repeat, as NMF's would
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels[used] = KMeans(n_clusters=k, n_init=starts, random_state=random_state).fit_predict(z[used])
    return labels


def _profiles(x, labels: np.ndarray, k: int) -> np.ndarray:
    """Each theme's term profile: the mean TF-IDF row of its texts (k by terms, non-negative), on which every text is
    then weighed (:func:`_project`) and the theme's terms ranked (:func:`_distinctive`), as NMF's factors were."""
    from scipy.sparse import csr_matrix

    rows = np.flatnonzero(labels >= 0)
    member = csr_matrix((np.ones(len(rows)), (labels[rows], rows)), shape=(k, len(labels)))
    counts = np.bincount(labels[rows], minlength=k)
    return np.asarray(csr_matrix(member @ x).todense()) / np.maximum(counts, 1)[:, None]


def _npmi(together, top: np.ndarray, n: int) -> float:
    """Mean NPMI of the pairs of terms ``top`` (-1 for terms never used together, 1 for always together)."""
    if len(top) < 2:
        return 0.0
    counts = together[top][:, top].toarray()
    p = np.diag(counts) / n
    i, j = np.triu_indices(len(top), k=1)
    p_ij = counts[i, j] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(p_ij / (p[i] * p[j]))
        npmi = np.where(p_ij == 0, -1.0, np.where(p_ij >= 1, 1.0, pmi / -np.log(p_ij)))
    return float(np.mean(npmi))


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
        ``share_positive`` and ``not_english`` (the theme's comments in another language: not scored, so
        outside the shares).

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
    ).dropna(subset=["theme"])
    other = joined["label"] == NOT_ENGLISH
    rows = []
    for theme, label in zip(themes.table["theme"], themes.table["label"]):
        part = joined[(joined["theme"] == theme) & joined["compound"].notna()]
        n = len(part)
        shares = {f"share_{lab}": (part["label"] == lab).sum() / n if n else np.nan for lab in _LABELS}
        rows.append(
            {
                "theme": theme,
                "label": label,
                "comments": n,
                "mean_compound": part["compound"].mean() if n else np.nan,
                **shares,
                "not_english": int((other & (joined["theme"] == theme)).sum()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "theme",
            "label",
            "comments",
            "mean_compound",
            "share_negative",
            "share_neutral",
            "share_positive",
            "not_english",
        ],
    )


def comment_themes(
    themes: Themes,
    sentiment: pd.DataFrame,
    *,
    rows: pd.Series | None = None,
    category: pd.Series | None = None,
    rating: pd.Series | None = None,
    other_weight: float = 0.5,
) -> pd.DataFrame:
    """Each comment's theme(s) and tone, by row, so that people can check the themes and use them: never the text.

    Parameters
    ----------
    themes : Themes
        From :func:`themes`.
    sentiment : pandas.DataFrame
        From :func:`sentiment` on the same texts (same index).
    rows : pandas.Series, optional
        A reference of each text that identifies no one, on the texts' index: the row of the input file the text
        came from (``read_input(...).attrs["rows"]``), so that whoever holds the file can look the comment up.
        Default: 1, 2, ... in the texts' order. Never pass a respondent's own id: it could name someone.
    category, rating : pandas.Series, optional
        What the source system says the comment is about, and the rating given with it, on the texts' index.
    other_weight : float, default 0.5
        A further theme is listed when it explains at least this fraction of what the main theme does.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty text, in input order: ``row``, ``theme`` (the main theme; missing when the text has
        none of the themes' terms), ``theme_share`` (the part of the text the main theme explains, 0-1),
        ``other_themes`` (further themes, strongest first, separated by ";"), ``sentiment`` (label),
        ``compound`` (VADER score), ``rating`` and ``category`` (missing when not given).

    Examples
    --------
    >>> texts = pd.Series(["Bin missed again", "Missed bin twice", "Missed bin and a long phone queue",
    ...                    "Phone queue long", "Phone queue ages", None])
    >>> th = themes(texts, n_themes=2, method="nmf")  # each comment a mixture of themes
    >>> out = comment_themes(th, sentiment(texts), rows=pd.Series([2, 3, 4, 5, 6, 7]))
    >>> out[["row", "theme", "other_themes", "sentiment"]].values.tolist()
    [[2, 2, '', 'negative'], [3, 2, '', 'negative'], [4, 1, '2', 'negative'], [5, 1, '', 'neutral'], [6, 1, '', 'neutral']]
    """
    check_type(themes, "themes", "comment_themes", Themes, "a Themes")
    check_type(sentiment, "sentiment", "comment_themes", pd.DataFrame, "a DataFrame (from cxmethods.methods.text.sentiment)")
    index = themes.assignment.index
    if not sentiment.index.equals(index):
        raise parameter_error(
            "sentiment", "comment_themes", "on the index of the texts given to themes", "another index", as_text=True
        )
    if not 0 < other_weight <= 1:
        raise parameter_error("other_weight", "comment_themes", "a fraction in (0, 1]", other_weight)
    given = {}
    for name, values in (("rows", rows), ("category", category), ("rating", rating)):
        if values is not None:
            check_type(values, name, "comment_themes", pd.Series, "a pandas Series")
            if len(values) != len(index):
                raise parameter_error(
                    name, "comment_themes", f"one value per text ({len(index)})", f"{len(values)} values", as_text=True
                )
            given[name] = values.to_numpy()
    kept = sentiment["label"].notna().to_numpy()
    shares = themes.weights.to_numpy()[kept]
    numbers = np.array(themes.weights.columns)
    has = ~np.isnan(shares).all(axis=1) if shares.shape[1] else np.zeros(len(shares), dtype=bool)
    main_share = np.full(len(shares), np.nan)
    main_share[has] = shares[has].max(axis=1)
    others = [""] * len(shares)
    for i in np.flatnonzero(has):
        ranked = np.argsort(-shares[i], kind="stable")
        limit = other_weight * shares[i, ranked[0]]
        others[i] = ";".join(str(numbers[j]) for j in ranked[1:] if shares[i, j] > 0 and shares[i, j] >= limit)
    return pd.DataFrame(
        {
            "row": given["rows"][kept] if "rows" in given else np.flatnonzero(kept) + 1,
            "theme": themes.assignment.to_numpy()[kept],
            "theme_share": main_share,
            "other_themes": others,
            "sentiment": sentiment["label"].to_numpy()[kept],
            "compound": sentiment["compound"].to_numpy()[kept],
            "rating": given["rating"][kept] if "rating" in given else np.nan,
            "category": given["category"][kept] if "category" in given else None,
        }
    ).astype({"theme": "Int64"})


def theme_categories(themes: Themes, categories: pd.Series) -> pd.DataFrame:
    """Do the themes follow the categories the source system gave the comments (a product, a service)?

    Parameters
    ----------
    themes : Themes
        From :func:`themes`.
    categories : pandas.Series
        Each text's category, on the texts' index; missing where the system gave none.

    Returns
    -------
    pandas.DataFrame
        One row per theme, in ``themes.table`` order: ``theme``, ``top_category`` (the category most of its
        comments have), ``top_category_share`` (their share of the theme's comments with a category) and
        ``category_ami``: the adjusted mutual information between themes and categories over all comments with
        both (scikit-learn's ``adjusted_mutual_info_score``), one figure for the whole set, so the same on every
        row. 0 is no more agreement than chance; 1 is the same grouping. Themes are found in the words alone, so
        a low figure is no fault: the comments may cut across the system's categories.

    Raises
    ------
    CxmError
        When ``categories`` is not on the texts' index, or fewer than two categories are used by themed texts.

    Examples
    --------
    >>> texts = pd.Series(["Bin missed again", "Missed bin twice", "Phone queue long", "Phone queue ages"])
    >>> th = themes(texts, n_themes=2)
    >>> theme_categories(th, pd.Series(["Waste", "Waste", "Calls", "Calls"])).values.tolist()
    [[1, 'Calls', 1.0, 1.0], [2, 'Waste', 1.0, 1.0]]
    """
    from sklearn.metrics import adjusted_mutual_info_score

    check_type(themes, "themes", "theme_categories", Themes, "a Themes")
    check_type(categories, "categories", "theme_categories", pd.Series, "a pandas Series")
    if not categories.index.equals(themes.assignment.index):
        raise parameter_error(
            "categories", "theme_categories", "on the index of the texts given to themes", "another index", as_text=True
        )
    both = pd.DataFrame({"theme": themes.assignment, "category": categories.astype("string")}).dropna()
    if both["category"].nunique() < 2:
        raise CxmError(
            f"Themes cannot be compared with categories: the {len(both)} comments with a theme have "
            f"{both['category'].nunique()} category between them, and at least two are needed."
        )
    ami = float(adjusted_mutual_info_score(both["category"].to_numpy(), both["theme"].astype(int).to_numpy()))
    rows = []
    for theme in themes.table["theme"]:
        counts = both.loc[both["theme"] == theme, "category"].value_counts(sort=False)
        counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")  # ties by name
        rows.append(
            {
                "theme": theme,
                "top_category": counts.index[0] if len(counts) else None,
                "top_category_share": counts.iloc[0] / counts.sum() if len(counts) else np.nan,
                "category_ami": ami,
            }
        )
    return pd.DataFrame(rows, columns=["theme", "top_category", "top_category_share", "category_ami"])
