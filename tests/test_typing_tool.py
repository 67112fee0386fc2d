"""Tests for cxmethods.methods.typing_tool: the few questions that place a new customer in a segment, tested against
the segmenter's own assignments on respondents set aside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxmethods import CxmError, load_engagement, read_input
from cxmethods.methods.segmenter import ATTRIBUTES, Segmenter
from cxmethods.methods.typing_tool import TypingTool, typing_summary


def _planted(n: int = 900, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three segments told apart by tenure and a number; noise columns that tell nothing."""
    rng = np.random.default_rng(seed)
    y = rng.choice([1, 2, 3], n, p=[0.5, 0.3, 0.2])
    tenure = np.where(y == 1, "own", np.where(y == 2, "rent", "social"))
    flip = rng.random(n) < 0.1
    tenure = np.where(flip, rng.choice(["own", "rent", "social"], n), tenure)
    X = pd.DataFrame(
        {
            "noise_a": rng.choice(["x", "y", "z"], n),
            "tenure": tenure,
            "age": rng.normal(np.select([y == 1, y == 2], [62.0, 30.0], 45.0), 6),
            "noise_b": rng.normal(0, 1, n),
            "car": rng.random(n) < 0.5,
        }
    )
    return X, y


def test_the_telling_questions_are_chosen_first_and_noise_is_left_out():
    X, y = _planted()
    tool = TypingTool(min_questions=1).fit(X, y)
    assert tool.questions_[:2] in (["tenure", "age"], ["age", "tenure"])
    assert not {"noise_a", "noise_b", "car"} & set(tool.questions_)
    assert tool.agreement_ >= 0.9 and tool.n_heldout_ == pytest.approx(0.3 * len(y), abs=3)
    steps = tool.steps_
    assert steps["asked"].sum() == len(tool.questions_) and steps["order"].tolist() == list(range(1, len(steps) + 1))
    assert (steps.loc[~steps["asked"], "gain"] < 0.01).iloc[0]  # it stopped where a question added under a point


def test_agreement_is_measured_on_respondents_set_aside_and_matches_predict():
    X, y = _planted()
    tool = TypingTool().fit(X, y)
    typed = tool.predict(X)
    assert tool.agreement_all_ == pytest.approx((typed == y).mean())
    c = tool.confusion_
    assert c["respondents"].sum() == tool.n_heldout_ and len(c) == 9  # every pair, zeros included
    same = c.loc[c["segment"] == c["typed"], "respondents"].sum()
    assert tool.agreement_ == pytest.approx(same / tool.n_heldout_)
    by_segment = c.groupby("segment")["respondents"].sum()
    assert (by_segment.to_numpy() == np.round(0.3 * np.bincount(y)[1:])).all()  # 30% of each segment set aside


def test_the_same_data_and_seed_give_the_same_tool():
    X, y = _planted()
    a, b = TypingTool(random_state=3).fit(X, y), TypingTool(random_state=3).fit(X, y)
    assert a.questions_ == b.questions_ and a.agreement_ == b.agreement_
    assert a.scorecard().equals(b.scorecard())


def test_the_points_card_reproduces_the_tools_placements():
    X, y = _planted()
    tool = TypingTool().fit(X, y)
    card = tool.scorecard({"tenure": "Home"})
    assert card.columns.tolist()[:4] == ["order", "attribute", "label", "answer"]
    assert card.columns.tolist()[4:] == ["segment_1", "segment_2", "segment_3"]
    assert card.iloc[0]["label"] == "Starting points" and (card.iloc[:, 4:] >= 0).all().all()
    assert "Home" in set(card["label"])
    # by hand: add the points of each answer and take the segment with most points (the first on a tie)
    answers = {q: pd.Series(tool.answers_[q]) for q in tool.questions_}
    start = card.iloc[0, 4:].to_numpy(dtype=int)
    bands = {q: tool.edges_.get(q) for q in tool.questions_}
    from cxmethods.methods.attributes import number_bins

    for i in range(25):
        total = start.copy()
        for q in tool.questions_:
            value = X[q].iloc[[i]]
            answer = str(number_bins(value, bins=bands[q]).iloc[0]) if bands[q] else str(value.iloc[0])
            assert answer in set(answers[q])
            total = total + card[(card["attribute"] == q) & (card["answer"] == answer)].iloc[0, 4:].to_numpy(dtype=int)
        assert tool.classes_[int(np.argmax(total))] == tool.predict(X.iloc[[i]])[0]


def test_whole_points_lose_almost_nothing_against_exact_scores():
    X, y = _planted(seed=4)
    tool = TypingTool().fit(X, y)
    from cxmethods.methods import typing_tool as tt

    codes = {q: pd.Index(tool.answers_[q]).get_indexer(tt._answers(X[q], tool.edges_.get(q))) for q in tool.questions_}
    y_code = pd.Index(tool.classes_).get_indexer(y)
    prior, tables = tt._log_tables(
        codes, {q: len(tool.answers_[q]) for q in codes}, y_code, np.arange(len(y)), tool.questions_, 3
    )
    exact = np.tile(prior, (len(y), 1)) + sum(tables[q][codes[q]] for q in tool.questions_)
    assert abs((exact.argmax(axis=1) == tool._typed(codes)).mean() - 1) < 0.02


@pytest.mark.parametrize(
    "X",
    [
        pd.DataFrame({"flag": [True, False] * 60, "ward": ["A", "B", "C"] * 40}),  # booleans and text
        pd.DataFrame({"score": [1, 2, 3, 4, 5] * 24, "contacts": list(range(120))}),  # a scale and a count in bands
        pd.DataFrame({"band": pd.Categorical(["18-34", "35-54", "55+"] * 40, ["18-34", "35-54", "55+"], ordered=True)}),
        pd.DataFrame({"tenure": ["own", None, "rent"] * 40, "age": [30.0, np.nan, 70.0] * 40}),  # missing answers
    ],
    ids=["bool-text", "numbers", "ordered-bands", "missing"],
)
def test_any_survey_shape_the_segmenter_takes(X):
    y = np.resize([1, 2, 2, 3], len(X))
    tool = TypingTool().fit(X, y)
    assert 1 <= len(tool.questions_) <= min(7, X.shape[1])
    assert set(tool.predict(X)) <= {1, 2, 3}
    card = tool.scorecard()
    if "band" in X:
        assert card["answer"].tolist()[1:] == ["18-34", "35-54", "55+"]  # in the bands' order
    if "contacts" in tool.questions_:
        assert "contacts" in tool.edges_ and card[card["attribute"] == "contacts"]["answer"].str.contains("-|and over").all()
    if "tenure" in tool.questions_:
        assert tool.answers_["tenure"][-1] == "missing"
        assert card.loc[card["attribute"] == "tenure", "answer"].tolist() == ["own", "rent", "no answer"]


def test_text_answers_in_natural_order():
    X = pd.DataFrame({"income": ["$100k-150k", "under $25k", "$25k-50k", "$50k-75k"] * 30})
    tool = TypingTool(min_questions=1).fit(X, np.resize([1, 2, 1, 2], 120))
    assert tool.answers_["income"] == ["$25k-50k", "$50k-75k", "$100k-150k", "under $25k"]


def test_an_unseen_answer_scores_no_points_and_rows_without_a_segment_are_left_out():
    X, y = _planted(300)
    labels = pd.Series(y, dtype="Int64")
    labels.iloc[:10] = pd.NA
    tool = TypingTool(min_questions=1).fit(X, labels)
    assert tool.n_total_ == 290
    new = X.iloc[:2].copy()
    new["tenure"] = "houseboat"
    assert len(tool.predict(new)) == 2


def test_bad_input_is_named():
    X, y = _planted(200)
    with pytest.raises(CxmError, match=r"The 'max_questions' parameter of TypingTool must be an int >= 3\. Got 2 instead"):
        TypingTool(max_questions=2).fit(X, y)
    with pytest.raises(CxmError, match=r"The 'holdout' parameter of TypingTool must be a number in \(0, 0\.5\]"):
        TypingTool(holdout=0.8).fit(X, y)
    with pytest.raises(CxmError, match=r"'y' parameter of TypingTool\.fit must be one segment per row of X \(200\)"):
        TypingTool().fit(X, y[:10])
    with pytest.raises(CxmError, match=r"at least two segments"):
        TypingTool().fit(X, np.ones(200))
    with pytest.raises(CxmError, match=r"no question to ask"):
        TypingTool().fit(pd.DataFrame({"id": [f"R{i}" for i in range(200)]}), y)
    with pytest.raises(CxmError, match=r"no column 'tenure'"):
        TypingTool(min_questions=1).fit(X, y).predict(X.drop(columns=["tenure", "age"]))


def test_summary_in_words():
    X, y = _planted()
    tool = TypingTool().fit(X, y)
    without = TypingTool().fit(X.drop(columns=["age"]), y)
    table = typing_summary(tool, without=without, left_out=["Age"])
    assert table["check"].tolist() == ["heldout", "everyone", "without_protected"]
    n = len(tool.questions_)
    words = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five"}[n]
    assert (
        table["note"]
        .iloc[0]
        .startswith(f"{words} question{'s' if n > 1 else ''} place {tool.agreement_:.0%} of the respondents set aside")
    )
    assert "Built without asking about Age" in table["note"].iloc[2] and table["agreement"].iloc[2] == without.agreement_


def test_on_the_sample_a_few_questions_agree_with_the_segmenter():
    survey = read_input(load_engagement(), "survey")
    X = survey[list(ATTRIBUTES)]
    labels = Segmenter(5).fit(X).labels_
    tool = TypingTool().fit(X, labels)
    assert 3 <= len(tool.questions_) <= 7 and tool.agreement_ >= 0.9
