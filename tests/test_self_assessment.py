"""Workbook 01's computations: aggregation, disagreement, consensus, gaps, findings; planted structure recovered."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pandas as pd
import pytest

from cxmethods import CxmError, InputError, load_engagement, read_input
from cxmethods.methodology.maturity import Question, Statement, load_model
from cxmethods.methods.maturity_scores import (
    SCORE_COLUMNS,
    component_summary,
    disagreements,
    findings,
    gaps,
    score_dimensions,
)
from cxmethods.workbooks import self_assessment

MODEL = load_model()


def answers(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["participant", "dimension_id", "current_level", "target_level"])


SIMPLE = answers(
    [
        ("A", "operations.measures", 1, 4),
        ("B", "operations.measures", 2, 4),
        ("C", "operations.measures", 4, 5),
        ("A", "understand.definition", 2, 3),
        ("B", "understand.definition", 3, 3),
        ("C", "understand.definition", 3, 4),
    ]
)


def test_medians_spread_and_disagreement():
    scores = score_dimensions(SIMPLE, MODEL).set_index("dimension_id")
    m, d = scores.loc["operations.measures"], scores.loc["understand.definition"]
    assert (m["n"], m["median_current"], m["iqr"], m["range"], m["disagreement"]) == (3, 2.0, 1.5, 3.0, True)
    assert (d["n"], d["median_current"], d["range"], d["disagreement"], d["gap"]) == (3, 3.0, 1.0, False, 0.0)
    assert scores.loc["outcomes.vision", "n"] == 0 and pd.isna(scores.loc["outcomes.vision", "gap"])
    assert list(score_dimensions(SIMPLE, MODEL).columns) == SCORE_COLUMNS
    assert (
        not score_dimensions(SIMPLE, MODEL, disagreement_range=4)
        .set_index("dimension_id")
        .loc["operations.measures", "disagreement"]
    )


def _room(levels: list[int], dimension: str = "operations.measures") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent": [f"R{i}" for i in range(len(levels))],
            "dimension_id": dimension,
            "current_level": levels,
            "target_level": 5,
        }
    )


def _disputed(levels: list[int], **rule) -> bool:
    scores = score_dimensions(_room(levels), MODEL, **rule).set_index("dimension_id")
    return bool(scores.at["operations.measures", "disagreement"])


def _brute_force(levels: list[int], share: float, apart: int) -> bool:
    """Reference: is there a group of ceil(share x n) (at least 1) all `apart` levels or more above as many others?"""
    n, k = len(levels), max(1, math.ceil(round(share * len(levels), 9)))
    for high in itertools.combinations(range(n), k):
        rest = [levels[i] for i in range(n) if i not in high]
        low = [v for v in rest if v <= min(levels[i] for i in high) - apart]
        if len(low) >= k:
            return True
    return False


def test_one_dissenter_in_a_room_of_eight_is_not_a_dispute():
    # seven agree on level 2, one says 5: heard, but not a disagreement of the room
    assert not _disputed([2] * 7 + [5])
    # the plain range rule (share 0: any one respondent) flags it
    assert _disputed([2] * 7 + [5], disagreement_share=0)


def test_a_split_room_is_a_dispute():
    # four say 2, four say 4: the median (3) hides a room split two levels apart
    assert _disputed([2] * 4 + [4] * 4)
    # split between neighbouring levels is not two levels apart
    assert not _disputed([2] * 4 + [3] * 4)
    # two of eight three levels away are a quarter of the room
    assert _disputed([2] * 6 + [5] * 2)
    assert not _disputed([2] * 6 + [5] * 2, disagreement_share=0.3)


@pytest.mark.parametrize("share", [0, 0.25, 0.4])
def test_the_disagreement_rule_matches_a_brute_force_search(share):
    rng = np.random.default_rng(7)
    for _ in range(60):
        levels = [int(v) for v in rng.integers(1, 6, size=int(rng.integers(2, 10)))]
        assert _disputed(levels, disagreement_share=share) == _brute_force(levels, share, 2), levels


@pytest.mark.parametrize(("name", "value"), [("disagreement_share", 0.6), ("disagreement_share", -0.1)])
def test_disagreement_share_is_checked(name, value):
    with pytest.raises(CxmError, match=rf"'{name}' parameter of score_dimensions"):
        score_dimensions(SIMPLE, MODEL, **{name: value})


@pytest.mark.parametrize("value", [0, 1.5, True])
def test_disagreement_range_is_a_whole_number_of_levels(value):
    with pytest.raises(
        CxmError, match=rf"The 'disagreement_range' parameter of score_dimensions must be an int >= 1\. Got {value!r} instead\."
    ):
        score_dimensions(SIMPLE, MODEL, disagreement_range=value)


def test_consensus_overrides_the_median_and_both_are_kept():
    consensus = pd.DataFrame(
        {
            "dimension_id": ["operations.measures"],
            "current_level": [3],
            "target_level": [5],
            "rationale": ["front line showed the waiting-time report"],
        }
    )
    row = score_dimensions(SIMPLE, MODEL, consensus=consensus).set_index("dimension_id").loc["operations.measures"]
    assert (row["median_current"], row["consensus_current"], row["current"], row["target"], row["gap"]) == (
        2.0,
        3.0,
        3.0,
        5.0,
        2.0,
    )
    assert row["consensus_rationale"] == "front line showed the waiting-time report"


def test_weights_priority_order_and_change_since_a_previous_assessment():
    scores = score_dimensions(
        SIMPLE,
        MODEL,
        weights={"understand": 3.0, "operations.measures": 0.5},
        previous=pd.DataFrame({"dimension_id": ["operations.measures"], "current": [1.0]}),
    )
    ranked = gaps(scores)
    assert ranked["dimension_id"].tolist()[:2] == ["operations.measures", "understand.definition"]  # gap 2 x 0.5 > gap 0 x 3
    by = scores.set_index("dimension_id")
    assert by.loc["operations.measures", "priority"] == pytest.approx(1.0)
    assert by.loc["understand.definition", "weight"] == 3.0 and by.loc["understand.segmentation", "weight"] == 3.0
    assert by.loc["operations.measures", "change"] == 1.0 and pd.isna(by.loc["understand.definition", "change"])
    n = len(MODEL.dimensions)
    assert ranked["rank"].tolist() == list(range(1, n + 1)) and ranked["gap"].isna().tolist()[-(n - 2) :] == [True] * (n - 2)


def test_disagreements_are_ranked_widest_first_and_components_roll_up():
    rows = answers(
        [
            ("A", "outcomes.vision", 1, 3),
            ("B", "outcomes.vision", 3, 3),
            ("A", "operations.systems", 1, 3),
            ("B", "operations.systems", 5, 5),
        ]
    )
    assert disagreements(score_dimensions(rows, MODEL))["dimension_id"].tolist() == ["operations.systems", "outcomes.vision"]
    summary = component_summary(score_dimensions(SIMPLE, MODEL)).set_index("component")
    operations = len(MODEL.component("operations").dimensions)
    assert summary.loc["operations", "dimensions"] == operations and summary.loc["operations", "scored"] == 1
    assert summary.loc["operations", "gap"] == 2.0


def test_every_no_partly_or_unanswered_item_is_a_finding():
    questions = (
        Question("q1", "understand", "Do we agree who our customers are?"),
        Question("q2", "operations", "Motivated staff?"),
        Question("q3", "outcomes", "Capacity to change?"),
    )
    statements = (
        Statement("decision_maker.1", "decision_maker", "Decision maker", "understand", "You use hard data."),
        Statement("decision_maker.2", "decision_maker", "Decision maker", "outcomes", "You pool ideas."),
    )
    quick = pd.DataFrame({"question_id": ["q1", "q2"], "answer": ["no", "yes"], "note": ["two lists", ""]})
    # answered for the organisation only (a file from before the team was asked): no team findings
    checklist = pd.DataFrame(
        {"statement_id": ["decision_maker.1", "decision_maker.2"], "answer": ["partly", "yes"], "note": ["", ""]}
    )
    found = findings(quick, checklist, questions=questions, statements=statements)
    assert found[["source", "component", "item_id", "answer", "note"]].to_dict("records") == [
        {"source": "quick test: organisation", "component": "understand", "item_id": "q1", "answer": "no", "note": "two lists"},
        {"source": "quick test: organisation", "component": "outcomes", "item_id": "q3", "answer": "not answered", "note": ""},
        {
            "source": "Role checklist: Decision maker",
            "component": "understand",
            "item_id": "decision_maker.1",
            "answer": "partly",
            "note": "",
        },
    ]


def test_sample_engagement_recovers_the_planted_disagreements_and_gaps():
    from cxmethods.sample import DISAGREEMENT_DIMENSIONS, LARGEST_GAP_DIMENSIONS

    scores = self_assessment.run(load_engagement(), None).tables["scores"]
    assert set(disagreements(scores)["dimension_id"]) == set(DISAGREEMENT_DIMENSIONS)
    assert set(gaps(scores)["dimension_id"].head(3)) == set(LARGEST_GAP_DIMENSIONS)
    assert (scores["n"] == 8).all()


def test_sample_findings_include_the_planted_quick_test_answers():
    from cxmethods.sample import make_sample

    planted = make_sample().truth.get("quick_test_no")
    if planted is None:
        pytest.fail("the sample engagement has no planted quick-test answers (truth['quick_test_no'])")
    found = self_assessment.run(load_engagement(), None).tables["findings"]
    assert set(found.loc[found["source"] == "quick test: organisation", "item_id"]) == set(planted)
    team = make_sample().truth["quick_test_team_no"]
    assert set(found.loc[found["source"] == "quick test: team", "item_id"]) == set(team) != set(planted)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ("understand.definition,1,3", "understand.definitons,1,3"),
            r"unknown dimension id\(s\): understand\.definitons\. Did you mean 'understand\.definition'\?",
        ),
        (
            ("understand.definition,1,3", "understand.definition,6,3"),
            r"answers\.csv, column 'current_level', row 3: 1 value\(s\) of current_level are not whole numbers from 1 to 5",
        ),
        (
            ("Bob,Adviser", "Ann,Adviser"),
            r"answers\.csv, column 'dimension_id', rows 2, 3: 1 value\(s\) of participant \+ dimension_id appear more than once "
            r"\(e\.g\. \(Ann, understand\.definition\)\)",
        ),
    ],
)
def test_bad_answers_give_clear_errors(tiny, change, message):
    from cxmethods import validate_engagement

    tiny.set_file("answers.csv", tiny.files["answers.csv"].replace(*change))
    errors = [str(p) for p in validate_engagement(tiny.path).errors]
    assert len(errors) == 1
    assert re.search(message, errors[0]), errors[0]
    if "dimension id" not in message:
        with pytest.raises(InputError):
            read_input(load_engagement(tiny.path), "self_assessment")


def test_half_answered_rows_from_a_live_workshop_are_warnings_and_left_out_of_that_score(tiny):
    from cxmethods import validate_engagement

    tiny.set_file("answers.csv", tiny.files["answers.csv"].replace("understand.definition,1,3", "understand.definition,,3"))
    report = validate_engagement(tiny.path)
    assert report.ok
    assert [str(p).split(", ", 1)[1] for p in report.warnings] == [
        "column 'current_level', row 3: 1 answer(s) are not complete yet: no current level. Fix: Pick it in the workshop form "
        "or fill in the column; until then the answer is left out of that score."
    ]
    answers = read_input(load_engagement(tiny.path), "self_assessment")
    row = score_dimensions(answers, MODEL).set_index("dimension_id").loc["understand.definition"]
    assert (row["n"], row["median_current"], row["median_target"]) == (1, 2.0, 3.5)


def test_team_answers_are_findings_of_their_own():
    questions = (Question("q1", "understand", "Same people?"), Question("q2", "readiness", "Capacity to change?"))
    quick = pd.DataFrame({"question_id": ["q1", "q2"], "answer": ["yes", "no"], "team_answer": ["no", ""], "note": ["", ""]})
    found = findings(quick, pd.DataFrame(), questions=questions, statements=())
    assert found[["source", "item_id", "answer"]].values.tolist() == [
        ["quick test: organisation", "q2", "no"],
        ["quick test: team", "q1", "no"],
        ["quick test: team", "q2", "not answered"],
    ]


def test_answers_given_against_version_1_are_read_with_a_note(tiny):
    """A workshop file from before the model's version 2: read as given, with a note; ids the model lacks dropped."""
    tiny.set_file(  # the engagement's self_assessment file (answers.csv), in version 1's columns
        "answers.csv",
        "participant,role,dimension_id,current_level,target_level,evidence\n"
        "Ann,lead,operations.measures,2,4,monthly report\n"
        "Ann,lead,operations.gone,3,4,a dimension no model has\n",
    )
    eng = load_engagement(tiny.path)
    result = self_assessment.run(eng, None)
    scores = result.tables["scores"].set_index("dimension_id")
    assert scores.loc["operations.measures", "n"] == 1 and "operations.gone" not in scores.index
    notes = " ".join(result.notes)
    assert "given against an unstated (earlier) version of the maturity model" in notes
    assert "'operations.gone' (not a dimension of this model)" in notes
