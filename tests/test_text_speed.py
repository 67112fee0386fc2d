"""Comments at scale (issue 22): the faster tone and language code gives what the published rules give, and work
spread over processes gives what one process gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cxmethods import load_engagement
from cxmethods.core.parallel import available_cores, close_workers, map_parts
from cxmethods.io.redact import personal_data_counts, redact_series
from cxmethods.methods import text as text_module
from cxmethods.methods import tone as tone_module
from cxmethods.methods.text import themes
from cxmethods.methods.tone import SCORERS, detect_language, score, tone
from cxmethods.workbooks import voice_of_customer

REALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"

# VADER's rules, each met at least once: negation one to three words back, "never so", "without doubt", "least",
# idioms and boosters, words in capitals among others that are not, "but", "no" before a lexicon word, emojis.
TRICKY = (
    "This is NOT good at all!!",
    "no good",
    "It was no or nor good, no help",
    "I was never so happy",
    "never this bad",
    "without doubt the best service",
    "without any doubt helpful",
    "it was kind of bad and sort of ok",
    "the shit, the bomb",
    "a kiss of death for the service",
    "yeah right, great",
    "at least it worked",
    "the very least helpful, least helpful, least good",
    "I can't say it was good and it isn't bad, I don't hate it",
    "No one cared. NO HELP. Nobody answered.",
    "GREAT service but the wait was AWFUL",
    "The staff were helpful but the website was terrible, however it worked in the end.",
    "Good, better, best; bad, worse, worst?? Really!!!!",
    "  padded text with spaces  ",
    "great 👍 😀 but sad 😢",
    "Terrible :( and then great :)",
    "hardly helpful, barely good, aint nice, couldnt care",
    "Extremely helpful, very good, quite bad, slightly annoying, incredibly rude",
    "",
    "OK",
)


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    """The sample engagement's comments, the tricky sentences, and real complaints when the shared data is there."""
    from cxmethods import read_input

    survey = read_input(load_engagement(), "survey")
    texts = survey["comment"].dropna().astype(str).tolist() + list(TRICKY)
    cfpb = REALDATA / "cfpb_complaints_sample_2015_2020.csv"
    if cfpb.exists():
        texts += pd.read_csv(cfpb)["Consumer complaint narrative"].dropna().astype(str).head(400).tolist()
    return texts


def test_vader_gives_the_published_scores(corpus):
    published = SentimentIntensityAnalyzer()
    ours = tone_module._vader()
    for text in corpus:
        assert ours.polarity_scores(text) == published.polarity_scores(text), text


def test_the_service_layer_reads_ascii_text_as_the_case_insensitive_patterns_do(corpus):
    for text in [*corpus, "The Fair Credit Reporting Act; Garden WASTE Collection. HOWEVER, Sorted The Same Day."]:
        for fast, slow in ((tone_module._FAILURE_LOW, tone_module._FAILURE), (tone_module._SUCCESS_LOW, tone_module._SUCCESS)):
            if text.isascii():
                assert [m.span() for m in fast.finditer(text.lower())] == [m.span() for m in slow.finditer(text)], text
        if text.isascii():
            plain = tone_module._NOUNS.sub(
                lambda m: tone_module._joined(m.group(0)),
                tone_module._STATUTE.sub(lambda m: tone_module._joined(m.group(0)), text),
            )
            assert tone_module._service_text(text)[0] == tone_module._CONTRAST.sub("but", plain), text


def _languages_as_before(texts: list[str]) -> list[str | None]:
    """detect_language as written before issue 22: the model asked about every text."""
    identifier, english = tone_module._identifier(), tone_module._english_words()
    out: list[str | None] = []
    for text in texts:
        if tone_module._latin_share(text) < 0.5:
            out.append(identifier.classify(text)[0])
            continue
        if len(tone_module._LETTERS.findall(text)) < tone_module._MIN_LETTERS:
            out.append(None)
            continue
        language, probability = identifier.classify(text)
        if language != "en" and probability >= tone_module._LANGUAGE_SURE:
            words = tone_module._WORDS_RE.findall(text.lower())
            if words and sum(w in english for w in words) / len(words) < tone_module._ENGLISH_WORDS:
                out.append(language)
                continue
        out.append("en")
    return out


def test_languages_are_told_as_before(corpus):
    others = [
        "Czekałem godzinę i nikt nie odebrał telefonu.",
        "Esperé una hora y nadie contestó el teléfono.",
        "J'ai attendu une heure et personne n'a répondu.",
        "Ich habe eine Stunde gewartet und niemand hat abgenommen.",
        "Am așteptat o oră și nimeni nu a răspuns.",
        "میں نے ایک گھنٹہ انتظار کیا",
        "شكرا جزيلا",
        "我等了一个小时",
        "Ok 12345 !!! ???",
        "abcdefghijk",
        "abcdefghijkl",
        "Bardzo dobra obsługa, dziękuję",
        "Merci beaucoup pour votre aide",
    ]
    texts = [t for t in corpus if t.strip()] + others
    assert detect_language(texts) == _languages_as_before(texts)


def test_scores_of_the_compared_comments_are_kept_not_recomputed(monkeypatch):
    from cxmethods import read_input

    data = read_input(load_engagement(), "survey")
    texts, ratings = data["comment"].head(400), data["overall_satisfaction"].head(400)
    monkeypatch.setattr(tone_module, "COMPARE_SAMPLE", 150)  # a sample of the rated comments
    found = tone(texts, ratings=ratings)
    scorer = found.attrs["scorer"]
    english = found["label"].notna() & (found["label"] != tone_module.NOT_ENGLISH)
    expected = score(texts[english].tolist(), scorer)
    assert np.array_equal(found.loc[english, "compound"].to_numpy(), expected)


def test_map_parts_keeps_the_order_in_processes():
    try:
        assert list(map_parts(abs, iter(range(-9, 0)), workers=2)) == list(range(9, 0, -1))
    finally:
        close_workers()
    assert available_cores() >= 1


def test_tone_themes_and_redaction_are_the_same_in_two_processes():
    from cxmethods import read_input

    data = read_input(load_engagement(), "survey")
    texts, ratings = data["comment"].head(600), data["overall_satisfaction"].head(600)
    try:
        one, two = tone(texts, ratings=ratings), tone(texts, ratings=ratings, workers=2, chunk=50)
        pd.testing.assert_frame_equal(one, two)
        pd.testing.assert_frame_equal(one.attrs["scorers"], two.attrs["scorers"])
        alone = themes(texts, n_themes=3, sample=200, random_state=4)
        shared = themes(texts, n_themes=3, sample=200, random_state=4, chunk=70, workers=2)
        pd.testing.assert_frame_equal(alone.table, shared.table)
        pd.testing.assert_series_equal(alone.assignment, shared.assignment)
        pd.testing.assert_frame_equal(alone.weights, shared.weights)
        result = voice_of_customer.VoiceOfCustomer(None)
        redacted = voice_of_customer._redact(result, texts, workers=2)
        pd.testing.assert_series_equal(redacted, redact_series(texts))
        pd.testing.assert_frame_equal(result.tables["personal_data_redacted"], personal_data_counts(texts))
    finally:
        close_workers()


def _with_workers(value):
    sample = load_engagement()
    voc = sample.settings.voc.model_copy(update={"text_workers": value})
    return sample.model_copy(update={"settings": sample.settings.model_copy(update={"voc": voc})})


def test_workers_follow_the_setting_and_the_size_of_the_survey():
    many = voice_of_customer.PARALLEL_FROM
    assert voice_of_customer._text_workers(load_engagement(), many) == 1  # by default, the workbook's own process
    assert voice_of_customer._text_workers(_with_workers(3), many) == 3
    assert voice_of_customer._text_workers(_with_workers(3), many - 1) == 1
    assert voice_of_customer._text_workers(_with_workers("cores"), many) == available_cores()


def test_the_workers_setting_is_checked(tmp_path):
    from cxmethods.core.errors import ConfigError

    engagement = tmp_path / "engagement.yaml"
    engagement.write_text(
        "name: x\norganisation: X\ncurrency: GBP\nperiod: {start: 2025-04-01, end: 2026-03-31}\n"
        "settings:\n  voc:\n    text_workers: 0\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="text_workers must be 'cores' or a number of processes from 1 to 64"):
        load_engagement(engagement)


@pytest.mark.parametrize("scorer", SCORERS)
def test_every_scorer_scores_the_tricky_sentences(scorer):
    assert np.isfinite(score(list(TRICKY), scorer)).all()


def _terms_as_before(text: str) -> list[str]:
    """text._terms as written before issue 22's second pass: noise removed, split into clauses, one pattern each."""
    from itertools import pairwise

    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    out: list[str] = []
    for clause in text_module._CLAUSE.split(text_module._NOISE.sub(" . ", text).lower()):
        words = [w if w not in ENGLISH_STOP_WORDS else None for w in text_module._WORD.findall(clause)]
        out += [w for w in words if w]
        out += [f"{a} {b}" for a, b in pairwise(words) if a and b]
    return out


# what the analyser must read as it did: digits, "_" and single letters next to words, every clause break, masks,
# placeholders (real and look-alike), stop words between words, non-ASCII letters, digits and capitals
TERM_EDGES = (
    "missed 2 bins; missed a bin, missed the bin. bin2go abc_def x-ray e-mail don't can't I'm",
    "Rang [PHONE] twice (no answer) {$120.00} XXXX xx/xx/2020 Xx XXx [phone] [NAME]'s van [Email]",
    "one\ntwo\rthree\tfour|five[six]seven{eight}nine?ten!eleven:twelve;thirteen",
    "Café staff were naïve, Zoë's façade; İstanbul office; ² squared ½ half; ＡＢＣ full width; straße",
    "très bien service. Dziękuję za pomoc! 我等了一个小时 council tax Иван",
    "__init__ snake_case CamelCase UPPER lower MiXeD 3rd 21st 1990s 9am",
    "   ",
    "",
    ".",
    "a",
    "ab",
    "the and of",
    "...bin,,,bin...",
    "bin bin bin",
)


def test_the_term_analyser_gives_what_it_gave(corpus):
    for text in [*corpus, *TERM_EDGES]:
        assert text_module._terms(text) == _terms_as_before(text), text


def test_every_comment_gets_the_tfidf_rows_the_vectoriser_gives(corpus):
    texts = [t for t in [*corpus, *TERM_EDGES] if t.strip()]
    _, terms, vectorizer = text_module._term_matrix(texts[: len(texts) // 2])
    expected = vectorizer.transform(texts)
    found = vectorizer._tfidf.transform(text_module._term_counts(texts, vectorizer.vocabulary_, vectorizer.dtype))
    assert expected.shape == found.shape and len(terms) > 50
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(expected, part), getattr(found, part)), part
    h = np.random.default_rng(0).random((4, len(terms)))
    assert np.array_equal(text_module._weights(vectorizer, h, texts), text_module._project(expected, h))
