"""Respondent attributes: the default choice, numbers in readable bands, columns too varied to segment on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxmethods.core.config import InputFile
from cxmethods.methods.attributes import (
    attribute_frame,
    attribute_labels,
    level_problems,
    number_bins,
    round_edges,
    segmentation_attributes,
)

SPEC = InputFile(
    path="survey.csv",
    columns={"age_band": "Age group"},
    attributes=[
        {"column": "Q20", "label": "Age", "kind": "number"},
        {"column": "Q21", "label": "Years in the city", "kind": "number", "bins": [5, 10, 20]},
        {"column": "Q23", "label": "Tenure"},
    ],
)


@pytest.mark.parametrize(
    "values, bins, expected",
    [
        (
            [16, 18, 34, 35, 74, 75, 90],
            [18, 35, 55, 75],
            ["under 18", "18-34", "18-34", "35-54", "55-74", "75 and over", "75 and over"],
        ),
        ([0, 4, 5, 9, 10, 19, 20], [5, 10, 20], ["under 5", "under 5", "5-9", "5-9", "10-19", "10-19", "20 and over"]),
        ([1, 2, 3], [2, 3], ["under 2", "2", "3 and over"]),  # a band of one whole number reads as the number
        ([0.5, 2.5, 7.25], [2.5, 5], ["under 2.5", "2.5 to under 5", "5 and over"]),  # not whole numbers
        ([1500, 25000, 250000], [10000, 50000], ["under 10,000", "10,000-49,999", "50,000 and over"]),
    ],
)
def test_user_bins_are_lower_edges_and_nobody_falls_outside(values, bins, expected):
    assert number_bins(pd.Series(values), bins=bins).astype(str).tolist() == expected


def test_bands_keep_their_order_and_missing_stays_missing():
    bands = number_bins(pd.Series([80, None, 20, 50]), bins=[18, 35, 55, 75])
    assert bands.cat.ordered and bands.cat.categories.tolist() == ["18-34", "35-54", "75 and over"]  # only bands in use
    assert bands.isna().tolist() == [False, True, False, False]


@pytest.mark.parametrize(
    "values, edges",
    [
        (np.arange(18, 90), [18, 35, 55, 70]),  # ages: a step of 5
        (np.linspace(12_000, 190_000, 400), [10_000, 60_000, 100_000, 150_000]),  # incomes: a step of 10,000
        ([0, 0, 0, 0, 0, 0, 1, 1, 2, 30], [0, 1]),  # mostly zero: edges that round together merge
        ([3, 3, 3], [3]),  # one value: one band
    ],
)
def test_automatic_edges_are_round_and_split_people_about_evenly(values, edges):
    assert round_edges(pd.Series(values, dtype=float)) == edges


def test_automatic_bands_hold_similar_numbers_of_people():
    ages = pd.Series(np.random.default_rng(0).normal(48, 16, 2000).clip(18, 95).round())
    counts = number_bins(ages).value_counts(normalize=True)
    assert len(counts) == 4 and counts.between(0.15, 0.35).all()


def test_the_declared_attributes_are_the_default_else_the_standard_fields():
    columns = ["respondent_id", "q20", "q21", "q23", "age_band", "language"]
    assert segmentation_attributes([], SPEC, columns) == ["q20", "q21", "q23"]
    assert segmentation_attributes(["q23", "language"], SPEC, columns) == ["q23", "language"]  # as named
    assert segmentation_attributes([], InputFile(path="s.csv"), columns) == ["age_band", "language"]
    assert attribute_labels(["q20", "age_band"], SPEC) == {"q20": "Age", "age_band": "age band"}


def test_declared_numbers_are_banded_and_the_rest_kept_as_read():
    survey = pd.DataFrame({"q20": [22.0, 40.0, 67.0, None], "q21": [2.0, 12.0, 30.0, 7.0], "q23": ["Own", "Rent", "Own", None]})
    frame = attribute_frame(survey, ["q20", "q21", "q23"], SPEC)
    assert frame["q21"].astype(str).tolist() == ["under 5", "10-19", "20 and over", "5-9"]
    assert frame["q20"].cat.ordered and frame["q20"].isna().sum() == 1
    assert frame["q23"].equals(survey["q23"])


def _survey(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "respondent_id": [f"R{i}" for i in range(n)],
            "age_band": pd.array(rng.integers(18, 93, n).astype(str), dtype="string"),  # an age mapped onto age_band
            "q20": rng.integers(18, 93, n).astype(float),
            "q23": pd.array(rng.choice(["Own", "Rent"], n), dtype="string"),
            "email": pd.array([f"p{i}@example.org" for i in range(n)], dtype="string"),
            "contacts_last_year": rng.integers(0, 200, n).astype(float),  # a standard number: modelled as one
        }
    )


def test_a_number_read_as_a_category_is_refused_with_the_fix():
    survey = _survey()
    [(column, message, fix)] = level_problems(survey, ["age_band", "q20", "q23", "contacts_last_year"], SPEC, named=True)
    assert column == "Age group" and survey["age_band"].nunique() == 73
    assert message.startswith("attribute 'age_band' (column 'Age group') has 73 distinct values (e.g. ")
    assert message.endswith("too many to segment on (at most 50): a number read as a category?")
    assert fix == (
        "Segment on it as a number: declare it under inputs.survey.attributes, e.g. {column: Age group, label: ..., "
        "kind: number}, instead of mapping it to age_band (it is described in bands; bins: [18, 35, 55, 75] sets your "
        "own); or leave 'age_band' out of settings.segmentation.attributes."
    )


def test_a_declared_category_holding_numbers_is_told_to_declare_kind_number():
    spec = InputFile(path="s.csv", attributes=[{"column": "Q20", "label": "Age"}])  # kind: category by default
    survey = _survey().assign(q20=lambda t: t["q20"].astype(int).astype(str))
    [(column, message, fix)] = level_problems(survey, ["q20"], spec, named=False)
    assert column == "Q20" and "a number read as a category?" in message
    assert fix.startswith("Segment on it as a number: set kind: number on its entry under inputs.survey.attributes (it is")
    assert fix.endswith("or list the attributes to segment on, without 'q20', under settings.segmentation.attributes.")


def test_an_id_or_free_text_is_refused_with_the_fix():
    [(_, message, fix)] = level_problems(_survey(), ["email"], None, named=True)
    assert message.startswith("attribute 'email' (column 'email') has 300 distinct values (e.g. p0@example.org")
    assert message.endswith("an id or free text?")
    assert (
        fix
        == "Leave 'email' out of settings.segmentation.attributes, or group its values into a few levels under inputs.survey.values."
    )


def test_a_number_is_segmented_as_a_number_because_bands_lose_its_order():
    # Why methods.attributes models declared numbers as numbers and only describes them in bands: three planted
    # groups, two of them alike but for age (18-34 and 60-80), are found from the numbers, not from the bands.
    from sklearn.metrics import adjusted_rand_score

    from cxmethods.methods.segmenter import Segmenter

    rng = np.random.default_rng(0)
    sizes, ages = (800, 150, 150), ((35, 60), (18, 35), (60, 81))
    truth = np.repeat([0, 1, 2], sizes)
    cycling = truth > 0
    X = pd.DataFrame(
        {
            "transport": np.where(
                rng.random(len(truth)) < 0.9, np.where(cycling, "Bike", "Car"), np.where(cycling, "Car", "Bus")
            ),
            "tenure": np.where(rng.random(len(truth)) < np.where(cycling, 0.9, 0.3), "Rent", "Own"),
            "age": np.concatenate([rng.integers(*a, n) for a, n in zip(ages, sizes, strict=True)]).astype(float),
        }
    )
    as_number = adjusted_rand_score(truth, Segmenter(3).fit(X).labels_)
    in_bands = adjusted_rand_score(truth, Segmenter(3).fit(X.assign(age=number_bins(X["age"]))).labels_)
    assert as_number >= 0.85 and in_bands <= as_number - 0.3
