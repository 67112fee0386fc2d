"""Free text: sentiment, themes on redacted text, and sentiment per theme."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxmethods import load_engagement, read_input
from cxmethods.core.errors import CxmError
from cxmethods.io.redact import find_personal_data
from cxmethods.methods import text
from cxmethods.methods.text import Themes, comment_themes, sentiment, theme_categories, theme_sentiment, themes

REALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"
CFPB = REALDATA / "cfpb_complaints_sample_2015_2020.csv"

SMALL = pd.Series(
    [
        "My bin was missed again",
        "Missed bin collection, third week",
        "Bin collection missed, nobody came",
        "Waited an hour on the phone",
        "Phone queue too long, waited ages",
        "On hold on the phone for ages",
        None,
        "   ",
        "The bin men missed our road",
        "Nobody answered the phone, I waited",
    ],
    index=[f"c{i}" for i in range(10)],
)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("The staff were brilliant, kind and really helpful. Thank you!", "positive"),
        ("Great service, I am very happy with how quickly it was sorted.", "positive"),
        ("Terrible service. Rude staff and nobody cares. Awful.", "negative"),
        ("I am angry and disappointed, this is the worst council ever.", "negative"),
        ("I rang on Tuesday about my council tax.", "neutral"),
        ("The form has three pages.", "neutral"),
    ],
)
def test_sentiment_labels_clear_sentences(text, label):
    out = sentiment(pd.Series([text]))
    assert out["label"].iloc[0] == label
    assert -1 <= out["compound"].iloc[0] <= 1


def test_sentiment_keeps_index_and_leaves_empty_texts_missing():
    out = sentiment(SMALL)
    assert list(out.columns) == ["compound", "label", "language"] and out.index.equals(SMALL.index)
    assert out.loc[["c6", "c7"]].isna().all().all()
    assert out.drop(index=["c6", "c7"])["label"].isin(["negative", "neutral", "positive"]).all()


def test_sentiment_thresholds():
    out = sentiment(pd.Series(["good", "bad", "table"]))
    assert out["compound"].iloc[0] > 0.05 and out["compound"].iloc[1] < -0.05 and out["compound"].iloc[2] == 0


def test_themes_table_and_assignment_line_up():
    th = themes(SMALL, n_themes=2)
    assert isinstance(th, Themes)
    assert list(th.table.columns) == ["theme", "label", "top_terms", "comments", "share", "examples"]
    assert th.table["theme"].tolist() == [1, 2]
    assert th.assignment.index.equals(SMALL.index) and str(th.assignment.dtype) == "Int64"
    assert th.assignment[["c6", "c7"]].isna().all()
    by_theme = th.assignment.dropna().groupby(th.assignment.dropna()).size()
    assert by_theme.to_dict() == dict(zip(th.table["theme"], th.table["comments"]))
    assert th.table["share"].sum() == pytest.approx(1)
    # the bin comments share a theme, the phone comments the other
    bins, phones = ["c0", "c1", "c2", "c8"], ["c3", "c4", "c5", "c9"]
    assert th.assignment[bins].nunique() == 1 and th.assignment[phones].nunique() == 1
    assert th.assignment[bins].iloc[0] != th.assignment[phones].iloc[0]
    bin_row = th.table.set_index("theme").loc[th.assignment["c0"]]
    assert "bin" in bin_row["top_terms"] and len(bin_row["label"].split(" / ")) == 3


def test_themes_are_deterministic():
    comments = read_input(load_engagement(), "survey")["comment"]
    a, b = themes(comments, random_state=3), themes(comments, random_state=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_series_equal(a.assignment, b.assignment)


def test_themes_examples_carry_no_personal_data():
    pii = [
        "Missed bin again, call me on 07700 900123",
        "Bin collection missed, e-mail j.smith@example.com",
        "Mrs Patel says the bin was missed",
        "My bin was missed, I live at 14 Acacia Avenue, SW1A 1AA",
        "Waited an hour on the phone, my NI number is QQ 12 34 56 C",
        "Phone queue too long, ring 020 7946 0018",
        "On hold on the phone for ages, my name is Jane Doe",
        "Nobody answered the phone, card 4111 1111 1111 1111",
    ]
    th = themes(pd.Series(pii), n_themes=2, examples=4)
    text = " ".join(th.table.astype(str).to_numpy().ravel())
    assert find_personal_data(text) == []
    for value in ("07700", "j.smith", "Patel", "Acacia", "SW1A", "QQ 12", "7946", "Jane", "4111"):
        assert value not in text
    assert "[PHONE]" in text or "[EMAIL]" in text  # the examples are the redacted comments


def test_examples_are_trimmed():
    long = pd.Series([("The bin was missed again " * 30).strip(), "Bin missed", "Phone waits", "Waited on the phone"])
    th = themes(long, n_themes=2, examples=3)
    for joined in th.table["examples"]:
        assert all(len(e) <= 201 for e in joined.split(" | "))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"n_themes": 9},
            (
                r"The 'n_themes' parameter of themes must be at most the number of non-empty texts \(8, "
                r"and at least 2 are needed\)\. Got 9 instead\."
            ),
        ),
        ({"n_themes": 0}, r"The 'n_themes' parameter of themes must be an int >= 1\. Got 0 instead\."),
        ({"n_themes": 2.5}, r"The 'n_themes' parameter of themes must be an int >= 1\. Got 2\.5 instead\."),
        ({"top_terms": 0}, r"The 'top_terms' parameter of themes must be an int >= 1\. Got 0 instead\."),
    ],
)
def test_themes_parameter_errors(kwargs, message):
    with pytest.raises(CxmError, match=message):
        themes(SMALL, **kwargs)


def test_themes_too_few_texts_or_terms():
    with pytest.raises(CxmError, match=r"non-empty texts \(1, and at least 2 are needed\)\. Got 1 instead\."):
        themes(pd.Series(["Only one comment", None, ""]), n_themes=1)
    with pytest.raises(CxmError, match=r"number of distinct terms in the texts \(0 after"):
        themes(pd.Series(["the and of", "it is", "07700 900123"]), n_themes=1)
    with pytest.raises(CxmError, match=r"must be a pandas Series\. Got list instead\."):
        themes(["a", "b"])


def test_theme_sentiment_per_theme():
    comments = pd.Series(
        [
            "Missed bin again, awful",
            "Bin collection missed, useless service",
            "Lovely helpful staff",
            "Staff were lovely and kind",
            None,
        ],
        index=[4, 3, 2, 1, 0],
    )
    th = themes(comments, n_themes=2)
    out = theme_sentiment(th, sentiment(comments))
    assert list(out.columns) == [
        "theme",
        "label",
        "comments",
        "mean_compound",
        "share_negative",
        "share_neutral",
        "share_positive",
        "not_english",
    ]
    assert out["comments"].tolist() == [2, 2] and out["not_english"].tolist() == [0, 0]
    shares = out[["share_negative", "share_neutral", "share_positive"]].sum(axis=1)
    assert np.allclose(shares, 1)
    bins = out.set_index("theme").loc[th.assignment[4]]
    staff = out.set_index("theme").loc[th.assignment[2]]
    assert bins["share_negative"] == 1 and bins["mean_compound"] < 0 < staff["mean_compound"]
    # sentiment in another row order still lines up by index
    shuffled = sentiment(comments).iloc[::-1]
    pd.testing.assert_frame_equal(theme_sentiment(th, shuffled), out)


def test_theme_sentiment_needs_matching_index():
    th = themes(SMALL, n_themes=2)
    with pytest.raises(
        CxmError,
        match=r"The 'sentiment' parameter of theme_sentiment must be on the index of the texts given to themes\. Got no row for index",
    ):
        theme_sentiment(th, sentiment(SMALL.reset_index(drop=True)))
    with pytest.raises(CxmError, match=r"must be a DataFrame with columns 'compound' and 'label'"):
        theme_sentiment(th, pd.DataFrame({"score": [1]}))


@pytest.fixture(scope="module")
def survey():
    return read_input(load_engagement(), "survey")


@pytest.fixture(scope="module")
def survey_themes(survey):
    # the sample's comments are two or three of 25 stock sentences each, a mixture, as NMF models comments (the sample
    # engagement sets theme_method: nmf); k-means groups would put "The man on the phone knew exactly what to do about
    # my council tax" and "waited forty minutes on the phone" in one theme of six
    return themes(survey["comment"], n_themes=6, method="nmf")


def test_sample_themes_reflect_planted_topics(survey, survey_themes):
    comments = survey["comment"]
    table = survey_themes.table.set_index("theme")
    # each planted topic: words its comments share -> the theme most of them get must list one of those words
    topics = {
        "missed bin": ("bin", "missed"),
        "pothole": ("pothole",),
        "council tax": ("council tax",),
        "forty minutes on the phone": ("phone", "waited", "answered", "minutes"),
        "bulky waste": ("waste", "bulky", "collection"),
    }
    found = {}
    for phrase, words in topics.items():
        has = comments.str.contains(phrase, na=False)
        assert has.sum() > 50
        main = survey_themes.assignment[has].value_counts(normalize=True)
        assert main.iloc[0] > 0.6, (phrase, main)
        terms = table.loc[main.index[0], "top_terms"]
        assert any(w in terms for w in words), (phrase, terms)
        found[phrase] = main.index[0]
    assert len(set(found.values())) == len(topics)  # five topics, five different themes
    assert table["comments"].sum() == comments.notna().sum()


def test_sample_sentiment_follows_satisfaction(survey):
    scores = sentiment(survey["comment"])["compound"]
    by_score = scores.groupby(survey["overall_satisfaction"]).mean()
    assert by_score[[4, 5]].min() > 0 > by_score[[1, 2]].max()


@pytest.mark.skipif(
    not CFPB.exists(), reason=f"real CFPB complaints not found at {CFPB} (../shared/realdata beside the checkout)"
)
def test_cfpb_narratives_give_credit_and_debt_themes():
    narratives = pd.read_csv(CFPB, usecols=["Consumer complaint narrative"])["Consumer complaint narrative"]
    assert 0.15 < narratives.notna().mean() < 0.35
    th = themes(narratives, n_themes=6)
    assert th.assignment.index.equals(narratives.index)
    assert th.assignment.notna().sum() > 0.95 * narratives.notna().sum()
    labels = th.table["top_terms"].tolist()
    assert any(re.search(r"\bcredit\b", t) and re.search(r"\breport", t) for t in labels), labels
    assert any(re.search(r"\bdebt\b", t) and re.search(r"\bcollect", t) for t in labels), labels
    assert any("identity theft" in t for t in labels), labels
    assert not any(re.search(r"\bx{2,}\b", t) for t in labels)  # the CFPB's XXXX masks are not a theme
    examples = " ".join(th.table["examples"])
    assert find_personal_data(examples) == []


def _three_topics(n: int = 90, seed: int = 0) -> pd.Series:
    """Comments on three topics in varied words (no two alike), each with a filler or two and a plural twin."""
    rng = np.random.default_rng(seed)
    topics = (
        ("bin", "missed", "collection", "crew", "recycling", "street", "lorry", "wheelie"),
        ("phone", "queue", "hold", "waited", "answered", "minutes", "call", "line"),
        ("pothole", "road", "repair", "tyre", "damage", "surface", "filled", "crater"),
    )
    fillers = ("told", "exactly", "really", "actually", "said")
    out = []
    for i in range(n):
        words = list(rng.choice(topics[i % 3], 4, replace=False)) + list(rng.choice(fillers, 2, replace=False))
        rng.shuffle(words)
        out.append(" ".join(words) + ".")
    return pd.Series(out)


@pytest.mark.parametrize(("method", "criterion"), [("clusters", "silhouette"), ("nmf", "quality")])
def test_the_number_of_themes_is_chosen_by_the_stated_criterion_and_is_deterministic(method, criterion):
    comments = _three_topics()
    a, b = themes(comments, random_state=4, method=method), themes(comments, random_state=4, method=method)
    table = a.selection
    assert list(table.columns) == ["k", "silhouette", "coherence", "diversity", "quality", "best", "chosen"]
    assert table["k"].tolist() == list(range(2, 11))
    assert table["quality"].to_numpy() == pytest.approx(((1 + table["coherence"]) / 2 * table["diversity"]).to_numpy())
    assert table["best"].sum() == 1 and table.loc[table["best"], criterion].item() == table[criterion].max()
    assert table["silhouette"].notna().all() if method == "clusters" else table["silhouette"].isna().all()
    chosen = table.loc[table["chosen"], "k"].item()
    assert chosen == 3 and len(a.table) == 3  # three topics written three ways apart: three themes
    pd.testing.assert_frame_equal(a.selection, b.selection)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert themes(comments, n_themes=5, method=method).selection is None  # a number given is used as it is


def test_the_silhouette_is_scikit_learns_on_the_comments_k_means_groups():
    from sklearn.metrics import silhouette_score

    comments = _three_topics()
    x = text._term_matrix(text._redacted(comments).tolist())[0]
    z = text._lsa(x, 4)
    table = text.theme_selection(x, tried=(2, 4), random_state=4)
    for k, value in zip(table["k"], table["silhouette"]):
        labels = text._clusters(z, k, 4, starts=text._SELECTION_STARTS)
        assert value == pytest.approx(silhouette_score(z, labels, metric="cosine"))
    with pytest.raises(CxmError, match=r"The 'method' parameter of themes must be 'clusters' or 'nmf'\. Got 'lda'"):
        themes(comments, method="lda")


def test_a_given_number_of_themes_is_used_and_can_still_be_compared():
    th = themes(_three_topics(), n_themes=5, compare=True, tried=(2, 6))
    assert len(th.table) == 5 and th.table["theme"].tolist() == [1, 2, 3, 4, 5]
    assert th.selection["k"].tolist() == [2, 3, 4, 5, 6]
    assert th.selection.loc[th.selection["chosen"], "k"].tolist() == [5]
    assert th.selection.loc[th.selection["best"], "k"].tolist() == [3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tried": (3, 2)}, r"The 'tried\[1\]' parameter of themes must be an int >= 3\. Got 2 instead\."),
        ({"tried": 5}, r"The 'tried' parameter of themes must be a pair \(fewest, most\) of numbers of themes\. Got 5"),
        ({"tried": (2, 200)}, None),  # more than the texts allow: capped, not refused
    ],
)
def test_the_range_of_numbers_of_themes_tried(kwargs, message):
    if message is None:
        assert themes(_three_topics(12), **kwargs).selection["k"].max() <= 12
        return
    with pytest.raises(CxmError, match=message):
        themes(_three_topics(), **kwargs)


def test_labels_name_what_sets_a_theme_apart_without_fillers_or_plural_twins():
    comments = pd.Series(
        ["I was told my council tax bill was wrong, exactly as before"] * 6
        + ["I was told the council tax payments were late, the payment went missing"] * 6
        + ["The man said the pothole in our road would be filled"] * 6
        + ["The man said the pothole on the road outside damaged my tyre"] * 6
    )
    th = themes(comments, n_themes=2)
    labels = th.table["label"].tolist()
    terms = " ".join(th.table["top_terms"])
    assert {"told", "exactly", "man", "said"}.isdisjoint(re.split(r", | / | ", terms))
    assert any(label.startswith("council tax") for label in labels), labels  # a phrase, not "council / tax"
    assert any(label.startswith(("pothole", "road")) for label in labels), labels
    assert not ("payment" in terms.split(", ") and "payments" in terms.split(", ")), terms


def test_each_comment_gets_its_themes_and_tone_by_row_never_its_text():
    comments = _three_topics(30)
    comments[4] = None
    comments[5] = "   "
    th = themes(comments, n_themes=3)
    mood = sentiment(comments)
    rows = pd.Series(np.arange(len(comments)) + 2)  # spreadsheet rows: the header is row 1
    category = pd.Series(["Waste", "Calls", "Roads"] * 10)
    out = comment_themes(th, mood, rows=rows, category=category, rating=pd.Series(np.arange(30) % 5 + 1.0))
    assert list(out.columns) == ["row", "theme", "theme_share", "other_themes", "sentiment", "compound", "rating", "category"]
    assert out["row"].tolist() == [r for r in range(2, 32) if r not in (6, 7)]  # the empty texts are not comments
    assert out["theme"].tolist() == th.assignment.drop(index=[4, 5]).tolist()
    assert out["theme_share"].between(0, 1).all() and (out["theme_share"] >= 1 / 3).all()
    assert out["category"].tolist() == category.drop(index=[4, 5]).tolist()
    text = out.to_csv()
    words = {w.strip(".") for c in comments.dropna() for w in c.split()} - {""}
    assert [w for w in words if w in text] == []  # not a word of any comment


def test_other_themes_list_the_themes_a_comment_also_touches():
    texts = pd.Series(
        ["Bin missed again", "Missed bin twice", "Missed bin and a long phone queue", "Phone queue long", "Phone queue ages"]
    )
    th = themes(texts, n_themes=2, method="nmf")  # a mixture of two themes, as NMF models every comment
    out = comment_themes(th, sentiment(texts))
    mixed = out.set_index("row").loc[3]
    assert mixed["other_themes"] != "" and int(mixed["other_themes"]) != mixed["theme"]
    assert comment_themes(th, sentiment(texts), other_weight=1.0).loc[2, "other_themes"] == ""
    with pytest.raises(CxmError, match=r"The 'other_weight' parameter of comment_themes must be a fraction in \(0, 1\]"):
        comment_themes(th, sentiment(texts), other_weight=0)


def test_agreement_of_themes_and_categories_is_adjusted_mutual_information():
    from sklearn.metrics import adjusted_mutual_info_score

    comments = _three_topics(60)
    th = themes(comments, n_themes=3)
    truth = pd.Series(np.array(["Waste", "Calls", "Roads"])[np.arange(60) % 3])
    noisy = truth.where(np.arange(60) % 5 != 0, "Other")  # every fifth comment filed elsewhere
    out = theme_categories(th, noisy)
    assert list(out.columns) == ["theme", "top_category", "top_category_share", "category_ami"]
    expected = adjusted_mutual_info_score(noisy, th.assignment.astype(int))
    assert out["category_ami"].tolist() == pytest.approx([expected] * 3) and 0.4 < expected < 1
    assert theme_categories(th, truth)["category_ami"].iloc[0] == pytest.approx(1.0)
    assert sorted(theme_categories(th, truth)["top_category"]) == ["Calls", "Roads", "Waste"]
    shuffled = pd.Series(np.random.default_rng(0).permutation(truth.to_numpy()))
    assert abs(theme_categories(th, shuffled)["category_ami"].iloc[0]) < 0.1  # chance agreement is near 0
    with pytest.raises(CxmError, match=r"at least two are needed"):
        theme_categories(th, pd.Series(["Waste"] * 60))


@pytest.mark.skipif(
    not CFPB.exists(), reason=f"real CFPB complaints not found at {CFPB} (../shared/realdata beside the checkout)"
)
def test_cfpb_themes_follow_the_products_people_filed_them_under():
    """The themes against human labels: the product each consumer chose for the complaint (CFPB), as adjusted
    mutual information (scikit-learn's). A classifier trained on the labels (5-fold logistic regression on the same
    TF-IDF) reaches ~0.47, the ceiling of what the words say about the product; NMF's themes reach ~0.24."""
    from sklearn.metrics import adjusted_mutual_info_score

    data = pd.read_csv(CFPB, usecols=["Consumer complaint narrative", "Product"]).dropna()
    found = {}
    for method in ("clusters", "nmf"):
        th = themes(data["Consumer complaint narrative"], n_themes=6, method=method)
        has = th.assignment.notna()
        found[method] = adjusted_mutual_info_score(data["Product"][has], th.assignment[has].astype(int))
    assert found["clusters"] > 0.30 and found["clusters"] > found["nmf"] + 0.05, found


def _five_topics(seed: int = 11) -> tuple[pd.Series, np.ndarray]:
    """Comments on five topics of unequal size (120 down to 30), each four of its topic's words and two words every
    topic uses; two topics share "repair". Shuffled. Returns the comments and each one's topic."""
    rng = np.random.default_rng(seed)
    topics = (
        ("bin", "missed", "collection", "crew", "recycling", "lorry", "wheelie", "street"),
        ("phone", "queue", "hold", "waited", "answered", "minutes", "call", "line"),
        ("pothole", "road", "repair", "tyre", "damage", "surface", "filled", "crater"),
        ("council tax", "bill", "direct debit", "payment", "arrears", "refund", "discount", "reminder"),
        ("housing", "repair", "damp", "mould", "boiler", "landlord", "flat", "heating"),
    )
    shared = ("council", "week", "again", "still", "nobody", "months", "twice", "service")
    texts, truth = [], []
    for topic, size in enumerate((120, 90, 60, 45, 30)):
        for _ in range(size):
            words = list(rng.choice(topics[topic], 4, replace=False)) + list(rng.choice(shared, 2, replace=False))
            rng.shuffle(words)
            texts.append(" ".join(words) + ".")
            truth.append(topic)
    order = rng.permutation(len(texts))
    return pd.Series(np.array(texts)[order]), np.array(truth)[order]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_groups_recover_five_planted_topics_of_unequal_size_and_choose_five(seed):
    from sklearn.metrics import adjusted_mutual_info_score

    comments, truth = _five_topics()
    th = themes(comments, random_state=seed)
    assert len(th.table) == 5 and th.selection.loc[th.selection["chosen"], "k"].item() == 5
    assert adjusted_mutual_info_score(truth, th.assignment.astype(int)) == pytest.approx(1.0)
    assert sorted(th.table["comments"]) == [30, 45, 60, 90, 120]
    again = themes(comments, random_state=seed)  # same seed, same themes
    pd.testing.assert_frame_equal(th.table, again.table)
    pd.testing.assert_frame_equal(th.weights, again.weights)
