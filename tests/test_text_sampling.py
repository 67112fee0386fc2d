"""Themes of many comments: fitted on a seeded sample, every comment then given its themes in chunks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix

from cxmethods import load_engagement
from cxmethods.core.errors import CxmError
from cxmethods.io.redact import personal_data_counts, redact_series
from cxmethods.methods import text
from cxmethods.methods.text import sentiment, themes
from cxmethods.workbooks import voice_of_customer

TOPICS = (
    ("bin", "missed", "collection", "crew", "recycling", "lorry"),
    ("pothole", "road", "repair", "tyre", "surface", "crater"),
    ("damp", "mould", "landlord", "heating", "boiler", "leak"),
)


def _comments(n: int, seed: int = 5) -> pd.Series:
    """``n`` comments, each five words of one of three topics, a few empty or with a phone number."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        words = " ".join(rng.choice(TOPICS[i % 3], 5, replace=False))
        out.append(None if i % 17 == 0 else f"{words}, ring 07700 900{i % 1000:03d}" if i % 11 == 0 else words)
    return pd.Series(out, index=[f"r{i}" for i in range(n)], dtype="string")


def test_below_the_sample_size_nothing_is_sampled():
    texts = _comments(120)
    whole, big = themes(texts, n_themes=3, sample=None), themes(texts, n_themes=3, sample=500)
    pd.testing.assert_frame_equal(whole.table, big.table)
    pd.testing.assert_frame_equal(whole.weights, big.weights)
    pd.testing.assert_series_equal(whole.assignment, big.assignment)
    assert "sample" not in big.table.attrs


def test_above_it_the_sample_is_stated_and_every_comment_gets_a_theme():
    texts = _comments(600)
    found = themes(texts, n_themes=3, sample=150, random_state=2)
    non_empty = int(texts.notna().sum())
    assert found.table.attrs == {"sample": 150, "of": non_empty}
    # counts are over every comment, not the sample; the three topics come out as the three themes
    assert found.table["comments"].sum() == found.assignment.notna().sum() == non_empty
    assert sorted(found.table["comments"]) == sorted(texts.groupby(np.arange(600) % 3).count())
    topic = pd.Series(np.arange(600) % 3, index=texts.index)[texts.notna()]
    assert (found.assignment.dropna().groupby(topic).nunique() == 1).all()
    assert found.weights.dropna().sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert not found.table["examples"].str.contains("07700").any()  # redacted all the same


def test_sampling_is_deterministic_and_follows_the_seed():
    texts = _comments(600)
    a, b = themes(texts, n_themes=3, sample=150, random_state=4), themes(texts, n_themes=3, sample=150, random_state=4)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.weights, b.weights)
    other = themes(texts, n_themes=3, sample=150, random_state=5)
    assert not np.allclose(a.weights.fillna(0).to_numpy(), other.weights.fillna(0).to_numpy())


def test_chunked_assignment_equals_unchunked():
    texts = _comments(400)
    one = themes(texts, n_themes=3, sample=100, chunk=10_000)
    many = themes(texts, n_themes=3, sample=100, chunk=7)
    pd.testing.assert_frame_equal(one.table, many.table)
    pd.testing.assert_series_equal(one.assignment, many.assignment)
    pd.testing.assert_frame_equal(one.weights, many.weights, rtol=1e-12)


def test_projection_recovers_the_weights_of_each_row_alone():
    rng = np.random.default_rng(0)
    h = rng.random((3, 12))
    w = rng.random((50, 3))
    w[::5, 1] = 0  # on the boundary too
    found = text._project(csr_matrix(w @ h), h, sweeps=400)
    assert found == pytest.approx(w, abs=1e-6)
    alone = np.vstack([text._project(csr_matrix(w[i : i + 1] @ h), h, sweeps=400) for i in range(50)])
    assert np.allclose(alone, found, rtol=1e-12, atol=1e-15)


def test_already_redacted_texts_give_the_same_themes():
    texts = _comments(90)
    pd.testing.assert_frame_equal(themes(texts, n_themes=3).table, themes(redact_series(texts), n_themes=3, redacted=True).table)


def test_sample_and_chunk_are_checked():
    with pytest.raises(CxmError, match=r"The 'sample' parameter of themes must be an int >= 3\. Got 2 instead\."):
        themes(_comments(30), n_themes=3, sample=2)
    with pytest.raises(CxmError, match=r"The 'chunk' parameter of themes must be an int >= 1\. Got 0 instead\."):
        themes(_comments(30), n_themes=3, chunk=0)


def test_sentiment_in_chunks_equals_all_at_once():
    texts = pd.Series(["Brilliant, helpful staff.", None, "Rude and useless.", "", "I rang on Tuesday.", "Awful wait"] * 3)
    pd.testing.assert_frame_equal(sentiment(texts, chunk=4), sentiment(texts))


def test_redaction_and_its_counts_in_chunks_equal_all_at_once(monkeypatch):
    texts = _comments(45)
    monkeypatch.setattr(voice_of_customer, "_REDACT_CHUNK", 4)
    result = voice_of_customer.VoiceOfCustomer(None)
    redacted = voice_of_customer._redact(result, texts)
    pd.testing.assert_series_equal(redacted, redact_series(texts))
    pd.testing.assert_frame_equal(result.tables["personal_data_redacted"], personal_data_counts(texts))
    assert result.tables["personal_data_redacted"].set_index("kind").loc["phone", "count"] == 4


def test_the_workbook_states_the_sample(tmp_path):
    sample = load_engagement()
    voc = sample.settings.voc.model_copy(update={"theme_sample": 500})
    engagement = sample.model_copy(update={"settings": sample.settings.model_copy(update={"voc": voc})})
    result = voice_of_customer.run(engagement, None)
    n = len(result.table("comment_themes"))
    note = next(note for note in result.notes if note.startswith("The themes were found in a random sample"))
    assert f"random sample of 500 of the {n:,} comments (seed {engagement.seed};" in note
    assert result.table("themes")["comments"].sum() == result.table("comment_themes")["theme"].notna().sum()
