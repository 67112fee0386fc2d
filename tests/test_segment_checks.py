"""Tests for cxmethods.methods.segment_checks: the segmentation guide, bases, the five tests of a good segment and the
equality and data-protection check."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from cxmethods import ConfigError
from cxmethods.core.paths import templates_dir
from cxmethods.methods.segment_checks import (
    channel_reach,
    classify,
    differences,
    equality_check,
    good_segment_tests,
    load_guide,
)

GUIDE = load_guide()


# --- the guide ---------------------------------------------------------------------------------------------------


def test_the_guide_holds_decisions_bases_tests_characteristics_and_embedding():
    assert len(GUIDE.decisions) >= 3 and GUIDE.decisions["decision"].str.len().gt(10).all()
    assert [b.id for b in GUIDE.bases] == ["do", "think", "who"]
    assert [t.id for t in GUIDE.tests] == ["measurable", "substantial", "reachable", "distinct", "actionable"]
    assert {t.also_called for t in GUIDE.tests} >= {"accessible", "differentiable"}
    protected = [s.name for s in GUIDE.sensitive if s.kind == "protected"]
    assert len(protected) == 9  # Equality Act 2010, s.4
    assert {"Age", "Disability", "Sex", "Sexual orientation", "Religion or belief", "Pregnancy and maternity"} <= set(protected)
    assert all("Equality Act 2010, s.4" in s.law for s in GUIDE.sensitive if s.kind == "protected")
    assert {s.id for s in GUIDE.sensitive if s.kind == "special"} >= {"health", "political", "trade_union"}
    assert {"owner", "refresh", "used_in"} <= set(GUIDE.embedding["id"])
    notes = " ".join(GUIDE.notes["note"])
    assert "Art. 6(1)(e)" in notes and "Art. 35" in notes and "s.149" in notes and "worse service" in notes


def test_the_guide_is_written_for_any_public_body():
    text = (templates_dir() / "segmentation_process.yaml").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "council" not in body.lower()


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("  - id: measurable\n", "  - id: measureable\n", r"unknown test 'measureable'\. Did you mean 'measurable'\?"),
        ("    threshold: 0.7\n", "    threshold: high\n", r"test 'measurable': threshold should be a number"),
        (
            "    tests: [actionable, substantial]\n",
            "    tests: [actionable, big]\n",
            r"decision 'outcomes' names unknown tests \['big'\]",
        ),
        ("  over_index: 150\n", "  over_index: lots\n", r"profile_flags needs over_index as a number"),
        (r"patterns: ['\bage\b',", r"patterns: ['\bage(',", r"is not a regular expression"),
        ("  - id: owner\n    question: Who owns the segmentation?\n", "  - id: owner\n", r"embedding 'owner' has no question"),
        ("embedding:\n", "embeding:\n", r"unknown key 'embeding'\. Did you mean 'embedding'\?"),
    ],
)
def test_a_broken_guide_says_what_and_where(tmp_path, old, new, message):
    text = (templates_dir() / "segmentation_process.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "guide.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_guide(path)


def test_a_guide_of_steps_only_still_loads(tmp_path):
    path = tmp_path / "steps.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            steps:
              - id: a
                title: A
                what: Do a
                output: An a
                workbook_section: outside the workbook
            """
        ),
        encoding="utf-8",
    )
    guide = load_guide(path)
    assert guide.steps["id"].tolist() == ["a"] and guide.tests == () and guide.decisions.empty


# --- bases and sensitive attributes -----------------------------------------------------------------------------


def test_bases_and_characteristics_from_names_labels_and_answers():
    data = pd.DataFrame({"q25": ["Male", "Female", "Female"], "q30": ["owned", "rented", "owned"]})
    table = classify(
        ["age_band", "digital_confidence", "contacts_last_year", "q25", "q30", "language", "ward", "q7", "disability"],
        {"q30": "Home", "q7": "Gets around by", "ward": "Ward"},
        GUIDE,
        data=data,
    ).set_index("attribute")
    assert table["base"].to_dict() == {
        "age_band": "who",
        "digital_confidence": "think",
        "contacts_last_year": "do",
        "q25": "none",
        "q30": "who",
        "language": "who",
        "ward": "who",
        "q7": "do",
        "disability": "who",
    }
    assert table.loc["age_band", "characteristic"] == "Age" and table.loc["age_band", "special_category"] == ""
    assert table.loc["q25", "characteristic"] == "Sex"  # given away by its answers, though its name says nothing
    assert table.loc["disability", "characteristic"] == "Disability" and "health" in table.loc["disability", "special_category"]
    assert "race" in table.loc["language", "stands_for"] and "race" in table.loc["ward", "stands_for"]
    assert table.loc[["digital_confidence", "q30", "q7"], "characteristic"].eq("").all()


@pytest.mark.parametrize(
    "label, characteristic",
    [
        ("Gender identity", "Gender reassignment"),
        ("Gender", "Sex"),
        ("Ethnic group", "Race (colour, nationality, ethnic or national origins)"),
        ("Religion", "Religion or belief"),
        ("Marital status", "Marriage and civil partnership"),
        ("Currently pregnant", "Pregnancy and maternity"),
        ("Sexual orientation", "Sexual orientation"),
        ("Long-term health condition", "Disability"),
        ("Trade union member", "Trade union membership"),
        ("Usage of the library", ""),  # "age" inside a word is not age
        ("Language spoken at home", ""),
        ("Essex resident", ""),  # "sex" inside a word is not sex
    ],
)
def test_each_characteristic_is_recognised_and_words_inside_words_are_not(label, characteristic):
    assert classify(["q1"], {"q1": label}, GUIDE)["characteristic"].iloc[0] == characteristic


# --- differences, reach and the five tests ----------------------------------------------------------------------

PROFILES = pd.DataFrame(
    {
        "segment": [1, 1, 1, 2, 2, 2],
        "attribute": ["disability", "disability", "contacts", "disability", "disability", "contacts"],
        "label": ["disability", "disability", "contacts a year", "disability", "disability", "contacts a year"],
        "value": ["yes", "no", "mean", "yes", "no", "mean"],
        "segment_share": [0.7, 0.3, 9.0, 0.05, 0.95, 3.5],
        "population_share": [0.2, 0.8, 4.0, 0.2, 0.8, 4.0],
        "index": [350.0, 37.5, 225.0, 25.0, 118.75, 87.5],
    }
)


def test_differences_find_what_is_typical_first_and_ignore_small_departures():
    found = differences(PROFILES, GUIDE.flags)
    one = found[found["segment"] == 1]
    assert one["direction"].tolist() == ["over", "higher", "under"]
    assert found[found["segment"] == 2]["direction"].tolist() == []  # 5% against 20%: the level is rare everywhere


def test_the_five_tests_computed_where_the_data_allows():
    segments = pd.DataFrame(
        {
            "segment": [1, 2],
            "name": ["Frequent callers", "Rare"],
            "share": [0.97, 0.03],
            "objective": ["Resolved first time.", ""],
        }
    )
    reach = channel_reach(pd.Series([1, 1, 1, 1, 2, 2]), pd.Series(["phone", "phone", "web_form", None, "post", "email"]))
    table = good_segment_tests(
        segments,
        GUIDE,
        min_share=0.05,
        recall={1: 0.95, 2: 0.4},
        silhouettes={1: 0.2, 2: -0.05},
        found=differences(PROFILES, GUIDE.flags),
        reach=reach,
    )
    verdict = table.pivot(index="segment", columns="test", values="verdict")
    assert verdict.loc[1].to_dict() == {
        "Measurable": "meets",
        "Substantial": "meets",
        "Reachable": "meets",
        "Distinct": "meets",
        "Actionable": "room",
    }
    assert verdict.loc[2].to_dict() == {
        "Measurable": "check",
        "Substantial": "check",
        "Reachable": "meets",
        "Distinct": "check",
        "Actionable": "check",
    }
    evidence = table.set_index(["segment", "test"])["evidence"]
    assert evidence[(1, "Reachable")] == "Two channels reach 75% of its members: phone (50%) and web form (25%)."
    assert "disability yes (70% of the segment, against 20% of everyone)" in evidence[(1, "Distinct")]
    assert "3% of respondents, under the smallest useful share (5%)" in evidence[(2, "Substantial")]
    assert table["question"].str.endswith("?").all()


def test_without_data_the_tests_are_for_the_room():
    segments = pd.DataFrame({"segment": [1], "name": ["All"], "share": [1.0], "objective": [""]})
    table = good_segment_tests(segments, GUIDE, min_share=0.05).set_index("test")
    assert table.loc["Measurable", "verdict"] == "room" and table.loc["Reachable", "verdict"] == "room"
    assert table.loc["Distinct", "verdict"] == "check"  # no clear difference found is worth checking


# --- equality and data protection -------------------------------------------------------------------------------


def _bases(keys, labels=None):
    table = classify(keys, labels or {}, GUIDE)
    table["role"] = "basis"
    return table


def test_protected_bases_typing_questions_and_profiles_are_flagged():
    bases = _bases(["disability", "contacts", "language"])
    found = differences(PROFILES, GUIDE.flags)
    table = equality_check(
        bases,
        GUIDE,
        questions=["disability", "contacts"],
        found=found[found["attribute"] == "disability"],
        names={1: "Frequent callers"},
        without="Without it, three questions place 90%.",
    )
    checks = table.groupby("check")["attribute"].apply(list).to_dict()
    assert checks["basis"] == ["disability"] and checks["stand_in"] == ["language"]
    assert checks["typing_question"] == ["disability"] and checks["profile"] == ["disability"]
    assert len(checks["always"]) == 3
    typing = table[table["check"] == "typing_question"].iloc[0]
    assert "special category data" in typing["finding"] and "Art. 9 condition" in typing["action"]
    assert typing["action"].endswith("Without it, three questions place 90%.")
    profile = table[table["check"] == "profile"].iloc[0]
    assert profile["segment"] == "Frequent callers" and "70% of the segment, against 20% of everyone" in profile["finding"]
    assert "no worse" in profile["action"]


def test_with_nothing_sensitive_the_check_says_so_and_keeps_the_notes():
    table = equality_check(_bases(["contacts", "preferred_channel"]), GUIDE, questions=["contacts"])
    assert table["check"].tolist() == ["basis", "always", "always", "always"]
    assert "No basis or typing question was recognised" in table["finding"].iloc[0]
    assert table.loc[table["check"] == "always", "law"].str.len().gt(5).all()
